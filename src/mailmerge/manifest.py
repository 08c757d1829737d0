"""Write and read manifest.csv: one row per member and document, as written to disk."""

from __future__ import annotations

import csv
import dataclasses
import os
import stat
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mailmerge import messages
from mailmerge.fsutil import csv_bytes, csv_value, sha256_of, write_atomic
from mailmerge.models import ManifestRow

MANIFEST_NAME = "manifest.csv"
COLUMNS = tuple(f.name for f in dataclasses.fields(ManifestRow))
HEADERS = tuple(messages.MANIFEST_HEADERS[column] for column in COLUMNS)
# The columns written in words (加入, 書状) and read back as the keys the program uses.
_WORDS = {"group": messages.REVIEW_GROUP_LABELS, "document": messages.REVIEW_DOCUMENT_LABELS}
_KEYS = {column: {word: key for key, word in words.items()} for column, words in _WORDS.items()}


def write_manifest(path: Path, rows: Iterable[ManifestRow]) -> None:
    """Write the manifest atomically, UTF-8 with BOM, in Japanese headers and words as Excel shows them."""
    write_atomic(
        path, csv_bytes(HEADERS, ([_shown(column, getattr(row, column)) for column in COLUMNS] for row in rows))
    )


def _shown(column: str, value: Any) -> Any:
    return _WORDS[column].get(value, value) if column in _WORDS else value


def read_manifest(path: Path) -> list[ManifestRow]:
    """Return the rows of a manifest written by write_manifest, or by a version before (English headers)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        japanese = HEADERS[0] in (reader.fieldnames or ())
        headers = dict(zip(COLUMNS, HEADERS if japanese else COLUMNS, strict=True))
        rows = []
        for record in reader:
            values: dict[str, Any] = {c: csv_value(record[headers[c]]) for c in COLUMNS}
            for column, keys in _KEYS.items():
                values[column] = keys.get(values[column], values[column])
            values["pages"] = int(values["pages"])
            rows.append(ManifestRow(**values))
        return rows


# --- whether the files on disk are the manifest's -------------------------------------------------

# path -> ((size, mtime, ctime, inode), SHA-256): a file is hashed again only when one of these changed.
# ctime too: `touch -d` can put an mtime back, but the kernel sets ctime on every change.
_HASHES: dict[str, tuple[tuple[int, int, int, int], str]] = {}
_HASHES_LOCK = threading.Lock()


def file_sha256(path: Path | str) -> str | None:
    """Return a regular file's SHA-256 (None when it is missing or not a file), kept while its stat is the same.

    The review app asks for every member's files on every request: hashing 4,000 files each time
    would take seconds, a stat of each takes milliseconds.
    """
    path = str(path)  # a str, not a Path: 2,000 files on every request of the review app
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    with _HASHES_LOCK:
        known = _HASHES.get(path)
    if known is not None and known[0] == key:
        return known[1]
    try:
        digest = sha256_of(Path(path))
    except OSError:
        return None
    # A file changed while it was hashed has a new stat by now: the next call hashes it again.
    with _HASHES_LOCK:
        _HASHES[path] = (key, digest)
    return digest


def is_manifests_file(out_dir: Path, relative: str, sha256: str) -> bool:
    """Return True when the file at ``relative`` (a manifest path) inside out_dir has the manifest's hash."""
    if not relative or relative.startswith("/") or ".." in relative.split("/"):
        return False
    return file_sha256(f"{out_dir}/{relative}") == sha256


def row_matches(out_dir: Path, row: ManifestRow) -> bool:
    """Return True when both files of a manifest row (PDF and DOCX) are on disk as the manifest lists them."""
    return is_manifests_file(out_dir, row.pdf, row.pdf_sha256) and is_manifests_file(out_dir, row.docx, row.docx_sha256)


def changed_documents(out_dir: Path, rows: Iterable[ManifestRow]) -> Mapping[str, tuple[str, ...]]:
    """Return, per member ID, the documents whose files on disk are not the manifest's (members with none left out)."""
    changed: dict[str, tuple[str, ...]] = {}
    for row in rows:
        if not row_matches(out_dir, row):
            changed[row.member_id] = (*changed.get(row.member_id, ()), row.document)
    return changed
