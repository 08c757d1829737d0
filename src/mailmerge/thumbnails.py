"""Page images of the members' PDFs for the review app, made with pypdfium2 and cached by the PDF's hash."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from mailmerge import messages
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import make_private_dir, sha256_bytes, write_atomic

CACHE_NAME = ".review-cache"


@dataclass(frozen=True)
class ImageSize:
    """How one kind of page image is drawn: its width in pixels, grey or in colour, PNG effort."""

    width: int
    grayscale: bool
    compress_level: int


# A thumbnail shows the page's shape (one page or two, a long name wrapping), so grey is enough and
# keeps it under 10 ms; the page a reviewer reads is in colour at ~1.85 px per point (10.5 pt type
# is ~19 px high), and PNG's fast setting, since a page image is made once and then cached.
SIZES = {
    "thumb": ImageSize(width=150, grayscale=True, compress_level=6),
    "page": ImageSize(width=1100, grayscale=False, compress_level=3),
}

# PDFium is not thread-safe (pypdfium2's documentation) and waitress serves requests in threads:
# one lock around everything that touches it in this process.
_PDFIUM_LOCK = threading.Lock()


# Anyone who can write DIR/.review-cache/ could put member B's page where member A's is looked up:
# an image is served only with the tag this process made when it drew it (a key made at each start,
# never written anywhere); an image without it is drawn again from the manifest's PDF.
_CACHE_KEY = secrets.token_bytes(32)


class PageImageError(MailmergeError):
    """A page image could not be made: the PDF changed since the manifest, or PDFium refused it."""


def cache_path(out_dir: Path, pdf_sha256: str, kind: str, page: int) -> Path:
    """Return where the image of one page of the PDF with this hash is cached.

    Keyed by the PDF's hash, so a document made again by a later run gets new images and an
    unchanged one keeps its old ones; nothing from a request is part of the path but a number.
    """
    if kind not in SIZES:
        raise ValueError(kind)
    return out_dir / CACHE_NAME / pdf_sha256[:2] / pdf_sha256 / f"{kind}-{int(page)}.png"


def page_image(out_dir: Path, pdf: Path, pdf_sha256: str, kind: str, page: int) -> bytes:
    """Return the PNG of one page (1-based) of ``pdf``, from the cache or drawn and cached.

    The PDF's bytes are checked against ``pdf_sha256`` (the manifest's) before drawing: an image
    is always of the file the manifest describes, which is the file a decision is made on.
    """
    target = cache_path(out_dir, pdf_sha256, kind, page)
    seal = target.with_name(target.name + ".mac")
    try:
        cached = target.read_bytes()
        if hmac.compare_digest(seal.read_text(encoding="ascii"), _mac(pdf_sha256, kind, page, cached)):
            return cached
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    data = pdf.read_bytes()
    if sha256_bytes(data) != pdf_sha256:
        raise PageImageError(messages.review_file_changed(pdf.relative_to(out_dir).as_posix()))
    png = render_page(data, kind, page)
    make_private_dir(target.parent)
    write_atomic(target, png, durable=False)  # a lost cache file is simply drawn again
    write_atomic(seal, _mac(pdf_sha256, kind, page, png).encode("ascii"), durable=False)
    return png


def _mac(pdf_sha256: str, kind: str, page: int, png: bytes) -> str:
    """Return the tag that shows this process drew ``png`` as this page of this PDF (hex)."""
    key = f"{pdf_sha256}/{kind}/{int(page)}/".encode("ascii")
    return hmac.new(_CACHE_KEY, key + png, hashlib.sha256).hexdigest()


def render_page(data: bytes, kind: str, page: int) -> bytes:
    """Draw one page (1-based) of a PDF given as bytes into a PNG of the kind's size."""
    size = SIZES[kind]
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise PageImageError(messages.review_image_failed(str(exc))) from None
        try:
            if not 1 <= page <= len(document):
                raise PageImageError(messages.review_no_such_page(page))
            pdf_page = document[page - 1]
            width_pt, _height_pt = pdf_page.get_size()
            bitmap = pdf_page.render(scale=size.width / width_pt, grayscale=size.grayscale, may_draw_forms=False)
            image = bitmap.to_pil().copy()  # to_pil() may share the bitmap's buffer, closed next
            bitmap.close()
            pdf_page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=size.compress_level)
    return out.getvalue()


def image_height(kind: str, width_pt: float = 595.3, height_pt: float = 841.9) -> int:
    """Return an image's height in pixels for a page of the given size (A4 by default), for <img height>."""
    return round(SIZES[kind].width * height_pt / width_pt)


def text_lines(pdf: Path) -> list[str]:
    """Return the text of every page of a PDF, line by line (blank lines dropped), for comparing two letters."""
    data = pdf.read_bytes()
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise PageImageError(messages.review_image_failed(str(exc))) from None
        try:
            lines = []
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                lines += [line.strip() for line in textpage.get_text_range().splitlines() if line.strip()]
                textpage.close()
                page.close()
        finally:
            document.close()
    return lines
