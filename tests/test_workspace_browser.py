"""The whole cycle in a real browser (Debian's chromium via Playwright): no command after `mailmerge serve`."""

from __future__ import annotations

import io
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
from playwright.sync_api import Browser, Page, expect

from mailmerge import mailing, pipeline
from mailmerge.config import load_config
from mailmerge.dates import today_jst
from test_review_browser import PAGE_TIMEOUT_MS, _keep_screenshot, browser  # noqa: F401  (the module's chromium)
from test_workspace import bad_roster

from conftest import REPO, copy_run, write_config
from helpers import TEMPLATES

# A whole run of the sample roster (60 documents through LibreOffice) on a loaded machine: bounded, generous.
RUN_TIMEOUT_MS = 600_000


class Serving:
    """`mailmerge serve` in its own process, as the secretariat starts it; stop() is its Ctrl-C."""

    def __init__(self, config: Path, out: Path):
        self.config = config
        mailmerge = Path(sys.executable).with_name("mailmerge")
        self.process = subprocess.Popen(
            [str(mailmerge), "serve", "--config", str(config), "--out", str(out), "--no-browser"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.process.stderr.read()
        self.base = self.url.split("/workspace/")[0]

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=120)
        return err


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Serving]:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REPO / "data" / "members.xlsx", data / "members.xlsx")
    templates = tmp_path / "templates"  # the 文面 page replaces them: never the repository's
    templates.mkdir()
    for name in ("letter.docx", "overview.docx"):
        shutil.copy(TEMPLATES / name, templates / name)
    config = write_config(
        tmp_path,
        path=f'"{data / "members.xlsx"}"',
        letter=f'"{templates / "letter.docx"}"',
        overview=f'"{templates / "overview.docx"}"',
    )
    serving = Serving(config, tmp_path / "out")
    yield serving
    if serving.process.poll() is None:
        serving.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
    yield page
    context.close()


def _shot(page: Page, folder: Path, name: str) -> None:
    path = folder / f"workspace-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    _keep_screenshot(path)


def _nav(page: Page, name: str) -> None:
    page.locator(".ws-nav").get_by_role("link", name=name, exact=True).click()


