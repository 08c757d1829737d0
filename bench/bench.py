"""Measure the whole pipeline against the baseline (two parallel soffice, own profiles) on fictional rosters.

Then (bench/quick.py) what else the secretariat waits for: a 10,000-row roster read, a rerun with nothing
changed, a run refused by the lock, Ctrl-C. `--only resume roster` measures those alone, in about a minute.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import bench_archive  # noqa: E402  (bench/bench_archive.py: sealing 1,000 members)
import check_bench  # noqa: E402
import quick  # noqa: E402  (bench/quick.py, beside this script)

from mailmerge import compose, mailing, pdfcheck, pipeline, printrun, render  # noqa: E402
from mailmerge.config import load_config  # noqa: E402
from mailmerge.roster import load_roster  # noqa: E402

OUT = ROOT / "bench" / "out"
SIZES = (100, 1000)
PARTS = ("conversion", "resume", "roster", "check", "review", "print", "archive")
# Targets from the issue.
MAX_RATIO = 0.35
MAX_RATIO_1000 = 0.12  # issue 14: shared pages once per group, a layer per member
MAX_CHECKS_MS = 1.0  # issue 10: the checks that every PDF is whole (qpdf's strict read, streams, drawing) per document
MAX_SECONDS_1000 = 90.0
MAX_PEAK_BYTES = 1.5 * 2**30
MAX_RENDER_MS = 2.0
MAX_PEAK_GROWTH = 1.25  # "flat as the roster grows": PROBE_FACTOR times the members, at most 25% more memory
PROBE_FACTOR = 3
MAX_PRINT_SECONDS = 15.0  # `mailmerge print` for 1,000 approved members
PRINT_MEMBERS = 1000
# soffice silently stops after about 250 files on one command line.
BASELINE_FILES_PER_CALL = 200

# Invented names, combined into unique fictional organisations.
KINDS = ("株式会社", "医療法人社団", "合同会社", "一般社団法人", "医療法人")
PLACES = (
    "青葉",
    "白樺",
    "みなと",
    "ひかり",
    "さくら",
    "若葉",
    "朝霧",
    "潮風",
    "星見",
    "月影",
    "雪原",
    "紅葉",
    "桜川",
    "松風",
    "水無月",
    "東雲",
    "夕凪",
    "山吹",
    "藤波",
    "翠嶺",
    "蒼穹",
    "陽向",
    "清流",
    "銀河",
    "琥珀",
    "瑠璃",
    "翡翠",
    "珊瑚",
    "若竹",
    "桐生",
)
TRADES = (
    "画像診断センター",
    "遠隔読影",
    "メディカルイメージング",
    "読影クリニック",
    "読影支援機構",
    "放射線診断室",
    "画像医療研究所",
)
DEPARTMENTS = ("", "読影管理部", "業務推進部", "遠隔読影事業部", "事務局", "放射線科")
TITLES = ("代表取締役", "理事長", "代表社員", "代表理事", "院長")
FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田")
GIVEN = ("健一", "和子", "浩二", "直樹", "裕子", "聡", "美穂", "大輔", "恵美", "剛", "陽子", "誠")
# Real postal codes with their towns (as in the sample roster); street numbers are invented.
ADDRESSES = (
    ("1010062", "東京都千代田区神田駿河台"),
    ("1130033", "東京都文京区本郷"),
    ("9800811", "宮城県仙台市青葉区一番町"),
    ("0600808", "北海道札幌市北区北八条西"),
    ("9900039", "山形県山形市香澄町"),
    ("3100021", "茨城県水戸市南町"),
    ("3200811", "栃木県宇都宮市大通り"),
    ("3300854", "埼玉県さいたま市大宮区桜木町"),
)


def make_roster(path: Path, members: int) -> None:
    """Write a fictional roster of ``members`` rows, mixed enrolled and unenrolled."""
    config = load_config(ROOT / "mailmerge.toml")
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
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for n in range(members):
            place = PLACES[n % len(PLACES)] + (PLACES[(n // len(PLACES)) % len(PLACES)] if n >= len(PLACES) else "")
            name = f"{KINDS[n % len(KINDS)]}{place}{TRADES[(n // 7) % len(TRADES)]}"
            postal, town = ADDRESSES[n % len(ADDRESSES)]
            representative = f"{FAMILY[n % len(FAMILY)]}\u3000{GIVEN[(n // 3) % len(GIVEN)]}" if n % 9 else ""
            writer.writerow(
                [
                    f"{n + 1:04d}",
                    name,
                    DEPARTMENTS[n % len(DEPARTMENTS)],
                    TITLES[n % len(TITLES)] if representative else "",
                    representative,
                    f"{postal[:3]}-{postal[3:]}",
                    f"{town}{n % 5 + 1}丁目{n % 17 + 1}番{n % 23 + 1}号",
                    f"テストビル {n % 9 + 1}階" if n % 2 else "",
                    config.groups["enrolled" if n % 3 else "unenrolled"],
                ]
            )


class Usage:
    """Measure a block: the peak RSS of this process and all its descendants (sampled), and their CPU time."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0
        self.cpu = 0.0
        self.sizes: dict[str, int] = {}
        self._sampler_cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Usage:
        self._start = _cpu_seconds()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu = _cpu_seconds() - self._start - self._sampler_cpu

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)
        self._sampler_cpu = time.thread_time()


