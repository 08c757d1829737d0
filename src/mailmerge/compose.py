"""Lay each member's layer over the group's shared pages, and prove the result looks like a direct conversion."""

from __future__ import annotations

import ctypes
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from mailmerge import messages, pdfcheck
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
# Points a glyph's ink may reach past the frame's edge and still count as inside it (rounding).
OVERFLOW_SLACK = 0.5


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

    def compose(self, layers: pikepdf.Pdf, indices: Sequence[int], target: Path) -> str:
        """Write the shared pages with a member's layer pages over them to ``target`` (see compose_member)."""
        return compose_member(self._pdf, layers, indices, target)

    def close(self) -> None:
        self._pdf.close()


def compose_member(shared: pikepdf.Pdf, layers: pikepdf.Pdf, indices: Sequence[int], target: Path) -> str:
    """Write the shared pages with the pages ``indices`` of ``layers`` (a member's layer) laid over them.

    Return why the file written is not whole ('' when it is: pdfcheck.write_checked). Both PDFs
    were checked whole before (every stream decoded, every page drawn). Each layer page becomes a
    form XObject drawn after the shared page's own content, which qpdf copies byte for byte: its
    content streams are kept as they are, between a "q" and a "Q" stream, not merged into one
    (pikepdf's add_overlay inflates and deflates the whole page again, for every member). What is
    made here anew (the form, the two small streams around the page's own) comes from that checked
    content; the file written must hold the bytes qpdf made of it (pdfcheck.write_checked).
    """
    if len(indices) != len(shared.pages):
        raise MailmergeError(messages.LAYER_PAGES.format(layer=len(indices), shared=len(shared.pages)))
    try:
        with pikepdf.new() as out:
            out.pages.extend(shared.pages)
            for number, (page, index) in enumerate(zip(out.pages, indices, strict=False), start=1):
                form = layers.pages[index].as_form_xobject()
                # One name per page: LibreOffice's pages share one /Resources dictionary.
                name = page.add_resource(form, pikepdf.Name.XObject, name=pikepdf.Name(f"/MailmergeLayer{number}"))
                placement = page.calc_form_xobject_placement(
                    form, name, pikepdf.Rectangle(page.trimbox), allow_shrink=True, allow_expand=True
                )
                contents = page.obj.get("/Contents")
                own = [contents] if isinstance(contents, pikepdf.Stream) else list(contents or ())
                page.obj.Contents = pikepdf.Array(
                    [pikepdf.Stream(out, b"q\n"), *own, pikepdf.Stream(out, b"\nQ\n" + placement)]
                )
            return pdfcheck.write_checked(out, target)
    except pikepdf.PdfError as exc:
        return messages.PDF_DAMAGED.format(detail=exc)


def frame_overflows(
    layers: Path,
    first_pages: Mapping[str, int],
    box: tuple[float, float, float, float],
    values: Mapping[str, Mapping[str, str]],
) -> dict[str, list[str]]:
    """Return, per member whose value does not fit, the fields not printed whole inside the frame's box.

    ``layers`` is a PDF of members' layers, ``first_pages`` each member's first page in it, and
    ``values`` each member's printed fields (the roster's column header -> value). In a layer the
    frame's lines are plain paragraphs, so what does not fit runs below the box. PDFium: one thread.
    """
    document = pdfium.PdfDocument(layers)
    try:
        found = {}
        for member_id, index in first_pages.items():
            fields = _missing(values[member_id], _compact(_text_inside(document[index].get_textpage(), box)))
            if fields:
                found[member_id] = fields
        return found
    finally:
        document.close()


