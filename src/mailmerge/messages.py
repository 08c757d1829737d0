"""Every sentence the secretariat can read, in one catalogue, so the wording is reviewed in one place.

Messages are plain Japanese: where (file, Excel row, column, code point), what is wrong, and what to do.
A message never quotes a name or an address. Each step module takes its messages from here;
third-party English (Jinja, LibreOffice, Python's OSError) is wrapped in a Japanese sentence.
"""

from __future__ import annotations

# --- command line (cli) --------------------------------------------------------------------

# The first word of every error and warning line the commands print.
ERROR_PREFIX = "エラー: "
WARNING_PREFIX = "注意: "
# click's own words (cli/usage.py): the usage line, the help's hint, and what was wrong on the command line.
CLI_USAGE_PREFIX = "使い方: "
CLI_HELP_HINT = "「{command} --help」で使い方の説明を表示します。"
CLI_NO_SUCH_COMMAND = "「{name}」というコマンドはありません。"
CLI_NO_SUCH_OPTION = "「{name}」というオプションはありません。"
CLI_DID_YOU_MEAN = "もしかして: {names}"
CLI_MISSING_OPTION = "{name} を指定してください。"
CLI_MISSING_ARGUMENT = "{name} を指定してください。"
CLI_BAD_VALUE = "{name} の値が正しくありません: {detail}"
CLI_NOT_A_NUMBER = "「{value}」は数ではありません。半角の数字で指定してください"
CLI_OUT_OF_RANGE = "{value} は範囲（{range}）の外です"
CLI_NOT_A_CHOICE = "「{value}」は使えません。次のどれかで指定してください: {choices}"
CLI_PATH_MISSING = "「{value}」が見つかりません"
CLI_PATH_IS_FOLDER = "「{value}」はフォルダーです。ファイルを指定してください"
CLI_PATH_IS_FILE = "「{value}」はファイルです。フォルダーを指定してください"
CLI_EXTRA_ARGUMENTS = (
    '余分な引数があります（{extra}）。空白を含む名前やメモは "事務局 山田" のように引用符で囲んでください。'
)
CLI_OPTION_NEEDS_VALUE = "{name} には値が必要です。"
CLI_USAGE_OTHER = "コマンドの書き方が正しくありません（{detail}）。"
CLI_ABORTED = "中断しました。"

# --- the cycle config (mailmerge.toml) ------------------------------------------------------

CONFIG_NOT_FOUND = "{path}: 設定ファイル（mailmerge.toml）が見つかりません"
CONFIG_NOT_FOUND_HINT = "。プロジェクトのフォルダーで実行するか、--config で設定ファイルを指定してください"
CONFIG_NOT_TOML = (
    "{name}: 設定ファイルの書き方に誤りがあります（{detail}）。Word ではなくテキストエディターで開き、直してください"
)
# Templates (render.py): where, what is wrong, what to do.
TEMPLATE_NOT_WORD = "Word 文書 (.docx) として読めません。Word で開き「Word 文書 (*.docx)」形式で保存し直してください"
TEMPLATE_PROPERTIES = "(文書のプロパティ)"
TEMPLATE_TAG_SYNTAX = "{where}: 差し込みタグの書き方に誤りがあります ({detail})。付近の文: 「{snippet}」"
TEMPLATE_RENDERED_BROKEN = (
    "{display}: 会員番号 {member_id}: 差し込み後の文書が壊れています ({part}: {detail})。"
    "{{%p %}} などのタグがそれぞれ一つの段落に収まっているか確認してください"
)
TEMPLATE_MISSING = "{display}: テンプレートが見つかりません。mailmerge.toml の [documents] を確認してください"
TEMPLATE_FIELD_NAMED = "差し込み項目 '{name}' "
TEMPLATE_FIELD_OTHER = "差し込み項目 ({detail}) "
TEMPLATE_PART_OF = "{part} の "
TEMPLATE_UNKNOWN_FIELD = (
    "差し込み項目 '{name}' は名簿にも mailmerge.toml にもありません。"
    "テンプレートの綴りを直すか、mailmerge.toml に追加してください"
)
TEMPLATE_EXTERNAL_LINK = (
    "外部の {kind} にリンクしています（変換時に LibreOffice が外部から取得します）。"
    "図はリンクせず文書に貼り付けてください"
)
TEMPLATE_EXTERNAL_FIELD = "外部の内容を読み込む {field} フィールドがあります。削除してください"
SERVE_ACCESS_LOG = "画面へのアクセスの記録（会員番号のみ、日本時間）: {path}"
DATE_STYLE_UNKNOWN = "日付の書き方 {style!r} は使えません（{allowed} のどれか）"
DATE_BEFORE_SHOWA = '{day} は昭和より前の日付なので和暦で書けません。date_style = "western" にしてください'
STORE_CANNOT_OPEN = "{path}: データベースを開けません（{reason}）。ファイルの権限と空き容量を確認してください"
ROSTER_HONORIFIC = "敬称 {quoted} は使えません。{allowed} のどれかにしてください（空欄は 様）"
CONFIG_NOT_UTF8 = (
    "{name}: 設定ファイルが UTF-8 ではありません。テキストエディターで「UTF-8」を選んで保存し直してください"
)
# tomllib's reasons (the start of its English message) and what they mean for the person editing the file.
CONFIG_TOML_REASONS = (
    ("Expected '=' after a key", "項目名の後に「=」がありません"),
    ("Invalid value", '値の書き方が正しくありません。文字は "…" で囲み、日付は 2026-12-01 のように書きます'),
    ("Unterminated string", '文字列を閉じる「"」がありません'),
    ("Illegal character", "文字列の中に使えない文字（改行・タブなど）があります"),
    ("Cannot declare", "同じ表（[…]）が 2 回あります"),
    ("Cannot overwrite a value", "同じ項目が 2 回あります"),
    ("Duplicate inline table key", "同じ項目が 2 回あります"),
    ("Unclosed array", "「[」に対応する「]」がありません"),
    ("Unclosed inline table", "「{」に対応する「}」がありません"),
    ("Expected ']' at the end of a table", "表の見出しを閉じる「]」がありません"),
    ("Invalid initial character for a key", "項目名の書き方が正しくありません（半角英数字で書きます）"),
    ("Invalid statement", "この行の書き方が正しくありません（項目名 = 値 の形で書きます）"),
    (
        "Expected newline or end of document",
        '値の後に余分な文字があります。文字は "…" で囲み、1 行に 1 項目だけ書きます',
    ),
    ("Invalid date or datetime", "日付が正しくありません（2026-12-01 のように書きます）"),
    ("Unescaped", "文字列の中の「\\」は「\\\\」と書きます"),
)
CONFIG_TOML_OTHER = "書き方が正しくありません: {detail}"
CONFIG_NEEDS_VALUE = "{name}: [{where}] に {key} の値がありません。書き足してください"
CONFIG_BAD_DATE_STYLE = "{name}: date_style は {allowed} のどれかにしてください（いまは {value!r}）"
CONFIG_NEEDS_COLUMN = (
    '{name}: [roster.fields] に項目 {field} がありません。{field} = {{ header = "名簿の列名" }} を書き足してください'
)
CONFIG_FIELDS_AND_COLUMNS = (
    "{name}: [roster.fields] と [roster.columns]・[roster.required]・[roster.max_length] が両方あります。"
    "項目は [roster.fields] だけに書いてください"
)
CONFIG_CORE_UNPRINTED = "{name}: 項目 {field} は書状に必ず使うため printed = false にはできません"
CONFIG_FIELD_NAME = (
    "{name}: [{where}] の項目名は半角の英字・数字・_ で書いてください（テンプレートの {{{{ 項目名 }}}} になります）"
)
CONFIG_FIELD_UNKNOWN_KEY = "{name}: [{where}] の {key} は使えません（使えるのは {allowed}）"
CONFIG_FIELD_BAD_VALUE = (
    "{name}: [{where}] の {key} = {value!r} は使えません。header と check は文字列、printed と required は "
    "true か false、max_length は 1 以上の整数で書いてください"
)
CONFIG_UNKNOWN_CHECK = '{name}: [{where}] の check = "{check}" はありません（使えるのは {allowed}）'
CONFIG_UNKNOWN_REQUIRED = "{name}: [roster.required] の {fields} は [roster.columns] にない項目です"
CONFIG_GROUPS = "{name}: [groups] には enrolled と unenrolled の二つだけを書いてください"
CONFIG_SAME_GROUPS = "{name}: [groups] の enrolled と unenrolled には別々の言葉を書いてください"
CONFIG_NO_DOCUMENTS = "{name}: [documents] にテンプレートが一つもありません"
CONFIG_BAD_DATE = "{name}: [letter] の日付: {detail}"
CONFIG_EMAIL_UNKNOWN_KEYS = "{name}: [email] に知らない項目 {keys} があります。使える項目は {allowed} です"
CONFIG_EMAIL_SECURITY = "{name}: [email] の security は {allowed} のどれかにしてください（いまは {value!r}）"
CONFIG_EMAIL_PLAIN = (
    '{name}: [email] の security = "none"（暗号化なし）は、このコンピューター上のサーバー（host が {hosts}）で'
    "user を書かないときだけ使えます。パスワードを暗号化せずに送らないためです。starttls か tls にしてください"
)
CONFIG_EMAIL_CHANNEL = "{name}: [email] の default_channel は {allowed} のどれかにしてください（いまは {value!r}）"
CONFIG_EMAIL_NUMBER = "{name}: [email] の port は 1〜65535、per_minute と per_day は 0 以上の整数にしてください"
CONFIG_NOT_TRUE_FALSE = "{name}: [{where}] の {key} は true か false にしてください（いまは {value!r}）"
HELP_MAIN = "ATS 更新案内: 会員ごとに理事長の書状と保険の概要を作ります。"
HELP_CHECK = (
    "名簿とテンプレートを点検し、LibreOffice があるか確かめます（何も書きません）。\n\n"
    "問題は「ファイル:行: 列: 内容」で一覧にします。エラーがあれば終了コード 1。"
)
HELP_RUN = (
    "会員ごとの書状と概要を DOCX と PDF で作り、manifest.csv に一覧にします。\n\n"
    "はじめに名簿とテンプレートを点検し、エラーがあれば何も作りません。中断や名簿の修正の後に"
    "もう一度実行すると、変わっていない文書はそのまま使います。"
)
HELP_CONFIG = "年度の設定ファイル（既定: ./mailmerge.toml）。"
HELP_ROSTER = "設定ファイルの名簿の代わりに使う名簿（.xlsx または .csv）。"
HELP_OUT = "出力先フォルダー（既定: 設定ファイルの output、out/{cycle}）。"
HELP_ONLY = "一方の加入状況の会員だけ作ります。"
HELP_LIMIT = "最初の N 会員だけ作ります（試しの実行）。"
HELP_FORCE = "材料が変わっていない文書も、すべて作り直します（ふだんは不要です: 変わった文書だけが作り直されます）。"
HELP_QUIET = "進み具合のバーを出しません。"
HELP_HELP = "この説明を出して終わります。"
HELP_VERSION = "版を出して終わります。"
HELP_REVIEW = (
    "送付前の確認画面をこのパソコンだけで開きます（Ctrl-C で終了）。\n\n"
    "一覧で全会員の書状と概要を見て、会員ごとに承認または保留（メモ付き）を記録します。"
    "表示するアドレス http://127.0.0.1:PORT/?token=… は起動のたびに変わります。"
)
SHORT_HELP_REVIEW = "送付前の確認画面を開きます（このパソコンだけ）。"
HELP_PORT = "使うポート番号（省略時は空いている番号）。"
HELP_NO_BROWSER = "ブラウザを開かない（アドレスだけを表示）。"
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
    "download": "ダウンロード",
    "seal": "封印",
    "verify": "点検",
    "user_add": "ユーザー追加",
    "user_disable": "ユーザー停止",
    "user_enable": "ユーザー停止解除",
    "user_passwd": "パスワード変更",
    "post": "操作",
}
OFFICE_SIGN_IN_FIRST = "サインインしてください。画面を再読み込みするとサインインの画面が開きます。"
OFFICE_WRONG_PASSWORD = "ユーザー名かパスワードが違います。"
OFFICE_BAD_HOST = (
    "このアドレスの名前では開けません。mailmerge.toml の [server] hosts "
    "に書いた名前（または起動時に表示されたアドレス）"
    "で開いてください。名前を増やすときは hosts に書き足して作業画面を起動し直します。"
)
OFFICE_WAIT = (
    "パスワードの誤りが続いたため、このアカウントは {wait} 待ってからでないとサインインできません。"
    "パスワードを忘れたときは管理担当の人に変えてもらってください。"
)
OFFICE_MINUTES = "{minutes} 分 {seconds} 秒"
OFFICE_SECONDS = "{seconds} 秒"
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
CLI_INTERRUPTED = "中断しました。もう一度実行してください（mailmerge run は作り終えた文書から続けます）。"
# Ctrl-C during a command: what was left and what to run again, per command (run: CLI_INTERRUPTED).
CLI_INTERRUPTED_BY_COMMAND = {
    "run": CLI_INTERRUPTED,
    "check": "中断しました。何も書き込んでいません。もう一度 mailmerge check を実行してください。",
    "approve": "中断しました。判定は全員分を記録したか、何も記録していないかのどちらかです。"
    "mailmerge review で確かめ、必要ならもう一度 mailmerge approve を実行してください。",
    "print": "中断しました。印刷用ファイル（print フォルダー）は完成していないおそれがあります。"
    "印刷には使わず、もう一度 mailmerge print を実行してください。",
    "history": "中断しました。何も変更していません。もう一度 mailmerge history を実行してください。",
    "verify": "中断しました。何も変更していません。もう一度 mailmerge verify を実行してください。",
}
CLI_INTERRUPTED_OTHER = "中断しました。もう一度 mailmerge {command} を実行してください。"
CLI_INTERRUPTED_LOADING = "中断しました。何も実行していません。もう一度実行してください。"


