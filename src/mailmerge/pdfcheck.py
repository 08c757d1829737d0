"""Whether a PDF file is whole: read strictly by a second parser (qpdf) and every page drawn by PDFium.

The one home of "is this PDF whole". A PDF written in pieces can look complete (``%PDF-`` at
the start, ``%%EOF`` at the end) and still miss a block in the middle: PDFium's save swallowed a
Ctrl-C that way, and poppler then found no trailer and printed a nearly blank page (issue 10).
So a file counts as whole only when qpdf, without its repair mode, parses every object and every
page's content stream with no warning, and PDFium draws every page. Only then is it listed.

A combined PDF (LibreOffice's bundle of 50 members) is checked once as a whole, which costs a
fiftieth per member: qpdf decodes every stream of it (streams_problem: the pages' content and the
fonts' programs; PDFium draws a damaged font in a fallback font, so drawing cannot tell), and
PDFium draws every page (page_problem) while verify reads its text. Each member's file, which
qpdf writes from those objects with their streams copied byte for byte, is then read strictly
once more for its structure (structure_problem with ``streams=False``).

structure_problem() and streams_problem() use qpdf alone and may run in any thread;
page_problem() and pdf_problem() use PDFium, which is not thread-safe: call them from one thread
(the pipeline's main thread).
"""

from __future__ import annotations

import ctypes
import zlib
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from mailmerge import messages
from mailmerge.fsutil import is_complete_pdf

# Pages are drawn into a bitmap this small: PDFium runs every object of the page through its
# renderer at any scale, and a page of the mailing still leaves ink in it (at least 42 of the
# 256 bytes over 300 pages of letters and overviews; at 4 pixels a page can come out white).
_RENDER_SIZE = 8
_WHITE = 0xFF


def pdf_problem(path: Path, pages: int | None = None) -> str:
    """Return why ``path`` is not a whole PDF ('' when it is one), in Japanese.

    Checked: it exists, starts ``%PDF-`` and ends ``%%EOF``; qpdf parses it strictly
    (structure_problem); it has ``pages`` pages when given; PDFium draws every page.
    PDFium: call from one thread only.
    """
    problem = structure_problem(path, pages)
    if problem:
        return problem
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        return messages.PDF_UNREADABLE.format(detail=exc)
    try:
        for index in range(len(document)):
            page = pdfium_c.FPDF_LoadPage(document.raw, index)
            if not page:
                return messages.PDF_PAGE_UNREADABLE.format(page=index + 1)
            try:
                problem = page_problem(page, index + 1)
            finally:
                pdfium_c.FPDF_ClosePage(page)
            if problem:
                return problem
    finally:
        document.close()
    return ""


def structure_problem(path: Path, pages: int | None = None, *, every_object: bool = True, streams: bool = True) -> str:
    """Return why qpdf does not read ``path`` as a whole PDF of ``pages`` pages ('' when it does).

    Safe in any thread, and cheap (~0.4 ms a document): what a reused document needs.

    qpdf's repair mode is off: a cross-reference table that does not match the file (a block
    missing, the file cut short) is an error, and every warning (an object not where the
    table says, a stream of the wrong length) counts as a problem. The page tree is read,
    every page's content decoded unless ``streams`` is False (a member's file split from a
    combined PDF whose streams were decoded already: streams_problem), and every object parsed
    unless ``every_object`` is False (a block zeroed in place shifts nothing: only reading the
    objects there finds it; 0.25 ms). Fonts and images are left to the combined PDF's
    streams_problem(): decoding them in every member's file, as ``qpdf --check`` does, costs
    2 ms a document.
    """
    if not path.is_file():
        return messages.PDF_MISSING.format(name=path.name)
    if not is_complete_pdf(path):
        return messages.PDF_CUT
    try:
        with pikepdf.open(path, attempt_recovery=False) as pdf:
            if every_object:
                for _object in pdf.objects:
                    pass
            count = len(pdf.pages)
            for page in pdf.pages if streams else ():
                contents = page.obj.get("/Contents")
                for stream in [contents] if isinstance(contents, pikepdf.Stream) else list(contents or ()):
                    _decode(stream)
            warnings = pdf.get_warnings()
    except (pikepdf.PdfError, pikepdf.DataDecodingError, zlib.error, ValueError, AttributeError, TypeError) as exc:
        return messages.PDF_DAMAGED.format(detail=_without_path(str(exc), path))
    if warnings:
        return messages.PDF_DAMAGED.format(detail=_without_path(warnings[0], path))
    if count == 0:
        return messages.PDF_NO_PAGES
    if pages is not None and count != pages:
        return messages.PDF_PAGE_COUNT.format(pages=count, expected=pages)
    return ""


