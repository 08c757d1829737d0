"""The workspace's 送信 step in a real browser (Debian's chromium) against a real SMTP server (aiosmtpd, STARTTLS).

`mailmerge serve` reads MAILMERGE_SMTP_PASSWORD from its environment, as the README says; what
arrived is read with Python's e-mail parser.
"""

from __future__ import annotations

import email
import logging
import re
import sqlite3
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mailmerge import handover, webapp
from mailmerge.config import load_config
from test_review_browser import browser  # noqa: F401  (the module's chromium)
from test_send import ADDRESSES, PASSWORD, certificate, cycle, server, use_server  # noqa: F401  (fixtures)
from test_workspace_browser import Serving, _nav, _shot, page  # noqa: F401  (the page fixture)


@pytest.fixture
def serving_send(cycle: Path, server) -> Iterator[tuple[Serving, object]]:  # noqa: F811
    recorder, port = server
    use_server(cycle, port)
    serving = Serving(cycle, cycle.parent.parent / "out")
    try:
        yield serving, recorder
    finally:
        if serving.process.poll() is None:
            serving.stop()


def test_the_send_step_test_sends_then_sends_in_the_background(serving_send, page: Page, tmp_path: Path) -> None:  # noqa: F811
    serving, recorder = serving_send
    page.goto(serving.url)
    send_step = page.locator('#steps li[data-step="send"]')
    expect(send_step).to_contain_text("送信待ち 4 名, 送信済み 0 名, 不明 0 名")
    _nav(page, "送信")

    # Who will be e-mailed, who is left out and why (send --dry-run's selection), where the password comes from.
    expect(page.locator("#send-count")).to_have_text("4")
    expect(page.locator("#send-to tbody tr")).to_have_count(4)
    expect(page.locator("#send-to tbody tr").nth(1)).to_contain_text("0002")
    expect(page.locator("#send-to tbody tr").nth(1)).to_contain_text("医療法人社団翠光会")
    expect(page.locator("#send-left-out tbody tr td")).to_have_text(["送付方法が郵送", "0003"])
    # In office staff's words: the variable that passes the password is named in the README only.
    expect(page.locator("#send-password-note")).to_have_text(
        "メールサーバーのパスワードは、サーバーの設定で渡されています。入力は要りません。"
    )
    expect(page.locator("main")).not_to_contain_text("MAILMERGE_SMTP_PASSWORD")
    _shot(page, tmp_path, "send-1-plan")

    # 【テスト送信】: one member's real message to the typed address, never counted as sent.
    page.locator("#test-to").fill("office@example.jp")
    page.select_option("#test-member", "0002")
    page.locator("#send-test-button").click()
    expect(page.locator("#send-tested")).to_contain_text("テスト送信しました: 会員番号 0002 のメールを指定のアドレスへ")
    ((_, rcpts, data),) = recorder.received
    assert rcpts == ["office@example.jp"]
    test = email.message_from_bytes(data, policy=policy.default)
    assert test["Subject"].startswith("【テスト送信】ATS会員専用保険")
    assert "医療法人社団翠光会" in test.get_body(("plain",)).get_content()
    expect(page.locator("#send-count")).to_have_text("4")

    # The send as a background job: held at its second message, the page shows the progress, also after a reload.
    recorder.hold_at = 3  # the test send was the first DATA
    page.locator("#send-confirm").check()
    page.locator("#send-start").click()
    expect(page.locator("#job-state")).to_have_text("実行中")
    assert recorder.holding.wait(60), "the second message never reached the server"
    page.reload()
    expect(page.locator("#job-progress")).to_be_visible()
    expect(page.locator("#job-count")).to_have_text("1 / 4")
    expect(page.locator("#job-stage")).to_have_text("メールを送信")
    expect(page.locator("#send-running")).to_contain_text("送信中です。")
    expect(page.locator("#send-results tbody tr").nth(1).locator("td")).to_have_text(
        ["0002", "医療法人社団翠光会", "送信中（サーバーの返事待ち）", re.compile(r"\d+月\d+日 \d\d:\d\d"), ""]
    )
    _shot(page, tmp_path, "send-2-progress")
    recorder.release.set()

    # The result per member ID, in Japanese; each member's message arrived once with its approved PDFs.
    expect(page.locator("#job-state")).to_have_text("完了", timeout=120_000)
    expect(page.locator("#send-summary")).to_contain_text("送信しました（メールサーバーが受け付けました）: 4 通")
    rows = page.locator("#send-results tbody tr")
    expect(rows).to_have_count(4)
    for n, member_id in enumerate(["0001", "0002", "0004", "0005"]):
        expect(rows.nth(n).locator("td").nth(0)).to_have_text(member_id)
        expect(rows.nth(n).locator("td").nth(2)).to_have_text("受け付け（送信済み）")
        # The reply in plain words with its code; the server's own text only as the manager's tooltip.
        expect(rows.nth(n).locator("td").nth(4)).to_have_text("受け付けられました（250）")
        expect(rows.nth(n).locator("td .reply")).to_have_attribute("title", "250 2.0.0 OK: queued")
    expect(page.locator("#send-count")).to_have_text("0")
    expect(page.locator("#send-left-out tbody tr").first.locator("td")).to_have_text(
        ["送信済み（サーバーが受け付け済み）", "0001, 0002, 0004, 0005"]
    )
    expect(page.locator("#test-member option")).to_have_count(4)  # a test send is still possible after
    _shot(page, tmp_path, "send-3-result")
    arrived = sorted(rcpts[0] for _, rcpts, _ in recorder.received[1:])
    assert arrived == sorted(ADDRESSES.values())
    for _, _rcpts, data in recorder.received[1:]:
        message = email.message_from_bytes(data, policy=policy.default)
        assert not message["Subject"].startswith("【テスト送信】")
        assert [a.get_filename() for a in message.iter_attachments()][0].endswith(".pdf")

    page.reload()
    expect(page.locator("#send-results tbody tr")).to_have_count(4)
    page.goto(serving.url)
    expect(send_step).to_contain_text("送信待ち 0 名, 送信済み 4 名, 不明 0 名")
    assert PASSWORD not in serving.stop()