def interrupted(command: str | None) -> str:
    """Return the one line said when Ctrl-C stops ``command`` (None: before a command started)."""
    if command is None:
        return CLI_INTERRUPTED_LOADING
    if command == "archive":
        return ARCHIVE_INTERRUPTED
    return CLI_INTERRUPTED_BY_COMMAND.get(command, CLI_INTERRUPTED_OTHER.format(command=command))


CLI_FILE_ERROR = "{where}ファイルを読み書きできません（{reason}）。確かめてから、もう一度実行してください"
CLI_DISK_FULL = "{where}ディスクの空きがありません。空きを作ってから、もう一度実行してください"
CLI_NOT_WRITABLE = (
    "{where}書き込めません（読み取り専用か、書き込む権限がありません）。権限を確かめてから、もう一度実行してください"
)
CLI_SET_ASIDE = "{what}は削除せず、{where} に移しました"
CLI_PRINT_SET_ASIDE = (
    "以前に作成した印刷用ファイル（print フォルダー）には、今回作り直した・名簿から外れた会員（会員番号 {ids}）の"
    "古い文書とラベルが入っているため、印刷に使えないよう削除せず {where} に移しました。"
    "確認・承認してから mailmerge print で作り直してください"
)
CLI_SET_ASIDE_MEMBERS = "名簿にない（または加入状況が変わった）会員 {count} 件の出力"
CLI_SET_ASIDE_OUTDATED = "古くなった {count} 文書"
# A run that changed documents someone had approved or put on hold (issue 21): with the same inputs it
# makes the same PDFs, so this comes from a changed roster row, template or config, or a remade PDF.
CLI_DECISIONS_VOIDED = (
    "この実行で文書が変わったため、{what}が「要再確認」になりました（会員番号 {ids}）。確認し直してください。"
)
CLI_VOIDED_APPROVED = "承認 {count} 件"
CLI_VOIDED_HELD = "保留 {count} 件"
CLI_MORE_IDS = "ほか {count} 件"

# --- roster ----------------------------------------------------------------------------------
# Placeholders are filled with str.format; {column} is a column letter (J), {row} an Excel row number.

