"""Lay each member's layer over the group's shared pages, and prove the result looks like a direct conversion."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium

from mailmerge import messages
from mailmerge.errors import MailmergeError

AUDIT_DPI = 100
# Grey levels by which a pixel may differ from every pixel around its place in the other picture.
AUDIT_TOLERANCE = 64
# Pixels a page may have beyond that. LibreOffice itself places some glyphs up to ~0.1 pt differently
# from one conversion of the same page to the next (half-width digits in the overview's contact table;
# the same member's page converted in a bundle and alone differs by 9 pixels), which moves
# anti-aliased edges: measured at most 16 pixels on a page at 1,000 members. A layer shifted by
# 0.5 mm gives 600-1,500 pixels, a justified line spread differently (0.47 pt) 170-250: both fail.
# A shift of 0.25 mm (1 pixel at 100 dpi) is below what this finds.
AUDIT_MAX_PIXELS = 40


class LayerOverflowError(MailmergeError):
    """A member's value does not fit the template's frame."""


@dataclass(frozen=True)
class Mismatch:
    """A page where a composed PDF does not look like the member's document converted directly."""

    page: int  # from 1
    pixels: int


class SharedPages:
    """A group's shared pages of one template, open for composing every member's PDF; close it when done."""

    def __init__(self, path: Path):
        try:
            self._pdf = pikepdf.open(path, attempt_recovery=False)
        except pikepdf.PdfError as exc:
            raise MailmergeError(messages.PDF_DAMAGED.format(detail=exc)) from None

    @property
    def pages(self) -> int:
        return len(self._pdf.pages)

    def compose(self, layer: Path, target: Path) -> int:
        """Write the shared pages with the member's layer over them to ``target``; return its page count."""
        return compose_member(self._pdf, layer, target)

    def close(self) -> None:
        self._pdf.close()


def compose_member(shared: pikepdf.Pdf, layer: Path, target: Path) -> int:
    """Write the shared pages with the member's layer pages laid over them; return the page count."""
    with pikepdf.open(layer) as member, pikepdf.new() as out:
        if len(member.pages) != len(shared.pages):
            raise MailmergeError(messages.LAYER_PAGES.format(layer=len(member.pages), shared=len(shared.pages)))
        out.pages.extend(shared.pages)
        for page, over in zip(out.pages, member.pages):
            page.add_overlay(over)
        out.save(target)
        return len(out.pages)


def overflowing_fields(layer: Path, box: tuple[float, float, float, float], values: Mapping[str, str]) -> list[str]:
    """Return the fields whose printed value is not whole inside the frame's box on the layer's first page.

    ``values`` maps what names a field to the reader (the roster's column header) to its printed value.
    In a layer the frame's lines are plain paragraphs, so what does not fit runs below the box.
    """
    document = pdfium.PdfDocument(layer)
    try:
        text = document[0].get_textpage().get_text_bounded(*box)
    finally:
        document.close()
    inside = _compact(text)
    return [field for field, value in values.items() if value and _compact(value) not in inside]


def check_overflow(layer: Path, box, values: Mapping[str, str], member_id: str, document: str) -> None:
    """Raise LayerOverflowError naming the member and every field not printed whole inside its frame."""
    fields = overflowing_fields(layer, box, values)
    if fields:
        raise LayerOverflowError(messages.LAYER_OVERFLOW.format(member_id=member_id, document=document, field="、".join(fields)))


@dataclass(frozen=True)
class Pictures:
    """A PDF's pages drawn in grey at the audit's resolution, each kept zlib-compressed (a page is mostly white).

    The audit draws a sample's direct conversions once, then their PDFs go: on a nearly full disk,
    scratch room is what the composed path must not need more of than whole conversion.
    """

    shapes: tuple[tuple[int, int], ...]
    pages: tuple[bytes, ...]

    def page(self, index: int) -> np.ndarray:
        return np.frombuffer(zlib.decompress(self.pages[index]), dtype=np.uint8).reshape(self.shapes[index]).astype(np.int16)


def draw_pages(pdf: Path, dpi: int = AUDIT_DPI) -> Pictures:
    """Draw every page of ``pdf`` for the audit; raise MailmergeError when PDFium cannot read it."""
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise MailmergeError(messages.PDF_UNREADABLE.format(detail=exc)) from None
    try:
        drawn = [_render(document[index], dpi) for index in range(len(document))]
    finally:
        document.close()
    return Pictures(tuple(a.shape for a in drawn), tuple(zlib.compress(a.astype(np.uint8).tobytes(), 1) for a in drawn))


def compare_pdfs(direct: Path, composed: Path, dpi: int = AUDIT_DPI) -> list[Mismatch]:
    """Render both PDFs and return the pages whose pictures differ beyond anti-aliasing (AUDIT_MAX_PIXELS)."""
    return compare_pictures(draw_pages(direct, dpi), composed, dpi)


def compare_pictures(direct: Pictures, composed: Path, dpi: int = AUDIT_DPI) -> list[Mismatch]:
    """Return the pages of ``composed`` whose pictures differ from ``direct``'s beyond anti-aliasing."""
    other = draw_pages(composed, dpi)
    if len(direct.pages) != len(other.pages):
        return [Mismatch(min(len(direct.pages), len(other.pages)) + 1, -1)]
    found = []
    for index in range(len(direct.pages)):
        pixels = mismatched_pixels(direct.page(index), other.page(index))
        if pixels > AUDIT_MAX_PIXELS:
            found.append(Mismatch(index + 1, pixels))
    return found


def mismatched_pixels(a: np.ndarray, b: np.ndarray, tolerance: int = AUDIT_TOLERANCE) -> int:
    """Count pixels of either picture that no pixel in the 3x3 neighbourhood of the other explains."""
    if a.shape != b.shape:
        return a.size
    low_a, high_a = _neighbourhood(a)
    low_b, high_b = _neighbourhood(b)
    bad = (a < low_b - tolerance) | (a > high_b + tolerance) | (b < low_a - tolerance) | (b > high_a + tolerance)
    return int(bad.sum())


def _neighbourhood(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    padded = np.pad(x, 1, mode="edge")
    shifted = np.stack([padded[dy : dy + x.shape[0], dx : dx + x.shape[1]] for dy in range(3) for dx in range(3)])
    return shifted.min(axis=0), shifted.max(axis=0)


def _render(page: pdfium.PdfPage, dpi: int) -> np.ndarray:
    array = page.render(scale=dpi / 72, grayscale=True).to_numpy().astype(np.int16)
    return array if array.ndim == 2 else array[..., 0]


def _compact(text: str) -> str:
    return "".join(text.split())
