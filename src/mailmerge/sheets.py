"""reportlab, in one module: the address-label sheets and each print bundle's cover page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from mailmerge import messages as msg
from mailmerge.errors import PrintError
from mailmerge.models import recipient_lines

# fonts-ipaexfont (Debian) puts them here; other layouts are searched under /usr/share/fonts.
FONT_FILES = {"IPAexGothic": "ipaexg.ttf", "IPAexMincho": "ipaexm.ttf"}
FONT_ROOTS = (Path("/usr/share/fonts/opentype"), Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))

# A4 label sheets of 12 (2 × 6) labels of 86.4 × 42.3 mm, edge to edge, the sheet centred:
# side margins (210 - 2 × 86.4) / 2 = 18.6 mm, top and bottom (297 - 6 × 42.3) / 2 = 21.6 mm.
LABEL_W, LABEL_H = 86.4 * mm, 42.3 * mm
LABEL_COLUMNS, LABEL_ROWS = 2, 6
LABELS_PER_SHEET = LABEL_COLUMNS * LABEL_ROWS
SHEET_LEFT = (A4[0] - LABEL_COLUMNS * LABEL_W) / 2
SHEET_TOP = (A4[1] - LABEL_ROWS * LABEL_H) / 2
LABEL_PAD = 4 * mm  # printers drift; nothing is printed within 4 mm of a label's edge
LABEL_SIZES = (10.5, 10, 9.5, 9, 8.5, 8, 7.5, 7, 6.5, 6)  # the name's size; the address prints 1.5 pt smaller
UNBROKEN_FROM = 8.5  # the smallest name size worth keeping every line whole for (the address then 7 pt)


@dataclass(frozen=True)
class Cover:
    """What the cover page of a bundle says about it."""

    group_label: str  # e.g. 加入
    cycle: str
    date: dt.date
    unapproved: bool  # --include-unapproved: members nobody approved are in it


@lru_cache(maxsize=None)
def register_fonts() -> None:
    """Register IPAexGothic and IPAexMincho with reportlab (embedded as subsets in what we draw)."""
    for face, file_name in FONT_FILES.items():
        path = _find_font(file_name)
        if path is None:
            raise PrintError(msg.PRINT_FONT_MISSING.format(font=face, file=file_name))
        pdfmetrics.registerFont(TTFont(face, str(path)))


def _find_font(file_name: str) -> Path | None:
    for root in FONT_ROOTS:
        if root.is_dir():
            found = sorted(root.rglob(file_name))
            if found:
                return found[0]
    return None


# --- the cover ---------------------------------------------------------------------------------


def cover_pdf(cover: Cover, postal_codes: Sequence[str], document_pages: int) -> bytes:
    """Return the one-page cover of a bundle: group, cycle, date, member count, page total."""
    register_fonts()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, initialFontName="IPAexGothic")
    page.setTitle(msg.PRINT_COVER_TITLE.format(cycle=cover.cycle, group=cover.group_label))
    left, y = 30 * mm, A4[1] - 45 * mm
    page.setFont("IPAexGothic", 22)
    page.drawString(left, y, msg.PRINT_COVER_TITLE.format(cycle=cover.cycle, group=cover.group_label))
    y -= 16 * mm
    if cover.unapproved:
        page.setFillColorRGB(0.75, 0, 0)
        page.setFont("IPAexGothic", 18)
        page.drawString(left, y, msg.PRINT_COVER_UNAPPROVED)
        page.setFillColorRGB(0, 0, 0)
        y -= 14 * mm
    codes = list(postal_codes)
    rows = [
        (msg.PRINT_COVER_GROUP, cover.group_label),
        (msg.PRINT_COVER_CYCLE, cover.cycle),
        (msg.PRINT_COVER_DATE, f"{cover.date.year}年{cover.date.month}月{cover.date.day}日"),
        (msg.PRINT_COVER_MEMBERS, msg.PRINT_COVER_MEMBERS_VALUE.format(count=len(codes))),
        (msg.PRINT_COVER_PAGES, msg.PRINT_COVER_PAGES_VALUE.format(total=document_pages + 1, documents=document_pages)),
        (msg.PRINT_COVER_ORDER, msg.PRINT_COVER_ORDER_VALUE),
        (msg.PRINT_COVER_RANGE, f"〒{codes[0]} – 〒{codes[-1]}" if codes else "—"),
        (msg.PRINT_COVER_APPROVAL, msg.PRINT_COVER_UNAPPROVED if cover.unapproved else msg.PRINT_COVER_APPROVED_ONLY),
    ]
    for label, value in rows:
        page.setFont("IPAexGothic", 12)
        page.drawString(left, y, label)
        page.setFont("IPAexMincho", 12)
        page.drawString(left + 40 * mm, y, value)
        y -= 10 * mm
    page.setFont("IPAexMincho", 10)
    for line in msg.PRINT_COVER_NOTE:
        y -= 6 * mm
        page.drawString(left, y, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


# --- labels ------------------------------------------------------------------------------------


def label_position(index: int) -> str:
    """Return where the INDEX-th label (0-based) prints: sheet-position, positions 1-12 by rows, left to right."""
    return f"{index // LABELS_PER_SHEET + 1}-{index % LABELS_PER_SHEET + 1}"


def labels_pdf(members: Sequence[tuple[str, Mapping[str, str]]]) -> bytes:
    """Return A4 label sheets (2 × 6 labels of 86.4 × 42.3 mm), one label per (member ID, printed fields), in order."""
    register_fonts()
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, initialFontName="IPAexGothic")
    sheet.setTitle(msg.PRINT_LABELS_TITLE)
    for index, (member_id, fields) in enumerate(members):
        if index and index % LABELS_PER_SHEET == 0:
            sheet.showPage()
        position = index % LABELS_PER_SHEET
        column, row = position % LABEL_COLUMNS, position // LABEL_COLUMNS
        x = SHEET_LEFT + column * LABEL_W + LABEL_PAD
        top = A4[1] - SHEET_TOP - row * LABEL_H - LABEL_PAD
        address_lines = 3 if fields.get("address2") else 2  # 〒, address1, address2
        _draw_label(sheet, x, top, recipient_lines(fields), address_lines, member_id)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def _draw_label(sheet: canvas.Canvas, x: float, top: float, lines: Sequence[str], address_lines: int, member_id: str) -> None:
    """Draw one label's lines from its top-left corner, as large as they fit (10.5 pt down to 6 pt), never clipped.

    A line is broken only when it cannot be whole at UNBROKEN_FROM or larger: a break falls between
    any two characters (Japanese has no word spaces) and may part a word (「クリニッ／ク」).
    """
    width, height = LABEL_W - 2 * LABEL_PAD, LABEL_H - 2 * LABEL_PAD
    chosen = None  # the largest size that fits, lines broken or not
    for size in LABEL_SIZES:  # largest first
        if chosen is not None and size < UNBROKEN_FROM:
            break
        laid = _lay_out(lines, address_lines, size, width)
        if sum(step for _, _, step in laid) > height:
            continue
        if size >= UNBROKEN_FROM and len(laid) == len(lines) + 1:  # every line whole (+ the half line)
            chosen = laid
            break
        chosen = chosen or laid
    if chosen is None:
        raise PrintError(msg.PRINT_LABEL_OVERFLOW.format(member_id=member_id))
    y = top
    for text, font_size, step in chosen:
        y -= step
        sheet.setFont("IPAexGothic", font_size)
        sheet.drawString(x, y + 0.25 * step, text)


def _lay_out(lines: Sequence[str], address_count: int, name_size: float, width: float) -> list[tuple[str, float, float]]:
    """Return (text, size, line height) for every printed line: the address smaller, long lines wrapped."""
    laid = []
    for number, line in enumerate(lines):
        size = name_size - 1.5 if number < address_count else name_size
        for piece in _wrap(line, size, width):
            laid.append((piece, size, size * 1.25))
        if number == address_count - 1:
            laid.append(("", size, size * 0.5))  # a half line between the address and the recipient
    return laid


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Break TEXT where it reaches WIDTH, between any two characters (Japanese has no word spaces)."""
    pieces, current, used = [], "", 0.0
    for char in text:
        advance = _char_width(char) * size
        if current and used + advance > width:
            pieces.append(current.rstrip())
            current, used = char.lstrip(), (advance if char.strip() else 0.0)
        else:
            current, used = current + char, used + advance
    return pieces + [current] if current or not pieces else pieces


@lru_cache(maxsize=4096)
def _char_width(char: str) -> float:
    """Return a character's advance in IPAexGothic at 1 pt (reportlab's stringWidth is slow per call)."""
    return pdfmetrics.stringWidth(char, "IPAexGothic", 1000) / 1000
