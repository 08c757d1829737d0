"""Every sentence the secretariat can read, in one catalogue, so the wording is reviewed in one place.

Messages are plain Japanese: where (file, Excel row, column, code point), what is wrong, and what to do.
A message never quotes a name or an address. Each step module takes its messages from here;
third-party English (Jinja, LibreOffice, Python's OSError) is wrapped in a Japanese sentence.
"""

from __future__ import annotations

# --- command line (cli) --------------------------------------------------------------------

# --- the cycle config (mailmerge.toml) ------------------------------------------------------

CONFIG_NOT_FOUND = "{path}: 設定ファイル（mailmerge.toml）が見つかりません"
CONFIG_NOT_FOUND_HINT = "。プロジェクトのフォルダーで実行するか、--config で設定ファイルを指定してください"
CONFIG_NOT_TOML = "{name}: 設定ファイルの書き方に誤りがあります（{detail}）。Word ではなくテキストエディターで開き、直してください"
CONFIG_NEEDS_VALUE = "{name}: [{where}] に {key} の値がありません。書き足してください"
CONFIG_BAD_DATE_STYLE = "{name}: date_style は {allowed} のどれかにしてください（いまは {value!r}）"
CONFIG_NEEDS_COLUMN = "{name}: [roster.columns] に項目 {field} の名簿の列名がありません。書き足してください"
CONFIG_UNKNOWN_REQUIRED = "{name}: [roster.required] の {fields} は [roster.columns] にない項目です"
CONFIG_GROUPS = "{name}: [groups] には enrolled と unenrolled の二つだけを書いてください"
CONFIG_SAME_GROUPS = "{name}: [groups] の enrolled と unenrolled には別々の言葉を書いてください"
CONFIG_NO_DOCUMENTS = "{name}: [documents] にテンプレートが一つもありません"
CONFIG_BAD_DATE = "{name}: [letter] の日付: {detail}"

# --- roster ----------------------------------------------------------------------------------

# --- templates and rendering -------------------------------------------------------------

BUNDLE_EMPTY = "まとめる文書がありません"
BUNDLE_OTHER_PARTS = "{position} 件目の文書の構成が 1 件目と違います（別のテンプレート？）"
BUNDLE_PART_DIFFERS = "{position} 件目の文書の {part} が 1 件目と違います（別のテンプレートか、画像が差し込まれた？）"
BUNDLE_NUMBERED_LIST = "テンプレートに番号付きの箇条書きがあり、まとめて変換すると番号が会員をまたいで続いてしまいます"

# --- LibreOffice conversion (pdf) --------------------------------------------------------

# --- verification ----------------------------------------------------------------------------

# --- the run (pipeline, state) -----------------------------------------------------------

# --- review decisions and the review app ---------------------------------------------------

NO_MANIFEST = "{out_dir}: manifest.csv がありません。先に mailmerge run で書状を作成してください"
BAD_MANIFEST = "{path}: manifest.csv を読めません（{detail}）。mailmerge run をもう一度実行してください"
RUN_IN_PROGRESS = "{out_dir}: mailmerge run が実行中です。終わってから確認・承認してください"
UNKNOWN_MEMBER = "会員番号 {member_id}: この実行の一覧（manifest.csv）にない会員番号です。番号を確かめてください"
NO_MEMBERS_GIVEN = "会員番号を指定するか、--all で全員を指定してください"
NO_REVIEWER = "確認した人の名前を入れてください（--reviewer、またはレビュー画面の名前欄）"
CANNOT_APPROVE_MISSING = "会員番号 {member_id}: 文書がそろっていないため承認できません。mailmerge run で作成してから承認してください"
CANNOT_APPROVE_CHANGED = (
    "会員番号 {member_id}: 作成後に名簿・テンプレート・設定が変わっています。mailmerge run で作り直してから承認してください"
)
# What a reviewer sees for each flag and status (review.FLAGS, review.STATUSES).
FLAG_LABELS = {
    "long_letter": "書状が2ページ以上",
    "onchu": "御中（代表者なし）",
    "postal_warning": "郵便番号の注意",
    "long_name": "長い会員名（折り返しの可能性）",
    "missing_document": "文書がそろっていない",
    "roster_changed": "作成後に名簿等が変更",
    "stale": "判断後に文書が変更",
}
STATUS_LABELS = {"approved": "承認済み", "hold": "保留", "stale": "要再確認", "undecided": "未確認"}

# --- print bundles and labels ----------------------------------------------------------------

# --- archive ---------------------------------------------------------------------------------