def test_without_the_variable_the_password_is_typed_once_and_kept_nowhere(cycle: Path, server, monkeypatch) -> None:  # noqa: F811
    recorder, port = server
    use_server(cycle, port)
    monkeypatch.delenv("MAILMERGE_SMTP_PASSWORD")
    out = cycle.parent.parent / "out"
    app = webapp.create_app(load_config(cycle), out, "t0ken")
    client = app.test_client()
    assert client.get("/workspace/?token=t0ken").status_code == 303
    shown = client.get("/workspace/send").get_data(as_text=True)
    assert (
        "メールサーバーのパスワードはサーバーの設定で渡されていません。送るときに下の欄に入力してください"
        "（その送信に一度だけ使い、保存も記録もしません）。" in shown
    )
    assert "MAILMERGE_SMTP_PASSWORD" not in shown
    csrf = re.search(r'csrf-token" content="([^"]+)"', shown).group(1)

    typo = client.post("/workspace/send/test", data={"csrf_token": csrf, "test_to": "office＠example.jp"})
    assert typo.status_code == 400
    assert "テスト送信の宛先: メールアドレス（例: office@example.jp）を入れてください。" in typo.get_data(as_text=True)
    refused = client.post("/workspace/send/test", data={"csrf_token": csrf, "test_to": "office@example.jp"})
    assert refused.status_code == 400
    told = refused.get_data(as_text=True)
    assert "メールサーバーのパスワードを入れてください（このメールサーバーは、送る前にログインが必要です）。" in told
    assert "[email]" not in told
    assert recorder.received == []

    typed = {"csrf_token": csrf, "test_to": "office@example.jp", "member": "0004", "password": PASSWORD}
    tested = client.post("/workspace/send/test", data=typed)
    assert tested.status_code == 303
    assert "テスト送信しました: 会員番号 0004" in client.get(tested.headers["Location"]).get_data(as_text=True)
    sent = client.post("/workspace/send", data={"csrf_token": csrf, "confirm": "1", "password": PASSWORD})
    assert sent.status_code == 303
    app.extensions["mailmerge_workspace"].jobs.wait(out.resolve(), 120)
    assert sorted(rcpts[0] for _, rcpts, _ in recorder.received) == sorted(["office@example.jp", *ADDRESSES.values()])
    assert [login[0] for login in recorder.logins] == ["mailmerge", "mailmerge"]
    # Kept nowhere: not in any file of the output folder (the jobs' and the journal's databases included).
    for path in out.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path

    # A message cut off mid-handover (its last line left at `sending`): the page says whom to ask, not a command.
    with sqlite3.connect(out / "mail.db") as db:
        db.execute(
            "INSERT INTO sendings (member_id, state, at, message_id, eml_sha256, content_sha256)"
            " SELECT member_id, 'sending', at, message_id, eml_sha256, content_sha256 FROM sendings"
            " WHERE member_id = '0004' ORDER BY id DESC LIMIT 1"
        )
    unknown = client.get("/workspace/send").get_data(as_text=True)
    assert (
        "送信したか不明な会員: 1 名: 0004（前回、送信の途中で止まりました。ここからは送りません。届いたか確かめ、"
        "届いていなければ、管理担当の人にコマンドでの再送を頼んでください: README の「4b. メールで送る」）"
    ) in unknown
    assert "--resend-unknown" not in unknown
    # A refusal, for a while or for good, said in plain words with the server's code.
    with sqlite3.connect(out / "mail.db") as db:
        for member_id, state, reply in (
            ("0001", "deferred", "451 4.7.1 Try again later"),
            ("0002", "failed", "550 5.1.1 <…> unknown"),
        ):
            db.execute(
                "INSERT INTO sendings (member_id, state, at, message_id, eml_sha256, content_sha256, reply)"
                " SELECT member_id, ?, at, message_id, eml_sha256, content_sha256, ? FROM sendings"
                " WHERE member_id = ? ORDER BY id DESC LIMIT 1",
                (state, reply, member_id),
            )
    cells = re.sub(r"<[^>]+>", "|", client.get("/workspace/send").get_data(as_text=True))
    assert "|一時エラー（未送信）|" in cells and "|一時的に断られました（451）|" in cells
    assert "|拒否（未送信）|" in cells and "|断られました（550）|" in cells
    assert "Try again later" not in cells.replace('title="451 4.7.1 Try again later"', "")

    # A mistyped password: said as what to do, without the command line's config key or variable.
    wrong = {**typed, "password": "not the password"}
    refused_login = client.post("/workspace/send/test", data=wrong)
    assert refused_login.status_code == 409
    told = _plain(refused_login)
    assert (
        "メールサーバーがログインを断りました（535）。何も送っていません。入力したパスワードを確かめて、もう一度"
        "送ってください。パスワードをサーバーの設定で渡しているときは、管理担当の人に設定を確かめてもらってください。"
    ) in told
    assert "MAILMERGE_SMTP_PASSWORD" not in told and "[email]" not in told