def _text_inside(textpage: pdfium.PdfTextPage, box: tuple[float, float, float, float]) -> str:
    """Return the page's characters whose glyphs lie wholly inside ``box`` (left, bottom, right, top), in order.

    Wholly: PDFium's own bounded text takes a character that only touches the box, so a line
    hanging below the frame by all but a sliver (which the frame itself would not print) counted
    as inside. A glyph's ink box may reach OVERFLOW_SLACK points past the box's edge (rounding).
    PDFium counts in UTF-16: a character beyond U+FFFF (𩸽, which IPAex prints) is two halves, joined here.
    """
    left, bottom, right, top = (
        box[0] - OVERFLOW_SLACK,
        box[1] - OVERFLOW_SLACK,
        box[2] + OVERFLOW_SLACK,
        box[3] + OVERFLOW_SLACK,
    )
    edges = [ctypes.c_double() for _ in range(4)]
    pointers = [ctypes.byref(edge) for edge in edges]
    chars = []
    for index in range(pdfium_c.FPDFText_CountChars(textpage.raw)):
        if not pdfium_c.FPDFText_GetCharBox(textpage.raw, index, *pointers):
            continue
        char_left, char_right, char_bottom, char_top = (edge.value for edge in edges)
        if left <= char_left and char_right <= right and bottom <= char_bottom and char_top <= top:
            chars.append(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, index)))
    return "".join(chars).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _missing(values: Mapping[str, str], inside: str) -> list[str]:
    """Return the fields (in ``values``' order) whose value is not in ``inside``, each found in its own place.

    The longest first, each occurrence found taken out: a value that also occurs inside a longer
    one (a title 「長」 in an organisation 「…センター長…」) is not found there when its own line fell out.
    """
    missing = set()
    for name, value in sorted(values.items(), key=lambda item: -len(_compact(item[1]))):
        wanted = _compact(value)
        if not wanted:
            continue
        if wanted in inside:
            inside = inside.replace(wanted, "\0", 1)
        else:
            missing.add(name)
    return [name for name in values if name in missing]


@dataclass(frozen=True)
class Pictures:
    """A PDF's pages drawn in grey at the audit's resolution, each kept zlib-compressed (a page is mostly white).

    The audit draws a sample's direct conversions once, then their PDFs go: on a nearly full disk,
    scratch room is what the composed path must not need more of than whole conversion.
    """

    shapes: tuple[tuple[int, int], ...]
    pages: tuple[bytes, ...]

    def page(self, index: int) -> np.ndarray:
        return (
            np.frombuffer(zlib.decompress(self.pages[index]), dtype=np.uint8)
            .reshape(self.shapes[index])
            .astype(np.int16)
        )


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
    """Count pixels of either picture that no pixel in the 3x3 neighbourhood of the other explains.

    A pixel within ``tolerance`` of the other picture's pixel at its place is explained by it (that
    pixel is in its neighbourhood), so only the others, a few hundred of a page's million, have
    their neighbourhoods looked at (a tenth of the time of taking every pixel's, the same count).
    The picture's edge counts as repeated beyond it. Any integer pictures: they are compared as int16
    (8-bit grey levels subtracted as uint8 would wrap around: 0 against 255 would differ by 1).
    """
    if a.shape != b.shape:
        return a.size
    a, b = a.astype(np.int16, copy=False), b.astype(np.int16, copy=False)
    rows, cols = np.nonzero(np.abs(a - b) > tolerance)
    if rows.size == 0:
        return 0
    height, width = a.shape
    around = [
        (np.clip(rows + dy, 0, height - 1), np.clip(cols + dx, 0, width - 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
    ]
    near_a, near_b = np.stack([a[place] for place in around]), np.stack([b[place] for place in around])
    here_a, here_b = a[rows, cols], b[rows, cols]
    bad = (
        (here_a < near_b.min(axis=0) - tolerance)
        | (here_a > near_b.max(axis=0) + tolerance)
        | (here_b < near_a.min(axis=0) - tolerance)
        | (here_b > near_a.max(axis=0) + tolerance)
    )
    return int(bad.sum())


def _render(page: pdfium.PdfPage, dpi: int) -> np.ndarray:
    array = page.render(scale=dpi / 72, grayscale=True).to_numpy().astype(np.int16)
    return array if array.ndim == 2 else array[..., 0]


def _compact(text: str) -> str:
    return "".join(text.split())
