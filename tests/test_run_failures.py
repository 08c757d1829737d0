"""Every way a run can fail ends in one Japanese sentence, early, with nothing left running and nothing lost.

The LibreOffice faults here come from small programs set as MAILMERGE_SOFFICE that hang or
abort as a broken LibreOffice does: real processes, killed and waited for as soffice is.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from click.testing import CliRunner

from mailmerge.cli import main

from conftest import DATA, REPO, write_config

SAMPLE = DATA / "sample_utf8.csv"


def fake_soffice(folder: Path, body: str) -> Path:
    """Write a program standing in for soffice that logs each start (its pid) and then does ``body``."""
    program = folder / "soffice"
    program.write_text(f'#!/bin/sh\necho $$ >> "{folder}/starts.log"\n{body}\n', encoding="utf-8")
    program.chmod(0o755)
    return program


def starts(folder: Path) -> list[int]:
    log = folder / "starts.log"
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def alive(pids: list[int]) -> list[int]:
    found = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                found.append(pid)
        except psutil.NoSuchProcess:
            pass
    return found


def sample_roster(folder: Path, members: int) -> Path:
    """The first ``members`` rows of the fictional sample roster."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    path = folder / "members.csv"
    path.write_text("\n".join(lines[: members + 1]) + "\n", encoding="utf-8")
    return path


def run(config: Path, *args: str):
    return CliRunner().invoke(main, ["run", "--config", str(config), "--quiet", *args])


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("エラー:")]


def test_a_hung_libreoffice_stops_the_run_early_with_one_message_and_nothing_left(tmp_path: Path, monkeypatch) -> None:
    program = fake_soffice(tmp_path, "exec sleep 600")
    monkeypatch.setenv("MAILMERGE_SOFFICE", str(program))
    # As many starts at once on any machine; 3 s, not 1, for each fake to start and log itself on a loaded one.
    config = write_config(tmp_path, timeout="3", workers="2")
    out = tmp_path / "out"

    result = run(config, "--out", str(out))

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [line] = error_lines(result.output)
    assert line.startswith(
        "エラー: LibreOffice が動いていません: PDF を 1 件も作れないまま、2 回続けて止まりました"
        "（LibreOffice が 3 秒以内に終わらなかったため止めました）。変換を中止しました"
    ), line
    # Each start costs at most one deadline: 30 members' documents would be 8 bundles and 60
    # single documents, two attempts each; the run gave up after the first runs.
    assert 1 <= len(starts(tmp_path)) <= 4
    assert alive(starts(tmp_path)) == []
    assert not (out / "manifest.csv").exists()
    assert not (out / ".staging").exists()


def test_libreoffice_aborting_is_told_in_japanese_with_its_own_reason(tmp_path: Path, monkeypatch) -> None:
    program = fake_soffice(tmp_path, 'echo "vcl: fatal error: no fonts could be loaded" >&2\nexit 134')
    monkeypatch.setenv("MAILMERGE_SOFFICE", str(program))
    config = write_config(tmp_path)

    result = run(config, "--out", str(tmp_path / "out"), "--limit", "2")

    assert result.exit_code == 1, result.output
    [line] = error_lines(result.output)
    assert "LibreOffice が途中で異常終了しました（終了コード 134）" in line, line
    assert "LibreOffice のメッセージ: vcl: fatal error: no fonts could be loaded" in line, line
    assert alive(starts(tmp_path)) == []


