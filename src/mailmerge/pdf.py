"""Convert DOCX to PDF with LibreOffice: one soffice per core, files shared out by weight, deadlines, one retry.

The scheduler: which files each soffice converts, what is tried again, when to give up.
Running one soffice is soffice.py's part. Files to convert are either there already or
arrive through a queue as another thread writes them (``written``), so that writing the
next files overlaps the conversion of the first.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mailmerge import messages, soffice
from mailmerge.batches import Schedule, Task
from mailmerge.errors import ConversionError, LibreOfficeNotWorking
from mailmerge.soffice import SOFFICE_ENV, find_soffice, ipc_pipes, stop_strays

__all__ = [
    "SOFFICE_ENV",
    "Conversion",
    "ConversionFailure",
    "Converter",
    "convert_to_pdf",
    "find_soffice",
    "ipc_pipes",
    "stop_strays",
    "worker_count",
]

ATTEMPTS = 2  # the first try and one retry
DEFAULT_BATCH = 40  # files per soffice process: far below the ~250 at which soffice silently stops
# LibreOffice is taken as not working at all when this many soffice runs in a row (at least one
# per worker) were stopped by their deadline or crashed before any PDF came out: the run stops
# then, rather than giving every file its two attempts at the full deadline (hours).
BROKEN_AFTER = 2


@dataclass(frozen=True)
class Conversion:
    """One DOCX to convert and where its PDF goes; ``label`` names it in errors (no personal data).

    ``weight`` is how much work it is for LibreOffice compared with the others (any unit):
    batches are shared out by it, so that the workers finish together.
    """

    docx: Path
    pdf: Path
    label: str = ""
    weight: float = 1.0

    @property
    def name(self) -> str:
        return self.label or self.docx.name


@dataclass(frozen=True)
class ConversionFailure:
    """A document LibreOffice did not turn into a PDF (after its retry), or that could not be written, and why."""

    conversion: Conversion
    reason: str

    def __str__(self) -> str:
        return f"{self.conversion.name}: {self.reason}"


# What a writer puts in the ``written`` queue after its last file (or an exception, if it failed).
END = None


def worker_count(workers: int = 0) -> int:
    """Return how many soffice processes run at once for ``workers`` (0 = one per core)."""
    return workers if workers > 0 else len(os.sched_getaffinity(0))


def convert_to_pdf(
    conversions: Sequence[Conversion],
    *,
    workers: int = 0,
    timeout: float = 120.0,
    batch_size: int = DEFAULT_BATCH,
    temp_root: Path | None = None,
) -> None:
    """Convert every DOCX (all written already) to its PDF; raise ConversionError listing those that failed."""
    with Converter(
        conversions, workers=workers, timeout=timeout, batch_size=batch_size, temp_root=temp_root
    ) as converter:
        failures = [outcome for outcome in converter if isinstance(outcome, ConversionFailure)]
    if failures:
        position = {conversion: index for index, conversion in enumerate(conversions)}
        failures.sort(key=lambda failure: position[failure.conversion])  # in the caller's order
        raise ConversionError(
            messages.CONVERSION_FAILED.format(failures="\n".join(f"  {failure}" for failure in failures))
        )


class Converter:
    """Convert files with LibreOffice; iterate over it for each Conversion done or ConversionFailure, as they come.

    ``workers`` soffice processes run at once (0 = one per CPU core), each with its own
    throw-away profile; each is given up to ``batch_size`` files, and a file that takes longer
    than ``timeout`` seconds gets its process group killed. A file that fails is tried once more
    on its own. With ``written``, the files are not there yet: a writer puts each Conversion in
    the queue once its DOCX is written (or a ConversionFailure when it cannot be written), best
    in the order of ``order``, then END (or the exception that stopped it). Leaving the
    ``with`` block, also on Ctrl-C, kills every soffice and removes every temporary file (they
    live under ``temp_root``, default the system's temp folder). Raise LibreOfficeNotWorking when
    soffice makes no PDF at all and keeps hanging or crashing.
    """

    def __init__(
        self,
        conversions: Sequence[Conversion],
        *,
        written: queue.Queue | None = None,
        workers: int = 0,
        timeout: float = 120.0,
        batch_size: int = DEFAULT_BATCH,
        temp_root: Path | None = None,
    ):
        self._program = find_soffice()
        self._tasks = [Task(conversion, index) for index, conversion in enumerate(conversions)]
        self._schedule = Schedule(self._tasks, min(worker_count(workers), len(self._tasks)) or 1, batch_size)
        # The order the files will be needed in (computed before any worker takes one): a writer
        # should write them in this order.
        self.order = [task.conversion for task in self._schedule.need_order()]
        self._written = written
        self._timeout = timeout
        self._temp_root = temp_root
        self._events: queue.Queue = queue.Queue()
        self._processes: set = set()  # the soffice processes running (under the schedule's lock)
        self._threads: list[threading.Thread] = []
        self._root: Path | None = None
        self._by_conversion = {task.conversion: task for task in self._tasks}
        self._pulling = False
        self._stopped_runs = 0  # soffice runs in a row stopped by deadline or crash before any PDF came out
        self._any_pdf = False

    def __enter__(self) -> Converter:
        if not self._tasks:
            return self
        self._root = Path(tempfile.mkdtemp(prefix="mailmerge-soffice-", dir=self._temp_root))
        installation = soffice.Installation.of(self._program)
        self._threads = [
            threading.Thread(target=self._work, args=(self._root / f"worker{n}", installation), daemon=True)
            for n in range(self._schedule.workers)
        ]
        try:
            for thread in self._threads:
                thread.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __iter__(self) -> Iterator[Conversion | ConversionFailure]:
        remaining = len(self._tasks)
        while remaining:
            try:
                kind, payload = self._events.get(timeout=1)
            except queue.Empty:
                if not any(thread.is_alive() for thread in self._threads):
                    raise ConversionError(messages.WORKERS_STOPPED) from None
                continue
            if kind == "crash":
                raise payload
            remaining -= 1
            yield payload

    def __exit__(self, *exc: object) -> None:
        # Reached on success, on an error in the caller's loop, and on Ctrl-C (KeyboardInterrupt) alike.
        self._schedule.cancel()
        with self._schedule.lock:
            processes = list(self._processes)
        for process in processes:
            soffice.kill_group(process)
        for thread in self._threads:
            _join(thread)
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def _report(self, outcome: Conversion | ConversionFailure) -> None:
        """Tell the caller's thread a file is over: its Conversion (done) or a ConversionFailure."""
        conversion = outcome if isinstance(outcome, Conversion) else outcome.conversion
        self._schedule.settle(conversion.weight)
        self._events.put(("done", outcome))

    def _work(self, folder: Path, installation: soffice.Installation) -> None:
        try:
            profile, tmp, inbox, outbox = (folder / name for name in ("profile", "tmp", "in", "out"))
            fresh = True
            while True:
                batch = self._schedule.take()
                if batch is None:
                    return
                if fresh:  # a new profile after a kill too: a killed soffice may leave it locked or half-written
                    soffice.seed_profile(profile, tmp, installation)
                requeue, fresh = self._convert(batch, profile, tmp, inbox, outbox)
                self._schedule.give_back(requeue)
        except _Cancelled:
            return
        except BaseException as exc:  # surfaced in the caller's thread, which cleans up
            self._events.put(("crash", exc))

    def _convert(
        self, batch: list[Task], profile: Path, tmp: Path, inbox: Path, outbox: Path
    ) -> tuple[list[Task], bool]:
        """Run one soffice over the batch; report finished files; return (files to queue again, profile spoiled)."""
        # soffice starts once the first file is written (starting takes it ~0.4 s, the first file
        # longer): the others are written meanwhile, in order, well before it gets to them. If it
        # gets to one first, that file is "not loaded" and tried again on its own, like any other.
        while batch and not self._ready(batch[0]):
            batch = batch[1:]
        if not batch:
            return [], False
        with self._schedule.lock:
            if self._schedule.cancelled:
                raise _Cancelled
            process = soffice.start(
                self._program, profile, tmp, inbox, outbox, [task.conversion.docx for task in batch]
            )
            self._processes.add(process)
        finished = [False] * len(batch)

        def look(announced: int) -> None:
            # Looking now and then takes a finished PDF while soffice loads the next file, rather
            # than after it announces that one.
            for number in range(announced + 1):
                if not finished[number]:
                    finished[number] = self._collect(batch[number], outbox / f"{number:05d}.pdf")

        try:
            for task in batch[1:]:
                self._ready(task)  # one that cannot be written is reported now; _collect skips it
            watched = soffice.watch(process, self._timeout, look, lambda: self._schedule.cancelled)
        finally:
            soffice.kill_group(process, profile)  # also any straggler of a soffice that exited
            with self._schedule.lock:
                self._processes.discard(process)
        if self._schedule.cancelled:
            raise _Cancelled
        return self._settle_batch(batch, finished, watched, process.returncode, outbox)

    def _settle_batch(
        self, batch: list[Task], finished: list[bool], watched: soffice.Watched, returncode: int, outbox: Path
    ) -> tuple[list[Task], bool]:
        """Decide, once soffice is over, which files failed, which are tried again, and whether to give up."""
        # soffice exits 0 whatever happened to the files; non-zero means it crashed or was killed.
        stopped = watched.timed_out or returncode != 0
        said = soffice.own_words(watched.lines)
        if watched.timed_out:
            stop_reason = messages.SOFFICE_TIMED_OUT.format(timeout=self._timeout)
        else:
            stop_reason = messages.SOFFICE_CRASHED.format(status=returncode) + (
                messages.SOFFICE_SAID.format(said=said) if said else ""
            )
        detail = next((line for line in reversed(watched.lines) if line.startswith("Error")), "")
        unreadable = messages.SOFFICE_UNREADABLE + (messages.SOFFICE_SAID.format(said=detail) if detail else "")
        # soffice announces a file once it has loaded it and goes through the files in order: a
        # missing PDF before the last announced file failed; if it stopped, the one it was busy
        # with (the last announced, or else the next) is the culprit, and the rest never started.
        announced = watched.announced
        missing = [
            n for n in range(len(batch)) if not finished[n] and not self._collect(batch[n], outbox / f"{n:05d}.pdf")
        ]
        self._note_run(stopped and len(missing) == len(batch), stop_reason)
        culprit = announced if announced in missing else next((n for n in missing if n > announced), None)
        requeue: list[Task] = []
        for number in missing:
            task = batch[number]
            if number < announced or not stopped:
                self._failed_attempt(task, unreadable, requeue)
            elif number == culprit:
                self._failed_attempt(task, stop_reason, requeue)
            else:
                requeue.append(task)
        return requeue, stopped

    def _note_run(self, fruitless: bool, reason: str) -> None:
        """Count soffice runs stopped before any PDF came out; raise when LibreOffice is plainly not working."""
        with self._schedule.lock:
            if not fruitless:
                self._stopped_runs = 0
                return
            self._stopped_runs += 1
            if self._any_pdf or self._stopped_runs < max(BROKEN_AFTER, self._schedule.workers):
                return
        raise LibreOfficeNotWorking(messages.SOFFICE_NOT_WORKING.format(runs=self._stopped_runs, reason=reason))

    def _ready(self, task: Task) -> bool:
        """Wait until the file is written (taking what the writer sent); report it failed and return False if
        unusable.
        """
        while True:
            with self._schedule.lock:
                while task.state == "new" and self._pulling and not self._schedule.cancelled:
                    self._schedule.lock.wait()
                if self._schedule.cancelled:
                    raise _Cancelled
                if task.state != "new":
                    break
                self._pulling = True
            try:
                self._pull()
            finally:
                with self._schedule.lock:
                    self._pulling = False
                    self._schedule.lock.notify_all()
        if task.state == "unusable":
            self._report(ConversionFailure(task.conversion, task.problem))
            return False
        return True

    def _pull(self) -> None:
        """Take the next item from the writer's queue (or, without one, accept every file as written)."""
        if self._written is None:
            items: list = [task.conversion for task in self._tasks if task.state == "new"]
        else:
            while True:
                try:
                    items = [self._written.get(timeout=0.1)]
                    break
                except queue.Empty:
                    if self._schedule.cancelled:
                        raise _Cancelled from None
        for item in items:
            if isinstance(item, BaseException):
                raise item
            if item is END:
                for task in self._tasks:
                    if task.state == "new":
                        task.state, task.problem = "unusable", messages.DOCX_NOT_WRITTEN
                continue
            conversion = item.conversion if isinstance(item, ConversionFailure) else item
            task = self._by_conversion[conversion]
            problem = item.reason if isinstance(item, ConversionFailure) else soffice.docx_problem(conversion.docx)
            task.state, task.problem = ("unusable", problem) if problem else ("ready", "")

    def _collect(self, task: Task, output: Path) -> bool:
        """Move a complete PDF soffice wrote to its destination and report it; return False if there is none."""
        if task.state == "unusable":  # reported failed already: whatever soffice made of it is not kept
            output.unlink(missing_ok=True)
            return True
        if not soffice.take_pdf(output, task.conversion.pdf):
            return False
        self._any_pdf = True
        self._report(task.conversion)
        return True

    def _failed_attempt(self, task: Task, reason: str, requeue: list[Task]) -> None:
        task.attempts += 1
        if task.attempts >= ATTEMPTS:
            self._report(ConversionFailure(task.conversion, reason))
        else:
            task.alone = True
            requeue.append(task)


def _join(thread: threading.Thread) -> None:
    """Wait for a thread to end, also one whose start() a Ctrl-C interrupted.

    Such a thread is usually running already (start() was waiting for it to say so) and must be
    waited for before its files are removed; one that never started cannot be joined at all.
    """
    deadline = time.monotonic() + 1
    while True:
        try:
            thread.join()
            return
        except RuntimeError:  # "cannot join thread before it is started"
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)


class _Cancelled(Exception):
    pass
