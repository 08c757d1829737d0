"""Write and read manifest.csv: one row per member and document, as written to disk."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mailmerge.fsutil import csv_bytes, csv_value, write_atomic
from mailmerge.models import ManifestRow

MANIFEST_NAME = "manifest.csv"
COLUMNS = tuple(f.name for f in dataclasses.fields(ManifestRow))

def write_manifest(path: Path, rows: Iterable[ManifestRow]) -> None:
    """Write the manifest atomically, UTF-8 with BOM so Excel shows the Japanese names."""
    write_atomic(path, csv_bytes(COLUMNS, ([getattr(row, column) for column in COLUMNS] for row in rows)))


def read_manifest(path: Path) -> list[ManifestRow]:
    """Return the rows of a manifest written by write_manifest."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = []
        for record in reader:
            values: dict[str, Any] = {c: csv_value(record[c]) for c in COLUMNS}
            values["pages"] = int(values["pages"])
            rows.append(ManifestRow(**values))
        return rows