# The file as a whole (one error, no row).
ROSTER_XLS = (
    "古い Excel 形式（.xls）は読めません。Excel で開き、「名前を付けて保存」で"
    "「Excel ブック（.xlsx）」を選んで保存し直してください"
)
ROSTER_SUFFIX = "名簿は Excel ブック（.xlsx）か CSV（.csv）にしてください（拡張子「{suffix}」のファイルは読めません）"
ROSTER_NO_SUFFIX = "なし"
ROSTER_NOT_FOUND = (
    "名簿ファイルが見つかりません。ファイル名と場所、mailmerge.toml の [roster] path"
    "（または --roster で指定した名前）を確認してください"
)
ROSTER_IS_FOLDER = "名簿ファイルではなくフォルダーです。名簿ファイルの名前まで指定してください"
ROSTER_CANNOT_OPEN = "名簿ファイルを開けません（{reason}）。ファイルの権限を確認してください"
ROSTER_TOO_MANY_ROWS = (
    "名簿の内容のある行が {limit:,} 行を超えています（{row:,} 行目まで読みました）。"
    "名簿のシートか範囲が正しいか確認してください（会員は 1 行に 1 件）"
)
ROSTER_TOO_MANY_CELLS = (
    "名簿の値のあるセルが {limit:,} 個を超えています（{row:,} 行目まで読みました）。"
    "名簿に要らない列や範囲が含まれていないか確認してください"
)
ROSTER_TOO_BIG = (
    "名簿ファイルが大きすぎます（{size} MB、上限 {limit} MB）。名簿のシートだけを"
    "新しいブックに写して保存し直してください"
)
# CSV
ROSTER_CSV_IS_XLSX = "拡張子は .csv ですが中身は Excel ブックです。拡張子を .xlsx にしてください"
ROSTER_CSV_SYNTAX = (
    'CSV として読めません（{line} 行目付近）。引用符 " の対応を確かめるか、'
    "Excel で開いて CSV として保存し直してください"
)
ROSTER_CSV_RESAVE = "Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください"
ROSTER_CSV_UTF16 = "UTF-16 の CSV（Excel の「Unicode テキスト」）は読めません。" + ROSTER_CSV_RESAVE
ROSTER_CSV_BAD_BOM = (
    "UTF-8 の印（BOM）がありますが、{line} 行目に UTF-8 として読めない文字があります。" + ROSTER_CSV_RESAVE
)
ROSTER_CSV_ENCODING = (
    "文字コードが UTF-8 でも CP932（Shift_JIS）でもないため読めません（UTF-8 としては {utf8_line} 行目、"
    "CP932 としては {cp932_line} 行目に読めない文字）。" + ROSTER_CSV_RESAVE
)
ROSTER_NOTE_UTF8_BOM = "文字コード UTF-8 BOM 付き"
ROSTER_NOTE_UTF8 = "文字コード UTF-8"
ROSTER_NOTE_CP932 = "文字コード CP932 / Shift_JIS"
# .xlsx
ROSTER_XLSX_ENCRYPTED = (
    "パスワードで保護されているか、古い Excel 形式（.xls）のファイルです。"
    "パスワードを解除し、「Excel ブック（.xlsx）」として保存し直してください"
)
ROSTER_XLSX_BROKEN = (
    "Excel ブック（.xlsx）として読めません（壊れているか、別の形式のファイルです）。"
    "Excel で開いて「Excel ブック（.xlsx）」として保存し直してください"
)
ROSTER_XLSX_BOMB = (
    "Excel ブックの中の「{part}」が展開すると {size} MB（圧縮の {ratio:,} 倍）になり、名簿としてありえない大きさのため"
    "読みませんでした（壊れたファイルか、悪意のあるファイルの可能性）。名簿を Excel で作り直してください"
)
TEMPLATE_ZIP_BOMB = (
    "{display}: Word 文書の中の「{part}」が展開すると {size} MB（圧縮の {ratio:,} "
    "倍）になり、文面としてありえない大きさのため"
    "読みませんでした（壊れたファイルか、悪意のあるファイルの可能性）。元の文面を Word "
    "で開いて保存し直したものを使ってください"
)
ROSTER_XLSX_TOO_MANY_STRINGS = (
    "Excel ブックの文字列が {limit:,} 個を超えていて、名簿としてありえない量のため読みませんでした。"
    "名簿のシートだけを新しいブックに写して保存し直してください"
)
ROSTER_XLSX_NO_SHEET = (
    "シート「{wanted}」がありません（このブックのシート: {names}）。mailmerge.toml の [roster] sheet を直してください"
)
ROSTER_XLSX_NO_VISIBLE_SHEET = (
    "表示されているシートがありません。名簿のシートを再表示するか、"
    "mailmerge.toml の [roster] sheet にシート名を書いてください"
)
ROSTER_XLSX_MANY_SHEETS = (
    "表示されているシートが複数あり（{names}）、どれが名簿か決められないため読みませんでした。"
    'mailmerge.toml の [roster] に sheet = "シート名" と名簿のシート名を書くか、'
    "名簿以外のシートを削除または非表示にしてください"
)
ROSTER_NOTE_NAMED_SHEET = "mailmerge.toml で指定したシート「{name}」"
ROSTER_NOTE_FIRST_SHEET = "最初の表示シート「{name}」"
# Headers (row 1)
ROSTER_NO_HEADERS = "1 行目に見出しがありません。1 行目に列の見出し（{examples} など）を入れてください"
ROSTER_DOUBLED_HEADER = (
    "同じ見出しの列が {count} つあります（{letters}）。使わない方の列を消すか、見出しを変えてください"
)
ROSTER_MISSING_COLUMN = (
    "列がありません{hint}。1 行目の見出しを「{header}」にするか、mailmerge.toml の [roster.fields] を直してください"
)
ROSTER_CLOSE_HEADER = "（近い見出し: {quoted}）"
ROSTER_COLUMN_LETTER = "{letter} 列"
ROSTER_NO_MEMBERS = "会員の行がありません（2 行目以降が空です）。名簿に会員を入力してください"
# Rows
ROSTER_HIDDEN_SKIPPED = "非表示の行のため読み飛ばしました（mailmerge.toml の skip_hidden_rows = true）"
ROSTER_HIDDEN = (
    "非表示の行です。退会などで送らない会員なら行を削除し、送る会員なら再表示してください"
    "（非表示の行を読み飛ばすには mailmerge.toml の [roster] に skip_hidden_rows = true）"
)
ROSTER_SHIFTED = (
    "見出しより右（{letter} 列）にも値があり、列がずれているようです。"
    '値の中のカンマ（,）は全角の「，」にするか値全体を "" で囲み、'
    "メモの列なら 1 行目に見出しを入れてください"
)
ROSTER_UNHEADED = (
    "見出しのない {letters}に値があります。この値は使われません（使う列なら 1 行目に見出しを入れてください）"
)
# Cells
ROSTER_EMPTY = "空欄です（必須項目）"
ROSTER_TOO_LONG = "{length} 文字あります（上限 {limit} 文字）。宛名欄に収まるよう短くしてください"
ROSTER_LONG_VALUE = "{length} 文字の値"
ROSTER_BAD_GROUP = "{quoted}は使えません（使える値: {allowed}）"
ROSTER_DATE = (
    "日付として保存されています（Excel が番地や番号を日付に変えた可能性があります）。"
    "セルの表示形式を「文字列」にして入力し直してください"
)
ROSTER_BOOL = "TRUE/FALSE の値になっています。正しい値を入力してください"
ROSTER_EXCEL_ERROR = "Excel のエラー値「{value}」です。式を直すか、値を入力してください"
ROSTER_FORMULA = "式の計算結果が保存されていません。Excel で開いて保存し直すか、値を入力してください"
ROSTER_DECIMAL = (
    "小数の数値として保存されています。表示どおりに印刷されるか確認し、"
    "セルの表示形式を「文字列」にして入力し直してください"
)
ROSTER_ID_AS_NUMBER = (
    "数値として保存されています（{quoted}と読みました）。先頭の 0 が消えていないか"
    "確認し、セルの表示形式を「文字列」にして入力し直してください"
)
ROSTER_POSTAL_AS_NUMBER_SHORT = (
    "数値として保存され、先頭の 0 が消えています（{digits} 桁）。"
    "セルの表示形式を「文字列」にして 7 桁で入力し直してください"
)
ROSTER_POSTAL_AS_NUMBER = "数値として保存されています。セルの表示形式を「文字列」にして入力し直してください"
ROSTER_ID_RULE = "。会員番号は出力フォルダー名になるため、半角英数字・ハイフン・下線の 32 文字までにしてください"
ROSTER_ID_WIDE = "会員番号に全角の文字（漢字・かななど）があります" + ROSTER_ID_RULE
ROSTER_ID_TOO_LONG = "会員番号が {length} 文字あります" + ROSTER_ID_RULE
ROSTER_ID_BAD_CHARACTER = "会員番号{quoted}に使えない文字があります" + ROSTER_ID_RULE
ROSTER_ID_RESERVED = (
    "会員番号{quoted}は Windows が機器の名前として使うため、フォルダー名にできません"
    "（CON・PRN・AUX・NUL・COM1～9・LPT1～9 は大文字・小文字とも使えません）。別の番号にしてください"
)
ROSTER_POSTAL_SIX_DIGITS = "6 桁しかありません。先頭の 0 が消えていないか確認し、7 桁で入力してください（例: 060-0001）"
ROSTER_POSTAL_SHAPE = "郵便番号の形になっていません。7 桁の数字で入力してください（例: 103-0027 または 1030027）"
ROSTER_POSTAL_UNKNOWN = "日本郵便のデータにない郵便番号です。番号を確認してください"
ROSTER_POSTAL_PREFECTURE = (
    "{prefectures}の郵便番号ですが、{address_header} の都道府県と違います。郵便番号か住所を確認してください"
)
ROSTER_DUPLICATE = (
    "会員番号{quoted}が {others}と重複しています{aside}。どの行が正しいか確かめ、番号を直すか行を消してください"
)
ROSTER_DUPLICATE_ROW = "{row} 行目"
ROSTER_DUPLICATE_ROW_AS = "{row} 行目の{quoted}"
ROSTER_DUPLICATE_WIDTH = "（全角・半角、大文字・小文字の違いや前後の空白は同じ番号とみなします）"
# Characters that would print wrong (issue 10): {code} is 「𠮷」(U+20BB7), or U+202E alone for an invisible one.
ROSTER_CHAR_PRIVATE_USE = "外字（{code}、どのフォントにもない文字）があり印刷できません。標準の文字に置き換えてください"
ROSTER_CHAR_CONTROL = (
    "制御文字（{code}）が入っています。印刷できず、文書が壊れる原因になります。"
    "セルの値を入力し直してください（別の場所から貼り付けた値に入りがちです）"
)
ROSTER_CHAR_FORMAT = (
    "目に見えない書式用の文字（{code}、{what}）が入っています。印刷すると文字の順序や"
    "区切りが変わります。セルの値を入力し直してください（Web などから貼り付けた値に入りがちです）"
)
ROSTER_CHAR_BIDI = "文字の向きを変える制御"
ROSTER_CHAR_ZERO_WIDTH = "幅のない文字"
ROSTER_CHAR_OTHER_FORMAT = "書式制御"
ROSTER_CHAR_UNASSIGNED = (
    "Unicode で文字が決められていない番号（{code}）が入っています。印刷できません。セルの値を入力し直してください"
)
ROSTER_CHAR_LINE_BREAK = (
    "セルの中に改行（{code}）があります。宛名や文書では行が崩れて正しく印刷されません。"
    "改行を消して 1 行にしてください（住所が長いときは 住所2 の列に分けてください）"
)
ROSTER_CHAR_COMBINING = (
    "前の文字に重ねる結合文字（{code}）が入っています。文字が変わって印刷されます。"
    "セルの値を入力し直してください（Mac や Web から貼り付けた値に入りがちです）"
)
ROSTER_PAGE_MARK_SHAPE = (
    "「{found}」が各ページの下に印刷する印（会員番号 · 年度 · ページ）と同じ形で、"
    "ほかの会員のページと取り違えるため作成できません。「·」や「/」を別の文字に変えてください"
)
ROSTER_ABBREVIATION = "「{short}」は略した書き方です。宛名には「{full}」と正式に書くことをおすすめします"
ROSTER_CHAR_NO_GLYPH = (
    "{code} はテンプレートのフォント（{fonts}）にない文字で、正しく印刷されません"
    "（絵文字や一部の記号・異体字など）。ふつうの文字に置き換えてください"
)
# Fonts the templates name (issue 10 item 5: check is the pre-flight of run).
ROSTER_FONT_MISSING = (
    "テンプレートが使うフォント「{family}」がこのコンピューターにありません（PDF "
    "が別の書体になり、印刷できない文字が出ます）。"
)
ROSTER_FONT_INSTALL = ROSTER_FONT_MISSING + "scripts/install-system.sh を実行してフォント（{package}）を入れてください"
ROSTER_FONT_INSTALL_OR_CHANGE = (
    ROSTER_FONT_MISSING + "そのフォントをインストールするか、Word でテンプレートの書体を"
    "IPAex明朝・IPAexゴシックに戻してください"
)

# --- templates and rendering -------------------------------------------------------------

RENDER_UNDEFINED = (
    "{where}: 会員番号 {member_id}: {name}の値がありません（名簿にも mailmerge.toml にもありません）。"
    "テンプレートを直すか mailmerge.toml に追加してください"
)
RENDER_FAILED = "{where}: 会員番号 {member_id}: 差し込みに失敗しました ({detail})"
BUNDLE_EMPTY = "まとめる文書がありません"
BUNDLE_OTHER_PARTS = "{position} 件目の文書の構成が 1 件目と違います（別のテンプレート？）"
BUNDLE_PART_DIFFERS = "{position} 件目の文書の {part} が 1 件目と違います（別のテンプレートか、画像が差し込まれた？）"
BUNDLE_NUMBERED_LIST = "テンプレートに番号付きの箇条書きがあり、まとめて変換すると番号が会員をまたいで続いてしまいます"

