"""The workspace (mailmerge serve) over HTTP: ホーム, 名簿 uploads, and the jobs (作成, 印刷, 封印, 点検) with the
test client.
"""

from __future__ import annotations

import http.cookiejar
import io
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from mailmerge import mailing, messages, pipeline, webapp, workspace
from mailmerge.config import load_config
from mailmerge.dates import today_jst
from mailmerge.state import OutputLock
from mailmerge.store.jobs import JOBS_DB_NAME, JobStore

from conftest import copy_run

TOKEN = "workspace-token-" + "y" * 20
# Bounds for a job on a loaded machine; a right answer comes as soon as it can.
JOB_TIMEOUT = 600


def bad_roster(source: Path, target: Path) -> Path:
    """Write a copy of the roster with 会員名 emptied in 0005's row (Excel row 6)."""
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if str(r[headers.index("会員番号")].value) == "0005")
    row[headers.index("会員名")].value = None
    book.save(target)
    return target


def _client(config: Path, out: Path):
    app = webapp.create_app(load_config(config), out, TOKEN)
    client = app.test_client()
    assert client.get(f"/workspace/?token={TOKEN}").status_code == 303
    return app, client


def left_in_uploads(folder: Path) -> list[str]:
    """Return the files waiting in a folder's .uploads (uploads not yet taken or given up, and their proofs)."""
    return sorted(str(p.relative_to(folder)) for p in (folder / ".uploads").rglob("*") if not p.is_dir())


def _csrf(client) -> str:
    return re.search(r'csrf-token" content="([^"]+)"', client.get("/workspace/").get_data(as_text=True)).group(1)


