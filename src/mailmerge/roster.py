"""Read the member roster (.xlsx or .csv) cell by cell as text and report every problem in it."""

from __future__ import annotations

import csv
import difflib
import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from mailmerge import postal
from mailmerge.errors import MailmergeError
from mailmerge.models import ENROLLED, MEMBER_ID, UNENROLLED, Member, Problem, Roster, Severity

if TYPE_CHECKING:
    from mailmerge.config import Config

# pandas is deliberately not used to read the roster: read_excel cannot say
# which cells Excel stored as numbers or dates, nor which rows are hidden (and
# takes 1.2 s for 10,000 rows); read_csv refuses the whole file when one row
# has a stray comma. The two readers below keep every cell as text, as entered.

# The member ID names the member's output folder (out/2024/enrolled/<ID>/).
_SAFE_ID = re.compile(MEMBER_ID)
_POSTAL = re.compile(r"([0-9]{3})-?([0-9]{4})")
# Dashes people type between the 3 and the 4 digits that NFKC leaves alone
# (an IME's ー, Word's – and −); the printed code always uses "-".
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ー"})
# Trimming for keys: Unicode whitespace (NFKC already made U+3000 a space)
# and the zero-width characters that ride along when text is pasted from the web.
_EDGES = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")
# Private-use code points: Windows 外字 (user-defined characters) that no font prints.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# What Python's cp932 codec turns stray bytes into (C1 controls for 0x80, private
# use for 0xA0, 0xFD-0xFF and the 外字 area F040-F9FC). An EUC-JP file "decodes"
# as CP932 into such garbage, so their presence means "not CP932" (外字 could
# not be printed anyway; saved as UTF-8 they are reported cell by cell).
_NOT_CP932 = re.compile("[\x80-\x9f\ue000-\uf8ff]")


class _Unreadable(MailmergeError):
    """The roster file as a whole cannot be read; the message is the whole problem."""


# ---------------------------------------------------------------------------
# Public entry point


def load_roster(config: Config, path: Path | None = None) -> Roster:
    """Read the roster (``path``, else the config's) and return its valid members and every problem.

    Never raises for a data problem: an unreadable file becomes one error without a row,
    every cell problem an error or a warning at ``FILE:ROW: COLUMN:``.
    """
    source = Path(path) if path is not None else config.roster
    display = config.display_path(source)
    try:
        table = _read_table(source, config.sheet)
    except _Unreadable as exc:
        return Roster(source=source, members=(), problems=(Problem("error", display, str(exc)),))
    return _RosterChecker(config, display).check(source, table)


def normalise_key(text: str) -> str:
    """Return a key (member ID, group value, postal code) as compared: NFKC, then trimmed.

    ``００１２`` equals ``0012``, ``加入　`` equals ``加入``. Printed values are never normalised
    (NFKC would turn ㈱ into (株)).
    """
    return _EDGES.sub("", unicodedata.normalize("NFKC", text))


def normalise_postal_code(text: str) -> str | None:
    """Return a postal code as printed (NNN-NNNN), or None when it is not 7 digits with an optional hyphen."""
    key = normalise_key(text).removeprefix("〒").strip().translate(_DASHES)
    match = _POSTAL.fullmatch(key)
    return f"{match[1]}-{match[2]}" if match else None


# ---------------------------------------------------------------------------
# Reading: a file becomes rows of text cells


@dataclass
class _Row:
    """One spreadsheet row: the non-empty cells by column index, as text.

    ``kinds`` marks the cells Excel did not store as text: "number", "decimal",
    "date", "bool", "error" (#N/A…) and "formula" (a formula without a saved result).
    """

    number: int
    values: dict[int, str]
    kinds: dict[int, str] = field(default_factory=dict)
    hidden: bool = False

    def is_blank(self) -> bool:
        return not self.kinds and not any(v.strip() for v in self.values.values())


@dataclass
class _Table:
    """A sheet as read: row 1 (the headers), the rows below it in order, and how it was read."""

    header: _Row | None
    rows: list[_Row]
    note: str
    is_csv: bool = False


