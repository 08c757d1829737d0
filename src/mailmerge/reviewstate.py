"""What one start of the review app holds: its folder, its secrets, the port, and the run as last opened."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailmerge import mailing
from mailmerge.config import Config
from mailmerge.inputs import SUMMARY_NAME, CurrentInputs
from mailmerge.manifest import MANIFEST_NAME, read_manifest
from mailmerge.models import ManifestRow


@dataclass
class ReviewState:
    """What one start of the app holds: its folder, its secrets, the port it was given."""

    config: Config
    out_dir: Path
    token: str
    csrf: str
    port: int | None
    archive_dir: Path | None = None
    _view_lock: threading.Lock = field(default_factory=threading.Lock)
    _view: tuple[tuple[Any, ...], mailing.RunView] | None = None
    _rows_lock: threading.Lock = field(default_factory=threading.Lock)
    _rows: tuple[tuple[int, int], dict[tuple[str, str], ManifestRow]] | None = None

    def run_view(self, checked: tuple[tuple[Any, ...], CurrentInputs] | None = None) -> mailing.RunView:
        """Return the run with the decisions as they are now.

        Opening a run reads the roster and checks the templates: it is done again only when one of
        those files changed, and the decisions (one query) are read afresh for every request.
        ``checked``: the inputs as `check` has just read them, with the signature (file_signature)
        of the files they were read from; used instead of reading the roster again while those
        files are still the ones this run is opened from.
        """
        key = self._inputs()
        with self._view_lock:
            if self._view is None or self._view[0] != key:
                given = checked[1] if checked is not None and set(checked[0]) <= set(key) else None
                self._view = (key, mailing.open_run(self.config, self.out_dir, current=given))
            view = self._view[1]
        return mailing.refresh(view)

    def _inputs(self) -> tuple[Any, ...]:
        """Return what the run as shown is made from, as (size, mtime, inode) of each file."""
        return file_signature(
            [
                self.out_dir / MANIFEST_NAME,
                self.out_dir / SUMMARY_NAME,
                self.config.path,
                self.config.roster,
                *self.config.documents.values(),
            ]
        )

    def manifest_row(self, member_id: str, document: str) -> ManifestRow | None:
        """Return the manifest's row for a member's document (read again only when manifest.csv changed).

        Page images and files need only this, not the whole run: 20 thumbnails on a screen
        must not read the roster 20 times.
        """
        path = self.out_dir / MANIFEST_NAME
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        with self._rows_lock:
            if self._rows is None or self._rows[0] != key:
                rows = {(r.member_id, r.document): r for r in read_manifest(path)}
                self._rows = (key, rows)
            return self._rows[1].get((member_id, document))

    @property
    def cookie_name(self) -> str:
        # Cookies ignore the port: two review apps open at once must not overwrite each other's.
        return f"mailmerge_token_{self.port}" if self.port else "mailmerge_token"


def file_signature(paths: list[Path]) -> tuple[Any, ...]:
    """Return (path, size, mtime, inode) of each file (None for one missing): what tells a cached reading is current."""
    signature: list[tuple[Any, ...]] = []
    for path in paths:
        try:
            stat = Path(path).stat()
            signature.append((str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino))
        except OSError:
            signature.append((str(path), None))
    return tuple(signature)