# --- LibreOffice conversion (pdf) --------------------------------------------------------
# Shared pages and member layers (issue 14): why a template is converted whole, and the audit.
# Why a template's pages cannot be shared (check prints them after 「全体を変換（理由: …）」).
LAYER_FIELD_IN_TEXT = "差し込み項目 {field} が宛名枠の外（本文）にあります"
LAYER_FRAME_NOT_FIXED = "差し込み項目 {field} の枠が、ページに固定された高さ固定の枠ではありません"
LAYER_SEVERAL_FRAMES = "差し込み項目が複数の枠に分かれています"
LAYER_MEMBER_VARIES = "会員番号 {member_id} ({document}): 宛名枠の外の内容が共有ページと違うため、文書全体で変換します"
LAYER_UNPROVEN = (
    "宛名枠の外の内容が会員によって変わらないことを確かめられません（テンプレートの差し込みにエラーがあります）"
)
LAYER_PART_VARIES = "宛名枠の外（{part}）の内容が会員によって変わります"
DOCX_PARTS = {
    "word/document.xml": "本文",
    "word/footnotes.xml": "脚注",
    "word/endnotes.xml": "文末脚注",
    "word/comments.xml": "コメント",
    "docProps/core.xml": "文書のプロパティ",
}
LAYER_FIELD_IN_FOOTER = "差し込み項目 {field} がヘッダー・フッターにあります"
LAYER_OVERFLOW = "会員番号 {member_id} ({document}): {field} が宛名枠に収まりません。名簿の値を短くしてください"
LAYER_SWITCHED_OFF = (
    "設定で共有ページを使わないことにしているため（mailmerge.toml の [conversion] shared_pages = false）"
)
LAYER_FEW_MEMBERS = "{minimum} 名未満のグループは、共有ページを用意するより全体を変換する方が速いため"
LAYER_PAGES = "差し込み層が {layer} ページ、共有ページが {shared} ページで、重ねられません"
LAYER_GROUPS = {"enrolled": "加入", "unenrolled": "未加入"}
LAYER_AUDIT_PASSED = (
    "{document}（{group}）: 共有ページ + 会員ごとの差し込み層で作成（抜き取り {count} 件を直接の変換と照合: "
    "一致。会員番号 {members}）"
)
LAYER_AUDIT_MISMATCH = (
    "{document}（{group}）: 共有ページと差し込み層の重ね合わせが直接の変換と一致しませんでした（会員番号 {member_id}、"
    "{page} ページ目、{pixels} 画素）。この実行では {document}（{group}）を会員ごとに文書全体で変換します"
)
LAYER_AUDIT_INCOMPLETE = (
    "{document}（{group}）: 抜き取り照合を終えられませんでした（{detail}）。この実行では {document}（{group}）を"
    "会員ごとに文書全体で変換します"
)
LAYER_SHARED_FAILED = "共有ページを変換できませんでした"
SHARED_MARKED = "共有ページにページ番号（会員番号つき）が残っています"
LAYER_SAMPLE_FAILED = "照合用に直接変換できない会員がいました"
LAYER_SAMPLE_NOT_COMPOSED = "抜き取りの会員のうち、差し込み層を重ねられない会員がいました"

INSTALL_HINT = "LibreOffice を入れてください（sudo apt-get install libreoffice-writer-nogui）"
SOFFICE_ENV_NOT_A_PROGRAM = (
    "{env}={value}: そのようなプログラムはありません。LibreOffice の soffice を指すようにするか、"
    "{env} を外してください。" + INSTALL_HINT
)
SOFFICE_NOT_FOUND = "LibreOffice（soffice）が見つかりません。" + INSTALL_HINT
SOFFICE_CANNOT_START = "{program}: LibreOffice を起動できません（{reason}）。" + INSTALL_HINT
SOFFICE_TIMED_OUT = "LibreOffice が {timeout:g} 秒以内に終わらなかったため止めました"
SOFFICE_CRASHED = "LibreOffice が途中で異常終了しました（終了コード {status}）"
SOFFICE_SAID = "。LibreOffice のメッセージ: {said}"
SOFFICE_UNREADABLE = "LibreOffice がこの文書を読めないか、PDF を書きませんでした"
SOFFICE_NOT_WORKING = (
    "LibreOffice が動いていません: PDF を 1 件も作れないまま、{runs} 回続けて止まりました（{reason}）。"
    "変換を中止しました（LibreOffice のプロセスは残っていません）。soffice --headless --version が動くか、"
    "mailmerge.toml の [conversion] timeout が短すぎないか確かめてから、もう一度実行してください"
)
WORKERS_STOPPED = "PDF への変換が、文書を残したまま止まりました（プログラムの不具合です）。もう一度実行してください"
DOCX_MISSING = "変換する DOCX ファイルがありません"
DOCX_NOT_WRITTEN = "変換する DOCX ファイルが書かれませんでした"
DOCX_DAMAGED = "Word 文書（.docx）ではありません: ファイルが壊れているか、別の種類のファイルです"
CONVERSION_FAILED = (
    "LibreOffice で PDF に変換できなかった文書があります:\n{failures}\n"
    "Word で開けるか確かめてから、もう一度実行してください。"
)

# --- verification ----------------------------------------------------------------------------
# A PDF that is not whole (pdfcheck): said of one member's document, after "会員番号 0001 (letter): ".
PDF_MISSING = "PDF がありません ({name})。もう一度実行してください"
PDF_CUT = "PDF が途中で切れているか PDF ではありません。もう一度実行してください"
PDF_DAMAGED = "PDF が壊れています（PDF の検査: {detail}）。もう一度実行してください"
PDF_WRITTEN_DIFFERS = (
    "PDF を書き込んだ内容と、読み戻した内容が違います（{byte} バイト目から。読み戻し {found} バイト、書き込み "
    "{written} バイト）。"
    "ディスクに問題がないか確かめてから、もう一度実行してください"
)
PDF_UNREADABLE = "PDF を読めません（{detail}）。もう一度実行してください"
PDF_NO_PAGES = "PDF にページがありません。もう一度実行してください"
PDF_PAGE_COUNT = "PDF が {pages} ページあります（{expected} ページのはず）"
PDF_PAGE_UNREADABLE = "PDF の {page} ページ目を読めません。もう一度実行してください"
PDF_PAGE_TEXT_UNREADABLE = "PDF の {page} ページ目の文字を読めません。もう一度実行してください"
PDF_PAGE_BLANK = "PDF の {page} ページ目を描画すると白紙になります。もう一度実行してください"
# What a member's pages say (verify): the page marks, the member's own name, nobody else's.
MARK_WRONG = "{page} ページ目の印字が {found} です（正しくは '{want}'）"
MARK_UNREADABLE = "読めない印字"
NAME_MISSING = "PDF にこの会員の名前がありません"
FIELD_MISSING = (
    "PDF の宛名に {field} の内容が見当たりません（フォントにない文字か、枠に入りきらなかった可能性があります）。mailm"
    "erge check で名簿を点検してください"
)
OTHER_NAMES = "PDF に別の会員の名前があります（会員番号 {member_ids}）"
# Why a member is converted again on their own after the combined conversion (shown as progress).
BUNDLE_PAGE_UNMARKED = "一括変換した PDF の {page} ページ目に、この年度の読める印字がありません"
BUNDLE_PAGES_APART = "一括変換した PDF で、この会員のページが連続していません"
BUNDLE_NO_PAGE = "一括変換した PDF に、この会員の印字のあるページがありません"
BUNDLE_UNREADABLE = "一括変換した PDF ({name}) を読めません（{detail}）"

# --- the run (pipeline, state) -----------------------------------------------------------

LOCKED = "{out_dir}: 別の mailmerge run がこの出力先に書き込み中です。終わるのを待ってから、もう一度実行してください"
COLUMN_UNUSED = "名簿の列 {column} はどのテンプレートでも使われていません"
FOUND_INTERRUPTED = "前回の実行は途中で止まっていました{details}。完成していた文書は確かめてから使い、残りを作ります。"
SCRATCH_REMOVED = "作りかけのファイル {count} 件を削除"
STRAYS_STOPPED = "残っていた LibreOffice {count} 件を停止"
REUSING = "前回から変わっていない {count} 文書はそのまま使います。"
MEMBERS_SET_ASIDE = "名簿にない（または加入状況が変わった）会員の出力を {where}/ に移しました: 会員番号 {ids}"
OUTDATED_SET_ASIDE = (
    "名簿・テンプレート・設定が変わったため古くなった {count} 文書を {where}/ に移しました"
    "（今回は作っていない会員の分です。全員分を作るには --only/--limit なしで実行してください）。"
)
CONVERTING = "PDF に変換・確認中"
BUNDLE_FAILED = "{bundle}: 一括変換に失敗したため、1 件ずつ変換します"
MEMBER_RETRIED_ALONE = "会員番号 {member_id} ({document}): 一括変換で確認できず、単独で変換し直します"
MEMBER_DOCUMENT = "会員番号 {member_id} ({document})"
INTERRUPTED = (
    "中断しました。完成した {count} 文書は保存してあります。もう一度 mailmerge run を実行すると、残りから続けます。"
)
DISK_FULL = (
    "{out_dir}: ディスクの空きがありません。空きを作ってから、もう一度 mailmerge run を実行してください"
    "（完成した文書は残っています）"
)
DISK_FULL_DETAIL = "\n（詳細: {detail}）"
NOT_WRITABLE = (
    "{path}: 書き込めません（読み取り専用か、書き込む権限がありません）。"
    "書き込めるフォルダーを --out で指定するか、権限を確かめてから、もう一度実行してください"
)
FILE_ERROR = "{path}: ファイルを読み書きできません（{reason}）。確かめてから、もう一度実行してください"
TOTALS_MISSING = "集計が合いません: 会員番号 {ids} の文書がありません。manifest.csv は書いていません"
TOTALS_ROWS = (
    "集計が合いません: 名簿 {roster_rows} 行 ≠ 加入 {enrolled} + 未加入 {unenrolled} + エラー {rejected}。"
    "manifest.csv は書いていません"
)

# --- review decisions and the review app ---------------------------------------------------

