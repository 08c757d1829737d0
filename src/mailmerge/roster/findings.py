"""The problems found in one roster, kept in sheet order: row, then column left to right, then check order."""

from __future__ import annotations

from mailmerge.models import Problem, Severity

# Order of the checks within one cell, as the secretariat reads them: how Excel stored the value,
# then empty, then characters, then length, then what the field itself requires, then duplicates.
KIND, REQUIRED, CHARACTERS, LENGTH, FIELD, DUPLICATE = range(6)
ROW_LEVEL = -1  # messages about a whole row come before its cells
AFTER_ALL_COLUMNS = 10**6


def quote(value: str) -> str:
    """Return a value in 「」, with invisible characters made visible (<U+200B>)."""
    shown = "".join(c if c.isprintable() or c in " \u3000" else f"<U+{ord(c):04X}>" for c in value)
    return f"「{shown}」"


class Findings:
    """Collect problems of one roster file; remember which rows have an error."""

    def __init__(self, file: str):
        self.file = file
        self._found: list[tuple[int, int, int, int, Problem]] = []
        self.rejected: set[int] = set()

    def add(
        self,
        severity: Severity,
        message: str,
        row: int | None = None,
        column: str | None = None,
        position: int = ROW_LEVEL,
        rank: int = 0,
    ) -> None:
        row = None if row is None else int(row)  # a plain int, never numpy's, in what leaves the package
        problem = Problem(severity, self.file, message, row, column)
        self._found.append((row or 0, position, rank, len(self._found), problem))
        if severity == "error" and row is not None:
            self.rejected.add(row)

    def problems(self) -> tuple[Problem, ...]:
        return tuple(found[-1] for found in sorted(self._found, key=lambda f: f[:4]))