def _children_cpu() -> float:
    # soffice is the pipeline's only child process: its CPU, once each has exited and been waited for.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


class CallTimer:
    """Time the calls of a module's functions while a block runs: thread CPU time, summed over every call.

    The pipeline calls them in its main thread (PDFium must run there). ``count``, when given, adds
    up a number from each call's arguments (the pages compose.compose_member composes).
    """

    def __init__(self, module: object, names: Sequence[str], count=None):
        self._module, self._names, self._count = module, names, count

    def __enter__(self) -> CallTimer:
        self.seconds, self.counted = 0.0, 0
        self._originals = {name: getattr(self._module, name) for name in self._names}

        def timing(original):
            def timed(*args, **kwargs):
                start = time.thread_time()
                try:
                    return original(*args, **kwargs)
                finally:
                    self.seconds += time.thread_time() - start
                    self.counted += self._count(args) if self._count else 1

            return timed

        for name, original in self._originals.items():
            setattr(self._module, name, timing(original))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self._originals.items():
            setattr(self._module, name, original)


def composing_timer() -> CallTimer:
    """Time compose.compose_member (issue 14: a member's layer laid over the shared pages), counting pages."""
    return CallTimer(compose, ("compose_member",), count=lambda args: len(args[2]))


def checks_timer() -> CallTimer:
    """Time pdfcheck's checks (issue 10: strict reads, bytes read back, streams decoded, pages drawn)."""
    return CallTimer(pdfcheck, ("structure_problem", "written_problem", "streams_problem", "page_problem"))


def median_sizes(files: Sequence[Path]) -> dict[str, int]:
    """Return the median size in KB of the PDFs per document (letter, overview), by their names."""
    by_document: dict[str, list[int]] = {}
    for path in files:
        document = "letter" if "letter" in path.name else "overview"
        by_document.setdefault(document, []).append(path.stat().st_size)
    return {document: round(statistics.median(sizes) / 1024) for document, sizes in sorted(by_document.items())}


def _cpu_seconds() -> float:
    # Children count once they have exited (and been waited for): every soffice has, by the end.
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class TimingProgress:
    """A pipeline Progress that records how long each stage took, and shows info lines."""

    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator:
        start = time.perf_counter()
        try:
            yield lambda n=1: None
        finally:
            self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start

    def info(self, message: str) -> None:
        self.notes.append(message)


def run_pipeline(roster_path: Path, out: Path) -> tuple[float, int, TimingProgress, Sequence]:
    """Run the whole pipeline (check, render, convert, verify, manifest); return its wall time and more."""
    config = load_config(ROOT / "mailmerge.toml")
    progress = TimingProgress()
    start = time.perf_counter()
    result = pipeline.run(config, roster_path=roster_path, out_dir=out, progress=progress)
    seconds = time.perf_counter() - start
    return seconds, len(result.rows), progress, result.rows


