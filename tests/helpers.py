"""What the test files share: the repository's paths, reading what a person reads, running the CLI, finding processes.

Read with other tools than the code under test: poppler for PDF text and pages, the csv module for
the manifest, psutil for processes.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from click.testing import CliRunner, Result
from filelock import FileLock

from mailmerge.cli import main

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
# Frozen copies of templates/ as they were when the tests were written: the tests that read what the
# letters say use these. templates/ is the secretariat's, edited in Word: test_templates.py checks of
# it only what the run needs (variables, A4, fonts, the frame, the page mark), never its wording.
TEMPLATES = DATA / "templates"
# The console script beside the interpreter running the tests.
MAILMERGE = Path(sys.executable).parent / "mailmerge"
# A usual shell's umask for the runs the tests start: the program itself must make its files private.
SHELL_UMASK = 0o022
# LibreOffice's deadline per file where the deadline is not what the test tests: against a hang
# only. A loaded CI machine (two cores shared with other LibreOffice runs) makes soffice start
# and convert several times slower than a quiet one; a deadline it missed there would be a
# failure by chance, and a right conversion is never slowed down by a long one.
SOFFICE_TIMEOUT = 300


# ---------------------------------------------------------------------------------------------- set-up


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """Return the folder ``name`` that ``make`` filled, once per test session however many xdist workers ask.

    The first worker to ask makes it under a folder all workers of the session share (the parent of
    each worker's own temp folder, as pytest-xdist's docs show), holding a file lock; the others
    wait for the lock and use it. Callers must not write into it: copy it first.
    """
    basetemp = tmp_path_factory.getbasetemp()
    # Without xdist that parent is shared with earlier sessions: stay in this session's own folder.
    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    folder, made = shared / name, shared / f"{name}.made"
    with FileLock(shared / f"{name}.lock"):
        if not made.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker that failed to make it left
            folder.mkdir()
            make(folder)
            made.touch()
    return folder


@dataclass(frozen=True)
class SampleRun:
    """One real `mailmerge run` of the sample cycle (30 members, 60 documents) in its own process."""

    config: Path  # the cycle's config; its templates and roster are copies beside it
    out: Path  # read only: copy it to change anything
    returncode: int
    stdout: str
    stderr: str


def sample_run_once(tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    """Return the session's sample run (made_once: the first xdist worker to ask makes it)."""
    folder = made_once(tmp_path_factory, "sample-run", _run_sample_cycle)
    saved = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    return SampleRun(folder / "cycle" / "mailmerge.toml", folder / "2024", **saved)


SAMPLE_SHARED_PAGES_FROM = 15


