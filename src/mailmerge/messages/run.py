"""Templates, LibreOffice conversion, verification of PDFs and the run."""

from __future__ import annotations

from mailmerge.messages.archive import ARCHIVE_INTERRUPTED

# --- templates and rendering -------------------------------------------------------------

RENDER_UNDEFINED = (
    "{where}: 会員番号 {member_id}: {name}の値がありません（名簿にも mailmerge.toml にもありません）。"
    "テンプレートを直すか mailmerge.toml に追加してください"
)
RENDER_FAILED = "{where}: 会員番号 {member_id}: 差し込みに失敗しました ({detail})"
BUNDLE_EMPTY = "まとめる文書がありません"
BUNDLE_OTHER_PARTS = "{position} 件目の文書の構成が 1 件目と違います（別のテンプレート？）"
BUNDLE_PART_DIFFERS = "{position} 件目の文書の {part} が 1 件目と違います（別のテンプレートか、画像が差し込まれた？）"
BUNDLE_NUMBERED_LIST = "テンプレートに番号付きの箇条書きがあり、まとめて変換すると番号が会員をまたいで続いてしまいます"

# --- LibreOffice conversion (pdf) --------------------------------------------------------
# Shared pages and member layers (issue 14): why a template is converted whole, and the audit.
# Why a template's pages cannot be shared (check prints them after 「全体を変換（理由: …）」).
LAYER_FIELD_IN_TEXT = "差し込み項目 {field} が宛名枠の外（本文）にあります"
LAYER_FRAME_NOT_FIXED = "差し込み項目 {field} の枠が、ページに固定された高さ固定の枠ではありません"
LAYER_SEVERAL_FRAMES = "差し込み項目が複数の枠に分かれています"
LAYER_MEMBER_VARIES = "会員番号 {member_id} ({document}): 宛名枠の外の内容が共有ページと違うため、文書全体で変換します"
LAYER_UNPROVEN = (
    "宛名枠の外の内容が会員によって変わらないことを確かめられません（テンプレートの差し込みにエラーがあります）"
)
LAYER_PART_VARIES = "宛名枠の外（{part}）の内容が会員によって変わります"
DOCX_PARTS = {
    "word/document.xml": "本文",
    "word/footnotes.xml": "脚注",
    "word/endnotes.xml": "文末脚注",
    "word/comments.xml": "コメント",
    "docProps/core.xml": "文書のプロパティ",
}
LAYER_FIELD_IN_FOOTER = "差し込み項目 {field} がヘッダー・フッターにあります"
LAYER_OVERFLOW = "会員番号 {member_id} ({document}): {field} が宛名枠に収まりません。名簿の値を短くしてください"
LAYER_SWITCHED_OFF = (
    "設定で共有ページを使わないことにしているため（mailmerge.toml の [conversion] shared_pages = false）"
)
LAYER_FEW_MEMBERS = "{minimum} 名未満のグループは、共有ページを用意するより全体を変換する方が速いため"
LAYER_PAGES = "差し込み層が {layer} ページ、共有ページが {shared} ページで、重ねられません"
LAYER_GROUPS = {"enrolled": "加入", "unenrolled": "未加入"}
LAYER_AUDIT_PASSED = (
    "{document}（{group}）: 共有ページ + 会員ごとの差し込み層で作成（抜き取り {count} 件を直接の変換と照合: "
    "一致。会員番号 {members}）"
)
LAYER_AUDIT_MISMATCH = (
    "{document}（{group}）: 共有ページと差し込み層の重ね合わせが直接の変換と一致しませんでした（会員番号 {member_id}、"
    "{page} ページ目、{pixels} 画素）。この実行では {document}（{group}）を会員ごとに文書全体で変換します"
)
LAYER_AUDIT_INCOMPLETE = (
    "{document}（{group}）: 抜き取り照合を終えられませんでした（{detail}）。この実行では {document}（{group}）を"
    "会員ごとに文書全体で変換します"
)
LAYER_SHARED_FAILED = "共有ページを変換できませんでした"
SHARED_MARKED = "共有ページにページ番号（会員番号つき）が残っています"
LAYER_SAMPLE_FAILED = "照合用に直接変換できない会員がいました"
LAYER_SAMPLE_NOT_COMPOSED = "抜き取りの会員のうち、差し込み層を重ねられない会員がいました"

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
PDF_WRITTEN_DIFFERS = (
    "PDF を書き込んだ内容と、読み戻した内容が違います（{byte} バイト目から。読み戻し {found} バイト、書き込み "
    "{written} バイト）。"
    "ディスクに問題がないか確かめてから、もう一度実行してください"
)
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
FIELD_MISSING = (
    "PDF の宛名に {field} の内容が見当たりません（フォントにない文字か、枠に入りきらなかった可能性があります）。mailm"
    "erge check で名簿を点検してください"
)
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
REUSING = "前回から変わっていない {count} 文書はそのまま使います。"
MEMBERS_SET_ASIDE = "名簿にない（または加入状況が変わった）会員の出力を {where}/ に移しました: 会員番号 {ids}"
OUTDATED_SET_ASIDE = (
    "名簿・テンプレート・設定が変わったため古くなった {count} 文書を {where}/ に移しました"
    "（今回は作っていない会員の分です。全員分を作るには --only/--limit なしで実行してください）。"
)
CONVERTING = "PDF に変換・確認中"
BUNDLE_FAILED = "{bundle}: 一括変換に失敗したため、1 件ずつ変換します"
MEMBER_RETRIED_ALONE = "会員番号 {member_id} ({document}): 一括変換で確認できず、単独で変換し直します"
MEMBER_DOCUMENT = "会員番号 {member_id} ({document})"
INTERRUPTED = (
    "中断しました。完成した {count} 文書は保存してあります。もう一度 mailmerge run を実行すると、残りから続けます。"
)
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

