"""The secretariat's guide works as written: every command line in it, run in order on a copy of the project."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

from mailmerge.dates import today_jst

from helpers import MAILMERGE, REPO, SHELL_UMASK

GUIDE_START, GUIDE_END = "## 事務局の皆さまへ", "## 導入"
# A step's command: the code span right after a step's dash (「**点検する** — `…`」) or opening a line;
# a command named in passing inside a sentence (「`…` をやり直すと」) is a mention, not a step.
COMMAND = re.compile(r"(?:— |^\s*(?:\d+\.\s+|-\s+)?)`(\.venv/bin/mailmerge [^`]*)`", re.M)
# What the guide shows but a test cannot run as a one-off command, each with why.
NOT_RUN = {
    "serve": "starts the workspace and serves until stopped (tests/test_workspace_browser.py uses it)",
    "review": "serves the review screen until stopped (tests/test_review_browser.py uses it)",
    "user": "asks for a password at the terminal (tests/test_office.py adds accounts)",
    "send": "needs the [email] table the guide has the office write first; tests/test_send.py sends to a real server",
}


def guide_commands() -> list[str]:
    """Return the guide's command lines in order, each once, placeholders (…, 発送日) left out."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    guide = readme[readme.index(GUIDE_START) : readme.index(GUIDE_END)]
    found: list[str] = []
    for command in COMMAND.findall(guide):
        if "…" in command or "発送日" in command or command in found:
            continue
        found.append(command)
    return found


def test_the_guide_uses_one_way_to_call_the_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    guide = readme[readme.index(GUIDE_START) : readme.index(GUIDE_END)]
    assert not re.findall(r"`mailmerge ", guide), "the guide calls the command as .venv/bin/mailmerge throughout"


def test_every_command_of_the_guide_runs_in_order_on_the_sample_cycle(tmp_path: Path) -> None:
    project = tmp_path / "ats"
    project.mkdir()
    for name in ("mailmerge.toml", "data", "templates"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, project / name)
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "mailmerge").symlink_to(MAILMERGE)
    commands = guide_commands()
    verbs = [shlex.split(c)[1] for c in commands]
    for verb in ("check", "run", "approve", "print", "archive", "history", "verify"):
        assert verb in verbs, f"the guide no longer shows mailmerge {verb}"
    ran = []
    for command in commands:
        words = shlex.split(command)
        if words[1] in NOT_RUN:
            continue
        # The guide's sending date is an example: the letters of this test are printed and "sent" today.
        words = [re.sub(r"^\d{4}-\d\d-\d\d$", today_jst().isoformat(), word) for word in words]
        if words[1] == "run" and "--roster" in words:  # the CSV route: the guide's 名簿.csv is the sample's copy
            shutil.copyfile(REPO / "tests" / "data" / "sample_utf8.csv", project / words[words.index("--roster") + 1])
        done = subprocess.run(
            words,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
            umask=SHELL_UMASK,
            check=False,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        ran.append(words[1])
    assert {"check", "run", "approve", "print", "archive", "history", "verify"} <= set(ran)
