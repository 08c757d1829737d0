"""The archive folder around the bags: its lock, the bag folders by date, staging leftovers, modes, decisions.csv."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mailmerge import messages
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import DIR_MODE, FILE_MODE, csv_bytes, make_private_dir
from mailmerge.models import ArchivedMember, ManifestRow

SEALED_FILE_MODE = 0o400


SEALED_DIR_MODE = 0o500


DECISIONS_NAME = "decisions.csv"


LOCK_NAME = ".archive.lock"


STAGING_PREFIX = ".staging-"


# A bag folder: the sending date, with -2, -3 … when one day has several batches.
BAG_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:-([2-9]|[1-9]\d+))?$")


DECISION_COLUMNS = (
    "member_id",
    "name",
    "group",
    "decision",
    "reviewer",
    "decided_at",
    "note",
    "document",
    "pages",
    "pdf",
    "pdf_sha256",
    "docx",
    "docx_sha256",
    "printed_at",
    "printed_by",
)


@dataclass(frozen=True)
class BagProblem:
    """One thing wrong with a sealed bag: ``kind`` is missing, changed, extra, broken or readable."""

    kind: str
    path: Path
    detail: str = ""


@contextmanager
def archive_lock(archive_dir: Path) -> Iterator[None]:
    """Hold the archive's lock: one sealing at a time (the kernel drops it if the process dies)."""
    make_private_dir(archive_dir)
    fd = os.open(archive_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise MailmergeError(messages.ARCHIVE_LOCKED.format(archive=archive_dir)) from None
        yield
    finally:
        os.close(fd)


def staging_leftovers(archive_dir: Path) -> list[Path]:
    """Return the staging folders an interrupted sealing left (never a complete-looking bag)."""
    if not archive_dir.is_dir():
        return []
    return sorted(p for p in archive_dir.glob(f"*/{STAGING_PREFIX}*") if p.is_dir() or p.is_symlink())


def remove_staging(archive_dir: Path) -> int:
    """Remove what interrupted sealings left; return how many there were."""
    found = staging_leftovers(archive_dir)
    for path in found:
        remove_tree(path)
    return len(found)


def bag_folders(archive_dir: Path, cycle: str | None = None) -> list[Path]:
    """Return the sealed bags on disk, by cycle then sending date and batch number."""
    if not archive_dir.is_dir():
        return []
    cycles = [archive_dir / cycle] if cycle is not None else sorted(p for p in archive_dir.iterdir() if p.is_dir())
    found = []
    for folder in cycles:
        if folder.is_dir():
            found += [p for p in folder.iterdir() if p.is_dir() and BAG_NAME.match(p.name)]
    return sorted(found, key=_bag_order)


def _bag_order(path: Path) -> tuple[str, str, int]:
    match = BAG_NAME.match(path.name)
    assert match is not None
    return (path.parent.name, match.group(1), int(match.group(2) or 1))


def next_folder(archive_dir: Path, cycle: str, sent_on: str) -> Path:
    """Return the next free bag folder for that day: <sent-on>, then <sent-on>-2, -3 …"""
    base = archive_dir / cycle / sent_on
    number = 1
    while True:
        candidate = base if number == 1 else base.with_name(f"{sent_on}-{number}")
        if not candidate.exists():
            return candidate
        number += 1


def decisions_csv(rows: Sequence[ManifestRow], members: Sequence[ArchivedMember]) -> bytes:
    """Return decisions.csv: one line per member and document, the decision with the hashes it approved."""
    by_id = {m.member_id: m for m in members}
    return csv_bytes(
        DECISION_COLUMNS,
        (
            (
                row.member_id,
                row.name,
                row.group,
                by_id[row.member_id].decision,
                by_id[row.member_id].reviewer,
                by_id[row.member_id].decided_at,
                by_id[row.member_id].note,
                row.document,
                row.pages,
                row.pdf,
                row.pdf_sha256,
                row.docx,
                row.docx_sha256,
                by_id[row.member_id].printed_at,
                by_id[row.member_id].printed_by,
            )
            for row in rows
        ),
    )


def readable_by_others(top: Path) -> list[BagProblem]:
    """Return every file and folder under ``top`` (itself included) that others may read or write."""
    found = []
    for path in [top, *sorted(top.rglob("*"))] if top.exists() else []:
        mode = path.lstat().st_mode
        if stat.S_IMODE(mode) & 0o077:  # group or others: "write" when they may change it, else "read"
            found.append(BagProblem("readable", path, "write" if stat.S_IMODE(mode) & 0o022 else "read"))
    return found


def seal_modes(folder: Path) -> None:
    """Make the bag read-only for its owner: files 0400, folders 0500, deepest first."""
    for dirpath, _dirnames, filenames in os.walk(folder, topdown=False):
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), SEALED_FILE_MODE)
        os.chmod(dirpath, SEALED_DIR_MODE)


def remove_tree(path: Path) -> None:
    """Remove a folder even when sealed read-only (a staging bag interrupted after its modes were set)."""
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_dir():
        path.unlink()
        return
    for dirpath, _, _ in os.walk(path):
        os.chmod(dirpath, DIR_MODE)
    shutil.rmtree(path)
