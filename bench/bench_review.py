"""Measure the review app on 1,000 members: the list page over HTTP, fully shown in chromium, thumbnails."""

from __future__ import annotations

import csv
import dataclasses
import http.client
import json
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mailmerge import pipeline, thumbnails, webapp, webserver  # noqa: E402
from mailmerge.config import Config, load_config  # noqa: E402
from mailmerge.fsutil import sha256_of  # noqa: E402
from mailmerge.manifest import write_manifest  # noqa: E402
from mailmerge.models import ManifestRow  # noqa: E402
from mailmerge.roster import load_roster  # noqa: E402

MEMBERS = 1000
MAX_LIST_SERVED_S = 1.0
MAX_LIST_SHOWN_S = 3.0
MAX_THUMB_MS = 10.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "bench-token-0123456789abcdef"


def make_review_folder(folder: Path, make_roster: Callable[[Path, int], None]) -> tuple[Config, Path]:
    """Return a config and an output folder of MEMBERS members, made cheaply.

    Two real PDFs of each document (one per group, from a real run of the first three roster rows)
    are copied for every member with a line appended after %%EOF (readers ignore it), so every
    member's files have their own hash: the thumbnail cache is as cold as after a real run.
    """
    roster = folder / "roster.csv"
    make_roster(roster, MEMBERS)
    config = dataclasses.replace(load_config(ROOT / "mailmerge.toml"), roster=roster)
    seed = folder / "seed"
    pipeline.run(config, out_dir=seed, limit=3)
    seeds = {(r.group, r.document): r for r in pipeline_rows(seed)}
    members = {m.member_id: m for m in load_roster(config).members}
    templates = {name: sha256_of(path) for name, path in config.documents.items()}
    out = folder / "out"
    rows = []
    with roster.open(encoding="utf-8") as handle:
        records = list(csv.reader(handle))[1:]
    for record in records:
        member_id, name, group = (
            record[0],
            record[1],
            "enrolled" if record[8] == config.groups["enrolled"] else "unenrolled",
        )
        for document in config.documents:
            source = seeds[(group, document)]
            target = out / group / member_id
            target.mkdir(parents=True, exist_ok=True)
            for ext in ("docx", "pdf"):
                data = (seed / getattr(source, ext)).read_bytes()
                if ext == "pdf":
                    data += f"\n% member {member_id}\n".encode()
                (target / f"{document}.{ext}").write_bytes(data)
            rows.append(
                ManifestRow(
                    member_id=member_id,
                    name=name,
                    group=group,
                    document=document,
                    docx=f"{group}/{member_id}/{document}.docx",
                    pdf=f"{group}/{member_id}/{document}.pdf",
                    pages=source.pages,
                    docx_sha256=sha256_of(target / f"{document}.docx"),
                    pdf_sha256=sha256_of(target / f"{document}.pdf"),
                    input_sha256=pipeline.input_digest(members[member_id], document, templates[document], config),
                )
            )
    write_manifest(out / "manifest.csv", rows)
    enrolled = sum(1 for r in records if r[8] == config.groups["enrolled"])
    (out / "summary.json").write_text(
        json.dumps(
            {
                "roster_rows": len(records),
                "enrolled": enrolled,
                "unenrolled": len(records) - enrolled,
                "rejected": 0,
                "blank_rows_skipped": 0,
                "selected_members": len(records),
                "selected_documents": len(rows),
                "documents_made": len(rows),
                "documents_reused": 0,
                "documents_in_manifest": len(rows),
                "removed_members": [],
            }
        ),
        encoding="utf-8",
    )
    return config, out


def pipeline_rows(out: Path) -> list[ManifestRow]:
    from mailmerge.manifest import read_manifest

    return read_manifest(out / "manifest.csv")


