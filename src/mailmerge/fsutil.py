"""Small file-system helpers shared by the steps: atomic, private writes and hashing."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

# Letters and the roster are personal data: nothing we write is readable by other users.
FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private_dir(path: Path) -> None:
    """Create a folder (and its missing parents) readable only by the owner, whatever the umask."""
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)
    if not path.is_dir():  # a file of that name: said as such, not as a temporary file that could not be made in it
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    os.chmod(path, DIR_MODE)


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write bytes to a temporary name beside ``path``, flush, then rename into place.

    A crash or a full disk mid-write leaves a ``.tmp`` file, never a partial file under
    the final name (python-docx's save() leaves a truncated document on ENOSPC).
    ``durable=False`` skips the fsync (~2.5 ms a file here) where the caller syncs once
    for many files, or re-checks them by hash before trusting them.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp_name, FILE_MODE)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (files renamed into it) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    """Return the SHA-256 of a file's bytes as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Return the SHA-256 of bytes as hex."""
    return hashlib.sha256(data).hexdigest()


_PDF_TAIL = 1024  # a complete PDF ends with "%%EOF" (and maybe a line break) within its last bytes


def is_complete_pdf(path: Path) -> bool:
    """Return True when the file is there, starts as a PDF and ends as one (written to its end)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
            handle.seek(max(path.stat().st_size - _PDF_TAIL, 0))
            tail = handle.read()
    except OSError:
        return False
    return head == b"%PDF-" and tail.rstrip().endswith(b"%%EOF")


# --- spreadsheets (manifest.csv, list.csv, decisions.csv) ------------------------------------------

# Excel runs a cell that starts with one of these as a formula (CSV injection, OWASP); a leading
# apostrophe makes it plain text and Excel hides the apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return a CSV for Excel: UTF-8 with BOM (so it shows the Japanese), CRLF, formula cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_spreadsheet_safe(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def csv_value(text: str) -> str:
    """Return a cell as it was before csv_bytes guarded it (a name cannot start with "'=")."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def _spreadsheet_safe(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def shown_path(path: Path) -> str:
    """Return a path as the user would type it: relative to the working folder when inside it."""
    path = Path(path).absolute()
    cwd = Path.cwd()
    return os.path.relpath(path, cwd) if path.is_relative_to(cwd) else str(path)
