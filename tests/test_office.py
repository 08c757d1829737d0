"""The office (issue 23): accounts, sign-in over HTTPS, roles in one place, lockout, expiry, the audit log."""

from __future__ import annotations

import contextlib
import logging
import re
import resource
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailmerge import accounts, messages, office, webapp
from mailmerge.cli import main
from mailmerge.config import load_config
from mailmerge.manifest import read_manifest
from mailmerge.officestore import AuditLine, accounts_path
from mailmerge.store import REVIEW_DB_NAME, DecisionStore

from conftest import copy_run

HOST = "mailmerge.test"
PASSWORD = "correct horse 1"


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


class Clock:
    """The app's clock, moved by the test (no sleeps)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def office_app(sample_run: Path, tmp_path: Path, config_in):
    config = load_config(config_in())
    store = accounts.open_store(config.root)
    for name, role in (("kanri", "管理"), ("kakunin", "確認"), ("etsuran", "閲覧")):
        accounts.add_user(store, name, role, PASSWORD, 0)
    clock = Clock()
    app = webapp.create_app(config, copy_run(sample_run, tmp_path), "unused-token", guard=office.guard)
    office.install(app, office.Office(store=store, hosts=frozenset({HOST, "127.0.0.2"}), clock=clock))
    app.config["clock"] = clock
    return app


def _client(app):
    """A test client whose requests go to https://mailmerge.test (the Secure cookie is sent back only so)."""
    client = app.test_client()
    plain_open = client.open
    client.open = lambda *args, **kwargs: plain_open(
        *args, base_url=kwargs.pop("base_url", f"https://{HOST}"), **kwargs
    )
    return client


