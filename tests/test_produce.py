"""Making documents: rows come back one by one as each verified document is placed, nothing left behind."""

from __future__ import annotations

import hashlib
import subprocess
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from mailmerge import pipeline, produce
from mailmerge.config import load_config
from mailmerge.models import OutputLayout

from conftest import DATA, REPO
from helpers import SOFFICE_TIMEOUT


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def our_processes(folder: Path) -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        if process.info["status"] != psutil.STATUS_ZOMBIE and str(folder) in " ".join(process.info["cmdline"] or []):
            found.append(" ".join(process.info["cmdline"]))
    return found


class Held:
    """A hold_signals that counts the blocks it held."""

    def __init__(self) -> None:
        self.blocks = 0

    @contextmanager
    def __call__(self):
        self.blocks += 1
        yield


def make_order(tmp_path: Path, members: int, held: Held | None = None) -> produce.Order:
    config = load_config(REPO / "mailmerge.toml")
    checked = pipeline.check(config, DATA / "sample_utf8.csv")
    layout = OutputLayout(tmp_path / "out")
    chosen = checked.roster.members[:members]
    documents = [layout.document(member, name) for member in chosen for name in config.documents]
    return produce.Order(
        documents=documents,
        templates=checked.templates,
        constants=config.constants,
        digests={document: f"inputs-{n}" for n, document in enumerate(documents)},
        names={m.member_id: m.display_name for m in checked.roster.members},
        cycle=config.cycle,
        layout=layout,
        timeout=SOFFICE_TIMEOUT,
        hold_signals=held or Held(),
    )


class Told(pipeline.SilentProgress):
    """A Progress that keeps the lines it was told."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)


def test_each_row_comes_once_its_verified_files_are_in_place(tmp_path: Path) -> None:
    held = Held()
    order = make_order(tmp_path, 3, held)
    out = order.layout.out_dir
    told = Told()

    rows = produce.produce(order, told)
    first = next(rows)
    # Already in its member's folder when its row comes, whatever else is still being made.
    assert sha256(out / first.pdf) == first.pdf_sha256 and sha256(out / first.docx) == first.docx_sha256
    rows = [first, *rows]

    assert sorted((r.member_id, r.document) for r in rows) == sorted(
        (d.member.member_id, d.document) for d in order.documents
    )
    for row in rows:
        document = next(d for d in order.documents if (d.member.member_id, d.document) == (row.member_id, row.document))
        assert row.docx == f"{document.member.group}/{row.member_id}/{row.document}.docx"
        assert row.input_sha256 == order.digests[document]
        assert sha256(out / row.pdf) == row.pdf_sha256 and sha256(out / row.docx) == row.docx_sha256
        assert f"{row.member_id} · 2024 · 1/{row.pages}" in pdf_text(out / row.pdf)
        assert row.name == document.member.display_name
    assert held.blocks == len(rows)  # every placing was held against Ctrl-C
    assert told.lines == []  # every bundle converted and split as a whole: nothing made one by one
    # Nothing of the work left in staging but empty folders (the pipeline removes staging).
    assert [p for p in order.layout.staging.rglob("*") if p.is_file()] == []


def test_nothing_to_make_makes_nothing(tmp_path: Path) -> None:
    order = make_order(tmp_path, 0)
    assert list(produce.produce(order, pipeline.SilentProgress())) == []
    assert not order.layout.out_dir.exists()


def test_closing_the_rows_early_stops_libreoffice(tmp_path: Path) -> None:
    order = make_order(tmp_path, 6)
    rows = produce.produce(order, pipeline.SilentProgress())
    next(rows)
    rows.close()
    assert our_processes(order.layout.out_dir) == []


@pytest.mark.parametrize(
    ("members", "workers", "sizes"), [(30, 2, [15, 15]), (101, 2, [26, 25, 25, 25]), (3, 4, [1, 1, 1])]
)
def test_bundles_are_equal_and_a_multiple_of_the_workers(members: int, workers: int, sizes: list[int]) -> None:
    assert produce.bundle_sizes(members, workers) == sizes
