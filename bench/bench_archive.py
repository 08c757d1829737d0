"""Time `mailmerge archive` (sealing) and `mailmerge verify` for 1,000 approved members.

The 1,000-member output folder is fabricated, not converted: the sample roster is run once for real
(30 members), then a fictional 1,000-member roster is written (bench.make_roster) and each of its
members gets a copy of the DOCX and PDF files of a sample member of the same group, under its own
ID. manifest.csv lists those copies with their real hashes and each member's input digest, summary.json
adds up, and every member is approved through the review core, so sealing sees a consistent run.
(The PDFs still print the sample member's ID: sealing copies and hashes bytes, it does not read them.)
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mailmerge import mailing, manifest, pipeline, printrun, sealing  # noqa: E402
from mailmerge.config import load_config  # noqa: E402
from mailmerge.dates import today_jst  # noqa: E402
from mailmerge.fsutil import sha256_of  # noqa: E402
from mailmerge.models import ManifestRow  # noqa: E402
from mailmerge.store import REVIEW_DB_NAME  # noqa: E402

MEMBERS = 1000
MAX_SEAL_SECONDS = 30.0


def fabricate(folder: Path, members: int, make_roster) -> tuple[Path, Path]:
    """Return (config, out folder) of a consistent, fully approved run of ``members`` fictional members."""
    sample_out = folder / "sample"
    result = pipeline.run(load_config(ROOT / "mailmerge.toml"), out_dir=sample_out)
    sources = {g: [r for r in result.rows if r.group == g] for g in ("enrolled", "unenrolled")}
    make_roster(folder / "roster.csv", members)
    text = (ROOT / "mailmerge.toml").read_text(encoding="utf-8")
    text = text.replace('path = "data/members.xlsx"', f'path = "{folder / "roster.csv"}"')
    text = text.replace('= "templates/', f'= "{ROOT}/templates/')
    (folder / "mailmerge.toml").write_text(text, encoding="utf-8")
    config = load_config(folder / "mailmerge.toml")
    checked = pipeline.check(config)
    templates = {name: sha256_of(path) for name, path in config.documents.items()}
    out = folder / "out"
    rows = []
    for n, member in enumerate(checked.roster.members):
        pool = sources[member.group]
        first = pool[(2 * n) % len(pool)]
        for document in config.documents:
            source = next(r for r in pool if r.member_id == first.member_id and r.document == document)
            rel = f"{member.group}/{member.member_id}/{document}"
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sample_out / source.docx, out / f"{rel}.docx")
            shutil.copyfile(sample_out / source.pdf, out / f"{rel}.pdf")
            rows.append(
                ManifestRow(
                    member.member_id,
                    member.display_name,
                    member.group,
                    document,
                    f"{rel}.docx",
                    f"{rel}.pdf",
                    source.pages,
                    source.docx_sha256,
                    source.pdf_sha256,
                    pipeline.input_digest(member, document, templates[document], config),
                )
            )
    by_group = checked.roster.by_group()
    summary = {
        "roster_rows": checked.roster.total_rows,
        "enrolled": len(by_group["enrolled"]),
        "unenrolled": len(by_group["unenrolled"]),
        "rejected": checked.roster.rejected_rows,
        "blank_rows_skipped": 0,
        "selected_members": members,
        "selected_documents": len(rows),
        "documents_made": len(rows),
        "documents_reused": 0,
        "documents_in_manifest": len(rows),
        "removed_members": [],
    }
    (out / pipeline.SUMMARY_NAME).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    manifest.write_manifest(out / manifest.MANIFEST_NAME, rows)
    mailing.record_decisions(config, out, None, "approved", "", "bench")
    return folder / "mailmerge.toml", out


def run(make_roster, repeat: int = 3, keep: bool = False, out_root: Path | None = None) -> list[tuple[str, str, bool]]:
    """Seal the fabricated run ``repeat`` times (a fresh archive each time); print medians and ranges."""
    folder = (out_root or ROOT / "bench" / "out") / f"archive-{MEMBERS}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    config_path, out = fabricate(folder, MEMBERS, make_roster)
    config = load_config(config_path)
    # Only what was printed is sealed (issue 25): print once, and put review.db back as printed before each seal,
    # which marks the print sealed.
    printrun.print_run(config, out)
    printed = {p.name: p.read_bytes() for p in out.glob(f"{REVIEW_DB_NAME}*")}
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    seals, verifies, cpus = [], [], []
    for n in range(repeat):
        for p in out.glob(f"{REVIEW_DB_NAME}*"):
            p.unlink()
        for name, data in printed.items():
            (out / name).write_bytes(data)
        archive_dir = folder / f"archive-{n}"
        start, cpu = time.perf_counter(), _cpu()
        result = sealing.seal(
            config, sent_on=today_jst().isoformat(), out_dir=out, archive_dir=archive_dir, now=dt.datetime.now(dt.UTC)
        )
        seals.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
        assert result.batch is not None and len(result.batch.members) == MEMBERS
        start = time.perf_counter()
        report = sealing.verify(archive_dir)
        verifies.append(time.perf_counter() - start)
        assert not report.problems, report.problems[:5]
        _remove(archive_dir)  # sealed read-only: made writable first
    files = len(result.batch.files)
    print(
        f"archive: {MEMBERS} members, {files} files, {size / 2**20:.0f} MB ({repeat} runs): "
        f"seal median {statistics.median(seals):.2f} s (range {min(seals):.2f}–{max(seals):.2f}; "
        f"CPU {statistics.median(cpus):.2f} s, range {min(cpus):.2f}–{max(cpus):.2f}), "
        f"verify median {statistics.median(verifies):.2f} s (range {min(verifies):.2f}–{max(verifies):.2f})",
        flush=True,
    )
    if not keep:
        _remove(folder)
    median = statistics.median(seals)
    return [(MEMBERS, f"archive: sealing {median:.1f} s ≤ {MAX_SEAL_SECONDS:g} s", median <= MAX_SEAL_SECONDS)]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _remove(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o700)
    shutil.rmtree(folder)
