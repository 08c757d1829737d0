"""Errors from a job or a refused request, as the secretariat reads them in the browser: the step named as the
menu names it (「作成」「確認」「印刷」), a command only in parentheses for whoever works at the command line."""

from __future__ import annotations

from pathlib import Path

from mailmerge import mailing
from mailmerge.config import load_config
from mailmerge.dates import today_jst
from test_workspace import _client, _csrf, _text, _wait

from conftest import copy_run


def test_a_file_changed_after_approval_is_said_with_the_steps_to_take(
    sample_run: Path, cycle: Path, tmp_path: Path
) -> None:
    out = copy_run(sample_run, tmp_path)
    mailing.record_decisions(load_config(cycle), out, None, "approved", "", "確認 花子")
    _, client = _client(cycle, out)
    csrf = _csrf(client)
    client.post("/workspace/print", data={"csrf_token": csrf, "labels_start": "1"})
    assert _wait(client, "print")["state"] == "done"
    pdf = out / "unenrolled/0021/letter.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n")
    client.post("/workspace/seal", data={"csrf_token": csrf, "sent_on": today_jst().isoformat()})
    assert _wait(client, "seal")["state"] == "failed"
    assert (
        f"会員番号 0021 の文書が作成・承認時のファイルと違います（{pdf}）。「作成」で作り直し、「確認」で"
        "確認し直してから封印してください（コマンドでは mailmerge run と mailmerge review）"
    ) in _text(client.get("/workspace/seal"))
    client.post("/workspace/print", data={"csrf_token": csrf, "labels_start": "1"})
    assert _wait(client, "print")["state"] == "failed"
    printed = _text(client.get("/workspace/print"))
    assert "会員番号 0021: letter" in printed
    assert (
        "何も印刷用に作成していません。「作成」をもう一度行って上の会員を作り直し、確認・承認してから、"
        "もう一度印刷してください（コマンドでは mailmerge run の後に mailmerge print）"
    ) in printed


def test_a_refused_form_on_a_page_says_what_to_do_without_json(cycle: Path, tmp_path: Path) -> None:
    _, client = _client(cycle, tmp_path / "out")
    refused = client.post("/workspace/run", data={"csrf_token": _csrf(client), "only": "nobody"})
    text = _text(refused)
    assert refused.status_code == 400
    assert (
        "送られた内容を受け付けられませんでした。画面を再読み込みしてから、もう一度操作してください。"
        "続く場合は管理担当の人に連絡してください。"
    ) in text
    assert "JSON" not in text and "member_id" not in text