def _text(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _wait(client, kind: str) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job = client.get(f"/workspace/jobs/{kind}.json").get_json()["job"]
        if job and job["state"] not in ("running", "stopping"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"{kind} did not end")


def test_home_before_the_first_run_says_each_step_and_the_next_action(cycle: Path, tmp_path: Path) -> None:
    _, client = _client(cycle, tmp_path / "out")
    page = _text(client.get("/workspace/"))
    assert "名簿 済 members.xlsx," in page and "30 名, エラー 0" in page
    assert "作成 次はこれ まだ作成していません" in page
    assert "確認 未着手 作成のあとで確認します" in page
    assert re.search(
        r'id="next-button" href="/workspace/run">作成する<', client.get("/workspace/").get_data(as_text=True)
    )


def test_the_review_screen_before_the_first_run_says_to_make_and_leads_home(cycle: Path, tmp_path: Path) -> None:
    _, client = _client(cycle, tmp_path / "out")
    listed = client.get("/")  # 確認 in the navigation, pressed before 作成
    assert listed.status_code == 409
    assert (
        f"{tmp_path / 'out'}: まだ書状を作成していません（manifest.csv がありません）。"
        "先に「作成」で書状を作成してください（コマンドなら mailmerge run）" in _text(listed)
    )
    # The way back leads to ホーム, never to the list that just failed.
    assert '<a href="/workspace/" id="error-home">ホームへ戻る</a>' in listed.get_data(as_text=True)


def test_home_after_a_run_counts_the_reviews_and_says_print_next(sample_run: Path, cycle: Path, tmp_path: Path) -> None:
    out = copy_run(sample_run, tmp_path)
    config = load_config(cycle)
    mailing.record_decisions(config, out, None, "approved", "", "確認 花子")
    mailing.record_decisions(config, out, ["0004"], "hold", "住所を確認中", "確認 花子")
    _, client = _client(cycle, out)
    page = _text(client.get("/workspace/"))
    assert "60 文書" in page
    assert "確認 済 承認 29, 保留 1, 要再確認 0, 未確認 0" in page
    assert "印刷 次はこれ まだ印刷していません" in page
    assert 'id="next-button" href="/workspace/print">印刷する<' in client.get("/workspace/").get_data(as_text=True)


def test_home_after_a_roster_change_reads_the_roster_once(
    sample_run: Path, cycle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check's roster opens the run too: ホーム at 1,000 members must not read and check the file twice."""
    import os

    from mailmerge import roster

    out = copy_run(sample_run, tmp_path)
    _, client = _client(cycle, out)
    client.get("/workspace/")
    read = roster.load_roster
    calls: list[Path | None] = []

    def counted(*args, **kwargs):
        calls.append(args[1] if len(args) > 1 else kwargs.get("path"))
        return read(*args, **kwargs)

    monkeypatch.setattr(roster, "load_roster", counted)
    saved = load_config(cycle).roster
    os.utime(saved, (time.time() + 5, time.time() + 5))  # saved again in Excel
    page = _text(client.get("/workspace/"))
    assert "30 名, エラー 0" in page and "60 文書" in page
    assert len(calls) == 1
    assert "60 文書" in _text(client.get("/workspace/")) and len(calls) == 1  # nothing changed since: read none


def test_a_roster_with_an_error_is_shown_as_a_table_and_never_replaces_the_current_one(
    cycle: Path, tmp_path: Path
) -> None:
    _, client = _client(cycle, tmp_path / "out")
    current = tmp_path / "data" / "members.xlsx"
    before = current.read_bytes()
    bad = bad_roster(current, tmp_path / "edited.xlsx")
    sent = client.post(
        "/workspace/roster/upload",
        data={"file": (io.BytesIO(bad.read_bytes()), "../../evil name.xlsx")},
        headers={"X-CSRF-Token": _csrf(client)},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201
    page = client.get(sent.get_json()["next"])
    html = page.get_data(as_text=True)
    row = re.search(
        r'<tr class="error">\s*<td class="row">(\d+)</td><td class="column">([^<]*)</td>\s*<td '
        r'class="what">([^<]*)</td>',
        html,
    )
    assert row and row.groups() == ("6", "会員名", "空欄です（必須項目）")
    assert "エラー 1 件" in _text(page)
    assert 'id="confirm-replace"' not in html
    upload_id = re.search(r'name="upload" value="([0-9a-f]+)"', html).group(1)
    refused = client.post(
        "/workspace/roster/confirm", data={"csrf_token": _csrf(client), "upload": upload_id, "action": "replace"}
    )
    assert refused.status_code == 409
    assert messages.UPLOAD_HAS_ERRORS.format(count=1) in _text(refused)
    assert current.read_bytes() == before
    given_up = client.post(
        "/workspace/roster/confirm", data={"csrf_token": _csrf(client), "upload": upload_id, "action": "discard"}
    )
    assert given_up.status_code == 303 and left_in_uploads(tmp_path / "data") == []
    # The name the browser sent is never used for a path.
    assert not list(tmp_path.rglob("evil*"))


def test_a_good_roster_replaces_the_current_one_on_confirm_and_the_previous_is_kept(
    cycle: Path, tmp_path: Path
) -> None:
    _, client = _client(cycle, tmp_path / "out")
    current = tmp_path / "data" / "members.xlsx"
    before = current.read_bytes()
    book = openpyxl.load_workbook(current)
    book.worksheets[0]["H2"] = "青葉ビル 12階"
    edited = io.BytesIO()
    book.save(edited)
    sent = client.post(
        "/workspace/roster/upload",
        data={"file": (io.BytesIO(edited.getvalue()), "members (2).xlsx")},
        headers={"X-CSRF-Token": _csrf(client)},
        content_type="multipart/form-data",
    )
    html = client.get(sent.get_json()["next"]).get_data(as_text=True)
    assert "エラー 0 件" in _text(client.get(sent.get_json()["next"]))
    upload_id = re.search(r'name="upload" value="([0-9a-f]+)"', html).group(1)
    done = client.post(
        "/workspace/roster/confirm", data={"csrf_token": _csrf(client), "upload": upload_id, "action": "replace"}
    )
    assert done.status_code == 303
    assert current.read_bytes() == edited.getvalue()
    page = client.get(done.headers["Location"])
    assert "名簿を置き換えました。" in _text(page)
    previous = re.search(
        r'href="(/workspace/roster/previous/(members-\d{8}-\d{6}\.xlsx))"', page.get_data(as_text=True)
    )
    assert previous, "the previous roster is listed"
    assert (tmp_path / "data" / previous.group(2)).read_bytes() == before
    assert client.get(previous.group(1)).data == before
    assert client.get("/workspace/roster/current").data == edited.getvalue()
    assert client.get("/workspace/roster/previous/..%2Fmailmerge.toml").status_code == 404


def test_an_uploaded_roster_says_who_comes_goes_and_which_printed_fields_change(cycle: Path, tmp_path: Path) -> None:
    # The result showed only 「名簿 31 行: 加入 19 名 … エラー 0 件」: nobody could tell the right file was taken.
    _, client = _client(cycle, tmp_path / "out")
    book = openpyxl.load_workbook(tmp_path / "data" / "members.xlsx")
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    column = {h: headers.index(h) for h in headers}
    rows = {str(r[column["会員番号"]].value): r for r in sheet.iter_rows(min_row=2)}
    rows["0005"][column["部署"]].value = "総務部（訂正）"
    rows["0005"][column["住所2"]].value = "青葉ビル 12階"
    group = rows["0007"][column["加入状況"]]
    group.value = "未加入" if group.value == "加入" else "加入"
    rows["0030"][column["会員番号"]].value = "0031"  # 0030 goes, 0031 comes
    edited = io.BytesIO()
    book.save(edited)
    sent = client.post(
        "/workspace/roster/upload",
        data={"file": (io.BytesIO(edited.getvalue()), "members.xlsx")},
        headers={"X-CSRF-Token": _csrf(client)},
        content_type="multipart/form-data",
    )
    html = client.get(sent.get_json()["next"]).get_data(as_text=True)
    changes = re.search(r'<ul id="upload-changes">(.*?)</ul>', html, re.S)
    assert changes, html
    assert re.findall(r"<li>(.*?)</li>", changes.group(1)) == [
        "増える会員: 1 名（会員番号 0031）",
        "いなくなる会員: 1 名（会員番号 0030）",
        "印刷する項目が変わる会員: 2 名（0005: 部署・住所2, 0007: 加入状況）",
    ]
    assert "総務部（訂正）" not in html and "青葉ビル 12階" not in html  # headers only, never the values

    # The same file again: nothing would change, and the page says so.
    again = client.post(
        "/workspace/roster/upload",
        data={"file": (io.BytesIO((tmp_path / "data" / "members.xlsx").read_bytes()), "members.xlsx")},
        headers={"X-CSRF-Token": _csrf(client)},
        content_type="multipart/form-data",
    )
    assert "いまの名簿と比べて、会員の増減も、印刷する項目の変更もありません。" in _text(
        client.get(again.get_json()["next"])
    )


def test_an_upload_of_another_type_or_too_large_is_refused_in_japanese(cycle: Path, tmp_path: Path) -> None:
    _, client = _client(cycle, tmp_path / "out")
    headers = {"X-CSRF-Token": _csrf(client)}
    csv = client.post(
        "/workspace/roster/upload",
        data={"file": (io.BytesIO(b"a,b\n"), "members.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert csv.status_code == 400
    assert csv.get_json()["error"] == messages.UPLOAD_WRONG_TYPE.format(suffix=".csv", wanted=".xlsx")
    big = client.post(
        "/workspace/roster/upload",
        data={"file": (io.BytesIO(b"x" * (17 << 20)), "members.xlsx")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert big.status_code == 413
    # Without the page's CSRF token nothing is taken.
    assert (
        client.post(
            "/workspace/roster/upload", data={"file": (io.BytesIO(b"x"), "m.xlsx")}, content_type="multipart/form-data"
        ).status_code
        == 403
    )


def test_a_run_from_the_browser_shows_its_progress_and_totals_and_a_second_click_the_running_one(
    cycle: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _app, client = _client(cycle, out)
    csrf = _csrf(client)
    started = client.post("/workspace/run", data={"csrf_token": csrf, "limit": "2"})
    assert started.status_code == 303 and started.headers["Location"] == "/workspace/run"
    first = client.get("/workspace/jobs/run.json").get_json()["job"]
    # What the run does first is named at once: the page after the button never shows a bare bar.
    assert first["state"] != "running" or first["stage"] in ("名簿と文面を点検しています", "PDF に変換・確認中"), first
    again = client.post("/workspace/run", data={"csrf_token": csrf})
    assert again.status_code in (303, 409)  # 409 while the first runs; 303 only if it had already ended
    if again.status_code == 409:
        assert messages.WORKSPACE_JOB_BUSY.format(kind="作成") in _text(again)
    running = client.get("/workspace/run").get_data(as_text=True)
    assert 'id="job-progress"' in running or 'id="run-done"' in running
    if 'id="job-progress"' in running:
        assert re.search(
            r'<p id="job-groups">できた文書（前回までの分を含む）: 加入 \d+ 件, 未加入 \d+ 件</p>', running
        )
    job = _wait(client, "run")
    assert job["state"] == "done", job
    page = _text(client.get("/workspace/run"))
    assert re.search(r"完了: 2 会員 \(加入 \d 件, 未加入 \d 件\), 4 文書 \(新規作成 4, 変更なしで再利用 0\)", page), (
        page
    )
    assert "集計: 名簿 30 行 = 加入 18 + 未加入 12 + エラー 0 行" in page
    # The job's result is kept in DIR/jobs.db: a new start of the app shows it.
    _, fresh = _client(cycle, out)
    assert "完了: 2 会員" in _text(fresh.get("/workspace/run"))


def test_stop_ends_a_run_as_ctrl_c_does_and_the_next_run_resumes(cycle: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _app, client = _client(cycle, out)
    csrf = _csrf(client)
    client.post("/workspace/run", data={"csrf_token": csrf, "only": "unenrolled"})
    job = client.get("/workspace/jobs/run.json").get_json()["job"]
    client.post(f"/workspace/jobs/{job['id']}/stop", data={"csrf_token": csrf})
    ended = _wait(client, "run")
    if ended["state"] == "stopped":
        assert "中止しました。" in _text(client.get("/workspace/run"))
    client.post("/workspace/run", data={"csrf_token": csrf, "only": "unenrolled"})
    assert _wait(client, "run")["state"] == "done"
    assert "完了: 12 会員" in _text(client.get("/workspace/run"))


def test_a_run_names_the_members_made_anew_and_the_approvals_it_voided(
    sample_run: Path, cycle: Path, tmp_path: Path
) -> None:
    # After sealing, 0005's 部署 was corrected and 作成 pressed: the result said only 「…, 60 文書 (新規作成 2,
    # 変更なしで再利用 58)」, not who now needs 確認 again.
    out = copy_run(sample_run, tmp_path)
    config = load_config(cycle)
    mailing.record_decisions(config, out, ["0005", "0007"], "approved", "", "確認 花子")
    book = openpyxl.load_workbook(config.roster)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if str(row[headers.index("会員番号")].value) in ("0005", "0006"):
            row[headers.index("部署")].value = "総務部（訂正）"
    book.save(config.roster)
    _, client = _client(cycle, out)
    client.post("/workspace/run", data={"csrf_token": _csrf(client)})
    assert _wait(client, "run")["state"] == "done"
    html = client.get("/workspace/run").get_data(as_text=True)
    page = _text_of(html)
    assert "(新規作成 4, 変更なしで再利用 56)" in page
    assert "文書を新しく作った会員: 2 名（会員番号 0005, 0006）。「確認」で確認してください。" in page
    # 0007 kept its approval (its documents did not change); 0006 had no decision to void.
    assert (
        "うち承認 1 件は、判断した後に文書が変わったため無効になり、「要再確認」です（会員番号 0005）。"
        "確認し直して、承認または保留してください。"
    ) in page
    assert '<a href="/?ids=0005,0006" id="to-review-again">この会員を確認する</a>' in html


def test_a_run_result_names_ten_members_then_counts_the_rest() -> None:
    ids = [f"{n:04d}" for n in range(1, 14)]
    assert workspace.shown_ids(ids) == "0001, 0002, 0003, 0004, 0005, 0006, 0007, 0008, 0009, 0010 ほか 3 名"


def test_an_ended_job_is_headed_as_the_previous_one_with_when_it_ended(cycle: Path, tmp_path: Path) -> None:
    # After a first seal, the next seal's confirmation sat under 「封印: 完了 … 31 名」: it read as if the
    # re-send were sealed already. Each job page heads an ended job as the previous one, with its JST end.
    out = tmp_path / "out"
    out.mkdir()
    store = JobStore(out / JOBS_DB_NAME)
    for kind in ("run", "print", "seal", "verify"):
        job_id = store.start(kind, "an-earlier-start", "2026-12-05T01:10:00Z")
        store.update(job_id, state="failed" if kind == "verify" else "done", finished_at="2026-12-05T01:16:30Z")
    _, client = _client(cycle, out)
    today = today_jst().isoformat()
    for path, heading in (
        ("/workspace/run", "前回の作成（12月5日 10:16 完了）"),
        ("/workspace/print", "前回の印刷（12月5日 10:16 完了）"),
        ("/workspace/seal", "前回の封印（12月5日 10:16 完了）"),
        (f"/workspace/seal?sent_on={today}", "前回の封印（12月5日 10:16 完了）"),
        ("/workspace/verify", "前回の点検（12月5日 10:16 失敗）"),
    ):
        html = client.get(path).get_data(as_text=True)
        found = re.search(r'<h2 id="job-heading">(.*?)</h2>', html, re.S)
        assert found and _text_of(found.group(1)) == heading, (path, found and found.group(1))
        assert "封印: 完了" not in _text_of(html)


def _text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_the_review_screen_links_back_to_home(sample_run: Path, cycle: Path, tmp_path: Path) -> None:
    _, client = _client(cycle, copy_run(sample_run, tmp_path))
    for path in ("/", "/members/0001"):  # the list and a member's page: 印刷 is reached from ホーム
        assert '<a id="to-home" href="/workspace/">ホームへ戻る</a>' in client.get(path).get_data(as_text=True)


def test_a_print_with_nobody_approved_says_to_approve_on_the_review_screen(
    sample_run: Path, cycle: Path, tmp_path: Path
) -> None:
    out = copy_run(sample_run, tmp_path)
    _, client = _client(cycle, out)
    client.post("/workspace/print", data={"csrf_token": _csrf(client), "labels_start": "1"})
    assert _wait(client, "print")["state"] == "failed"
    text = _text(client.get("/workspace/print"))
    assert (
        "承認済みの会員がいないため、何も作成していません。「確認」の画面で承認してから、もう一度印刷してください"
        in text
    )
    assert "mailmerge" not in text


def test_print_and_seal_while_a_run_writes_say_making_is_under_way(
    sample_run: Path, cycle: Path, tmp_path: Path
) -> None:
    out = copy_run(sample_run, tmp_path)
    mailing.record_decisions(load_config(cycle), out, None, "approved", "", "確認 花子")
    _, client = _client(cycle, out)
    csrf = _csrf(client)
    with OutputLock(out):  # a 作成 (or the command line's run) writing the folder
        client.post("/workspace/print", data={"csrf_token": csrf, "labels_start": "1"})
        assert _wait(client, "print")["state"] == "failed"
        client.post("/workspace/seal", data={"csrf_token": csrf, "sent_on": today_jst().isoformat()})
        assert _wait(client, "seal")["state"] == "failed"
    printed, sealed = _text(client.get("/workspace/print")), _text(client.get("/workspace/seal"))
    assert f"{out}: 書状を作成中です。作成が終わってから印刷用のファイルを作成してください" in printed
    assert f"{out}: 書状を作成中です（この出力先に書き込み中）。作成が終わってから、もう一度封印してください" in sealed
    assert "mailmerge" not in printed + sealed


def test_print_seal_history_and_verify_from_the_workspace(sample_run: Path, cycle: Path, tmp_path: Path) -> None:
    out = copy_run(sample_run, tmp_path)
    config = load_config(cycle)
    mailing.record_decisions(config, out, None, "approved", "", "確認 花子")
    mailing.record_decisions(config, out, ["0004"], "hold", "住所を確認中", "確認 花子")
    _, client = _client(cycle, out)
    csrf = _csrf(client)
    # Before the first sealing, 送付記録 and 点検 say what comes first (no index file named, no button to fail).
    assert (
        "まだ封印していません。発送した後に「発送・封印」の画面で封印すると、ここで送付記録を調べられます。"
        in _text(client.get("/workspace/history?member_id=0001"))
    )
    verify = client.get("/workspace/verify").get_data(as_text=True)
    assert "まだ封印していません。点検は、「発送・封印」の画面で封印した後に行います。" in verify
    assert 'id="verify-start"' not in verify
    client.post("/workspace/print", data={"csrf_token": csrf, "labels_start": "3"})
    assert _wait(client, "print")["state"] == "done"
    page = client.get("/workspace/print")
    text = _text(page)
    assert "labels.pdf — 宛名ラベル 29 枚（A4 のラベル用紙 3 枚、12 面・86.4 × 42.3 mm）" in text
    assert "印刷に含めなかった会員: 1 名" in text and "保留 1 名: 会員番号 0004" in text
    labels = client.get("/workspace/print/files/labels.pdf")
    assert labels.status_code == 200 and labels.mimetype == "application/pdf" and labels.data.startswith(b"%PDF")
    assert client.get("/workspace/print/files/..%2Fmanifest.csv").status_code == 404

    today = today_jst().isoformat()  # printed today: sent today at the earliest
    confirm = _text(client.get(f"/workspace/seal?sent_on={today}"))
    assert (
        f"発送日 {today} で封印します" in confirm
        and "加入 18 名" in confirm
        and "未加入 11 名" in confirm
        and "合計 29 名" in confirm
    )
    # A date that cannot be taken is said beside the date field, in the page's words, not on an error page.
    bad = client.get("/workspace/seal?sent_on=2024-13-01")
    assert bad.status_code == 200 and "発送日 2024-13-01: 日付として読めません。" in _text(bad)
    assert f"発送日 2099-01-01: 今日（{today}）より後の日付です。発送した日を指定してください" in _text(
        client.get("/workspace/seal?sent_on=2099-01-01")
    )
    client.post("/workspace/seal", data={"csrf_token": csrf, "sent_on": today})
    assert _wait(client, "seal")["state"] == "done"
    sealed = _text(client.get("/workspace/seal"))
    day = today_jst()
    words = f"{day.year}年{day.month}月{day.day}日"
    assert f"封印しました（2024 年度、発送日 {words}）: 29 名（加入 18 名、未加入 11 名）、58 文書" in sealed
    # What to do next names the workspace's screens, never a command to type.
    assert (
        "今回封印しなかった会員（未承認・保留で未印刷）: 1 名。"
        "承認して印刷・発送した後に、もう一度この画面で封印すると、その分だけ封印します。" in sealed
    )
    assert "次は年に一度、「点検」の画面で封印が壊れていないことを確かめてください。" in sealed
    assert "mailmerge" not in sealed
    # Printing again with everyone approved already sealed: said in the page's words, no command options.
    client.post("/workspace/print", data={"csrf_token": csrf, "labels_start": "1"})
    assert _wait(client, "print")["state"] == "failed"
    reprint = _text(client.get("/workspace/print"))
    assert (
        "印刷するものがありません: 承認済みの会員 29 名は、今の文書のまま封印済み（発送済み）です。"
        "訂正して送り直すときは、名簿を直して「作成」で作り直し、確認・承認してから印刷してください" in reprint
    )
    assert "--all-approved" not in reprint
    # Nothing left to seal: said plainly before, with no 封印する button to press into a red 失敗.
    mailing.record_decisions(config, out, ["0004"], "approved", "", "確認 花子")
    again = client.get(f"/workspace/seal?sent_on={today}")
    assert (
        "封印するものがありません: 年度 2024 で前回の封印の後に印刷した会員はいません（封印済み 29 会員）。"
        in _text(again)
    )
    assert (
        "承認済みでも印刷していないため封印しなかった会員: 1 名（会員番号 0004）。"
        "「印刷」の画面で印刷して発送してから、もう一度この画面で封印してください。" in _text(again)
    )
    assert "mailmerge" not in _text(again)
    # 0004 approved later: the next print takes it alone, never the 29 letters already sent.
    client.post("/workspace/print", data={"csrf_token": csrf, "labels_start": "1"})
    assert _wait(client, "print")["state"] == "done"
    later = _text(client.get("/workspace/print"))
    assert "labels.pdf — 宛名ラベル 1 枚" in later
    assert "封印済み（発送済み）の文書のため印刷しなかった会員: 29 名（会員番号 0001, 0002," in later
    assert 'id="seal-start"' not in again.get_data(as_text=True)

    history = _text(client.get("/workspace/history?member_id=０００３"))
    assert f"2024 {today}" in history and "書状" in history and "確認 花子" in history
    # 承認日時 with its year, in Japan time: the list spans cycles.
    decided = today_jst()
    assert f"確認 花子 {decided.year}年{decided.month}月{decided.day}日 " in history
    assert "会員番号 0004 の送付記録はありません。" in _text(client.get("/workspace/history?member_id=0004"))

    client.post("/workspace/verify", data={"csrf_token": csrf})
    assert _wait(client, "verify")["state"] == "done"
    assert "問題ありません。封印 1 件、ファイル" in _text(client.get("/workspace/verify"))


def test_a_resend_is_named_before_sealing_and_sealed_only_with_its_reason(
    sample_run: Path, cycle: Path, tmp_path: Path
) -> None:
    out = copy_run(sample_run, tmp_path)
    config = load_config(cycle)
    mailing.record_decisions(config, out, ["0005"], "approved", "", "確認 花子")
    _, client = _client(cycle, out)
    csrf = _csrf(client)
    today = today_jst().isoformat()
    client.post("/workspace/print", data={"csrf_token": csrf})
    assert _wait(client, "print")["state"] == "done"
    client.post("/workspace/seal", data={"csrf_token": csrf, "sent_on": today})
    assert _wait(client, "seal")["state"] == "done"
    # 0005's department corrected after mailing: remade, approved and printed again.
    book = openpyxl.load_workbook(config.roster)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if str(r[headers.index("会員番号")].value) == "0005")
    row[headers.index("部署")].value = "総務部（訂正）"
    book.save(config.roster)
    pipeline.run(config, out_dir=out)
    mailing.record_decisions(config, out, ["0005"], "approved", "", "確認 花子")
    client.post("/workspace/print", data={"csrf_token": csrf})
    assert _wait(client, "print")["state"] == "done"

    confirm = client.get(f"/workspace/seal?sent_on={today}")
    assert (
        "うち 1 名は封印済みの会員で、作り直した文書の再送です（会員番号 0005）。再送の理由を書いてください。"
        in _text(confirm)
    )
    assert 'name="reason" id="seal-reason"' in confirm.get_data(as_text=True)
    refused = client.post("/workspace/seal", data={"csrf_token": csrf, "sent_on": today, "reason": " "})
    assert refused.status_code == 400
    assert (
        "会員番号 0005 は封印済みで、今回は作り直した文書の再送です。"
        "「再送の理由」に理由（例: 住所の訂正）を書いてから、もう一度「封印する」を押してください。"
    ) in _text(refused)
    client.post("/workspace/seal", data={"csrf_token": csrf, "sent_on": today, "reason": "部署名の訂正"})
    assert _wait(client, "seal")["state"] == "done"
    assert "うち 1 名は再送です（理由: 部署名の訂正）: 会員番号 0005" in _text(client.get("/workspace/seal"))
    history = _text(client.get("/workspace/history?member_id=0005"))
    assert f"2024 {today} 部署名の訂正 加入 書状" in history and f"2024 {today} 加入 書状" in history


def test_the_print_page_offers_the_files_of_a_command_line_print(sample_run: Path, cycle: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mailmerge.cli import main

    out = copy_run(sample_run, tmp_path)
    mailing.record_decisions(load_config(cycle), out, None, "approved", "", "確認 花子")
    printed = CliRunner().invoke(main, ["print", "--config", str(cycle), "--out", str(out)])
    assert printed.exit_code == 0, printed.output
    _, client = _client(cycle, out)
    text = _text(client.get("/workspace/print"))
    for name in ("enrolled.pdf", "unenrolled.pdf", "labels.pdf", "list.csv"):
        assert f"{name} — " in text and " が作成" in text
    labels = client.get("/workspace/print/files/labels.pdf")
    assert labels.status_code == 200 and labels.data == (out / "print" / "labels.pdf").read_bytes()
    # A file replaced since the print is not the print's: neither listed nor served.
    (out / "print" / "labels.pdf").write_bytes(b"%PDF-1.4 not the labels")
    assert "labels.pdf — " not in _text(client.get("/workspace/print"))
    assert client.get("/workspace/print/files/labels.pdf").status_code == 404


def test_serve_prints_the_workspace_address_and_stops_on_ctrl_c(cycle: Path, tmp_path: Path) -> None:
    mailmerge = Path(sys.executable).with_name("mailmerge")
    process = subprocess.Popen(
        [str(mailmerge), "serve", "--config", str(cycle), "--out", str(tmp_path / "out"), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/workspace/\?token=[\w-]+", url), url
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(url, timeout=60) as response:
            assert "次にすること" in response.read().decode("utf-8")
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert messages.SERVE_STOPPED in err


def _upload_template(client, document: str, data: bytes, name: str = "letter.docx"):
    return client.post(
        f"/workspace/templates/{document}/upload",
        data={"file": (io.BytesIO(data), name)},
        headers={"X-CSRF-Token": _csrf(client)},
        content_type="multipart/form-data",
    )


def test_a_broken_template_is_named_with_its_problem_and_never_taken(own_templates: Path, tmp_path: Path) -> None:
    from helpers import DATA

    _, client = _client(own_templates, tmp_path / "out")
    current = tmp_path / "templates" / "letter.docx"
    before = current.read_bytes()
    sent = _upload_template(client, "letter", (DATA / "broken_templates" / "unknown_variable.docx").read_bytes())
    page = client.get(sent.get_json()["next"])
    text = _text(page)
    assert "エラー 1 件" in text
    assert 'id="template-refused"' in page.get_data(as_text=True)
    upload_id = re.search(r'name="upload" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    refused = client.post(
        "/workspace/templates/letter/confirm", data={"csrf_token": _csrf(client), "upload": upload_id}
    )
    assert refused.status_code == 409 and messages.TEMPLATE_HAS_ERRORS.format(count=1) in _text(refused)
    assert current.read_bytes() == before


def test_an_edited_template_is_proofed_then_replaces_the_current_one_keeping_it(
    own_templates: Path, tmp_path: Path
) -> None:
    _, client = _client(own_templates, tmp_path / "out")
    current = tmp_path / "templates" / "letter.docx"
    before = current.read_bytes()
    assert client.get("/workspace/templates/letter.docx").data == before
    sent = _upload_template(client, "letter", before, "理事長の書状（修正）.docx")
    html = client.get(sent.get_json()["next"]).get_data(as_text=True)
    assert "エラー 0 件" in _text(client.get(sent.get_json()["next"]))
    assert 'id="template-replace"' not in html  # a 試し刷り first
    upload_id = re.search(r'name="upload" value="([0-9a-f]+)"', html).group(1)
    members = pipeline.check(load_config(own_templates)).roster.members
    chosen = members[6]
    assert f'<option value="{members[0].member_id}">{members[0].member_id} {members[0].display_name}（' in html
    import pypdfium2

    for member in (chosen, members[0]):  # a chosen member, then another into the same proof folder
        proofed = client.post(
            "/workspace/templates/letter/proof",
            data={"csrf_token": _csrf(client), "upload": upload_id, "member": member.member_id},
        )
        assert proofed.status_code == 303
        html = client.get(proofed.headers["Location"]).get_data(as_text=True)
        assert f"会員番号 {member.member_id} の試し刷りができました" in _text(client.get(proofed.headers["Location"]))
        assert f'<option value="{member.member_id}" selected>' in html
        link = re.search(r'id="proof-link" href="([^"]+)"', html).group(1)
        pdf = client.get(link)
        assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
        text = pypdfium2.PdfDocument(pdf.data)[0].get_textpage().get_text_range().replace("\r\n", "")
        assert member.member_id in text and member.display_name in text
    unknown = client.post(
        "/workspace/templates/letter/proof", data={"csrf_token": _csrf(client), "upload": upload_id, "member": "9999"}
    )
    assert unknown.status_code == 400
    assert "会員番号 9999 は今の名簿にありません。一覧から試し刷りする会員を選んでください" in _text(unknown)
    done = client.post(
        "/workspace/templates/letter/confirm",
        data={"csrf_token": _csrf(client), "upload": upload_id, "action": "replace"},
    )
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "文面を置き換えました。" in page
    kept = re.search(r"(letter-\d{8}-\d{6}\.docx)", page).group(1)
    assert (tmp_path / "templates" / kept).read_bytes() == before
    # The upload and its proofs (members' letters) went with it; the dated copy stays.
    assert left_in_uploads(tmp_path / "templates") == []


def test_an_upload_given_up_leaves_nothing_in_the_uploads_folder(own_templates: Path, tmp_path: Path) -> None:
    _, client = _client(own_templates, tmp_path / "out")
    current = tmp_path / "templates" / "letter.docx"
    before = current.read_bytes()
    sent = _upload_template(client, "letter", before)
    upload_id = re.search(
        r'name="upload" value="([0-9a-f]+)"', client.get(sent.get_json()["next"]).get_data(as_text=True)
    )
    proofed = client.post(
        "/workspace/templates/letter/proof", data={"csrf_token": _csrf(client), "upload": upload_id.group(1)}
    )
    assert proofed.status_code == 303
    assert left_in_uploads(tmp_path / "templates")  # the upload and its proof, while the person decides
    given_up = client.post(
        "/workspace/templates/letter/confirm",
        data={"csrf_token": _csrf(client), "upload": upload_id.group(1), "action": "discard"},
    )
    assert given_up.status_code == 303
    assert left_in_uploads(tmp_path / "templates") == []
    assert current.read_bytes() == before and sorted(p.name for p in (tmp_path / "templates").glob("*.docx")) == [
        "letter.docx",
        "overview.docx",
    ]


def test_a_changed_cycle_asks_for_a_service_restart_and_refuses_a_run(cycle: Path, tmp_path: Path) -> None:
    _, client = _client(cycle, tmp_path / "out")
    csrf = _csrf(client)
    form = {
        "csrf_token": csrf,
        "cycle": "2025",
        "issue_date": "2024-12-01",
        "return_deadline": "2025-01-10",
        "renewal_date": "2025-02-01",
    }
    saved = client.post("/workspace/settings", data=form)
    assert saved.status_code == 303
    said = _text(client.get(saved.headers["Location"]))
    assert "サービスとして動いているときは管理者に再起動を頼んでください（sudo systemctl restart mailmerge）。" in said
    refused = client.post("/workspace/run", data={"csrf_token": csrf})
    assert refused.status_code == 409
    assert "年度の設定が 2025 に変わっていますが、作業画面はまだ 2024 年度のまま動いています。" in _text(refused)
    assert not (tmp_path / "out").exists()


def test_the_letter_dates_are_changed_in_a_checked_form_keeping_the_file_as_written(
    cycle: Path, tmp_path: Path
) -> None:
    _, client = _client(cycle, tmp_path / "out")
    before = cycle.read_text(encoding="utf-8")
    form = {
        "csrf_token": _csrf(client),
        "cycle": "2024",
        "issue_date": "2024-12-01",
        "return_deadline": "2024-11-20",
        "renewal_date": "2025-13-01",
    }
    refused = client.post("/workspace/settings", data=form)
    assert refused.status_code == 400
    text = _text(refused)
    assert "更新日: 日付は YYYY-MM-DD（例: 2024-12-01）で入れてください（入力: 2025-13-01）" in text
    assert cycle.read_text(encoding="utf-8") == before

    form.update(return_deadline="2025-01-10", renewal_date="2025-02-01")
    assert "日付の順が逆です" in _text(client.post("/workspace/settings", data={**form, "issue_date": "2025-03-01"}))
    saved = client.post("/workspace/settings", data=form)
    assert saved.status_code == 303
    assert "日付を保存しました" in _text(client.get(saved.headers["Location"]))
    after = cycle.read_text(encoding="utf-8")
    assert "issue_date = 2024-12-01\n" in after and "renewal_date = 2025-02-01\n" in after
    assert [line for line in after.splitlines() if line.startswith("#")] == [
        line for line in before.splitlines() if line.startswith("#")
    ]  # the comments stay
    assert load_config(cycle).constants["issue_date"] == "2024年12月1日"
    kept = list(tmp_path.glob("mailmerge-*.toml"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == before