def _get(port: int, path: str, cookie: str) -> tuple[float, int, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    seconds = time.perf_counter() - start
    connection.close()
    return seconds, response.status, len(body)


def _stats(values: Sequence[float]) -> str:
    return f"median {statistics.median(values):.3f} (range {min(values):.3f}–{max(values):.3f}, {len(values)} runs)"


def _load() -> str:
    import os

    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def measure_review(folder: Path, make_roster: Callable[[Path, int], None], runs: int = 5) -> list[tuple[str, bool]]:
    """Print the review app's figures on MEMBERS members; return (check, passed) lines."""
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    config, out = make_review_folder(folder, make_roster)
    print(
        f"review: {MEMBERS} members' output folder made in {time.perf_counter() - started:.1f} s ({_load()})",
        flush=True,
    )
    app = webapp.create_app(config, out, TOKEN)
    server = webserver.make_server(app, 0)
    port = server.effective_port
    threading.Thread(target=server.run, daemon=True).start()
    cookie = f"mailmerge_token_{port}={TOKEN}"
    checks = []
    try:
        served = []
        for _ in range(runs):
            seconds, status, size = _get(port, "/", cookie)
            assert status == 200, status
            served.append(seconds)
        api = [_get(port, "/api/members", cookie)[0] for _ in range(runs)]
        print(
            f"review: list page ({size / 1024:.0f} KB) served in s: {_stats(served)}; /api/members {_stats(api)}",
            flush=True,
        )
        checks.append(
            (
                f"list page of {MEMBERS} members served in {statistics.median(served):.2f} s ≤ {MAX_LIST_SERVED_S:g} s",
                statistics.median(served) <= MAX_LIST_SERVED_S,
            )
        )

        # Fully shown: every row laid out and every thumbnail in the first screen drawn, from a cold cache.
        shown_cold, shown_warm, busy = [], [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n in range(runs * 2):
                cold = n % 2 == 0
                if cold:
                    shutil.rmtree(out / thumbnails.CACHE_NAME, ignore_errors=True)
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable")
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}", wait_until="load")
                # The first screen holds fewer than 10 rows. (Asking every image for its position would make
                # chromium lay out all 1,000 rows that content-visibility lets it skip, on every poll.)
                page.wait_for_function(
                    "n => document.querySelectorAll('#members tbody tr').length === n && "
                    "[...document.querySelectorAll('#members tbody tr:nth-child(-n+10) img')]"
                    ".every(i => i.complete && i.naturalWidth > 0)",
                    arg=MEMBERS,
                    timeout=60_000,
                )
                (shown_cold if cold else shown_warm).append(time.perf_counter() - start)
                metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                busy.append(metrics["TaskDuration"])
                context.close()
            browser.close()
        print(
            f"review: list page fully shown in chromium, s: cold thumbnails {_stats(shown_cold)}; cached "
            f"{_stats(shown_warm)}; "
            f"renderer main thread busy {_stats(busy)}",
            flush=True,
        )
        checks.append(
            (
                f"list page fully shown in chromium in {statistics.median(shown_cold):.2f} s ≤ "
                f"{MAX_LIST_SHOWN_S:g} s (cold thumbnails)",
                statistics.median(shown_cold) <= MAX_LIST_SHOWN_S,
            )
        )
    finally:
        server.close()

    # Thumbnails: drawn from distinct real PDFs (no cache), one page each, timed one by one.
    rows = pipeline_rows(out)[: 40 * runs]
    per_page, per_page_cpu = [], []
    for row in rows:
        data = (out / row.pdf).read_bytes()
        start, cpu = time.perf_counter(), time.thread_time()
        thumbnails.render_page(data, "thumb", 1)
        per_page.append(1000 * (time.perf_counter() - start))
        per_page_cpu.append(1000 * (time.thread_time() - cpu))
    pages = []
    for row in rows[: runs * 2]:
        data = (out / row.pdf).read_bytes()
        start = time.perf_counter()
        thumbnails.render_page(data, "page", 1)
        pages.append(1000 * (time.perf_counter() - start))
    # On a shared machine the wall time includes waiting for a core; the CPU time is the work itself.
    print(
        f"review: thumbnail ms a page: {_stats(per_page)}; CPU {_stats(per_page_cpu)}; "
        f"readable page image (1100 px) ms: {_stats(pages)}",
        flush=True,
    )
    checks.append(
        (
            f"thumbnail {statistics.median(per_page):.1f} ms a page ≤ {MAX_THUMB_MS:g} ms",
            statistics.median(per_page) <= MAX_THUMB_MS,
        )
    )
    print(f"review: done ({_load()})", flush=True)
    return checks
