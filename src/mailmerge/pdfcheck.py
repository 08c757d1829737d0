"""Whether a PDF file is whole: read strictly by a second parser (qpdf) and every page drawn by PDFium.

The one home of "is this PDF whole". A PDF written in pieces can look complete (``%PDF-`` at
the start, ``%%EOF`` at the end) and still miss a block in the middle: PDFium's save swallowed a
Ctrl-C that way, and poppler then found no trailer and printed a nearly blank page (issue 10).
So a file counts as whole only when qpdf, without its repair mode, parses every object and every
page's content stream with no warning, and PDFium draws every page. Only then is it listed.

A combined PDF (LibreOffice's bundle of 50 members) is checked once as a whole, which costs a
fiftieth per member: qpdf decodes every stream of it (streams_problem: the pages' content and the
fonts' programs, which qpdf's structure check does not read), and
PDFium draws every page (page_problem) while verify reads its text. Each member's file, which
qpdf writes from those objects with their streams copied byte for byte, is then read back: its
bytes must be the ones qpdf made (written_problem) and qpdf must read it strictly
(structure_problem with ``streams="none"``).

structure_problem() and streams_problem() use qpdf alone, written_problem() reads a file: any thread;
page_problem() and pdf_problem() use PDFium, which is not thread-safe: call them from one thread
(the pipeline's main thread).
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from mailmerge import messages
from mailmerge.fsutil import is_complete_pdf, write_atomic

# Pages are drawn into a bitmap this small: PDFium runs every object of the page through its
# renderer at any scale, and the mailing's pages leave ink in it (a full page at least 42 of the 256
# bytes at 8 pixels, over 300 pages of letters and overviews). A page of a few lines (a layer's
# recipient block, or its page mark alone) most often comes out white at 8 pixels, and never at 24,
# where a full page costs a fifth more to draw: so the sizes tried depend on the page's characters.
# A page that comes out white is drawn again at the larger size before it counts as blank.
_RENDER_SIZES = (8, 24)
_FEW_LINES_SIZES = (24, 72)
_FEW_LINES = 300  # characters: a letter page has ~650, an overview page ~1,000, a layer page at most ~110
_WHITE = 0xFF
# An embedded subset's name: six capital letters, "+", the font's own name (PDF 32000-1, 9.6.4).
_SUBSET_TAG = re.compile(r"^/[A-Z]{6}\+")
_FONT_FILES = ("/FontFile2", "/FontFile3", "/FontFile")
# What reading a damaged PDF raises: qpdf's errors, zlib's for a stream that does not inflate, and
# what pikepdf raises on an object of the wrong type where the structure needs another.
_DAMAGE = (pikepdf.PdfError, pikepdf.DataDecodingError, zlib.error, ValueError, AttributeError, TypeError)


def pdf_problem(path: Path, pages: int | None = None) -> str:
    """Return why ``path`` is not a whole PDF ('' when it is one), in Japanese.

    Checked: it exists, starts ``%PDF-`` and ends ``%%EOF``; qpdf parses it strictly
    (structure_problem); it has ``pages`` pages when given; PDFium draws every page.
    PDFium: call from one thread only.
    """
    problem = structure_problem(path, pages, streams="all")
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


def structure_problem(
    path: Path, pages: int | None = None, *, every_object: bool = True, streams: str = "contents"
) -> str:
    """Return why qpdf does not read ``path`` as a whole PDF of ``pages`` pages ('' when it does).

    Safe in any thread, and cheap (~0.4 ms a document): what a reused document needs.

    qpdf's repair mode is off: a cross-reference table that does not match the file (a block
    missing, the file cut short) is an error, and every warning (an object not where the
    table says, a stream of the wrong length) counts as a problem. The page tree is read,
    every object parsed unless ``every_object`` is False (a block zeroed in place shifts
    nothing: only reading the objects there finds it; 0.25 ms), and ``streams`` decoded:
    "contents", the pages' content (a reused document, checked whole when it was placed);
    "all", fonts and images too (a document converted on its own; ~2 ms, as ``qpdf --check``);
    "none" (a file write_checked wrote: its bytes are the ones qpdf made from objects checked
    before, which written_problem compares).
    """
    if streams not in ("all", "contents", "none"):
        raise ValueError(f"streams={streams!r}")
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
            problem = _decoding_problem(pdf, streams, path)
    except _DAMAGE as exc:
        return messages.PDF_DAMAGED.format(detail=_without_path(str(exc), path))
    if problem:
        return problem
    if count == 0:
        return messages.PDF_NO_PAGES
    if pages is not None and count != pages:
        return messages.PDF_PAGE_COUNT.format(pages=count, expected=pages)
    return ""


def write_checked(pdf: pikepdf.Pdf, target: Path) -> str:
    """Save ``pdf`` (made by qpdf from objects already checked) to ``target``, atomically; return why it is not whole,
    or ''.

    qpdf writes the file, not PDFium: PDFium's save hands every block to a Python callback, and a
    Ctrl-C raised in it was printed as "Exception ignored" and lost, the save going on with a
    block missing (issue 10). qpdf writes into memory without running Python code, so an
    interruption waits until the save is done and is raised after it. What can go wrong since
    is the write (a file cut short, a block lost or altered): the file read back must hold the very
    bytes qpdf made, and qpdf must read its cross-references and page tree strictly. (Read back
    soon after, it comes from the kernel's cache: what the disk itself does later is the final
    sync's, before the manifest.) Its streams need no decoding again: they are the checked PDFs'
    streams copied byte for byte, and what qpdf made anew from checked content (a member's layer
    as a form, the streams around a shared page's own), all in the bytes compared. A file that
    is not whole is removed.
    """
    make_reproducible(pdf)
    buffer = io.BytesIO()
    # The streams copied as they are, and no XMP rewrite: a third of the save's time. The /ID is
    # qpdf's hash of the bytes written, not a random one (make_reproducible).
    pdf.save(
        buffer, fix_metadata_version=False, stream_decode_level=pikepdf.StreamDecodeLevel.none, deterministic_id=True
    )
    pages = len(pdf.pages)
    if not target.parent.is_dir():  # usually the member's folder exists already, holding its DOCX
        target.parent.mkdir(parents=True, exist_ok=True)
    data = buffer.getvalue()
    # No fsync per file (2.5 ms each here, a third of the splitting time): the caller syncs once,
    # before it records the files as done.
    write_atomic(target, data, durable=False)
    problem = structure_problem(target, pages, every_object=False, streams="none") or written_problem(target, data)
    if problem:
        target.unlink(missing_ok=True)
    return problem


def make_reproducible(pdf: pikepdf.Pdf) -> None:
    """Take out of ``pdf`` what changes from one conversion of the same document to the next (issue 21).

    Approvals are bound to a PDF's bytes: a run that makes the same document again (``--force``)
    must make the same bytes, or every approval turns 要再確認. What differs between two
    conversions: the document ID (replaced at the save by a hash of the bytes: write_checked), the
    creation and modification times and the XMP metadata (the /Info dictionary, LibreOffice's
    /DocChecksum and the catalogue's /Metadata, dropped: a member's file has none of them once its
    pages are copied into a new PDF, a document given whole has them all). The subsets' tags (``BAAAAA+IPAexMincho``)
    are renamed after
    their font program: LibreOffice counts them per conversion, so a bundle's first Mincho subset
    and the shared pages' have the same tag and different glyphs, which a printer keeping fonts
    by name can mix up in a print bundle; and the tag is LibreOffice's to choose, not ours.
    Changed in place, before the save.
    """
    for key in set(pdf.trailer.keys()) - {"/Root", "/Size"}:  # also LibreOffice's own /DocChecksum
        del pdf.trailer[key]
    if "/Metadata" in pdf.Root:
        del pdf.Root.Metadata
    for item in pdf.objects:
        if isinstance(item, pikepdf.Dictionary) and item.get("/Type") == pikepdf.Name.Font and "/BaseFont" in item:
            _retag_subset(item)


def _retag_subset(font: pikepdf.Dictionary) -> None:
    """Rename an embedded subset after its font program: the same glyphs, the same tag."""
    if not _SUBSET_TAG.match(str(font.BaseFont)):
        return
    descendants = font.get("/DescendantFonts")  # a Type0 font's program is its descendant's (renamed as a font itself)
    descriptor = (descendants[0] if descendants else font).get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return  # not embedded: nothing to name it after
    program = next((descriptor[key] for key in _FONT_FILES if key in descriptor), None)
    if not isinstance(program, pikepdf.Stream):
        return
    number = int.from_bytes(hashlib.sha256(program.read_raw_bytes()).digest()[:8], "big")
    tag = "".join(chr(ord("A") + number // 26**n % 26) for n in range(6))
    font.BaseFont = _retagged(font.BaseFont, tag)
    if "/FontName" in descriptor:
        descriptor.FontName = _retagged(descriptor.FontName, tag)


def _retagged(name: pikepdf.Object, tag: str) -> pikepdf.Name:
    text = str(name)
    return pikepdf.Name(f"/{tag}+{text[8:]}" if _SUBSET_TAG.match(text) else text)


def written_problem(path: Path, data: bytes) -> str:
    """Return how the file at ``path`` differs from ``data``, the bytes written to it ('' when it holds them), in
    Japanese.
    """
    try:
        found = path.read_bytes()
    except OSError as exc:
        return messages.PDF_UNREADABLE.format(detail=exc.strerror)
    if found == data:
        return ""
    offset = next((n for n, (a, b) in enumerate(zip(found, data, strict=False)) if a != b), min(len(found), len(data)))
    return messages.PDF_WRITTEN_DIFFERS.format(byte=offset + 1, found=len(found), written=len(data))


def streams_problem(pdf: pikepdf.Pdf) -> str:
    """Return why qpdf cannot decode every stream of an opened PDF ('' when it can), in Japanese.

    Every stream: the pages' content and the fonts' programs, which a damaged block can hit
    without shifting anything qpdf's structure check reads. For a combined PDF, once (about
    0.3 ms a member document, most of it inflating the fonts), before its members' pages are
    copied into their own files.
    """
    return _decoding_problem(pdf, "all", Path(pdf.filename))


def _decoding_problem(pdf: pikepdf.Pdf, which: str, path: Path) -> str:
    """Decode the streams ``which`` names (see _streams); return what went wrong, or any warning qpdf gave."""
    try:
        for stream in _streams(pdf, which):
            _decode(stream)
        warnings = pdf.get_warnings()
    except _DAMAGE as exc:
        return messages.PDF_DAMAGED.format(detail=_without_path(str(exc), path))
    if warnings:
        return messages.PDF_DAMAGED.format(detail=_without_path(warnings[0], path))
    return ""


def _streams(pdf: pikepdf.Pdf, which: str) -> Iterator[pikepdf.Stream]:
    """Yield the streams structure_problem decodes: "all", the pages' "contents", or "none"."""
    if which == "all":
        yield from (item for item in pdf.objects if isinstance(item, pikepdf.Stream))
    elif which == "contents":
        for page in pdf.pages:
            contents = page.obj.get("/Contents")
            yield from (
                [contents]
                if isinstance(contents, pikepdf.Stream)
                else [s for s in contents or () if isinstance(s, pikepdf.Stream)]
            )


def _decode(stream: pikepdf.Stream) -> None:
    """Decode a stream, raising when its data is damaged.

    A Flate stream is inflated by zlib, which checks the Adler-32 at its end: qpdf ignores a
    wrong one and inflates a damaged font program without a word (the test's damaged font drew
    nothing). Other filters (a picture's JPEG, a PNG predictor) are decoded by qpdf, images included.
    """
    if stream.get("/Filter") == pikepdf.Name.FlateDecode and "/DecodeParms" not in stream:
        raw = stream.read_raw_bytes()
        if raw:  # qpdf writes an empty stream as no bytes at all, filter or not
            zlib.decompress(raw)
    else:
        stream.read_bytes(pikepdf.StreamDecodeLevel.all)


def page_problem(page: pdfium_c.FPDF_PAGE, number: int, characters: int | None = None) -> str:
    """Return why PDFium cannot draw a loaded page ('' when it can); ``number`` counts from 1.

    A page that draws nothing at all is what a damaged content stream gives; every page of
    the mailing prints at least its page mark. ``characters``, the page's text length when
    known, chooses the sizes to draw it at.
    """
    sizes = _FEW_LINES_SIZES if characters is not None and characters < _FEW_LINES else _RENDER_SIZES
    if any(_leaves_ink(page, size) for size in sizes):
        return ""
    return messages.PDF_PAGE_BLANK.format(page=number)


def _leaves_ink(page: pdfium_c.FPDF_PAGE, size: int) -> bool:
    """Draw the page into a size x size bitmap; return whether any pixel is not white."""
    bitmap = pdfium_c.FPDFBitmap_Create(size, size, 0)
    if not bitmap:
        raise MemoryError("PDFium could not allocate a bitmap")
    try:
        pdfium_c.FPDFBitmap_FillRect(bitmap, 0, 0, size, size, 0xFFFFFFFF)
        pdfium_c.FPDF_RenderPageBitmap(bitmap, page, 0, 0, size, size, 0, 0)
        length = pdfium_c.FPDFBitmap_GetStride(bitmap) * size
        pixels = ctypes.string_at(pdfium_c.FPDFBitmap_GetBuffer(bitmap), length)
    finally:
        pdfium_c.FPDFBitmap_Destroy(bitmap)
    return pixels.count(_WHITE) != len(pixels)


def _without_path(detail: str, path: Path) -> str:
    # qpdf names the file it read; a member's folder is named by member ID only, but the
    # message already says which member, and a temporary name would only confuse.
    return detail.replace(f"{path}: ", "").replace(str(path), path.name)