NO_MANIFEST = "{out_dir}: manifest.csv がありません。先に mailmerge run で書状を作成してください"
BAD_MANIFEST = "{path}: manifest.csv を読めません（{detail}）。mailmerge run をもう一度実行してください"
RUN_IN_PROGRESS = "{out_dir}: mailmerge run が実行中です。終わってから確認・承認してください"
UNKNOWN_MEMBER = "会員番号 {member_id}: この実行の一覧（manifest.csv）にない会員番号です。番号を確かめてください"
NO_MEMBERS_GIVEN = "会員番号を指定するか、--all で全員を指定してください"
NO_REVIEWER = "確認した人の名前を入れてください（--reviewer、または確認画面の名前欄）"
APPROVE_ALL_NO_ROSTER = (
    "名簿が読めないため、どの会員の文書が今の名簿どおりか確かめられず、何も記録しませんでした（{problem}）。"
    "名簿を元の場所に戻すか mailmerge.toml の [roster] を直してから、もう一度実行してください"
)
NAME_IN_TEMPLATE = (
    "会員名がテンプレート（{templates}）の文面にも出てくる言葉です。文書は作られますが、"
    "文面の言葉と取り違えていないか、確認のときにこの会員の文書を見てください"
)
# A template's tags (issue 21): {where} names a part other than the body ("footer1.xml の").
TEMPLATE_LOOKALIKE_TAG = (
    "{where}{paragraph} 段落目「{text}」: 全角の「{found}」は差し込みタグとして働かず、そのまま印刷されます。"
    "半角の {{{{ }}}} や {{% %}} に直してください"
)
TEMPLATE_LEFTOVER_TAG = (
    "差し込んだ文書の {where}{paragraph} 段落目「{text}」: 「{found}」が残り、そのまま印刷されます。"
    "タグの {{{{ と }}}}、{{% と %}} が対になっているか確かめてください"
)
CANNOT_DECIDE_FILES_CHANGED = (
    "会員番号 {member_id}: ファイルが作成時と違います（manifest.csv "
    "の記録と合いません）。表示・承認・保留はできません。"
    "mailmerge run をもう一度実行して作り直してから確かめてください"
)
NOTHING_TO_WITHDRAW = "会員番号 {member_id}: 取り消す判断がありません（未確認のままです）"
APPROVE_PASSED_OVER_HEADER = "記録しなかった会員: {count} 名"
APPROVE_PASSED_OVER_LINE = "  {reason} {count} 名: 会員番号 {member_ids}"
APPROVE_ALL_SKIPS_HOLD = "保留中（--all では承認しません。承認するときは会員番号を指定してください）"
CANNOT_APPROVE_MISSING = (
    "会員番号 {member_id}: 文書がそろっていないため承認できません。mailmerge run で作成してから承認してください"
)
CANNOT_APPROVE_CHANGED = (
    "会員番号 {member_id}: 作成後に名簿・テンプレート・設定が変わっています。mailmerge run "
    "で作り直してから承認してください"
)
# What a reviewer sees for each flag (review.FLAG_TABLE, which gives their order and rules).
FLAG_LONG_LETTER = "書状が2ページ以上"
FLAG_ONCHU = "御中（代表者なし）"
FLAG_POSTAL_WARNING = "郵便番号の注意"
FLAG_LONG_NAME = "長い会員名（折り返しの可能性）"
FLAG_MISSING_DOCUMENT = "文書がそろっていない"
FLAG_ROSTER_CHANGED = "作成後に名簿等が変更"
FLAG_FILES_CHANGED = "ファイルが作成時と違います"
FLAG_STALE = "判断後に文書が変更"
# What a reviewer sees for each status (review.STATUSES).
STATUS_LABELS = {"approved": "承認済み", "hold": "保留", "stale": "要再確認", "undecided": "未確認"}

REVIEW_DOCUMENT_LABELS = {"letter": "書状", "overview": "概要"}
REVIEW_GROUP_LABELS = {"enrolled": "加入", "unenrolled": "未加入"}

REVIEW_FORBIDDEN = (
    "このアドレスでは開けません。mailmerge review が表示したアドレス（?token= の付いたもの）を"
    "そのまま開いてください。確認画面を起動し直した場合は、新しいアドレスが必要です。"
)
REVIEW_BAD_HOST = (
    "このパソコンの外からのアクセスは受け付けません。mailmerge review が表示した "
    "http://127.0.0.1:… のアドレスを開いてください。"
)
REVIEW_CSRF = "画面が古くなっています。ページを再読み込みしてから、もう一度操作してください。"
REVIEW_NOT_FOUND = "該当するページやファイルがありません。一覧から会員を選んでください。"
REVIEW_LOCKED = (
    "mailmerge run がこの出力先を作成中のため、承認・保留は記録できません。"
    "作成が終わってから、ページを再読み込みして操作してください。"
)
REVIEW_NEED_REVIEWER = "確認者のお名前が入力されていません。画面上部でお名前を入力してから操作してください。"
REVIEW_NEED_NOTE = "保留にするときは、理由をメモに書いてください（例: 住所の番地が古い）。"
REVIEW_BAD_DECISION = '判断は "approved"（承認）か "hold"（保留）のどちらかで指定してください。'
REVIEW_BAD_REQUEST = "リクエストの形式が正しくありません。JSON で member_id と decision を送ってください。"
REVIEW_TOO_LONG = "メモまたはお名前が長すぎます（{limit} 文字まで）。短くしてください。"
REVIEW_SERVER_ERROR = (
    "確認画面で予期しないエラーが起きました。画面を再読み込みしてください。続く場合は担当者に連絡してください。"
)
REVIEW_SERVING = "確認画面を起動しました（このパソコンからのみ開けます）。終了するには Ctrl-C を押してください。"
REVIEW_STOPPED = "確認画面を終了しました。"
REVIEW_PORT_IN_USE = "ポート {port} は使用中です。別の番号を --port で指定するか、--port を付けずに実行してください。"
REVIEWER_FIELD = "確認者の名前"
NOTE_FIELD = "メモ"
# review.unsafe_character's kinds, as a person names them.
CHARACTER_KINDS = {"line_break": "改行", "bidi": "文字の向きを変える制御文字", "control": "制御文字"}
REVIEW_FILE_CHANGED = (
    "このファイルは作成時と違います（manifest.csv の記録と合いません）。表示も承認もできません。"
    "mailmerge run をもう一度実行して作り直してから、開き直してください。"
)
REVIEW_CHANGES_TITLE = "判断した時からの変更"
REVIEW_CHANGES_LETTER = "書状の文面（− 判断した時 / ＋ 今）"
REVIEW_CHANGES_NONE = "名簿の項目と書状の文面に違いはありません（概要・テンプレート・設定の変更です）。"
REVIEW_THUMB_MISSING = "なし"
REVIEW_THUMB_FILE_CHANGED = "表示できません"
REVIEW_REMADE = "この会員の文書はページを開いた後に作り直されました。開き直して確かめてください"
REVIEW_NEED_SHOWN = (
    "どの文書を見て判断したかがありません。documents に、GET /api/members が返した各文書の pdf_sha256 と "
    "docx_sha256 を入れて送ってください。"
)


def review_file_changed(path: str) -> str:
    """A member's file no longer matches manifest.csv."""
    return f"{path}: manifest.csv の作成後にファイルが変わっています。mailmerge run をもう一度実行してください。"


def review_image_failed(detail: str) -> str:
    """PDFium could not open a PDF to draw its pages."""
    return f"PDF のページ画像を作れませんでした（{detail}）。mailmerge run をもう一度実行してください。"


def review_no_such_page(page: int) -> str:
    """A page number past the document's end."""
    return f"{page} ページ目はありません。"


def review_bad_character(field: str, position: int, char: str, kind: str) -> str:
    """A reviewer's name or a note holds a line break, a control or a bidi character."""
    return (
        f"{field}の {position} 文字目に使えない文字があります（{CHARACTER_KINDS[kind]}、U+{ord(char):04X}）。"
        f"{field}は改行や制御文字を入れず、1 行で入力してください。"
    )


def review_recorded(count: int, label: str) -> str:
    """What `mailmerge approve` recorded."""
    return f"{count} 会員を「{label}」として記録しました（review.db）。"


# --- print bundles and labels ----------------------------------------------------------------

