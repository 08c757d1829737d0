"""Print bundles, address labels and the print list: approved members' PDFs in postal-code order."""

from __future__ import annotations

import datetime as dt
import io
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pikepdf
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from mailmerge import messages as msg
from mailmerge.errors import PrintError
from mailmerge.fsutil import csv_bytes, make_private_dir, sha256_bytes, write_atomic

PRINT_DIR = "print"
LABELS_NAME = "labels.pdf"
LIST_NAME = "list.csv"
LIST_COLUMNS = ("member_id", "postal_code", "group", "pages", "bundle", "bundle_pages", "label")

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



@dataclass(frozen=True)
class PrintDocument:
    """One PDF to print: the document's name, where it is, and the SHA-256 it must still have."""

    document: str
    pdf: Path
    sha256: str


@dataclass(frozen=True)
class PrintMember:
    """A member to print: printed fields (postal code, address, organisation, ...) and documents in config order."""

    member_id: str
    group: str
    fields: Mapping[str, str]
    documents: tuple[PrintDocument, ...]

    def __repr__(self) -> str:
        # Never show names or addresses, even in a traceback.
        return f"PrintMember(member_id={self.member_id!r}, group={self.group!r})"

    @property
    def postal_code(self) -> str:
        return self.fields.get("postal_code", "")


@dataclass(frozen=True)
class Cover:
    """What the cover page of a bundle says about it."""

    group_label: str  # e.g. 加入
    cycle: str
    date: dt.date
    unapproved: bool  # --include-unapproved: members nobody approved are in it


@dataclass(frozen=True)
class PrintedBundle:
    """A bundle as written: its group, file, members and pages (cover included)."""

    group: str
    path: Path
    members: int
    pages: int


@dataclass(frozen=True)
class ListRow:
    """One line of list.csv: where a member's pages are in its bundle, and its label."""

    member_id: str
    postal_code: str
    group: str
    pages: int
    bundle: str
    bundle_pages: str
    label: str


def print_order(members: Iterable[PrintMember]) -> tuple[PrintMember, ...]:
    """Return the members by postal code, then member ID: the order bulk mail is sorted in for its discount."""
    return tuple(sorted(members, key=lambda m: ("".join(ch for ch in m.postal_code if ch.isdigit()), m.member_id)))


def recipient_lines(fields: Mapping[str, str]) -> tuple[str, ...]:
    """Return the address lines of a label; 御中 follows the department when there is one (株式会社X 総務部 御中)."""
    lines = [f"〒{fields.get('postal_code', '')}", fields.get("address1", "")]
    if fields.get("address2"):
        lines.append(fields["address2"])
    organisation, department = fields.get("organisation", ""), fields.get("department", "")
    name, title = fields.get("representative_name", ""), fields.get("representative_title", "")
    if name:
        lines += [organisation] + ([department] if department else [])
        lines.append(f"{title} {name} 様" if title else f"{name} 様")
    elif department:
        lines += [organisation, f"{department} 御中"]
    else:
        lines.append(f"{organisation} 御中")
    return tuple(lines)


# --- fonts -------------------------------------------------------------------------------------


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


# --- the bundle --------------------------------------------------------------------------------


