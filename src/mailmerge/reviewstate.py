"""What one start of the review app holds: its folder, its secrets, the port, the run as last opened and shown."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailmerge import mailing
from mailmerge.config import Config
from mailmerge.inputs import SUMMARY_NAME, CurrentInputs
from mailmerge.mail import EMAIL_TEMPLATE
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
    _opened: tuple[tuple[Any, ...], mailing.RunView] | None = None
    _live: _Live | None = None
    _tickets: itertools.count[int] = field(default_factory=itertools.count)
    _rows_lock: threading.Lock = field(default_factory=threading.Lock)
    _rows: tuple[tuple[int, int], dict[tuple[str, str], ManifestRow]] | None = None
    _shown_lock: threading.Lock = field(default_factory=threading.Lock)
    _shown: dict[str, tuple[mailing.RunView, Any, Any]] = field(default_factory=dict)

    def run_view(self, checked: tuple[tuple[Any, ...], CurrentInputs] | None = None) -> mailing.RunView:
        """Return the run with the decisions, its files checked and the lock as they are now.

        "Now" is after the request asking came in: a request that waits while another refreshes the
        run takes the next refresh, begun after it came, which every request waiting with it shares
        (twenty reviewers opening the list at once cost two refreshes, not twenty). What did not change
        is kept: the run is opened again (roster read, templates checked) only when one of its files
        changed, the decisions are read again only when review.db holds a newer one, and the same view
        is returned while nothing changed, so what was made of it can be kept too (``shown``).
        ``checked``: the inputs as `check` has just read them, with the signature (file_signature)
        of the files they were read from; used instead of reading the roster again while those
        files are still the ones this run is opened from.
        """
        came = next(self._tickets)
        with self._view_lock:
            live = self._live
            if live is not None and live.began > came:
                return live.view
            began = next(self._tickets)
            key = self._inputs()
            if self._opened is None or self._opened[0] != key:
                given = checked[1] if checked is not None and set(checked[0]) <= set(key) else None
                # manifest.csv is the key's first file: unchanged (the roster saved again), its rows are kept.
                rows = self._opened[1].rows if self._opened is not None and self._opened[0][0] == key[0] else None
                self._opened = (key, mailing.open_undecided(self.config, self.out_dir, given, rows))
            opened = self._opened[1]
            version = mailing.decisions_version(self.out_dir)  # before the decisions: a newer one is read next time
            if live is not None and live.opened is opened and live.version == version:
                decided = live.decided
            else:
                decided = mailing.with_decisions(opened)
            disk = mailing.on_disk(decided)
            if live is not None and live.decided is decided and live.disk == disk:
                view = live.view
            else:
                view = mailing.with_files_checked(decided, disk)
            self._live = _Live(began, opened, version, decided, disk, view)
            return view

    def shown(self, name: str, view: mailing.RunView, key: Any, make: Callable[[], Any]) -> Any:
        """Return what ``make`` made of ``view`` (a page's body), made again only for another view or ``key``.

        One at a time: reviewers asking for the same page at once wait for one making, not make it each.
        """
        with self._shown_lock:
            kept = self._shown.get(name)
            if kept is not None and kept[0] is view and kept[1] == key:
                return kept[2]
            made = make()
            self._shown[name] = (view, key, made)
            return made

    def _inputs(self) -> tuple[Any, ...]:
        """Return what the run as shown is made from, as (size, mtime, inode) of each file."""
        return file_signature(
            [
                self.out_dir / MANIFEST_NAME,
                self.out_dir / SUMMARY_NAME,
                self.config.path,
                self.config.roster,
                *self.config.documents.values(),
                self.config.root / EMAIL_TEMPLATE,  # the e-mail an approval covers (mailreview)
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


@dataclass(frozen=True)
class _Live:
    """The run as last refreshed: when it began (a ticket), what it was made from, and the view."""

    began: int
    opened: mailing.RunView
    version: tuple[int, ...]
    decided: mailing.RunView
    disk: mailing.OnDisk
    view: mailing.RunView