def render_all(roster_path: Path, folder: Path) -> tuple[float, list[Path]]:
    """Render every member's documents as the pipeline does, write the DOCX files; return seconds and files.

    The seconds are for rendering alone, in memory: the pipeline renders inside its conversion
    workers, overlapped with LibreOffice, so its rendering cost is measured here on its own.
    The files are what the baseline converts: the same bytes as the pipeline's DOCX files
    (checked after each pipeline run), ready before the first baseline run.
    """
    config = load_config(ROOT / "mailmerge.toml")
    members = load_roster(config, roster_path).members
    templates = {name: render.CompiledTemplate(path, name) for name, path in config.documents.items()}
    start = time.perf_counter()
    rendered = [
        (
            member.member_id,
            name,
            template.render(pipeline.member_context(member, name, config.constants), member.member_id).docx,
        )
        for member in members
        for name, template in templates.items()
    ]
    seconds = time.perf_counter() - start
    folder.mkdir(parents=True)
    files = []
    for member_id, name, docx in rendered:
        path = folder / f"{member_id}-{name}.docx"
        path.write_bytes(docx)
        files.append(path)
    return seconds, files


def run_baseline(documents: Sequence[Path], scratch: Path) -> tuple[float, int]:
    """Convert the DOCX files the naive fast way: two soffice processes at once, each its own profile."""
    # Halves by member, each with letters and overviews alike (every other file would give one
    # soffice all the letters and the other all the overviews, which take half as long again).
    halves = [documents[: len(documents) // 2], documents[len(documents) // 2 :]]
    outdir = scratch / "pdf"
    outdir.mkdir(parents=True)

    def convert(half: Sequence[Path], number: int) -> None:
        profile = scratch / f"profile{number}"
        for start in range(0, len(half), BASELINE_FILES_PER_CALL):
            # The exit status says nothing (0 with PDFs missing): the PDFs made are counted instead.
            subprocess.run(
                [
                    "soffice",
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(outdir / str(number)),
                    *map(str, half[start : start + BASELINE_FILES_PER_CALL]),
                ],
                capture_output=True,
            )

    threads = [threading.Thread(target=convert, args=(half, n)) for n, half in enumerate(halves)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    made = sum(1 for _ in outdir.rglob("*.pdf"))
    return seconds, made


def timed_baseline(documents: Sequence[Path], folder: Path) -> tuple[float, int, Usage]:
    scratch = Path(tempfile.mkdtemp(prefix="baseline-", dir=folder))
    with Usage() as usage:
        seconds, made = run_baseline(documents, scratch)
    # Each DOCX converted directly, whole: what a member's PDF weighed before shared pages (issue 14).
    usage.sizes = median_sizes(list(scratch.rglob("*.pdf")))
    shutil.rmtree(scratch)
    return seconds, made, usage


def measure(members: int, folder: Path, runs: int, baseline: bool = True) -> list[dict]:
    """Run the pipeline ``runs`` times, each between two baseline runs (B P B P B ...); return a row per run.

    This machine's speed drifts (it is shared): a pipeline run is compared with the mean of
    the baseline runs just before and just after it, which cancels a steady drift.
    """
    render_seconds, docx_files = render_all(folder / "roster.csv", folder / "docx")
    expected = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in docx_files}
    before = timed_baseline(docx_files, folder) if baseline else (float("nan"), 0, None)
    rows = []
    for _ in range(runs):
        shutil.rmtree(folder / "out", ignore_errors=True)
        children = _children_cpu()
        with Usage() as pipeline_usage, composing_timer() as composing, checks_timer() as checking:
            seconds, documents, progress, result_rows = run_pipeline(folder / "roster.csv", folder / "out")
        soffice_cpu = _children_cpu() - children
        sizes = median_sizes([folder / "out" / row.pdf for row in result_rows])
        made = {f"{row.member_id}-{row.document}.docx": row.docx_sha256 for row in result_rows}
        if made != expected:
            raise SystemExit(
                f"the pipeline's DOCX files differ from the ones the baseline converts: "
                f"{sorted(set(made.items()) ^ set(expected.items()))[:4]}"
            )
        after = timed_baseline(docx_files, folder) if baseline else (float("nan"), 0, None)
        baseline_seconds = (before[0] + after[0]) / 2
        rows.append(
            {
                "members": members,
                "documents": documents,
                "pipeline_s": seconds,
                "pipeline_ms": 1000 * seconds / documents,
                "render_ms": 1000 * render_seconds / documents,
                "baseline_ms": 1000 * baseline_seconds / documents,
                "baseline_made": min(before[1], after[1]),
                "ratio": seconds / baseline_seconds,
                # CPU seconds of all processes: what the ratio tends to when the two cores are busy anyway.
                "cpu_ratio": 2 * pipeline_usage.cpu / (before[2].cpu + after[2].cpu) if baseline else float("nan"),
                "pipeline_peak": pipeline_usage.peak,
                "baseline_peak": max(before[2].peak, after[2].peak) if baseline else 0,
                "stages": progress.seconds,
                "notes": progress.notes,
                "soffice_ms_member": 1000 * soffice_cpu / members,
                "compose_ms_page": 1000 * composing.seconds / composing.counted if composing.counted else float("nan"),
                "composed_pages": composing.counted,
                "checks_ms": 1000 * checking.seconds / documents,
                "sizes_kb": sizes,
                "direct_sizes_kb": before[2].sizes if baseline else {},
                "audit": [note for note in progress.notes if "照合" in note or "全体で変換" in note],
            }
        )
        before = after
    return rows


def bench_review_part() -> bool:
    """The review app on 1,000 members (bench_review.py); print its checks, return True when all pass."""
    from bench_review import measure_review

    folder = OUT / "review"
    folder.mkdir(parents=True)  # before OUT is made afresh below: a fresh clone has none
    checks = measure_review(folder, make_roster)
    shutil.rmtree(folder)
    for text, passed in checks:
        print(f"{'ok  ' if passed else 'MISS'} review: {text}", flush=True)
    print(flush=True)
    return all(passed for _text, passed in checks)


def bench_print(members: int, runs: int) -> dict:
    """Time `mailmerge print` (printrun.print_run) for MEMBERS approved members; return wall and CPU times, sizes.

    The output it prints from is real: a fictional roster of MEMBERS rows run through the whole pipeline
    once (a config copy pointing at it), then every member approved through the review core. With
    --keep the folder stays, and the next `--only print` prints from it again without the run.
    """
    folder = OUT / f"print-{members}"
    out = folder / "out"
    run_seconds = 0.0
    if not (out / "manifest.csv").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        make_roster(folder / "roster.csv", members)
        text = (ROOT / "mailmerge.toml").read_text(encoding="utf-8")
        text = text.replace('path = "data/members.xlsx"', f'path = "{folder / "roster.csv"}"')
        text = text.replace('= "templates/', f'= "{ROOT / "templates"}/')
        (folder / "mailmerge.toml").write_text(text, encoding="utf-8")
        start = time.perf_counter()
        pipeline.run(load_config(folder / "mailmerge.toml"), out_dir=out, progress=TimingProgress())
        run_seconds = time.perf_counter() - start
    config = load_config(folder / "mailmerge.toml")
    mailing.record_decisions(config, out, None, "approved", "", "bench")
    seconds, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = printrun.print_run(config, out)
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert result.printed == members and not result.left_out
    pages = sum(b.pages for b in result.bundles)
    size = sum(b.path.stat().st_size for b in result.bundles)
    separate = sum((out / row.pdf).stat().st_size for row in mailing.open_run(config, out).rows)
    return {
        "members": members,
        "seconds": seconds,
        "cpu": cpu,
        "pages": pages,
        "bundle_bytes": size,
        "separate_bytes": separate,
        "run_seconds": run_seconds,
        "labels_bytes": result.labels.stat().st_size,
        "load": os.getloadavg()[0],
    }


def report_print(row: dict) -> tuple[int, str, bool]:
    median = statistics.median(row["seconds"])
    made = (
        f"made by one pipeline run first: {row['run_seconds']:.1f} s"
        if row["run_seconds"]
        else "kept from an earlier --keep"
    )
    print(
        f"{row['members']:5d} members approved, print ({len(row['seconds'])} runs): median {median:.2f} s "
        f"(runs {', '.join(format(s, '.2f') for s in row['seconds'])}), CPU median "
        f"{statistics.median(row['cpu']):.2f} s "
        f"(runs {', '.join(format(s, '.2f') for s in row['cpu'])}); load average {row['load']:.1f}; "
        f"{row['pages']} pages in the bundles, {row['bundle_bytes'] / 2**20:.0f} MB "
        f"(the member PDFs: {row['separate_bytes'] / 2**20:.0f} MB), labels {row['labels_bytes'] / 2**10:.0f} KB "
        f"({made})",
        flush=True,
    )
    return row["members"], f"print {median:.1f} s ≤ {MAX_PRINT_SECONDS:g} s", median <= MAX_PRINT_SECONDS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="roster sizes (members)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=0,
        help="runs per size, medians shown (default: 5 up to 100 members, else 3; resume and roster: 5)",
    )
    parser.add_argument("--keep", action="store_true", help=f"keep the generated files in {OUT}")
    parser.add_argument("--no-baseline", action="store_true", help="time the pipeline only (while working on it)")
    parser.add_argument(
        "--no-probe",
        dest="probe",
        action="store_false",
        help=f"skip the memory probe ({PROBE_FACTOR}x the largest roster, pipeline only)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="measure only these: conversion (~10 min), resume (rerun, refusal, Ctrl-C; ~1 min), roster (~20 s), "
        "check (10,000 members and hostile rosters, ~1 min), review (1,000-member list page and thumbnails, ~1 "
        "min), print (1,000 approved members, ~2 min), archive (sealing 1,000 members, ~5 min)",
    )
    args = parser.parse_args(argv)
    review_ok = bench_review_part() if "review" in args.only else True
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    conversion = "conversion" in args.only
    if conversion:
        print(
            f"{os.cpu_count()} CPUs; pipeline = mailmerge.pipeline.run, end to end; "
            "baseline = two soffice processes, own profiles, on the same DOCX files (byte for byte); "
            "each pipeline run is compared with the baseline runs just before and after it",
            flush=True,
        )
    rows = []
    for members in args.sizes if conversion else []:
        folder = OUT / f"{members}"
        folder.mkdir()
        make_roster(folder / "roster.csv", members)
        runs = measure(members, folder, args.repeat or (5 if members <= 100 else 3), not args.no_baseline)
        # Pipeline and baseline run side by side, so the ratio is taken per run, then the median.
        row = dict(sorted(runs, key=lambda r: r["ratio"])[len(runs) // 2])
        for key in (
            "pipeline_s",
            "pipeline_ms",
            "render_ms",
            "baseline_ms",
            "cpu_ratio",
            "soffice_ms_member",
            "compose_ms_page",
            "checks_ms",
        ):
            row[key] = statistics.median(r[key] for r in runs)
        for key in ("pipeline_peak", "baseline_peak"):
            row[key] = max(r[key] for r in runs)
        row["runs"] = runs
        rows.append(row)
        print(
            f"{members:5d} members, {row['documents']:5d} documents ({len(runs)} runs, medians): pipeline "
            f"{row['pipeline_ms']:5.1f} ms/doc ({row['pipeline_s']:.1f} s; rendering {row['render_ms']:.2f} ms/doc), "
            f"baseline {row['baseline_ms']:5.1f} ms/doc ({row['baseline_made']} of {row['documents']} PDFs), "
            f"ratio {row['ratio']:.2f} (runs: {', '.join(format(r['ratio'], '.2f') for r in runs)}; CPU time "
            f"{row['cpu_ratio']:.2f}); "
            f"peak memory pipeline {row['pipeline_peak'] / 2**20:.0f} MB, baseline "
            f"{row['baseline_peak'] / 2**20:.0f} MB",
            flush=True,
        )
        print("      stages: " + ", ".join(f"{label} {s:.2f} s" for label, s in row["stages"].items()), flush=True)
        print(
            f"      LibreOffice CPU {row['soffice_ms_member']:.1f} ms per member (letter + overview; runs: "
            f"{', '.join(format(r['soffice_ms_member'], '.1f') for r in runs)}); composition "
            f"{row['compose_ms_page']:.2f} ms "
            f"per page (runs: {', '.join(format(r['compose_ms_page'], '.2f') for r in runs)}; "
            f"{row['composed_pages']} pages composed)",
            flush=True,
        )
        print(
            f"      checks that every PDF is whole (qpdf strict reads, bytes read back, streams decoded, pages "
            f"drawn): {row['checks_ms']:.2f} ms "
            f"per document (runs: {', '.join(format(r['checks_ms'], '.2f') for r in runs)})",
            flush=True,
        )
        print(
            f"      member PDF size, median KB: this run's {row['sizes_kb']}, each DOCX converted directly "
            f"{row['direct_sizes_kb']}",
            flush=True,
        )
        failed_audits = [n for r in runs for n in r["audit"] if "全体で変換" in n]
        print(
            f"      audit: {sum(len(r['audit']) for r in runs) - len(failed_audits)} template-groups passed over "
            f"{len(runs)} runs, "
            f"{len(failed_audits)} switched to whole conversion",
            flush=True,
        )
        for note in failed_audits[:4]:
            print(f"      note: {note}")
        for note in [n for n in row["notes"] if n not in row["audit"]][:5]:
            print(f"      note: {note}")
        if not args.keep:
            shutil.rmtree(folder)

    if rows:
        print()
    ok = True
    checks = []
    for row in rows:
        checks += [
            (row["members"], f"ratio {row['ratio']:.2f} ≤ {MAX_RATIO}", row["ratio"] <= MAX_RATIO),
            (
                row["members"],
                f"peak memory {row['pipeline_peak'] / 2**30:.2f} GB ≤ 1.5 GB",
                row["pipeline_peak"] <= MAX_PEAK_BYTES,
            ),
            (
                row["members"],
                f"rendering {row['render_ms']:.2f} ms/doc ≤ {MAX_RENDER_MS}",
                row["render_ms"] <= MAX_RENDER_MS,
            ),
            (
                row["members"],
                f"checks {max(r['checks_ms'] for r in row['runs']):.2f} ms/doc (worst run) ≤ {MAX_CHECKS_MS}",
                max(r["checks_ms"] for r in row["runs"]) <= MAX_CHECKS_MS,
            ),
        ]
        if row["members"] == 1000:
            checks.append(
                (
                    1000,
                    f"end to end {row['pipeline_s']:.1f} s ≤ {MAX_SECONDS_1000:g} s",
                    row["pipeline_s"] <= MAX_SECONDS_1000,
                )
            )
            worst = max(r["ratio"] for r in row["runs"])
            checks.append(
                (
                    1000,
                    f"ratio {worst:.2f} (worst run) ≤ {MAX_RATIO_1000} (shared pages + layers)",
                    worst <= MAX_RATIO_1000,
                )
            )
            failed = [n for r in row["runs"] for n in r["audit"] if "全体で変換" in n]
            checks.append((1000, f"audit passed on every run ({len(failed)} switched to whole conversion)", not failed))
    if args.probe and rows:
        # Flat as the roster grows: the largest roster again, times PROBE_FACTOR, pipeline only. (From 100 to
        # 1,000 members LibreOffice's memory grows anyway: each soffice then converts a full batch, 400
        # documents, before it is restarted; past that nothing should grow with the roster.)
        largest = rows[-1]
        members = largest["members"] * PROBE_FACTOR
        folder = OUT / f"{members}"
        folder.mkdir()
        make_roster(folder / "roster.csv", members)
        shutil.rmtree(folder / "out", ignore_errors=True)
        with Usage() as usage:
            seconds, documents, _progress, _rows = run_pipeline(folder / "roster.csv", folder / "out")
        shutil.rmtree(folder)
        print(
            f"{members:5d} members, {documents:5d} documents (once, pipeline only): "
            f"{1000 * seconds / documents:5.1f} ms/doc "
            f"({seconds:.1f} s); peak memory {usage.peak / 2**20:.0f} MB",
            flush=True,
        )
        growth = usage.peak / largest["pipeline_peak"]
        checks.append(
            (
                members,
                f"peak memory x{growth:.2f} of {largest['members']} members' (flat: ≤ x{MAX_PEAK_GROWTH})",
                growth <= MAX_PEAK_GROWTH and usage.peak <= MAX_PEAK_BYTES,
            )
        )
    figures = quick.measure(args.only, OUT / "quick", args.repeat or 5)
    checks += [figure.check() for figure in figures]
    if "archive" in args.only:
        checks += bench_archive.run(make_roster, repeat=args.repeat or 5, keep=args.keep, out_root=OUT)
    if not args.keep:
        shutil.rmtree(OUT / "quick", ignore_errors=True)
    if rows:
        print()
    ok &= review_ok
    if "print" in args.only:
        OUT.mkdir(parents=True, exist_ok=True)
        checks.append(report_print(bench_print(PRINT_MEMBERS, args.repeat or 5)))
        if not args.keep:
            shutil.rmtree(OUT / f"print-{PRINT_MEMBERS}")
    for members, text, passed in checks:
        ok &= passed
        print(f"{'ok  ' if passed else 'MISS'} {members:5d} members: {text}")
    print()
    if "check" in args.only:
        ok &= report_check() == 0
    return 0 if ok else 1


def report_check() -> int:
    """Time `check` at 10,000 members and its peak memory on hostile rosters; print figures and ok/MISS."""
    checks, lines = check_bench.run(make_roster)
    for line in lines:
        print(line, flush=True)
    for text, passed in checks:
        print(f"{'ok  ' if passed else 'MISS'} {text}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