PRINT_FONT_MISSING = (
    "フォント {font}（{file}）が見つかりません。表紙と宛名ラベルに使います。"
    "fonts-ipaexfont を入れてください（make setup、または sudo apt-get install fonts-ipaexfont）"
)
PRINT_PDF_MISSING = "会員番号 {member_id}: {document}.pdf がありません（mailmerge run で作り直してください）"
PRINT_PDF_CHANGED = "会員番号 {member_id}: {document}.pdf が承認したときのファイルと違います（承認後に変更された）"
PRINT_FILES_CHANGED_TAIL = (
    "何も印刷用に作成していません。上の会員を mailmerge review で確認し直してから、もう一度 mailmerge print "
    "を実行してください"
)
PRINT_NOT_AS_MADE = (
    "会員番号 {member_id}: {document} のファイルが作成時と違います（manifest.csv "
    "の記録と合いません。作成後に置き換え・編集された）"
)
PRINT_NOT_AS_MADE_TAIL = (
    "何も印刷用に作成していません。mailmerge run をもう一度実行して上の会員を作り直し、確認・承認してから、"
    "もう一度 mailmerge print を実行してください"
)
PRINT_LABEL_OVERFLOW = "会員番号 {member_id}: 宛名が長すぎてラベルに収まりません。名簿の住所・会員名を短くしてください"
PRINT_NOTHING_APPROVED = (
    "承認済みの会員がいないため、何も作成していません。mailmerge review（または mailmerge "
    "approve）で承認してから実行してください"
)
PRINT_BUSY = (
    "{out_dir}: 別の mailmerge print が印刷用のファイルを作成中です。終わるのを待ってから、もう一度実行してください"
)
PRINT_RUN_IN_PROGRESS = "{out_dir}: mailmerge run が実行中です。終わってから印刷用のファイルを作成してください"
PRINT_OLDER_SET_ASIDE = (
    "以前に作成した印刷用ファイル（print フォルダー）は、今の承認と合わないおそれがあるため使えません。"
    "削除せず {where} に移しました"
)
PRINT_OLDER_NOT_MOVED = (
    "以前に作成した印刷用ファイル（{where}）は、今の承認と合わないおそれがあります。移動できなかったため（{detail}）、"
    "印刷に使わないでください"
)
CANNOT_HOLD_SEALED = (
    "会員番号 {member_id}: この文書は封印済み（発送済み）のため保留にできません（送ったものは取り消せません）。"
    "訂正するときは名簿を直して mailmerge run で作り直し、確認・承認して印刷し、"
    "mailmerge archive --sent-on 発送日 --reason 理由 で再送として封印してください"
)
PRINT_ALL_SENT = (
    "印刷するものがありません: 承認済みの会員 {count} 名は、今の文書のまま封印済み（発送済み）です。"
    "もう一度印刷するには --members 会員番号 で会員を選ぶか、--all-approved を付けてください"
)
PRINT_ALREADY_SENT = (
    "封印済み（発送済み）の文書のため印刷しなかった会員: {count} 名（会員番号 {ids}）。"
    "印刷し直すには --members 会員番号 または --all-approved を付けてください"
)
PRINT_MEMBER_NOT_PRINTABLE = (
    "会員番号 {member_id}: {status}のため印刷できません。確認・承認してから、もう一度実行してください（何も作成してい"
    "ません）"
)
PRINT_MEMBERS_AND_ALL = "--members と --all-approved は一緒に使えません。どちらか一方にしてください"
PRINT_NOTHING_TO_PRINT = "印刷できる会員がいません（文書がそろっていません）。mailmerge run で作成してください"
PRINT_LEFT_OUT_HEADER = "印刷に含めなかった会員: {count} 名"
PRINT_LEFT_OUT_LINE = "  {status} {count} 名: 会員番号 {member_ids}"
PRINT_INCLUDES_UNAPPROVED = (
    "注意: --include-unapproved のため、未承認の会員 {count} 名を含めています（表紙に「未承認を含む」と印字）"
)
PRINT_BUNDLE_LINE = "{path}: {group} {members} 名, {pages} ページ（表紙を含む）"
PRINT_LABELS_LINE = "{path}: 宛名ラベル {labels} 枚分, A4 {sheets} シート（12 面: 86.4 × 42.3 mm）"
PRINT_LIST_LINE = "{path}: 印刷順の一覧"
PRINT_DONE_HINT = (
    "封筒に入れる順: 束の順（郵便番号順）にラベルを貼ってください。会員番号は各ページ下部の印字で照合できます"
)
PRINT_COVER_TITLE = "{cycle}年度 {group}会員 印刷用まとめ"
PRINT_COVER_UNAPPROVED = "未承認を含む"
PRINT_COVER_APPROVED_ONLY = "承認済みの会員のみ"
PRINT_COVER_GROUP = "区分"
PRINT_COVER_CYCLE = "年度"
PRINT_COVER_DATE = "作成日"
PRINT_COVER_MEMBERS = "会員数"
PRINT_COVER_MEMBERS_VALUE = "{count} 名"
PRINT_COVER_PAGES = "ページ数"
PRINT_COVER_PAGES_VALUE = "合計 {total} ページ（表紙 1 + 書類 {documents}）"
PRINT_COVER_ORDER = "並び順"
PRINT_COVER_ORDER_VALUE = "郵便番号順（同じ番号は会員番号順）、会員ごとに書状 → 概要"
PRINT_COVER_RANGE = "郵便番号"
PRINT_COVER_APPROVAL = "承認"
PRINT_COVER_NOTE = (
    "・この表紙は封入しません。片面印刷してください（両面では、次の会員のページが裏に刷られます）。",
    "・各ページ下部の「会員番号 · 年度 · ページ」で、宛名ラベル（labels.pdf）と照合してください。",
    "・一覧は print/list.csv（会員番号・郵便番号・束のページ範囲・ラベルの位置）。",
)
PRINT_LABELS_TITLE = "宛名ラベル（A4 12面）"
PRINT_LABELS_START_RANGE = (
    "--labels-start {start}: ラベルの開始位置は 1 から {last} までです（1 枚目の左上が 1、右へ・下へ数えます）"
)

# --- archive ---------------------------------------------------------------------------------

# Help of the archive commands (mailmerge archive / history / verify --help).
HELP_ARCHIVE = (
    "発送した書状を封印します: 承認済み（今のファイルに対する承認）で、この年度にまだ封印していない会員の"
    " Word と PDF、名簿・設定・テンプレート・承認の記録を、読み取り専用の BagIt 形式で archive/ "
    "に保存し、索引に記録します。"
    "作成が途中の出力や古い承認があれば、会員番号を示して封印しません。新しく封印するものがなければ終了コード 1。"
)
HELP_HISTORY = (
    "会員ひとりに送った書状を、年度・発送日をまたいで一覧にします（年度、発送日、加入状況、文書、ページ数、sha256"
    "、承認者）。"
    "会員番号は名簿と同じく比べます（０００１ は 0001）。"
)
HELP_VERIFY = (
    "封印をすべて点検します: BagIt の検証（ファイルの欠け・変更・増加）、索引と封印の食い違い、他人が読める権限。"
    "問題をファイルの場所ごとに表示し、一つでもあれば終了コード 1。年度を指定するとその年度だけ。"
)
HELP_ARCHIVE_OUT = "封印する実行の出力先フォルダー（既定: 設定ファイルの output、out/{cycle}）。"
HELP_SENT_ON = (
    "発送した日（2026-12-05、2026/12/05、令和8年12月5日 のどれでも）。今日より後、印刷より前は受け付けません。"
)
HELP_ARCHIVE_DIR = "封印の保存先フォルダー（既定: 設定ファイルと同じ場所の archive/）。"

# The groups as the archive's output names them.
ARCHIVE_GROUP_WORDS = {"enrolled": "加入", "unenrolled": "未加入"}

# Sealing (mailmerge archive): where, what, and what to do. {ids} is a list of member IDs.
ARCHIVE_BAD_DATE = (
    "--sent-on {value}: 日付として読めません。2026-12-05、2026/12/05、令和8年12月5日 のように指定してください"
)
ARCHIVE_FUTURE_DATE = "--sent-on {value}: 今日（{today}）より後の日付です。発送した日を指定してください"
ARCHIVE_DATE_BEFORE_PRINT = (
    "--sent-on {value}: 封印する会員を印刷した日（{printed}）より前の日付です。印刷する前には発送できません。発送した"
    "日を指定してください"
)
ARCHIVE_RUN_LOCKED = (
    "{out}: mailmerge run がこの出力先に書き込み中です。終わってから mailmerge archive を実行してください"
)
ARCHIVE_INCOMPLETE = (
    "{out}/manifest.csv: 会員番号 {ids} の文書がそろっていません（{detail}）。mailmerge run "
    "で全員分を作ってから封印してください"
)
ARCHIVE_TOTALS = "{out}/summary.json: 集計が合いません（{detail}）。mailmerge run をやり直してから封印してください"
ARCHIVE_NOT_VERIFIED = (
    "会員番号 {ids} の文書が作成・承認時のファイルと違います（{paths}）。mailmerge run "
    "で作り直し、確認し直してから封印してください"
)
ARCHIVE_NOTHING_NEW = (
    "封印するものがありません: 年度 {cycle} で前回の封印の後に印刷した会員はいません（封印済み {sealed} 会員）。"
)
ARCHIVE_NOT_PRINTED = (
    "承認済みでも印刷していないため封印しなかった会員: {count} 名（会員番号 {ids}）。"
    "mailmerge print で印刷して発送してから、もう一度 mailmerge archive を実行してください。"
)
ARCHIVE_CHANGED_SINCE_PRINT = (
    "印刷した後に文書が作り直されたため封印しなかった会員: {count} 名（会員番号 {ids}）。"
    "確認・承認し直し、印刷して発送してから封印してください。"
)
ARCHIVE_WITHDRAWN_SINCE_PRINT = (
    "印刷した後に承認が取り消された（保留など）ため封印しなかった会員: {count} 名（会員番号 {ids}）。"
    "発送したのなら承認し直してから、もう一度 mailmerge archive を実行してください。"
)
ARCHIVE_SEALED_UNAPPROVED = (
    "注意: うち {count} 名は承認なしで印刷したもの（--include-unapproved）です。"
    "「未承認のまま印刷・発送」として封印しました（会員番号 {ids}）。"
)
ARCHIVE_NEED_REASON = (
    "会員番号 {ids} は封印済みで、今回は作り直した文書の再送です。"
    '--reason で再送の理由を付けて、もう一度実行してください（例: --reason "住所の訂正"）'
)
ARCHIVE_RESENT = "うち {count} 名は再送です（理由: {reason}）: 会員番号 {ids}"
HELP_REASON = "再送の理由（封印済みの会員を、作り直した文書で再び封印するときに必要）。"
REASON_FIELD = "再送の理由"
ARCHIVE_UNAPPROVED_NOTE = "承認なしで印刷（--include-unapproved）"
ARCHIVE_UNSAFE_PATH = (
    "{out}/manifest.csv: 会員番号 {member_id} のファイルの場所 {path} が出力先の外を指しています。mailmerge run "
    "をやり直してください"
)
ARCHIVE_MISSING_SOURCE = (
    "{path}: ファイルがありません（会員番号 {member_id}）。mailmerge run で作り直してから封印してください"
)
ARCHIVE_DISK_FULL = (
    "{archive}: ディスクの空きがありません。封印は途中でやめ、作りかけは削除しました。空きを作ってから、もう一度 "
    "mailmerge archive を実行してください"
)
ARCHIVE_INTERRUPTED = (
    "中断しました。封印は完了していません（作りかけは削除しました）。もう一度 mailmerge archive を実行してください"
)
ARCHIVE_BAG_INVALID = (
    "{folder}: 作った封印を確かめたところ、問題がありました（{detail}）。何も封印していません。もう一度実行してください"
)
ARCHIVE_EXISTS = "{folder}: すでに封印があります。封印済みのものは上書きしません"
ARCHIVE_ORPHAN_INVALID = (
    "{folder}: 索引（archive.db）に記録されていない封印があり、中身も検証に通りません（{detail}）。mailmerge verify "
    "で確認してください"
)
ARCHIVE_LOCKED = "{archive}: 別の mailmerge archive が封印中です。終わってから、もう一度実行してください"
ARCHIVE_RECOVERED = "前回中断した封印 {folder} を索引に記録しました（{members} 会員）。"
ARCHIVE_STAGING_REMOVED = "前回中断した封印の作りかけ {count} 件を削除しました。"
ARCHIVE_DONE = "封印しました: {folder}  年度 {cycle}, 発送日 {sent_on}, {members} 会員 ({groups}), {documents} 文書"
ARCHIVE_LEFT_OUT = (
    "今回封印しなかった会員（未承認・保留で未印刷）: {count} 件。"
    "承認して印刷・発送した後にもう一度 mailmerge archive を実行すると、その分だけ封印します。"
)
ARCHIVE_NEXT = "次は年に一度 mailmerge verify で封印が壊れていないことを確かめてください。"
ARCHIVE_INSIDE_OUTPUT = (
    "封印の保存先 {archive} が出力先フォルダー {out} の中にあるため、何もしませんでした"
    "（出力先は作り直すたびに片付けられ、封印したものが移されてしまいます）。"
    "保存先を出力先の外にしてください（--archive、または --out か mailmerge.toml の output で指定）"
)
ARCHIVE_NO_INDEX = "{archive}: 封印の索引（archive.db）がありません。mailmerge archive で封印してから使ってください"
ARCHIVE_BAD_INDEX = (
    "{archive}/archive.db: 索引を読み書きできません（{detail}）。ディスクの空きを確かめ、もう一度実行してください（直"
    "らなければバックアップから戻してください）"
)

