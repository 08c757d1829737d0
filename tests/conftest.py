"""Shared fixtures: the repository's own config, templates and sample roster, used from a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import DATA, REPO, write_config

__all__ = ["DATA", "REPO", "write_config"]  # older test files import these from conftest


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test inside its own tmp_path (cookiecutter's isolated_filesystem)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def config_in(tmp_path: Path):
    """Return a function writing a config into tmp_path with overrides."""
    return lambda **overrides: write_config(tmp_path, **overrides)