def cover_pdf(cover: Cover, members: Sequence[PrintMember], document_pages: int) -> bytes:
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
    codes = [m.postal_code for m in members]
    rows = [
        (msg.PRINT_COVER_GROUP, cover.group_label),
        (msg.PRINT_COVER_CYCLE, cover.cycle),
        (msg.PRINT_COVER_DATE, f"{cover.date.year}年{cover.date.month}月{cover.date.day}日"),
        (msg.PRINT_COVER_MEMBERS, msg.PRINT_COVER_MEMBERS_VALUE.format(count=len(members))),
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


def bundle_pdf(cover: Cover, members: Sequence[PrintMember]) -> tuple[bytes, int, list[tuple[int, int]]]:
    """Return the bundle (cover, then every member's PDFs), its pages, and each member's (first, last) page in it.

    Each PDF is read once and must still have the SHA-256 it was approved with (PrintError naming the
    member otherwise); its pages are copied as they are (qpdf), not converted again. The cover, which
    states the page total, is drawn last and put in front.
    """
    merged = pikepdf.new()
    sources = []  # qpdf reads a copied page's streams from its source when saving: keep them open until then
    fonts: dict[tuple, list[tuple[bytes, pikepdf.Object]]] = {}
    ranges = []
    try:
        for member in members:
            start = len(merged.pages) + 2  # page 1 will be the cover
            for doc in member.documents:
                sources.append(pikepdf.open(io.BytesIO(_read_checked(member, doc))))
                before = len(merged.pages)
                merged.pages.extend(sources[-1].pages)
                _share_fonts(merged.pages[before:], fonts)
            ranges.append((start, len(merged.pages) + 1))
        document_pages = len(merged.pages)
        sources.append(pikepdf.open(io.BytesIO(cover_pdf(cover, members, document_pages))))
        merged.pages.insert(0, sources[-1].pages[0])
        buffer = io.BytesIO()
        merged.save(buffer)
    finally:
        for source in sources:
            source.close()
        merged.close()
    return buffer.getvalue(), document_pages + 1, ranges


def _share_fonts(pages: Iterable[pikepdf.Page], fonts: dict[tuple, list[tuple[bytes, pikepdf.Object]]]) -> None:
    """Point every page at one copy of each embedded font.

    Each member's PDF carries the fonts of the conversion batch it was split from: a thousand members'
    PDFs copied as they are would repeat them a thousand times (~300 MB for 1,000 members). Fonts whose
    program, ToUnicode map, widths and name are byte for byte the same are one font (a CRC finds the
    candidates, the bytes are then compared); the copies left unused are not written (qpdf saves only
    what the pages reach).
    """
    for page in pages:
        resources = page.obj.get("/Resources")
        table = resources.get("/Font") if resources is not None else None
        if table is None:
            continue
        for name in list(table.keys()):
            font = table[name]
            content = _font_bytes(font)
            if content is None:
                continue
            candidates = fonts.setdefault((len(content), zlib.crc32(content)), [])
            same = next((kept for data, kept in candidates if data == content), None)
            if same is None:
                candidates.append((content, font))
            else:
                table[name] = same


def _font_bytes(font: pikepdf.Object) -> bytes | None:
    """Return what makes a font itself: its program, ToUnicode map, widths, name and encoding (None if not embedded)."""
    descendants = font.get("/DescendantFonts")
    cid = descendants[0] if descendants is not None else font
    descriptor = cid.get("/FontDescriptor")
    program = None
    if descriptor is not None:
        program = next((descriptor.get(k) for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor), None)
    if program is None:
        return None
    to_unicode = font.get("/ToUnicode")
    parts = [program.read_raw_bytes(), to_unicode.read_raw_bytes() if to_unicode is not None else b"-"]
    for part in (font.get("/BaseFont"), cid.get("/W"), cid.get("/Widths"), font.get("/Encoding")):
        parts.append(part.unparse(resolved=True) if part is not None else b"-")
    return b"".join(len(part).to_bytes(8, "big") + part for part in parts)  # length-prefixed: unambiguous


def _read_checked(member: PrintMember, doc: PrintDocument) -> bytes:
    try:
        data = doc.pdf.read_bytes()
    except OSError:
        raise PrintError(msg.PRINT_PDF_MISSING.format(member_id=member.member_id, document=doc.document)) from None
    if sha256_bytes(data) != doc.sha256:
        raise PrintError(msg.PRINT_PDF_CHANGED.format(member_id=member.member_id, document=doc.document))
    return data


# --- labels ------------------------------------------------------------------------------------


def label_position(index: int) -> str:
    """Return where the INDEX-th label (0-based) prints: sheet-position, positions 1-12 by rows, left to right."""
    return f"{index // LABELS_PER_SHEET + 1}-{index % LABELS_PER_SHEET + 1}"


def labels_pdf(members: Sequence[PrintMember]) -> bytes:
    """Return A4 label sheets (2 × 6 labels of 86.4 × 42.3 mm), one label per member, in the order given."""
    register_fonts()
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, initialFontName="IPAexGothic")
    sheet.setTitle(msg.PRINT_LABELS_TITLE)
    for index, member in enumerate(members):
        if index and index % LABELS_PER_SHEET == 0:
            sheet.showPage()
        position = index % LABELS_PER_SHEET
        column, row = position % LABEL_COLUMNS, position // LABEL_COLUMNS
        x = SHEET_LEFT + column * LABEL_W + LABEL_PAD
        top = A4[1] - SHEET_TOP - row * LABEL_H - LABEL_PAD
        address_lines = 3 if member.fields.get("address2") else 2  # 〒, address1, address2
        _draw_label(sheet, x, top, recipient_lines(member.fields), address_lines, member.member_id)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def _draw_label(sheet: canvas.Canvas, x: float, top: float, lines: Sequence[str], address_lines: int, member_id: str) -> None:
    """Draw one label's lines from its top-left corner, as large as they fit (10.5 pt down to 6 pt), never clipped."""
    width, height = LABEL_W - 2 * LABEL_PAD, LABEL_H - 2 * LABEL_PAD
    for size in LABEL_SIZES:
        laid = _lay_out(lines, address_lines, size, width)
        if sum(step for _, _, step in laid) <= height:
            break
    else:
        raise PrintError(msg.PRINT_LABEL_OVERFLOW.format(member_id=member_id))
    y = top
    for text, font_size, step in laid:
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


