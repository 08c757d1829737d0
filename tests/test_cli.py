"""The CLI as the secretariat uses it: exact error lines, exit codes, nothing written on a bad roster."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mailmerge.cli import main

from helpers import DATA, REPO, invoke

BAD = DATA / "bad_rosters"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
HAS_ERRORS = sorted(name for name, e in EXPECTED.items() if any("注意:" not in line for line in e["lines"]))


def problem_lines(output: str, shown: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(shown)]


def expected_lines(name: str, shown: str) -> list[str]:
    return [shown + line[len(name) :] for line in EXPECTED[name]["lines"]]


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
    errors = sum(1 for line in EXPECTED[name]["lines"] if "注意:" not in line)
    assert result.output.splitlines()[-1] == (
        f"エラー: 名簿またはテンプレートにエラーが {errors} "
        f"件あります。何も作成していません。直してから、もう一度実行してください。"
    )
    assert not out.exists()


def test_check_on_the_sample_roster_is_clean_and_counts_the_groups() -> None:
    result = invoke("check", "--config", str(REPO / "mailmerge.toml"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"名簿: {REPO / 'data/members.xlsx'} (最初の表示シート「会員名簿」)",
        "名簿 30 行: 加入 18 名, 未加入 12 名, エラーのある行 0 行 (空行 0 行は読み飛ばし)",
        "letter（加入 18 名）: 会員ごとに全体を変換（理由: 100 "
        "名未満のグループは、共有ページを用意するより全体を変換する方が速いため）",
        "letter（未加入 12 名）: 会員ごとに全体を変換（理由: 100 "
        "名未満のグループは、共有ページを用意するより全体を変換する方が速いため）",
        "overview（加入 18 名）: 会員ごとに全体を変換（理由: 100 "
        "名未満のグループは、共有ページを用意するより全体を変換する方が速いため）",
        "overview（未加入 12 名）: 会員ごとに全体を変換（理由: 100 "
        "名未満のグループは、共有ページを用意するより全体を変換する方が速いため）",
        "OK（注意 0 件）。次は mailmerge run で作成します。",
    ]


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, f"mailmerge {name} has no help text"
        assert re.search(rf"^mailmerge {name}\b", readme, re.M), (
            f"mailmerge {name} is not in the README's CLI reference"
        )
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"{opt} of mailmerge {name} is not in the README"


# --- review and approve ---------------------------------------------------------------------


def test_approve_records_ids_typed_full_width_and_all(sample_run: Path, tmp_path: Path, config_in) -> None:
    from mailmerge.store import REVIEW_DB_NAME, DecisionStore

    from conftest import copy_run

    out = copy_run(sample_run, tmp_path)
    config = str(config_in())
    result = invoke("approve", "--config", config, "--out", str(out), "００１２", " 0013 ", "--reviewer", "事務局 山田")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["2 会員を「承認済み」として記録しました（review.db）。"]
    latest = DecisionStore(out / REVIEW_DB_NAME).latest()
    assert sorted(latest) == ["0012", "0013"]
    assert latest["0012"].reviewer == "事務局 山田" and latest["0012"].decision == "approved"

    held = invoke("approve", "--config", config, "--out", str(out), "0012", "--hold", "--note", "住所の番地が古い")
    assert held.exit_code == 0, held.output
    assert DecisionStore(out / REVIEW_DB_NAME).latest()["0012"].note == "住所の番地が古い"

    # --all never lifts a colleague's hold: it names the member, and only naming it approves it.
    every = invoke("approve", "--config", config, "--out", str(out), "--all")
    assert every.exit_code == 0, every.output
    assert every.output.splitlines() == [
        "29 会員を「承認済み」として記録しました（review.db）。",
        "記録しなかった会員: 1 名",
        "  保留中（--all では承認しません。承認するときは会員番号を指定してください） 1 名: 会員番号 0012",
    ]
    assert DecisionStore(out / REVIEW_DB_NAME).latest()["0012"].decision == "hold"
    named = invoke("approve", "--config", config, "--out", str(out), "0012")
    assert named.exit_code == 0 and DecisionStore(out / REVIEW_DB_NAME).latest()["0012"].decision == "approved"


def test_approve_refuses_bad_arguments(sample_run: Path, tmp_path: Path, config_in) -> None:
    from conftest import copy_run

    out = copy_run(sample_run, tmp_path)
    config = str(config_in())
    neither = invoke("approve", "--config", config, "--out", str(out))
    assert neither.exit_code == 2 and "会員番号を指定するか、--all を付けてください" in neither.output
    both = invoke("approve", "--config", config, "--out", str(out), "--all", "0001")
    assert both.exit_code == 2
    hold = invoke("approve", "--config", config, "--out", str(out), "0001", "--hold")
    assert hold.exit_code == 2 and "保留にするときは、理由をメモに書いてください" in hold.output
    unknown = invoke("approve", "--config", config, "--out", str(out), "9999")
    assert unknown.exit_code == 1 and "9999" in unknown.output and unknown.output.startswith("エラー: ")


def test_a_rerun_keeps_approvals_and_holds_and_says_which_a_change_voided(sample_run: Path, tmp_path: Path) -> None:
    """Issue 21: `run --force` turned every approval and hold into 要再確認, without a word, and was suggested."""
    from mailmerge import mailing, messages
    from mailmerge.config import load_config

    from conftest import copy_run
    from helpers import SAMPLE_SHARED_PAGES_FROM, make_cycle, run_mailmerge

    def statuses() -> dict[str, str]:
        view = mailing.open_run(load_config(config), out)
        return {member.member_id: messages.STATUS_LABELS[member.status] for member in view.reviews}

    out = copy_run(sample_run, tmp_path)
    config = make_cycle(tmp_path / "cycle", shared_pages_from=SAMPLE_SHARED_PAGES_FROM)  # the sample's inputs
    assert invoke("approve", "--config", str(config), "--out", str(out), "--all", "--reviewer", "事務局").exit_code == 0
    held = invoke("approve", "--config", str(config), "--out", str(out), "0002", "--hold", "--note", "住所の番地が古い")
    assert held.exit_code == 0, held.output
    decided = statuses()
    assert set(decided.values()) == {"承認済み", "保留"} and decided["0002"] == "保留"

    rerun = run_mailmerge("run", "--config", str(config), "--out", str(out))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "前回から変わっていない 60 文書はそのまま使います。" in rerun.stderr.splitlines()
    assert "--force" not in rerun.stdout + rerun.stderr  # not a routine step

    forced = run_mailmerge("run", "--config", str(config), "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "要再確認" not in forced.stdout + forced.stderr
    assert "新規作成 60" in forced.stdout
    assert statuses() == decided

    # A change to what the letters say remakes them: the run names the decisions that no longer hold.
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("renewal_date = 2024-02-01", "renewal_date = 2024-02-08"), encoding="utf-8")
    changed = run_mailmerge("run", "--config", str(config), "--out", str(out), "--limit", "2")
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert (
        "この実行で文書が変わったため、承認 1 件・保留 1 件が「要再確認」になりました（会員番号 0001, "
        "0002）。確認し直してください。" in (changed.stdout.splitlines())
    )
    assert statuses()["0001"] == statuses()["0002"] == "要再確認"


def test_review_prints_one_address_serves_it_and_stops_on_ctrl_c(sample_run: Path, tmp_path: Path, config_in) -> None:
    import signal
    import subprocess
    import sys
    import threading
    import urllib.request

    from conftest import copy_run

    out = copy_run(sample_run, tmp_path)
    command = [
        str(Path(sys.executable).with_name("mailmerge")),
        "review",
        "--config",
        str(config_in()),
        "--out",
        str(out),
        "--no-browser",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Against a hang only (a busy machine starts it slowly): a run that never prints its address
        # is killed, so the read below ends and the test fails instead of hanging.
        hung = threading.Timer(300, process.kill)
        hung.start()
        try:
            line = process.stdout.readline().rstrip("\n")
        finally:
            hung.cancel()
        match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{40,})", line)
        assert match, line
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(line, timeout=120) as response:  # the token, then the cookie it sets
            assert response.status == 200 and "送付前の確認" in response.read().decode("utf-8")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{match.group(1)}/", timeout=120)
        assert refused.value.code == 403
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0
    assert stdout == ""  # the address was the only line
    assert stderr.splitlines()[-1] == "確認画面を終了しました。"
    assert "確認画面を起動しました" in stderr


def test_review_before_any_run_says_run_first(tmp_path: Path, config_in) -> None:
    result = invoke("review", "--config", str(config_in()), "--out", str(tmp_path / "none"), "--no-browser")
    assert result.exit_code == 1 and result.output.startswith("エラー: ")


def test_output_read_by_a_command_that_stops_early_ends_quietly(config_in) -> None:
    """`mailmerge check | head -1`: the reader goes away; no 「ファイルを読み書きできません（Broken pipe）」 line."""
    import subprocess
    import sys

    command = [str(Path(sys.executable).with_name("mailmerge")), "check", "--config", str(config_in())]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # long before the command writes its first line (importing takes ~1 s)
    errors = process.stderr.read()
    process.wait(timeout=300)
    assert "Broken pipe" not in errors and "読み書き" not in errors and "Traceback" not in errors, errors


def test_a_folder_given_as_roster_is_one_japanese_line(config_in, tmp_path: Path) -> None:
    # Issue 25: click answered in English ("Invalid value for '--roster': File … is a directory").
    (tmp_path / "名簿").mkdir()
    config = str(config_in())
    for command in ("check", "run"):
        out = ["--out", str(tmp_path / "out")] if command == "run" else []
        result = invoke(command, "--config", config, "--roster", str(tmp_path / "名簿"), *out)
        assert result.exit_code == 1, result.output
        # The test runs in tmp_path: the folder is named as the user typed it from there.
        assert (
            "名簿: 名簿ファイルではなくフォルダーです。名簿ファイルの名前まで指定してください"
            in result.output.splitlines()
        )
        assert "Invalid value" not in result.output
    assert not (tmp_path / "out").exists()


def test_approve_all_without_the_roster_records_nothing_and_says_why(
    sample_run: Path, tmp_path: Path, config_in
) -> None:
    # Issue 25: with the roster file gone, `approve --all` recorded 0 members and exited 0.
    from mailmerge.store import REVIEW_DB_NAME, DecisionStore

    from conftest import copy_run

    out = copy_run(sample_run, tmp_path)
    config = str(config_in(path=f'"{tmp_path / "moved.xlsx"}"'))
    result = invoke("approve", "--config", config, "--out", str(out), "--all", "--reviewer", "事務局")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "エラー: 名簿が読めないため、どの会員の文書が今の名簿どおりか確かめられず、何も記録しませんでした"
        "（moved.xlsx: 名簿ファイルが見つかりません。ファイル名と場所、mailmerge.toml の [roster] path"
        "（または --roster で指定した名前）を確認してください）。"
        "名簿を元の場所に戻すか mailmerge.toml の [roster] を直してから、もう一度実行してください"
    ]
    assert DecisionStore(out / REVIEW_DB_NAME).latest() == {}


def test_an_archive_inside_the_output_folder_is_refused_at_the_start(
    sample_run: Path, tmp_path: Path, config_in
) -> None:
    # Issue 25: an archive placed inside the output folder was moved aside by the next run.
    from conftest import copy_run

    out = copy_run(sample_run, tmp_path)
    config = str(config_in())
    inside = out / "archive"

    def refusal(archive: Path, output: Path) -> str:
        return (
            f"エラー: 封印の保存先 {archive} が出力先フォルダー {output} の中にあるため、何もしませんでした"
            "（出力先は作り直すたびに片付けられ、封印したものが移されてしまいます）。"
            "保存先を出力先の外にしてください（--archive、または --out か mailmerge.toml の output で指定）"
        )

    sealed = invoke(
        "archive", "--config", config, "--out", str(out), "--archive", str(inside), "--sent-on", "2024-01-10"
    )
    assert (sealed.exit_code, sealed.output.splitlines()) == (1, [refusal(inside, out)])
    assert not inside.exists()
    # The config's folder as the output: its archive/ (the default) lies inside it.
    for command in (["run", "-q"], ["review", "--no-browser"]):
        result = invoke(*command, "--config", config, "--out", str(tmp_path))
        assert (result.exit_code, result.output.splitlines()) == (1, [refusal(tmp_path / "archive", tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mailmerge.toml", "out"]


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (
            ["chek"],
            [
                "使い方: mailmerge [OPTIONS] COMMAND [ARGS]...",
                "エラー: 「chek」というコマンドはありません。もしかして: check",
                "「mailmerge --help」で使い方の説明を表示します。",
            ],
        ),
        (
            ["archive"],
            [
                "使い方: mailmerge archive [OPTIONS]",
                "エラー: --sent-on を指定してください。",
                "「mailmerge archive --help」で使い方の説明を表示します。",
            ],
        ),
        (
            ["check", "--bogus"],
            [
                "使い方: mailmerge check [OPTIONS]",
                "エラー: 「--bogus」というオプションはありません。",
                "「mailmerge check --help」で使い方の説明を表示します。",
            ],
        ),
        (
            ["print", "--labels-start", "x"],
            [
                "使い方: mailmerge print [OPTIONS]",
                "エラー: --labels-start の値が正しくありません: 「x」は数ではありません。半角の数字で指定してください",
                "「mailmerge print --help」で使い方の説明を表示します。",
            ],
        ),
        (
            ["history"],
            [
                "使い方: mailmerge history [OPTIONS] MEMBER_ID",
                "エラー: MEMBER_ID を指定してください。",
                "「mailmerge history --help」で使い方の説明を表示します。",
            ],
        ),
    ],
)
def test_click_s_own_errors_are_said_in_japanese(args, lines) -> None:
    result = CliRunner().invoke(main, args, prog_name="mailmerge")
    assert result.exit_code == 2
    assert result.output.splitlines() == lines


def test_help_headings_are_japanese() -> None:
    result = CliRunner().invoke(main, ["print", "--help"], prog_name="mailmerge")
    assert result.exit_code == 0
    assert result.output.startswith("使い方: mailmerge print [OPTIONS]")
    assert "オプション:" in result.output and "Options:" not in result.output and "Usage:" not in result.output


def test_what_click_adds_to_an_option_s_help_is_japanese_in_every_command() -> None:
    """Issue 21: `print --help` showed click's `[default: 1]` in English after --labels-start's Japanese help."""
    shown = CliRunner().invoke(main, ["print", "--help"], prog_name="mailmerge")
    assert shown.exit_code == 0
    assert "12 まで）。  ［既定: 1］" in shown.output
    for name, command in main.commands.items():
        groups = command.commands.items() if isinstance(command, click.Group) else [("", command)]
        for sub, _ in groups:
            helped = CliRunner().invoke(main, [name, *([sub] if sub else []), "--help"], prog_name="mailmerge")
            assert helped.exit_code == 0, (name, sub)
            assert not re.search(r"\[(default|required|env var)", helped.output), (name, sub, helped.output)
