"""Measure `mailmerge send` on 1,000 members to a local aiosmtpd without rate limits (issue 24: ≤ 30 s).

The output folder is made cheaply, as bench_review does: a real run of three members, their PDFs
copied for every member (a line after %%EOF, so each member's files have their own hash), every
member approved. Each timed run starts from an empty journal and mail folder and sends all 1,000:
the messages made (PDFs read and hashed), written to DIR/mail/, journalled, handed to the server.
Run: .venv/bin/python bench/bench_send.py [--members N] [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench import make_roster

from mailmerge import mailing, pipeline, sending
from mailmerge.config import CHANNEL_FIELD, EMAIL_FIELD, EmailSettings, load_config
from mailmerge.fsutil import sha256_of
from mailmerge.manifest import read_manifest, write_manifest
from mailmerge.models import ManifestRow
from mailmerge.roster import load_roster

MAX_SECONDS = 30.0


def make_folder(folder: Path, members: int, port: int):
    """Return a config (e-mail columns, [email] to 127.0.0.1:port) and an approved output folder of ``members``."""
    roster = folder / "roster.csv"
    make_roster(roster, members)
    with roster.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    with roster.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*records[0], "メールアドレス", "送付方法"])
        writer.writerows([*r, f"member{r[0]}@example.jp", "メール"] for r in records[1:])
    base = load_config(ROOT / "mailmerge.toml")
    settings = EmailSettings(
        host="127.0.0.1",
        port=port,
        security="none",
        user="",
        sender="事務局 <office@example.jp>",
        reply_to="",
        envelope_from="",
        per_minute=0,
        per_day=0,
    )
    # mailmerge.toml declares メールアドレス and 送付方法 (unprinted): only the roster gains them.
    assert {EMAIL_FIELD, CHANNEL_FIELD} <= set(base.columns)
    config = dataclasses.replace(base, roster=roster, email=settings)
    seed = folder / "seed"
    pipeline.run(config, out_dir=seed, limit=3)
    seeds = {(r.group, r.document): r for r in read_manifest(seed / "manifest.csv")}
    by_id = {m.member_id: m for m in load_roster(config).members}
    templates = {name: sha256_of(path) for name, path in config.documents.items()}
    out = folder / "out"
    rows = []
    for member in by_id.values():
        for document in config.documents:
            source = seeds[(member.group, document)]
            target = out / member.group / member.member_id
            target.mkdir(parents=True, exist_ok=True)
            for ext in ("docx", "pdf"):
                data = (seed / getattr(source, ext)).read_bytes()
                if ext == "pdf":
                    data += f"\n% member {member.member_id}\n".encode()
                (target / f"{document}.{ext}").write_bytes(data)
            rows.append(
                ManifestRow(
                    member_id=member.member_id,
                    name=member.display_name,
                    group=member.group,
                    document=document,
                    docx=f"{member.group}/{member.member_id}/{document}.docx",
                    pdf=f"{member.group}/{member.member_id}/{document}.pdf",
                    pages=source.pages,
                    docx_sha256=sha256_of(target / f"{document}.docx"),
                    pdf_sha256=sha256_of(target / f"{document}.pdf"),
                    input_sha256=pipeline.input_digest(member, document, templates[document], config),
                )
            )
    write_manifest(out / "manifest.csv", rows)
    mailing.record_decisions(config, out, None, "approved", "", "bench")
    return config, out


def _cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used, from Linux's /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The server in a process of its own, as a real one is: in this process it would share the GIL.
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"]
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    folder = Path(tempfile.mkdtemp(prefix="bench-send-"))
    try:
        started = time.perf_counter()
        config, out = make_folder(folder, args.members, port)
        print(f"send: {args.members} approved members made in {time.perf_counter() - started:.1f} s", flush=True)
        seconds = []
        for _ in range(args.repeat):
            shutil.rmtree(out / sending.MAIL_DIR, ignore_errors=True)
            for name in ("mail.db", "mail.db-wal", "mail.db-shm"):
                (out / name).unlink(missing_ok=True)
            start, cpu, server_cpu = time.perf_counter(), time.process_time(), _cpu_seconds(server.pid)
            result = sending.send(config, out)
            seconds.append(time.perf_counter() - start)
            assert len(result.accepted) == args.members, len(result.accepted)
            # CPU seconds of each side: on a shared machine the wall time says more about the others' load.
            print(
                f"send: run {len(seconds)}: {seconds[-1]:.1f} s; CPU: sender {time.process_time() - cpu:.1f} s, "
                f"server {_cpu_seconds(server.pid) - server_cpu:.1f} s; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        median = statistics.median(seconds)
        print(
            f"send: {args.members} messages accepted by a local aiosmtpd in s: median {median:.1f} "
            f"(range {min(seconds):.1f}–{max(seconds):.1f}, {len(seconds)} runs); peak RSS {peak:.0f} MB",
            flush=True,
        )
        passed = median <= MAX_SECONDS
        print(f"{'ok' if passed else 'FAILED'}: median {median:.1f} s ≤ {MAX_SECONDS:g} s")
        return 0 if passed else 1
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
