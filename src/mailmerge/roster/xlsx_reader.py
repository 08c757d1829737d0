"""Read an .xlsx roster: its workbook, shared strings, styles and one sheet, streamed, every cell as text as
displayed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lxml import etree

from mailmerge import messages, ziplimits
from mailmerge.roster.sheet import NO_KINDS, RosterUnreadable, RowCounter, Sheet, SheetRow

# A small reader of the parts we need. openpyxl cannot report hidden rows in its fast read-only
# mode, and its full mode takes 1.5 s for 10,000 rows. Compared cell by cell with openpyxl on
# 102 real workbooks it read 97 identically and was right in the other 5 (_x000D_ escapes).

_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_PARSE_OPTIONS = dict(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
_XML_PARSER = etree.XMLParser(**_PARSE_OPTIONS)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_SHARED_STRINGS = 1_000_000
# Built-in number formats that show dates or times: 14-22 and 45-47 everywhere,
# 27-36 and 50-58 in a Japanese Excel (和暦 and 年月日 formats).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
# Quoted literals, escaped characters and [colour]/[condition]/[$-411] blocks of a format code.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_DATE_CODE = re.compile(r"[dmyhsDMYHS]")
_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class _CellStyle:
    is_date: bool
    min_digits: int  # leading zeros a format like 0000 or 000-0000 shows


_PLAIN = _CellStyle(False, 0)


def read_xlsx(path: Path, sheet: str | None = None) -> Sheet:
    """Return the rows of a workbook's roster sheet (``sheet``, else its only visible one).

    Raise RosterUnreadable when the file as a whole cannot be read, is implausibly large, or has
    more rows with content than any roster.
    """
    with open(path, "rb") as stream:
        if stream.read(len(_OLE_MAGIC)) == _OLE_MAGIC:
            raise RosterUnreadable(messages.ROSTER_XLSX_ENCRYPTED)
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                return _Package(archive).read(sheet)
        except RosterUnreadable:
            raise
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            NotImplementedError,
            KeyError,
            IndexError,
            ValueError,
            AttributeError,
            EOFError,
            zlib.error,
            etree.XMLSyntaxError,
        ):
            raise RosterUnreadable(messages.ROSTER_XLSX_BROKEN) from None


class _Package:
    """An OPC package as the readers that Excel users meet actually accept it."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        # Part names are case-insensitive (OPC, ECMA-376 part 2 §9.1.1.1), and some writers store
        # `xl\workbook.xml` with a backslash; both open in Excel and openpyxl, so both here.
        self.entries = {self._key(info.filename): info for info in archive.infolist()}

    @staticmethod
    def _key(name: str) -> str:
        return name.replace("\\", "/").lstrip("/").lower()

    def has(self, part: str) -> bool:
        return self._key(part) in self.entries

    def open(self, part: str, limit: int = ziplimits.MAX_PART_BYTES) -> IO[bytes]:
        info = self.entries[self._key(part)]
        if ziplimits.too_large(info, limit):
            raise RosterUnreadable(
                messages.ROSTER_XLSX_BOMB.format(part=part, size=info.file_size // 2**20, ratio=ziplimits.ratio(info))
            )
        return self.archive.open(info)

    def parse(self, part: str) -> etree._Element:
        with self.open(part, ziplimits.MAX_SMALL_PART_BYTES) as stream:
            return etree.fromstring(stream.read(), _XML_PARSER)

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Return a part's relationships: id -> (type, target part name)."""
        folder, name = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", name + ".rels")
        if not self.has(rels_name):
            return {}
        found = {}
        for rel in self.parse(rels_name).iter(f"{{{_REL}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "").replace("\\", "/")
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[rel.get("Id", "")] = (rel.get("Type", ""), target)
        return found

    def read(self, wanted: str | None) -> Sheet:
        main = next(
            (target for kind, target in self.relationships("").values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        workbook = self.parse(main)
        ns = _namespace(workbook)
        parts = self.relationships(main)
        targets = {rid: target for rid, (kind, target) in parts.items() if kind.endswith("/worksheet")}
        sheets = []  # (name, state, part) of the worksheets, in tab order
        for sheet in workbook.iter(f"{ns}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                sheets.append((sheet.get("name", ""), sheet.get("state", "visible"), targets[rid]))
        if wanted:
            chosen = next((s for s in sheets if s[0] == wanted), None)
            if chosen is None:
                names = "".join(f"「{name}」" for name, _, _ in sheets)
                raise RosterUnreadable(messages.ROSTER_XLSX_NO_SHEET.format(wanted=wanted, names=names))
            note = messages.ROSTER_NOTE_NAMED_SHEET.format(name=wanted)
        else:
            visible = [s for s in sheets if s[1] == "visible"]
            if not visible:
                raise RosterUnreadable(messages.ROSTER_XLSX_NO_VISIBLE_SHEET)
            if len(visible) > 1:
                # Last year's roster left as the first tab would be read silently (issue 25): which
                # sheet is the roster is for the secretariat to say, not for the tab order.
                names = "".join(f"「{name}」" for name, _, _ in visible)
                raise RosterUnreadable(messages.ROSTER_XLSX_MANY_SHEETS.format(names=names))
            chosen = visible[0]
            note = messages.ROSTER_NOTE_FIRST_SHEET.format(name=chosen[0])
        shared: list[str] = []
        styles: list[_CellStyle] = []
        for kind, target in parts.values():
            if kind.endswith("/sharedStrings"):
                shared = self._shared_strings(target)
            elif kind.endswith("/styles"):
                styles = _cell_styles(self.parse(target))
        with self.open(chosen[2]) as stream:
            header, rows = _sheet_rows(stream, shared, styles)
        return Sheet(header, rows, note)

    def _shared_strings(self, part: str) -> list[str]:
        shared = []
        with self.open(part, ziplimits.MAX_SMALL_PART_BYTES) as stream:
            for element in _stream(stream, "si"):
                shared.append(_rich_text(element))
                if len(shared) > _MAX_SHARED_STRINGS:
                    raise RosterUnreadable(messages.ROSTER_XLSX_TOO_MANY_STRINGS.format(limit=_MAX_SHARED_STRINGS))
        return shared


def _stream(stream: IO[bytes], name: str, skip_empty_rows: bool = False) -> Iterator[etree._Element]:
    """Yield each ``name`` element of an XML stream, complete, then free it (memory stays flat)."""
    parser = etree.XMLPullParser(events=("end",), tag=f"{{*}}{name}", **_PARSE_OPTIONS)
    for chunk in _chunks(stream, skip_empty_rows):
        parser.feed(chunk)
        for _, element in parser.read_events():
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    parser.close()


# An empty row, as Excel saves formatted rows down to the end of the sheet: <row r="9" s="1" …/>, or
# with only styled empty cells <row r="9"><c r="A9" s="3"/>…</row>. They are dropped from the bytes
# before parsing (1,000,000 of them: a regex pass instead of a million parser events). Only rows
# carrying their number first (as Excel, LibreOffice and openpyxl write them) are dropped, so the implicit numbering of
# rows without r= never shifts.
_EMPTY_ROW = re.compile(rb'<row r="[^>]*(?:/>|>(?:<c [^>]*/>)*</row>)')
_CHUNK = 2**20


def _chunks(stream: IO[bytes], skip_empty_rows: bool) -> Iterator[bytes]:
    """Yield the stream in blocks; with ``skip_empty_rows``, each block cut before its last row and stripped of empty
    rows.
    """
    carry = b""
    while block := stream.read(_CHUNK):
        if not skip_empty_rows:
            yield block
            continue
        data = carry + block
        cut = data.rfind(b"<row")
        if cut <= 0 or len(data) - cut > _CHUNK:
            cut = len(data)
        data, carry = data[:cut], data[cut:]
        yield _EMPTY_ROW.sub(b"", data)
    if carry:
        yield _EMPTY_ROW.sub(b"", carry)


def _namespace(element: etree._Element) -> str:
    tag = element.tag
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _rich_text(element: etree._Element | None) -> str:
    """Return the text of a shared or inline string, without its furigana (<rPh> runs)."""
    if element is None:
        return ""
    if len(element) == 1 and element[0].tag.endswith("}t"):
        text = element[0].text or ""  # the common case, kept fast
    else:
        parts = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag.endswith("}t"):
                parts.append(child.text or "")
            elif child.tag.endswith("}r"):
                parts.extend(t.text or "" for t in child if isinstance(t.tag, str) and t.tag.endswith("}t"))
        text = "".join(parts)
    return _unescape(text)


def _unescape(text: str) -> str:
    # Excel writes control characters as _xHHHH_ (e.g. _x000D_ for CR).
    return _XML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


def _cell_styles(styles: etree._Element) -> list[_CellStyle]:
    ns = _namespace(styles)
    codes = {int(f.get("numFmtId") or "0"): f.get("formatCode", "") for f in styles.iter(f"{ns}numFmt")}
    cell_xfs = styles.find(f"{ns}cellXfs")
    result = []
    for xf in cell_xfs if cell_xfs is not None else ():
        format_id = int(xf.get("numFmtId") or "0")
        code = _FORMAT_LITERALS.sub("", codes.get(format_id, ""))
        is_date = format_id in _DATE_FORMAT_IDS or (
            format_id in codes and code.lower() != "general" and _DATE_CODE.search(code.split(";")[0]) is not None
        )
        digits = max((section.split(".")[0].count("0") for section in code.split(";")), default=0)
        result.append(_CellStyle(is_date, digits))
    return result


_COLUMN_INDEX: dict[str, int] = {}


def _column_index(letters: str) -> int:
    """Return the 0-based index of a column's letters (A -> 0, AA -> 26), remembering it."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    _COLUMN_INDEX[letters] = index - 1
    return index - 1


def _sheet_rows(
    stream: IO[bytes], shared: list[str], styles: list[_CellStyle]
) -> tuple[SheetRow | None, list[SheetRow]]:
    """Return row 1 (if it has content) and the rows below it with content, streaming the sheet XML."""
    header = None
    rows = []
    counter = RowCounter()
    seen: dict[str, str] = {}  # repeated inline values become one string object, as shared strings are
    number = 0
    for row in _stream(stream, "row", skip_empty_rows=True):
        reference = row.get("r")
        number = int(reference) if reference else number + 1
        # A row whose cells have no value (only a style, as Excel keeps for formatted empty
        # rows) is skipped before anything else: a million of them cost about a second.
        for cell in row:
            if len(cell):
                break
        else:
            continue
        values, kinds = _row_cells(row, shared, styles, seen)
        found = SheetRow(number, values, kinds or NO_KINDS, row.get("hidden") in ("1", "true"))
        if number == 1:
            header = found
        elif not found.is_blank():
            counter.add(found)
            rows.append(found)
    return header, rows


def _row_cells(
    row: etree._Element, shared: list[str], styles: list[_CellStyle], seen: dict[str, str]
) -> tuple[dict[int, str], dict[int, str]]:
    """Return a row's cells with a value, as text by column index, and the kinds of those not stored as text."""
    ns = row.tag[: row.tag.index("}") + 1] if row.tag[0] == "{" else ""
    cell_tag, value_tag, formula_tag, inline_tag, text_tag = _TAGS.get(ns) or _tags(ns)
    values: dict[int, str] = {}
    kinds: dict[int, str] = {}
    column = -1
    # This loop runs once per cell (90,000 times for 10,000 members): the common cases
    # (a shared or inline string) are handled inline, for speed.
    for cell in row:
        if cell.tag != cell_tag:
            continue
        reference = cell.get("r")
        if reference:
            letters = reference.rstrip("0123456789")
            known = _COLUMN_INDEX.get(letters)
            column = _column_index(letters) if known is None else known
        else:
            column += 1
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell[0] if len(cell) else None
            if inline is not None and inline.tag == inline_tag and len(inline) == 1 and inline[0].tag == text_tag:
                text = inline[0].text or ""
                if "_x" in text:
                    text = _unescape(text)
            else:
                text = _rich_text(cell.find(inline_tag))
        else:
            raw = cell.findtext(value_tag)
            if not raw:
                # A formula without a saved result (openpyxl writes <f>…</f><v></v>);
                # t="str" with an empty <v> is Excel's saved result "".
                if kind != "str" and cell.find(formula_tag) is not None:
                    kinds[column] = "formula"
                continue
            if kind == "s":
                text = shared[int(raw)]
            elif kind == "str":
                text = _unescape(raw)
            elif kind in ("b", "e", "d"):
                kinds[column] = {"b": "bool", "e": "error", "d": "date"}[kind]
                text = raw
            else:
                # s="" is the default style, as in Excel and openpyxl (some generators write it).
                style = styles[int(cell.get("s") or 0)] if styles else _PLAIN
                if style.is_date:
                    kinds[column] = "date"
                    text = raw
                else:
                    text, kinds[column] = _number_text(raw, style.min_digits)
        if text:
            values[column] = seen.setdefault(text, text)
    return values, kinds


_TAGS: dict[str, tuple[str, ...]] = {}


def _tags(ns: str) -> tuple[str, ...]:
    _TAGS[ns] = tuple(f"{ns}{name}" for name in ("c", "v", "f", "is", "t"))
    return _TAGS[ns]


def _number_text(raw: str, min_digits: int) -> tuple[str, str]:
    """Return a number cell as Excel shows it (zero-padded by a 0000-style format), and its kind."""
    if _INTEGER.fullmatch(raw):
        value = int(raw)
    else:
        number = float(raw)
        if not number.is_integer() or abs(number) >= 1e15:
            return f"{number:.15g}", "decimal"  # Excel shows 15 significant digits
        value = int(number)
    sign = "-" if value < 0 else ""
    return sign + str(abs(value)).zfill(min_digits), "number"