# --- the list ------------------------------------------------------------------------------------


def list_csv(rows: Iterable[ListRow]) -> bytes:
    """Return list.csv: UTF-8 with BOM (Excel shows the Japanese), formula cells neutralised."""
    return csv_bytes(LIST_COLUMNS, ([getattr(row, column) for column in LIST_COLUMNS] for row in rows))


# --- all of it ---------------------------------------------------------------------------------


def write_print(
    out_dir: Path,
    groups: Mapping[str, tuple[Cover, Sequence[PrintMember]]],
) -> tuple[tuple[PrintedBundle, ...], Path, Path]:
    """Write DIR/print/<group>.pdf, labels.pdf and list.csv (0600, atomically) for the members of each group.

    Everything is made in memory first: a PDF that fails its hash check stops the print before any
    file is written. A group with nobody to print has no bundle (an older one is removed, so a stale
    bundle is never printed by mistake). Returns the bundles, the labels and the list.
    """
    made: list[tuple[str, bytes, int, int]] = []
    list_rows: list[ListRow] = []
    ordered_all: list[PrintMember] = []
    for group, (cover, members) in groups.items():
        ordered = print_order(members)
        if not ordered:
            continue
        data, pages, ranges = bundle_pdf(cover, ordered)
        made.append((group, data, len(ordered), pages))
        for member, (first, last) in zip(ordered, ranges):
            list_rows.append(
                ListRow(member.member_id, member.postal_code, group, last - first + 1, f"{group}.pdf", f"{first}-{last}",
                        label_position(len(ordered_all)))
            )
            ordered_all.append(member)
    labels = labels_pdf(ordered_all)

    folder = out_dir / PRINT_DIR
    make_private_dir(folder)
    bundles = []
    for group, data, count, pages in made:
        path = folder / f"{group}.pdf"
        write_atomic(path, data)
        bundles.append(PrintedBundle(group, path, count, pages))
    for group in groups:
        if group not in {b.group for b in bundles}:
            (folder / f"{group}.pdf").unlink(missing_ok=True)
    write_atomic(folder / LABELS_NAME, labels)
    write_atomic(folder / LIST_NAME, list_csv(list_rows))
    return tuple(bundles), folder / LABELS_NAME, folder / LIST_NAME
