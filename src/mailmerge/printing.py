"""Print bundles, address labels and the print list: approved members' PDFs in postal-code order."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from mailmerge import messages as msg
from mailmerge import sheets
from mailmerge.errors import PrintOutdated
from mailmerge.fsutil import csv_bytes, make_private_dir, sha256_bytes, write_atomic
from mailmerge.models import OutputLayout
from mailmerge.sheets import Cover

PRINT_DIR = OutputLayout.PRINT
LABELS_NAME = "labels.pdf"
LIST_NAME = OutputLayout.PRINT_LIST
LIST_COLUMNS = ("member_id", "postal_code", "group", "pages", "bundle", "bundle_pages", "label")


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


# --- the bundle --------------------------------------------------------------------------------


def bundle_pdf(
    cover: Cover, members: Sequence[PrintMember], outdated: list[str] | None = None
) -> tuple[bytes, int, list[tuple[int, int]]]:
    """Return the bundle (cover, then every member's PDFs), its pages, and each member's (first, last) page in it.

    Each PDF is read once and must still have the SHA-256 it was approved with (PrintOutdated naming
    every member whose file is missing or changed otherwise); its pages are copied as they are (qpdf),
    not converted again. The cover, which states the page total, is drawn last and put in front.
    Given ``outdated``, the reasons are appended to it instead (several bundles' members named in one
    refusal) and nothing is returned worth writing.
    """
    merged = pikepdf.new()
    sources = []  # qpdf reads a copied page's streams from its source when saving: keep them open until then
    fonts: dict[tuple, list[tuple[bytes, pikepdf.Object]]] = {}
    ranges = []
    refused: list[str] = [] if outdated is None else outdated
    count = len(refused)
    try:
        for member in members:
            start = len(merged.pages) + 2  # page 1 will be the cover
            for doc in member.documents:
                data = _read_checked(member, doc, refused)
                if data is None:
                    continue  # read on: the refusal names every member whose files changed, not the first
                sources.append(pikepdf.open(io.BytesIO(data)))
                before = len(merged.pages)
                merged.pages.extend(sources[-1].pages)
                _share_fonts(merged.pages[before:], fonts)
            ranges.append((start, len(merged.pages) + 1))
        if len(refused) > count:
            if outdated is None:
                raise PrintOutdated("\n".join([*refused, msg.PRINT_FILES_CHANGED_TAIL]))
            return b"", 0, ranges
        document_pages = len(merged.pages)
        sources.append(
            pikepdf.open(io.BytesIO(sheets.cover_pdf(cover, [m.postal_code for m in members], document_pages)))
        )
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
        for table in _font_tables(page.obj.get("/Resources")):
            _share_table(table, fonts)


def _font_tables(resources: pikepdf.Object | None, depth: int = 0) -> Iterable[pikepdf.Object]:
    """Yield the font tables of a page's resources and of the form XObjects it draws.

    A composed member PDF (issue 14) draws its layer (the recipient block, the page mark) as a form
    XObject with fonts of its own: without looking there, each member's layer fonts were copied again.
    """
    if resources is None or depth > 3:
        return
    table = resources.get("/Font")
    if table is not None:
        yield table
    objects = resources.get("/XObject")
    for form in list(objects.values()) if objects is not None else []:
        if form.get("/Subtype") == "/Form":
            yield from _font_tables(form.get("/Resources"), depth + 1)


def _share_table(table: pikepdf.Object, fonts: dict[tuple, list[tuple[bytes, pikepdf.Object]]]) -> None:
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


def _read_checked(member: PrintMember, doc: PrintDocument, outdated: list[str]) -> bytes | None:
    """Return a document's bytes, or None with the reason appended to ``outdated`` (missing, or not the approved
    file).
    """
    try:
        data = doc.pdf.read_bytes()
    except OSError:
        outdated.append(msg.PRINT_PDF_MISSING.format(member_id=member.member_id, document=doc.document))
        return None
    if sha256_bytes(data) != doc.sha256:
        outdated.append(msg.PRINT_PDF_CHANGED.format(member_id=member.member_id, document=doc.document))
        return None
    return data


# --- the list ------------------------------------------------------------------------------------


def list_csv(rows: Iterable[ListRow]) -> bytes:
    """Return list.csv: UTF-8 with BOM (Excel shows the Japanese), formula cells neutralised."""
    headers = [msg.LIST_HEADERS[column] for column in LIST_COLUMNS]
    return csv_bytes(
        headers,
        (
            [
                msg.REVIEW_GROUP_LABELS.get(row.group, row.group) if c == "group" else getattr(row, c)
                for c in LIST_COLUMNS
            ]
            for row in rows
        ),
    )


# --- all of it ---------------------------------------------------------------------------------


def write_print(
    out_dir: Path,
    groups: Mapping[str, tuple[Cover, Sequence[PrintMember]]],
    hold_signals: Callable[[], AbstractContextManager[None]] = nullcontext,
    labels_start: int = 1,
) -> tuple[tuple[PrintedBundle, ...], Path, Path]:
    """Write DIR/print/<group>.pdf, labels.pdf and list.csv (0600, as one set: _replace_set) for the members of each
    group.

    Everything is made in memory first: a PDF that fails its hash check stops the print before any
    file is written. A group with nobody to print has no bundle (an older one is removed, so a stale
    bundle is never printed by mistake). Returns the bundles, the labels and the list.
    """
    ordered_groups = {group: print_order(members) for group, (_cover, members) in groups.items()}
    slots = iter(sheets.label_slots([len(members) for members in ordered_groups.values()], labels_start))
    made: list[tuple[str, bytes, int, int]] = []
    list_rows: list[ListRow] = []
    outdated: list[str] = []
    for group, ordered in ordered_groups.items():
        if not ordered:
            continue
        data, pages, ranges = bundle_pdf(groups[group][0], ordered, outdated)
        made.append((group, data, len(ordered), pages))
        for member, (first, last) in zip(ordered, ranges, strict=True):
            list_rows.append(
                ListRow(
                    member.member_id,
                    member.postal_code,
                    group,
                    last - first + 1,
                    f"{group}.pdf",
                    f"{first}-{last}",
                    sheets.label_position(next(slots)),
                )
            )
    if outdated:  # every member whose files changed, across both bundles, in one refusal
        raise PrintOutdated("\n".join([*outdated, msg.PRINT_FILES_CHANGED_TAIL]))
    labels = sheets.labels_pdf(
        [[(m.member_id, m.fields) for m in ordered] for ordered in ordered_groups.values()], labels_start
    )

    folder = out_dir / PRINT_DIR
    make_private_dir(folder)
    files = {f"{group}.pdf": data for group, data, _count, _pages in made}
    files.update({LABELS_NAME: labels, LIST_NAME: list_csv(list_rows)})
    with hold_signals():  # a Ctrl-C waits until the whole set is in place: never part of one, part of another
        _replace_set(folder, files, [f"{group}.pdf" for group in groups])
    bundles = tuple(PrintedBundle(group, folder / f"{group}.pdf", count, pages) for group, _data, count, pages in made)
    return bundles, folder / LABELS_NAME, folder / LIST_NAME


def _replace_set(folder: Path, files: Mapping[str, bytes], bundle_names: Sequence[str]) -> None:
    """Put ``files`` in ``folder`` as one set: never some of an earlier print's files beside some of this one's.

    Bundles and labels that do not belong together put a member's letter under another member's
    label. So every file is first written whole under a hidden name (a stop there leaves the
    earlier set as it was), then the earlier set's files are removed (all of them: a group with
    nobody to print now keeps no stale bundle), and only then are the new ones renamed into place:
    a stop in between leaves part of the new set and nothing of the old. Other files in the folder
    are left alone.
    """
    staged = {name: folder / f".{name}.new" for name in files}
    try:
        for name, data in files.items():
            write_atomic(staged[name], data)
        for name in {*bundle_names, LABELS_NAME, LIST_NAME}:
            (folder / name).unlink(missing_ok=True)
        for name, path in staged.items():
            path.replace(folder / name)
    finally:
        for path in staged.values():
            path.unlink(missing_ok=True)
