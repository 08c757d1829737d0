"""E-mail (mailmerge send)."""

from __future__ import annotations

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
SMTP_ADDRESS_NOT_ASCII = (
    "5.1.3 アドレスに英数字以外の文字があり、送れません（送る前に止めました）。名簿を直してください"
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
SEND_WHY_PDF_CHANGED = "承認後に PDF かメールの内容が変わった"
# Why an approval no longer covers a member's e-mail (review.ADDRESS_CHANGED, review.MESSAGE_CHANGED).
MAIL_STALE_REASONS = {
    "address": "承認の後にメールアドレスが変わった",
    "message": "承認の後にメールの内容（差出人・件名・本文・添付の名前）が変わった",
    "mail_added": "承認がメールを含まない（郵送だけの時、またはメールを確認する前の承認）",
}
SEND_WHY_MAIL_CHANGED = "{what}（もう一度確認・承認するまで送りません）"
REVIEW_MAIL_NO_SETTINGS = "{config} に [email]（差出人など）がないため、この会員のメールを作れません"
REVIEW_MAIL_REMADE = (
    "この会員のメールはページを開いた後に変わりました（メールアドレス、email.txt、[email] の設定）。"
    "開き直して確かめてください"
)
SEND_STAGE_WRITE = "メールを作成"
SEND_STAGE_SEND = "メールを送信"
SEND_LEFT_OUT_HEADER = "送らなかった会員: {count} 件"
SEND_LEFT_OUT_LINE = "  {reason}: {count} 件: {member_ids}"
SEND_WRITTEN = "メールを書き出しました: {count} 通（{where}）"
SEND_DRY_RUN = "試しの実行（--dry-run）のため、送信していません。内容を確かめてから --dry-run なしで実行してください。"
SEND_ACCEPTED = "送信しました（メールサーバーが受け付けました）: {count} 通"
SEND_DEFERRED = "一時的なエラーで送れなかった会員: {count} 件（もう一度 mailmerge send を実行すると送ります）"
# The header of the refused members' lines, each saying what to check (the address, or the server's reason).
SEND_FAILED = (
    "メールサーバーに拒否された会員: {count} 件（会員ごとに、確かめることを下に書きます。直すと次の送信で送ります）"
)
# A member the server refused or put off, in words and its code: the server's own text is English and may
# quote the address (personal data); it stays in the journal (mail.db, `history`), never in the summary.
SEND_REFUSED_ADDRESS = (
    "  {member_id}: メールサーバーがこのアドレスを受け付けませんでした（{code}）。"
    "名簿の「メールアドレス」を確かめてください"
)
SEND_REFUSED_OTHER = (
    "  {member_id}: メールサーバーがこのメールを受け付けませんでした（{code}）。アドレスの誤りとは限りません。"
    "管理担当の人が、この番号をメールサーバーの管理者に伝えて理由を確かめてください"
)
SEND_DEFERRED_LINE = (
    "  {member_id}: メールサーバーが一時的に受け付けませんでした（{code}）。時間をおいて、もう一度送信してください"
)
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
ROSTER_EMAIL_NOT_ASCII = (
    "@ の後ろ（ドメイン）に日本語などの文字があります。メールは英数字だけのアドレスに送ります。"
    "相手に英数字のアドレスを確かめてください（xn-- で始まる形でも書けます）"
)
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
HISTORY_MAIL_HEADER_SEALED = "メールでの送付: {count} 件（送信の記録 {journal}）"
HISTORY_MAIL_LINE = "  メール  {at}  {state}  {reply}"
HISTORY_MAIL_SEALED = "  封印済み（{folder}）"
MAIL_STATE_LABELS = {
    "sending": "送信中に中断（不明）",
    "accepted": "受け付け",
    "deferred": "一時エラー",
    "failed": "拒否",
}
