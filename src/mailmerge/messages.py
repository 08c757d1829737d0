"""Every sentence the secretariat can read, in one catalogue, so the wording is reviewed in one place.

Messages are plain Japanese: where (file, Excel row, column, code point), what is wrong, and what to do.
A message never quotes a name or an address. Each step module takes its messages from here;
third-party English (Jinja, LibreOffice, Python's OSError) is wrapped in a Japanese sentence.
"""

from __future__ import annotations

# --- command line (cli) --------------------------------------------------------------------

# --- roster ----------------------------------------------------------------------------------

# --- templates and rendering -------------------------------------------------------------

# --- LibreOffice conversion (pdf) --------------------------------------------------------

# --- verification ----------------------------------------------------------------------------

# --- the run (pipeline, state) -----------------------------------------------------------

# --- review decisions and the review app ---------------------------------------------------

# --- print bundles and labels ----------------------------------------------------------------

PRINT_FONT_MISSING = (
    "フォント {font}（{file}）が見つかりません。表紙と宛名ラベルに使います。"
    "fonts-ipaexfont を入れてください（make setup、または sudo apt-get install fonts-ipaexfont）"
)
PRINT_PDF_MISSING = "会員番号 {member_id}: {document}.pdf がありません。mailmerge run で作り直し、確認・承認してから印刷してください"
PRINT_PDF_CHANGED = (
    "会員番号 {member_id}: {document}.pdf が承認したときのファイルと違います（承認後に変更された）。"
    "何も印刷用に作成していません。mailmerge review で確認し直してから、もう一度 mailmerge print を実行してください"
)
PRINT_LABEL_OVERFLOW = "会員番号 {member_id}: 宛名が長すぎてラベルに収まりません。名簿の住所・会員名を短くしてください"
PRINT_NOTHING_APPROVED = (
    "承認済みの会員がいないため、何も作成していません。mailmerge review（または mailmerge approve）で承認してから実行してください"
)
PRINT_NOTHING_TO_PRINT = "印刷できる会員がいません（文書がそろっていません）。mailmerge run で作成してください"
PRINT_LEFT_OUT_HEADER = "印刷に含めなかった会員: {count} 名"
PRINT_LEFT_OUT_LINE = "  会員番号 {member_id}: {status}"
PRINT_INCLUDES_UNAPPROVED = "注意: --include-unapproved のため、未承認の会員 {count} 名を含めています（表紙に「未承認を含む」と印字）"
PRINT_BUNDLE_LINE = "{path}: {group} {members} 名, {pages} ページ（表紙を含む）"
PRINT_LABELS_LINE = "{path}: 宛名ラベル {labels} 枚分, A4 {sheets} シート（12 面: 86.4 × 42.3 mm）"
PRINT_LIST_LINE = "{path}: 印刷順の一覧"
PRINT_DONE_HINT = "封筒に入れる順: 束の順（郵便番号順）にラベルを貼ってください。会員番号は各ページ下部の印字で照合できます"
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
    "・この表紙は封入しません。",
    "・各ページ下部の「会員番号 · 年度 · ページ」で、宛名ラベル（labels.pdf）と照合してください。",
    "・一覧は print/list.csv（会員番号・郵便番号・束のページ範囲・ラベルの位置）。",
)
PRINT_LABELS_TITLE = "宛名ラベル（A4 12面）"

# --- archive ---------------------------------------------------------------------------------
