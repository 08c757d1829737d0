"""Real runs interrupted (Ctrl-C, SIGKILL, a killed LibreOffice, a full disk, a second run), then run again.

Each ends as a clean run does: the same files, the same PDF text, a manifest whose hashes
match the files, nothing private left readable, no stray file or process.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from mailmerge import mailing, printrun
from mailmerge.config import load_config
from mailmerge.roster import load_roster

from helpers import (
    DATA,
    SHELL_UMASK,
    alive,
    mailmerge_command,
    make_cycle,
    manifest_rows,
    named,
    pdf_characters,
    processes_naming,
    run_mailmerge,
    sample_run_once,
    sha256,
)

GROUPS = ("enrolled", "unenrolled")
PERSONAL_FIELDS = ("organisation", "department", "representative_name", "address1", "address2")
TOLD_TO_RERUN = "もう一度 mailmerge run を実行すると、残りから続けます。"
FOUND_INTERRUPTED = "前回の実行は途中で止まっていました"
LOCKED = "別の mailmerge run がこの出力先に書き込み中です。終わるのを待ってから、もう一度実行してください"
DISK_FULL = "ディスクの空きがありません。空きを作ってから、もう一度 mailmerge run を実行してください"
SCRATCH = re.compile(r"(^|/)\.staging(/|$)|\.tmp$|\.partial$|mailmerge-soffice")
ENROLLED_HEADING = "〈ご加入いただいている会員の皆さまへ〉"
SAMPLE_HEADER = (DATA / "sample_utf8.csv").read_text(encoding="utf-8").splitlines()[0]
SAMPLE_ROWS = {
    line.split(",")[0]: line for line in (DATA / "sample_utf8.csv").read_text(encoding="utf-8").splitlines()[1:]
}


@dataclass(frozen=True)
class Finished:
    """A finished run: exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def counts(self) -> tuple[int, int]:
        """Return (made, reused) from the closing line."""
        match = re.search(r"新規作成 (\d+), 変更なしで再利用 (\d+)", self.stdout)
        assert match, self.output
        return int(match.group(1)), int(match.group(2))


@functools.cache
def _personal_values(config: str, roster_bytes: bytes) -> tuple[str, ...]:
    members = load_roster(load_config(Path(config))).members
    return tuple(sorted({m.fields[f] for m in members for f in PERSONAL_FIELDS if len(m.fields.get(f, "")) >= 2}))


def assert_no_personal_data(text: str, config: Path) -> None:
    roster = load_config(config).roster
    values = _personal_values(str(config), roster.read_bytes())
    assert values, "no personal values to look for"
    shown = [value for value in values if value in text]
    assert shown == [], f"the run printed personal data: {shown}"


def run_arguments(config: Path, out: Path, *args: str) -> list[str]:
    return ["run", "--config", str(config), "--out", str(out), *args]


def run_cli(config: Path, out: Path, *args: str, **env: str) -> Finished:
    done = run_mailmerge(*run_arguments(config, out, *args), env=env)
    finished = Finished(done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in finished.output, finished.output
    assert_no_personal_data(finished.output, config)
    return finished


class Background:
    """A run in its own session (so the test can signal it alone), printing into files."""

    def __init__(self, config: Path, out: Path, logs: Path, *args: str):
        logs.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.stdout_path, self.stderr_path = logs / "stdout.txt", logs / "stderr.txt"
        with self.stdout_path.open("w") as stdout, self.stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                mailmerge_command(*run_arguments(config, out, *args)),
                stdout=stdout,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                umask=SHELL_UMASK,
            )

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def soffice(self) -> list[psutil.Process]:
        """Return the run's LibreOffice processes (soffice.bin, the one that converts)."""
        return named(self.descendants(), "soffice.bin")

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 300  # against a hang only: a busy machine is slow
        while not condition():
            assert self.process.poll() is None, f"the run ended before {what}:\n{self.stderr_path.read_text()}"
            assert time.monotonic() < deadline, f"never reached: {what}"
            time.sleep(0.005)

    def finish(self, timeout: float = 300) -> Finished:
        self.process.wait(timeout=timeout)
        finished = Finished(self.process.returncode, self.stdout_path.read_text(), self.stderr_path.read_text())
        assert "Traceback" not in finished.output, finished.output
        assert_no_personal_data(finished.output, self.config)
        return finished