# History (mailmerge history).
HISTORY_NONE = "会員番号 {member_id}: 封印された送付記録はありません（{archive}）。"
HISTORY_HEADER = "会員番号 {member_id}: 送付記録 {count} 件"
HISTORY_LINE = (
    "{cycle}年度  発送日 {sent_on}  {group}  {document}  {pages}ページ  sha256 {sha256}"
    "  承認 {approval}  印刷 {printed}{resend}  {path}"
)
HISTORY_APPROVAL = "{reviewer} ({decided_at})"
HISTORY_UNAPPROVED = "なし（未承認のまま印刷・発送）"
HISTORY_PRINTED = "{printed_at}（{printed_by}）"
HISTORY_RESEND = "  再送（理由: {reason}）"
HISTORY_PRINT_UNKNOWN = "記録なし（印刷の記録より前の封印）"

# Verification of the archive (mailmerge verify): one line per problem, the path first.
VERIFY_MISSING = "{path}: ファイルがありません（封印時にはありました）"
VERIFY_CHANGED = "{path}: 中身が封印時と違います（sha256 不一致）"
VERIFY_EXTRA = "{path}: 封印時になかったファイルがあります"
VERIFY_BAG_BROKEN = "{path}: BagIt の封印として読めません（{detail}）"
VERIFY_NO_FILE = "{path}: 索引（archive.db）にある封印・ファイルが見つかりません"
VERIFY_NO_ROW = "{path}: 索引（archive.db）に記録がありません"
VERIFY_INDEX_CHANGED = "{path}: 索引（archive.db）の sha256 と封印の sha256 が違います"
VERIFY_READABLE = (
    "{path}: このコンピューターの他の利用者も{others}ことができます（封印は作った人だけが開けるようにします）。"
    '直すには、このコマンドを実行してください: chmod -R go-rwx "{path}"'
)
VERIFY_OTHERS_MAY = {"read": "読む", "write": "読んだり書き換えたりする"}
VERIFY_BATCH_DIFFERS = "{path}: {field}（{tag}）が索引（archive.db）と封印で違います（索引: {index}、封印: {bag}）"
VERIFY_MEMBER_ONLY_INDEX = (
    "{path}: 会員番号 {member_id} は索引（archive.db）ではこの封印の会員ですが、封印の中にはありません"
)
VERIFY_MEMBER_ONLY_BAG = "{path}: 会員番号 {member_id} はこの封印の会員ですが、索引（archive.db）にありません"
VERIFY_MEMBER_DIFFERS = (
    "{path}: 会員番号 {member_id} の{field}が索引（archive.db）と封印で違います（索引: {index}、封印: {bag}）"
)
VERIFY_MEMBER_DIFFERS_PRIVATE = "{path}: 会員番号 {member_id} の{field}が索引（archive.db）と封印で違います"
VERIFY_FILE_OWNER = "{path}: 索引（archive.db）では{index}、封印（decisions.csv）では{bag}です"
VERIFY_FILE_PAGES = "{path}: ページ数が索引（archive.db）と封印で違います（索引: {index}、封印: {bag}）"
VERIFY_OWNER = "会員番号 {member_id}（{document}）"
VERIFY_NO_OWNER = "どの会員の文書でもありません"
VERIFY_DECISIONS_HASH = "{path}: decisions.csv の sha256（会員番号 {member_id}）が封印のファイルと違います"
VERIFY_FIELD_LABELS = {
    "cycle": "年度",
    "sent_on": "発送日",
    "sealed_by": "封印した人",
    "sealed_at": "封印日時",
    "roster_sha256": "名簿の sha256",
    "config_sha256": "設定の sha256",
    "reason": "再送の理由",
    "name": "会員名",
    "group": "区分",
    "decision": "判定",
    "reviewer": "承認者",
    "decided_at": "承認日時",
    "note": "メモ",
    "printed_at": "印刷日時",
    "printed_by": "印刷した人",
}
VERIFY_STAGING = "{path}: 中断した封印の作りかけが残っています。mailmerge archive をもう一度実行すると削除します"
VERIFY_OK = "問題ありません: 封印 {bags} 件, ファイル {files} 件を確かめました（{archive}）。"
VERIFY_FAILED = "問題が {count} 件あります（上の一覧）。封印の中身は直さず、バックアップと照らし合わせてください。"
VERIFY_NO_CYCLE = "{archive}: 年度 {cycle} の封印はありません"

# The workspace (mailmerge serve): ホーム, each step's state in plain words, its pages and jobs.
HELP_SERVE = (
    "作業画面（ホーム・名簿・作成・確認・印刷・発送と封印・送付記録・点検）をブラウザで開きます。"
    "127.0.0.1 だけで待ち受け、Ctrl-C で止めます。"
)
SHORT_HELP_SERVE = "作業画面をブラウザで開く（名簿から封印まで）"
SERVE_SERVING = "作業画面を開きました。ブラウザで上のアドレスを開いてください（止めるときは Ctrl-C）。"
SERVE_STOPPED = "作業画面を止めました。"
STEP_NAMES = {
    "roster": "名簿",
    "templates": "文面",
    "run": "作成",
    "review": "確認",
    "print": "印刷",
    "seal": "発送・封印",
}
STEP_ROSTER = "{name}, {when} 更新, {members} 名, エラー {errors}"
STEP_ROSTER_MISSING = "名簿ファイル {name} がありません。名簿を取り込んでください"
STEP_ROSTER_UNREADABLE = "名簿を読めません: {detail}"
STEP_TEMPLATES = "{names}, 問題 {errors}"
STEP_RUN_NONE = "まだ作成していません"
STEP_RUN = "{when}, {documents} 文書"
STEP_RUN_CHANGED = "作り直しが必要な会員 {count} 名（名簿・文面がその後変わったか、まだ作成していません）"
STEP_RUN_RUNNING = "作成中です（{done}/{total}）"
STEP_REVIEW_NONE = "作成のあとで確認します"
STEP_REVIEW = "承認 {approved}, 保留 {hold}, 要再確認 {stale}, 未確認 {undecided}"
STEP_PRINT_NONE = "まだ印刷していません"
STEP_PRINT = "{when} に印刷用ファイルを作成"
STEP_PRINT_OLDER = "{when} に作成（その後、承認または文書が変わっています）"
STEP_SEAL_NONE = "まだ封印していません"
STEP_SEAL = "封印済み {sealed} 名（今年度）, 未封印の承認済み {waiting} 名"
NEXT_ACTIONS = {
    "roster": "名簿を直す",
    "templates": "文面を直す",
    "run": "作成する",
    "review": "確認する",
    "print": "印刷する",
    "seal": "発送・封印する",
    "done": "今年度の送付はすべて封印済みです",
}
STEP_STATES = {"done": "済", "next": "次はこれ", "attention": "要対応", "waiting": "未着手"}
UPLOAD_TOO_LARGE = "ファイルが大きすぎます（上限 {limit} MB）。名簿のファイルか確かめてください"
UPLOAD_WRONG_TYPE = (
    "{suffix} のファイルは取り込めません。名簿は {wanted} のファイルで設定されています（mailmerge.toml の [roster] "
    "path）"
)
UPLOAD_EMPTY = "ファイルが選ばれていないか、空です。名簿のファイルを選んでください"
UPLOAD_GONE = (
    "取り込み待ちのファイルが見つかりません（時間がたったか、すでに置き換えました）。もう一度ファイルを選んでください"
)
UPLOAD_HAS_ERRORS = "エラーが {count} 件ある名簿には置き換えられません。Excel で直してから、もう一度取り込んでください"
WORKSPACE_JOB_NAMES = {"run": "作成", "print": "印刷", "seal": "封印", "verify": "点検"}
WORKSPACE_JOB_STATES = {
    "running": "実行中",
    "stopping": "中止しています…",
    "done": "完了",
    "failed": "失敗",
    "stopped": "中止しました",
}
WORKSPACE_JOB_BUSY = "この出力先では「{kind}」を実行中です。終わるまでお待ちください（下に進み具合を表示しています）。"
WORKSPACE_RUN_STOPPED = "中止しました。作り終えた文書は残っています。もう一度「作成する」を押すと、残りから続けます。"
WORKSPACE_JOB_ENDED = "サーバーが止まったため、途中で終わりました。もう一度実行すると、続きから作成します。"
WORKSPACE_BAD_NUMBER = "{field}: 1 以上の整数を入れてください"
WORKSPACE_PRINT_MADE = "{when} に {who} が作成"
WORKSPACE_SEAL_CONFIRM = "次の会員の文書を、発送日 {sent_on} で封印します（封印後は変更できません）"
WORKSPACE_VERIFY_OK = "問題ありません。封印 {bags} 件、ファイル {files} 件を確かめました。"
WORKSPACE_VERIFY_FAILED = "問題が {count} 件見つかりました。封印の中身は直さず、バックアップと照らし合わせてください。"
WORKSPACE_HISTORY_NONE = "会員番号 {member_id} の送付記録はありません。"
WORKSPACE_LIMIT_FIELD = "試しに作る人数"
WORKSPACE_LABELS_START_FIELD = "ラベルの開始位置"
UPLOAD_FIX_DEFAULT = "Excel でこのセルを直してから、もう一度取り込んでください"
PROOF_MISSING = "試し刷りで {document} ができませんでした。もう一度お試しください"
TEMPLATE_HAS_ERRORS = "問題が {count} 件ある文面には置き換えられません。Word で直してから、もう一度取り込んでください"

