"""Time what the secretariat waits for besides conversion: reading a large roster, a rerun, a refusal, Ctrl-C.

These figures were once asserted by the tests (which now check only what happens, never how soon:
a busy machine made them fail). Each is measured several times; the median and the range are shown
against the target. `python bench/bench.py --only resume roster` runs just these, in about a minute.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "mailmerge.toml"
# The console script beside the interpreter running the bench (`make bench` uses .venv's).
MAILMERGE = Path(sys.executable).parent / "mailmerge"

ROSTER_ROWS = 10_000
MAX_ROSTER_SECONDS = 2.0
MAX_RERUN_SECONDS = 5.0
MAX_REFUSAL_SECONDS = 3.0
MAX_STOP_SECONDS = 5.0
LOCKED = "別の mailmerge run がこの出力先に書き込み中です"


@dataclass(frozen=True)
class Figure:
    """Several timings of one thing, and its target."""

    members: int
    what: str
    seconds: tuple[float, ...]
    target: float

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def line(self) -> str:
        return (
            f"{self.what}: median {self.median:.2f} s ({min(self.seconds):.2f}–{max(self.seconds):.2f} s, "
            f"{len(self.seconds)} runs) ≤ {self.target:g} s"
        )

    def check(self) -> tuple[int, str, bool]:
        """Return the row bench.py prints as ok/MISS: the median against the target."""
        return self.members, self.line(), self.median <= self.target


def measure(parts: Sequence[str], folder: Path, repeat: int) -> list[Figure]:
    """Measure the ``parts`` asked for ("roster", "resume") ``repeat`` times each, working in ``folder``."""
    figures: list[Figure] = []
    if "roster" in parts:
        figures.append(measure_roster(folder / "roster", repeat))
    if "resume" in parts:
        figures.extend(measure_resume(folder / "resume", repeat))
    return figures


# ---------------------------------------------------------------------------------------------- roster


def measure_roster(folder: Path, repeat: int) -> Figure:
    """Time load_roster on a fictional 10,000-row workbook (postal codes looked up, every cell checked)."""
    import openpyxl  # the test extra, which `make bench` installs

    from mailmerge.config import load_config
    from mailmerge.roster import load_roster

    folder.mkdir(parents=True)
    config = load_config(CONFIG)
    places = [
        ("103-0027", "東京都中央区日本橋"),
        ("060-0001", "北海道札幌市中央区北一条西"),
        ("980-0811", "宮城県仙台市青葉区一番町"),
        ("530-0001", "大阪府大阪市北区梅田"),
        ("460-0008", "愛知県名古屋市中区栄"),
        ("812-0011", "福岡県福岡市博多区博多駅前"),
        ("600-8216", "京都府京都市下京区東塩小路町"),
        ("900-0015", "沖縄県那覇市久茂地"),
    ]
    headers = [
        config.columns[f]
        for f in (
            "member_id",
            "organisation",
            "department",
            "representative_title",
            "representative_name",
            "postal_code",
            "address1",
            "address2",
            "group",
        )
    ]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for i in range(ROSTER_ROWS):
        code, town = places[i % len(places)]
        sheet.append(
            [
                f"{i:05d}",
                f"株式会社テスト画像診断{i}",
                "読影部",
                "代表取締役",
                f"試験\u3000太郎{i % 97}",
                code,
                f"{town}{i % 9 + 1}丁目{i % 20 + 1}番{i % 30 + 1}号",
                f"テストビル {i % 12 + 1}階",
                config.groups["enrolled" if i % 3 else "unenrolled"],
            ]
        )
    path = folder / "roster.xlsx"
    book.save(path)

    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        roster = load_roster(config, path)
        timings.append(time.perf_counter() - start)
        if roster.problems or len(roster.members) != ROSTER_ROWS:
            raise SystemExit(
                f"the bench's roster did not load cleanly: {len(roster.problems)} problems, "
                f"{len(roster.members)} members"
            )
    return Figure(ROSTER_ROWS, "load_roster, .xlsx", tuple(timings), MAX_ROSTER_SECONDS)


# ---------------------------------------------------------------------------------------------- resume


def measure_resume(folder: Path, repeat: int) -> list[Figure]:
    """Time, on the sample cycle (30 members, 60 documents), through the CLI in its own process:

    - a rerun with nothing changed (no LibreOffice allowed: it must convert nothing);
    - a run refused because another holds the output folder's lock;
    - Ctrl-C while LibreOffice converts, from the signal to the run's exit (status 130).
    """
    folder.mkdir(parents=True)
    out = folder / "2024"
    first = _mailmerge(out)
    members = _members(first)

    reruns = _timed(
        repeat,
        lambda: _mailmerge(out, env={"MAILMERGE_SOFFICE": "/nonexistent/soffice"}),
        lambda done: done.returncode == 0 and "新規作成 0," in done.stdout,
    )

    with (out / ".mailmerge.lock").open("r+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        refusals = _timed(
            repeat, lambda: _mailmerge(out, "--force"), lambda done: done.returncode == 1 and LOCKED in done.stderr
        )

    stops = [_stop_while_converting(folder / f"stopped-{n}") for n in range(repeat)]
    return [
        Figure(members, "rerun with nothing changed", tuple(reruns), MAX_RERUN_SECONDS),
        Figure(members, "run refused (folder locked by another)", tuple(refusals), MAX_REFUSAL_SECONDS),
        Figure(members, "Ctrl-C while converting → exit 130", tuple(stops), MAX_STOP_SECONDS),
    ]


def _mailmerge(out: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(MAILMERGE), "run", "--config", str(CONFIG), "--out", str(out), "--quiet", *args]
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL
    )


def _members(done: subprocess.CompletedProcess[str]) -> int:
    if done.returncode != 0:
        raise SystemExit(f"the sample cycle failed:\n{done.stdout}{done.stderr}")
    for line in done.stdout.splitlines():
        if line.startswith("完了: "):
            return int(line.split()[1])
    raise SystemExit(f"no closing line in the run's output:\n{done.stdout}")


def _timed(
    repeat: int,
    run: Callable[[], subprocess.CompletedProcess[str]],
    ok: Callable[[subprocess.CompletedProcess[str]], bool],
) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = run()
        timings.append(time.perf_counter() - start)
        if not ok(done):
            raise SystemExit(f"unexpected result (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return timings


def _stop_while_converting(out: Path) -> float:
    """Start a run, send SIGINT once its LibreOffice runs, and return the seconds until it exited."""
    command = [str(MAILMERGE), "run", "--config", str(CONFIG), "--out", str(out), "--quiet"]
    run = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )
    parent = psutil.Process(run.pid)
    while not _converting(parent):
        if run.poll() is not None:
            raise SystemExit(f"the run ended before LibreOffice started:\n{run.stderr.read() if run.stderr else ''}")
        time.sleep(0.005)
    start = time.perf_counter()
    run.send_signal(signal.SIGINT)
    _, errors = run.communicate(timeout=120)
    seconds = time.perf_counter() - start
    if run.returncode != 130:
        raise SystemExit(f"Ctrl-C gave exit status {run.returncode}, not 130:\n{errors}")
    shutil.rmtree(out)
    return seconds


def _converting(parent: psutil.Process) -> bool:
    try:
        children = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return False
    for child in children:
        try:
            if child.name() == "soffice.bin":
                return True
        except psutil.NoSuchProcess:
            pass
    return False
