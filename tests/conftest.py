"""Shared fixtures: the repository's own config, templates and sample roster, used from a temp folder."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from helpers import DATA, REPO, TEMPLATES, SampleRun, sample_run_once, write_config

__all__ = ["DATA", "REPO", "write_config"]  # older test files import these from conftest


def pytest_configure(config: pytest.Config) -> None:
    """Give the runs the tests start Ctrl-C as a terminal gives it, however pytest was started.

    A job started in the background (`nohup`, `cmd &` in a script, some CI runners) inherits SIGINT
    ignored, and so would every process the tests start: a run sent Ctrl-C would go on to the end.
    Python's own handler here (in each xdist worker too) becomes the default again in every child.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test inside its own tmp_path (cookiecutter's isolated_filesystem)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def config_in(tmp_path: Path):
    """Return a function writing a config into tmp_path with overrides."""
    return lambda **overrides: write_config(tmp_path, **overrides)


@pytest.fixture(scope="session")
def sample_cycle(tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    """One real `mailmerge run` of the sample cycle, made once per test session (read only: copy it)."""
    return sample_run_once(tmp_path_factory)


@pytest.fixture(scope="session")
def sample_run(sample_cycle: SampleRun) -> Path:
    """The sample run's output folder (read only: copy it)."""
    return sample_cycle.out


def copy_run(sample: Path, folder: Path) -> Path:
    """Copy a run's output folder so a test can record decisions or run again in it."""
    import shutil

    target = folder / "out"
    shutil.copytree(sample, target, ignore=shutil.ignore_patterns(".mailmerge.lock", ".review-cache"))
    return target


# A cycle of its own for a workspace test (tests/test_workspace*.py); modules that define a `cycle` of
# their own (test_send's, with [email]) use theirs.
@pytest.fixture
def cycle(tmp_path: Path) -> Path:
    """A cycle folder: its own copy of the roster under data/, the config pointing at it."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REPO / "data" / "members.xlsx", data / "members.xlsx")
    return write_config(tmp_path, path=f'"{data / "members.xlsx"}"')


@pytest.fixture
def own_templates(tmp_path: Path) -> Path:
    """A cycle whose roster and templates are copies of its own (the 文面 page replaces them)."""
    data, templates = tmp_path / "data", tmp_path / "templates"
    data.mkdir()
    templates.mkdir()
    shutil.copy(REPO / "data" / "members.xlsx", data / "members.xlsx")
    for name in ("letter.docx", "overview.docx"):
        shutil.copy(TEMPLATES / name, templates / name)
    return write_config(
        tmp_path,
        path=f'"{data / "members.xlsx"}"',
        letter=f'"{templates / "letter.docx"}"',
        overview=f'"{templates / "overview.docx"}"',
    )