CLI_INTERRUPTED = "中断しました。もう一度実行してください（mailmerge run は作り終えた文書から続けます）。"

# Ctrl-C during a command: what was left and what to run again, per command (run: CLI_INTERRUPTED).
CLI_INTERRUPTED_BY_COMMAND = {
    "run": CLI_INTERRUPTED,
    "check": "中断しました。何も書き込んでいません。もう一度 mailmerge check を実行してください。",
    "approve": "中断しました。判定は全員分を記録したか、何も記録していないかのどちらかです。"
    "mailmerge review で確かめ、必要ならもう一度 mailmerge approve を実行してください。",
    "print": "中断しました。印刷用ファイル（print フォルダー）は完成していないおそれがあります。"
    "印刷には使わず、もう一度 mailmerge print を実行してください。",
    "history": "中断しました。何も変更していません。もう一度 mailmerge history を実行してください。",
    "send": "中断しました。受け付け済みの会員には二度と送りません。もう一度 mailmerge send を実行すると、残りの会員に"
    "送ります。",
    "verify": "中断しました。何も変更していません。もう一度 mailmerge verify を実行してください。",
}
CLI_INTERRUPTED_OTHER = "中断しました。もう一度 mailmerge {command} を実行してください。"
CLI_INTERRUPTED_LOADING = "中断しました。何も実行していません。もう一度実行してください。"


def interrupted(command: str | None) -> str:
    """Return the one line said when Ctrl-C stops ``command`` (None: before a command started)."""
    if command is None:
        return CLI_INTERRUPTED_LOADING
    if command == "archive":
        return ARCHIVE_INTERRUPTED
    return CLI_INTERRUPTED_BY_COMMAND.get(command, CLI_INTERRUPTED_OTHER.format(command=command))


CLI_FILE_ERROR = "{where}ファイルを読み書きできません（{reason}）。確かめてから、もう一度実行してください"
CLI_DISK_FULL = "{where}ディスクの空きがありません。空きを作ってから、もう一度実行してください"
CLI_NOT_WRITABLE = (
    "{where}書き込めません（読み取り専用か、書き込む権限がありません）。権限を確かめてから、もう一度実行してください"
)
CLI_SET_ASIDE = "{what}は削除せず、{where} に移しました"
CLI_PRINT_SET_ASIDE = (
    "以前に作成した印刷用ファイル（print フォルダー）には、今回作り直した・名簿から外れた会員（会員番号 {ids}）の"
    "古い文書とラベルが入っているため、印刷に使えないよう削除せず {where} に移しました。"
    "確認・承認してから mailmerge print で作り直してください"
)
CLI_SET_ASIDE_MEMBERS = "名簿にない（または加入状況が変わった）会員 {count} 件の出力"
CLI_SET_ASIDE_OUTDATED = "古くなった {count} 文書"
# A run that changed documents someone had approved or put on hold (issue 21): with the same inputs it
# makes the same PDFs, so this comes from a changed roster row, template or config, or a remade PDF.
CLI_DECISIONS_VOIDED = (
    "この実行で文書が変わったため、{what}が「要再確認」になりました（会員番号 {ids}）。確認し直してください。"
)
CLI_VOIDED_APPROVED = "承認 {count} 件"
CLI_VOIDED_HELD = "保留 {count} 件"
CLI_MORE_IDS = "ほか {count} 件"

# manifest.csv's column headers, as the secretariat sees them in Excel (earlier runs' English headers are
# read too). The group and the document are written in the review pages' words (REVIEW_*_LABELS).
MANIFEST_HEADERS = {
    "member_id": "会員番号",
    "name": "会員名",
    "group": "加入状況",
    "document": "文書",
    "docx": "DOCX ファイル",
    "pdf": "PDF ファイル",
    "pages": "ページ数",
    "docx_sha256": "DOCX の SHA-256",
    "pdf_sha256": "PDF の SHA-256",
    "input_sha256": "作成元の SHA-256",
}
