"""The archive: sealing, history and verification."""

from __future__ import annotations

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
# {field} is where the date was typed: the option (SENT_ON_OPTION) or the workspace's field (WORKSPACE_SENT_ON_FIELD).
SENT_ON_OPTION = "--sent-on"
ARCHIVE_BAD_DATE = (
    "{field} {value}: 日付として読めません。2026-12-05、2026/12/05、令和8年12月5日 のように指定してください"
)
ARCHIVE_FUTURE_DATE = "{field} {value}: 今日（{today}）より後の日付です。発送した日を指定してください"
ARCHIVE_DATE_BEFORE_PRINT = (
    "{field} {value}: 封印する会員を印刷した日（{printed}）より前の日付です。印刷する前には発送できません。発送した"
    "日を指定してください"
)
# Read on the workspace's 発送・封印 page as well as at the command line: no command named.
ARCHIVE_RUN_LOCKED = "{out}: 書状を作成中です（この出力先に書き込み中）。作成が終わってから、もう一度封印してください"
# These four and ARCHIVE_LOCKED are read on the 発送・封印 page too: the step named as the page's menu names it,
# the command only in parentheses for whoever works at the command line.
ARCHIVE_INCOMPLETE = (
    "{out}/manifest.csv: 会員番号 {ids} の文書がそろっていません（{detail}）。「作成」で全員分を作ってから"
    "封印してください（コマンドでは mailmerge run）"
)
ARCHIVE_TOTALS = (
    "{out}/summary.json: 集計が合いません（{detail}）。「作成」をやり直してから封印してください"
    "（コマンドでは mailmerge run）"
)
ARCHIVE_NOT_VERIFIED = (
    "会員番号 {ids} の文書が作成・承認時のファイルと違います（{paths}）。「作成」で作り直し、「確認」で"
    "確認し直してから封印してください（コマンドでは mailmerge run と mailmerge review）"
)
ARCHIVE_NOTHING_NEW = (
    "封印するものがありません: 年度 {cycle} で前回の封印の後に印刷した会員はいません（封印済み {sealed} 会員）。"
)
ARCHIVE_NOT_PRINTED = (
    "承認済みでも印刷していないため封印しなかった会員: {count} 名（会員番号 {ids}）。"
    "mailmerge print で印刷して発送してから、もう一度 mailmerge archive を実行してください。"
)
ARCHIVE_NOT_EMAILED = (
    "承認済みでもメールを送っていないため封印しなかった会員（送付方法がメール）: {count} 名（会員番号 {ids}）。"
    "mailmerge send で送ってから、もう一度 mailmerge archive を実行してください。"
)
ARCHIVE_CHANGED_SINCE_PRINT = (
    "印刷した後に文書が作り直されたため封印しなかった会員: {count} 名（会員番号 {ids}）。"
    "確認・承認し直し、印刷して発送してから封印してください。"
)
ARCHIVE_WITHDRAWN_SINCE_PRINT = (
    "印刷した後に承認が取り消された（保留など）ため封印しなかった会員: {count} 名（会員番号 {ids}）。"
    "発送したのなら承認し直してから、もう一度 mailmerge archive を実行してください。"
)
ARCHIVE_CHANGED_SINCE_MAIL = (
    "メールで送った後に文書が作り直された（または承認が取り消された）ため封印しなかった会員: "
    "{count} 名（会員番号 {ids}）。"
    "作り直した文書を送るなら、確認・承認し直し、印刷して発送してから封印してください。"
)
# The reasons for not sealing, in the order sealing.not_sealed_lines takes them.
ARCHIVE_NOT_SEALED = (
    ARCHIVE_NOT_PRINTED,
    ARCHIVE_CHANGED_SINCE_PRINT,
    ARCHIVE_WITHDRAWN_SINCE_PRINT,
    ARCHIVE_NOT_EMAILED,
    ARCHIVE_CHANGED_SINCE_MAIL,
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
    "{path}: ファイルがありません（会員番号 {member_id}）。「作成」で作り直してから封印してください"
    "（コマンドでは mailmerge run）"
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
ARCHIVE_LOCKED = "{archive}: ほかの封印が進んでいます。それが終わってから、もう一度封印してください"
ARCHIVE_RECOVERED = "前回中断した封印 {folder} を索引に記録しました（{members} 会員）。"
ARCHIVE_STAGING_REMOVED = "前回中断した封印の作りかけ {count} 件を削除しました。"
ARCHIVE_DONE = "封印しました（{cycle} 年度、発送日 {sent_on}）: {members} 名（{groups}）、{documents} 文書"
ARCHIVE_DONE_GROUP = "{group} {count} 名"
ARCHIVE_DONE_AT = "{done}（保管先: {folder}）"
ARCHIVE_LEFT_OUT = (
    "今回封印しなかった会員（未承認・保留で未印刷）: {count} 名。"
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
HISTORY_HEADER = "会員番号 {member_id}: 発送 {sendings} 回、封印したファイル {count} 件（保存先 {archive}）"
HISTORY_LINE = (
    "{cycle}年度  発送日 {sent_on}  {group}  {document} {kind}  {pages}ページ  sha256 {sha256}"
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
VERIFY_MAIL_CHANGED = "{path}: 会員番号 {member_id} に送ったメール（mail.csv の eml_sha256）と違います"
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
