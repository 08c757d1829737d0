"""Shared fixtures: the repository's own config, templates and sample roster, used from a temp folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test inside its own tmp_path (cookiecutter's isolated_filesystem)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_config(folder: Path, **overrides: str) -> Path:
    """Write a copy of the repo's mailmerge.toml into ``folder``, paths pointing back at the repo.

    ``overrides`` replace top-level lines or keys by name, e.g. letter='"/path/to/letter.docx"'.
    """
    text = (REPO / "mailmerge.toml").read_text(encoding="utf-8")
    text = text.replace('path = "data/', f'path = "{REPO}/data/')
    text = text.replace('= "templates/', f'= "{REPO}/templates/')
    for key, value in overrides.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
        assert count == 1, f"no key {key} in mailmerge.toml"
    path = folder / "mailmerge.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def config_in(tmp_path: Path):
    """Return a function writing a config into tmp_path with overrides."""
    return lambda **overrides: write_config(tmp_path, **overrides)


# --- one real run of the sample roster, shared by the review app's tests ----------------------


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an output folder made by one real `mailmerge run` of the sample roster (read-only: copy it)."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("sample-run")
    config = write_config(folder)
    out = folder / "out"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("mailmerge")), "run", "--config", str(config), "--out", str(out), "--quiet"],
        capture_output=True, text=True, cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    return out


def copy_run(sample: Path, folder: Path) -> Path:
    """Copy a run's output folder so a test can record decisions or run again in it."""
    import shutil

    target = folder / "out"
    shutil.copytree(sample, target, ignore=shutil.ignore_patterns(".mailmerge.lock", ".review-cache"))
    return target
