"""The workspace (mailmerge serve)."""

from __future__ import annotations

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
    "send": "送信",
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
# The run is there but cannot be read (manifest.csv damaged): said, never shown as "まだ作成していません".
STEP_RUN_UNREADABLE = "作成の記録を読めません: {detail}"
STEP_WAITS_FOR_READABLE_RUN = {
    "review": "作成の記録を読めるようになってから確認します",
    "print": "作成の記録を読めるようになってから印刷します",
    "send": "作成の記録を読めるようになってから送信します",
    "seal": "作成の記録を読めるようになってから封印します",
}
STEP_RUN_FILES_CHANGED = "作成時のファイルと違う文書がある会員 {count} 名（{member_ids}）。「作成」で作り直してください"
STEP_MORE_IDS = " ほか {count} 名"
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
    "send": "メールで送る",
    "seal": "発送・封印する",
    "done": "今年度の送付はすべて封印済みです",
}
# ホーム's next step for an account whose role may not take it: who does, instead of a button ending in a 403.
NEXT_BY_OTHERS = "次は「{step}」です。{who}"
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
# The uploaded roster against the current one (before 「この名簿に置き換える」): IDs and field headers, never values.
UPLOAD_NO_CHANGES = "いまの名簿と比べて、会員の増減も、印刷する項目の変更もありません。"
UPLOAD_ADDED = "増える会員: {count} 名（会員番号 {ids}）"
UPLOAD_REMOVED = "いなくなる会員: {count} 名（会員番号 {ids}）"
UPLOAD_CHANGED = "印刷する項目が変わる会員: {count} 名（{members}）"
UPLOAD_CHANGED_MEMBER = "{member_id}: {fields}"
UPLOAD_HAS_ERRORS = "エラーが {count} 件ある名簿には置き換えられません。Excel で直してから、もう一度取り込んでください"
WORKSPACE_JOB_NAMES = {"run": "作成", "print": "印刷", "send": "送信", "seal": "封印", "verify": "点検"}
WORKSPACE_JOB_STATES = {
    "running": "実行中",
    "stopping": "中止しています…",
    "done": "完了",
    "failed": "失敗",
    "stopped": "中止しました",
}
# An ended job's heading: the previous one, and when it ended (JST), so that it never reads as the next one's result.
WORKSPACE_JOB_PREVIOUS = "前回の{job}（{when} {state}）"
WORKSPACE_JOB_PREVIOUS_UNDATED = "前回の{job}（{state}）"
WORKSPACE_JOB_BUSY = "この出力先では「{kind}」を実行中です。終わるまでお待ちください（下に進み具合を表示しています）。"
WORKSPACE_RUN_CHECKING = "名簿と文面を点検しています"
WORKSPACE_RUN_STOPPED = "中止しました。作り終えた文書は残っています。もう一度「作成する」を押すと、残りから続けます。"
WORKSPACE_JOB_ENDED = "サーバーが止まったため、途中で終わりました。もう一度実行すると、続きから作成します。"
# After a run: who has documents made anew (to review), and the approvals and holds the new files voided.
WORKSPACE_RUN_REMADE = "文書を新しく作った会員: {count} 名（会員番号 {ids}）。「確認」で確認してください。"
WORKSPACE_RUN_VOIDED = (
    "うち{what}は、判断した後に文書が変わったため無効になり、「要再確認」です（会員番号 {ids}）。"
    "確認し直して、承認または保留してください。"
)
WORKSPACE_RUN_REVIEW_LINKS = {
    "ids": "この会員を確認する",
    "stale": "要再確認の会員を確認する",
    "undecided": "未確認の会員を確認する",
}
WORKSPACE_BAD_NUMBER = "{field}: 1 以上の整数を入れてください"
WORKSPACE_PRINT_MADE = "{when} に {who} が作成"
WORKSPACE_PRINT_ALREADY_SENT = "封印済み（発送済み）の文書のため印刷しなかった会員: {count} 名（会員番号 {ids}）。"
WORKSPACE_PRINT_ALL_SENT = (
    "印刷するものがありません: 承認済みの会員 {count} 名は、今の文書のまま封印済み（発送済み）です。"
    "訂正して送り直すときは、名簿を直して「作成」で作り直し、確認・承認してから印刷してください"
    "（同じ文書をもう一度印刷するときは、管理担当の人に頼んでください）。"
)
WORKSPACE_SEAL_CONFIRM = "次の会員の文書を、発送日 {sent_on} で封印します（封印後は変更できません）"
WORKSPACE_SEAL_RESENT = (
    "うち {count} 名は封印済みの会員で、作り直した文書の再送です（会員番号 {ids}）。再送の理由を書いてください。"
)
WORKSPACE_SEAL_NEED_REASON = (
    "会員番号 {ids} は封印済みで、今回は作り直した文書の再送です。"
    "「再送の理由」に理由（例: 住所の訂正）を書いてから、もう一度「封印する」を押してください。"
)
# The 発送・封印 page's own words where the command line's name an option or a command.
WORKSPACE_SENT_ON_FIELD = "発送日"
WORKSPACE_SEAL_NOT_SEALED = (
    "承認済みでも印刷していないため封印しなかった会員: {count} 名（会員番号 {ids}）。"
    "「印刷」の画面で印刷して発送してから、もう一度この画面で封印してください。",
    "印刷した後に文書が作り直されたため封印しなかった会員: {count} 名（会員番号 {ids}）。"
    "「確認」の画面で確認・承認し直し、印刷して発送してから封印してください。",
    "印刷した後に承認が取り消された（保留など）ため封印しなかった会員: {count} 名（会員番号 {ids}）。"
    "発送したのなら「確認」の画面で承認し直してから、もう一度この画面で封印してください。",
    "承認済みでもメールを送っていないため封印しなかった会員（送付方法がメール）: {count} 名（会員番号 {ids}）。"
    "「送信」の画面で送ってから、もう一度この画面で封印してください。",
    "メールで送った後に文書が作り直された（または承認が取り消された）ため封印しなかった会員: "
    "{count} 名（会員番号 {ids}）。"
    "作り直した文書を送るなら、「確認」の画面で承認し直し、印刷して発送してから封印してください。",
)
WORKSPACE_SEAL_UNAPPROVED = (
    "注意: うち {count} 名は「未承認の会員も含める」で承認なしに印刷したものです。"
    "「未承認のまま印刷・発送」として封印しました（会員番号 {ids}）。"
)
WORKSPACE_SEAL_LEFT_OUT = (
    "今回封印しなかった会員（未承認・保留で未印刷）: {count} 名。"
    "承認して印刷・発送した後に、もう一度この画面で封印すると、その分だけ封印します。"
)
WORKSPACE_SEAL_NEXT = "次は年に一度、「点検」の画面で封印が壊れていないことを確かめてください。"
WORKSPACE_VERIFY_OK = "問題ありません。封印 {bags} 件、ファイル {files} 件を確かめました。"
WORKSPACE_VERIFY_FAILED = "問題が {count} 件見つかりました。封印の中身は直さず、バックアップと照らし合わせてください。"
# Before the first sealing: the 送付記録 and 点検 pages say what comes first, not the index's file name.
WORKSPACE_HISTORY_NOT_SEALED = (
    "まだ封印していません。発送した後に「発送・封印」の画面で封印すると、ここで送付記録を調べられます。"
)
WORKSPACE_VERIFY_NOT_SEALED = "まだ封印していません。点検は、「発送・封印」の画面で封印した後に行います。"
WORKSPACE_HISTORY_NONE = "会員番号 {member_id} の送付記録はありません。"
WORKSPACE_LIMIT_FIELD = "試しに作る人数"
WORKSPACE_LABELS_START_FIELD = "ラベルの開始位置"
# What the browser says of a field left empty or mistyped (required.js): chromium's own words are in its own language.
FORM_FIELD_WORDS = {
    "required": "この欄を入力してください。",
    "check": "先に進むには、ここにチェックを入れてください。",
    "email": "メールアドレス（例: office@example.jp）を入れてください。",
}
UPLOAD_FIX_DEFAULT = "Excel でこのセルを直してから、もう一度取り込んでください"
PROOF_UNKNOWN_MEMBER = "会員番号 {member_id} は今の名簿にありません。一覧から試し刷りする会員を選んでください"
PROOF_MISSING = "試し刷りで {document} ができませんでした。もう一度お試しください"
TEMPLATE_HAS_ERRORS = "問題が {count} 件ある文面には置き換えられません。Word で直してから、もう一度取り込んでください"
# --- 送信 (the e-mail step) -----------------------------------------------------------------------
STEP_SEND = "送信待ち {waiting} 名, 送信済み {sent} 名, 不明 {unknown} 名"
STEP_SEND_NONE = "まだ作成していません"
WORKSPACE_SEND_NO_RUN = "まだ作成していません。作成と確認（承認）が済んでから送信できます。"
# Read by office staff: where the password comes from in their words; the variable that passes it is in the README.
WORKSPACE_SEND_PASSWORD_ENV = "メールサーバーのパスワードは、サーバーの設定で渡されています。入力は要りません。"
WORKSPACE_SEND_PASSWORD_FORM = (
    "メールサーバーのパスワードはサーバーの設定で渡されていません。送るときに下の欄に入力してください"
    "（その送信に一度だけ使い、保存も記録もしません）。"
)
WORKSPACE_SEND_NO_PASSWORD = (
    "メールサーバーのパスワードを入れてください（このメールサーバーは、送る前にログインが必要です）。"
)
# The command line's SMTP_LOGIN_FAILED names the config key and the variable; the page says what to do.
WORKSPACE_SEND_LOGIN_FAILED = (
    "メールサーバーがログインを断りました（{code}）。何も送っていません。入力したパスワードを確かめて、もう一度"
    "送ってください。パスワードをサーバーの設定で渡しているときは、管理担当の人に設定を確かめてもらってください。"
)
WORKSPACE_SEND_NO_LOGIN = "このメールサーバーにはログインしません。パスワードは不要です。"
WORKSPACE_SEND_BAD_ADDRESS = "テスト送信の宛先: メールアドレス（例: office@example.jp）を入れてください。"
WORKSPACE_SEND_NOT_CONFIRMED = "送信する前に「送信してよいことを確かめました」にチェックを入れてください。"
WORKSPACE_SEND_NOTHING = "送信する会員がいません（下の「送らない会員」に理由があります）。"
WORKSPACE_SEND_TESTED = (
    "テスト送信しました: 会員番号 {member_id} のメールを指定のアドレスへ（件名に【テスト送信】、送信済みには数え"
    "ません）。届いたメールと添付の PDF を開いて確かめてください。"
)
# The server's reply to one message, by the first digit of its code (RFC 5321 4.2.1); the raw text stays in a
# tooltip for the manager.
WORKSPACE_SEND_REPLY_WORDS = {"2": "受け付けられました", "4": "一時的に断られました", "5": "断られました"}
WORKSPACE_SEND_REPLY = "{words}（{code}）"
WORKSPACE_SEND_RESULT_STATES = {
    "queued": "送信待ち",
    "sending": "送信したか不明",
    "handing_over": "送信中（サーバーの返事待ち）",
    "accepted": "受け付け（送信済み）",
    "deferred": "一時エラー（未送信）",
    "failed": "拒否（未送信）",
}
WORKSPACE_SEND_DEFERRED = (
    "一時的なエラーで送れなかった会員: {count} 件（時間をおいて、もう一度「送信」を押すと送ります）"
)
WORKSPACE_SEND_DAILY_LIMIT = (
    "1 日の送信数の上限（per_day）に達したため、{count} 通を送っていません。明日もう一度「送信」を押してください"
)
WORKSPACE_SEND_UNKNOWN = (
    "送信したか不明な会員: {count} 名: {member_ids}（前回、送信の途中で止まりました。ここからは送りません。届いたか"
    "確かめ、届いていなければ、管理担当の人にコマンドでの再送を頼んでください: README の「4b. メールで送る」）"
)
WORKSPACE_SEND_RUNNING = "送信中です。終わると、ここに結果を表示します（この画面を閉じても送信は続きます）。"