def docx_body(path: Path) -> bytes:
    """Return a DOCX's document part (the zip around it carries timestamps); fails on a damaged file."""
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None, path
        return package.read("word/document.xml")


def files_in(out: Path) -> dict[str, tuple[int, int]]:
    """Return every file and folder under ``out`` (relative path -> (mtime_ns, size))."""
    return {p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size) for p in out.rglob("*")}


def scratch_files(out: Path) -> list[str]:
    return sorted(name for name in files_in(out) if SCRATCH.search(name))


def our_processes(out: Path) -> list[str]:
    """Return the live processes (but this one) whose command line names the output folder."""
    return [f"{process.pid} {' '.join(process.info['cmdline'] or ())[:160]}" for process in processes_naming(out)]


def working_outside(processes: list[psutil.Process], folder: Path) -> list[str]:
    """Return "PID NAME" of each LibreOffice process (oosplash, soffice.bin) still running whose command
    line does not name ``folder``, process by process: counting all the folder's processes against all
    survivors raced with a short-lived child LibreOffice forked meanwhile."""
    outside = []
    for process in processes:
        try:
            if process.status() == psutil.STATUS_ZOMBIE or process.name() not in ("oosplash", "soffice.bin"):
                continue
            cmdline = " ".join(process.cmdline())
        except psutil.NoSuchProcess:
            continue
        if not cmdline:  # exiting: Linux empties /proc/PID/cmdline once a process has let go of its memory
            continue
        if str(folder) not in cmdline and folder.as_uri() not in cmdline:
            outside.append(f"{process.pid} {process.name()}")
    return outside


def assert_private(out: Path) -> None:
    assert out.stat().st_mode & 0o777 == 0o700, out
    for path in out.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert path.stat().st_mode & 0o777 == expected, f"{path}: {oct(path.stat().st_mode & 0o777)}"


_CHARACTERS: dict[str, str] = {}


def _characters(digest: str, path: Path) -> str:
    """Return pdf_characters of a PDF whose SHA-256 is ``digest``, read once per file content (a test checks a run
    twice).
    """
    if digest not in _CHARACTERS:
        _CHARACTERS[digest] = pdf_characters(path)
    return _CHARACTERS[digest]


@dataclass(frozen=True)
class Reference:
    """One clean run of the sample cycle, made once per test session, that every other run must equal."""

    config: Path
    out: Path
    texts: dict[str, str]  # PDF path (relative) -> text
    bodies: dict[str, bytes]  # DOCX path (relative) -> word/document.xml
    rows: list[dict[str, str]]
    run: Finished

    @property
    def documents(self) -> int:
        return len(self.rows)

    def assert_same_pdf(self, path: Path, relative: str) -> None:
        """Check a PDF reads as the reference's does (poppler is asked only when the bytes differ).

        The same characters, in any order: a rerun that remakes a few members of a group composed
        in the reference converts them whole (too few for shared pages), and poppler reads a
        composed page's layer after the page's own text.
        """
        digest = sha256(path)
        if digest != self.pdf_hashes[relative]:
            assert sorted(_characters(digest, path)) == sorted(self.texts[relative]), relative

    @functools.cached_property
    def pdf_hashes(self) -> dict[str, str]:
        return {row["pdf"]: row["pdf_sha256"] for row in self.rows}


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The session's sample run (made once, not once per xdist worker), as every other run must end."""
    sample = sample_run_once(tmp_path_factory)
    finished = Finished(sample.returncode, sample.stdout, sample.stderr)
    assert_no_personal_data(finished.output, sample.config)
    rows = manifest_rows(sample.out)
    assert len(rows) == 60
    return Reference(
        sample.config,
        sample.out,
        {row["pdf"]: pdf_characters(sample.out / row["pdf"]) for row in rows},
        {row["docx"]: docx_body(sample.out / row["docx"]) for row in rows},
        rows,
        finished,
    )


def copy_of(reference: Reference, tmp_path: Path) -> Path:
    out = tmp_path / "copy" / "2024"
    shutil.copytree(reference.out, out)
    return out


