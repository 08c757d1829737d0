"""What ホーム reads again after a file changed, and what it keeps: the templates' inspection, the decisions, the files.

Counted with real call counters around the real functions (nothing is replaced): a roster saved again is
read and checked in full, a template changed is inspected again, and nothing is read twice for one page.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from mailmerge import manifest, templatecheck, webapp
from mailmerge.config import load_config
from mailmerge.store import DecisionStore

from conftest import REPO, copy_run, write_config
from helpers import DATA, TEMPLATES

TOKEN = "workspace-token-" + "r" * 20


def _client(config: Path, out: Path):
    client = webapp.create_app(load_config(config), out, TOKEN).test_client()
    assert client.get(f"/workspace/?token={TOKEN}").status_code == 303
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _count(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    """Count the calls of ``owner.name``, each passed on to the real function."""
    real: Callable[..., Any] = getattr(owner, name)
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def _empty_name(roster: Path, member_id: str) -> None:
    """Save the roster again with 会員名 emptied in one member's row, as a person would in Excel."""
    book = openpyxl.load_workbook(roster)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if str(r[headers.index("会員番号")].value) == member_id)
    row[headers.index("会員名")].value = None
    book.save(roster)


def test_a_roster_change_is_checked_in_full_and_the_unchanged_templates_are_not_inspected_again(
    own_templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(own_templates, tmp_path / "out")
    assert "30 名, エラー 0" in _text(client.get("/workspace/"))
    inspected = _count(monkeypatch, templatecheck, "inspect_template")
    _empty_name(tmp_path / "data" / "members.xlsx", "0005")
    page = _text(client.get("/workspace/"))
    assert "29 名, エラー 1" in page  # the changed roster checked in full, its problem counted
    assert "letter.docx（" in page and "問題 0" in page
    assert inspected == []
    roster_page = _text(client.get("/workspace/roster"))
    assert "いまの名簿の問題: 1 件" in roster_page and "6 会員名 空欄です（必須項目）" in roster_page
    assert inspected == []


def test_a_changed_template_is_inspected_again_and_its_problem_shown(
    own_templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(own_templates, tmp_path / "out")
    assert "問題 0" in _text(client.get("/workspace/"))
    inspected = _count(monkeypatch, templatecheck, "inspect_template")
    letter = tmp_path / "templates" / "letter.docx"
    shutil.copy(DATA / "broken_templates" / "unknown_variable.docx", letter)
    assert "問題 1" in _text(client.get("/workspace/"))
    assert len(inspected) == 2  # both templates: the unused-column warning is worked out from all of them
    # Put back byte for byte (its time is new): the same template, whose inspection was kept before.
    shutil.copy(TEMPLATES / "letter.docx", letter)
    os.utime(letter, (time.time() + 5, time.time() + 5))
    assert "問題 0" in _text(client.get("/workspace/"))
    assert len(inspected) == 4


def test_home_after_a_roster_change_reads_the_decisions_and_checks_the_files_once_and_keeps_the_manifest(
    sample_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REPO / "data" / "members.xlsx", data / "members.xlsx")
    config = write_config(tmp_path, path=f'"{data / "members.xlsx"}"')
    out = copy_run(sample_run, tmp_path)
    client = _client(config, out)
    client.get("/workspace/")
    decisions = _count(monkeypatch, DecisionStore, "latest")
    files = _count(monkeypatch, manifest, "changed_documents")
    manifests = _count(monkeypatch, manifest, "read_manifest")
    roster = load_config(config).roster
    os.utime(roster, (time.time() + 5, time.time() + 5))  # saved again in Excel
    page = _text(client.get("/workspace/"))
    assert "30 名, エラー 0" in page and "60 文書" in page
    assert (len(decisions), len(files), len(manifests)) == (1, 1, 0)  # manifest.csv did not change


def test_a_member_changed_in_the_roster_saved_again_is_named_to_make_again(sample_run: Path, tmp_path: Path) -> None:
    """The input hashes kept from the last opening never hide a changed row: 0005's new address is seen."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REPO / "data" / "members.xlsx", data / "members.xlsx")
    config = write_config(tmp_path, path=f'"{data / "members.xlsx"}"')
    client = _client(config, copy_run(sample_run, tmp_path))
    assert "作り直しが必要な会員" not in _text(client.get("/workspace/"))
    book = openpyxl.load_workbook(data / "members.xlsx")
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if str(r[headers.index("会員番号")].value) == "0005")
    row[headers.index("会員名")].value = "新しい 名前"
    book.save(data / "members.xlsx")
    page = _text(client.get("/workspace/"))
    assert "30 名, エラー 0" in page
    assert "作り直しが必要な会員 1 名（名簿・文面がその後変わったか、まだ作成していません）" in page
