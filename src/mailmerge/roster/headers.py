"""Find the configured columns in row 1 of a roster, reporting missing and doubled headers."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from mailmerge import messages
from mailmerge.roster.findings import AFTER_ALL_COLUMNS, Findings, quote
from mailmerge.roster.keys import normalise_key
from mailmerge.roster.sheet import SheetRow, column_letter


@dataclass(frozen=True)
class Column:
    """A configured field found in row 1: its field name, its header as configured, its column index."""

    field: str
    header: str
    index: int


@dataclass(frozen=True)
class HeaderMap:
    """The fields found once each (left to right), every column with a header, and whether all were found once."""

    columns: tuple[Column, ...]
    headed: frozenset[int]
    complete: bool


def map_headers(
    config_columns: dict[str, str], header: SheetRow | None, findings: Findings, optional: frozenset[str] = frozenset()
) -> HeaderMap:
    """Find each configured header in row 1; report missing and doubled ones (an ``optional`` field may be missing)."""
    cells = {c: text for c, text in (header.values.items() if header else ()) if text.strip()}
    if not cells:
        examples = "、".join(list(config_columns.values())[:2])
        findings.add("error", messages.ROSTER_NO_HEADERS.format(examples=examples), 1)
        return HeaderMap((), frozenset(), False)
    by_key: dict[str, list[int]] = {}
    for column, text in cells.items():
        by_key.setdefault(normalise_key(text), []).append(column)
    found: list[Column] = []
    missing = []
    complete = True
    for name, header_text in config_columns.items():
        columns = by_key.get(normalise_key(header_text), [])
        if len(columns) == 1:
            found.append(Column(name, header_text, columns[0]))
        elif not columns:
            if name not in optional:
                missing.append(header_text)
        else:
            letters = "、".join(messages.ROSTER_COLUMN_LETTER.format(letter=column_letter(c)) for c in columns)
            findings.add(
                "error",
                messages.ROSTER_DOUBLED_HEADER.format(count=len(columns), letters=letters),
                1,
                header_text,
                columns[0],
            )
            complete = False
    found.sort(key=lambda c: c.index)
    used = {c.index for c in found}
    unused = {normalise_key(text): text for c, text in sorted(cells.items()) if c not in used}
    for header_text in missing:
        close = difflib.get_close_matches(normalise_key(header_text), list(unused), n=1, cutoff=0.4)
        hint = messages.ROSTER_CLOSE_HEADER.format(quoted=quote(unused[close[0]])) if close else ""
        findings.add(
            "error",
            messages.ROSTER_MISSING_COLUMN.format(hint=hint, header=header_text),
            1,
            header_text,
            AFTER_ALL_COLUMNS,
        )
    return HeaderMap(tuple(found), frozenset(cells), complete and not missing)