def test_the_whole_cycle_in_the_browser(serving: Serving, page: Page, tmp_path: Path) -> None:
    page.goto(serving.url)
    expect(page.locator("#next-button")).to_have_text("作成する")
    expect(page.locator('#steps li[data-step="roster"]')).to_contain_text("30 名, エラー 0")
    _shot(page, tmp_path, "1-home")

    # 名簿: a roster with an error is shown as a table and not taken; the fixed one replaces it on confirm.
    _nav(page, "名簿")
    roster = tmp_path / "data" / "members.xlsx"
    bad = bad_roster(roster, tmp_path / "edited.xlsx")
    page.locator("#roster-file").set_input_files(str(bad))
    problem = page.locator("#upload-problems tbody tr.error")
    expect(problem).to_have_count(1)
    expect(problem.locator("td.row")).to_have_text("6")
    expect(problem.locator("td.column")).to_have_text("会員名")
    expect(problem.locator("td.what")).to_have_text("空欄です（必須項目）")
    expect(page.locator("#upload-refused")).to_be_visible()
    expect(page.locator("#confirm-replace")).to_have_count(0)
    _shot(page, tmp_path, "2-roster-error")
    book = openpyxl.load_workbook(roster)
    headers = [c.value for c in book.worksheets[0][1]]
    book.worksheets[0].cell(row=2, column=headers.index("住所2") + 1).value = "青葉ビル 12階"
    fixed = io.BytesIO()
    book.save(fixed)
    page.locator("#roster-file").set_input_files(
        files=[{"name": "members.xlsx", "mimeType": "application/octet-stream", "buffer": fixed.getvalue()}]
    )
    expect(page.locator("#upload-summary")).to_contain_text("エラー 0 件")
    page.locator("#confirm-replace").click()
    expect(page.locator("#replaced")).to_contain_text("名簿を置き換えました。")
    expect(page.locator("#previous li")).to_have_count(1)
    _shot(page, tmp_path, "3-roster-replaced")
    assert roster.read_bytes() == fixed.getvalue()

    # 文面: an edited letter.docx is checked and proofed (one member's PDF) before it replaces the current one.
    _nav(page, "文面")
    page.locator("#file-letter").set_input_files(
        files=[
            {
                "name": "letter.docx",
                "mimeType": "application/octet-stream",
                "buffer": (TEMPLATES / "letter.docx").read_bytes(),
            }
        ]
    )
    expect(page.locator("#template-summary")).to_contain_text("エラー 0 件")
    expect(page.locator("#template-replace")).to_have_count(0)
    # A chosen member (not the first): the proof is that member's letter.
    chosen = next(m for m in pipeline.check(load_config(serving.config)).roster.members if m.member_id == "0007")
    expect(page.locator("#proof-member option")).to_have_count(30)
    page.select_option("#proof-member", "0007")
    page.locator("#proof-start").click()
    expect(page.locator("#proof-ready")).to_contain_text("会員番号 0007 の試し刷りができました", timeout=RUN_TIMEOUT_MS)
    proof = page.request.get(serving.base + page.locator("#proof-link").get_attribute("href"))
    assert proof.ok and proof.headers["content-type"] == "application/pdf" and proof.body().startswith(b"%PDF")
    proof_text = pypdfium2.PdfDocument(proof.body())[0].get_textpage().get_text_range().replace("\r\n", "")
    assert chosen.display_name in proof_text and "0007" in proof_text
    _shot(page, tmp_path, "3b-template-proof")
    page.locator("#template-replace").click()
    expect(page.locator("#replaced")).to_contain_text("文面を置き換えました。")
    # The letter's dates in a checked form: a deadline after the renewal is refused, then a right one saved.
    page.fill("#settings-return_deadline", "2024-03-01")
    page.locator("#settings-save").click()
    expect(page.locator("#settings-problems")).to_have_text(
        "日付の順が逆です: 発行日 ≤ 返送期限 ≤ 更新日 にしてください"
    )
    page.fill("#settings-return_deadline", "2024-01-15")
    page.locator("#settings-save").click()
    expect(page.locator("#settings-saved")).to_contain_text("日付を保存しました")
    page.locator("#settings").scroll_into_view_if_needed()
    _shot(page, tmp_path, "3c-settings")

    # 作成: the progress bar moves, then the control totals.
    _nav(page, "ホーム")
    page.locator("#next-button").click()
    page.locator("#run-start").click()
    bar = page.get_by_role("progressbar")
    expect(bar).to_be_visible()
    page.wait_for_function(
        "() => { const p = document.querySelector('#job-progress'); return !p || p.value > 0; }", timeout=RUN_TIMEOUT_MS
    )
    if bar.count():
        _shot(page, tmp_path, "4-run-progress")
    expect(page.locator("#run-done")).to_contain_text(
        "完了: 30 会員 (加入 18 件, 未加入 12 件), 60 文書", timeout=RUN_TIMEOUT_MS
    )
    expect(page.locator("#run-totals")).to_have_text(
        "集計: 名簿 30 行 = 加入 18 + 未加入 12 + エラー 0 行 (summary.json)"
    )
    _shot(page, tmp_path, "5-run-done")

    # 確認: approve every member but one, hold that one.
    page.locator("#to-review").click()
    page.locator("#reviewer-ask input[name=reviewer]").fill("確認 花子")
    page.locator("#reviewer-ask button").click()
    page.locator('#members tbody tr[data-id="0001"] td.name a').click()
    while True:
        expect(page.locator("h1")).to_be_visible()
        if "0004" in page.locator("h1").inner_text():
            page.fill("#note", "住所の番地を確認中")
            page.get_by_role("button", name="保留にする").click()
            expect(page.locator("#status")).to_have_text("保留")
        else:
            page.get_by_role("button", name="承認する").click()
            expect(page.locator("#status")).to_have_text("承認済み")
        if page.locator("#next").count() == 0:
            break
        page.locator("#next").click()

    # ホーム now says 印刷 next, with the review counted.
    page.locator("#to-home").click()  # the 確認 screen's own way back, as a person would go
    expect(page.locator('#steps li[data-step="review"]')).to_contain_text("承認 29, 保留 1, 要再確認 0, 未確認 0")
    expect(page.locator("#next-button")).to_have_text("印刷する")
    _shot(page, tmp_path, "6-home-after-review")

    # 印刷: the files, labels.pdf opened, the held member named as left out.
    page.locator("#next-button").click()
    page.locator("#print-start").click()
    expect(page.locator("#print-files")).to_contain_text(
        "labels.pdf — 宛名ラベル 29 枚（A4 のラベル用紙 3 枚、12 面・86.4 × 42.3 mm）"
    )
    expect(page.locator("#print-left-out")).to_contain_text("保留 1 名: 会員番号 0004")
    _shot(page, tmp_path, "7-print")
    labels = page.locator("#print-files a", has_text="labels.pdf")
    response = page.request.get(serving.base + labels.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf" and response.body().startswith(b"%PDF")

    # 発送・封印: a date, the counts to seal, then the result.
    _nav(page, "発送・封印")
    sent_on = today_jst().isoformat()  # a letter is sent after it is printed, and never in the future
    page.fill("#sent-on", sent_on)
    page.locator("#seal-check").click()
    expect(page.locator("#seal-confirm")).to_contain_text(f"発送日 {sent_on} で封印します")
    expect(page.locator("#seal-total")).to_have_text("29 名")
    _shot(page, tmp_path, "8-seal-confirm")
    page.locator("#seal-start").click()
    day = today_jst()
    expect(page.locator("#seal-result")).to_contain_text(
        f"封印しました（2024 年度、発送日 {day.year}年{day.month}月{day.day}日）: "
        "29 名（加入 18 名、未加入 11 名）、58 文書"
    )
    _shot(page, tmp_path, "9-sealed")

    # 送付記録 of a member, then 点検.
    _nav(page, "送付記録")
    page.fill("#history-id", "0003")
    page.locator("#history-search").click()
    expect(page.locator("#history-rows tbody tr")).to_have_count(4)  # 書状 and 概要, each as PDF and Word
    expect(page.locator("#history-rows")).to_contain_text(sent_on)
    _shot(page, tmp_path, "10-history")
    _nav(page, "点検")
    page.locator("#verify-start").click()
    expect(page.locator("#verify-summary")).to_contain_text("問題ありません。封印 1 件")
    _shot(page, tmp_path, "11-verify")

    _nav(page, "ホーム")
    expect(page.locator('#steps li[data-step="seal"]')).to_contain_text(
        "封印済み 29 名（今年度）, 未封印の承認済み 0 名"
    )
    _shot(page, tmp_path, "12-home-end")
    err = serving.stop()
    assert serving.process.returncode == 0, err


def test_an_empty_required_field_is_named_in_japanese(serving: Serving, page: Page, tmp_path: Path) -> None:
    # Chromium words its own message in its own language: 「Please fill out this field.」 on a page in Japanese.
    page.goto(serving.url)
    _nav(page, "発送・封印")
    page.fill("#sent-on", "")
    page.locator("#seal-check").click()
    field = page.locator("#sent-on")
    assert field.evaluate("f => f.validationMessage") == "この欄を入力してください。"
    assert "sent_on=" not in page.url  # not sent: the browser held the form on the empty field
    _shot(page, tmp_path, "required-date")
    page.fill("#sent-on", today_jst().isoformat())
    assert field.evaluate("f => f.validationMessage") == ""  # filled in again: nothing more is said


def test_the_resend_reason_left_empty_is_named_in_japanese(sample_run: Path, tmp_path: Path, page: Page) -> None:
    # The stand-in's case: 「Please fill out this field.」 on 再送の理由, the one field a re-send's seal asks for.
    from test_review_browser import Served
    from test_workspace import _client, _csrf, _wait

    roster = tmp_path / "members.xlsx"
    shutil.copy(REPO / "data" / "members.xlsx", roster)
    config_path = write_config(tmp_path, path=f'"{roster}"')
    served = Served(config_path, copy_run(sample_run, tmp_path))
    try:
        config = load_config(config_path)
        _app, client = _client(config_path, served.out)  # the steps before, as the workspace's own test takes them
        csrf = _csrf(client)
        today = today_jst().isoformat()
        mailing.record_decisions(config, served.out, ["0005"], "approved", "", "確認 花子")
        client.post("/workspace/print", data={"csrf_token": csrf})
        assert _wait(client, "print")["state"] == "done"
        client.post("/workspace/seal", data={"csrf_token": csrf, "sent_on": today})
        assert _wait(client, "seal")["state"] == "done"
        book = openpyxl.load_workbook(roster)
        sheet = book.worksheets[0]
        headers = [c.value for c in sheet[1]]
        row = next(r for r in sheet.iter_rows(min_row=2) if str(r[headers.index("会員番号")].value) == "0005")
        row[headers.index("部署")].value = "総務部（訂正）"
        book.save(roster)
        pipeline.run(config, out_dir=served.out)
        mailing.record_decisions(config, served.out, ["0005"], "approved", "", "確認 花子")
        client.post("/workspace/print", data={"csrf_token": csrf})
        assert _wait(client, "print")["state"] == "done"

        page.goto(served.url)
        base = served.url.split("/?")[0]
        page.goto(f"{base}/workspace/seal?sent_on={today}")
        expect(page.locator("#seal-resent")).to_contain_text("会員番号 0005")
        page.locator("#seal-start").click()
        reason = page.locator("#seal-reason")
        assert reason.evaluate("f => f.validationMessage") == "この欄を入力してください。"
        expect(page.locator("#seal-confirm")).to_be_visible()  # held on the empty field: nothing sealed
        _shot(page, tmp_path, "required-reason")
    finally:
        page.context.close()  # its keep-alive connections first: the server's close waits for them
        served.serving.close()
