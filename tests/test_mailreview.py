"""An approval covers the e-mail: the member page shows it, a change of address or message voids the approval.

Against the approved five-member run of test_send.py (four want e-mail, 0003 post only) and its real
SMTP server (aiosmtpd on 127.0.0.1 with STARTTLS and AUTH).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from mailmerge import mailing, webapp
from mailmerge.config import load_config
from test_send import ADDRESSES, certificate, cycle, send, server, use_server  # noqa: F401 (fixtures)

from helpers import run_mailmerge

TOKEN = "test-token-" + "x" * 20
ADDRESS_LINE = "  承認の後にメールアドレスが変わった（もう一度確認・承認するまで送りません）: 1 件: 0001"


def _out(config: Path) -> Path:
    return config.parent.parent / "out"


def _change_address(config: Path, new: str) -> None:
    roster = config.parent / "members.csv"
    text = roster.read_text(encoding="utf-8")
    assert text.count(ADDRESSES["0001"]) == 1
    roster.write_text(text.replace(ADDRESSES["0001"], new), encoding="utf-8")


def _statuses(config: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    view = mailing.open_run(load_config(config), _out(config))
    return {r.member_id: (r.status, r.stale_reasons) for r in view.reviews}


def test_a_new_address_after_approval_is_not_sent_to_until_approved_again(cycle: Path, server) -> None:  # noqa: F811
    recorder, port = server
    use_server(cycle, port)
    _change_address(cycle, "kenichi.new@example.jp")

    done = send(cycle)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ADDRESS_LINE in done.stdout.splitlines()
    assert "送信しました（メールサーバーが受け付けました）: 3 通" in done.stdout
    assert sorted(recorder.by_recipient()) == sorted(a for m, a in ADDRESSES.items() if m != "0001")
    assert "kenichi" not in done.stdout + done.stderr  # neither address is printed

    again = run_mailmerge("approve", "0001", "--config", str(cycle), "--out", str(_out(cycle)), "--reviewer", "事務局")
    assert again.returncode == 0, again.stdout + again.stderr
    done = send(cycle)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "送信しました（メールサーバーが受け付けました）: 1 通" in done.stdout
    assert [rcpts for _, rcpts, _ in recorder.received].count(["kenichi.new@example.jp"]) == 1


def test_a_changed_email_txt_makes_mail_approvals_stale_and_leaves_post_only_ones(cycle: Path) -> None:  # noqa: F811
    template = cycle.parent / "templates" / "email.txt"
    template.write_text(template.read_text(encoding="utf-8") + "\n追伸: 会費の口座が変わりました。\n", encoding="utf-8")

    statuses = _statuses(cycle)
    assert statuses["0003"] == ("approved", ())  # 郵送 only: no e-mail to approve
    for member_id in ADDRESSES:
        assert statuses[member_id] == ("stale", ("message",)), member_id
    dry = send(cycle, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert (
        "  承認の後にメールの内容（差出人・件名・本文・添付の名前）が変わった（もう一度確認・承認するまで送りません）"
        ": 4 件: 0001, 0002, 0004, 0005"
    ) in dry.stdout.splitlines()


def test_decisions_recorded_before_e_mail_was_reviewed_hold_for_post_only_members(cycle: Path) -> None:  # noqa: F811
    # review.db as the previous version wrote it: no e-mail columns.
    path = _out(cycle) / "review.db"
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT member_id, decision, note, reviewer, decided_at, documents FROM decisions").fetchall()
    path.unlink()
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, member_id TEXT NOT NULL,"
            " decision TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', reviewer TEXT NOT NULL,"
            " decided_at TEXT NOT NULL, documents TEXT NOT NULL);"
        )
        db.executemany(
            "INSERT INTO decisions (member_id, decision, note, reviewer, decided_at, documents)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    statuses = _statuses(cycle)
    assert statuses["0003"] == ("approved", ())
    assert {m: statuses[m] for m in ADDRESSES} == {m: ("stale", ("mail_added",)) for m in ADDRESSES}
    printed = run_mailmerge("print", "--config", str(cycle), "--out", str(_out(cycle)))
    assert printed.returncode == 0, printed.stdout + printed.stderr
    listed = (_out(cycle) / "print" / "list.csv").read_text(encoding="utf-8-sig")
    assert "0003" in listed and "0002" not in listed  # 0002 (郵送とメール) waits for its e-mail's approval


def test_the_member_page_shows_the_message_and_a_decision_carries_its_hash_back(cycle: Path) -> None:  # noqa: F811
    app = webapp.create_app(load_config(cycle), _out(cycle), TOKEN)
    client = app.test_client()
    page = client.get(f"/members/0001?token={TOKEN}", follow_redirects=True).get_data(as_text=True)
    email = page[page.index('id="email"') :]
    assert re.search(r'id="email-to">株式会社髙﨑画像診断センター &lt;kenichi\.sato@example\.jp&gt;<', email)
    assert 'id="email-from">遠隔画像診断サービス連合会 事務局 &lt;office@example.jp&gt;<' in email
    assert (
        'id="email-subject">ATS会員専用保険「遠隔画像診断専門賠償責任保険」更新のご案内'
        "（一般社団法人 遠隔画像診断サービス連合会）<"
    ) in email
    assert "株式会社髙﨑画像診断センター 読影管理部\n代表取締役 佐藤　健一 様\n" in email
    letter = (_out(cycle) / "enrolled" / "0001" / "letter.pdf").stat().st_size
    assert f"<li>ATS-2024-renewal-letter-0001.pdf（{letter:,} バイト）</li>" in email
    post_only = client.get("/members/0003").get_data(as_text=True)
    assert 'id="email"' not in post_only and 'name="message_sha256" value=""' in post_only

    shown = re.search(r'name="message_sha256" value="([0-9a-f]{64})"', page).group(1)
    form = dict(re.findall(r'<input type="hidden" name="((?:pdf|docx)_sha256\.\w+)" value="([0-9a-f]+)">', page))
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    client.post("/reviewer", data={"reviewer": "事務局 山田", "csrf_token": csrf, "back": "/"})
    data = {"decision": "approved", "csrf_token": csrf, **form}
    refused = client.post("/members/0001/decision", data={**data, "message_sha256": "0" * 64})
    assert refused.status_code == 409
    assert "この会員のメールはページを開いた後に変わりました" in refused.get_data(as_text=True)
    assert client.post("/members/0001/decision", data={**data, "message_sha256": shown}).status_code == 303
    with sqlite3.connect(_out(cycle) / "review.db") as db:
        recorded = db.execute("SELECT message_sha256 FROM decisions WHERE member_id = '0001' ORDER BY id").fetchall()
    assert recorded[-1] == (shown,)


def test_the_member_page_says_the_address_changed_since_the_approval(cycle: Path) -> None:  # noqa: F811
    _change_address(cycle, "kenichi.new@example.jp")
    app = webapp.create_app(load_config(cycle), _out(cycle), TOKEN)
    page = app.test_client().get(f"/members/0001?token={TOKEN}", follow_redirects=True).get_data(as_text=True)
    assert '<span class="status s-stale" id="status">要再確認</span>' in page
    panel = page[page.index('id="what-changed"') :]
    assert re.search(r'id="mail-changes">\s*<li>承認の後にメールアドレスが変わった</li>\s*</ul>', panel)
    assert "承認の後にメールアドレスが変わったため、もう一度確認してください。" in page
    assert "この判断の後に文書が作り直されました" not in page  # the documents are the ones approved
    assert 'id="email-to">株式会社髙﨑画像診断センター &lt;kenichi.new@example.jp&gt;<' in page