def _signed_in(app, name: str):
    client = _client(app)
    response = client.post("/office/signin", data={"name": name, "password": PASSWORD, "next": "/"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    return client


def _csrf(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)


def _shown_form(run_dir: Path, member_id: str) -> dict[str, str]:
    fields = {}
    for row in read_manifest(run_dir / "manifest.csv"):
        if row.member_id == member_id:
            fields[f"pdf_sha256.{row.document}"], fields[f"docx_sha256.{row.document}"] = (
                row.pdf_sha256,
                row.docx_sha256,
            )
    return fields


def _run_dir(app) -> Path:
    return app.extensions["mailmerge_review"].out_dir


def test_every_page_asks_to_sign_in_and_a_foreign_host_is_refused(office_app) -> None:
    client = _client(office_app)
    page = client.get("/members/0001")
    assert page.status_code == 303 and page.headers["Location"].startswith("/office/signin?next=/members/0001")
    signin = client.get("/office/signin").get_data(as_text=True)
    # Read by every member of staff: who makes accounts, never the command that does.
    assert "ユーザー名" in signin and "アカウントは管理担当の人が作ります。" in signin and "mailmerge" not in signin
    assert client.get("/api/members").status_code == 401
    refused = client.get("/office/signin", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    # Read by whoever typed the address: who to ask, never the setting file.
    told = refused.get_data(as_text=True)
    assert "このアドレスでは作業画面を開けません。管理担当の人から知らされたアドレス" in told
    assert "mailmerge.toml" not in told and "hosts" not in told
    assert _client(office_app).get("/office/signin", headers={"Host": "127.0.0.2:8443"}).status_code == 200


def test_the_session_cookie_is_secure_httponly_strict(office_app) -> None:
    client = _client(office_app)
    response = client.post("/office/signin", data={"name": "kakunin", "password": PASSWORD, "next": "/"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{office.SESSION_COOKIE}=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert 'id="account">kakunin（確認）' in client.get("/").get_data(as_text=True)


def test_a_viewer_cannot_post_a_decision_even_with_a_valid_csrf_token(office_app) -> None:
    client = _signed_in(office_app, "etsuran")
    run_dir = _run_dir(office_app)
    response = client.post(
        "/members/0001/decision",
        data={"decision": "approved", "note": "", "csrf_token": _csrf(client), **_shown_form(run_dir, "0001")},
    )
    assert response.status_code == 403
    assert messages.OFFICE_NEEDS_ROLE.format(role="確認", own="閲覧") in response.get_data(as_text=True)
    api = client.post(
        "/api/decisions", json={"member_id": "0001", "decision": "approved"}, headers={"X-CSRF-Token": _csrf(client)}
    )
    assert api.status_code == 403
    assert DecisionStore(run_dir / REVIEW_DB_NAME).latest() == {}
    # A checker's valid token, sent from another site's page: refused by where it came from.
    checker = _signed_in(office_app, "kakunin")
    forged = checker.post(
        "/members/0001/decision",
        headers={"Sec-Fetch-Site": "cross-site"},
        data={"decision": "approved", "note": "", "csrf_token": _csrf(checker), **_shown_form(run_dir, "0001")},
    )
    assert forged.status_code == 403 and messages.REVIEW_CSRF in forged.get_data(as_text=True)
    assert DecisionStore(run_dir / REVIEW_DB_NAME).latest() == {}


def test_each_session_has_its_own_csrf_token_and_another_accounts_is_refused(office_app) -> None:
    run_dir = _run_dir(office_app)
    alice, bob = _signed_in(office_app, "kakunin"), _signed_in(office_app, "kanri")
    alices, bobs = _csrf(alice), _csrf(bob)
    assert alices != bobs and office_app.extensions["mailmerge_review"].csrf not in (alices, bobs)
    # Bob's page carries Bob's token; Alice's token sent in Bob's session is refused, for a form and for the API.
    forged = bob.post(
        "/members/0001/decision",
        data={"decision": "approved", "note": "", "csrf_token": alices, **_shown_form(run_dir, "0001")},
    )
    assert forged.status_code == 403 and messages.REVIEW_CSRF in forged.get_data(as_text=True)
    api = bob.post(
        "/api/decisions", json={"member_id": "0001", "decision": "approved"}, headers={"X-CSRF-Token": alices}
    )
    assert api.status_code == 403 and api.get_json()["error"] == messages.REVIEW_CSRF
    # Nor does the per-start token of the loopback mode work in a signed-in session.
    per_start = office_app.extensions["mailmerge_review"].csrf
    assert bob.post("/office/signout", data={"csrf_token": per_start}).status_code == 403
    assert DecisionStore(run_dir / REVIEW_DB_NAME).latest() == {}
    # Alice's own token works for her; after she signs out it is gone with her session.
    kept = alice.post(
        "/members/0001/decision",
        data={"decision": "approved", "note": "", "csrf_token": alices, **_shown_form(run_dir, "0001")},
    )
    assert kept.status_code == 303 and DecisionStore(run_dir / REVIEW_DB_NAME).latest()["0001"].reviewer == "kakunin"
    cookie = alice.get_cookie(office.SESSION_COOKIE, domain=HOST).value
    assert alice.post("/office/signout", data={"csrf_token": alices}).status_code == 303
    replayed = _client(office_app)
    replayed.set_cookie(office.SESSION_COOKIE, cookie, domain=HOST)
    after = replayed.post("/api/decisions", json={"member_id": "0002"}, headers={"X-CSRF-Token": alices})
    assert after.status_code == 401 and after.get_json()["error"] == messages.OFFICE_SIGN_IN_FIRST
    assert _signed_in(office_app, "kakunin") and _csrf(_signed_in(office_app, "kakunin")) != alices


def test_sessions_from_before_their_own_csrf_tokens_end_once(tmp_path: Path) -> None:
    import sqlite3

    path = accounts_path(tmp_path)
    path.parent.mkdir()
    with sqlite3.connect(path) as old:  # accounts.db as the first office release made it
        old.executescript(
            "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, disabled INTEGER "
            "NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0, wait_until REAL NOT NULL DEFAULT 0, "
            "created_at REAL NOT NULL);"
            "CREATE TABLE sessions (digest TEXT PRIMARY KEY, name TEXT NOT NULL REFERENCES users (name), "
            "last_seen REAL NOT NULL);"
        )
        old.execute("INSERT INTO users VALUES ('kanri', '管理', 'x', 0, 0, 0, 0)")
        old.execute("INSERT INTO sessions VALUES (?, 'kanri', 0)", (accounts._digest("old-cookie"),))
    old.close()
    store = accounts.open_store(tmp_path)
    assert accounts.live_session(store, "old-cookie", 1.0, 3600) is None  # sign in again: no token to check
    token = accounts.new_session(store, "kanri", 1.0)
    session = accounts.live_session(store, token, 2.0, 3600)
    assert session is not None and session.user.name == "kanri" and len(session.csrf) >= 40


def test_the_reviewer_is_the_signed_in_account_never_a_typed_name(office_app) -> None:
    client = _signed_in(office_app, "kakunin")
    run_dir = _run_dir(office_app)
    shown = {
        r.document: {"pdf_sha256": r.pdf_sha256, "docx_sha256": r.docx_sha256}
        for r in read_manifest(run_dir / "manifest.csv")
        if r.member_id == "0001"
    }
    response = client.post(
        "/api/decisions",
        headers={"X-CSRF-Token": _csrf(client)},
        json={"member_id": "0001", "decision": "approved", "reviewer": "別人", "documents": shown},
    )
    assert response.status_code == 201
    assert DecisionStore(run_dir / REVIEW_DB_NAME).latest()["0001"].reviewer == "kakunin"
    # The other reviewer sees it on reload.
    other = _signed_in(office_app, "etsuran")
    assert (
        next(m for m in other.get("/api/members").get_json()["members"] if m["member_id"] == "0001")["reviewer"]
        == "kakunin"
    )


def test_a_checker_takes_back_a_decision_with_the_button_the_page_shows(office_app) -> None:
    """A 確認 account approves and holds: the 判断を取り消す button its page offers works for it too."""
    run_dir = _run_dir(office_app)
    client = _signed_in(office_app, "kakunin")
    csrf = _csrf(client)
    approved = client.post(
        "/members/0001/decision", data={"decision": "approved", "csrf_token": csrf, **_shown_form(run_dir, "0001")}
    )
    assert approved.status_code == 303
    assert "判断を取り消す（未確認に戻す）" in client.get("/members/0001").get_data(as_text=True)
    taken = client.post("/members/0001/withdraw", data={"csrf_token": csrf})
    assert taken.status_code == 303, taken.get_data(as_text=True)
    page = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert 'id="status">未確認<' in page and "判断を取り消しました（未確認に戻しました）。" in page
    assert "0001" not in DecisionStore(run_dir / REVIEW_DB_NAME).latest()
    # A 閲覧 account takes no decision back.
    client.post(
        "/members/0001/decision", data={"decision": "approved", "csrf_token": csrf, **_shown_form(run_dir, "0001")}
    )
    viewer = _signed_in(office_app, "etsuran")
    assert viewer.post("/members/0001/withdraw", data={"csrf_token": _csrf(viewer)}).status_code == 403
    assert DecisionStore(run_dir / REVIEW_DB_NAME).latest()["0001"].decision == "approved"


def test_a_checker_gets_a_japanese_403_for_manager_actions(office_app) -> None:
    client = _signed_in(office_app, "kakunin")
    csrf = _csrf(client)
    for path in ("/workspace/run", "/workspace/print", "/workspace/seal", "/workspace/verify"):
        response = client.post(path, data={"csrf_token": csrf})
        assert response.status_code == 403, path
        assert messages.OFFICE_NEEDS_ROLE.format(role="管理", own="確認") in response.get_data(as_text=True)
        assert "ブラウザの「戻る」ボタンで前の画面に戻れます。" in response.get_data(as_text=True)  # not a dead end
    assert client.get("/office/audit").status_code == 403
    roster = client.get("/workspace/roster/current")
    assert roster.status_code == 403 and "「管理」の役割が必要です" in roster.get_data(as_text=True)
    assert client.get("/workspace/").status_code == 200


def test_each_account_is_offered_only_what_its_role_may_do(office_app) -> None:
    """A 確認 account sees no 管理 buttons (each would end in a 403) but one line saying who does it."""
    checker, manager = _signed_in(office_app, "kakunin"), _signed_in(office_app, "kanri")
    manager_only = "この操作は「管理」の人が行います"
    pages = {
        "/workspace/run": 'id="run-start">作成する<',
        "/workspace/print": 'id="print-start">印刷用ファイルを作る<',
        "/workspace/seal": 'id="seal-check">封印する会員を確かめる<',
        "/workspace/templates": 'id="settings-save">保存する<',
    }
    for path, button in pages.items():
        seen, managed = checker.get(path).get_data(as_text=True), manager.get(path).get_data(as_text=True)
        assert button not in seen and manager_only in seen, path
        assert button in managed and manager_only not in managed, path
    templates = checker.get("/workspace/templates").get_data(as_text=True)
    assert "/workspace/templates/letter/upload" not in templates and 'class="dropzone"' not in templates
    roster = checker.get("/workspace/roster").get_data(as_text=True)
    assert 'id="dropzone"' not in roster and manager_only in roster
    home = checker.get("/workspace/").get_data(as_text=True)
    assert ">送信</a>" not in home and ">作成</a>" in home
    assert ">送信</a>" in manager.get("/workspace/").get_data(as_text=True)
    # The review page: 確認 approves and holds; 閲覧 is told who does instead of buttons that end in a 403.
    assert 'value="approved" class="approve"' in checker.get("/members/0001").get_data(as_text=True)
    viewer = _signed_in(office_app, "etsuran").get("/members/0001").get_data(as_text=True)
    assert 'id="decision-form"' not in viewer and "承認・保留は「確認」または「管理」の人が行います" in viewer


def test_home_offers_each_role_only_the_steps_it_may_take(office_app) -> None:
    """ホーム links a step (and offers the next one as a button) only to who may take it; others read who does."""
    step_links = {
        "/workspace/roster": "名簿",
        "/workspace/templates": "文面",
        "/workspace/run": "作成",
        "/": "確認",
        "/workspace/print": "印刷",
        "/workspace/seal": "発送・封印",
    }
    manager_only, checker_only = "この操作は「管理」の人が行います", "承認・保留は「確認」または「管理」の人が行います"
    offered = {"kanri": set(step_links), "kakunin": {"/"}, "etsuran": set()}
    for name, may_take in offered.items():
        home = _signed_in(office_app, name).get("/workspace/").get_data(as_text=True)
        steps = re.search(r'<ol class="steps" id="steps">(.*?)</ol>', home, re.S).group(1)
        for href, step in step_links.items():
            link = f'<a href="{href}" class="name">{step}</a>'
            assert (link in steps) == (href in may_take), (name, step)
        by = dict(re.findall(r'data-step="(\w+)">.*?(?:<span class="by">([^<]*)</span>\s*)?</li>', steps, re.S))
        assert by["run"] == ("" if name == "kanri" else manager_only), name
        assert by["review"] == (checker_only if name == "etsuran" else ""), name
        # The next step (確認, nobody has decided yet) is a button only for who may approve.
        button = 'id="next-button" href="/">確認する<'
        assert (button in home) == (name != "etsuran"), name
        assert (f"次は「確認」です。{checker_only}" in re.sub(r"<[^>]+>", "", home)) == (name == "etsuran"), name
        verify = '<a href="/workspace/verify">封印の点検（年 1 回）</a>'
        assert (verify in home) == (name == "kanri"), name
        assert '<a href="/workspace/history">送付記録を見る</a>' in home


def test_only_a_manager_opens_the_send_step(office_app) -> None:
    checker = _signed_in(office_app, "kakunin")
    csrf = _csrf(checker)
    needs = messages.OFFICE_NEEDS_ROLE.format(role="管理", own="確認")
    for response in (
        checker.get("/workspace/send"),
        checker.post("/workspace/send", data={"csrf_token": csrf, "confirm": "1"}),
        checker.post("/workspace/send/test", data={"csrf_token": csrf, "test_to": "office@example.jp"}),
    ):
        assert response.status_code == 403 and needs in response.get_data(as_text=True)
    # A manager sees the step; this cycle has no [email] table, and the page says what to add.
    shown = _signed_in(office_app, "kanri").get("/workspace/send").get_data(as_text=True)
    assert "[email]（メールサーバーと差出人）がありません。README の「メールで送る」を見て書き足してください" in shown


def test_five_wrong_passwords_make_the_account_wait_longer_each_time(office_app) -> None:
    clock = office_app.config["clock"]
    client = _client(office_app)

    def attempt(password: str):
        return client.post("/office/signin", data={"name": "kakunin", "password": password, "next": "/"})

    for _ in range(4):
        assert messages.OFFICE_WRONG_PASSWORD in attempt("wrong").get_data(as_text=True)
    fifth = attempt("wrong")
    assert fifth.status_code == 429
    assert messages.OFFICE_WAIT.format(wait="30 秒") in fifth.get_data(as_text=True)
    # Waiting: even the right password is not checked.
    assert messages.OFFICE_WAIT.format(wait="30 秒") in attempt(PASSWORD).get_data(as_text=True)
    clock.now += 31
    assert messages.OFFICE_WAIT.format(wait="1 分 0 秒") in attempt("wrong again").get_data(as_text=True)
    clock.now += 61
    assert attempt(PASSWORD).status_code == 303
    lines = accounts.open_store(office_app.extensions["mailmerge_review"].config.root).audit()
    assert [line.action for line in lines].count("signin_failed") == 7
    assert lines[-1].action == "signin" and lines[-1].account == "kakunin"


def test_a_session_ends_after_eight_idle_hours_and_on_sign_out(office_app) -> None:
    clock = office_app.config["clock"]
    client = _signed_in(office_app, "etsuran")
    clock.now += 7.9 * 3600
    assert client.get("/").status_code == 200  # still in: and the idle time starts again
    clock.now += 7.9 * 3600
    assert client.get("/").status_code == 200
    clock.now += 8 * 3600 + 1
    assert client.get("/").headers["Location"].startswith("/office/signin")
    client = _signed_in(office_app, "etsuran")
    assert client.post("/office/signout", data={"csrf_token": _csrf(client)}).status_code == 303
    assert client.get("/").status_code == 303


def test_a_downloaded_pdf_is_in_the_audit_log_with_the_member_id_only(office_app, caplog) -> None:
    caplog.set_level(logging.INFO, logger="mailmerge.review")
    client = _signed_in(office_app, "kanri")
    assert client.get("/members/0001/letter.pdf").status_code == 200
    page = client.get("/office/audit").get_data(as_text=True)
    assert re.search(r"<td>kanri</td><td>ダウンロード</td><td>[^<]*</td><td>0001</td><td>書状（letter.pdf）</td>", page)
    lines = accounts.open_store(office_app.extensions["mailmerge_review"].config.root).audit()
    assert any(line.action == "download" and line.members == ("0001",) for line in lines)
    # No personal data in the server's log: the names and addresses of the run's members are nowhere in it.
    view = office_app.extensions["mailmerge_review"].run_view()
    names = {m.name for m in view.reviews if m.name}
    assert names and caplog.text and not any(name in caplog.text for name in names)


def test_user_commands_and_the_audit_command(tmp_path: Path, config_in) -> None:
    config_in()
    added = invoke("user", "add", "suzuki", "--role", "確認", input="long enough 1\n")
    assert added.exit_code == 0, added.output
    assert "アカウント「suzuki」（確認）を作りました" in added.output
    assert str(accounts_path(tmp_path)) in added.output
    bad = invoke("user", "add", "tanaka", "--role", "偉い", input="long enough 1\n")
    assert messages.USER_BAD_ROLE.format(role="偉い", roles="閲覧|確認|管理") in bad.output
    assert invoke("user", "disable", "suzuki").exit_code == 0
    assert "suzuki\t確認\t停止中" in invoke("user", "list").output
    assert invoke("user", "passwd", "suzuki", input="another one 2\n").exit_code == 0
    store = accounts.open_store(tmp_path)
    assert accounts.sign_in(store, "suzuki", "another one 2", 0).user is None  # still disabled
    invoke("user", "disable", "suzuki", "--enable")
    assert accounts.sign_in(store, "suzuki", "another one 2", 0).user is not None
    audit = invoke("audit").output
    for action in ("ユーザー追加", "ユーザー停止", "パスワード変更", "ユーザー停止解除"):
        assert action in audit
    assert messages.AUDIT_BAD_SINCE.format(value="4月") in invoke("audit", "--since", "4月").output
    assert invoke("audit", "--since", "2999-01-01").output.strip() == messages.AUDIT_NONE


def test_a_sealed_batch_keeps_its_cycles_audit_lines(sample_run: Path, tmp_path: Path, config_in) -> None:
    from mailmerge import mailing, printrun, sealing
    from mailmerge.dates import today_jst

    config = load_config(config_in())
    out = copy_run(sample_run, tmp_path)
    store = accounts.open_store(config.root)
    store.record(1_800_000_000.0, "kakunin", "decision", config.cycle, ["0001"], "approved")
    store.record(1_800_000_001.0, "kanri", "download", "1999", ["0002"], "letter.pdf")  # another cycle: not kept
    mailing.record_decisions(config, out, None, "approved", "", "kakunin")
    printrun.print_run(config, out)
    result = sealing.seal(config, sent_on=today_jst().isoformat(), out_dir=out, archive_dir=tmp_path / "archive")
    lines = (
        (tmp_path / "archive" / result.batch.folder / "data" / "audit.csv").read_text(encoding="utf-8-sig").splitlines()
    )
    assert lines == [
        "time_jst,account,action,cycle,member_ids,detail",
        "2027-01-15T17:00:00+09:00,kakunin,decision,2024,0001,approved",
    ]
    assert invoke("verify", "--archive", str(tmp_path / "archive")).exit_code == 0


def test_serve_host_prints_the_fingerprint_and_serves_https(sample_run: Path, tmp_path: Path, config_in) -> None:
    import signal
    import socket
    import ssl
    import subprocess
    import sys
    import threading

    from mailmerge import officeserver

    config = config_in()
    config.write_text(config.read_text(encoding="utf-8") + f'\n[server]\nhosts = ["{HOST}"]\n', encoding="utf-8")
    mailmerge = str(Path(sys.executable).with_name("mailmerge"))
    out = copy_run(sample_run, tmp_path)
    base = [mailmerge, "serve", "--config", str(config), "--out", str(out), "--host", "127.0.0.2", "--no-browser"]
    refused = subprocess.run([*base, "--port", "8444"], capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 1
    assert messages.OFFICE_NO_USERS.format(path=accounts_path(tmp_path)) in refused.stderr
    assert (
        invoke("user", "add", "kanri", "--role", "管理", "--config", str(config), input=PASSWORD + "\n").exit_code == 0
    )
    with socket.socket() as probe:  # a free port on the second loopback address
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([*base, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        hung = threading.Timer(300, process.kill)
        hung.start()
        try:
            line = process.stdout.readline().rstrip("\n")
        finally:
            hung.cancel()
        assert line == f"https://{HOST}:{port}/workspace/"
        presented = ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate(("127.0.0.2", port))))
        cert = tmp_path / "office" / "tls-cert.pem"
        assert presented.strip() == cert.read_text(encoding="ascii").strip()
        with socket.create_connection(("127.0.0.2", port), timeout=60) as plain:  # http:// typed by someone
            plain.sendall(f"GET /workspace/?a=1 HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode("ascii"))
            answer = plain.recv(4096).decode("ascii")
        assert answer.startswith("HTTP/1.1 301 ")
        assert f"\r\nLocation: https://{HOST}:{port}/workspace/?a=1\r\n" in answer
        presented = ssl.get_server_certificate(("127.0.0.2", port))  # HTTPS still served after it
        assert "BEGIN CERTIFICATE" in presented
        unverified = ssl.create_default_context()
        unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE  # the test's own certificate
        with socket.create_connection(("127.0.0.2", port), timeout=60) as raw:
            with unverified.wrap_socket(raw, server_hostname=HOST) as tls:
                tls.sendall(f"GET /office/signin HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode())
                assert tls.recv(4096).startswith(b"HTTP/1.1 200 ")
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0 and stdout == ""
    assert officeserver.fingerprint(cert) in stderr
    assert stderr.splitlines()[-1] == messages.SERVE_STOPPED
    # The access log goes to a file beside the run, in Japan time; the terminal gets no request lines.
    access = out / "access.log"
    assert messages.SERVE_ACCESS_LOG.format(path="out/access.log") in stderr.splitlines()  # run from tmp_path
    assert "GET " not in stderr
    assert oct(access.stat().st_mode & 0o777) == "0o600"
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+09:00 GET /office/signin 200$", access.read_text("utf-8"), re.M)


def test_a_manager_adds_and_disables_accounts_in_the_workspace(office_app) -> None:
    checker = _signed_in(office_app, "kakunin")
    assert (
        checker.post(
            "/office/users", data={"csrf_token": _csrf(checker), "name": "x", "role": "管理", "password": PASSWORD}
        ).status_code
        == 403
    )
    manager = _signed_in(office_app, "kanri")
    added = manager.post(
        "/office/users",
        data={"csrf_token": _csrf(manager), "name": "suzuki", "role": "閲覧", "password": PASSWORD},
        follow_redirects=True,
    )
    assert "アカウント「suzuki」（閲覧）を作りました。" in added.get_data(as_text=True)
    short = manager.post(
        "/office/users", data={"csrf_token": _csrf(manager), "name": "sato", "role": "閲覧", "password": "short"}
    )
    assert short.status_code == 400 and messages.USER_SHORT_PASSWORD.format(length=8) in short.get_data(as_text=True)
    _signed_in(office_app, "suzuki")
    disabled = manager.post(
        "/office/users/disable", data={"csrf_token": _csrf(manager), "name": "kakunin"}, follow_redirects=True
    )
    assert "<td>kakunin</td><td>確認</td><td>停止中</td>" in disabled.get_data(as_text=True)
    assert checker.get("/").status_code == 303  # signed out at once
    self_disable = manager.post("/office/users/disable", data={"csrf_token": _csrf(manager), "name": "kanri"})
    assert self_disable.status_code == 400 and messages.USER_NOT_SELF in self_disable.get_data(as_text=True)
    actions = [
        line.action for line in accounts.open_store(office_app.extensions["mailmerge_review"].config.root).audit()
    ]
    assert "user_add" in actions and "user_disable" in actions


@contextlib.contextmanager
def _https_office(app: Any, tmp_path: Path) -> Iterator[tuple[Any, ssl.SSLContext]]:
    """Serve APP as `serve --host 127.0.0.2` does (TLS front, waitress behind it, a certificate of its own) in a
    thread; yield the server and a client context that trusts its certificate. Closed on the way out."""
    from mailmerge import officeserver

    from helpers import ServerThread

    cert, key = officeserver.self_signed(tmp_path / "tls", ["127.0.0.2"])
    server = officeserver.OfficeServer(app, "127.0.0.2", 0, officeserver.tls_context(cert, key))
    serving = ServerThread(server)
    try:
        yield server, ssl.create_default_context(cafile=cert)
    finally:
        serving.close()


@contextlib.contextmanager
def _open_files(soft: int) -> Iterator[None]:
    """Set this process's soft limit of open files to SOFT for a while (the hard one stays)."""
    before, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (before, hard))


def _colleague_signs_in_page(server: Any, trusting: ssl.SSLContext, source: str = "") -> str:
    """Return the sign-in page as a colleague's browser gets it (from SOURCE, an address of 127/8, when given)."""
    import http.client

    colleague = http.client.HTTPSConnection(
        "127.0.0.2", server.effective_port, timeout=30, context=trusting, source_address=(source, 0) if source else None
    )
    try:
        colleague.request("GET", "/office/signin")
        answer = colleague.getresponse()
        return f"{answer.status} {answer.read().decode('utf-8')}"
    finally:
        colleague.close()


def test_the_https_front_keeps_a_browsers_connection_open_between_requests(office_app, tmp_path: Path) -> None:
    import http.client

    with _https_office(office_app, tmp_path) as (server, trusting):
        connection = http.client.HTTPSConnection("127.0.0.2", server.effective_port, timeout=60, context=trusting)
        connection.request("GET", "/office/signin")
        first = connection.getresponse()
        assert first.status == 200 and "サインイン" in first.read().decode("utf-8")
        opened = connection.sock
        connection.request("GET", "/office/signin?next=/")
        second = connection.getresponse()
        assert second.status == 200 and "サインイン" in second.read().decode("utf-8")
        assert opened is not None and connection.sock is opened  # the same connection: one TLS handshake
        connection.close()


def test_idle_connections_from_the_network_do_not_take_the_https_front_down(office_app, tmp_path: Path) -> None:
    """Anyone on the office network can open connections without signing in: a few hundred left idle put the
    server's descriptors above select()'s 1,024, and the front and waitress behind it then died for everyone."""
    import socket

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    assert wanted > 2000, f"this machine allows {hard} open files: too few to try the attack"
    idle: list[ssl.SSLSocket] = []
    with _open_files(max(soft, wanted)), _https_office(office_app, tmp_path) as (server, trusting):
        try:
            # Each idle connection holds four descriptors in this process: ours, the front's, its way to
            # waitress and waitress's end of it. From eight machines: one alone may hold only so many.
            for n in range(320):
                plain = socket.create_connection(
                    ("127.0.0.2", server.effective_port), source_address=(f"127.0.0.{10 + n % 8}", 0)
                )
                idle.append(trusting.wrap_socket(plain, server_hostname="127.0.0.2"))
            page = _colleague_signs_in_page(server, trusting)
            assert page.startswith("200 ") and "サインイン" in page
            for connection in idle:
                connection.close()
            idle.clear()
            again = _colleague_signs_in_page(server, trusting)
            assert again.startswith("200 ") and "サインイン" in again
        finally:
            for connection in idle:
                connection.close()


def test_one_machine_holding_many_connections_does_not_lock_the_office_out(office_app, tmp_path: Path) -> None:
    """One PC on the network (no sign-in needed) held 1,100 idle connections: waitress behind the front
    took no more than its 1,000, and a colleague's browser then got no page at all while they stayed open."""
    import socket

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    assert wanted > 5000, f"this machine allows {hard} open files: too few to try the attack"
    idle: list[socket.socket] = []
    with _open_files(max(soft, wanted)), _https_office(office_app, tmp_path) as (server, trusting):
        try:
            for _ in range(1100):  # from 127.0.0.4, one machine
                plain = socket.create_connection(("127.0.0.2", server.effective_port), source_address=("127.0.0.4", 0))
                idle.append(plain)
                try:
                    idle[-1] = trusting.wrap_socket(plain, server_hostname="127.0.0.2")
                except (OSError, ssl.SSLError):
                    pass  # refused by the front: as good for the attack as held
            page = _colleague_signs_in_page(server, trusting, source="127.0.0.3")
            assert page.startswith("200 ") and "サインイン" in page
        finally:
            for connection in idle:
                connection.close()


def test_the_front_serves_past_the_services_usual_limit_of_open_files(office_app, tmp_path: Path) -> None:
    """systemd starts a service allowed 1,024 open files: five PCs with 60 connections each used them up, and
    the front then spun on accept() failing (EMFILE) while a colleague's browser waited for nothing."""
    import socket

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    assert hard == resource.RLIM_INFINITY or hard > 4096, f"this machine allows {hard} open files: too few"
    idle: list[socket.socket] = []
    # As a systemd service starts: 1,024 open files, the server made within them.
    with _open_files(1024), _https_office(office_app, tmp_path) as (server, trusting):
        try:
            for n in range(300):
                plain = socket.create_connection(
                    ("127.0.0.2", server.effective_port), source_address=(f"127.0.0.{20 + n % 5}", 0)
                )
                idle.append(trusting.wrap_socket(plain, server_hostname="127.0.0.2"))
            page = _colleague_signs_in_page(server, trusting, source="127.0.0.3")
            assert page.startswith("200 ") and "サインイン" in page
        finally:
            for connection in idle:
                connection.close()


def test_the_audit_log_says_what_was_done_in_japanese_words(office_app) -> None:
    # The 内容 column showed the page's identifier (workspace.print_start) for an action without a file.
    client = _signed_in(office_app, "kanri")
    discarded = client.post(
        "/workspace/roster/confirm", data={"csrf_token": _csrf(client), "upload": "0" * 32, "action": "discard"}
    )
    assert discarded.status_code == 303
    page = client.get("/office/audit").get_data(as_text=True)
    assert re.search(r"<td>kanri</td><td>アップロード</td><td>[^<]*</td><td></td><td>名簿の取り込みの中止</td>", page)
    table = page[page.index('id="audit-table"') : page.index("</table>")]  # the page's stylesheet is workspace.css
    assert "workspace." not in table
    config = office_app.extensions["mailmerge_review"].config
    printed = invoke("audit", "--config", str(config.path)).output
    assert "名簿の取り込みの中止" in printed and "workspace." not in printed
    line = AuditLine(0.0, "kanri", "print", "2024", (), "workspace.print_start")
    assert office.audit_row(line)["detail"] == "印刷の開始"
    # Every action a page can post is recorded in words (a decision names itself: 承認済み / 保留).
    posted = {
        rule.endpoint
        for rule in office_app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.endpoint.startswith("office.")
    }
    assert posted - {"decide", "api_decisions"} <= set(messages.AUDIT_DETAILS)


def test_a_session_ended_elsewhere_is_refused_at_once_and_a_copy_of_the_file_is_whole(tmp_path: Path) -> None:
    """The server keeps a connection per thread for the session look-up: what another process wrote is seen,
    and accounts.db copied alone while serving (a backup's `cp`) has every change in it."""
    server, command = accounts.open_store(tmp_path), accounts.open_store(tmp_path)  # command: `mailmerge user`
    accounts.add_user(command, "kanri", "管理", PASSWORD, 0)
    token = accounts.new_session(server, "kanri", 1.0)
    assert accounts.live_session(server, token, 2.0, 3600) is not None
    command.update_user("kanri", disabled=1)  # `mailmerge user disable kanri`: signed out everywhere
    server.record(3.0, "kanri", "user_disable", "2026", (), "kanri")
    assert accounts.live_session(server, token, 3.0, 3600) is None
    copy = tmp_path / "copy" / "office" / accounts_path(tmp_path).name
    copy.parent.mkdir(parents=True)
    copy.write_bytes(accounts_path(tmp_path).read_bytes())  # the file alone, while the server holds it open
    copied = accounts.open_store(tmp_path / "copy")
    assert copied.user("kanri").disabled and [line.action for line in copied.audit()] == ["user_disable"]


def test_the_https_front_passes_a_page_of_megabytes_whole(tmp_path: Path) -> None:
    """Over the real TLS front and a Unix socket: every byte of a page larger than the front's buffer arrives."""
    import http.client
    import socket
    import ssl
    import threading

    from mailmerge import officeserver

    page = bytes(range(256)) * 12289  # ~3 MB, not a multiple of any buffer
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(page) + page
    upstream_path = str(tmp_path / "app.sock")
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(upstream_path)
    listening.listen()

    def upstream() -> None:  # waitress's part: each request answered with the page
        connection = listening.accept()[0]
        with connection:
            while connection.recv(65536):
                connection.sendall(answer)

    cert, key = officeserver.self_signed(tmp_path / "tls", ["127.0.0.2"])
    front = socket.create_server(("127.0.0.2", 0))
    threads = [
        threading.Thread(target=upstream, daemon=True),
        threading.Thread(
            target=lambda: officeserver._serve_connection(
                front.accept()[0], officeserver.tls_context(cert, key), upstream_path
            ),
            daemon=True,
        ),
    ]
    for thread in threads:
        thread.start()
    browser = http.client.HTTPSConnection(
        "127.0.0.2", front.getsockname()[1], timeout=60, context=ssl.create_default_context(cafile=cert)
    )
    try:
        for _ in range(2):  # twice on the same connection: the second answer starts where the first ended
            browser.request("GET", "/")
            assert browser.getresponse().read() == page
    finally:
        browser.close()
        for thread in threads:
            thread.join(10)
        front.close()
        listening.close()


def test_the_office_server_serves_a_page_of_megabytes_whole_through_waitress(tmp_path: Path) -> None:
    """waitress on its Unix socket (its send buffer widened) and the TLS front: a 3 MB answer arrives whole."""
    import http.client

    from flask import Flask

    page = bytes(range(256)) * 12289
    app = Flask(__name__)
    app.add_url_rule("/", "page", lambda: page)
    with _https_office(app, tmp_path) as (server, trusting):
        browser = http.client.HTTPSConnection("127.0.0.2", server.effective_port, timeout=60, context=trusting)
        try:
            for _ in range(3):
                browser.request("GET", "/")
                assert browser.getresponse().read() == page
        finally:
            browser.close()
