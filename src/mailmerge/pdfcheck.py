"""Whether a PDF file is whole: read strictly by a second parser (qpdf) and every page drawn by PDFium.

The one home of "is this PDF whole". A PDF written in pieces can look complete (``%PDF-`` at
the start, ``%%EOF`` at the end) and still miss a block in the middle: PDFium's save swallowed a
Ctrl-C that way, and poppler then found no trailer and printed a nearly blank page (issue 10).
So a file counts as whole only when qpdf, without its repair mode, parses every object and every
page's content stream with no warning, and PDFium draws every page. Only then is it listed.

structure_problem() uses qpdf alone and may run in any thread; page_problem() and pdf_problem()
use PDFium, which is not thread-safe: call them from one thread (the pipeline's main thread).
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from mailmerge import messages
from mailmerge.fsutil import is_complete_pdf

# Pages are drawn into a bitmap this small: enough to prove that every object and font of the
# page can be drawn (PDFium parses the same content and glyphs at any scale), cheap to scan.
_RENDER_SIZE = 24
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


def structure_problem(path: Path, pages: int | None = None, *, every_object: bool = True) -> str:
    """Return why qpdf does not read ``path`` as a whole PDF of ``pages`` pages ('' when it does).

    Safe in any thread, and cheap (~0.4 ms a document): what a reused document needs.

    qpdf's repair mode is off: a cross-reference table that does not match the file (a block
    missing, the file cut short) is an error, and every warning (an object not where the
    table says, a stream of the wrong length) counts as a problem. Every page's content is
    decoded and, unless ``every_object`` is False, every object parsed (a block zeroed in
    place shifts nothing: only reading the objects there finds it; 0.25 ms). Fonts and images
    are left to page_problem(): decoding them all, as ``qpdf --check`` does, costs 2 ms a document.
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
            for page in pdf.pages:
                contents = page.obj.get("/Contents")
                for stream in [contents] if isinstance(contents, pikepdf.Stream) else list(contents or ()):
                    stream.read_bytes()
            warnings = pdf.get_warnings()
    except (pikepdf.PdfError, pikepdf.DataDecodingError, ValueError, AttributeError, TypeError) as exc:
        return messages.PDF_DAMAGED.format(detail=_without_path(str(exc), path))
    if warnings:
        return messages.PDF_DAMAGED.format(detail=_without_path(warnings[0], path))
    if count == 0:
        return messages.PDF_NO_PAGES
    if pages is not None and count != pages:
        return messages.PDF_PAGE_COUNT.format(pages=count, expected=pages)
    return ""


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
