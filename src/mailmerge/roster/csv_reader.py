"""Read a CSV roster: the project's own encoding decision (UTF-8, UTF-8 with BOM or CP932, never a guess), then
records.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from mailmerge import messages
from mailmerge.roster.sheet import RosterUnreadable, RowCounter, Sheet, SheetRow

# A roster of 100,000 rows is about 30 MB; a bigger file is not a roster (and would not fit in memory twice).
MAX_CSV_BYTES = 64 * 1024 * 1024
# What Python's cp932 codec turns stray bytes into (C1 controls for 0x80, private
# use for 0xA0, 0xFD-0xFF and the 外字 area F040-F9FC). An EUC-JP file "decodes"
# as CP932 into such garbage, so their presence means "not CP932" (外字 could
# not be printed anyway; saved as UTF-8 they are reported cell by cell).
_NOT_CP932 = re.compile("[\x80-\x9f\ue000-\uf8ff]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

# The csv module, not pandas.read_csv: read_csv numbers a record by its first physical line only
# through its own counters, stops the whole file at one stray quote, and fills short rows; the
# csv module gives one record at a time, so each record keeps the row number Excel shows for it
# (one per record, even when a quoted cell spans several lines) and a syntax error names its line.


def read_csv(path: Path) -> Sheet:
    """Return the rows of a CSV roster; raise RosterUnreadable when the file as a whole cannot be read."""
    with open(path, "rb") as stream:
        data = stream.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        size = Path(path).stat().st_size
        raise RosterUnreadable(messages.ROSTER_TOO_BIG.format(size=size // 2**20, limit=MAX_CSV_BYTES // 2**20))
    if data.startswith(b"PK\x03\x04"):
        raise RosterUnreadable(messages.ROSTER_CSV_IS_XLSX)
    text, note = decode_csv(data)
    del data  # the bytes are not needed once decoded (a 100,000-row roster: 25 MB)
    return _records(text, note)


def _records(text: str, note: str) -> Sheet:
    header: SheetRow | None = None
    rows: list[SheetRow] = []
    counter = RowCounter()
    # Repeated values (加入, titles, building names) become one string object: half the cells of a big roster.
    seen: dict[str, str] = {}
    # Lines split as open(newline="") splits them (\r\n, \r or \n, kept), one at a time: an
    # io.StringIO would hold a second copy of the text at 4 bytes a character.
    reader = csv.reader(match[0] for match in _LINE.finditer(text))
    start = 1  # the line where the record being read starts: where a stray quote is to be looked for
    try:
        for number, record in enumerate(reader, start=1):
            start = reader.line_num + 1
            row = SheetRow(number, {i: seen.setdefault(v, v) for i, v in enumerate(record) if v})
            if number == 1:
                header = row
            elif not row.is_blank():
                counter.add(row)
                rows.append(row)
    except csv.Error:
        raise RosterUnreadable(messages.ROSTER_CSV_SYNTAX.format(line=start)) from None
    return Sheet(header, rows, note, is_csv=True)


def decode_csv(data: bytes) -> tuple[str, str]:
    """Return the text and which encoding it was: UTF-8 (BOM or not), else CP932; never a guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RosterUnreadable(messages.ROSTER_CSV_UTF16)
    if data.startswith(b"\xef\xbb\xbf"):
        # Excel's "CSV UTF-8" starts with a BOM: that is a promise, so no fallback.
        try:
            return data[3:].decode("utf-8"), messages.ROSTER_NOTE_UTF8_BOM
        except UnicodeDecodeError as exc:
            raise RosterUnreadable(messages.ROSTER_CSV_BAD_BOM.format(line=_line_of(data, exc.start + 3))) from None
    try:
        return data.decode("utf-8"), messages.ROSTER_NOTE_UTF8
    except UnicodeDecodeError as exc:
        utf8_line = _line_of(data, exc.start)
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError as exc:
        cp932_line = _line_of(data, exc.start)
    else:
        stray = _NOT_CP932.search(text)
        if stray is None:
            return text, messages.ROSTER_NOTE_CP932
        cp932_line = text.count("\n", 0, stray.start()) + 1
    raise RosterUnreadable(messages.ROSTER_CSV_ENCODING.format(utf8_line=utf8_line, cp932_line=cp932_line))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