def _plain(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_a_refused_member_is_said_in_japanese_by_member_id_with_the_code_never_the_address(
    cycle: Path,  # noqa: F811
    server,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder, port = server
    use_server(cycle, port)
    monkeypatch.setattr(handover, "BACKOFF", (0.0, 0.0, 0.0))  # a 4xx is retried three times: without the waits
    recorder.scripted = {
        "yuko.watanabe@example.jp": ["550 5.1.1 <yuko.watanabe@example.jp>: Recipient address rejected"],
        "kenichi.sato@example.jp": ["554 5.7.1 Message from kenichi.sato@example.jp rejected as spam"],
        "naoki.ito@example.jp": ["451 4.3.0 Try again later"] * 4,
    }
    caplog.set_level(logging.DEBUG)
    out = cycle.parent.parent / "out"
    app = webapp.create_app(load_config(cycle), out, "t0ken")
    client = app.test_client()
    assert client.get("/workspace/?token=t0ken").status_code == 303
    csrf = re.search(r'csrf-token" content="([^"]+)"', client.get("/workspace/send").get_data(as_text=True)).group(1)
    assert client.post("/workspace/send", data={"csrf_token": csrf, "confirm": "1"}).status_code == 303
    app.extensions["mailmerge_workspace"].jobs.wait(out.resolve(), 120)
    shown = client.get("/workspace/send").get_data(as_text=True)
    summary = re.search(r'<ul id="send-summary">(.*?)</ul>', shown, re.S).group(1)
    lines = [_plain_text(li) for li in re.findall(r"<li>(.*?)</li>", summary, re.S)]
    assert (
        "0004: メールサーバーが一時的に受け付けませんでした（451 4.3.0）。時間をおいて、もう一度送信してください"
        in [line.strip() for line in lines]
    )
    assert (
        "0005: メールサーバーがこのアドレスを受け付けませんでした（550 5.1.1）。"
        "名簿の「メールアドレス」を確かめてください" in [line.strip() for line in lines]
    )
    assert (
        "0001: メールサーバーがこのメールを受け付けませんでした（554 5.7.1）。アドレスの誤りとは限りません。"
        "管理担当の人が、この番号をメールサーバーの管理者に伝えて理由を確かめてください"
    ) in [line.strip() for line in lines]
    assert "rejected" not in summary and "Try again" not in summary
    # What to do next is said for the page (press 送信), never as a command to type.
    assert "一時的なエラーで送れなかった会員: 1 件（時間をおいて、もう一度「送信」を押すと送ります）" in lines
    assert not [line for line in lines if "mailmerge" in line or "--" in line]
    # Never an address (nor its local part) in our logs or a job's record (aiosmtpd's own log, "mail.log", is
    # the test server's): only the messages themselves hold one.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    with sqlite3.connect(out / "jobs.db") as jobs_db:
        said = logged + "\n".join(jobs_db.iterdump())
    assert "送信" in said
    for address in ADDRESSES.values():
        assert address.split("@")[0] not in said, address


def _plain_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
