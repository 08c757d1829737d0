"""The review app's HTTP layer: token, Host, CSRF, the manifest's files only, the lock, two reviewers at once."""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
from pathlib import Path

import pytest

from mailmerge import messages, webapp, weblist, webserver
from mailmerge.config import load_config
from mailmerge.manifest import read_manifest
from mailmerge.state import OutputLock
from mailmerge.store import REVIEW_DB_NAME, DecisionStore

from conftest import copy_run
from helpers import ServerThread

TOKEN = "test-token-" + "x" * 20


@pytest.fixture
def run_dir(sample_run: Path, tmp_path: Path) -> Path:
    return copy_run(sample_run, tmp_path)


@pytest.fixture
def app(run_dir: Path, config_in):
    return webapp.create_app(load_config(config_in()), run_dir, TOKEN)


@pytest.fixture
def client(app):
    """A client that has opened the address with the token once (so it holds the cookie)."""
    client = app.test_client()
    first = client.get(f"/?token={TOKEN}")
    assert first.status_code == 303 and first.headers["Location"] == "/"
    return client


def _csrf(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)


def _named(client, name: str = "確認 太郎") -> None:
    response = client.post("/reviewer", data={"reviewer": name, "csrf_token": _csrf(client), "back": "/"})
    assert response.status_code == 303


def _manifest(run_dir: Path):
    return read_manifest(run_dir / "manifest.csv")


def _shown(run_dir: Path, member_id: str) -> dict[str, dict[str, str]]:
    """Return the documents as GET /api/members gives them: what a decision must carry back."""
    return {
        r.document: {"pdf_sha256": r.pdf_sha256, "docx_sha256": r.docx_sha256}
        for r in _manifest(run_dir)
        if r.member_id == member_id
    }


def _shown_form(run_dir: Path, member_id: str) -> dict[str, str]:
    """Return the member page's hidden fields naming the files it shows."""
    fields = {}
    for document, hashes in _shown(run_dir, member_id).items():
        fields[f"pdf_sha256.{document}"], fields[f"docx_sha256.{document}"] = (
            hashes["pdf_sha256"],
            hashes["docx_sha256"],
        )
    return fields


def test_without_the_token_every_address_is_refused(app) -> None:
    client = app.test_client()
    for path in ("/", "/members/0001", "/api/members", "/static/review.css", "/members/0001/letter.pdf"):
        response = client.get(path)
        assert response.status_code == 403, path
    assert messages.REVIEW_FORBIDDEN in client.get("/").get_data(as_text=True)
    # The workspace's users started mailmerge serve, not review: the page names both.
    assert "作業画面（mailmerge serve）" in client.get("/workspace/").get_data(as_text=True)
    assert client.get("/?token=wrong").status_code == 403
    assert client.post("/api/decisions", json={"member_id": "0001", "decision": "approved"}).status_code == 403


def test_the_token_becomes_a_strict_httponly_cookie_and_leaves_the_address(app, run_dir: Path) -> None:
    client = app.test_client()
    first = client.get(f"/members/0001?token={TOKEN}")
    assert first.status_code == 303
    assert first.headers["Location"] == "/members/0001"
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"mailmerge_token={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for row in _manifest(run_dir):
        assert f'data-id="{row.member_id}"' in text


def test_security_headers_on_pages(client) -> None:
    response = client.get("/")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_foreign_host_is_refused_even_with_the_token(run_dir: Path, config_in) -> None:
    app = webapp.create_app(load_config(config_in()), run_dir, TOKEN, port=8765)
    client = app.test_client()
    for host in ("evil.example", "evil.example:8765", "127.0.0.1:9999", "localhost.evil.example:8765", "0.0.0.0:8765"):
        response = client.get(f"/?token={TOKEN}", headers={"Host": host})
        assert response.status_code == 400, host
        assert messages.REVIEW_BAD_HOST in response.get_data(as_text=True)
    for host in ("127.0.0.1:8765", "localhost:8765"):
        assert client.get(f"/api/members?token={TOKEN}", headers={"Host": host}).status_code == 200, host


