"""What making member PDFs byte-reproducible costs (issue 21), per document, on a finished run's PDFs.

Each member PDF of DIR is copied into a new PDF (as verify.write_pages and compose.compose_member
start) and saved as pdfcheck.write_checked saved before (random /ID) against what it does now
(make_reproducible, then qpdf's deterministic /ID), and each half alone. CPU time of this process,
per document; median and range of several rounds (the machine is shared).
Usage: .venv/bin/python bench/reproducible_cost.py DIR [--rounds N]   (DIR: a `mailmerge run` output folder)
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import pikepdf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mailmerge import pdfcheck  # noqa: E402

VARIANTS = {
    "save as before": (False, False),
    "+ make_reproducible": (True, False),
    "+ deterministic /ID": (False, True),
    "both (write_checked now)": (True, True),
}


def save_time(source: pikepdf.Pdf, reproducible: bool, deterministic: bool) -> float:
    """Return the CPU seconds of normalising (when asked) and saving one member's copy into memory."""
    with pikepdf.new() as out:
        out.pages.extend(source.pages)
        start = time.process_time()
        if reproducible:
            pdfcheck.make_reproducible(out)
        out.save(
            io.BytesIO(),
            fix_metadata_version=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            deterministic_id=deterministic,
        )
        return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    paths = sorted(args.out_dir.glob("*/*/*.pdf"))
    if not paths:
        parser.error(f"no member PDFs under {args.out_dir}")
    sources = [pikepdf.open(path) for path in paths]
    figures: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _round in range(args.rounds):
        for name, variant in VARIANTS.items():  # interleaved: the machine's speed drifts
            figures[name].append(sum(save_time(source, *variant) for source in sources) / len(sources) * 1000)
    print(f"{len(sources)} member PDFs, {args.rounds} rounds, CPU ms a document: median (range)")
    for name, values in figures.items():
        print(f"  {name:26} {statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})")
    extra = [b - a for a, b in zip(figures["save as before"], figures["both (write_checked now)"], strict=False)]
    print(f"  {'normalisation, extra':26} {statistics.median(extra):.3f} ({min(extra):.3f}–{max(extra):.3f})")


if __name__ == "__main__":
    main()
