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

from mailmerge.dates import jst_iso
from test_send import ADDRESSES, certificate, cycle, send, server, use_server  # noqa: F401 (fixtures)

from helpers import run_mailmerge


def test_archive_seals_the_e_mails_sent_and_verify_names_a_changed_one(cycle: Path, server) -> None:  # noqa: F811
    _recorder, port = server
    use_server(cycle, port)
    out = cycle.parent.parent / "out"
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date().isoformat()
    # Before anything is sent: each member named under what it waits for, by post or by e-mail.
    early = run_mailmerge("archive", "--config", str(cycle), "--sent-on", today)
    assert early.returncode == 1
    said = early.stderr.splitlines()
    assert (
        "承認済みでも印刷していないため封印しなかった会員: 2 名（会員番号 0002, 0003）。"
        "mailmerge print で印刷して発送してから、もう一度 mailmerge archive を実行してください。"
    ) in said
    assert (
        "承認済みでもメールを送っていないため封印しなかった会員（送付方法がメール）: "
        "3 名（会員番号 0001, 0004, 0005）。"
        "mailmerge send で送ってから、もう一度 mailmerge archive を実行してください。"
    ) in said

    done = send(cycle)
    assert done.returncode == 0, done.stdout + done.stderr

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


def test_an_e_mail_sent_before_its_address_was_corrected_is_sealed_on_the_approval_it_went_out_on(
    cycle: Path,  # noqa: F811
    server,  # noqa: F811
) -> None:
    """A bounce is why an office corrects an address: the message that went out is still sealed, as approved then."""
    _recorder, port = server
    use_server(cycle, port)
    done = send(cycle)
    assert done.returncode == 0, done.stdout + done.stderr
    out = cycle.parent.parent / "out"
    with sqlite3.connect(out / "review.db") as db:
        (approved_at,) = db.execute("SELECT decided_at FROM decisions WHERE member_id = '0004'").fetchone()
    roster = cycle.parent / "members.csv"
    roster.write_text(
        roster.read_text(encoding="utf-8").replace(ADDRESSES["0004"], "naoki.ito@example.net"), encoding="utf-8"
    )
    again = run_mailmerge("approve", "0004", "--config", str(cycle), "--reviewer", "事務局 二")
    assert again.returncode == 0, again.stdout + again.stderr
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date().isoformat()

    sealed = run_mailmerge("archive", "--config", str(cycle), "--sent-on", today)
    assert sealed.returncode == 0, sealed.stdout + sealed.stderr
    assert "0004" not in sealed.stdout + sealed.stderr  # not named as left out
    (bag,) = (cycle.parent / "archive" / "2024").iterdir()
    with sqlite3.connect(out / "mail.db") as db:
        query = "SELECT eml_sha256 FROM sendings WHERE member_id = '0004' AND state = 'accepted'"
        (eml_sha256,) = db.execute(query).fetchone()
    bagged = (bag / "data" / "mail" / "0004.eml").read_bytes()
    assert hashlib.sha256(bagged).hexdigest() == eml_sha256
    assert ADDRESSES["0004"].encode() in bagged  # the message as it went out, to the address it went to
    decisions = list(csv.DictReader(io.StringIO((bag / "data" / "decisions.csv").read_text(encoding="utf-8-sig"))))
    rows = [r for r in decisions if r["member_id"] == "0004"]
    assert rows and {(r["reviewer"], r["decided_at"]) for r in rows} == {("事務局", jst_iso(approved_at))}
    checked = run_mailmerge("verify", "--config", str(cycle))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_e_mail_only_member_whose_documents_changed_after_sending_is_named_as_e_mailed(
    cycle: Path,  # noqa: F811
    server,  # noqa: F811
) -> None:
    """The line said 「印刷した後に…」 of a member who was only e-mailed, never printed."""
    _recorder, port = server
    use_server(cycle, port)
    done = send(cycle)
    assert done.returncode == 0, done.stdout + done.stderr
    roster = cycle.parent / "members.csv"
    text = roster.read_text(encoding="utf-8")
    assert text.count("北八条西3丁目28番6号") == 1
    roster.write_text(text.replace("北八条西3丁目28番6号", "北八条西3丁目28番7号"), encoding="utf-8")
    remade = run_mailmerge("run", "--config", str(cycle))
    assert remade.returncode == 0, remade.stdout + remade.stderr
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date().isoformat()

    sealed = run_mailmerge("archive", "--config", str(cycle), "--sent-on", today)
    assert sealed.returncode == 0, sealed.stdout + sealed.stderr
    said = sealed.stdout.splitlines()
    assert (
        "メールで送った後に文書が作り直された（または承認が取り消された）ため封印しなかった会員: "
        "1 名（会員番号 0004）。"
        "作り直した文書を送るなら、確認・承認し直し、印刷して発送してから封印してください。"
    ) in said
    assert not any(line.startswith("印刷した後に") for line in said)
    (bag,) = (cycle.parent / "archive" / "2024").iterdir()
    assert sorted(p.name for p in (bag / "data" / "mail").iterdir()) == ["0001.eml", "0002.eml", "0005.eml"]