# --- e-mail (mailmerge send) ----------------------------------------------------------------

MAIL_TEMPLATE_MISSING = (
    "{path}: メールのテンプレートが見つかりません。1 行目に「件名: …」、空行のあとに本文を書いて置いてください"
)
MAIL_TEMPLATE_NOT_UTF8 = "{path}: UTF-8 で保存されていません。テキストエディターで UTF-8 を選んで保存し直してください"
MAIL_TEMPLATE_NO_SUBJECT = "{path}: 1 行目は「{prefix} 」で始まる件名にしてください（その後に空行、本文）"
MAIL_TEMPLATE_SYNTAX = "{path}:{line}: 差し込みタグの書き方に誤りがあります（{detail}）"
MAIL_TEMPLATE_UNDEFINED = (
    "{path}: 会員番号 {member_id}: 名簿にも mailmerge.toml "
    "にもない差し込み項目があります（{detail}）。綴りを直してください"
)
MAIL_TEMPLATE_FAILED = "{path}: 会員番号 {member_id}: 差し込みに失敗しました（{detail}）"
MAIL_PDF_CHANGED = (
    "会員番号 {member_id}: {document}.pdf が承認したときのファイルと違います。確認し直して承認してください"
)
SMTP_NO_STARTTLS = (
    "{host}:{port}: メールサーバーが STARTTLS（暗号化）に対応していません。暗号化せずには送りません。"
    "[email] の security と port をサーバーの案内どおりに直してください"
)
SMTP_PLAIN_LOGIN = (
    "暗号化していない接続ではログイン（AUTH）しません。[email] の security を starttls か tls にしてください"
)
SMTP_LOGIN_FAILED = (
    "{host}: メールサーバーへのログインが拒否されました（{reply}）。[email] の user と MAILMERGE_SMTP_PASSWORD "
    "を確かめてください"
)
SMTP_TLS_FAILED = (
    "{host}:{port}: 暗号化の接続を確立できません（{detail}）。サーバーの証明書と [email] の security・port "
    "を確かめてください"
)
SMTP_CONNECT_FAILED = (
    "{host}:{port}: メールサーバーに接続できません（{detail}）。[email] の host と port、ネットワークを確かめてください"
)
SMTP_DISCONNECTED = (
    "{host}: メールサーバーとの接続が切れました（{detail}）。もう一度 mailmerge send "
    "を実行してください（受け付け済みの会員には送りません）"
)
SMTP_LOST_IN_DATA = (
    "{host}: メールを渡している途中で接続が切れました（{detail}）。この会員は「送信したか不明」として記録しました。"
    "もう一度 mailmerge send を実行すると、ほかの会員に送ります"
)
SEND_NO_EMAIL_TABLE = (
    "{config}: [email]（メールサーバーと差出人）がありません。README の「メールで送る」を見て書き足してください"
)
SEND_BUSY = "{out_dir}: 別の mailmerge send が送信中です。終わるのを待ってから、もう一度実行してください"
SEND_NOTHING_TO_TEST = (
    "テスト送信できる会員がいません（承認済みで、送付方法がメールを含み、アドレスのある会員が必要です）。"
)
SEND_TEST_REFUSED = "テスト送信がメールサーバーに受け付けられませんでした（{reply}）"
SEND_WHY_NOT_IN_ROSTER = "名簿にない"
SEND_WHY_BAD_CHANNEL = "送付方法が 郵送・メール・郵送とメール のどれでもない"
SEND_WHY_POST = "送付方法が郵送"
SEND_WHY_NO_ADDRESS = "メールアドレスがない"
SEND_WHY_ACCEPTED = "送信済み（サーバーが受け付け済み）"
SEND_WHY_UNKNOWN = "送信したか不明（前回、送信の途中で止まった）"
SEND_WHY_PDF_CHANGED = "PDF が承認後に変わった"
SEND_EML_CHANGED = "書き出した .eml が送信前に変わった"
SEND_STAGE_WRITE = "メールを作成"
SEND_STAGE_SEND = "メールを送信"
SEND_LEFT_OUT_HEADER = "送らなかった会員: {count} 件"
SEND_LEFT_OUT_LINE = "  {reason}: {count} 件: {member_ids}"
SEND_WRITTEN = "メールを書き出しました: {count} 通（{where}）"
SEND_DRY_RUN = "試しの実行（--dry-run）のため、送信していません。内容を確かめてから --dry-run なしで実行してください。"
SEND_ACCEPTED = "送信しました（メールサーバーが受け付けました）: {count} 通"
SEND_DEFERRED = "一時的なエラーで送れなかった会員: {count} 件（もう一度 mailmerge send を実行すると送ります）"
SEND_FAILED = "メールサーバーに拒否された会員: {count} 件（アドレスを確かめてください。名簿を直すと次の実行で送ります）"
SEND_REPLY_LINE = "  {member_id}: {reply}"
SEND_UNKNOWN = (
    "送信したか不明な会員: {count} 件: {member_ids}（前回、送信の途中で止まりました。届いたか確かめ、"
    "届いていなければ --resend-unknown を付けて実行してください）"
)
SEND_DAILY_LIMIT = "1 日の送信数の上限（per_day）に達したため、{count} 通を送っていません。明日もう一度実行してください"
SEND_TEST_DONE = (
    "テスト送信しました: 会員番号 {member_id} のメールを指定のアドレスへ（件名に【テスト送信】、送信済みには数えませ"
    "ん）。"
)
SEND_NEXT = "送信の記録は {journal} にあります。"
SEND_PASSWORD_PROMPT = "メールサーバーのパスワード"
HELP_SEND = (
    "承認済みの PDF を、送付方法にメールを含む会員へメールで送ります。\n\n"
    "会員ごとのメールを DIR/mail/<会員番号>.eml に書き出してから送ります。送信済みの会員には二度と送りません。"
    "パスワードは環境変数 MAILMERGE_SMTP_PASSWORD、なければ入力を求めます。"
)
SHORT_HELP_SEND = "承認済みの PDF をメールで送ります。"
HELP_MEMBERS = "この会員だけ送ります（会員番号。繰り返すか、カンマ区切り）。"
HELP_TEST_TO = "一会員のメールをこのアドレスへだけ送ります（件名に【テスト送信】。送信済みには数えません）。"
HELP_DRY_RUN = "メールを書き出すだけで、送りません。"
HELP_RESEND_UNKNOWN = "前回、送信の途中で止まった会員（送信したか不明）にも送ります。"
ROSTER_BAD_EMAIL = "メールアドレスとして読めません（@ の前後、使えない文字、全角の空白を確かめてください）"
ROSTER_BAD_CHANNEL = "送付方法は {allowed} のどれかにしてください"
ROSTER_MAIL_WITHOUT_ADDRESS = (
    "送付方法がメールを含むのに、{email} が空です。アドレスを書くか、送付方法を郵送にしてください"
)
PRINT_MAIL_ONLY = (
    "メールだけで送る会員（送付方法がメール。印刷しません。mailmerge send で送ります）: {count} 件: {member_ids}"
)
SETTINGS_DATE_LABELS = {"issue_date": "発行日", "return_deadline": "返送期限", "renewal_date": "更新日"}
SETTINGS_BAD_CYCLE = "年度: 西暦 4 桁（例: 2025）で入れてください（入力: {value}）"
SETTINGS_BAD_DATE = "{label}: 日付は YYYY-MM-DD（例: 2024-12-01）で入れてください（入力: {value}）"
SETTINGS_DATE_ORDER = "日付の順が逆です: 発行日 ≤ 返送期限 ≤ 更新日 にしてください"
SETTINGS_NOT_FOUND = "{path}: {key} の行が見つかりません。mailmerge.toml を確かめてください"
SETTINGS_SAVED = "日付を保存しました（前の設定は {kept} に残してあります）。作成し直すと、新しい日付の文書になります。"
SETTINGS_CYCLE_SAVED = (
    "年度を {cycle} にしました（前の設定は {kept} に残してあります）。出力先が変わるため、作業画面を起動し直すま"
    "で作成はできません。"
    "サービスとして動いているときは管理者に再起動を頼んでください（sudo systemctl restart mailmerge）。"
    "手元で mailmerge serve を動かしているときは Ctrl-C で止めて起動し直してください。"
)
WORKSPACE_CYCLE_CHANGED = (
    "年度の設定が {disk} に変わっていますが、作業画面はまだ {loaded} 年度のまま動いています。作成する前に、"
    "管理者に再起動を頼んでください（sudo systemctl restart mailmerge。手元の mailmerge serve なら Ctrl-C "
    "で止めて起動し直す）。"
)
WORKSPACE_RUN_GROUPS = "できた文書（前回までの分を含む）: {counts}"
HISTORY_MAIL_HEADER = "メールでの送付: {count} 件（送信の記録 {journal}。封印前の記録です）"
HISTORY_MAIL_LINE = "  メール  {at}  {state}  {reply}"
MAIL_STATE_LABELS = {
    "sending": "送信中に中断（不明）",
    "accepted": "受け付け",
    "deferred": "一時エラー",
    "failed": "拒否",
}
