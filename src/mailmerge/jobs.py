"""Long work off the request thread: a run, a print, a seal or the archive's check as a background job.

A job runs in a thread of the server process; its state, progress and result are kept in DIR/jobs.db
(store.JobStore), so a reload or another browser shows them. One job at a time per output folder
(the run's and the print's own locks refuse a second one from the command line too). 中止 stops a job
as Ctrl-C stops the command: at the next document, never between a document's two files.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailmerge.fsutil import make_private_dir
from mailmerge.models import JOB_DONE, JOB_FAILED
from mailmerge.store import JOBS_DB_NAME, JobStore

LOG = logging.getLogger("mailmerge.jobs")
# Seconds between two progress writes.
PROGRESS_EVERY = 0.25


def now_utc() -> str:
    """Return the time now as the stores keep it (ISO 8601, UTC, to the second)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Stop:
    """A stop asked for from another thread, taken where the CLI takes Ctrl-C (``held`` makes it wait)."""

    def __init__(self) -> None:
        self._asked = threading.Event()
        self._depth = 0

    def ask(self) -> None:
        self._asked.set()

    @property
    def asked(self) -> bool:
        return self._asked.is_set()

    def take(self) -> None:
        """Stop here (KeyboardInterrupt, as Ctrl-C) when asked and not inside a held block."""
        if self._asked.is_set() and not self._depth:
            raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a stop until the block is over (a document's files placed and journaled), then stop."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        self.take()


class JobProgress:
    """A pipeline Progress that records the stage and its count in the job's row (and takes a stop)."""

    def __init__(self, store: JobStore, job_id: int, stop: Stop):
        self.store, self.job_id, self.stop = store, job_id, stop
        self.lines: list[str] = []
        # The count as it is now, for the pages of this server (the row is written a few times a second).
        self.done, self.total = 0, 0

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        self.store.update(self.job_id, stage=label, done=0, total=total)
        self.done, self.total = 0, total
        done, written = 0, time.monotonic()

        def advance(n: int = 1) -> None:
            nonlocal done, written
            done += n
            self.done = done
            # A row written (and synced) per document would slow a run of thousands: a few a second.
            if done == total or time.monotonic() - written >= PROGRESS_EVERY:
                self.store.update(self.job_id, done=done)
                written = time.monotonic()
            self.stop.take()

        yield advance
        self.store.update(self.job_id, done=done)

    def info(self, message: str) -> None:
        self.lines.append(message)
        self.store.update(self.job_id, stage=message)


@dataclass
class Jobs:
    """The jobs of one server start: at most one running per output folder."""

    server: str = field(default_factory=lambda: secrets.token_hex(8))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _running: dict[Path, tuple[int, str, Stop, threading.Thread]] = field(default_factory=dict)
    _progress: dict[int, JobProgress] = field(default_factory=dict)

    def store(self, out_dir: Path) -> JobStore:
        return JobStore(out_dir / JOBS_DB_NAME)

    def start(
        self,
        out_dir: Path,
        kind: str,
        work: Callable[[JobProgress, Stop], dict[str, Any]],
        failed: Callable[[BaseException], tuple[str, dict[str, Any]]],
        stage: str = "",
    ) -> tuple[int, bool]:
        """Start ``work`` in a thread unless a job already runs for the folder; return (job id, started).

        ``work`` returns the result the page shows; ``failed`` turns what it raised into a state
        ('failed' or 'stopped') and a result. ``stage``: what the work does first, shown until it
        names a stage of its own (the page right after the button shows it, not an empty bar).
        """
        with self._lock:
            running = self._running.get(out_dir)
            if running is not None and running[3].is_alive():
                return running[0], False
            make_private_dir(out_dir)
            store = self.store(out_dir)
            store.end_orphans(self.server, now_utc())
            job_id = store.start(kind, self.server, now_utc(), stage)
            stop = Stop()
            progress = self._progress[job_id] = JobProgress(store, job_id, stop)
            thread = threading.Thread(
                target=self._run, args=(store, job_id, work, failed, progress), daemon=True, name=f"mailmerge-{kind}"
            )
            self._running[out_dir] = (job_id, kind, stop, thread)
            thread.start()
            return job_id, True

    def _run(
        self,
        store: JobStore,
        job_id: int,
        work: Callable[[JobProgress, Stop], dict[str, Any]],
        failed: Callable[[BaseException], tuple[str, dict[str, Any]]],
        progress: JobProgress,
    ) -> None:
        stop = progress.stop
        try:
            result = work(progress, stop)
            store.update(job_id, state=JOB_DONE, finished_at=now_utc(), result={**result, "lines": progress.lines})
        except BaseException as exc:  # the thread's end: whatever stopped the work is the job's result
            if not isinstance(exc, (KeyboardInterrupt, Exception)):
                raise
            state, result = failed(exc)
            if state == JOB_FAILED and type(exc).__module__.split(".")[0] != "mailmerge":
                LOG.exception("job %s failed", job_id)  # a bug: the traceback for whoever fixes it (no names in it)
            store.update(job_id, state=state, finished_at=now_utc(), result={**result, "lines": progress.lines})
        finally:
            self._progress.pop(job_id, None)  # from now on the row says it all

    def live(self, job_id: int) -> tuple[int, int] | None:
        """Return (done, total) of a job this server runs, as counted now."""
        progress = self._progress.get(job_id)
        return (progress.done, progress.total) if progress is not None else None

    def running(self, out_dir: Path) -> tuple[int, str] | None:
        """Return (job id, kind) of the job running for a folder in this server, if any."""
        with self._lock:
            running = self._running.get(out_dir)
        return (running[0], running[1]) if running is not None and running[3].is_alive() else None

    def stop(self, out_dir: Path, job_id: int) -> bool:
        """Ask the folder's running job to stop (as Ctrl-C); return False when it is not running."""
        with self._lock:
            running = self._running.get(out_dir)
        if running is None or running[0] != job_id or not running[3].is_alive():
            return False
        running[2].ask()
        self.store(out_dir).mark_stopping(job_id)
        return True

    def shutdown(self, timeout: float) -> None:
        """Stop every running job (as Ctrl-C stops a command) and wait for them: the server is stopping."""
        with self._lock:
            running = [r for r in self._running.values() if r[3].is_alive()]
        for _job_id, _kind, stop, _thread in running:
            stop.ask()
        for _job_id, _kind, _stop, thread in running:
            thread.join(timeout)

    def wait(self, out_dir: Path, timeout: float | None = None) -> None:
        """Wait for the folder's job to end (the server's shutdown; tests)."""
        with self._lock:
            running = self._running.get(out_dir)
        if running is not None:
            running[3].join(timeout)