def assert_only_finished_pairs(out: Path, reference: Reference, lone_docx: int = 0) -> int:
    """Check every member folder holds whole documents only, each a DOCX and its PDF as a clean run makes them.

    A DOCX comes first, its PDF last: a run killed between the two (SIGKILL cannot be held
    off) may leave up to ``lone_docx`` DOCX files without their PDF, never a PDF alone.
    Return how many documents the folders hold.
    """
    documents = 0
    lone = []
    for group in GROUPS:
        for folder in sorted((out / group).glob("*")) if (out / group).exists() else []:
            names = sorted(p.name for p in folder.iterdir())
            stems = {name[: -len(".pdf")] for name in names if name.endswith(".pdf")}
            drafts = {name[: -len(".docx")] for name in names if name.endswith(".docx")}
            assert set(names) == {f"{stem}.pdf" for stem in stems} | {f"{stem}.docx" for stem in drafts}, (
                f"{folder}: {names}"
            )
            assert stems <= drafts, f"{folder}: a PDF without its DOCX: {names}"
            lone += [f"{folder.name}/{stem}.docx" for stem in sorted(drafts - stems)]
            for stem in stems:
                relative = f"{group}/{folder.name}/{stem}"
                reference.assert_same_pdf(folder / f"{stem}.pdf", f"{relative}.pdf")
                assert docx_body(folder / f"{stem}.docx") == reference.bodies[f"{relative}.docx"], relative
                documents += 1
    assert len(lone) <= lone_docx, f"DOCX files without their PDF: {lone}"
    return documents


def assert_left_as_interrupted(out: Path, reference: Reference) -> int:
    """What a stopped run must leave: no manifest vouching for anything, finished pairs only; return their count."""
    assert not (out / "manifest.csv").exists(), "a stopped run left a manifest.csv"
    assert not (out / "summary.json").exists(), "a stopped run left a summary.json"
    assert not [name for name in files_in(out) if name.endswith((".tmp", ".partial"))]
    return assert_only_finished_pairs(out, reference)


def assert_same_as_reference(out: Path, reference: Reference) -> None:
    """The output equals the clean run's: files, manifest (hashes match the files), PDF text, DOCX body, totals."""
    rows = manifest_rows(out)
    stable = ("member_id", "name", "group", "document", "docx", "pdf", "pages", "input_sha256")
    assert [{k: r[k] for k in stable} for r in rows] == [{k: r[k] for k in stable} for r in reference.rows]
    for row in rows:
        assert sha256(out / row["docx"]) == row["docx_sha256"], row["docx"]
        assert sha256(out / row["pdf"]) == row["pdf_sha256"], row["pdf"]
        reference.assert_same_pdf(out / row["pdf"], row["pdf"])
        assert docx_body(out / row["docx"]) == reference.bodies[row["docx"]], row["docx"]
    assert sorted(files_in(out)) == sorted(files_in(reference.out))  # no stray file, none missing
    assert_private(out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    expected = json.loads((reference.out / "summary.json").read_text(encoding="utf-8"))
    varying = ("documents_made", "documents_reused", "removed_members")
    assert {k: v for k, v in summary.items() if k not in varying} == {
        k: v for k, v in expected.items() if k not in varying
    }
    assert summary["documents_made"] + summary["documents_reused"] == summary["selected_documents"]


def final_pdfs(out: Path) -> list[Path]:
    return [pdf for group in GROUPS for pdf in (out / group).glob("*/*.pdf")]


def staged_docx(out: Path) -> bool:
    return any((out / ".staging").glob("*/*/*.docx"))


def wait_for_point(run: Background, out: Path, point: str) -> None:
    """Wait until the run is rendering, converting (LibreOffice busy) or has placed its first PDFs."""
    if point == "rendering":
        run.wait_until(lambda: staged_docx(out), "rendering")
    elif point == "converting":
        run.wait_until(lambda: bool(run.soffice()), "LibreOffice started")
    else:
        run.wait_until(lambda: bool(final_pdfs(out)), "the first PDFs in place")


# ---------------------------------------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize(
    ("point", "signum"),
    # SIGTERM (kill) and SIGHUP (a closed terminal) are stopped as Ctrl-C is.
    [("rendering", signal.SIGTERM), ("converting", signal.SIGINT), ("placed", signal.SIGINT)],
    ids=["rendering-SIGTERM", "converting-SIGINT", "placed-SIGINT"],
)
def test_ctrl_c_stops_at_once_keeps_what_was_finished_and_a_rerun_completes(
    point: str, signum: int, reference: Reference, tmp_path: Path
) -> None:
    out = tmp_path / "2024"
    run = Background(reference.config, out, tmp_path / "logs")
    wait_for_point(run, out, point)
    children = run.descendants()
    os.kill(run.process.pid, signum)
    stopped = run.finish()  # how soon it stops is measured by `make bench` (bench/quick.py), not here

    assert stopped.returncode == 130, stopped.output
    assert TOLD_TO_RERUN in stopped.stderr
    assert alive(children) == [] and our_processes(out) == []
    assert scratch_files(out) == []
    kept = assert_left_as_interrupted(out, reference)
    assert_private(out)
    if point == "placed":
        assert kept >= 1

    rerun = run_cli(reference.config, out)
    assert rerun.returncode == 0, rerun.output
    assert FOUND_INTERRUPTED in rerun.stderr
    # Every document kept was recorded as finished: none is made twice.
    assert rerun.counts() == (reference.documents - kept, kept)
    assert_same_as_reference(out, reference)
    assert our_processes(out) == []


