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
# Shared pages and member layers (issue 14): why a template is converted whole, and the audit.
LAYER_FIELD_IN_TEXT = "差し込み項目 {field} が本文の中にあるため、会員ごとに文書全体を変換します（宛名枠の外）"
LAYER_FRAME_NOT_FIXED = "差し込み項目 {field} の枠が、ページに固定された高さ固定の枠ではないため、会員ごとに文書全体を変換します"
LAYER_SEVERAL_FRAMES = "差し込み項目が複数の枠に分かれているため、会員ごとに文書全体を変換します"
LAYER_FIELD_IN_FOOTER = "差し込み項目 {field} がヘッダー・フッターにあるため、会員ごとに文書全体を変換します"
LAYER_OVERFLOW = "会員番号 {member_id} ({document}): {field} が宛名枠に収まりません。名簿の値を短くしてください"
LAYER_AUDIT_MISMATCH = (
    "{document}: 共通ページと宛名の重ね合わせが直接の変換と一致しませんでした（会員番号 {member_id}、{page} ページ目、"
    "{pixels} 画素）。この実行では {document} を会員ごとに文書全体で変換します"
)

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
PRINT_RUN_IN_PROGRESS = "{out_dir}: mailmerge run が実行中です。終わってから印刷用のファイルを作成してください"
PRINT_NOTHING_TO_PRINT = "印刷できる会員がいません（文書がそろっていません）。mailmerge run で作成してください"
PRINT_LEFT_OUT_HEADER = "印刷に含めなかった会員: {count} 名"
PRINT_LEFT_OUT_LINE = "  {status} {count} 名: 会員番号 {member_ids}"
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
