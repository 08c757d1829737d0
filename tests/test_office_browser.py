"""The office in a real browser: two accounts at once over HTTPS on 127.0.0.2, Debian's chromium via Playwright."""

from __future__ import annotations

import hashlib
import re
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from mailmerge import accounts, messages, office, officeserver, webapp
from mailmerge.config import load_config
from mailmerge.officestore import accounts_path
from test_review_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LAUNCH_TIMEOUT_MS,
    PAGE_TIMEOUT_MS,
    _keep_screenshot,
)

from conftest import REPO, copy_run, write_config
from helpers import ServerThread

HOST = "mailmerge.test"
ADDRESS = "127.0.0.2"
PASSWORD = "correct horse 1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} がありません: scripts/install-system.sh を実行してください"
    with sync_playwright() as playwright:
        # The office's Host name leads to the second loopback address, as an office's DNS would.
        args = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} {ADDRESS}"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, timeout=LAUNCH_TIMEOUT_MS)
        yield browser
        browser.close()


class Office:
    """A copy of the sample run served as `serve --host 127.0.0.2` serves it: HTTPS, accounts, the Host names."""

    def __init__(self, config_path: Path, out: Path):
        config = load_config(config_path)
        self.store = accounts.open_store(config.root)
        for name, role in (("kanri", "管理"), ("kakunin", "確認")):
            accounts.add_user(self.store, name, role, PASSWORD, 0)
        self.cert, key = officeserver.self_signed(self.store.path.parent, [*config.server_hosts, ADDRESS])
        self.app = webapp.create_app(config, out, webapp.new_token(), guard=office.guard)
        office.install(self.app, office.Office(store=self.store, hosts=frozenset([*config.server_hosts, ADDRESS])))
        self.server = officeserver.OfficeServer(self.app, ADDRESS, 0, officeserver.tls_context(self.cert, key))
        webapp.set_port(self.app, self.server.effective_port)
        self.url = f"https://{HOST}:{self.server.effective_port}"
        self.serving = ServerThread(self.server)


@pytest.fixture
def served(sample_run: Path, tmp_path: Path) -> Iterator[Office]:
    roster = tmp_path / "members.xlsx"
    shutil.copy(REPO / "data" / "members.xlsx", roster)
    config = write_config(tmp_path, path=f'"{roster}"')
    config.write_text(config.read_text(encoding="utf-8") + f'\n[server]\nhosts = ["{HOST}"]\n', encoding="utf-8")
    served = Office(config, copy_run(sample_run, tmp_path))
    yield served
    served.serving.close()


def _context(browser: Browser) -> BrowserContext:
    # The self-signed certificate: the test compares its fingerprint itself (below), as staff would.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP", ignore_https_errors=True)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return context


def _sign_in(page: Page, served: Office, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{served.url}/members/0001")
    expect(page.locator("h1")).to_have_text("ATS 更新案内 — サインイン")
    # As a browser's saved password fills the form, with no input event: the form is valid at once
    # (the page's own words for an empty field are set only when the browser finds one invalid).
    filled = page.locator("form").evaluate(
        "(form, [name, password]) => { form.elements.name.value = name;"
        " form.elements.password.value = password; return form.checkValidity(); }",
        [name, password],
    )
    assert filled is True
    page.get_by_role("button", name="サインイン").click()


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name))
    _keep_screenshot(tmp_path / name)


