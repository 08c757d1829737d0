"""Review decisions, the review app, print bundles and labels."""

from __future__ import annotations

# --- review decisions and the review app ---------------------------------------------------

# Read on the 確認 screen before any 作成 as well as at the command line: the screen's name first.
NO_MANIFEST = (
    "{out_dir}: まだ書状を作成していません（manifest.csv がありません）。"
    "先に「作成」で書状を作成してください（コマンドなら mailmerge run）"
)
BAD_MANIFEST = (
    "{path}: manifest.csv を読めません（{detail}）。「作成」でもう一度作成してください（コマンドなら mailmerge run）"
)
# Read in the workspace (作成 is a button there) as well as at the command line: no command named.
RUN_IN_PROGRESS = "{out_dir}: 書状を作成中です。作成が終わってから確認・承認してください"
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
# The same, for a page: the documents are remade with 作成 (the workspace's button), not a command.
CANNOT_DECIDE_FILES_CHANGED_IN_BROWSER = (
    "会員番号 {member_id}: ファイルが作成時と違います（manifest.csv の記録と合いません）。"
    "表示・承認・保留はできません。作業画面の「作成」で作り直してから確かめてください"
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
CANNOT_APPROVE_MISSING_IN_BROWSER = (
    "会員番号 {member_id}: 文書がそろっていないため承認できません。作業画面の「作成」で作ってから承認してください"
)
CANNOT_APPROVE_CHANGED_IN_BROWSER = (
    "会員番号 {member_id}: 作成後に名簿・テンプレート・設定が変わっています。作業画面の「作成」で作り直してから"
    "承認してください"
)
# Why a member cannot be approved (review.MemberReview.why_not_approved), by reason, for each place it is read.
CANNOT_APPROVE_BY_COMMAND = {
    "files": CANNOT_DECIDE_FILES_CHANGED,
    "missing": CANNOT_APPROVE_MISSING,
    "changed": CANNOT_APPROVE_CHANGED,
}
CANNOT_APPROVE_IN_BROWSER = {
    "files": CANNOT_DECIDE_FILES_CHANGED_IN_BROWSER,
    "missing": CANNOT_APPROVE_MISSING_IN_BROWSER,
    "changed": CANNOT_APPROVE_CHANGED_IN_BROWSER,
}
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
# The list opened from 作成's result (?ids=…): only the members it named, until the user shows everyone.
REVIEW_IDS_FILTER = "「作成」の結果で会員番号の出た会員だけを表示しています。"
REVIEW_IDS_CLEAR = "すべての会員を表示"
STATUS_LABELS = {"approved": "承認済み", "hold": "保留", "stale": "要再確認", "undecided": "未確認"}

REVIEW_DOCUMENT_LABELS = {"letter": "書状", "overview": "概要"}
REVIEW_GROUP_LABELS = {"enrolled": "加入", "unenrolled": "未加入"}

# Said to whoever opens the page without the start's token: the workspace (mailmerge serve) and the
# review screen (mailmerge review) both print their address, token included, when they start.
REVIEW_FORBIDDEN = (
    "このアドレスでは開けません。作業画面（mailmerge serve）または確認画面（mailmerge review）を起動したときに"
    "表示されたアドレス（?token= の付いたもの）をそのまま開いてください。起動し直した場合は、新しいアドレスが必要です。"
)
REVIEW_BAD_HOST = (
    "このパソコンの外からのアクセスは受け付けません。作業画面（mailmerge serve）または確認画面（mailmerge review）を"
    "起動したときに表示された http://127.0.0.1:… のアドレスを開いてください。"
)
REVIEW_CSRF = "画面が古くなっています。ページを再読み込みしてから、もう一度操作してください。"
REVIEW_NOT_FOUND = "該当するページやファイルがありません。一覧から会員を選んでください。"
# The review screen is opened from the workspace too, where 作成 is a button: no command named.
REVIEW_LOCKED = (
    "書状を作成中のため、承認・保留は記録できません。作成が終わってから、ページを再読み込みして操作してください。"
)
REVIEW_NEED_REVIEWER = "確認者のお名前が入力されていません。画面上部でお名前を入力してから操作してください。"
REVIEW_NEED_NOTE = "保留にするときは、理由をメモに書いてください（例: 住所の番地が古い）。"
REVIEW_BAD_DECISION = '判断は "approved"（承認）か "hold"（保留）のどちらかで指定してください。'
# Under an error with no link back (a refused form, a missing role): how to get back to where one was.
# The error page's way back: the workspace's ホーム where there is one (the list may be what failed), else the list.
ERROR_TO_HOME = "ホームへ戻る"
ERROR_TO_LIST = "一覧へ戻る"
ERROR_GO_BACK = "ブラウザの「戻る」ボタンで前の画面に戻れます。"
REVIEW_BAD_REQUEST = "リクエストの形式が正しくありません。JSON で member_id と decision を送ってください。"
# A refused form or link on a page (REVIEW_BAD_REQUEST is for the JSON API's callers).
WEB_BAD_REQUEST = (
    "送られた内容を受け付けられませんでした。画面を再読み込みしてから、もう一度操作してください。"
    "続く場合は管理担当の人に連絡してください。"
)
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
CHARACTER_KINDS = {
    "line_break": "改行",
    "bidi": "文字の向きを変える制御文字",
    "control": "制御文字",
    "invisible": "目に見えない書式用の文字",
}
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
    return f"{field}の {position} 文字目に使えない文字があります（{CHARACTER_KINDS[kind]}、U+{ord(char):04X}）。" + (
        f"{field}を消して、キーボードで入力し直してください（貼り付けた文字に紛れ込むことがあります）。"
        if kind == "invisible"
        else f"{field}は改行や制御文字を入れず、1 行で入力してください。"
    )


def review_sent(sent_on: str, as_is: bool) -> str:
    """What the review list and a member's page say of a member sealed in this cycle (issue 21): its current
    documents are the ones sent on ``sent_on`` (YYYY-MM-DD), or were remade since and not sent.
    """
    if not as_is:
        return "封印後に作り直し — 未発送"
    _, month, day = (int(part) for part in sent_on.split("-"))
    return f"封印済み（{month}月{day}日発送）"


def review_recorded(count: int, label: str) -> str:
    """What `mailmerge approve` recorded."""
    return f"{count} 会員を「{label}」として記録しました（review.db）。"


# --- print bundles and labels ----------------------------------------------------------------

PRINT_FONT_MISSING = (
    "フォント {font}（{file}）が見つかりません。表紙と宛名ラベルに使います。"
    "fonts-ipaexfont を入れてください（make setup、または sudo apt-get install fonts-ipaexfont）"
)
# PRINT_PDF_MISSING and the two tails are read in the workspace's print job too: the steps named as its menu
# names them, the commands only in parentheses.
PRINT_PDF_MISSING = (
    "会員番号 {member_id}: {document}.pdf がありません（「作成」で作り直してください。コマンドでは mailmerge run）"
)
PRINT_PDF_CHANGED = "会員番号 {member_id}: {document}.pdf が承認したときのファイルと違います（承認後に変更された）"
PRINT_FILES_CHANGED_TAIL = (
    "何も印刷用に作成していません。上の会員を「確認」で確認し直してから、もう一度印刷してください"
    "（コマンドでは mailmerge review の後に mailmerge print）"
)
PRINT_NOT_AS_MADE = (
    "会員番号 {member_id}: {document} のファイルが作成時と違います（manifest.csv "
    "の記録と合いません。作成後に置き換え・編集された）"
)
PRINT_NOT_AS_MADE_TAIL = (
    "何も印刷用に作成していません。「作成」をもう一度行って上の会員を作り直し、確認・承認してから、"
    "もう一度印刷してください（コマンドでは mailmerge run の後に mailmerge print）"
)
PRINT_LABEL_OVERFLOW = "会員番号 {member_id}: 宛名が長すぎてラベルに収まりません。名簿の住所・会員名を短くしてください"
# Read in the workspace's print job as well as at the command line: the 確認 screen, which `review` opens too.
PRINT_NOTHING_APPROVED = (
    "承認済みの会員がいないため、何も作成していません。「確認」の画面で承認してから、もう一度印刷してください"
)
PRINT_BUSY = (
    "{out_dir}: 別の mailmerge print が印刷用のファイルを作成中です。終わるのを待ってから、もう一度実行してください"
)
# Read in the workspace (作成 is a button there) as well as at the command line: no command named.
PRINT_RUN_IN_PROGRESS = "{out_dir}: 書状を作成中です。作成が終わってから印刷用のファイルを作成してください"
PRINT_OLDER_SET_ASIDE = (
    "以前に作成した印刷用ファイル（print フォルダー）は、今の承認と合わないおそれがあるため使えません。"
    "削除せず {where} に移しました"
)
PRINT_OLDER_NOT_MOVED = (
    "以前に作成した印刷用ファイル（{where}）は、今の承認と合わないおそれがあります。移動できなかったため（{detail}）、"
    "印刷に使わないでください"
)
# Shown on the member page as well as by `approve --hold`: no command names in it.
CANNOT_HOLD_SEALED = (
    "会員番号 {member_id}: この文書は封印済み（発送済み）のため保留にできません（送ったものは取り消せません）。"
    "訂正するときは名簿を直して作り直し、確認・承認して印刷・発送してから、再送の理由を付けて封印してください"
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
PRINT_BUNDLE_LINE = "{path}: {group} {members} 名、{pages} ページ（表紙を含む）"
PRINT_LABELS_LINE = "{path}: 宛名ラベル {labels} 枚（A4 のラベル用紙 {sheets} 枚、12 面・86.4 × 42.3 mm）"
PRINT_LIST_LINE = "{path}: 印刷順の一覧"
# list.csv's column headers (the group in REVIEW_GROUP_LABELS' words); state reads 会員番号 back.
LIST_HEADERS = {
    "member_id": "会員番号",
    "postal_code": "郵便番号",
    "group": "加入状況",
    "pages": "ページ数",
    "bundle": "束のファイル",
    "bundle_pages": "束のページ",
    "label": "ラベル（シート-位置）",
}
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
