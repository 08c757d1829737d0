"""Convert DOCX to PDF with LibreOffice: one headless soffice per core, batched, with deadlines and one retry."""

from __future__ import annotations

import hashlib
import os
import queue
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from mailmerge.errors import ConversionError, MailmergeError
from mailmerge.fsutil import FILE_MODE

# Set this to the soffice program to use instead of the one on PATH.
SOFFICE_ENV = "MAILMERGE_SOFFICE"
INSTALL_HINT = "install LibreOffice: sudo apt-get install libreoffice-writer-nogui"
ATTEMPTS = 2  # the first try and one retry
DEFAULT_BATCH = 40  # files per soffice process: far below the ~250 at which soffice silently stops
_CONVERT_LINE = re.compile(r"^convert (?P<input>.+?) -> ")
_STAGED = re.compile(r"(\d{5})\.docx$")
_PDF_TAIL = 1024
_POLL = 0.05  # seconds between looks for finished PDFs


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
    """A document LibreOffice did not turn into a PDF, after its retry, and why."""

    conversion: Conversion
    reason: str

    def __str__(self) -> str:
        return f"{self.conversion.name}: {self.reason}"


def find_soffice() -> Path:
    """Return the soffice program: $MAILMERGE_SOFFICE, else soffice or libreoffice on PATH."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        path = Path(configured)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ConversionError(f"{SOFFICE_ENV}={configured}: no such program; point it at LibreOffice's soffice, or unset it ({INSTALL_HINT})")
        return path
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ConversionError(f"LibreOffice (soffice) was not found on PATH; {INSTALL_HINT}")


def worker_count(workers: int = 0) -> int:
    """Return how many soffice processes convert_to_pdf runs at once for ``workers`` (0 = one per core)."""
    return workers if workers > 0 else len(os.sched_getaffinity(0))


def convert_to_pdf(
    conversions: Sequence[Conversion],
    *,
    workers: int = 0,
    timeout: float = 120.0,
    batch_size: int = DEFAULT_BATCH,
    on_done: Callable[[Conversion], None] | None = None,
    prepare: Callable[[Conversion], None] | None = None,
    check: bool = True,
    temp_root: Path | None = None,
) -> tuple[ConversionFailure, ...]:
    """Convert every DOCX to its PDF; return the failures, or raise ConversionError listing them (``check``).

    ``workers`` soffice processes run at once (0 = one per CPU core), each with its own throw-away
    profile; each is given up to ``batch_size`` files, and a file that takes longer than ``timeout``
    seconds gets its process group killed. A file that fails is tried once more on its own.
    ``on_done`` is called in the calling thread as each PDF is in place. ``prepare``, if given,
    writes a conversion's DOCX before soffice needs it, in a helper thread working ahead in queue
    order (or in the worker that needs it first), so that it overlaps the conversions; a
    MailmergeError it raises fails that conversion. Afterwards, and on Ctrl-C, no
    soffice process and no temporary file is left (they live under ``temp_root``, default the
    system's temp folder).
    """
    soffice = find_soffice()
    failures: list[ConversionFailure] = []
    if conversions:
        jobs = [_Job(conversion, index) for index, conversion in enumerate(conversions)]
        engine = _Engine(soffice, jobs, min(worker_count(workers), len(jobs)), timeout, batch_size, temp_root, prepare)
        failures = engine.run(on_done)
    if failures and check:
        raise ConversionError(
            "LibreOffice で PDF に変換できなかった文書があります:\n"
            + "\n".join(f"  {failure}" for failure in failures)
            + "\nWord で開けるか確かめてから、もう一度実行してください。"
        )
    return tuple(failures)


def _not_a_docx(path: Path) -> str:
    # Checked here because soffice's exit code says nothing: given random bytes it "converts"
    # them as plain text, an empty file becomes a blank page, a missing one nothing at all.
    if not path.is_file():
        return "the DOCX file is missing"
    try:
        with zipfile.ZipFile(path) as package:
            package.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return "not a Word document (.docx): the file is damaged or of another kind"
    return ""


_SETUP_VERSION = re.compile(rb'<prop oor:name="ooSetupVersion">\s*<value>([0-9.]+)</value>')
_BUILD_ID = re.compile(rb"^buildid=(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class _Installation:
    """What a new profile must record for soffice to treat its start as a routine one ('' = unknown)."""

    version: str  # "7.4", from the registry
    build_id: str  # "40(Build:2)", from program/versionrc

    @classmethod
    def of(cls, soffice: Path) -> _Installation:
        program = soffice.resolve().parent
        return cls(
            _first_match(_SETUP_VERSION, program.parent / "share" / "registry" / "main.xcd"),
            _first_match(_BUILD_ID, program / "versionrc"),
        )


def _first_match(pattern: re.Pattern[bytes], path: Path) -> str:
    try:
        match = pattern.search(path.read_bytes())
    except OSError:
        return ""
    return match.group(1).decode() if match else ""


def _environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    # LibreOffice's own temporary files (lu*.tmp folders) land here, inside our scratch folder.
    env["TMPDIR"] = str(tmp)
    return env


def _seed_profile(profile: Path, installation: _Installation) -> None:
    """Create a throw-away LibreOffice profile that skips the first-start work.

    Headless soffice never records ooSetupLastVersion, so every start counts as the first after
    an upgrade and runs ~100 graphics render tests: 0.65 s of a 0.9 s start. And a profile
    without extensions/buildid makes soffice.bin rebuild the extension cache and restart itself:
    another 0.15 s (measured on LibreOffice 7.4). With both recorded a start takes ~0.3 s.
    """
    user = profile / "user"
    (user / "extensions").mkdir(parents=True)
    if installation.build_id:
        (user / "extensions" / "buildid").write_text(installation.build_id, encoding="utf-8")
    if installation.version:
        (user / "registrymodifications.xcu").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            '<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse">'
            f"<value>{installation.version}</value></prop></item>\n"
            "</oor:items>\n",
            encoding="utf-8",
        )


def ipc_pipes(profile_url: str) -> list[Path]:
    """Return where soffice may create the single-instance pipe for a profile URL.

    soffice.bin listens on /tmp/OSL_PIPE_<uid>_SingleOfficeIPC_<md5 of the URL, UTF-16, hex
    without leading zeros> (LibreOffice's officeipcthread.cxx) and removes it when it exits;
    a killed soffice leaves it behind.
    """
    digest = hashlib.md5(profile_url.encode("utf-16-le"), usedforsecurity=False).digest()
    name = f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_" + "".join(f"{byte:x}" for byte in digest)
    return [Path("/tmp") / name, Path("/var/tmp") / name]


def stop_strays(temp_root: Path) -> int:
    """Kill LibreOffice processes a killed run left working under ``temp_root``; return how many.

    A run killed by SIGKILL cannot stop its soffice processes (they run in their own
    session): they go on for seconds, writing combined PDFs under its temp_root, and would
    refill it after it is cleared. They are found by temp_root on their command line (as a
    path or a file:// URL); their single-instance pipes in /tmp go too. Call only while no
    other run can be using temp_root (the caller holds the output folder's lock).
    """
    needles = (str(temp_root) + os.sep, temp_root.as_uri() + "/")
    profile = re.compile(r"-env:UserInstallation=(\S+)")
    found = []
    pipes: set[Path] = set()
    for process in psutil.process_iter(["cmdline"]):
        if process.pid == os.getpid():
            continue
        cmdline = " ".join(process.info["cmdline"] or ())
        if any(needle in cmdline for needle in needles):
            found.append(process)
            pipes.update(p for url in profile.findall(cmdline) for p in ipc_pipes(url))
    for process in found:
        try:
            process.kill()
        except psutil.Error:
            pass
    # Not our children: wait until they are gone, or zombies (where nobody reaps orphans).
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(process) for process in found):
        time.sleep(0.05)
    for pipe in pipes:
        pipe.unlink(missing_ok=True)
    return len(found)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _kill_group(process: subprocess.Popen) -> None:
    """Kill a soffice and every process it started, and wait until they are gone.

    soffice is a script that runs oosplash, which starts soffice.bin: killing only the first
    (as subprocess.run(timeout=) does) leaves soffice.bin running, writing its PDF later.
    Children go first, so that their parent reaps them: an orphan killed together with its
    parent stays a zombie where the init process does not reap (as in containers).
    """
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    for child in reversed(children):
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(children, timeout=5)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


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


@dataclass
class _Job:
    conversion: Conversion
    index: int  # position in the caller's list: failures are reported in that order
    state: str = "new"  # new -> preparing -> ready, or unusable (``problem`` says why)
    problem: str = ""
    attempts: int = 0
    alone: bool = False  # a retry runs in a soffice of its own, so one bad file cannot take others down


class _Cancelled(Exception):
    pass


class _Engine:
    """The workers, their queue of jobs, and the soffice processes they run."""

    def __init__(
        self,
        soffice: Path,
        jobs: list[_Job],
        workers: int,
        timeout: float,
        batch_size: int,
        temp_root: Path | None,
        prepare: Callable[[Conversion], None] | None,
    ):
        self.soffice = soffice
        self.prepare = prepare
        self.jobs = jobs
        self.pending: deque[_Job] = deque(jobs)
        self.taken = 0  # jobs taken by workers for the first time (in queue order)
        self.index = {job.conversion: job.index for job in jobs}
        self.workers = workers
        self.timeout = timeout
        self.batch_size = max(1, batch_size)
        self.temp_root = temp_root
        self.busy = 0  # workers running a batch
        self.in_flight = 0.0  # weight of the jobs taken by workers and not yet done, failed or given back
        self.lock = threading.Condition()
        self.cancelled = False
        self.processes: set[subprocess.Popen] = set()
        self.events: queue.Queue = queue.Queue()

    def run(self, on_done: Callable[[Conversion], None] | None) -> list[ConversionFailure]:
        root = Path(tempfile.mkdtemp(prefix="mailmerge-soffice-", dir=self.temp_root))
        threads: list[threading.Thread] = []
        failures = []
        remaining = len(self.pending)  # counted before the workers start taking jobs
        try:
            installation = _Installation.of(self.soffice)
            threads = [
                threading.Thread(target=self._work, args=(root / f"worker{n}", installation), daemon=True)
                for n in range(self.workers)
            ]
            if self.prepare is not None:
                threads.append(threading.Thread(target=self._prepare_ahead, daemon=True))
            for thread in threads:
                thread.start()
            while remaining:
                try:
                    kind, payload = self.events.get(timeout=1)
                except queue.Empty:
                    if not any(thread.is_alive() for thread in threads):
                        raise RuntimeError("the conversion workers stopped with documents left") from None
                    continue
                if kind == "crash":
                    raise payload
                remaining -= 1
                if kind == "done":
                    if on_done is not None:
                        on_done(payload)
                else:
                    failures.append(payload)
        finally:
            # Reached on success, on an error in on_done, and on Ctrl-C (KeyboardInterrupt) alike.
            self._cancel()
            for thread in threads:
                _join(thread)
            shutil.rmtree(root, ignore_errors=True)
        return sorted(failures, key=lambda failure: self.index[failure.conversion])

    def _cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            processes = list(self.processes)
            self.lock.notify_all()
        for process in processes:
            _kill_group(process)

    def _take(self) -> list[_Job] | None:
        with self.lock:
            while True:
                if self.cancelled:
                    return None
                if self.pending:
                    self.busy += 1
                    if self.pending[0].alone:
                        batch = [self.pending.popleft()]
                    else:
                        # A fair share of the work left, counting what the other workers still have
                        # (by weight): with 8 like files and 2 workers each takes 4 (not 4, then 2,
                        # then 2 for a third start), and near the end a worker does not take the
                        # rest while another is about to be idle.
                        share = (sum(job.conversion.weight for job in self.pending) + self.in_flight) / self.workers
                        batch, weight = [], 0.0
                        while self.pending and len(batch) < self.batch_size and not self.pending[0].alone:
                            # Take the next file if that brings the batch nearer to the share.
                            if batch and weight + self.pending[0].conversion.weight / 2 > share:
                                break
                            batch.append(self.pending.popleft())
                            weight += batch[-1].conversion.weight
                    self.in_flight += sum(job.conversion.weight for job in batch)
                    self.taken = max([self.taken, *(job.index + 1 for job in batch)])
                    self.lock.notify_all()  # the preparer may go further ahead
                    return batch
                if self.busy == 0:
                    return None
                self.lock.wait()

    def _give_back(self, jobs: list[_Job]) -> None:
        with self.lock:
            self.pending.extendleft(reversed(jobs))
            self.in_flight -= sum(job.conversion.weight for job in jobs)
            self.busy -= 1
            self.lock.notify_all()

    def _report(self, kind: str, payload: Conversion | ConversionFailure) -> None:
        """Tell the caller's thread a job is over: "done" or "failed"."""
        conversion = payload if isinstance(payload, Conversion) else payload.conversion
        with self.lock:
            self.in_flight -= conversion.weight
        self.events.put((kind, payload))

    def _work(self, folder: Path, installation: _Installation) -> None:
        try:
            profile, tmp, inbox, outbox = (folder / name for name in ("profile", "tmp", "in", "out"))
            fresh = True
            while True:
                batch = self._take()
                if batch is None:
                    return
                if fresh:
                    # A new profile after a kill too: a killed soffice may leave it locked or half-written.
                    for path in (profile, tmp):
                        shutil.rmtree(path, ignore_errors=True)
                    _seed_profile(profile, installation)
                    tmp.mkdir(parents=True)
                requeue, fresh = self._convert(batch, profile, tmp, inbox, outbox)
                self._give_back(requeue)
        except _Cancelled:
            return
        except BaseException as exc:  # surfaced in the caller's thread, which cleans up
            self.events.put(("crash", exc))

    def _convert(self, batch: list[_Job], profile: Path, tmp: Path, inbox: Path, outbox: Path) -> tuple[list[_Job], bool]:
        """Run one soffice over the batch; report finished jobs; return (jobs to queue again, profile spoiled)."""
        # soffice starts once the first file is written (starting takes it ~0.4 s, the first file
        # longer): the others are written meanwhile, in order, well before it gets to them. If it
        # gets to one first, that file is "not loaded" and tried again on its own, like any other.
        while batch and not self._ready(batch[0]):
            batch = batch[1:]
        if not batch:
            return [], False
        for folder in (inbox, outbox):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        # Staged under numbered names: outputs cannot collide (every member has a letter.docx),
        # and file names, which may be personal, never reach soffice's command line or output.
        staged = []
        for number, job in enumerate(batch):
            link = inbox / f"{number:05d}.docx"
            link.symlink_to(job.conversion.docx.resolve())
            staged.append(link)
        profile_url = profile.as_uri()
        command = [
            str(self.soffice),
            f"-env:UserInstallation={profile_url}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            # Only the Word filter: without it soffice reads a damaged file as plain text.
            "--infilter=MS Word 2007 XML",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outbox),
            *map(str, staged),
        ]
        with self.lock:
            if self.cancelled:
                raise _Cancelled
            try:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group, killed as a whole
                    env=_environment(tmp),
                    cwd=tmp,
                )
            except OSError as exc:
                raise ConversionError(f"{self.soffice}: cannot be started ({exc.strerror}); {INSTALL_HINT}") from None
            self.processes.add(process)
        finished = [False] * len(batch)
        try:
            for job in batch[1:]:
                self._ready(job)  # one that cannot be written is reported now; _place skips it
            timed_out, announced, last_lines = self._watch(process, batch, finished, outbox)
        finally:
            _kill_group(process)  # also any straggler of a soffice that exited
            for pipe in ipc_pipes(profile_url):
                pipe.unlink(missing_ok=True)  # ours alone: the profile folder is new
            with self.lock:
                self.processes.discard(process)
        if self.cancelled:
            raise _Cancelled

        # soffice exits 0 whatever happened to the files; non-zero means it crashed or was killed.
        stopped = timed_out or process.returncode != 0
        if timed_out:
            stop_reason = f"LibreOffice took longer than {self.timeout:g} s; its processes were stopped"
        else:
            stop_reason = f"LibreOffice stopped unexpectedly (exit status {process.returncode})"
        detail = next((line for line in reversed(last_lines) if line.startswith("Error")), "")
        unreadable = "LibreOffice could not read it or wrote no PDF" + (f" ({detail})" if detail else "")
        # soffice announces a file once it has loaded it and goes through the files in order: a
        # missing PDF before the last announced file failed; if it stopped, the one it was busy
        # with (the last announced, or else the next) is the culprit, and the rest never started.
        missing = [n for n in range(len(batch)) if not finished[n] and not self._place(batch[n], outbox / f"{n:05d}.pdf")]
        culprit = announced if announced in missing else next((n for n in missing if n > announced), None)
        requeue: list[_Job] = []
        for number in missing:
            job = batch[number]
            if number < announced or not stopped:
                self._failed_attempt(job, unreadable, requeue)
            elif number == culprit:
                self._failed_attempt(job, stop_reason, requeue)
            else:
                requeue.append(job)
        return requeue, stopped

    def _ready(self, job: _Job) -> bool:
        """Make sure the job's DOCX is written (by the preparer, or now) and is one; report the job failed if not."""
        with self.lock:
            mine = job.state == "new"
            if mine:
                job.state = "preparing"
            while job.state == "preparing" and not mine and not self.cancelled:
                self.lock.wait()
            if self.cancelled:
                raise _Cancelled
        if mine:
            self._prepare(job)
        if job.state == "unusable":
            self._report("failed", ConversionFailure(job.conversion, job.problem))
            return False
        return True

    def _prepare(self, job: _Job) -> None:
        """Write the job's DOCX (``prepare``) and check that it is one; the job's state says how it went."""
        problem = ""
        if self.prepare is not None:
            try:
                self.prepare(job.conversion)
            except MailmergeError as exc:
                problem = str(exc)
        problem = problem or _not_a_docx(job.conversion.docx)
        with self.lock:
            job.state, job.problem = ("unusable", problem) if problem else ("ready", "")
            self.lock.notify_all()

    def _prepare_ahead(self) -> None:
        """Write the next files in queue order while soffice converts, up to two batches per worker ahead.

        Without it a worker writes its next batch only once its soffice has exited, and that
        core has little to do meanwhile (the other Python threads hold the interpreter lock).
        """
        ahead = 2 * self.batch_size * self.workers
        try:
            for job in self.jobs:
                with self.lock:
                    while not self.cancelled and job.index >= self.taken + ahead:
                        self.lock.wait()
                    if self.cancelled:
                        return
                    if job.state != "new":
                        continue  # a worker needed it first and writes it itself
                    job.state = "preparing"
                self._prepare(job)
        except BaseException as exc:  # surfaced in the caller's thread, which cleans up
            self.events.put(("crash", exc))

    def _watch(self, process: subprocess.Popen, batch: list[_Job], finished: list[bool], outbox: Path) -> tuple[bool, int, list[str]]:
        """Follow soffice's output until it exits; return (timed out, last file announced or -1, last lines).

        soffice prints "convert <file> -> ..." once it has loaded a file, so each line restarts the
        deadline. Finished PDFs move into place (and on_done runs) while soffice goes on.
        """
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.timeout
        pending = b""
        lines: list[str] = []
        announced = -1
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return True, announced, lines
                ready = selector.select(min(left, _POLL))
                # soffice writes each PDF beside the output as a temporary file, then copies it
                # to its name: a file ending in %%EOF is complete. Looking now and then takes it
                # while soffice loads the next file, rather than after it announces that one.
                for number in range(announced + 1):
                    if not finished[number]:
                        finished[number] = self._place(batch[number], outbox / f"{number:05d}.pdf")
                if self.cancelled:
                    return False, announced, lines
                if not ready:
                    continue
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break
                deadline = time.monotonic() + self.timeout
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    line = raw.decode("utf-8", "replace").strip()
                    lines = (lines + [line])[-20:]
                    started = _CONVERT_LINE.match(line)
                    staged = _STAGED.search(started.group("input")) if started else None
                    if staged:
                        announced = int(staged.group(1))
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                return True, announced, lines
            return False, announced, lines
        finally:
            selector.close()
            process.stdout.close()

    def _place(self, job: _Job, output: Path) -> bool:
        """Move a complete PDF to its destination and report it; return False if there is none."""
        if job.state == "unusable":  # reported failed already: whatever soffice made of it is not kept
            output.unlink(missing_ok=True)
            return True
        try:
            size = output.stat().st_size
            with output.open("rb") as handle:
                head = handle.read(5)
                handle.seek(max(size - _PDF_TAIL, 0))
                tail = handle.read()
        except OSError:
            return False
        if head != b"%PDF-" or not tail.rstrip().endswith(b"%%EOF"):
            return False
        target = job.conversion.pdf
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(output, FILE_MODE)
        try:
            os.replace(output, target)
        except OSError:
            # Another file system: copy beside the target, then rename, so no half file is ever seen.
            partial = target.with_name(f".{target.name}.partial")
            shutil.copyfile(output, partial)
            os.chmod(partial, FILE_MODE)
            os.replace(partial, target)
        self._report("done", job.conversion)
        return True

    def _failed_attempt(self, job: _Job, reason: str, requeue: list[_Job]) -> None:
        job.attempts += 1
        if job.attempts >= ATTEMPTS:
            self._report("failed", ConversionFailure(job.conversion, reason))
        else:
            job.alone = True
            requeue.append(job)
