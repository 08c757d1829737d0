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

# The flags a reviewer should see before reading a member's documents (review.FLAGS keys).
REVIEW_FLAG_LABELS = {
    "long_letter": "書状が2ページ以上",
    "onchu": "御中（代表者なし）",
    "postal_warning": "郵便番号に注意",
    "long_name": "名前が長く折り返す",
    "missing_document": "文書が足りない",
    "roster_changed": "名簿が変わった",
    "stale": "判断後に文書が変わった",
}
REVIEW_STATUS_LABELS = {
    "approved": "承認済み",
    "hold": "保留",
    "stale": "要再確認",
    "undecided": "未確認",
}
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
