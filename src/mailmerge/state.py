"""What the output folder holds between runs: the lock, the journal of finished documents, leftovers;
and its file-system errors (a full disk, a read-only folder) as one sentence each."""

from __future__ import annotations

import csv
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from mailmerge import messages, pdfcheck
from mailmerge.errors import MailmergeError, OutputLockedError
from mailmerge.fsutil import FILE_MODE, csv_value, make_private_dir, sha256_of, write_atomic
from mailmerge.models import GROUPS, ManifestRow, OutputLayout

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)
# Below this much free space, a failed conversion is blamed on the disk (LibreOffice needs room to work).
LOW_SPACE = 16 << 20
LOCK_NAME = ".mailmerge.lock"
JOURNAL_NAME = ".journal.jsonl"
STAGING_NAME = OutputLayout.STAGING
TMP_SUFFIX = ".tmp"


class OutputLock:
    """An exclusive lock on an output folder, held for the whole run (or, without a name, a print).

    flock is released by the kernel when the process dies, even by SIGKILL, so a crashed
    run never leaves the folder locked; a second run while the first is alive is refused
    with ``busy`` (a message with {out_dir}). ``name`` None locks the folder itself, through a
    read-only descriptor: `mailmerge print` (one at a time) then needs no file it could fail to
    create, and a run (its lock file) and reviewers (is_locked) never wait for a print.
    """

    def __init__(self, out_dir: Path, name: str | None = LOCK_NAME, busy: str = messages.LOCKED):
        self.path = out_dir / name if name is not None else out_dir
        self._out_dir, self._busy, self._of_folder = out_dir, busy, name is None
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        if self._of_folder:
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        else:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        if not _try_lock(fd):
            os.close(fd)
            raise OutputLockedError(self._busy.format(out_dir=self._out_dir))
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# --- what the output folder's file system says, as a sentence -------------------------------------


def free_space(out_dir: Path) -> int:
    """Return the free bytes where the output folder is (LOW_SPACE when that cannot be read)."""
    try:
        return shutil.disk_usage(out_dir).free
    except OSError:
        return LOW_SPACE


def disk_full_error(out_dir: Path, detail: str = "") -> MailmergeError:
    """Return the error a run stops with when the output folder's disk is full."""
    return MailmergeError(messages.DISK_FULL.format(out_dir=out_dir) + detail)


def os_error(out_dir: Path, exc: OSError) -> MailmergeError:
    """Return a file-system error as one sentence saying what to do."""
    if exc.errno in DISK_FULL:
        return disk_full_error(out_dir)
    where = exc.filename or out_dir
    if exc.errno in NOT_WRITABLE:
        return MailmergeError(messages.NOT_WRITABLE.format(path=where))
    return MailmergeError(messages.FILE_ERROR.format(path=where, reason=exc.strerror or exc))


def refuse_archive_inside(out_dir: Path, archive_dir: Path) -> None:
    """Raise MailmergeError when the archive folder is the output folder or lies inside it.

    A run sets aside what it does not know in the output folder: sealed bags there would be moved.
    """
    out, archive = Path(out_dir).resolve(), Path(archive_dir).resolve()
    if archive.is_relative_to(out):
        raise MailmergeError(messages.ARCHIVE_INSIDE_OUTPUT.format(archive=archive, out=out))


def locked_error(out_dir: Path) -> OutputLockedError:
    """Return the error a second run on the same output folder stops with."""
    return OutputLockedError(messages.LOCKED.format(out_dir=out_dir))


def is_locked(out_dir: Path) -> bool:
    """Return True when a run holds the folder's lock, in this process or another (without creating anything)."""
    path = out_dir / LOCK_NAME
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        # A shared lock: two checks at once (two reviewers' requests) never see each other as a run.
        return not _try_lock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)  # closing releases the lock taken to test it


