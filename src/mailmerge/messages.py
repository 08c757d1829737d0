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

# --- review decisions and the review app ---------------------------------------------------

# --- print bundles and labels ----------------------------------------------------------------

# --- archive ---------------------------------------------------------------------------------
