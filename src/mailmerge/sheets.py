"""reportlab, in one module: the address-label sheets and each print bundle's cover page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from mailmerge import messages as msg
from mailmerge.errors import PrintError
from mailmerge.models import LINE_SPACES, NO_LINE_END, NO_LINE_START, recipient_lines

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
LABEL_SIZES = (12, 11.5, 11, 10.5, 10, 9.5, 9, 8.5, 8, 7.5, 7)  # the addressee's size; the other lines print smaller
OTHER_LINES = 0.85  # the address and the organisation's lines, against the addressee's size
UNBROKEN_FROM = 8.5  # the smallest addressee size worth keeping words whole for (the others then 7.2 pt)
ID_SIZE = 6  # the member ID in the label's corner


@dataclass(frozen=True)
class Cover:
    """What the cover page of a bundle says about it."""

    group_label: str  # e.g. 加入
    cycle: str
    date: dt.date
    unapproved: bool  # --include-unapproved: members nobody approved are in it


@cache
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


def label_slots(group_sizes: Sequence[int], start: int = 1) -> list[tuple[int, int]]:
    """Return (sheet, position) for every label, 0-based, positions by rows left to right.

    The first label goes to position ``start`` (1-12) of the first sheet, so a sheet already partly
    used can be fed again; every later group starts on a sheet of its own, so the labels of 加入 and
    未加入 never share a sheet and each pile matches its bundle.
    """
    if not 1 <= start <= LABELS_PER_SHEET:
        raise PrintError(msg.PRINT_LABELS_START_RANGE.format(start=start, last=LABELS_PER_SHEET))
    slots: list[tuple[int, int]] = []
    sheet, position = 0, start - 1
    for size in group_sizes:
        if not size:
            continue
        if slots and position:  # a new group: the next clean sheet
            sheet, position = sheet + 1, 0
        for _ in range(size):
            slots.append((sheet, position))
            sheet, position = (sheet + 1, 0) if position == LABELS_PER_SHEET - 1 else (sheet, position + 1)
    return slots


def label_position(slot: tuple[int, int]) -> str:
    """Return where a label prints as the list says it: sheet-position, both counted from 1."""
    return f"{slot[0] + 1}-{slot[1] + 1}"


def labels_pdf(groups: Sequence[Sequence[tuple[str, Mapping[str, str]]]], start: int = 1) -> bytes:
    """Return A4 label sheets (2 × 6 labels of 86.4 × 42.3 mm): one label per (member ID, printed fields).

    Groups in order, each from a new sheet (``label_slots``); the first label at position ``start``.
    """
    register_fonts()
    members = [member for group in groups for member in group]
    slots = label_slots([len(group) for group in groups], start)
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, initialFontName="IPAexGothic")
    sheet.setTitle(msg.PRINT_LABELS_TITLE)
    current = 0
    for (member_id, fields), (sheet_index, position) in zip(members, slots, strict=True):
        while current < sheet_index:
            sheet.showPage()
            current += 1
        column, row = position % LABEL_COLUMNS, position // LABEL_COLUMNS
        left = SHEET_LEFT + column * LABEL_W
        bottom = A4[1] - SHEET_TOP - (row + 1) * LABEL_H
        address_lines = 3 if fields.get("address2") else 2  # 〒, address1, address2
        _draw_label(sheet, left, bottom, recipient_lines(fields), address_lines, member_id)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def _draw_label(
    sheet: canvas.Canvas, left: float, bottom: float, lines: Sequence[str], address_lines: int, member_id: str
) -> None:
    """Draw one label as large as it fits (never clipped), the block centred top to bottom, the ID in a corner.

    The addressee's line (``title name 様`` or ``… 御中``) is the largest; the address and the
    organisation lines are one step smaller. A line is broken only when it cannot be whole at
    UNBROKEN_FROM or larger, and then at a space (half- or full-width) where there is one.
    """
    width, height = LABEL_W - 2 * LABEL_PAD, LABEL_H - 2 * LABEL_PAD - ID_SIZE
    chosen = None  # the largest size that fits, lines broken or not
    for size in LABEL_SIZES:  # largest first
        if chosen is not None and size < UNBROKEN_FROM:
            break
        laid, parted = _lay_out(lines, address_lines, size, width)
        if sum(step for _, _, step in laid) > height:
            continue
        if size >= UNBROKEN_FROM and not parted:  # no word parted (lines whole, or broken at a space)
            chosen = laid
            break
        chosen = chosen or laid
    if chosen is None:
        raise PrintError(msg.PRINT_LABEL_OVERFLOW.format(member_id=member_id))
    used = sum(step for _, _, step in chosen)
    y = bottom + LABEL_PAD + ID_SIZE + height - (height - used) / 2  # the block's top, centred
    x = left + LABEL_PAD
    for text, font_size, step in chosen:
        y -= step
        sheet.setFont("IPAexGothic", font_size)
        sheet.drawString(x, y + 0.25 * step, text)
    # The member ID, small in the bottom right corner: the label is matched to its bundle by it.
    sheet.setFont("IPAexGothic", ID_SIZE)
    sheet.drawRightString(left + LABEL_W - LABEL_PAD, bottom + LABEL_PAD, member_id)


def _lay_out(
    lines: Sequence[str], address_count: int, name_size: float, width: float
) -> tuple[list[tuple[str, float, float]], bool]:
    """Return (text, size, line height) for every printed line, the addressee largest, long lines wrapped;
    and whether a word had to be parted between two characters."""
    laid = []
    parted = False
    last = len(lines) - 1
    for number, line in enumerate(lines):
        size = name_size if number == last else round(name_size * OTHER_LINES, 1)
        pieces, line_parted = _wrap(line, size, width)
        parted = parted or line_parted
        laid += [(piece, size, size * 1.25) for piece in pieces]
        if number == address_count - 1:
            laid.append(("", size, size * 0.5))  # a half line between the address and the recipient
    return laid, parted


def _wrap(text: str, size: float, width: float) -> tuple[list[str], bool]:
    """Break TEXT where it reaches WIDTH, at the last space before it when there is one, else between two
    characters; return the lines and whether any break parted a word."""
    pieces: list[str] = []
    current, used, parted = "", 0.0, False
    for char in text:
        advance = _char_width(char) * size
        if current and used + advance > width:
            cut = _last_break(current, char)
            if cut > 0:  # a word boundary: the words after it go to the next line whole
                pieces.append(current[:cut].rstrip())
                current = current[cut + 1 :].lstrip()
            elif char in NO_LINE_START and _carried(current.rstrip()) > 0:
                # A closing bracket or comma may not begin a line: the characters before it go along.
                parted = True
                kept = current.rstrip()
                pieces.append(kept[: _carried(kept)].rstrip())
                current = kept[_carried(kept) :]
            else:
                parted = parted or bool(char.strip() and current[-1].strip())
                pieces.append(current.rstrip())
                current = ""
            current += char if current or char.strip() else ""
            used = sum(_char_width(c) * size for c in current)
        else:
            current, used = current + char, used + advance
    return (pieces + [current] if current or not pieces else pieces), parted


def _carried(line: str) -> int:
    """Return where LINE's end goes to the next line so that a closing bracket does not begin it (0: nowhere).

    The last character, and the closing brackets before it with the character they close on.
    """
    cut = len(line) - 1
    while cut > 0 and line[cut] in NO_LINE_START:
        cut -= 1
    return cut


def _last_break(current: str, following: str) -> int:
    """Return where in CURRENT (FOLLOWING comes next) the last space a line may break at is, or -1.

    Not one that would leave the line empty, begin the next with a closing bracket or a comma, or end
    this one with an opening bracket (models.NO_LINE_START, NO_LINE_END).
    """
    for cut in range(len(current) - 1, 0, -1):
        if current[cut] not in LINE_SPACES:
            continue
        before, after = current[:cut].rstrip(), (current[cut + 1 :] + following).lstrip()
        if before and after[:1] not in NO_LINE_START and before[-1] not in NO_LINE_END:
            return cut
    return -1


@lru_cache(maxsize=4096)
def _char_width(char: str) -> float:
    """Return a character's advance in IPAexGothic at 1 pt (reportlab's stringWidth is slow per call)."""
    return pdfmetrics.stringWidth(char, "IPAexGothic", 1000) / 1000
