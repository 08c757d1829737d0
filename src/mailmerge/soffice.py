"""One LibreOffice process: find soffice, give it a throw-away profile, run it over a batch, stop it for good.

The only module (with pdf.py, its scheduler) that starts processes. Nothing here knows about
batches being shared out or retried: pdf.py decides what each soffice converts.
"""

from __future__ import annotations

import hashlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from mailmerge import messages
from mailmerge.errors import ConversionError
from mailmerge.fsutil import FILE_MODE, is_complete_pdf, write_atomic

# Set this to the soffice program to use instead of the one on PATH.
SOFFICE_ENV = "MAILMERGE_SOFFICE"
_CONVERT_LINE = re.compile(r"^convert (?P<input>.+?) -> ")
_STAGED = re.compile(r"(\d{5})\.docx$")
_POLL = 0.05  # seconds between looks for finished PDFs
_KEPT_LINES = 20  # soffice's last output lines, kept to explain a crash


def find_soffice() -> Path:
    """Return the soffice program: $MAILMERGE_SOFFICE, else soffice or libreoffice on PATH."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        path = Path(configured)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ConversionError(messages.SOFFICE_ENV_NOT_A_PROGRAM.format(env=SOFFICE_ENV, value=configured))
        return path
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ConversionError(messages.SOFFICE_NOT_FOUND)


_SETUP_VERSION = re.compile(rb'<prop oor:name="ooSetupVersion">\s*<value>([0-9.]+)</value>')
_BUILD_ID = re.compile(rb"^buildid=(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Installation:
    """What a new profile must record for soffice to treat its start as a routine one ('' = unknown)."""

    version: str  # "7.4", from the registry
    build_id: str  # "40(Build:2)", from program/versionrc

    @classmethod
    def of(cls, soffice: Path) -> Installation:
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


def seed_profile(profile: Path, tmp: Path, installation: Installation) -> None:
    """Create a throw-away LibreOffice profile (and an empty ``tmp``), replacing any, that skips the first-start work.

    Headless soffice never records ooSetupLastVersion, so every start counts as the first after
    an upgrade and runs ~100 graphics render tests: 0.65 s of a 0.9 s start. And a profile
    without extensions/buildid makes soffice.bin rebuild the extension cache and restart itself:
    another 0.15 s (measured on LibreOffice 7.4). With both recorded a start takes ~0.3 s.
    """
    for path in (profile, tmp):
        shutil.rmtree(path, ignore_errors=True)
    tmp.mkdir(parents=True)
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


def start(
    soffice: Path, profile: Path, tmp: Path, inbox: Path, outbox: Path, documents: Sequence[Path]
) -> subprocess.Popen:
    """Start one soffice converting ``documents`` into ``outbox`` (the n-th as 0000n.pdf), in its own process group.

    Its output (stdout and stderr together) is a pipe for watch(); its files are private (umask
    077 for it alone: the PDFs are personal data).
    """
    for folder in (inbox, outbox):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    # Given under numbered names: outputs cannot collide (every member has a letter.docx), and
    # file names, which may be personal, never reach soffice's command line or output.
    inputs = []
    for number, document in enumerate(documents):
        link = inbox / f"{number:05d}.docx"
        link.symlink_to(document.resolve())
        inputs.append(link)
    command = [
        str(soffice),
        f"-env:UserInstallation={profile.as_uri()}",
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
        *map(str, inputs),
    ]
    env = dict(os.environ)
    # LibreOffice's own temporary files (lu*.tmp folders) land here, inside our scratch folder.
    env["TMPDIR"] = str(tmp)
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
            env=env,
            cwd=tmp,
            umask=0o077,
        )
    except OSError as exc:
        raise ConversionError(messages.SOFFICE_CANNOT_START.format(program=soffice, reason=exc.strerror)) from None


@dataclass(frozen=True)
class Watched:
    """How one soffice run ended: by its deadline or not, the last input it announced, its last lines."""

    timed_out: bool
    announced: int  # index of the last input soffice said it converts, -1 for none
    lines: tuple[str, ...]


def watch(
    process: subprocess.Popen,
    timeout: float,
    look: Callable[[int], None],
    cancelled: Callable[[], bool],
) -> Watched:
    """Follow soffice's output until it exits, its deadline passes, or ``cancelled()``.

    soffice prints "convert <file> -> ..." once it has loaded a file, so each line restarts the
    deadline. ``look(announced)`` is called every few hundredths of a second, so the caller can
    take finished PDFs while soffice goes on with the next file.
    """
    stdout = process.stdout
    assert stdout is not None  # started with stdout=PIPE
    selector = selectors.DefaultSelector()
    selector.register(stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    pending = b""
    lines: list[str] = []
    announced = -1
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return Watched(True, announced, tuple(lines))
            ready = selector.select(min(left, _POLL))
            look(announced)
            if cancelled():
                return Watched(False, announced, tuple(lines))
            if not ready:
                continue
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                break
            deadline = time.monotonic() + timeout
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                line = raw.decode("utf-8", "replace").strip()
                lines = (lines + [line])[-_KEPT_LINES:]
                started = _CONVERT_LINE.match(line)
                staged = _STAGED.search(started.group("input")) if started else None
                if staged:
                    announced = int(staged.group(1))
        if pending.strip():
            lines = (lines + [pending.decode("utf-8", "replace").strip()])[-_KEPT_LINES:]
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            return Watched(True, announced, tuple(lines))
        return Watched(False, announced, tuple(lines))
    finally:
        selector.close()
        stdout.close()


def own_words(lines: Sequence[str]) -> str:
    """Return what soffice said about a failure, in its own words ('' if nothing): its last lines but progress."""
    said = [line for line in lines if line and not _CONVERT_LINE.match(line)]
    return " / ".join(said[-3:])[:300]


def kill_group(process: subprocess.Popen, profile: Path | None = None) -> None:
    """Kill a soffice and every process it started, wait until they are gone, remove its pipe.

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
    if profile is not None:
        for pipe in ipc_pipes(profile.as_uri()):
            pipe.unlink(missing_ok=True)  # ours alone: the profile folder is new


def docx_problem(path: Path) -> str:
    """Return why soffice must not be given this file ('' if it is a Word document)."""
    # Checked here because soffice's exit code says nothing: given random bytes it "converts"
    # them as plain text, an empty file becomes a blank page, a missing one nothing at all.
    if not path.is_file():
        return messages.DOCX_MISSING
    try:
        with zipfile.ZipFile(path) as package:
            package.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return messages.DOCX_DAMAGED
    return ""


def take_pdf(output: Path, target: Path) -> bool:
    """Move a PDF soffice has finished writing to ``target`` (private); return False while it is not complete.

    soffice writes each PDF beside the output as a temporary file, then copies it to its name:
    a file ending in %%EOF is complete.
    """
    if not is_complete_pdf(output):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(output, FILE_MODE)
    try:
        os.replace(output, target)
    except OSError:  # another file system: written beside the target, then renamed
        write_atomic(target, output.read_bytes(), durable=False)
        output.unlink(missing_ok=True)
    return True