def _run_sample_cycle(folder: Path) -> None:
    # Both paths in one run (issue 14): the enrolled (18 members) on shared pages + layers, the
    # unenrolled (12) converted whole, so the tests reading the sample run read both kinds of PDF
    # and resume both; the tests making their own cycles convert whole (30 members, below 100).
    config = make_cycle(folder / "cycle", shared_pages_from=SAMPLE_SHARED_PAGES_FROM)
    done = run_mailmerge("run", "--config", str(config), "--out", str(folder / "2024"))
    assert done.returncode == 0, done.stdout + done.stderr
    saved = {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    (folder / "run.json").write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------------------------------------- config


def make_cycle(folder: Path, roster_csv: str | None = None, shared_pages_from: int | None = None) -> Path:
    """Copy the templates (and the roster, or write the CSV given) into ``folder``; return a config using them.

    ``shared_pages_from`` replaces the config's (the group size from which templates are composed).

    Copies, so that a test can change them, and so that a template being edited in the
    repository meanwhile cannot make two runs of one test differ.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("letter.docx", "overview.docx"):
        shutil.copyfile(TEMPLATES / name, folder / name)
    if roster_csv is None:
        shutil.copyfile(REPO / "data" / "members.xlsx", folder / "members.xlsx")
        roster = "members.xlsx"
    else:
        (folder / "members.csv").write_text(roster_csv, encoding="utf-8")
        roster = "members.csv"
    text = (REPO / "mailmerge.toml").read_text(encoding="utf-8")
    text, found = re.subn(r'(?m)^path = "data/members\.xlsx"$', f'path = "{roster}"', text)
    assert found == 1, "mailmerge.toml no longer names data/members.xlsx"
    text = text.replace('= "templates/', '= "')
    if shared_pages_from is not None:
        text, found = re.subn(r"(?m)^shared_pages_from = \d+$", f"shared_pages_from = {shared_pages_from}", text)
        assert found == 1, "mailmerge.toml no longer sets shared_pages_from"
    config = folder / "mailmerge.toml"
    config.write_text(text, encoding="utf-8")
    return config


def write_config(folder: Path, **overrides: str) -> Path:
    """Write a copy of the repo's mailmerge.toml into ``folder``, paths pointing back at the repo.

    The templates are the frozen copies (TEMPLATES), whose wording the tests may rely on.

    ``overrides`` replace top-level lines or keys by name, e.g. letter='"/path/to/letter.docx"'.
    """
    text = (REPO / "mailmerge.toml").read_text(encoding="utf-8")
    text = text.replace('path = "data/', f'path = "{REPO}/data/')
    text = text.replace('= "templates/', f'= "{TEMPLATES}/')
    for key, value in overrides.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
        assert count == 1, f"no key {key} in mailmerge.toml"
    path = folder / "mailmerge.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- what a person reads


def pdf_text(path: Path, page: int | None = None) -> str:
    """Return the PDF's text as poppler reads it (not the code under test): all pages, or page ``page`` (from 1).

    In the order the document writes it (-raw), which is the order a person reads the recipient
    block in: -layout merges lines that share a height across the page (the date beside the block
    lands inside a wrapped name), and poppler's reading order splits a line at a wide gap such as
    an ideographic space (医療法人社団晴嵐会　あおば…).
    """
    pages = ["-f", str(page), "-l", str(page)] if page is not None else []
    command = ["pdftotext", "-raw", "-enc", "UTF-8", *pages, str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def squash(text: str) -> str:
    """Remove all whitespace: LibreOffice spaces kana from digits and wraps lines; a person reads the characters."""
    return re.sub(r"\s+", "", text)


def pdf_characters(path: Path) -> str:
    """Return the PDF's text, whitespace removed (see ``squash``)."""
    return squash(pdf_text(path))


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert found, info
    return int(found.group(1))


# manifest.csv as the secretariat reads it in Excel: Japanese headers, the group and the document in words.
MANIFEST_HEADERS = {
    "会員番号": "member_id",
    "会員名": "name",
    "加入状況": "group",
    "文書": "document",
    "DOCX ファイル": "docx",
    "PDF ファイル": "pdf",
    "ページ数": "pages",
    "DOCX の SHA-256": "docx_sha256",
    "PDF の SHA-256": "pdf_sha256",
    "作成元の SHA-256": "input_sha256",
}
MANIFEST_WORDS = {
    "group": {"加入": "enrolled", "未加入": "unenrolled"},
    "document": {"書状": "letter", "概要": "overview"},
}


def manifest_rows(out: Path) -> list[dict[str, str]]:
    """Return DIR/manifest.csv's rows (UTF-8 with BOM), by column name, the group and document as the program's keys."""
    with (out / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = []
        for record in csv.DictReader(handle):
            row = {MANIFEST_HEADERS[header]: value for header, value in record.items()}
            for column, words in MANIFEST_WORDS.items():
                row[column] = words.get(row[column], row[column])
            rows.append(row)
        return rows


def manifest_header(out: Path) -> list[str]:
    with (out / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------- running the CLI


class ServerThread:
    """A waitress server running in a thread of its own, as `mailmerge review` runs it in the main one; close() stops
    it.

    waitress cannot stop its loop from another thread: closing the listening socket makes the loop's
    select() fail with EBADF (webtest's StopableWSGIServer takes it the same way). That error, once
    close() was called, is the end; any other is the thread's exception, which pytest reports.
    """

    def __init__(self, server: Any):
        self.server = server
        self._closing = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError as exc:
            if not (self._closing and exc.errno == errno.EBADF):
                raise

    def close(self) -> None:
        # The threads serving requests finish first, while the loop still runs: a thread still at work
        # (a thumbnail for a page already closed) wakes the loop through its trigger pipe, and writing
        # b"x" to that pipe's descriptor once closed wrote it into whatever file the next test had
        # opened under the same number (a copied summary.json began with a stray "x").
        dispatcher = getattr(self.server, "task_dispatcher", None)  # waitress's; the office's TLS server has none
        if dispatcher is not None:
            dispatcher.shutdown(timeout=120)
        self._closing = True
        self.server.close()
        self.thread.join(timeout=120)


def invoke(*args: str) -> Result:
    """Run ``mailmerge ARGS`` in this process (click's CliRunner); the result has exit_code and output."""
    return CliRunner().invoke(main, list(args))


def mailmerge_command(*args: str) -> list[str]:
    """Return the command line of ``mailmerge ARGS`` as a separate process, the way the secretariat runs it."""
    assert MAILMERGE.is_file(), f"{MAILMERGE} is missing: pip install -e . into the venv"
    return [str(MAILMERGE), *args]


def run_mailmerge(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``mailmerge ARGS`` in a separate process (umask 022) and wait; ``env`` is added to this process's
    environment.
    """
    return subprocess.run(
        mailmerge_command(*args),
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        umask=SHELL_UMASK,
    )


# ---------------------------------------------------------------------------------------------- processes


def processes_naming(folder: Path) -> list[psutil.Process]:
    """Return the live processes, but this one, whose command line names ``folder`` (path or file:// URL).

    Every soffice the code starts has its profile, hence its command line, under the folder it works in.
    """
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        if process.pid == os.getpid() or process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        cmdline = " ".join(process.info["cmdline"] or ())
        if str(folder) in cmdline or folder.as_uri() in cmdline:
            found.append(process)
    return found


def named(processes: Iterable[psutil.Process], name: str) -> list[psutil.Process]:
    """Return those of ``processes`` still running under ``name`` (e.g. "soffice.bin", LibreOffice's real process)."""
    found = []
    for process in processes:
        try:
            if process.name() == name and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.NoSuchProcess:
            pass
    return found


def alive(processes: Iterable[psutil.Process]) -> list[str]:
    """Return "PID NAME" for each of ``processes`` still running (zombies count as gone)."""
    left = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{process.pid} {process.name()}")
        except psutil.NoSuchProcess:
            pass
    return left


def remake_member(out: Path, member_id: str, document: str = "letter") -> str:
    """Change a member's PDF and its manifest row as a later run making it again would; return the new hash.

    The PDF is saved again by qpdf with another title (a whole, valid file with other bytes), and
    manifest.csv is rewritten with its hash, through a temporary file as the run writes it.
    """
    import pikepdf

    rows = manifest_rows(out)
    row = next(r for r in rows if r["member_id"] == member_id and r["document"] == document)
    path = out / row["pdf"]
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.docinfo["/Title"] = f"{member_id} remade"
        pdf.save(path)
    row["pdf_sha256"] = sha256(path)
    header = manifest_header(out)
    shown = {column: {key: word for word, key in words.items()} for column, words in MANIFEST_WORDS.items()}
    temporary = out / ".manifest.csv.tmp"
    with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for r in rows:
            columns = [MANIFEST_HEADERS[h] for h in header]
            writer.writerow([shown.get(c, {}).get(r[c], r[c]) for c in columns])
    os.replace(temporary, out / "manifest.csv")
    return row["pdf_sha256"]


def swap_files(first: Path, second: Path) -> None:
    """Exchange two files on disk (as a person moving letters between folders by hand would)."""
    between = first.with_name(first.name + ".swap")
    os.replace(first, between)
    os.replace(second, first)
    os.replace(between, second)