def test_ctrl_c_during_forced_rebuild_keeps_the_previous_manifest_and_resumes(
    reference: Reference, tmp_path: Path
) -> None:
    out = copy_of(reference, tmp_path)
    # A remade document's DOCX is a new file put in the old one's place (its PDF stays when the new one
    # prints the same: sameprint), so a changed inode says the forced run has placed documents.
    before = {row["docx"]: (out / row["docx"]).stat().st_ino for row in reference.rows}
    previous = (out / "manifest.csv").read_bytes(), (out / "summary.json").read_bytes()
    run = Background(reference.config, out, tmp_path / "logs", "--force")
    run.wait_until(
        lambda: any(_inode(out / docx) not in (inode, None) for docx, inode in before.items()), "a document remade"
    )
    os.kill(run.process.pid, signal.SIGINT)
    stopped = run.finish()
    assert stopped.returncode == 130, stopped.output
    # A failed run leaves the last manifest as it was (the next run trusts no file whose hash changed).
    assert ((out / "manifest.csv").read_bytes(), (out / "summary.json").read_bytes()) == previous
    assert assert_only_finished_pairs(out, reference) == reference.documents

    rerun = run_cli(reference.config, out)
    assert rerun.returncode == 0, rerun.output
    assert rerun.counts() == (0, reference.documents)  # old or remade, every document is whole and current
    assert_same_as_reference(out, reference)


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:  # between the old file's removal and the new one's rename
        return None


# ---------------------------------------------------------------------------------------------- SIGKILL


@pytest.mark.parametrize("point", ["converting", "placed"])
def test_sigkill_of_the_run_then_rerun_cleans_up_and_completes(
    point: str, reference: Reference, tmp_path: Path
) -> None:
    out = tmp_path / "2024"
    run = Background(reference.config, out, tmp_path / "logs")
    wait_for_point(run, out, point)
    children = run.descendants()
    os.kill(run.process.pid, signal.SIGKILL)
    killed = run.finish()
    assert killed.returncode == -signal.SIGKILL
    # LibreOffice runs in its own session (so that Ctrl-C in the terminal reaches only us): a
    # killed run cannot take it down, and it goes on converting. It must do so inside the
    # output folder, where the rerun finds it and its files, not in the system's temp folder.
    survivors = alive(children)
    print(f"\nSIGKILL at {point}: {len(survivors)} LibreOffice process(es) outlived the run")
    assert working_outside(children, out) == [], "LibreOffice works outside the output folder"
    assert not (out / "manifest.csv").exists()
    kept = assert_only_finished_pairs(out, reference, lone_docx=1)

    rerun = run_cli(reference.config, out)
    assert rerun.returncode == 0, rerun.output
    assert FOUND_INTERRUPTED in rerun.stderr
    assert re.search(r"作りかけのファイル \d+ 件を削除", rerun.stderr), rerun.stderr
    print(rerun.stderr.splitlines()[0])
    made, reused = rerun.counts()
    # Killed between placing a document and recording it, one may be made again.
    assert kept - 1 <= reused <= kept and made + reused == reference.documents
    assert_same_as_reference(out, reference)
    assert alive(children) == [] and our_processes(out) == []