def streams_problem(pdf: pikepdf.Pdf) -> str:
    """Return why qpdf cannot decode every stream of an opened PDF ('' when it can), in Japanese.

    Every stream: the pages' content and the fonts' programs, which a damaged block can hit
    without shifting anything qpdf's structure check reads. For a combined PDF, once (about
    0.3 ms a member document, most of it inflating the fonts), before its members' pages are
    copied into their own files.
    """
    try:
        for item in pdf.objects:
            if isinstance(item, pikepdf.Stream):
                _decode(item)
        warnings = pdf.get_warnings()
    except (pikepdf.PdfError, pikepdf.DataDecodingError, zlib.error, ValueError) as exc:
        return messages.PDF_DAMAGED.format(detail=_without_path(str(exc), Path(pdf.filename)))
    if warnings:
        return messages.PDF_DAMAGED.format(detail=_without_path(warnings[0], Path(pdf.filename)))
    return ""


def _decode(stream: pikepdf.Stream) -> None:
    """Decode a stream, raising when its data is damaged.

    A Flate stream is inflated by zlib, which checks the Adler-32 at its end: qpdf ignores a
    wrong one, and inflates a block of zeros in a font program without a word (PDFium then
    draws the page blank).
    """
    if stream.get("/Filter") == pikepdf.Name.FlateDecode and "/DecodeParms" not in stream:
        raw = stream.read_raw_bytes()
        if raw:  # qpdf writes an empty stream as no bytes at all, filter or not
            zlib.decompress(raw)
    else:
        stream.read_bytes()


def page_problem(page: pdfium_c.FPDF_PAGE, number: int) -> str:
    """Return why PDFium cannot draw a loaded page ('' when it can); ``number`` counts from 1.

    A page that draws nothing at all is what a damaged content stream gives; every page of
    the mailing prints at least its page mark.
    """
    bitmap = pdfium_c.FPDFBitmap_Create(_RENDER_SIZE, _RENDER_SIZE, 0)
    if not bitmap:
        raise MemoryError("PDFium could not allocate a bitmap")
    try:
        pdfium_c.FPDFBitmap_FillRect(bitmap, 0, 0, _RENDER_SIZE, _RENDER_SIZE, 0xFFFFFFFF)
        pdfium_c.FPDF_RenderPageBitmap(bitmap, page, 0, 0, _RENDER_SIZE, _RENDER_SIZE, 0, 0)
        size = pdfium_c.FPDFBitmap_GetStride(bitmap) * _RENDER_SIZE
        pixels = ctypes.string_at(pdfium_c.FPDFBitmap_GetBuffer(bitmap), size)
    finally:
        pdfium_c.FPDFBitmap_Destroy(bitmap)
    if pixels.count(_WHITE) == len(pixels):
        return messages.PDF_PAGE_BLANK.format(page=number)
    return ""


def _without_path(detail: str, path: Path) -> str:
    # qpdf names the file it read; a member's folder is named by member ID only, but the
    # message already says which member, and a temporary name would only confuse.
    return detail.replace(f"{path}: ", "").replace(str(path), path.name)
