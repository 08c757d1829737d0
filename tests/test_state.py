"""The output folder between runs: the lock, the journal, what may be reused, leftovers, what is set aside."""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import io
import json
import os
from pathlib import Path

import pikepdf
import pytest

from mailmerge import state
from mailmerge.errors import OutputLockedError
from mailmerge.models import ManifestRow, OutputLayout


def one_page_pdf(title: str) -> bytes:
    """Return a real one-page PDF (qpdf must read it strictly), distinct per title."""
    document = pikepdf.new()
    document.add_blank_page()
    document.docinfo["/Title"] = title
    buffer = io.BytesIO()
    document.save(buffer, static_id=True)
    return buffer.getvalue()


def write_document(out: Path, group: str, member_id: str, document: str = "letter") -> ManifestRow:
    """Write a finished pair (DOCX and PDF) into a member folder and return its row."""
    folder = out / group / member_id
    folder.mkdir(parents=True, exist_ok=True)
    docx, pdf = folder / f"{document}.docx", folder / f"{document}.pdf"
    docx.write_bytes(f"docx {member_id} {document}".encode())
    pdf.write_bytes(one_page_pdf(f"{member_id} {document}"))
    return ManifestRow(
        member_id=member_id,
        name="医療法人テスト会",
        group=group,
        document=document,
        docx=docx.relative_to(out).as_posix(),
        pdf=pdf.relative_to(out).as_posix(),
        pages=1,
        docx_sha256=hashlib.sha256(docx.read_bytes()).hexdigest(),
        pdf_sha256=hashlib.sha256(pdf.read_bytes()).hexdigest(),
        input_sha256="inputs-1",
    )


def test_the_lock_refuses_a_second_holder_in_japanese_and_is_free_afterwards(tmp_path: Path) -> None:
    assert not state.is_locked(tmp_path)
    with state.OutputLock(tmp_path):
        assert state.is_locked(tmp_path)
        with pytest.raises(OutputLockedError) as caught:
            with state.OutputLock(tmp_path):
                pass
        assert str(caught.value) == (
            f"{tmp_path}: 別の mailmerge run がこの出力先に書き込み中です。終わるのを待ってから、もう一度実行して"
            f"ください"
        )
    assert not state.is_locked(tmp_path)


def test_the_journal_gives_back_whole_lines_only(tmp_path: Path) -> None:
    first, second = write_document(tmp_path, "enrolled", "0001"), write_document(tmp_path, "enrolled", "0002")
    journal = state.Journal(tmp_path)
    journal.reset([first])
    with journal:
        journal.record(second)
    with (tmp_path / state.JOURNAL_NAME).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(dataclasses.asdict(first))[:40])  # the line a SIGKILL cut short

    assert state.read_journal(tmp_path) == [first, second]
    assert (tmp_path / state.JOURNAL_NAME).stat().st_mode & 0o777 == 0o600
    journal.remove()
    assert state.read_journal(tmp_path) == []


def test_a_document_is_reusable_only_with_the_same_inputs_and_intact_files(tmp_path: Path) -> None:
    row = write_document(tmp_path, "enrolled", "0001")
    assert state.reusable(row, tmp_path, "inputs-1")
    assert not state.reusable(row, tmp_path, "inputs-2")
    (tmp_path / row.pdf).write_bytes(b"%PDF- changed since it was recorded\n%%EOF\n")
    assert not state.reusable(row, tmp_path, "inputs-1")
    (tmp_path / row.pdf).unlink()
    assert not state.reusable(row, tmp_path, "inputs-1")


def test_a_broken_pdf_is_not_reused_even_when_the_journal_recorded_its_hash(tmp_path: Path) -> None:
    row = write_document(tmp_path, "enrolled", "0001")
    whole = (tmp_path / row.pdf).read_bytes()
    # What an interrupted save left: a block of the file missing, its two ends intact.
    broken = whole[:200] + whole[300:]
    (tmp_path / row.pdf).write_bytes(broken)
    recorded = dataclasses.replace(row, pdf_sha256=hashlib.sha256(broken).hexdigest())
    assert not state.reusable(recorded, tmp_path, "inputs-1")


def test_leftovers_and_unpaired_files_are_found(tmp_path: Path) -> None:
    write_document(tmp_path, "enrolled", "0001")
    lone = write_document(tmp_path, "unenrolled", "0002")
    (tmp_path / lone.pdf).unlink()  # a run killed between placing the DOCX and the PDF
    (tmp_path / ".staging" / "enrolled").mkdir(parents=True)
    scratch = tmp_path / "enrolled" / "0001" / ".letter.pdf.abc.tmp"
    scratch.write_bytes(b"half")

    assert state.leftovers(tmp_path) == sorted([tmp_path / ".staging", scratch])
    assert state.unpaired(tmp_path) == [tmp_path / lone.docx]
    assert state.count_files([tmp_path / "enrolled"]) == 3


def test_folders_of_members_gone_or_regrouped_are_stale(tmp_path: Path) -> None:
    for group, member_id in (("enrolled", "0001"), ("enrolled", "0002"), ("unenrolled", "0003")):
        write_document(tmp_path, group, member_id)
    wanted = {"0001": "enrolled", "0003": "enrolled"}  # 0002 left the roster, 0003 enrolled
    stale = state.stale_member_folders(tmp_path, wanted)
    assert [(g, m) for g, m, _ in stale] == [("enrolled", "0002"), ("unenrolled", "0003")]


def test_set_aside_moves_files_keeping_their_place_and_never_overwrites(tmp_path: Path) -> None:
    layout = OutputLayout(tmp_path)
    write_document(tmp_path, "enrolled", "0002")
    aside = layout.removed("20241201-101500")
    state.set_aside(layout, aside, [tmp_path / "enrolled" / "0002"])
    assert sorted(p.name for p in (aside / "enrolled" / "0002").iterdir()) == ["letter.docx", "letter.pdf"]
    assert not (tmp_path / "enrolled" / "0002").exists()

    write_document(tmp_path, "enrolled", "0002")  # made again, and set aside again within the same run
    state.set_aside(layout, aside, [tmp_path / "enrolled" / "0002"])
    assert sorted(p.name for p in (aside / "enrolled").iterdir()) == ["0002", "0002.2"]
    assert (aside.stat().st_mode & 0o777) == 0o700


def test_a_check_in_progress_is_not_taken_for_a_run(tmp_path: Path) -> None:
    with state.OutputLock(tmp_path):
        pass  # the lock file stays, as after any run
    other = os.open(tmp_path / state.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(other, fcntl.LOCK_SH)  # another reviewer's request, checking at this very moment
        assert not state.is_locked(tmp_path)
    finally:
        os.close(other)


@pytest.mark.parametrize("header", ["会員番号,郵便番号,加入状況", "member_id,postal_code,group"])
def test_the_members_of_a_print_are_read_from_its_list_japanese_or_earlier_english(tmp_path: Path, header: str) -> None:
    layout = OutputLayout(tmp_path)
    layout.print_dir.mkdir()
    (layout.print_dir / layout.PRINT_LIST).write_text(
        f"{header}\n0001,101-0062,加入\n0002,113-0033,加入\n", encoding="utf-8-sig"
    )
    assert state.printed_members(layout) == {"0001", "0002"}
