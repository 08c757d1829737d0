"""Write and read manifest.csv: one row per member and document, as written to disk."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable
from pathlib import Path

from mailmerge.fsutil import write_atomic
from mailmerge.models import ManifestRow

MANIFEST_NAME = "manifest.csv"
COLUMNS = tuple(f.name for f in dataclasses.fields(ManifestRow))

# Excel runs a cell that starts with one of these as a formula (CSV injection, OWASP);
# a leading apostrophe makes it plain text and Excel hides the apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_manifest(path: Path, rows: Iterable[ManifestRow]) -> None:
    """Write the manifest atomically, UTF-8 with BOM so Excel shows the Japanese names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_neutralise(getattr(row, column)) for column in COLUMNS])
    write_atomic(path, buffer.getvalue().encode("utf-8-sig"))


def read_manifest(path: Path) -> list[ManifestRow]:
    """Return the rows of a manifest written by write_manifest."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = []
        for record in reader:
            values = {c: record[c] for c in COLUMNS}
            # Undo the formula guard only where we added it (a name cannot start with "'=").
            for key, value in values.items():
                if value.startswith("'") and value[1:].startswith(_FORMULA_START):
                    values[key] = value[1:]
            values["pages"] = int(values["pages"])
            rows.append(ManifestRow(**values))
        return rows