def test_two_accounts_review_at_once_over_https(browser: Browser, served: Office, tmp_path: Path) -> None:
    presented = ssl.get_server_certificate((ADDRESS, served.server.effective_port))
    der = ssl.PEM_cert_to_DER_cert(presented)
    assert ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest()) == officeserver.fingerprint(served.cert)

    checker_context, manager_context = _context(browser), _context(browser)
    checker, manager = checker_context.new_page(), manager_context.new_page()
    checker.goto(f"{served.url}/")
    expect(checker.locator("h1")).to_have_text("ATS 更新案内 — サインイン")
    _shot(checker, tmp_path, "office-signin.png")

    _sign_in(checker, served, "kakunin")
    expect(checker.locator("#account")).to_have_text("kakunin（確認）")
    expect(checker.locator("h1")).to_contain_text("0001")
    expect(checker.locator("#reviewer-ask")).to_have_count(0)  # no typed name: the account is the reviewer
    checker.get_by_role("button", name="承認する").click()
    expect(checker.locator("#decision-message")).to_have_text("記録しました（承認済み）。")

    _sign_in(manager, served, "kanri")
    expect(manager.locator("#last-decision")).to_contain_text("kakunin")
    expect(manager.locator("#status")).to_have_text("承認済み")
    # The manager holds 0002; the checker sees it on reload.
    manager.goto(f"{served.url}/members/0002")
    manager.fill("#note", "住所の番地が古い")
    manager.get_by_role("button", name="保留にする").click()
    expect(manager.locator("#status")).to_have_text("保留")
    checker.goto(f"{served.url}/members/0002")
    expect(checker.locator("#last-decision")).to_contain_text("kanri")

    # A checker is offered no manager's buttons: the home has no 送信, the 作成 step says who does it.
    checker.goto(f"{served.url}/workspace/")
    expect(checker.locator(".ws-nav a", has_text="送信")).to_have_count(0)
    expect(checker.locator(".ws-nav a", has_text="作成")).to_be_visible()
    expect(checker.locator('#steps li[data-step="run"] .by')).to_have_text(messages.OFFICE_MANAGER_ONLY)
    expect(checker.locator('#steps li[data-step="run"] a')).to_have_count(0)
    _shot(checker, tmp_path, "office-checker-home.png")
    checker.goto(f"{served.url}/workspace/run")
    expect(checker.locator("#run-start")).to_have_count(0)
    expect(checker.locator("#manager-only")).to_have_text(messages.OFFICE_MANAGER_ONLY)
    _shot(checker, tmp_path, "office-checker-run.png")
    # The address of a manager's page typed in: a Japanese 403 page.
    checker.goto(f"{served.url}/workspace/send")
    expect(checker.locator("#error-message")).to_have_text(messages.OFFICE_NEEDS_ROLE.format(role="管理", own="確認"))
    _shot(checker, tmp_path, "office-403.png")

    # A member's PDF downloaded by the manager is in the audit page, by member ID.
    fetched = manager.evaluate(
        "async () => { const r = await fetch('/members/0003/letter.pdf'); "
        "return [r.status, (await r.arrayBuffer()).byteLength]; }"
    )
    assert fetched[0] == 200 and fetched[1] > 1000
    manager.goto(f"{served.url}/workspace/")
    # The links to the manager's pages are readable on the dark header (they were navy on navy).
    for link in ("#audit-link", "#users-link"):
        assert manager.locator(link).evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    manager.locator("#audit-link").click()
    rows = manager.locator("#audit-table tbody tr")
    expect(rows.filter(has_text="ダウンロード").filter(has_text="0003")).to_have_count(1)
    expect(rows.filter(has_text="承認・保留").filter(has_text="kakunin")).to_contain_text("承認済み")
    expect(rows.filter(has_text="サインイン")).to_have_count(2)
    _manager_page_in_the_workspace_layout(manager, "監査記録")
    _shot(manager, tmp_path, "office-audit.png")
    manager.locator("#users-link").click()
    _manager_page_in_the_workspace_layout(manager, "アカウント")
    expect(manager.locator("#users-table tbody tr").filter(has_text="kakunin")).to_contain_text("確認")
    _shot(manager, tmp_path, "office-users.png")

    manager.get_by_role("button", name="サインアウト").click()
    expect(manager.locator("#signed-out")).to_have_text("サインアウトしました。")
    manager.goto(f"{served.url}/workspace/")
    expect(manager.locator("h1")).to_have_text("ATS 更新案内 — サインイン")
    checker_context.close()
    manager_context.close()


def _manager_page_in_the_workspace_layout(page: Page, heading: str) -> None:
    """The manager's pages show the workspace's menu and its centred column, as every other page does."""
    expect(page.locator("h1")).to_have_text(heading)
    expect(page).to_have_title(re.compile(rf"^{heading} — ATS 更新案内 \d{{4}} 年度$"))
    nav = page.locator("nav.ws-nav a")
    for step in ("ホーム", "名簿", "作成", "確認", "印刷", "発送・封印", "点検"):
        expect(nav.filter(has_text=step).first).to_be_visible()
    # After a click the heading can be there before the stylesheet: wait for it to apply, then measure.
    expect(page.locator("main")).to_have_css("max-width", "1100px")
    box = page.locator("main").bounding_box()
    assert box is not None and box["width"] <= 1100 and box["x"] > 50, box  # not flush left across the window


def test_five_wrong_passwords_make_the_account_wait(browser: Browser, served: Office, tmp_path: Path) -> None:
    context = _context(browser)
    page = context.new_page()
    for _ in range(4):
        _sign_in(page, served, "kakunin", "wrong password")
        expect(page.locator("#signin-message")).to_have_text(messages.OFFICE_WRONG_PASSWORD)
    _sign_in(page, served, "kakunin", "wrong password")
    expect(page.locator("#signin-message")).to_have_text(messages.OFFICE_WAIT.format(wait="30 秒"))
    _sign_in(page, served, "kakunin")  # the right one, too soon: still waiting
    expect(page.locator("#signin-message")).to_contain_text("待ってから")
    _shot(page, tmp_path, "office-lockout.png")
    assert accounts_path(served.store.path.parent.parent) == served.store.path
    context.close()
