"""The files a person replaces from the workspace (the roster): uploads waiting, the current file, dated earlier copies.

Nothing is overwritten without a copy: replacing the roster first copies the current one to
``<stem>-YYYYMMDD-HHMMSS<suffix>`` beside it (Japan time), listed with previous_versions().
An upload is stored under a random name: the name the browser sends is never used for a path.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mailmerge import messages
from mailmerge.dates import JST
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import make_private_dir, write_atomic

UPLOADS = ".uploads"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Version:
    """An earlier copy of a file: its name (in the same folder) and when it was set aside (JST)."""

    path: Path
    saved_at: datetime


def save_upload(current: Path, data: bytes, suffix: str, limit: int) -> str:
    """Keep an uploaded replacement for ``current`` under a random name; return its id.

    ``suffix`` (from the uploaded name) must be the current file's type: the config names the file.
    """
    suffix = suffix.lower()
    if suffix != current.suffix.lower():
        raise MailmergeError(
            messages.UPLOAD_WRONG_TYPE.format(suffix=suffix or "（拡張子なし）", wanted=current.suffix)
        )
    if not data:
        raise MailmergeError(messages.UPLOAD_EMPTY)
    if len(data) > limit:
        raise MailmergeError(messages.UPLOAD_TOO_LARGE.format(limit=limit >> 20))
    folder = current.parent / UPLOADS
    make_private_dir(folder)
    upload_id = secrets.token_hex(16)
    write_atomic(folder / f"{upload_id}{current.suffix}", data)
    return upload_id


def upload_path(current: Path, upload_id: str) -> Path:
    """Return where an upload waits; raise when the id is not one save_upload gave or the file is gone."""
    path = current.parent / UPLOADS / f"{upload_id}{current.suffix}"
    if not _UPLOAD_ID.match(upload_id) or not path.is_file():
        raise MailmergeError(messages.UPLOAD_GONE)
    return path


def upload_work_dir(current: Path, upload_id: str, kind: str) -> Path:
    """Return the folder where the workspace keeps what it made from a waiting upload (``kind``: proofs…).

    It goes with the upload: replace() and discard_upload() remove it.
    """
    upload_path(current, upload_id)  # a known upload only
    return current.parent / UPLOADS / kind / upload_id


def replace(current: Path, upload_id: str, now: datetime | None = None) -> Path | None:
    """Make the upload the current file, the current one first copied to a dated name; return that copy."""
    waiting = upload_path(current, upload_id)
    kept = keep_copy(current, now) if current.is_file() else None
    os.replace(waiting, current)
    _remove_work_dirs(current, upload_id)
    return kept


def keep_copy(current: Path, now: datetime | None = None) -> Path:
    """Copy a file to its dated name (Japan time) before it is changed; return the copy."""
    stamp = (now or datetime.now(UTC)).astimezone(JST).strftime("%Y%m%d-%H%M%S")
    kept = current.with_name(f"{current.stem}-{stamp}{current.suffix}")
    shutil.copy2(current, kept)
    os.chmod(kept, 0o600)
    return kept


def previous_versions(current: Path) -> list[Version]:
    """Return the dated copies of a file, newest first."""
    pattern = re.compile(re.escape(current.stem) + r"-(\d{8}-\d{6})" + re.escape(current.suffix) + "$")
    found = []
    for path in current.parent.glob(f"{current.stem}-*{current.suffix}"):
        match = pattern.match(path.name)
        if match:
            saved = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=JST)
            found.append(Version(path, saved))
    return sorted(found, key=lambda v: v.saved_at, reverse=True)


def discard_upload(current: Path, upload_id: str) -> None:
    """Remove an upload the person did not take (it was only ever a copy of their file)."""
    if _UPLOAD_ID.match(upload_id):  # an id save_upload gave; already gone is as good as removed
        (current.parent / UPLOADS / f"{upload_id}{current.suffix}").unlink(missing_ok=True)
        _remove_work_dirs(current, upload_id)


def _remove_work_dirs(current: Path, upload_id: str) -> None:
    """Remove what was made from an upload taken or given up (a proof's run: a member's letter), and its kind's
    folder when nothing else waits there. The person's files are never under UPLOADS.
    """
    for folder in (current.parent / UPLOADS).glob(f"*/{upload_id}"):
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
            with contextlib.suppress(OSError):  # another upload's work still there
                folder.parent.rmdir()
