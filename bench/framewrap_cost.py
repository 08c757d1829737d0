"""What breaking the letter frame's long lines at their spaces costs (issue 21), per rendered letter.

The sample roster's members are rendered with the letter template as the pipeline renders them,
with the frame's lines measured (framewrap.FrameLines, what render does now) and without (as
before), alternated; then again with every member given an address that is broken at a space. CPU
time of this process per document; median and range of several rounds. No target: the figure is
set against LibreOffice's ~8 ms a letter in docs/performance.md.
Usage: .venv/bin/python bench/framewrap_cost.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mailmerge import pipeline, render  # noqa: E402
from mailmerge.config import load_config  # noqa: E402
from mailmerge.roster import load_roster  # noqa: E402

LONG_ADDRESS = "見本ステーションビルディング東館 12階 見本リモート読影センター内"  # fictional


def render_time(template: render.CompiledTemplate, contexts: list[dict], repeats: int) -> float:
    """Return the CPU milliseconds of rendering one letter, over every context REPEATS times."""
    start = time.process_time()
    for _ in range(repeats):
        for context in contexts:
            template.render(context)
    return (time.process_time() - start) * 1000 / (repeats * len(contexts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    config = load_config(ROOT / "mailmerge.toml")
    members = load_roster(config).members
    template = render.CompiledTemplate(config.documents["letter"], "letter")
    measuring = template._frame_lines  # what render makes for a template with a frame
    contexts = [dict(pipeline.member_context(m, "letter", config.constants)) for m in members]
    broken = [{**context, "address2": LONG_ADDRESS} for context in contexts]
    print(f"letter, {len(members)} members of the sample roster, {args.rounds} rounds (CPU ms a document)")
    for label, cases in (("sample roster", contexts), ("every address broken at a space", broken)):
        times: dict[str, list[float]] = {"without (before)": [], "with (now)": []}
        for _ in range(args.rounds):
            for variant, lines in (("without (before)", None), ("with (now)", measuring)):
                template._frame_lines = lines
                times[variant].append(render_time(template, cases, repeats=10))
        extra = [now - before for now, before in zip(times["with (now)"], times["without (before)"], strict=True)]
        for variant, values in [*times.items(), ("extra", extra)]:
            print(f"  {label}: {variant}: median {statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})")
    template._frame_lines = measuring
    return 0


if __name__ == "__main__":
    sys.exit(main())
