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
HELP_FORCE = "材料が変わっていない文書も、すべて作り直します。"
HELP_QUIET = "進み具合のバーを出しません。"
HELP_HELP = "この説明を出して終わります。"
HELP_VERSION = "版を出して終わります。"
CLI_CHECK_ERRORS = "エラーが {count} 件あります。直してから、もう一度 mailmerge check を実行してください。"
CLI_CHECK_OK = "OK（注意 {count} 件）。次は mailmerge run で作成します。"
CLI_ROSTER_NOTE = "名簿: {roster} ({note})"
CLI_CHECK_COUNTS = "会員 {total} 件: 加入 {enrolled} 件, 未加入 {unenrolled} 件, エラー行 {rejected} 件 (空行 {blank} 件は読み飛ばし)"
CLI_RUN_REFUSED = "名簿またはテンプレートにエラーが {count} 件あります。何も作成していません。直してから、もう一度実行してください。"
CLI_GROUP_COUNT = "{group} {count} 件"
CLI_DONE = "完了: {members} 会員 ({counts}), {documents} 文書 (新規作成 {made}, 変更なしで再利用 {reused})"
CLI_TOTALS = "集計: 名簿 {roster_rows} 行 = 加入 {enrolled} + 未加入 {unenrolled} + エラー {rejected} 行 (summary.json)"
CLI_WHERE = "出力先: {where}/  (一覧: {where}/manifest.csv)"
CLI_INTERRUPTED = "中断しました。もう一度実行してください（mailmerge run は作り終えた文書から続けます）。"
CLI_SET_ASIDE = "{what}は削除せず、{where} に移しました"
CLI_SET_ASIDE_MEMBERS = "名簿にない（または加入状況が変わった）会員 {count} 件の出力"
CLI_SET_ASIDE_OUTDATED = "古くなった {count} 文書"

# --- roster ----------------------------------------------------------------------------------

# --- templates and rendering -------------------------------------------------------------

BUNDLE_EMPTY = "まとめる文書がありません"
BUNDLE_OTHER_PARTS = "{position} 件目の文書の構成が 1 件目と違います（別のテンプレート？）"
BUNDLE_PART_DIFFERS = "{position} 件目の文書の {part} が 1 件目と違います（別のテンプレートか、画像が差し込まれた？）"
BUNDLE_NUMBERED_LIST = "テンプレートに番号付きの箇条書きがあり、まとめて変換すると番号が会員をまたいで続いてしまいます"

# --- LibreOffice conversion (pdf) --------------------------------------------------------

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
REUSING = "前回から変わっていない {count} 文書はそのまま使います（作り直すには --force）。"
MEMBERS_SET_ASIDE = "名簿にない（または加入状況が変わった）会員の出力を {where}/ に移しました: 会員番号 {ids}"
OUTDATED_SET_ASIDE = (
    "名簿・テンプレート・設定が変わったため古くなった {count} 文書を {where}/ に移しました"
    "（今回は作っていない会員の分です。全員分を作るには --only/--limit なしで実行してください）。"
)
CONVERTING = "PDF に変換・確認中"
BUNDLE_FAILED = "{bundle}: 一括変換に失敗したため、1 件ずつ変換します"
MEMBER_RETRIED_ALONE = "会員番号 {member_id} ({document}): 一括変換で確認できず、単独で変換し直します"
MEMBER_DOCUMENT = "会員番号 {member_id} ({document})"
INTERRUPTED = "中断しました。完成した {count} 文書は保存してあります。もう一度 mailmerge run を実行すると、残りから続けます。"
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
