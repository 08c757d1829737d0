"""scripts/install-service.sh: a systemd unit that runs the workspace as an unprivileged user and verifies."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SCRIPT = REPO / "scripts" / "install-service.sh"


def _project(folder: Path) -> Path:
    shutil.copy(REPO / "mailmerge.toml", folder / "mailmerge.toml")
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "mailmerge").symlink_to(Path(sys.executable).parent / "mailmerge")
    return folder


def _script(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], cwd=folder, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_unit_runs_as_the_given_user_and_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    project = _project(tmp_path)
    unit = tmp_path / "mailmerge.service"
    done = _script(project, "--user", "nobody", "--host", "127.0.0.2", "--no-install", "--unit-file", str(unit))
    assert done.returncode == 0, done.stderr
    assert "次の 3 つは root が必要です" in done.stdout
    text = unit.read_text(encoding="utf-8")
    assert "User=nobody\n" in text
    assert (
        f"ExecStart={project}/.venv/bin/mailmerge serve --config {project}/mailmerge.toml --host 127.0.0.2 "
        "--port 8443 --no-browser\n"
    ) in text
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert verified.returncode == 0, verified.stderr


def test_root_is_refused(tmp_path: Path) -> None:
    done = _script(_project(tmp_path), "--user", "root", "--no-install")
    assert done.returncode == 1
    assert "サービスは root では動かしません" in done.stderr
    assert not (tmp_path / "mailmerge.service").exists()
