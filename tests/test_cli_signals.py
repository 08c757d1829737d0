"""The command line owns the process: stop signals (held while a document is placed) and the umask of a run."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailmerge.cli import StopSignals, main

from conftest import DATA, write_config


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_waits_for_the_held_block_then_stops(number: int) -> None:
    finished = []
    before = signal.getsignal(number)
    with pytest.raises(KeyboardInterrupt):
        with StopSignals() as stop:
            with stop.held():
                os.kill(os.getpid(), number)
                finished.append("placed")  # the block goes on to its end
            finished.append("after")  # never reached: the stop lands as the block ends
    assert finished == ["placed"]
    assert signal.getsignal(number) == before  # the handlers are given back


def test_a_stop_signal_outside_a_held_block_stops_at_once() -> None:
    with pytest.raises(KeyboardInterrupt):
        with StopSignals():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs between bytecodes, at once
                pass


def test_a_run_makes_private_files_under_a_loose_umask_and_gives_the_umask_back(tmp_path: Path) -> None:
    roster = tmp_path / "members.csv"
    lines = (DATA / "sample_utf8.csv").read_text(encoding="utf-8").splitlines()
    roster.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    previous = os.umask(0o022)
    try:
        result = CliRunner().invoke(
            main, ["run", "--config", str(write_config(tmp_path)), "--roster", str(roster), "--out", str(out), "-q"]
        )
        assert os.umask(0o022) == 0o022  # what it was before the run
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    for path in [out, *out.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_a_stop_caught_in_a_held_block_that_never_resumed_still_stops() -> None:
    def placing(stop: StopSignals):
        with stop.held():
            yield "placed"  # the caller takes this and never asks for more

    with pytest.raises(KeyboardInterrupt):
        with StopSignals() as stop:
            steps = placing(stop)
            next(steps)
            os.kill(os.getpid(), signal.SIGINT)  # held: caught, not raised
            del steps  # dropped while holding: its close() raising cannot reach anyone
    # The handlers are given back and the stop was not lost.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