def test_check_says_in_japanese_when_libreoffice_is_missing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MAILMERGE_SOFFICE", str(tmp_path / "nowhere" / "soffice"))

    result = CliRunner().invoke(main, ["check", "--config", str(REPO / "mailmerge.toml")])

    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"LibreOffice: MAILMERGE_SOFFICE={tmp_path}/nowhere/soffice: そのようなプログラムはありません。"
        "LibreOffice の soffice を指すようにするか、MAILMERGE_SOFFICE を外してください。"
        "LibreOffice を入れてください（sudo apt-get install libreoffice-writer-nogui）"
    )
    assert error_lines(result.output) == [
        "エラー: エラーが 1 件あります。直してから、もう一度 mailmerge check を実行してください。"
    ]


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in: read-only by its mode, or under /sys for root (who ignores modes)."""
    if os.geteuid() == 0:
        return Path("/sys/mailmerge-test")
    folder = tmp_path / "readonly"
    folder.mkdir(mode=0o500)
    return folder


def test_a_read_only_output_folder_is_one_japanese_line(tmp_path: Path) -> None:
    out = unwritable_folder(tmp_path) / "2024"

    result = run(REPO / "mailmerge.toml", "--out", str(out), "--limit", "1")

    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Errno" not in result.output
    where = out if out.parent.exists() else out.parent  # the first folder it could not make
    assert result.output.splitlines() == [
        f"エラー: {where}: 書き込めません（読み取り専用か、書き込む権限がありません）。"
        "書き込めるフォルダーを --out で指定するか、権限を確かめてから、もう一度実行してください"
    ]


def test_ctrl_c_during_start_up_is_one_line_and_exit_130(tmp_path: Path) -> None:
    # The roster is a pipe nobody writes to: the run waits there, while reading its inputs, for
    # as long as it takes to press Ctrl-C.
    roster = tmp_path / "members.csv"
    os.mkfifo(roster)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "mailmerge"),
            "run",
            "--config",
            str(REPO / "mailmerge.toml"),
            "--roster",
            str(roster),
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Opening the writing end succeeds once the run has the pipe open for reading; it then
        # waits for data that never comes.
        deadline = time.monotonic() + 300  # against a hang only: a fresh process starts slowly on a busy machine
        while True:
            try:
                writer = os.open(roster, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "the run never opened the roster"
                time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=300)
        os.close(writer)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert stderr.splitlines() == [
        "エラー: 中断しました。もう一度実行してください（mailmerge run は作り終えた文書から続けます）。"
    ]
    assert stdout == ""
    assert not out.exists()


def test_a_failing_forced_run_leaves_the_previous_manifest_as_it_was(tmp_path: Path, monkeypatch) -> None:
    roster = sample_roster(tmp_path, 2)
    out = tmp_path / "out"
    first = run(write_config(tmp_path), "--roster", str(roster), "--out", str(out))
    assert first.exit_code == 0, first.output
    manifest = (out / "manifest.csv").read_bytes()
    summary = (out / "summary.json").read_bytes()

    hung = tmp_path / "hung"
    hung.mkdir()
    monkeypatch.setenv("MAILMERGE_SOFFICE", str(fake_soffice(hung, "exec sleep 600")))
    config = write_config(hung, timeout="1")
    forced = run(config, "--roster", str(roster), "--out", str(out), "--force")

    assert forced.exit_code == 1 and "LibreOffice が動いていません" in forced.output, forced.output
    assert (out / "manifest.csv").read_bytes() == manifest
    assert (out / "summary.json").read_bytes() == summary
    assert alive(starts(hung)) == []


def test_a_smaller_roster_sets_the_others_aside_and_lists_them(tmp_path: Path, monkeypatch) -> None:
    config = write_config(tmp_path)
    out = tmp_path / "out"
    first = run(config, "--roster", str(sample_roster(tmp_path, 3)), "--out", str(out))
    assert first.exit_code == 0, first.output
    third = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    group = "unenrolled" if (out / "unenrolled" / "0003").exists() else "enrolled"
    before = sorted(p.name for p in (out / group / "0003").iterdir())

    # Nothing to convert: a LibreOffice that is not there shows that nothing is made again.
    monkeypatch.setenv("MAILMERGE_SOFFICE", str(tmp_path / "nowhere" / "soffice"))
    smaller = run(config, "--roster", str(sample_roster(tmp_path, 2)), "--out", str(out))

    assert smaller.exit_code == 0, smaller.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    aside = out / summary["set_aside"]
    assert summary["removed_members"] == ["0003"] and summary["set_aside"].startswith("removed/")
    assert (
        sorted(p.name for p in (aside / group / "0003").iterdir())
        == before
        == ["letter.docx", "letter.pdf", "overview.docx", "overview.pdf"]
    )
    assert not (out / group / "0003").exists()
    assert (
        f"名簿にない（または加入状況が変わった）会員 1 件の出力は削除せず、out/{summary['set_aside']}/ に移しました"
        in smaller.output
    )
    assert "0003" not in (out / "manifest.csv").read_text(encoding="utf-8-sig")
    assert third["documents_in_manifest"] == 6 and summary["documents_in_manifest"] == 4