def _read_table(path: Path, sheet: str | None) -> _Table:
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        if suffix == ".xls":
            raise _Unreadable(
                "古い Excel 形式（.xls）は読めません。Excel で開き、「名前を付けて保存」で"
                "「Excel ブック（.xlsx）」を選んで保存し直してください"
            )
        raise _Unreadable(
            f"名簿は Excel ブック（.xlsx）か CSV（.csv）にしてください（拡張子「{suffix or 'なし'}」のファイルは読めません）"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _Unreadable(
            "名簿ファイルが見つかりません。ファイル名と場所、mailmerge.toml の [roster] path"
            "（または --roster で指定した名前）を確認してください"
        ) from None
    except IsADirectoryError:
        raise _Unreadable("名簿ファイルではなくフォルダーです。名簿ファイルの名前まで指定してください") from None
    except OSError as exc:
        raise _Unreadable(f"名簿ファイルを開けません（{exc.strerror}）。ファイルの権限を確認してください") from None
    if suffix == ".csv":
        return _read_csv(data)
    return _read_xlsx(data, sheet)


# --- CSV ---------------------------------------------------------------------


def _read_csv(data: bytes) -> _Table:
    if data.startswith(b"PK\x03\x04"):
        raise _Unreadable("拡張子は .csv ですが中身は Excel ブックです。拡張子を .xlsx にしてください")
    text, note = _decode_csv(data)
    rows: list[_Row] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        # Rows are numbered as Excel numbers them when it opens the file: one
        # per record, even when a quoted cell spans several lines.
        for number, record in enumerate(reader, start=1):
            rows.append(_Row(number, {i: v for i, v in enumerate(record) if v}))
    except csv.Error:
        raise _Unreadable(
            f"CSV として読めません（{reader.line_num} 行目付近）。引用符 \" の対応を確かめるか、"
            "Excel で開いて CSV として保存し直してください"
        ) from None
    header = rows[0] if rows else None
    return _Table(header, rows[1:], note, is_csv=True)


def _decode_csv(data: bytes) -> tuple[str, str]:
    """Return the text and which encoding it was: UTF-8 (BOM or not), else CP932; never a guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Unreadable(
            "UTF-16 の CSV（Excel の「Unicode テキスト」）は読めません。"
            "Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        # Excel's "CSV UTF-8" starts with a BOM: that is a promise, so no fallback.
        try:
            return data[3:].decode("utf-8"), "文字コード UTF-8 BOM 付き"
        except UnicodeDecodeError as exc:
            raise _Unreadable(
                f"UTF-8 の印（BOM）がありますが、{_line_of(data, exc.start + 3)} 行目に UTF-8 として読めない文字があります。"
                "Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください"
            ) from None
    try:
        return data.decode("utf-8"), "文字コード UTF-8"
    except UnicodeDecodeError as exc:
        utf8_line = _line_of(data, exc.start)
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError as exc:
        cp932_line = _line_of(data, exc.start)
    else:
        stray = _NOT_CP932.search(text)
        if stray is None:
            return text, "文字コード CP932 / Shift_JIS"
        cp932_line = text.count("\n", 0, stray.start()) + 1
    raise _Unreadable(
        f"文字コードが UTF-8 でも CP932（Shift_JIS）でもないため読めません（UTF-8 としては {utf8_line} 行目、"
        f"CP932 としては {cp932_line} 行目に読めない文字）。Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください"
    )


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# --- XLSX --------------------------------------------------------------------
# A small reader of the parts we need (workbook, shared strings, styles, one
# sheet). openpyxl cannot report hidden rows in its fast read-only mode, and its
# full mode takes 1.5 s for 10,000 rows; this takes about 0.4 s.

_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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


def _read_xlsx(data: bytes, wanted: str | None) -> _Table:
    if data.startswith(_OLE_MAGIC):
        raise _Unreadable(
            "パスワードで保護されているか、古い Excel 形式（.xls）のファイルです。"
            "パスワードを解除し、「Excel ブック（.xlsx）」として保存し直してください"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _read_workbook(archive, wanted)
    except _Unreadable:
        raise
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, AttributeError, etree.XMLSyntaxError):
        raise _Unreadable(
            "Excel ブック（.xlsx）として読めません（壊れているか、別の形式のファイルです）。"
            "Excel で開いて「Excel ブック（.xlsx）」として保存し直してください"
        ) from None


def _read_workbook(archive: zipfile.ZipFile, wanted: str | None) -> _Table:
    main = next(
        (target for kind, target in _relationships(archive, "").values() if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    workbook = _parse(archive, main)
    ns = _namespace(workbook)
    parts = _relationships(archive, main)
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
            raise _Unreadable(
                f"シート「{wanted}」がありません（このブックのシート: {names}）。"
                "mailmerge.toml の [roster] sheet を直してください"
            )
        note = f"mailmerge.toml で指定したシート「{wanted}」"
    else:
        chosen = next((s for s in sheets if s[1] == "visible"), None)
        if chosen is None:
            raise _Unreadable(
                "表示されているシートがありません。名簿のシートを再表示するか、"
                "mailmerge.toml の [roster] sheet にシート名を書いてください"
            )
        note = f"最初の表示シート「{chosen[0]}」"
    shared: list[str] = []
    styles: list[_CellStyle] = []
    for kind, target in parts.values():
        if kind.endswith("/sharedStrings"):
            shared = [_rich_text(si) for si in _children(_parse(archive, target), "si")]
        elif kind.endswith("/styles"):
            styles = _cell_styles(_parse(archive, target))
    rows = _sheet_rows(_parse(archive, chosen[2]), shared, styles)
    header = rows[0] if rows and rows[0].number == 1 else None
    return _Table(header, [r for r in rows if r.number > 1], note)


def _parse(archive: zipfile.ZipFile, part: str) -> etree._Element:
    return etree.fromstring(archive.read(part), _XML_PARSER)


def _namespace(element: etree._Element) -> str:
    tag = element.tag
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str) and child.tag.endswith("}" + name)]


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Return a part's relationships: id -> (type, target part name)."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    if rels_name not in archive.namelist():
        return {}
    found = {}
    for rel in _parse(archive, rels_name).iter(f"{{{_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return found


def _rich_text(element: etree._Element | None) -> str:
    """Return the text of a shared or inline string, without its furigana (<rPh> runs)."""
    if element is None:
        return ""
    if len(element) == 1 and element[0].tag.endswith("}t"):
        text = element[0].text or ""  # the common case, kept fast
    else:
        parts = []
        for child in element:
            if child.tag.endswith("}t"):
                parts.append(child.text or "")
            elif child.tag.endswith("}r"):
                parts.extend(t.text or "" for t in child if t.tag.endswith("}t"))
        text = "".join(parts)
    return _unescape(text)


def _unescape(text: str) -> str:
    # Excel writes control characters as _xHHHH_ (e.g. _x000D_ for CR).
    return _XML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


def _cell_styles(styles: etree._Element) -> list[_CellStyle]:
    ns = _namespace(styles)
    codes = {int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in styles.iter(f"{ns}numFmt")}
    cell_xfs = styles.find(f"{ns}cellXfs")
    result = []
    for xf in cell_xfs if cell_xfs is not None else ():
        format_id = int(xf.get("numFmtId", "0"))
        code = _FORMAT_LITERALS.sub("", codes.get(format_id, ""))
        is_date = format_id in _DATE_FORMAT_IDS or (format_id in codes and code.lower() != "general"
                                                    and _DATE_CODE.search(code.split(";")[0]) is not None)
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


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _sheet_rows(sheet: etree._Element, shared: list[str], styles: list[_CellStyle]) -> list[_Row]:
    ns = _namespace(sheet)
    cell_tag, value_tag, formula_tag, inline_tag, text_tag = (f"{ns}{n}" for n in ("c", "v", "f", "is", "t"))
    plain = _CellStyle(False, 0)
    rows = []
    number = 0
    # The loop below runs once per cell (90,000 times for 10,000 members): the
    # common cases (a shared or inline string) are handled inline, for speed.
    for row in sheet.iter(f"{ns}row"):
        reference = row.get("r")
        number = int(reference) if reference else number + 1
        values: dict[int, str] = {}
        kinds: dict[int, str] = {}
        column = -1
        for cell in row:
            if cell.tag != cell_tag:
                continue
            reference = cell.get("r")
            if reference:
                letters = reference.rstrip("0123456789")
                column = _COLUMN_INDEX.get(letters)
                if column is None:
                    column = _column_index(letters)
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
                    style = styles[int(cell.get("s", "0"))] if styles else plain
                    if style.is_date:
                        kinds[column] = "date"
                        text = raw
                    else:
                        text, kinds[column] = _number_text(raw, style.min_digits)
            if text:
                values[column] = text
        rows.append(_Row(number, values, kinds, row.get("hidden") in ("1", "true")))
    return rows


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


# ---------------------------------------------------------------------------
# Checking: rows of text become members and problems


def _quote(value: str) -> str:
    """Return a value in 「」, with invisible characters made visible (<U+200B>)."""
    shown = "".join(
        c if c.isprintable() or c in " \u3000" else f"<U+{ord(c):04X}>" for c in value
    )
    return f"「{shown}」"


def _quote_short(value: str, limit: int = 10) -> str:
    """Return a short value quoted, a long one only described: it may be an address shifted into the column."""
    length = len(value.strip())
    return _quote(value) if length <= limit else f"{length} 文字の値"


class _RosterChecker:
    """Check one table against the config, collecting problems in sheet order."""

    def __init__(self, config: Config, display: str):
        self.config = config
        self.file = display
        self.found: list[tuple[int, int, int, Problem]] = []  # (row, column position, seq, problem)
        self.rejected: set[int] = set()
        self.required = set(config.required) | {"member_id", "group"}
        self.groups = {normalise_key(word): group for group, word in config.groups.items()}
        self.allowed_groups = ", ".join(config.groups[g] for g in (ENROLLED, UNENROLLED))
        self.fields: list[tuple[str, str, int]] = []  # (field, header, column index), left to right
        self.headed: set[int] = set()  # columns with a header, used or not
        self.is_csv = False
        self.ids: dict[str, list[tuple[int, str]]] = {}  # normalised ID -> (row, ID as entered)
        self.cell: tuple[int, str, int] = (0, "", 0)  # the cell being checked: row, header, column

    def add(self, severity: Severity, message: str, row: int | None = None,
            column: str | None = None, position: int = -1) -> None:
        self.found.append((row or 0, position, len(self.found), Problem(severity, self.file, message, row, column)))
        if severity == "error" and row is not None:
            self.rejected.add(row)

    def flag(self, severity: Severity, message: str) -> None:
        """Report a problem with the cell being checked."""
        row, header, column = self.cell
        self.add(severity, message, row, header, column)

    def check(self, source: Path, table: _Table) -> Roster:
        self.is_csv = table.is_csv
        headers_ok = self._map_headers(table.header)
        data_rows = [row for row in table.rows if not row.is_blank()]
        last = data_rows[-1].number if data_rows else 1
        # Empty rows after the last filled one are not counted: Excel keeps formatted empty rows.
        blank_rows = (last - 1) - len(data_rows)
        if headers_ok and not data_rows:
            self.add("error", "会員の行がありません（2 行目以降が空です）。名簿に会員を入力してください")

        candidates: list[Member] = []
        total = 0
        for row in data_rows:
            if row.hidden and self.config.skip_hidden_rows:
                self.add("warning", "非表示の行のため読み飛ばしました（mailmerge.toml の skip_hidden_rows = true）", row.number)
                continue
            total += 1
            if headers_ok:
                member = self._check_row(row)
                if member is not None:
                    candidates.append(member)
        self._check_duplicates()

        # A missing or doubled column makes every row unusable, though each is still checked.
        members = tuple(m for m in candidates if m.row not in self.rejected) if headers_ok else ()
        problems = tuple(p for *_, p in sorted(self.found, key=lambda f: f[:3]))
        return Roster(
            source=source,
            members=members,
            problems=problems,
            total_rows=total,
            blank_rows=blank_rows,
            rejected_rows=total - len(members),
            note=table.note,
        )

    # --- headers -------------------------------------------------------------

    def _map_headers(self, header: _Row | None) -> bool:
        """Find each configured header in row 1; report missing and doubled ones; return whether all were found once."""
        cells = {c: text for c, text in (header.values.items() if header else ()) if text.strip()}
        self.headed = set(cells)
        if not cells:
            examples = "、".join(list(self.config.columns.values())[:2])
            self.add("error", f"1 行目に見出しがありません。1 行目に列の見出し（{examples} など）を入れてください", 1)
            return False
        by_key: dict[str, list[int]] = {}
        for column, text in cells.items():
            by_key.setdefault(normalise_key(text), []).append(column)
        missing = []
        ok = True
        for name, header_text in self.config.columns.items():
            columns = by_key.get(normalise_key(header_text), [])
            if len(columns) == 1:
                self.fields.append((name, header_text, columns[0]))
            elif not columns:
                missing.append(header_text)
            else:
                letters = "、".join(f"{_column_letter(c)} 列" for c in columns)
                self.add("error", f"同じ見出しの列が {len(columns)} つあります（{letters}）。"
                                  "使わない方の列を消すか、見出しを変えてください", 1, header_text, columns[0])
                ok = False
        self.fields.sort(key=lambda f: f[2])
        used = {column for *_, column in self.fields}
        unused = {normalise_key(text): text for c, text in sorted(cells.items()) if c not in used}
        for header_text in missing:
            close = difflib.get_close_matches(normalise_key(header_text), list(unused), n=1, cutoff=0.4)
            hint = f"（近い見出し: {_quote(unused[close[0]])}）" if close else ""
            self.add("error", f"列がありません{hint}。1 行目の見出しを「{header_text}」にするか、"
                              "mailmerge.toml の [roster.columns] を直してください", 1, header_text, 10**6)
        return ok and not missing

    # --- rows ----------------------------------------------------------------

    def _check_row(self, row: _Row) -> Member | None:
        """Check every cell of a row; return its member (kept only if the row has no error)."""
        number = row.number
        if row.hidden:
            self.add("error", "非表示の行です。退会などで送らない会員なら行を削除し、送る会員なら再表示してください"
                              "（非表示の行を読み飛ばすには mailmerge.toml の [roster] に skip_hidden_rows = true）", number)
        stray = sorted(c for c in {*row.values, *row.kinds}
                       if c not in self.headed and (c in row.kinds or row.values[c].strip()))
        if self.is_csv and stray and stray[-1] > max(self.headed):
            # More values than headers in a CSV row: most likely a comma inside a value
            # shifted the cells, so checking them would only quote the wrong data.
            self.add("error", f"見出しより右（{_column_letter(stray[-1])} 列）にも値があり、列がずれているようです。"
                              "値の中のカンマ（,）は全角の「，」にするか値全体を \"\" で囲み、"
                              "メモの列なら 1 行目に見出しを入れてください", number)
            return None
        if stray:
            letters = "、".join(f"{_column_letter(c)} 列" for c in stray)
            self.add("warning", f"見出しのない {letters}に値があります。この値は使われません"
                                "（使う列なら 1 行目に見出しを入れてください）", number)
        member_id = group = ""
        fields: dict[str, str] = {}
        for name, header_text, column in self.fields:
            raw = row.values.get(column, "")
            self.cell = (number, header_text, column)
            printed = self._check_cell(name, raw, row.kinds.get(column), row)
            if name == "member_id":
                member_id = printed
            if name == "group":
                group = printed
            else:
                fields[name] = printed
        return Member(row=number, member_id=member_id, group=group, fields=fields) if member_id and group else None

    def _check_cell(self, name: str, raw: str, kind: str | None, row: _Row) -> str:
        """Check one cell; return its printed value (a key for the ID and the group; '' when unusable)."""
        if kind is not None and not self._check_kind(name, raw, kind):
            return ""
        if not raw.strip():
            if name in self.required:
                self.flag("error", "空欄です（必須項目）")
            return ""
        private = _PRIVATE_USE.search(raw)
        if private:
            self.flag("error", f"外字（U+{ord(private[0]):04X}、どのフォントにもない文字）があり印刷できません。"
                               "標準の文字に置き換えてください")
        limit = self.config.max_length.get(name)
        length = len(raw.strip())
        if limit is not None and length > limit:
            self.flag("error", f"{length} 文字あります（上限 {limit} 文字）。宛名欄に収まるよう短くしてください")
        if name == "member_id":
            return self._check_member_id(raw)
        if name == "group":
            group = self.groups.get(normalise_key(raw), "")
            if not group:
                self.flag("error", f"{_quote_short(raw)}は使えません（使える値: {self.allowed_groups}）")
            return group
        if name == "postal_code":
            return self._check_postal_code(raw, row)
        return raw

    def _check_kind(self, name: str, raw: str, kind: str) -> bool:
        """Report a cell Excel did not store as text; return whether the usual checks still apply."""
        if kind == "date":
            self.flag("error", "日付として保存されています（Excel が番地や番号を日付に変えた可能性があります）。"
                               "セルの表示形式を「文字列」にして入力し直してください")
        elif kind == "bool":
            self.flag("error", "TRUE/FALSE の値になっています。正しい値を入力してください")
        elif kind == "error":
            self.flag("error", f"Excel のエラー値「{raw}」です。式を直すか、値を入力してください")
        elif kind == "formula":
            self.flag("error", "式の計算結果が保存されていません。Excel で開いて保存し直すか、値を入力してください")
        elif kind == "decimal":
            self.flag("warning", "小数の数値として保存されています。表示どおりに印刷されるか確認し、"
                                 "セルの表示形式を「文字列」にして入力し直してください")
            return True
        elif name == "member_id":
            self.flag("warning", f"数値として保存されています（{_quote(raw)}と読みました）。先頭の 0 が消えていないか"
                                 "確認し、セルの表示形式を「文字列」にして入力し直してください")
            return True
        elif name == "postal_code":
            digits = len(raw.lstrip("-"))
            if digits != 7:
                self.flag("error", f"数値として保存され、先頭の 0 が消えています（{digits} 桁）。"
                                   "セルの表示形式を「文字列」にして 7 桁で入力し直してください")
                return False
            self.flag("warning", "数値として保存されています。セルの表示形式を「文字列」にして入力し直してください")
            return True
        else:
            return True  # a whole number in a text column (a room number) prints as shown
        return False

    def _check_member_id(self, raw: str) -> str:
        member_id = normalise_key(raw)
        if not _SAFE_ID.fullmatch(member_id):
            # A name typed into the ID column must not be echoed: quote only what looks like an ID.
            if not member_id.isascii():
                what = "会員番号に全角の文字（漢字・かななど）があります"
            elif len(member_id) > 32:
                what = f"会員番号が {len(member_id)} 文字あります"
            else:
                what = f"会員番号{_quote(raw)}に使えない文字があります"
            self.flag("error", f"{what}。会員番号は出力フォルダー名になるため、"
                               "半角英数字・ハイフン・下線の 32 文字までにしてください")
            return ""
        self.ids.setdefault(member_id, []).append((self.cell[0], raw))
        return member_id

    def _check_postal_code(self, raw: str, row: _Row) -> str:
        printed = normalise_postal_code(raw)
        if printed is None:
            key = normalise_key(raw)
            if key.isascii() and key.isdigit() and len(key) == 6:
                self.flag("error", "6 桁しかありません。先頭の 0 が消えていないか確認し、7 桁で入力してください（例: 060-0001）")
            else:
                self.flag("error", "郵便番号の形になっていません。7 桁の数字で入力してください（例: 103-0027 または 1030027）")
            return ""
        prefectures = postal.prefectures_of(printed.replace("-", ""))
        if not prefectures:
            self.flag("warning", "日本郵便のデータにない郵便番号です。番号を確認してください")
            return printed
        address = next((c for name, _, c in self.fields if name == "address1"), None)
        written = postal.prefecture_of_address(row.values.get(address, "")) if address is not None else None
        if written is not None and written not in prefectures:
            self.flag("warning", f"{'・'.join(sorted(prefectures))}の郵便番号ですが、{self.config.columns['address1']} "
                                 "の都道府県と違います。郵便番号か住所を確認してください")
        return printed

    def _check_duplicates(self) -> None:
        """Report every row of a member ID used more than once, naming the other rows."""
        column = next((c for name, _, c in self.fields if name == "member_id"), -1)
        header_text = self.config.columns["member_id"]
        for occurrences in self.ids.values():
            if len(occurrences) < 2:
                continue
            differ = len({raw for _, raw in occurrences}) > 1
            aside = "（全角・半角の違いや前後の空白は同じ番号とみなします）" if differ else ""
            for number, raw in occurrences:
                others = "、".join(
                    f"{other} 行目" if other_raw == raw else f"{other} 行目の{_quote(other_raw)}"
                    for other, other_raw in occurrences if other != number
                )
                self.add("error", f"会員番号{_quote(raw)}が {others}と重複しています{aside}。"
                                  "どの行が正しいか確かめ、番号を直すか行を消してください", number, header_text, column)