def test_a_killed_libreoffice_is_retried_and_the_run_completes(reference: Reference, tmp_path: Path) -> None:
    out = tmp_path / "2024"
    run = Background(reference.config, out, tmp_path / "logs")
    killed: list[int] = []

    def kill_a_soffice() -> bool:
        for victim in run.soffice():
            try:
                victim.kill()
            except psutil.NoSuchProcess:
                continue  # it ended between being listed and being killed: take the next one
            killed.append(victim.pid)
            return True
        return False

    run.wait_until(kill_a_soffice, "a LibreOffice killed")
    finished = run.finish()
    assert len(killed) == 1
    assert finished.returncode == 0, finished.output
    assert finished.counts() == (reference.documents, 0)
    assert_same_as_reference(out, reference)
    assert our_processes(out) == []

    rerun = run_cli(reference.config, out)
    assert rerun.returncode == 0 and rerun.counts() == (0, reference.documents), rerun.output


# ---------------------------------------------------------------------------------------------- full disk


def test_a_full_disk_fails_cleanly_and_a_rerun_with_room_completes(reference: Reference, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    needed = sum(size for _, size in files_in(reference.out).values())
    # Room for about two thirds of the documents: the run fails part-way.
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={needed * 2 // 3 // 1024}k,mode=0755", "tmpfs", str(disk)], check=True
    )
    try:
        out = disk / "2024"
        failed = run_cli(reference.config, out)
        assert failed.returncode == 1, failed.output
        error = [line for line in failed.stderr.splitlines() if line.startswith("エラー:")]
        assert error and DISK_FULL in error[0], failed.stderr
        assert scratch_files(out) == []
        kept = assert_left_as_interrupted(out, reference)
        assert 0 < kept < reference.documents, f"{kept} documents made: the disk was not filled part-way"

        subprocess.run(["mount", "-o", f"remount,size={needed * 4 // 1024}k", str(disk)], check=True)
        rerun = run_cli(reference.config, out)
        assert rerun.returncode == 0, rerun.output
        assert FOUND_INTERRUPTED in rerun.stderr
        assert rerun.counts() == (reference.documents - kept, kept)
        assert_same_as_reference(out, reference)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


# ---------------------------------------------------------------------------------------------- one run at a time


def test_a_second_run_on_the_same_folder_is_refused_at_once(reference: Reference, tmp_path: Path) -> None:
    # While a real run works, a second one is refused and the first is not disturbed.
    out = tmp_path / "2024"
    first = Background(reference.config, out, tmp_path / "logs")
    first.wait_until(lambda: staged_docx(out), "the first run working")
    # Held still while the second one runs, so it cannot finish first on a busy machine (its
    # LibreOffice goes on, in its own session, and waits for it).
    first.process.send_signal(signal.SIGSTOP)
    try:
        second = run_cli(reference.config, out)
    finally:
        first.process.send_signal(signal.SIGCONT)
    assert second.returncode == 1
    assert second.stderr.strip() == f"エラー: {out}: {LOCKED}"
    assert first.finish().returncode == 0
    assert_same_as_reference(out, reference)

    # Refused without writing anything: a finished folder whose lock is held stays as it was.
    done = copy_of(reference, tmp_path)
    before = files_in(done)
    with (done / ".mailmerge.lock").open("r+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        refused = run_cli(reference.config, done, "--force")
    assert refused.returncode == 1 and LOCKED in refused.stderr
    assert files_in(done) == before


# ---------------------------------------------------------------------------------------------- resume


def test_a_rerun_with_nothing_changed_converts_nothing(reference: Reference, tmp_path: Path) -> None:
    out = copy_of(reference, tmp_path)
    before = files_in(out)
    # No LibreOffice at all: a rerun that tried to convert anything would fail. (How quick it is:
    # `make bench`, bench/quick.py.)
    rerun = run_cli(reference.config, out, MAILMERGE_SOFFICE="/nonexistent/soffice")
    assert rerun.returncode == 0, rerun.output
    assert rerun.counts() == (0, reference.documents)
    after = files_in(out)
    documents = [name for name in before if name.endswith((".pdf", ".docx"))]
    assert len(documents) == 120 and all(after[name] == before[name] for name in documents)
    assert_same_as_reference(out, reference)


def small_roster(changes: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> str:
    """Return a CSV roster of members 0001-0004 of the sample (two of each group), lines replaced or dropped."""
    rows = {member_id: SAMPLE_ROWS[member_id] for member_id in ("0001", "0002", "0003", "0004")}
    # A name Excel would run as a formula: the manifest must neutralise it.
    rows["0004"] = rows["0004"].replace(",株式会社白樺ノース画像診断センター,", ",=1+1 白樺ノース画像診断センター,")
    rows.update(changes or {})
    return "\n".join([SAMPLE_HEADER, *(line for member_id, line in rows.items() if member_id not in drop)]) + "\n"


def rows_by_key(out: Path) -> dict[tuple[str, str], dict[str, str]]:
    return {(row["member_id"], row["document"]): row for row in manifest_rows(out)}


def test_a_rerun_remakes_exactly_what_changed(tmp_path: Path) -> None:
    cycle = tmp_path / "cycle"
    config = make_cycle(cycle, small_roster())
    roster = cycle / "members.csv"
    out = tmp_path / "2024"
    quick = {"MAILMERGE_SOFFICE": "/nonexistent/soffice"}  # for runs that must convert nothing

    first = run_cli(config, out)
    assert first.returncode == 0 and first.counts() == (8, 0), first.output
    assert_private(out)
    raw = (out / "manifest.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert ",'=1+1 白樺ノース画像診断センター," in raw.decode("utf-8-sig")
    assert "=1+1白樺ノース画像診断センター" in pdf_characters(out / "unenrolled/0004/letter.pdf")
    initial = rows_by_key(out)

    same = run_cli(config, out, **quick)
    assert same.returncode == 0 and same.counts() == (0, 8), same.output
    assert rows_by_key(out) == initial

    # One member's address: that member's two documents, nothing else.
    moved = SAMPLE_ROWS["0001"].replace("神田駿河台2丁目3番11号", "神田駿河台4丁目6番1号")
    assert moved != SAMPLE_ROWS["0001"]
    roster.write_text(small_roster({"0001": moved}), encoding="utf-8")
    before = files_in(out)
    changed = run_cli(config, out)
    assert changed.returncode == 0 and changed.counts() == (2, 6), changed.output
    now = rows_by_key(out)
    assert {key for key in now if now[key]["input_sha256"] != initial[key]["input_sha256"]} == {
        ("0001", "letter"),
        ("0001", "overview"),
    }
    assert {key: now[key] for key in now if key[0] != "0001"} == {
        key: initial[key] for key in initial if key[0] != "0001"
    }
    assert "神田駿河台4丁目6番1号" in pdf_characters(out / "enrolled/0001/letter.pdf")
    after = files_in(out)
    assert all(
        after[name] == before[name] for name in before if name.endswith((".pdf", ".docx")) and "/0001/" not in name
    )

    # A member removed from the roster: their folder is set aside (not deleted), and the run says so (by ID).
    roster.write_text(small_roster({"0001": moved}, drop=("0002",)), encoding="utf-8")
    removed = run_cli(config, out, **quick)
    assert removed.returncode == 0 and removed.counts() == (0, 6), removed.output
    assert "会員番号 0002" in removed.stderr and "会員 1 件の出力は削除せず" in removed.stdout
    assert not (out / "enrolled/0002").exists()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (
        summary["removed_members"] == ["0002"] and (out / summary["set_aside"] / "enrolled/0002/letter.pdf").is_file()
    )

    # A member now enrolled: their documents move to the other group, with the enrolled paragraph.
    joined = SAMPLE_ROWS["0003"].removesuffix(",未加入") + ",加入"
    roster.write_text(small_roster({"0001": moved, "0003": joined}, drop=("0002",)), encoding="utf-8")
    regrouped = run_cli(config, out)
    assert regrouped.returncode == 0 and regrouped.counts() == (2, 4), regrouped.output
    assert "会員番号 0003" in regrouped.stderr
    assert not (out / "unenrolled/0003").exists()
    assert ENROLLED_HEADING in pdf_characters(out / "enrolled/0003/letter.pdf")
    assert sorted(p.relative_to(out).as_posix() for g in GROUPS for p in out.glob(f"{g}/*")) == [
        "enrolled/0001",
        "enrolled/0003",
        "unenrolled/0004",
    ]
    current = rows_by_key(out)

    forced = run_cli(config, out, "--force")
    assert forced.returncode == 0 and forced.counts() == (6, 0), forced.output
    assert {k: r["input_sha256"] for k, r in rows_by_key(out).items()} == {
        k: r["input_sha256"] for k, r in current.items()
    }

    # A changed template: every member's copy of that document, and only those.
    template = cycle / "letter.docx"
    marker = _edit_first_plain_text(template)
    edit = run_cli(config, out)
    assert edit.returncode == 0 and edit.counts() == (3, 3), edit.output
    final = rows_by_key(out)
    assert {k for k in final if final[k]["input_sha256"] != current[k]["input_sha256"]} == {
        k for k in final if k[1] == "letter"
    }
    for member_id, group in (("0001", "enrolled"), ("0003", "enrolled"), ("0004", "unenrolled")):
        assert marker in pdf_characters(out / group / member_id / "letter.pdf")
    for row in final.values():
        assert sha256(out / row["pdf"]) == row["pdf_sha256"] and sha256(out / row["docx"]) == row["docx_sha256"]
    assert_private(out)
    assert scratch_files(out) == [] and not (out / ".journal.jsonl").exists()


def _edit_first_plain_text(template: Path) -> str:
    """Append a marker to the template's first run of plain text (no template tags); return the marker."""
    marker = "改訂版"
    with zipfile.ZipFile(template) as package:
        parts = {info: package.read(info) for info in package.infolist()}
    for info, data in parts.items():
        if info.filename == "word/document.xml":
            text = data.decode("utf-8")
            edited, count = re.subn(
                r"(<w:t(?: [^>]*)?>)([^<{}%]{4,})(</w:t>)", rf"\g<1>\g<2>{marker}\g<3>", text, count=1
            )
            assert count == 1, "no plain text in the letter template to edit"
            parts[info] = edited.encode("utf-8")
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in parts.items():
            package.writestr(info, data)
    return marker


# ---------------------------------------------------------------------------------------------- privacy, totals


def test_outputs_are_private_and_runs_print_no_personal_data(reference: Reference) -> None:
    assert_private(reference.out)
    # Every run in this file is checked the same way (run_cli, Background.finish): IDs only, never names or addresses.
    assert_no_personal_data(reference.run.output, reference.config)


def test_summary_holds_control_totals_that_add_up_and_the_manifest_has_a_bom(reference: Reference) -> None:
    summary = json.loads((reference.out / "summary.json").read_text(encoding="utf-8"))
    assert summary["roster_rows"] == summary["enrolled"] + summary["unenrolled"] + summary["rejected"]
    assert (summary["roster_rows"], summary["enrolled"], summary["unenrolled"], summary["rejected"]) == (30, 18, 12, 0)
    assert (
        summary["documents_in_manifest"] == 60
        and summary["selected_documents"] == 60
        and summary["documents_made"] == 60
        and summary["documents_reused"] == 0
    )
    assert "完了: 30 会員 (加入 18 件, 未加入 12 件), 60 文書" in reference.run.stdout
    assert "集計: 名簿 30 行 = 加入 18 + 未加入 12 + エラー 0 行 (summary.json)" in reference.run.stdout
    assert (reference.out / "manifest.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_rerun_remakes_documents_whose_files_were_lost_or_damaged(reference: Reference, tmp_path: Path) -> None:
    out = copy_of(reference, tmp_path)
    lost = out / reference.rows[0]["pdf"]  # as a run killed between a DOCX and its PDF leaves it
    damaged = out / reference.rows[-1]["pdf"]
    lost.unlink()
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    rerun = run_cli(reference.config, out)
    assert rerun.returncode == 0, rerun.output
    assert f"{FOUND_INTERRUPTED}（作りかけのファイル 1 件を削除）" in rerun.stderr
    assert rerun.counts() == (2, reference.documents - 2)
    assert_same_as_reference(out, reference)


def test_a_trial_run_keeps_the_others_and_removes_their_outdated_documents(tmp_path: Path) -> None:
    cycle = tmp_path / "cycle"
    config = make_cycle(cycle, small_roster())
    roster = cycle / "members.csv"
    out = tmp_path / "2024"
    first = run_cli(config, out)
    assert first.returncode == 0 and first.counts() == (8, 0), first.output
    initial = rows_by_key(out)

    # A trial run of one member: the manifest still lists every good document in the folder.
    trial = run_cli(config, out, "--limit", "1", MAILMERGE_SOFFICE="/nonexistent/soffice")
    assert trial.returncode == 0 and trial.counts() == (0, 2), trial.output
    assert rows_by_key(out) == initial

    # Member 0003's address changes, but the trial run makes only 0001: 0003's old letters must not
    # stay where someone could print them, nor be listed.
    moved = SAMPLE_ROWS["0003"].replace(SAMPLE_ROWS["0003"].split(",")[6], "宮城県仙台市青葉区一番町9丁目9番9号")
    roster.write_text(small_roster({"0003": moved}), encoding="utf-8")
    second = run_cli(config, out, "--limit", "1", MAILMERGE_SOFFICE="/nonexistent/soffice")
    assert second.returncode == 0 and second.counts() == (0, 2), second.output
    assert "古くなった 2 文書を removed/" in second.stderr and "古くなった 2 文書は削除せず" in second.stdout
    assert sorted(rows_by_key(out)) == sorted(key for key in initial if key[0] != "0003")
    assert sorted(p.name for p in (out / "unenrolled/0003").iterdir()) == []
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["selected_documents"], summary["documents_in_manifest"]) == (2, 6)
    assert summary["outdated_set_aside"] == ["0003/letter", "0003/overview"]
    assert sorted(p.name for p in (out / summary["set_aside"] / "unenrolled/0003").iterdir()) == [
        "letter.docx",
        "letter.pdf",
        "overview.docx",
        "overview.pdf",
    ]

    # The full run then makes exactly the missing two.
    full = run_cli(config, out)
    assert full.returncode == 0 and full.counts() == (2, 6), full.output
    assert "宮城県仙台市青葉区一番町9丁目9番9号" in pdf_characters(out / "unenrolled/0003/letter.pdf")


def test_a_rerun_that_changes_or_removes_a_printed_member_sets_the_print_aside(tmp_path: Path) -> None:
    cycle = tmp_path / "cycle"
    config = make_cycle(cycle, small_roster())
    roster = cycle / "members.csv"
    out = tmp_path / "2024"
    quick = {"MAILMERGE_SOFFICE": "/nonexistent/soffice"}  # for runs that must convert nothing

    def approve_and_print() -> dict[str, bytes]:
        mailing.record_decisions(load_config(config), out, None, "approved", "", "テスト係")
        printrun.print_run(load_config(config), out)
        return {p.name: p.read_bytes() for p in (out / "print").iterdir()}

    assert run_cli(config, out).returncode == 0
    printed = approve_and_print()
    # Nothing changed: the print stays where it is.
    same = run_cli(config, out, **quick)
    assert same.returncode == 0 and (out / "print").is_dir() and "print フォルダー" not in same.output

    # 0003's address corrected: the print holds its old letter and label.
    moved = SAMPLE_ROWS["0003"].replace(SAMPLE_ROWS["0003"].split(",")[6], "宮城県仙台市青葉区一番町9丁目9番9号")
    roster.write_text(small_roster({"0003": moved}), encoding="utf-8")
    corrected = run_cli(config, out)
    assert corrected.returncode == 0, corrected.output
    assert not (out / "print").exists()
    [aside] = (out / "removed").glob("*/print")
    assert {p.name: p.read_bytes() for p in aside.iterdir()} == printed  # moved, not deleted
    assert (
        "以前に作成した印刷用ファイル（print フォルダー）には、今回作り直した・名簿から外れた会員（会員番号 0003）の"
        f"古い文書とラベルが入っているため、印刷に使えないよう削除せず 2024/{aside.relative_to(out)}/ に移しました。"
        "確認・承認してから mailmerge print で作り直してください"
    ) in corrected.stdout.splitlines()

    # A smaller roster: 0004 is gone, and with it the print that holds it.
    approve_and_print()
    roster.write_text(small_roster({"0003": moved}, drop=("0004",)), encoding="utf-8")
    smaller = run_cli(config, out, **quick)
    assert smaller.returncode == 0, smaller.output
    assert not (out / "print").exists()
    assert "名簿から外れた会員（会員番号 0004）の古い文書とラベル" in smaller.stdout
    assert len(list((out / "removed").glob("*/print"))) == 2
