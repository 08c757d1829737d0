"""The after-run side on its own: the input hash, the current inputs, and none of the making stage loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mailmerge import inputs
from mailmerge.config import load_config
from mailmerge.models import Member

from conftest import copy_run

MAKING = ("produce", "composed_path", "layering", "compose", "soffice", "pdf", "render", "pipeline")

# Imports the review app, opens the run for review as the app does, and prints which making modules got loaded.
PROBE = f"""
import sys
from pathlib import Path
import mailmerge.webapp
loaded = [name for name in {MAKING} if "mailmerge." + name in sys.modules]
if len(sys.argv) > 1:
    from mailmerge import mailing
    from mailmerge.config import load_config
    view = mailing.open_run(load_config(Path(sys.argv[1])), Path(sys.argv[2]))
    print(len(view.reviews), "members")
    loaded += [name for name in {MAKING} if "mailmerge." + name in sys.modules and name not in loaded]
print("loaded:", ",".join(loaded))
"""


def probe(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_review_app_loads_none_of_the_making_stage() -> None:
    assert probe() == "loaded: \n"


def test_opening_a_run_for_review_reads_the_roster_and_hashes_only(sample_cycle, tmp_path: Path) -> None:
    out = copy_run(sample_cycle.out, tmp_path)
    # No LibreOffice on the PATH either: opening a run never looks for it.
    env = {"PATH": str(tmp_path), "PYTHONPATH": ":".join(sys.path), "HOME": str(tmp_path)}
    assert probe(str(sample_cycle.config), str(out), env=env) == "30 members\nloaded: \n"


def test_the_input_hash_covers_the_printed_fields_only(config_in) -> None:
    config = load_config(config_in())
    member = Member(2, "0001", "enrolled", {"organisation": "株式会社テスト"}, {"email": "a@example.jp"})
    other_address = Member(2, "0001", "enrolled", {"organisation": "株式会社テスト"}, {"email": "b@example.jp"})
    renamed = Member(2, "0001", "enrolled", {"organisation": "株式会社テスト2"}, {"email": "a@example.jp"})
    digest = inputs.input_digest(member, "letter", "t" * 64, config)
    assert inputs.input_digest(other_address, "letter", "t" * 64, config) == digest
    assert inputs.input_digest(renamed, "letter", "t" * 64, config) != digest
    assert inputs.input_digest(member, "overview", "t" * 64, config) != digest
