"""The CLI as the secretariat uses it: exact error lines, exit codes, nothing written on a bad roster."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import DATA, REPO, invoke

from mailmerge.cli import main

BAD = DATA / "bad_rosters"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
HAS_ERRORS = sorted(name for name, e in EXPECTED.items() if any("warning:" not in line for line in e["lines"]))


def problem_lines(output: str, shown: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(shown)]


def expected_lines(name: str, shown: str) -> list[str]:
    return [shown + line[len(name):] for line in EXPECTED[name]["lines"]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_lists_every_problem_of_a_bad_roster(name: str, config_in) -> None:
    config = config_in()
    result = invoke("check", "--config", str(config), "--roster", str(BAD / name))
    shown = str(BAD / name)
    assert problem_lines(result.output, shown) == expected_lines(name, shown)
    assert result.exit_code == (1 if name in HAS_ERRORS else 0)


@pytest.mark.parametrize("name", HAS_ERRORS)
def test_run_refuses_a_bad_roster_and_writes_nothing(name: str, config_in, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", "--config", str(config_in()), "--roster", str(BAD / name), "--out", str(out))
    shown = str(BAD / name)
    assert result.exit_code == 1
    assert problem_lines(result.output, shown) == expected_lines(name, shown)
    errors = sum(1 for line in EXPECTED[name]["lines"] if "warning:" not in line)
    assert result.output.splitlines()[-1] == (
        f"Error: 名簿またはテンプレートにエラーが {errors} 件あります。何も作成していません。直してから、もう一度実行してください。"
    )
    assert not out.exists()


def test_check_on_the_sample_roster_is_clean_and_counts_the_groups() -> None:
    result = invoke("check", "--config", str(REPO / "mailmerge.toml"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"名簿: {REPO / 'data/members.xlsx'} (最初の表示シート「会員名簿」)",
        "会員 30 件: 加入 18 件, 未加入 12 件, エラー行 0 件 (空行 0 件は読み飛ばし)",
        "OK（注意 0 件）。次は mailmerge run で作成します。",
    ]


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, f"mailmerge {name} has no help text"
        assert re.search(rf"^mailmerge {name}\b", readme, re.M), f"mailmerge {name} is not in the README's CLI reference"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"{opt} of mailmerge {name} is not in the README"
