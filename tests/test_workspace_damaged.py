"""A run the workspace cannot read (manifest.csv damaged, a document no longer the one made) is said on ホーム and
on the pages that need the run, in Japanese with what to do: never shown as the state before the first 作成."""

from __future__ import annotations

import re
from pathlib import Path

from test_workspace import _client, _text

from conftest import copy_run


def test_a_damaged_manifest_is_said_on_home_and_on_the_pages_that_need_the_run(
    sample_run: Path, cycle: Path, tmp_path: Path
) -> None:
    out = copy_run(sample_run, tmp_path)
    (out / "manifest.csv").write_bytes(b"\xff\xfe\x00 not a manifest\n")
    _, client = _client(cycle, out)
    said = (
        f"{out / 'manifest.csv'}: manifest.csv を読めません（UnicodeDecodeError）。"
        "「作成」でもう一度作成してください（コマンドなら mailmerge run）"
    )
    home = _text(client.get("/workspace/"))
    assert f"作成 次はこれ 作成の記録を読めません: {said}" in home
    assert "まだ作成していません" not in home
    assert "確認 未着手 作成の記録を読めるようになってから確認します" in home
    assert re.search(
        r'id="next-button" href="/workspace/run">作成する<', client.get("/workspace/").get_data(as_text=True)
    )
    seal = _text(client.get("/workspace/seal?sent_on=2024-12-01"))
    assert f"封印の確認 {said} 戻る" in seal
    assert said in _text(client.get("/workspace/print"))


def test_a_document_changed_since_the_run_is_named_on_home(sample_run: Path, cycle: Path, tmp_path: Path) -> None:
    out = copy_run(sample_run, tmp_path)
    pdf = out / "unenrolled/0015/overview.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n")
    _, client = _client(cycle, out)
    home = _text(client.get("/workspace/"))
    assert (
        "作成 次はこれ 12月" in home
        and "— 作成時のファイルと違う文書がある会員 1 名（0015）。「作成」で作り直してください" in home
    )
