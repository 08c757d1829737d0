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

REVIEW_DOCUMENT_LABELS = {"letter": "書状", "overview": "概要"}
REVIEW_GROUP_LABELS = {"enrolled": "加入", "unenrolled": "未加入"}

REVIEW_FORBIDDEN = (
    "このアドレスでは開けません。mailmerge review が表示したアドレス（?token= の付いたもの）を"
    "そのまま開いてください。レビュー画面を起動し直した場合は、新しいアドレスが必要です。"
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
REVIEW_SERVER_ERROR = "レビュー画面で予期しないエラーが起きました。画面を再読み込みしてください。続く場合は担当者に連絡してください。"
REVIEW_SERVING = "レビュー画面を起動しました（このパソコンからのみ開けます）。終了するには Ctrl-C を押してください。"
REVIEW_STOPPED = "レビュー画面を終了しました。"
REVIEW_PORT_IN_USE = "ポート {port} は使用中です。別の番号を --port で指定するか、--port を付けずに実行してください。"


def review_file_changed(path: str) -> str:
    """A member's file no longer matches manifest.csv."""
    return f"{path}: manifest.csv の作成後にファイルが変わっています。mailmerge run をもう一度実行してください。"


def review_image_failed(detail: str) -> str:
    """PDFium could not open a PDF to draw its pages."""
    return f"PDF のページ画像を作れませんでした（{detail}）。mailmerge run をもう一度実行してください。"


def review_no_such_page(page: int) -> str:
    """A page number past the document's end."""
    return f"{page} ページ目はありません。"


def review_recorded(count: int, label: str) -> str:
    """What `mailmerge approve` recorded."""
    return f"{count} 会員を「{label}」として記録しました（review.db）。"

# --- print bundles and labels ----------------------------------------------------------------

# --- archive ---------------------------------------------------------------------------------