def test_only_the_manifests_files_are_served(client, run_dir: Path) -> None:
    row = next(r for r in _manifest(run_dir) if r.document == "letter")
    pdf = client.get(f"/members/{row.member_id}/letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == (run_dir / row.pdf).read_bytes()
    docx = client.get(f"/members/{row.member_id}/letter.docx")
    assert docx.status_code == 200 and "attachment" in docx.headers["Content-Disposition"]
    thumb = client.get(f"/members/{row.member_id}/letter/thumb-1.png")
    assert thumb.status_code == 200 and thumb.data.startswith(b"\x89PNG")
    (run_dir / "secret.pdf").write_bytes(b"%PDF-1.4 not listed")
    refused = [
        "/members/9999",
        "/members/9999/letter.pdf",
        f"/members/{row.member_id}/secret.pdf",
        f"/members/{row.member_id}/manifest.csv",
        f"/members/{row.member_id}/letter.txt",
        f"/members/{row.member_id}/..%2F..%2Fsecret.pdf",
        f"/members/{row.member_id}/letter/thumb-99.png",
        f"/members/{row.member_id}/letter/other-1.png",
        "/members/..%2Fsecret/letter.pdf",
        "/secret.pdf",
        "/manifest.csv",
        "/static/../manifest.csv",
        "/static/..%2Fsecret.pdf",
        "/review.db",
    ]
    for path in refused:
        assert client.get(path).status_code == 404, path
    assert messages.REVIEW_NOT_FOUND in client.get("/members/9999").get_data(as_text=True)


def test_a_post_without_the_pages_csrf_token_is_refused(client, run_dir: Path) -> None:
    _named(client)
    body = {"member_id": "0001", "decision": "approved", "note": "", "documents": _shown(run_dir, "0001")}
    refused = client.post("/api/decisions", json=body)
    assert refused.status_code == 403 and refused.get_json() == {"error": messages.REVIEW_CSRF}
    assert client.post("/api/decisions", json=body, headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert (
        client.post("/members/0001/decision", data={"decision": "approved", **_shown_form(run_dir, "0001")}).status_code
        == 403
    )
    assert client.post("/reviewer", data={"reviewer": "誰か"}).status_code == 403
    assert not (run_dir / REVIEW_DB_NAME).exists() or DecisionStore(run_dir / REVIEW_DB_NAME).latest() == {}
    accepted = client.post("/api/decisions", json=body, headers={"X-CSRF-Token": _csrf(client)})
    assert accepted.status_code == 201
    assert accepted.get_json()["member"]["status"] == "approved"


def test_a_script_with_the_token_in_a_header_needs_no_csrf(app, run_dir: Path) -> None:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {
        "member_id": "0002",
        "decision": "hold",
        "note": "住所の番地が古い",
        "reviewer": "スクリプト",
        "documents": _shown(run_dir, "0002"),
    }
    assert client.post("/api/decisions", json=body, headers=headers).status_code == 201
    members = client.get("/api/members", headers=headers).get_json()["members"]
    member = next(m for m in members if m["member_id"] == "0002")
    assert {k: member[k] for k in ("decision", "stale", "status", "note", "reviewer")} == {
        "decision": "hold",
        "stale": False,
        "status": "hold",
        "note": "住所の番地が古い",
        "reviewer": "スクリプト",
    }
    assert set(member) >= {"member_id", "name", "group", "pages", "flags", "decision", "stale"}
    assert len(members) == len({r.member_id for r in _manifest(run_dir)})


def test_decisions_from_the_page_form_need_a_reviewer_and_a_note_to_hold(client, run_dir: Path) -> None:
    csrf, shown = _csrf(client), _shown_form(run_dir, "0003")
    missing = client.post("/members/0003/decision", data={"decision": "approved", "csrf_token": csrf, **shown})
    assert missing.status_code == 400 and messages.REVIEW_NEED_REVIEWER in missing.get_data(as_text=True)
    _named(client, "確認 花子")
    no_note = client.post("/members/0003/decision", data={"decision": "hold", "note": " ", "csrf_token": csrf, **shown})
    assert no_note.status_code == 400 and messages.REVIEW_NEED_NOTE in no_note.get_data(as_text=True)
    done = client.post("/members/0003/decision", data={"decision": "approved", "csrf_token": csrf, **shown})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "記録しました" in page and 'id="status">承認済み<' in page
    latest = DecisionStore(run_dir / REVIEW_DB_NAME).latest()["0003"]
    assert f"確認 花子 · {weblist.local_time(latest.decided_at)}" in page  # Japan time, to the minute
    assert weblist.local_time("2026-12-01T16:40:00Z") == "2026-12-02 01:40"
    assert (latest.decision, latest.reviewer) == ("approved", "確認 花子")
    assert set(latest.documents) == {"letter", "overview"}


def test_a_running_mailmerge_run_stops_decisions(client, run_dir: Path) -> None:
    _named(client)
    csrf = _csrf(client)
    with OutputLock(run_dir):
        page = client.get("/").get_data(as_text=True)
        assert 'id="locked-banner"' in page and "書状を作成中です。表示が途中の状態の可能性があり" in page
        assert "mailmerge" not in page[page.index('id="locked-banner"') :]
        body = {"member_id": "0001", "decision": "approved", "documents": _shown(run_dir, "0001")}
        refused = client.post("/api/decisions", json=body, headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 409 and refused.get_json() == {"error": messages.REVIEW_LOCKED}
        form = client.post(
            "/members/0001/decision", data={"decision": "approved", "csrf_token": csrf, **_shown_form(run_dir, "0001")}
        )
        assert form.status_code == 409 and messages.REVIEW_LOCKED in form.get_data(as_text=True)
        assert "書状を作成中のため、承認・保留は記録できません。" in form.get_data(as_text=True)
    assert client.post("/api/decisions", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_the_access_log_names_member_ids_never_names(client, run_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mailmerge.review")
    rows = _manifest(run_dir)
    member = rows[0]
    _named(client, "確認 次郎")
    client.get("/")
    client.get(f"/members/{member.member_id}")
    client.get(f"/members/{member.member_id}/letter/thumb-1.png")
    client.get(f"/members/{member.member_id}?q={member.name}")
    client.get(f"/members/{member.name}")  # someone types a name into the address
    client.post(
        "/api/decisions",
        json={
            "member_id": member.member_id,
            "decision": "hold",
            "note": "番地が古い",
            "documents": _shown(run_dir, member.member_id),
        },
        headers={"X-CSRF-Token": _csrf(client)},
    )
    log = "\n".join(r.getMessage() for r in caplog.records if r.name == "mailmerge.review")
    assert f"GET /members/{member.member_id} 200" in log
    assert "GET /members/? 404" in log
    for row in rows:
        assert row.name not in log
    for secret in ("確認 次郎", "番地が古い", TOKEN):
        assert secret not in log


def test_two_reviewers_posting_200_decisions_each_at_once_lose_nothing(run_dir: Path, config_in) -> None:
    app = webapp.create_app(load_config(config_in()), run_dir, TOKEN)
    server = webserver.make_server(app, 0)
    port = server.effective_port
    serving = ServerThread(server)
    member_ids = sorted({r.member_id for r in _manifest(run_dir)})
    shown = {member_id: _shown(run_dir, member_id) for member_id in member_ids}
    failures: list[str] = []

    def reviewer(name: str, decision: str) -> None:
        try:
            post_decisions(name, decision)
        except BaseException as exc:  # a thread's exception would otherwise vanish and the test go on
            failures.append(f"{name}: {exc!r}")

    def post_decisions(name: str, decision: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # per request, against a hang only
        connection.request("GET", f"/?token={TOKEN}")
        response = connection.getresponse()
        response.read()
        cookie = response.getheader("Set-Cookie").split(";")[0]
        connection.request("GET", "/", headers={"Cookie": cookie})
        page = connection.getresponse().read().decode("utf-8")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        for n in range(200):
            member_id = member_ids[n % len(member_ids)]
            body = json.dumps(
                {
                    "member_id": member_id,
                    "decision": decision,
                    "note": f"{name} {n}",
                    "reviewer": name,
                    "documents": shown[member_id],
                }
            )
            connection.request(
                "POST",
                "/api/decisions",
                body=body.encode("utf-8"),
                headers={"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"},
            )
            answer = connection.getresponse()
            answer.read()
            if answer.status != 201:
                failures.append(f"{name} {n}: {answer.status}")

    threads = [
        threading.Thread(target=reviewer, args=args, daemon=True)
        for args in (("確認 一郎", "approved"), ("確認 二郎", "hold"))
    ]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 300  # against a hang only: a busy machine is slow
        for thread in threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0))
        assert not any(thread.is_alive() for thread in threads), f"the reviewers never finished: {failures}"
    finally:
        serving.close()
    assert failures == []
    history = DecisionStore(run_dir / REVIEW_DB_NAME).history()
    assert len(history) == 400
    for name in ("確認 一郎", "確認 二郎"):
        notes = sorted(int(d.note.split()[-1]) for d in history if d.reviewer == name)
        assert notes == list(range(200))


def test_a_member_whose_roster_row_changed_cannot_be_approved_until_run_again(run_dir: Path, tmp_path: Path) -> None:
    import shutil

    import openpyxl

    from conftest import REPO, write_config

    roster = tmp_path / "members.xlsx"
    shutil.copy(REPO / "data" / "members.xlsx", roster)
    book = openpyxl.load_workbook(roster)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if str(r[headers.index("会員番号")].value) == "0005")
    row[headers.index("住所2")].value = "新しいビル 3階"
    book.save(roster)
    config_dir = tmp_path / "changed"
    config_dir.mkdir()
    app = webapp.create_app(load_config(write_config(config_dir, path=f'"{roster}"')), run_dir, TOKEN)
    client = app.test_client()
    client.get(f"/?token={TOKEN}")
    _named(client)
    page = client.get("/members/0005").get_data(as_text=True)
    assert "作成後に名簿・テンプレート・設定が変わっています" in page and 'class="approve" disabled' in page
    refused = client.post(
        "/api/decisions",
        json={"member_id": "0005", "decision": "approved", "documents": _shown(run_dir, "0005")},
        headers={"X-CSRF-Token": _csrf(client)},
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"] == (  # worded for the page: 作成, never a command to type
        "会員番号 0005: 作成後に名簿・テンプレート・設定が変わっています。"
        "作業画面の「作成」で作り直してから承認してください"
    )
    held = client.post(
        "/api/decisions",
        json={"member_id": "0005", "decision": "hold", "note": "名簿を直した", "documents": _shown(run_dir, "0005")},
        headers={"X-CSRF-Token": _csrf(client)},
    )
    assert held.status_code == 201


def test_the_member_page_shows_the_address_as_the_letter_prints_it(client, config_in) -> None:
    from mailmerge.roster import load_roster

    members = load_roster(load_config(config_in())).members
    named = next(m for m in members if m.fields.get("representative_name") and m.fields.get("representative_title"))
    unnamed = next(m for m in members if not m.fields.get("representative_name") and m.fields.get("department"))
    page = client.get(f"/members/{named.member_id}").get_data(as_text=True)
    f = named.fields
    assert f"<div>{f['representative_title']} {f['representative_name']} 様</div>" in page
    page = client.get(f"/members/{unnamed.member_id}").get_data(as_text=True)
    f = unnamed.fields
    # Without a representative, 御中 follows the department on its line, as in the letter's window and on the label.
    assert f"<div>{f['organisation']}</div>" in page and f"<div>{f['department']} 御中</div>" in page
    assert "（御中）" not in page


def test_a_decision_on_documents_remade_after_the_page_opened_is_refused(client, run_dir: Path) -> None:
    from helpers import remake_member

    _named(client, "確認 花子")
    csrf = _csrf(client)
    members = client.get("/api/members").get_json()["members"]
    shown = next(m for m in members if m["member_id"] == "0001")["documents"]
    assert shown == _shown(run_dir, "0001") and set(shown) == {"letter", "overview"}
    page = client.get("/members/0001").get_data(as_text=True)
    form = dict(re.findall(r'<input type="hidden" name="((?:pdf|docx)_sha256\.\w+)" value="([0-9a-f]{64})">', page))
    assert form == _shown_form(run_dir, "0001")

    remade = remake_member(run_dir, "0001")  # a run makes 0001 again while the page is open
    refused = client.post(
        "/api/decisions",
        json={"member_id": "0001", "decision": "approved", "documents": shown},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 409
    assert refused.get_json() == {
        "error": "この会員の文書はページを開いた後に作り直されました。開き直して確かめてください"
    }
    posted = client.post("/members/0001/decision", data={"decision": "approved", "csrf_token": csrf, **form})
    assert posted.status_code == 409 and messages.REVIEW_REMADE in posted.get_data(as_text=True)
    held = client.post(
        "/api/decisions",
        json={"member_id": "0001", "decision": "hold", "note": "古い", "documents": shown},
        headers={"X-CSRF-Token": csrf},
    )
    assert held.status_code == 409
    assert DecisionStore(run_dir / REVIEW_DB_NAME).latest() == {}  # nothing recorded

    # Without the documents seen, nothing is approved either.
    blind = client.post(
        "/api/decisions", json={"member_id": "0001", "decision": "approved"}, headers={"X-CSRF-Token": csrf}
    )
    assert blind.status_code == 400 and blind.get_json() == {"error": messages.REVIEW_NEED_SHOWN}

    # Opened again, the page shows the new letter and the decision binds it.
    again = client.get("/api/members").get_json()["members"]
    current = next(m for m in again if m["member_id"] == "0001")["documents"]
    assert current["letter"]["pdf_sha256"] == remade
    accepted = client.post(
        "/api/decisions",
        json={"member_id": "0001", "decision": "approved", "documents": current},
        headers={"X-CSRF-Token": csrf},
    )
    assert accepted.status_code == 201 and accepted.get_json()["member"]["status"] == "approved"
    assert DecisionStore(run_dir / REVIEW_DB_NAME).latest()["0001"].documents["letter"].pdf_sha256 == remade


@pytest.mark.parametrize(
    "bad", ["確認\n花子", "確認\r花子", "確認\u2028花子", "\u202e子花 認確", "確認\u2066花子", "確認\x00花子"]
)
def test_names_and_notes_with_line_breaks_controls_or_bidi_characters_are_refused(
    client, run_dir: Path, bad: str
) -> None:
    csrf = _csrf(client)
    named = client.post("/reviewer", data={"reviewer": bad, "csrf_token": csrf, "back": "/"})
    position = next(n for n, c in enumerate(bad, 1) if not ("\u3000" < c or c == " "))
    code = f"U+{ord(bad[position - 1]):04X}"
    assert named.status_code == 400
    assert f"確認者の名前の {position} 文字目に使えない文字があります（" in named.get_data(as_text=True)
    assert f"、{code}）。確認者の名前は改行や制御文字を入れず、1 行で入力してください。" in named.get_data(as_text=True)
    assert "mailmerge_reviewer" not in named.headers.get("Set-Cookie", "")
    _named(client, "確認 花子")
    body = {"member_id": "0002", "decision": "hold", "note": bad, "documents": _shown(run_dir, "0002")}
    refused = client.post("/api/decisions", json=body, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 400 and refused.get_json()["error"].startswith(
        f"メモの {position} 文字目に使えない文字があります"
    )
    scripted = client.post(
        "/api/decisions", json={**body, "note": "住所が古い", "reviewer": bad}, headers={"X-CSRF-Token": csrf}
    )
    assert scripted.status_code == 400
    assert not (run_dir / REVIEW_DB_NAME).exists() or DecisionStore(run_dir / REVIEW_DB_NAME).latest() == {}


def test_refused_and_odd_requests_write_no_raw_path_into_the_log(app, client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mailmerge.review")
    stranger = app.test_client()
    for path in (
        "/members/0001/%0A2026-12-01 GET.pdf",
        "/members/0001/%00.pdf",
        "/members/%0Aforged/letter.pdf",
        "/members/0001/%E2%80%AE.pdf",
        "/no/such%0Apath",
    ):
        assert stranger.get(path).status_code == 403, path
        assert client.get(path).status_code == 404, path
    messages_logged = [r.getMessage() for r in caplog.records if r.name == "mailmerge.review"]
    assert len(messages_logged) == 10
    for line in messages_logged:
        assert line.isprintable() and "%0A" not in line and "forged" not in line and "GET.pdf" not in line, line
    assert messages_logged[0] == "GET /members/<member_id>/<document>.<ext> 403"
    assert messages_logged[1] == "GET /members/0001/?.pdf 404"


def test_the_name_form_redirects_only_to_this_apps_own_pages(client) -> None:
    csrf = _csrf(client)
    for back in (
        "/\t/evil.com",
        "/%09/evil.com",
        "//evil.com",
        "/\\evil.com",
        "https://evil.com/",
        "/\n/evil.com",
        "javascript:alert(1)",
        "/ /evil.com",
        "/%2F%2Fevil.com",
    ):
        response = client.post("/reviewer", data={"reviewer": "確認 花子", "csrf_token": csrf, "back": back})
        assert response.status_code == 303 and response.headers["Location"] == "/", back
    for back in ("/members/0003", "/?group=unenrolled&q=0001", "/"):
        response = client.post("/reviewer", data={"reviewer": "確認 花子", "csrf_token": csrf, "back": back})
        assert response.headers["Location"] == back


def test_a_letter_swapped_on_disk_is_not_served_and_cannot_be_decided(client, run_dir: Path) -> None:
    from helpers import swap_files

    rows = {(r.member_id, r.document): r for r in _manifest(run_dir)}
    swap_files(run_dir / rows["0001", "letter"].pdf, run_dir / rows["0002", "letter"].pdf)
    _named(client, "確認 花子")
    pdf = client.get("/members/0001/letter.pdf")
    assert pdf.status_code == 409 and pdf.mimetype == "text/html"
    assert messages.REVIEW_FILE_CHANGED in pdf.get_data(as_text=True)
    assert "このファイルは作成時と違います" in messages.REVIEW_FILE_CHANGED
    for path in ("/members/0002/letter.pdf", "/members/0001/letter/page-1.png", "/members/0002/letter/thumb-1.png"):
        assert client.get(path).status_code == 409, path
    assert client.get("/members/0001/overview.pdf").status_code == 200  # its other document is the manifest's

    page = client.get("/members/0001").get_data(as_text=True)
    assert '<span class="flag f-files_changed">ファイルが作成時と違います</span>' in page
    assert f'id="file-changed-letter">{messages.REVIEW_FILE_CHANGED}</p>' in page
    assert "/members/0001/letter/page-1.png" not in page and "/members/0001/letter.pdf" not in page
    assert "/members/0001/overview/page-1.png" in page
    assert 'class="approve" disabled' in page and 'class="hold" disabled' in page
    listing = client.get("/").get_data(as_text=True)
    for member_id in ("0001", "0002"):
        row = re.search(rf'<tr data-id="{member_id}".*?</tr>', listing, re.S).group(0)
        assert 'data-flags="files_changed"' in row or "files_changed" in re.search(r'data-flags="([^"]*)"', row).group(
            1
        )
        assert ">ファイルが作成時と違います</span>" in row and '<span class="missing">表示できません</span>' in row
    members = {m["member_id"]: m for m in client.get("/api/members").get_json()["members"]}
    assert "files_changed" in members["0001"]["flags"] and "files_changed" not in members["0003"]["flags"]

    csrf = _csrf(client)
    for decision, note in (("approved", ""), ("hold", "入れ替わっている")):
        refused = client.post(
            "/api/decisions",
            json={"member_id": "0001", "decision": decision, "note": note, "documents": _shown(run_dir, "0001")},
            headers={"X-CSRF-Token": csrf},
        )
        assert refused.status_code == 409
        assert refused.get_json()["error"].startswith(
            "会員番号 0001: ファイルが作成時と違います（manifest.csv の記録と合いません）。"
        )
    assert not (run_dir / REVIEW_DB_NAME).exists() or DecisionStore(run_dir / REVIEW_DB_NAME).latest() == {}

    swap_files(run_dir / rows["0001", "letter"].pdf, run_dir / rows["0002", "letter"].pdf)  # put back: all is well
    assert client.get("/members/0001/letter.pdf").status_code == 200
    accepted = client.post(
        "/api/decisions",
        json={"member_id": "0001", "decision": "approved", "documents": _shown(run_dir, "0001")},
        headers={"X-CSRF-Token": csrf},
    )
    assert accepted.status_code == 201


def test_approve_and_next_without_javascript_keeps_the_lists_filter(client, run_dir: Path) -> None:
    _named(client, "確認 花子")
    page = client.get("/members/0004?group=unenrolled").get_data(as_text=True)
    unenrolled = sorted({r.member_id for r in _manifest(run_dir) if r.group == "unenrolled"})
    after = unenrolled[unenrolled.index("0004") + 1]
    assert f'<a id="next" href="/members/{after}?group=unenrolled">次の会員 ({after}) ›</a>' in page
    assert 'formaction="/members/0004/decision?then=next&amp;group=unenrolled"' in page
    done = client.post(
        "/members/0004/decision?then=next&group=unenrolled",
        data={"decision": "approved", "csrf_token": _csrf(client), **_shown_form(run_dir, "0004")},
    )
    assert done.status_code == 303 and done.headers["Location"] == f"/members/{after}?group=unenrolled"
    assert DecisionStore(run_dir / REVIEW_DB_NAME).latest()["0004"].decision == "approved"


def test_a_decision_can_be_taken_back_and_the_log_says_who_and_when(client, run_dir: Path) -> None:
    _named(client, "確認 花子")
    csrf = _csrf(client)
    approved = client.post(
        "/members/0006/decision", data={"decision": "approved", "csrf_token": csrf, **_shown_form(run_dir, "0006")}
    )
    assert approved.status_code == 303
    page = client.get("/members/0006").get_data(as_text=True)
    assert 'id="status">承認済み<' in page and "判断を取り消す（未確認に戻す）" in page
    _named(client, "確認 次郎")
    taken = client.post("/members/0006/withdraw", data={"csrf_token": csrf})
    assert taken.status_code == 303 and taken.headers["Location"] == "/members/0006?withdrawn=1"
    page = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert 'id="status">未確認<' in page and "判断を取り消しました（未確認に戻しました）。" in page
    assert "判断を取り消す（未確認に戻す）" not in page
    store = DecisionStore(run_dir / REVIEW_DB_NAME)
    assert "0006" not in store.latest()
    [(decision, who, when)] = store.withdrawals("0006")
    assert (decision.decision, decision.reviewer, who) == ("approved", "確認 花子", "確認 次郎")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when)
    again = client.post("/members/0006/withdraw", data={"csrf_token": csrf})
    assert again.status_code == 409 and "会員番号 0006: 取り消す判断がありません" in again.get_data(as_text=True)
    assert client.post("/members/0006/withdraw", data={}).status_code == 403  # the page's CSRF token is needed


def test_the_list_is_made_once_until_a_decision_a_withdrawal_or_a_file_changes_it(app, client, run_dir: Path) -> None:
    """Twenty reviewers at once share one list; what anyone changes (here another program) shows on reload."""
    from mailmerge import review as review_rules
    from mailmerge import websecurity

    from helpers import swap_files

    state = app.extensions[websecurity.STATE]
    first = client.get("/").get_data(as_text=True)
    view = state.run_view()
    assert state.run_view() is view  # nothing changed: the same run, so the same list body is handed out
    assert client.get("/").get_data(as_text=True) == first
    row = re.search(r'<tr data-id="0003".*?</tr>', first, re.S).group(0)
    assert 'data-status="undecided"' in row

    # Recorded by `mailmerge approve` (another process), not through this app: the next list shows it.
    made = review_rules.make_decision("0003", "approved", "", "確認 次郎", _shown_hashes(run_dir, "0003"))
    DecisionStore(run_dir / REVIEW_DB_NAME).record([made])
    listing = client.get("/").get_data(as_text=True)
    row = re.search(r'<tr data-id="0003".*?</tr>', listing, re.S).group(0)
    assert 'data-status="approved"' in row and '<div class="by">確認 次郎</div>' in row
    assert state.run_view() is not view
    members = {m["member_id"]: m for m in client.get("/api/members").get_json()["members"]}
    assert members["0003"]["reviewer"] == "確認 次郎"

    DecisionStore(run_dir / REVIEW_DB_NAME).withdraw("0003", "確認 次郎", "2026-12-04T10:00:00Z")
    row = re.search(r'<tr data-id="0003".*?</tr>', client.get("/").get_data(as_text=True), re.S).group(0)
    assert 'data-status="undecided"' in row

    rows = {(r.member_id, r.document): r for r in _manifest(run_dir)}
    swap_files(run_dir / rows["0001", "letter"].pdf, run_dir / rows["0002", "letter"].pdf)
    row = re.search(r'<tr data-id="0001".*?</tr>', client.get("/").get_data(as_text=True), re.S).group(0)
    assert '<span class="missing">表示できません</span>' in row
    members = {m["member_id"]: m for m in client.get("/api/members").get_json()["members"]}
    assert "files_changed" in members["0001"]["flags"]


def _shown_hashes(run_dir: Path, member_id: str):
    from mailmerge.models import DocumentHashes

    return {d: DocumentHashes(h["docx_sha256"], h["pdf_sha256"]) for d, h in _shown(run_dir, member_id).items()}


@pytest.mark.parametrize("bad", ["確認\u200b花子", "確認花子\ufeff", "確\u00ad認花子"])
def test_a_reviewer_name_with_an_invisible_character_is_refused_naming_its_code(client, bad: str) -> None:
    # U+200B (zero width space), U+FEFF (BOM), a soft hyphen: a name that looks the same as another.
    named = client.post("/reviewer", data={"reviewer": bad, "csrf_token": _csrf(client), "back": "/"})
    position, char = next((n, c) for n, c in enumerate(bad, 1) if c in "\u200b\ufeff\u00ad")
    assert named.status_code == 400
    assert (
        f"確認者の名前の {position} 文字目に使えない文字があります（目に見えない書式用の文字、U+{ord(char):04X}）。"
        in named.get_data(as_text=True)
    )
    assert "mailmerge_reviewer" not in named.headers.get("Set-Cookie", "")
