"""Measure the workspace (mailmerge serve) on 1,000 members: ホーム, and a roster upload checked (名簿)."""

from __future__ import annotations

import io
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench import make_roster  # noqa: E402
from bench_review import make_review_folder  # noqa: E402

from mailmerge import webapp  # noqa: E402

MAX_HOME_S = 0.5
MAX_ROSTER_CHECK_S = 0.5
RUNS = 5
TOKEN = "bench-token-0123456789abcdef"


def _timed(call) -> float:
    start = time.perf_counter()
    response = call()
    assert response.status_code < 400, response.status_code
    return time.perf_counter() - start


def main() -> bool:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        config, out = make_review_folder(folder, make_roster)
        app = webapp.create_app(config, out, TOKEN)
        client = app.test_client()
        client.get(f"/workspace/?token={TOKEN}")
        cold = _timed(lambda: client.get("/workspace/"))
        home = [_timed(lambda: client.get("/workspace/")) for _ in range(RUNS)]
        changed = []
        for n in range(RUNS):
            # A roster saved again (its time changed): ホーム reads the roster and the run afresh.
            os.utime(config.roster, (time.time() + n + 1, time.time() + n + 1))
            changed.append(_timed(lambda: client.get("/workspace/")))
        csrf = re.search(r'csrf-token" content="([^"]+)"', client.get("/workspace/").get_data(as_text=True)).group(1)
        data = Path(config.roster).read_bytes()
        checks = []
        for _ in range(RUNS):
            start = time.perf_counter()
            sent = client.post(
                "/workspace/roster/upload",
                data={"file": (io.BytesIO(data), "roster.csv")},
                headers={"X-CSRF-Token": csrf},
                content_type="multipart/form-data",
            )
            page = client.get(sent.get_json()["next"])
            assert "エラー 0 件" in page.get_data(as_text=True)
            checks.append(time.perf_counter() - start)
    rows = [
        (
            f"ホーム, 1,000 members, warm (≤ {MAX_HOME_S} s): median {statistics.median(home):.3f} s "
            f"(first in the process: {cold:.3f} s; after a roster change: median {statistics.median(changed):.3f} s)",
            statistics.median(home) <= MAX_HOME_S,
        ),
        (
            f"名簿 upload + check result, 1,000-member CSV (≤ {MAX_ROSTER_CHECK_S} s): median "
            f"{statistics.median(checks):.3f} s",
            statistics.median(checks) <= MAX_ROSTER_CHECK_S,
        ),
    ]
    for text, passed in rows:
        print(f"{'ok  ' if passed else 'MISS'} workspace: {text}", flush=True)
    return all(passed for _, passed in rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