# Sealing (mailmerge archive): where, what, and what to do. {ids} is a list of member IDs.
ARCHIVE_BAD_DATE = "--sent-on {value}: 日付は YYYY-MM-DD（例: 2026-12-01）で指定してください"
ARCHIVE_RUN_LOCKED = "{out}: mailmerge run がこの出力先に書き込み中です。終わってから mailmerge archive を実行してください"
ARCHIVE_INCOMPLETE = "{out}/manifest.csv: 会員番号 {ids} の文書がそろっていません（{detail}）。mailmerge run で全員分を作ってから封印してください"
ARCHIVE_TOTALS = "{out}/summary.json: 集計が合いません（{detail}）。mailmerge run をやり直してから封印してください"
ARCHIVE_NOT_VERIFIED = "会員番号 {ids} の文書が作成・承認時のファイルと違います（{paths}）。mailmerge run で作り直し、確認し直してから封印してください"
ARCHIVE_STALE = "会員番号 {ids} の承認は古い文書に対するものです（その後に作り直されています）。もう一度確認して承認（または保留）してから封印してください"
ARCHIVE_NOTHING_NEW = "封印するものがありません: 年度 {cycle} で承認済みの会員はすべて封印済みです（封印済み {sealed} 会員、未承認 {left} 会員）。"
ARCHIVE_UNSAFE_PATH = "{out}/manifest.csv: 会員番号 {member_id} のファイルの場所 {path} が出力先の外を指しています。mailmerge run をやり直してください"
ARCHIVE_MISSING_SOURCE = "{path}: ファイルがありません（会員番号 {member_id}）。mailmerge run で作り直してから封印してください"
ARCHIVE_DISK_FULL = "{archive}: ディスクの空きがありません。封印は途中でやめ、作りかけは削除しました。空きを作ってから、もう一度 mailmerge archive を実行してください"
ARCHIVE_INTERRUPTED = "中断しました。封印は完了していません（作りかけは削除しました）。もう一度 mailmerge archive を実行してください"
ARCHIVE_BAG_INVALID = "{folder}: 作った封印を確かめたところ、問題がありました（{detail}）。何も封印していません。もう一度実行してください"
ARCHIVE_EXISTS = "{folder}: すでに封印があります。封印済みのものは上書きしません"
ARCHIVE_ORPHAN_INVALID = "{folder}: 索引（archive.db）に記録されていない封印があり、中身も検証に通りません（{detail}）。mailmerge verify で確認してください"
ARCHIVE_LOCKED = "{archive}: 別の mailmerge archive が封印中です。終わってから、もう一度実行してください"
ARCHIVE_RECOVERED = "前回中断した封印 {folder} を索引に記録しました（{members} 会員）。"
ARCHIVE_STAGING_REMOVED = "前回中断した封印の作りかけ {count} 件を削除しました。"
ARCHIVE_DONE = "封印しました: {folder}  年度 {cycle}, 発送日 {sent_on}, {members} 会員 ({groups}), {documents} 文書"
ARCHIVE_LEFT_OUT = "今回封印しなかった会員（未承認・保留）: {count} 件。承認後にもう一度 mailmerge archive を実行すると、その分だけ封印します。"
ARCHIVE_NEXT = "次は年に一度 mailmerge verify で封印が壊れていないことを確かめてください。"
ARCHIVE_NO_INDEX = "{archive}: 封印の索引（archive.db）がありません。mailmerge archive で封印してから使ってください"
ARCHIVE_BAD_INDEX = "{archive}/archive.db: 索引を読み書きできません（{detail}）。ディスクの空きを確かめ、もう一度実行してください（直らなければバックアップから戻してください）"

# History (mailmerge history).
HISTORY_NONE = "会員番号 {member_id}: 封印された送付記録はありません（{archive}）。"
HISTORY_HEADER = "会員番号 {member_id}: 送付記録 {count} 件"
HISTORY_LINE = "{cycle}年度  発送日 {sent_on}  {group}  {document}  {pages}ページ  sha256 {sha256}  承認 {reviewer} ({decided_at})  {path}"

# Verification of the archive (mailmerge verify): one line per problem, the path first.
VERIFY_MISSING = "{path}: ファイルがありません（封印時にはありました）"
VERIFY_CHANGED = "{path}: 中身が封印時と違います（sha256 不一致）"
VERIFY_EXTRA = "{path}: 封印時になかったファイルがあります"
VERIFY_BAG_BROKEN = "{path}: BagIt の封印として読めません（{detail}）"
VERIFY_NO_FILE = "{path}: 索引（archive.db）にある封印・ファイルが見つかりません"
VERIFY_NO_ROW = "{path}: 索引（archive.db）に記録がありません"
VERIFY_INDEX_CHANGED = "{path}: 索引（archive.db）の sha256 と封印の sha256 が違います"
VERIFY_READABLE = "{path}: 所有者以外も読み書きできます（権限 {mode}）。chmod go-rwx で直してください"
VERIFY_STAGING = "{path}: 中断した封印の作りかけが残っています。mailmerge archive をもう一度実行すると削除します"
VERIFY_OK = "問題ありません: 封印 {bags} 件, ファイル {files} 件を確かめました（{archive}）。"
VERIFY_FAILED = "問題が {count} 件あります（上の一覧）。封印の中身は直さず、バックアップと照らし合わせてください。"
VERIFY_NO_CYCLE = "{archive}: 年度 {cycle} の封印はありません"