def _try_lock(fd: int, kind: int = fcntl.LOCK_EX, attempts: int = 5, pause: float = 0.02) -> bool:
    """Take the lock, trying for a moment: an is_locked() check holds it for microseconds."""
    for attempt in range(attempts):
        try:
            fcntl.flock(fd, kind | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if attempt + 1 < attempts:
                time.sleep(pause)
    return False


class Journal:
    """An append-only record of verified documents, so an interrupted run can resume.

    One JSON line per document, flushed (to the kernel, which keeps it through SIGKILL) as
    it is finished; a line cut short by a full disk is ignored when read back. Not fsynced:
    after a power loss a line may be missing (its document is made again) or name a file that
    did not reach the disk, which reusable() refuses because the hash no longer matches.
    """

    def __init__(self, out_dir: Path):
        self.path = out_dir / JOURNAL_NAME
        self._handle: TextIO | None = None

    def reset(self, rows: Iterable[ManifestRow]) -> None:
        """Start the journal afresh with the documents a run keeps from earlier runs."""
        write_atomic(
            self.path, "".join(json.dumps(asdict(row), ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
        )

    def __enter__(self) -> Journal:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        self._handle = os.fdopen(fd, "a", encoding="utf-8")
        return self

    def record(self, row: ManifestRow) -> None:
        assert self._handle is not None
        self._handle.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
        self._handle.flush()

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def read_journal(out_dir: Path) -> list[ManifestRow]:
    """Return the complete lines of a journal left by an earlier run."""
    path = out_dir / JOURNAL_NAME
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rows.append(ManifestRow(**json.loads(line)))
        except (ValueError, TypeError):
            continue  # the last line of a killed run; its document is simply made again
    return rows


def reusable(row: ManifestRow, out_dir: Path, input_sha256: str) -> bool:
    """Return True when a recorded document was made from the same inputs and its files are intact."""
    if row.input_sha256 != input_sha256:
        return False
    docx, pdf = out_dir / row.docx, out_dir / row.pdf
    if not (
        docx.is_file() and pdf.is_file() and sha256_of(docx) == row.docx_sha256 and sha256_of(pdf) == row.pdf_sha256
    ):
        return False
    # The hash only says the file is the one recorded: a run interrupted in the middle of a save
    # once recorded a broken PDF (issue 10). qpdf reads it strictly before it is used again.
    return not pdfcheck.structure_problem(pdf, row.pages)


def leftovers(out_dir: Path) -> list[Path]:
    """Return what an interrupted run left behind: temporary files and the staging folder."""
    found = [p for p in out_dir.rglob(f"*{TMP_SUFFIX}") if p.name.startswith(".")]
    staging = out_dir / STAGING_NAME
    if staging.exists():
        found.append(staging)
    return sorted(found)


def unpaired(out_dir: Path) -> list[Path]:
    """Return member files without their pair: the DOCX of a document a killed run was placing.

    A document is placed DOCX first, PDF last, so a lone DOCX is unfinished; a lone PDF is
    not made by this program but is just as little to be trusted.
    """
    found = []
    for _group, _member_id, folder in member_folders(out_dir):
        for path in folder.iterdir():
            pair = path.with_suffix(".pdf" if path.suffix == ".docx" else ".docx")
            if path.suffix in (".docx", ".pdf") and not pair.exists():
                found.append(path)
    return sorted(found)


def count_files(paths: Iterable[Path]) -> int:
    """Return how many files the paths hold (a folder counts its files, at any depth)."""
    return sum(sum(1 for q in path.rglob("*") if not q.is_dir()) if path.is_dir() else 1 for path in paths)


def remove_paths(paths: Iterable[Path]) -> None:
    """Delete files and folders (used for leftovers and outputs of members no longer in the roster)."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def set_aside(layout: OutputLayout, folder: Path, paths: Iterable[Path]) -> list[Path]:
    """Move files or member folders into ``folder`` (under DIR/removed/), keeping their place in the layout.

    Used instead of deleting anything a person may still want: a removed member's letters,
    outdated documents. A name already taken there gets a numbered suffix. Returns where each went.
    """
    moved = []
    for path in paths:
        target = folder / path.relative_to(layout.out_dir)
        make_private_dir(target.parent)
        number = 1
        while target.exists():
            number += 1
            target = target.with_name(f"{path.name}.{number}")
        os.replace(path, target)
        moved.append(target)
    return moved


def printed_members(layout: OutputLayout) -> set[str] | None:
    """Return the member IDs in the current DIR/print/ (its list.csv); None when there is no print.

    A print folder whose list cannot be read counts as holding every member (an empty ID set
    would let an outdated letter stay where it can be printed).
    """
    folder = layout.print_dir
    if not folder.is_dir() or not any(folder.iterdir()):
        return None
    try:
        with (folder / layout.PRINT_LIST).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            # 会員番号; member_id in a list printed before the headers were Japanese.
            column = messages.LIST_HEADERS["member_id"]
            column = column if column in (reader.fieldnames or ()) else "member_id"
            return {csv_value(row[column]) for row in reader}
    except (OSError, KeyError, UnicodeDecodeError, csv.Error):
        return {ALL_MEMBERS}


# Stands for "every member" in printed_members when DIR/print/list.csv cannot be read.
ALL_MEMBERS = "*"


def outdated_print(
    layout: OutputLayout, previous: Mapping[tuple[str, str], ManifestRow], rows: Sequence[ManifestRow]
) -> tuple[str, ...]:
    """Return the members of the current DIR/print/ whose PDFs this run changed or removed (none: no print).

    The print was made from the files the last manifest listed; a member whose PDFs are now other
    (remade, moved to the other group) or gone (no longer in the roster) is outdated there.
    """
    printed = printed_members(layout)
    if printed is None:
        return ()
    before: dict[str, dict[str, str]] = {}
    for (member_id, document), row in previous.items():
        before.setdefault(member_id, {})[document] = f"{row.group}/{row.pdf_sha256}"
    after: dict[str, dict[str, str]] = {}
    for row in rows:
        after.setdefault(row.member_id, {})[row.document] = f"{row.group}/{row.pdf_sha256}"
    if ALL_MEMBERS in printed:
        printed = set(before) | set(after)
    return tuple(sorted(m for m in printed if not after.get(m) or after.get(m) != before.get(m)))


def member_folders(out_dir: Path) -> Iterator[tuple[str, str, Path]]:
    """Yield (group, member_id, folder) for every member folder in the output."""
    for group in GROUPS:
        root = OutputLayout(out_dir).group_folder(group)
        if root.is_dir():
            for folder in sorted(root.iterdir()):
                if folder.is_dir():
                    yield group, folder.name, folder


def stale_member_folders(out_dir: Path, wanted: Mapping[str, str]) -> list[tuple[str, str, Path]]:
    """Return folders of members not in the roster, or filed under a group they no longer belong to."""
    return [(g, m, f) for g, m, f in member_folders(out_dir) if wanted.get(m) != g]
