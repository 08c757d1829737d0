"""The office: accounts, sign-in, roles, the audit log."""

from __future__ import annotations

# --- the office (issue 23): accounts, sign-in, roles, audit log ---
HELP_USER = "作業画面にサインインするアカウント（閲覧・確認・管理）を作成・一覧・停止します。"
HELP_USER_ADD = (
    "アカウントを作ります。パスワードを 2 回たずねます（端末でないときは標準入力の 1 行を読みます）。\n\n"
    "役割: 閲覧＝見るだけ、確認＝承認・保留も、管理＝アップロード・作成・印刷・封印・点検・アカウント管理も。"
)
HELP_USER_LIST = "アカウントの一覧（名前・役割・停止中か）を表示します。"
HELP_USER_DISABLE = "アカウントを停止します（サインイン中の画面も閉じます）。--enable で戻します。"
HELP_USER_PASSWD = "アカウントのパスワードを変えます（サインイン中の画面は閉じます）。"
HELP_USER_ROLE = "役割: 閲覧 | 確認 | 管理"
HELP_USER_ENABLE = "停止を解除する"
HELP_AUDIT = (
    "監査記録（サインイン、アップロード、作成、承認・保留、印刷、ダウンロード、封印、ユーザー変更）を表示します。"
)
HELP_AUDIT_SINCE = "この日（YYYY-MM-DD、日本時間）以降だけ表示する"
HELP_HOST = (
    "ほかのパソコンから開けるように、このアドレスで待ち受けます（例: 0.0.0.0 や 192.168.1.10）。"
    "HTTPS とサインインが必要になります。"
)
HELP_CERT = "HTTPS の証明書（PEM）。省略すると初回に自己署名の証明書を作って保存します。"
HELP_KEY = "--cert の秘密鍵（PEM）。"
USER_PASSWORD_PROMPT = "パスワード"
USER_PASSWORD_AGAIN = "パスワード（確認のためもう一度）"
USER_PASSWORDS_DIFFER = "2 回のパスワードが違います。もう一度やり直してください。"
USER_NO_PASSWORD = "パスワードが読めませんでした。標準入力に 1 行で渡してください。"
USER_BAD_NAME = "ユーザー名は 1〜{limit} 文字で、< > & \" ' / \\ と制御文字は使えません。"
USER_BAD_ROLE = "役割「{role}」はありません。{roles} のどれかを指定してください。"
USER_SHORT_PASSWORD = "パスワードが短すぎます。{length} 文字以上にしてください。"
USER_UNKNOWN = "アカウント「{name}」はありません。mailmerge user list で名前を確かめてください。"
USER_EXISTS = "アカウント「{name}」はもうあります。パスワードを変えるときは mailmerge user passwd {name} です。"
USER_ADDED = "アカウント「{name}」（{role}）を作りました。保存先: {path}"
USER_DISABLED = "アカウント「{name}」を停止しました。"
USER_ENABLED = "アカウント「{name}」の停止を解除しました。"
USER_PASSWORD_SET = "アカウント「{name}」のパスワードを変えました。"
USER_ADDED_WEB = "アカウント「{name}」（{role}）を作りました。"
USER_NOT_SELF = "自分のアカウントは停止できません。ほかの管理担当の人に頼んでください。"
USER_NONE = "アカウントはまだありません。mailmerge user add 名前 --role 管理 で作ってください。"
USER_LIST_LINE = "{name}\t{role}\t{state}"
USER_STATE_ACTIVE = "有効"
USER_STATE_DISABLED = "停止中"
USER_STATE_WAITING = "待機中（パスワードの誤りが続いたため）"
AUDIT_NONE = "監査記録はありません。"
AUDIT_BAD_SINCE = "--since の日付「{value}」が読めません。YYYY-MM-DD（例: 2026-04-01）で指定してください。"
AUDIT_LINE = "{at}\t{account}\t{action}\t{cycle}\t{members}\t{detail}"
AUDIT_ACTIONS = {
    "signin": "サインイン",
    "signin_failed": "サインイン失敗",
    "signout": "サインアウト",
    "upload": "アップロード",
    "run": "作成",
    "decision": "承認・保留",
    "print": "印刷",
    "send": "メール送信",
    "send_test": "テスト送信",
    "download": "ダウンロード",
    "seal": "封印",
    "verify": "点検",
    "user_add": "ユーザー追加",
    "user_disable": "ユーザー停止",
    "user_enable": "ユーザー停止解除",
    "user_passwd": "パスワード変更",
    "post": "操作",
}
# The audit log's 内容 of an action that has no file or decision to name: what was done, by its page's button.
AUDIT_DETAILS = {
    "withdraw": "判断の取り消し",
    "set_reviewer": "確認者の名前の設定",
    "workspace.roster_upload": "名簿の取り込み",
    "workspace.roster_confirm": "名簿の置き換え",
    "workspace.roster_confirm.discard": "名簿の取り込みの中止",
    "workspace.template_upload": "文面の取り込み",
    "workspace.template_proof": "試し刷りの作成",
    "workspace.template_proof_pdf": "試し刷りの表示",
    "workspace.template_confirm": "文面の置き換え",
    "workspace.template_confirm.discard": "文面の取り込みの中止",
    "workspace.settings_save": "年度と日付の保存",
    "workspace.run_start": "作成の開始",
    "workspace.print_start": "印刷の開始",
    "workspace.seal_start": "封印の開始",
    "workspace.verify_start": "点検の開始",
    "workspace.send_test": "テスト送信",
    "workspace.send_start": "メール送信の開始",
    "workspace.job_stop": "中止",
}
AUDIT_DOCUMENT = "{label}（{file}）"  # a member's document downloaded: 書状（letter.pdf）
OFFICE_SIGN_IN_FIRST = "サインインしてください。画面を再読み込みするとサインインの画面が開きます。"
OFFICE_WRONG_PASSWORD = "ユーザー名かパスワードが違います。"
# Read by whoever typed the address: the setting that allows more names is in the README (導入 (a), step 3).
OFFICE_BAD_HOST = (
    "このアドレスでは作業画面を開けません。管理担当の人から知らされたアドレス（作業画面を起動したときに"
    "表示されたもの）で開いてください。別の名前で開けるようにするには、管理担当の人に頼んでください。"
)
OFFICE_WAIT = (
    "パスワードの誤りが続いたため、このアカウントは {wait} 待ってからでないとサインインできません。"
    "パスワードを忘れたときは管理担当の人に変えてもらってください。"
)
OFFICE_MINUTES = "{minutes} 分 {seconds} 秒"
OFFICE_SECONDS = "{seconds} 秒"
# In place of a button or a whole step the signed-in account's role may not use.
OFFICE_MANAGER_ONLY = "この操作は「管理」の人が行います"
OFFICE_CHECKER_ONLY = "承認・保留は「確認」または「管理」の人が行います"
OFFICE_NEEDS_ROLE = (
    "この操作には「{role}」の役割が必要です（あなたのアカウントは「{own}」）。"
    "必要なときは管理担当の人に頼んでください。"
)
OFFICE_HOST_LOOPBACK = (
    "--host {host} はこのパソコンの中だけのアドレスです。ほかのパソコンから開くときは、このパソコンの"
    "アドレス（例: 192.168.1.10）か 0.0.0.0 を指定してください。このパソコンだけで使うときは --host を付けません。"
)
OFFICE_NO_USERS = (
    "アカウントがまだありません。先に mailmerge user add 名前 --role 管理 でアカウントを作ってください"
    "（保存先: {path}）。"
)
OFFICE_CERT_PAIR = "--cert と --key は両方指定してください。"
OFFICE_CERT_UNREADABLE = "証明書 {cert} と鍵 {key} が読めません: {reason}"
OFFICE_SERVING = (
    "作業画面をほかのパソコンにも開きました（HTTPS、サインインが必要）。止めるときは Ctrl-C。\n"
    "証明書: {cert}\n"
    "証明書の SHA-256 フィンガープリント（ブラウザの証明書の表示と同じか確かめてください）:\n{fingerprint}"
)
OFFICE_BAD_HOSTS = '{name}: [server] hosts はホスト名の一覧にしてください（例: hosts = ["mailmerge.example.lan"]）。'
HELP_APPROVE = (
    "会員の承認（紙で確認した場合など）をコマンドで記録します。\n\n"
    "MEMBER_IDS は会員番号（全角でも可: ００１２ は 0012）。--all で全会員。"
    "記録は確認画面と同じ review.db に残り、その時点の PDF・Word のファイルに対して有効です。"
)
SHORT_HELP_APPROVE = "承認・保留をコマンドで記録します。"
HELP_ALL = "出力先の全会員を対象にします。"
HELP_NOTE = "メモ（保留の理由など）。"
HELP_REVIEWER = "確認者の名前（省略時はこのパソコンのログイン名）。"
HELP_HOLD = "承認ではなく保留として記録します（--note が必要）。"
APPROVE_IDS_OR_ALL = "会員番号を指定するか、--all を付けてください（両方は指定できません）。"
HELP_PRINT = (
    "承認済みの会員だけを印刷用にまとめ、出力先の print/ に書きます: 加入・未加入ごとの束（表紙、続いて会員ごとに"
    "書状と概要、郵便番号順）、宛名ラベル（A4 12 面）、印刷順の一覧 list.csv。\n\n"
    "承認されていない会員（未確認・保留・承認後に文書が変わった会員）は入れず、会員番号で知らせます。"
    "承認済みが一人もいないとき、承認後に PDF が変わっていたときは何も書かず、終了コード 1。"
)
SHORT_HELP_PRINT = "承認済みの会員の束・宛名ラベル・一覧を作ります。"
HELP_PRINT_MEMBERS = "この会員だけを印刷します（会員番号。0001,0002 のようにカンマ区切り、または繰り返し指定）。"
HELP_ALL_APPROVED = "封印済み（発送済み）の会員も含め、承認済みの会員を全員印刷します。"
HELP_PRINT_ARCHIVE = "封印済みかを調べる封印の保存先フォルダー（既定: 設定ファイルと同じ場所の archive/）。"
HELP_INCLUDE_UNAPPROVED = "承認されていない会員も入れます（表紙に「未承認を含む」と入ります）。"
HELP_LABELS_START = (
    "宛名ラベルを 1 枚目の N 番目の位置から印刷します（途中まで使ったシート用。左上が 1、右へ・下へ数えて 12 まで）。"
)
SHORT_HELP_ARCHIVE = "発送した書状を封印します（読み取り専用の BagIt と索引）。"
SHORT_HELP_HISTORY = "会員ひとりに送った書状を一覧にします。"
SHORT_HELP_VERIFY = "封印をすべて点検します（年に一度）。"
CLI_CHECK_ERRORS = "エラーが {count} 件あります。直してから、もう一度 mailmerge check を実行してください。"
CLI_CHECK_PATH_LAYERED = "{document}（{group} {count} 名）: 共有ページ + 会員ごとの差し込み層"
CLI_CHECK_PATH_WHOLE = "{document}（{group} {count} 名）: 会員ごとに全体を変換（理由: {reason}）"
CLI_CHECK_OK = "OK（注意 {count} 件）。次は mailmerge run で作成します。"
CLI_ROSTER_NOTE = "名簿: {roster} ({note})"
CLI_CHECK_COUNTS = (
    "名簿 {total} 行: 加入 {enrolled} 名, 未加入 {unenrolled} 名, エラーのある行 {rejected} 行 (空行 {blank} "
    "行は読み飛ばし)"
)
CLI_RUN_REFUSED = (
    "名簿またはテンプレートにエラーが {count} 件あります。何も作成していません。直してから、もう一度実行してください。"
)
CLI_GROUP_COUNT = "{group} {count} 件"
CLI_DONE = "完了: {members} 会員 ({counts}), {documents} 文書 (新規作成 {made}, 変更なしで再利用 {reused})"
CLI_TOTALS = "集計: 名簿 {roster_rows} 行 = 加入 {enrolled} + 未加入 {unenrolled} + エラー {rejected} 行 (summary.json)"
CLI_WHERE = "出力先: {where}/  (一覧: {where}/manifest.csv)"
