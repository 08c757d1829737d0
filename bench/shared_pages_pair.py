"""The `[conversion] shared_pages` switch, on against off: the same roster, the same machine, runs alternated.

Each run is the whole pipeline (`pipeline.run`) into a fresh folder, the config's `shared_pages` set on
(composed path: shared pages once per template and group, a layer per member) or off (every document
converted whole). The order is ABBA…, so a machine that slows down or speeds up during the measurement
weighs on both alike; the load average is printed beside each run. No target: the figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bench import OUT, make_roster  # noqa: E402  (bench/bench.py: the fictional roster)

from mailmerge import pipeline  # noqa: E402
from mailmerge.config import load_config  # noqa: E402


def _cpu_seconds() -> float:
    """Return the CPU seconds of this process and of its children waited for (LibreOffice)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_run(shared_pages: bool, roster: Path, out: Path) -> tuple[float, float, int]:
    """Run the pipeline once with the switch as given; return wall seconds, CPU seconds and documents."""
    config = dataclasses.replace(load_config(ROOT / "mailmerge.toml"), shared_pages=shared_pages)
    shutil.rmtree(out, ignore_errors=True)
    cpu = _cpu_seconds()
    start = time.perf_counter()
    result = pipeline.run(config, roster_path=roster, out_dir=out)
    return time.perf_counter() - start, _cpu_seconds() - cpu, len(result.rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1000, help="roster size (default 1000)")
    parser.add_argument("--pairs", type=int, default=3, help="runs of each setting (default 3)")
    args = parser.parse_args(argv)
    folder = OUT / f"shared-pages-{args.members}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    roster = folder / "roster.csv"
    make_roster(roster, args.members)
    # A B B A A B …: each setting as often first as second.
    order = [setting for n in range(args.pairs) for setting in ((True, False) if n % 2 == 0 else (False, True))]
    print(f"{os.cpu_count()} CPUs, {args.members} members, runs in the order {' '.join('AB'[not s] for s in order)}")
    print("A = shared_pages = true (composed path), B = shared_pages = false (every document whole)", flush=True)
    figures: dict[bool, list[tuple[float, float, int]]] = {True: [], False: []}
    for number, setting in enumerate(order, 1):
        load = os.getloadavg()[0]
        seconds, cpu, documents = one_run(setting, roster, folder / "out")
        figures[setting].append((seconds, cpu, documents))
        print(
            f"run {number} {'AB'[not setting]}: {seconds:6.1f} s wall, {1000 * seconds / documents:5.1f} ms/doc, "
            f"CPU {cpu:6.1f} s ({1000 * cpu / documents:5.1f} ms/doc), load {load:.1f} before",
            flush=True,
        )
    for setting, label in ((True, "A on "), (False, "B off")):
        walls = [1000 * s / d for s, _c, d in figures[setting]]
        cpus = [1000 * c / d for _s, c, d in figures[setting]]
        print(
            f"{label}: wall {statistics.median(walls):5.1f} ms/doc ({min(walls):.1f}–{max(walls):.1f}), "
            f"CPU {statistics.median(cpus):5.1f} ms/doc ({min(cpus):.1f}–{max(cpus):.1f})"
        )
    ratios = [a[0] / b[0] for a, b in zip(figures[True], figures[False], strict=True)]
    print(
        f"on/off wall ratio per pair: {', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f})"
    )
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
