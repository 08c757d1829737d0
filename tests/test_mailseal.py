"""`archive` seals what was e-mailed: each accepted .eml and its journal lines, checked again by `verify`.

Against the approved five-member run of test_send.py sent to its real SMTP server (aiosmtpd on 127.0.0.1).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import sqlite3
from pathlib import Path

from test_send import ADDRESSES, certificate, cycle, send, server, use_server  # noqa: F401 (fixtures)

from helpers import run_mailmerge


def test_archive_seals_the_e_mails_sent_and_verify_names_a_changed_one(cycle: Path, server) -> None:  # noqa: F811
    _recorder, port = server
    use_server(cycle, port)
    done = send(cycle)
    assert done.returncode == 0, done.stdout + done.stderr
    out = cycle.parent.parent / "out"
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date().isoformat()

    sealed = run_mailmerge("archive", "--config", str(cycle), "--sent-on", today)
    assert sealed.returncode == 0, sealed.stdout + sealed.stderr
    (bag,) = (cycle.parent / "archive" / "2024").iterdir()
    with sqlite3.connect(out / "mail.db") as db:
        journal = dict(db.execute("SELECT member_id, eml_sha256 FROM sendings WHERE state = 'accepted'").fetchall())
    assert sorted(journal) == sorted(ADDRESSES)
    for member_id, sha256 in journal.items():
        bagged = (bag / "data" / "mail" / f"{member_id}.eml").read_bytes()
        assert hashlib.sha256(bagged).hexdigest() == sha256
        assert bagged == (out / "mail" / f"{member_id}.eml").read_bytes()
    text = (bag / "data" / "mail.csv").read_bytes().decode("utf-8-sig")
    assert "@" not in text  # no address, not even masked
    lines = list(csv.DictReader(io.StringIO(text)))
    accepted = {r["member_id"]: r for r in lines if r["state"] == "accepted"}
    assert sorted(accepted) == sorted(ADDRESSES)
    assert accepted["0001"]["eml"] == "mail/0001.eml" and accepted["0001"]["eml_sha256"] == journal["0001"]
    assert accepted["0001"]["reply_code"] == "250" and accepted["0001"]["at_jst"].endswith("+09:00")
    assert [r["state"] for r in lines if r["member_id"] == "0001"] == ["queued", "sending", "accepted"]
    manifest = (bag / "manifest-sha256.txt").read_text(encoding="utf-8")
    assert f"{journal['0001']}  data/mail/0001.eml" in manifest.splitlines()

    history = run_mailmerge("history", "0001", "--config", str(cycle))
    assert history.returncode == 0, history.stdout + history.stderr
    mail_lines = [line for line in history.stdout.splitlines() if line.startswith("  メール  ")]
    assert len(mail_lines) == 1
    assert mail_lines[0].endswith(f"受け付け  250 2.0.0 OK: queued  封印済み（2024/{bag.name}）")

    checked = run_mailmerge("verify", "--config", str(cycle))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Nothing e-mailed since: a second sealing has nothing to take.
    again = run_mailmerge("archive", "--config", str(cycle), "--sent-on", today)
    assert again.returncode == 1 and "封印するものがありません" in again.stdout + again.stderr

    eml = bag / "data" / "mail" / "0001.eml"
    eml.parent.chmod(0o700)
    eml.chmod(0o600)
    eml.write_bytes(eml.read_bytes().replace(b"Subject:", b"Subject: X", 1))
    eml.chmod(0o400)
    eml.parent.chmod(0o500)
    checked = run_mailmerge("verify", "--config", str(cycle))
    assert checked.returncode == 1
    assert f"{eml}: 中身が封印時と違います（sha256 不一致）" in checked.stderr.splitlines()
