"""What a roster reader returns: row 1 and the filled rows below it, every cell as text as displayed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mailmerge import messages
from mailmerge.errors import MailmergeError

# Bounds that no real roster comes near (the association has a few hundred members), so that a
# wrong or hostile file fails with a sentence instead of exhausting memory (`check` stays under 300 MB).
ROW_LIMIT = 100_000  # rows with content, header excluded
CELL_LIMIT = 1_000_000  # cells with content, all rows together (10 a row)


# The kinds of a row whose cells are all text (every CSV row): one shared, read-only empty mapping.
NO_KINDS: Mapping[int, str] = MappingProxyType({})


class RosterUnreadable(MailmergeError):
    """The roster file as a whole cannot be read; the message is the whole problem."""


@dataclass(slots=True)
class SheetRow:
    """One row with content: its Excel row number and its non-empty cells by column index (A = 0), as text.

    ``kinds`` marks the cells Excel did not store as text: "number", "decimal", "date", "bool",
    "error" (#N/A…) and "formula" (a formula without a saved result).
    """

    number: int
    values: dict[int, str]
    kinds: Mapping[int, str] = field(default_factory=lambda: NO_KINDS)
    hidden: bool = False

    def is_blank(self) -> bool:
        return not self.kinds and not any(v.strip() for v in self.values.values())


@dataclass
class Sheet:
    """A roster as read: row 1 (the headers, None when row 1 is empty), the rows below it with content, and how it was
    read.

    Rows without content (blank, or only formatted) are not kept: Excel keeps formatted empty rows,
    and only their count matters (``Roster.blank_rows`` counts those between filled rows).
    """

    header: SheetRow | None
    rows: list[SheetRow]
    note: str
    is_csv: bool = False


class RowCounter:
    """Count the rows and cells with content as a reader goes, and stop it past the limits."""

    def __init__(self) -> None:
        self.rows = 0
        self.cells = 0

    def add(self, row: SheetRow) -> None:
        self.rows += 1
        self.cells += len(row.values) + len(row.kinds)
        if self.rows > ROW_LIMIT:
            raise RosterUnreadable(messages.ROSTER_TOO_MANY_ROWS.format(limit=ROW_LIMIT, row=row.number))
        if self.cells > CELL_LIMIT:
            raise RosterUnreadable(messages.ROSTER_TOO_MANY_CELLS.format(limit=CELL_LIMIT, row=row.number))


def column_letter(index: int) -> str:
    """Return a column's letters from its 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
