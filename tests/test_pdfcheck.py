"""Whether a PDF is whole: nothing poppler or qpdf rejects passes, whatever part of the file is lost."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.internal.utils
import pytest

from fixtures.samples import write_member_docx
from mailmerge import pdf, pdfcheck
from mailmerge.pdfcheck import pdf_problem, structure_problem

from helpers import SOFFICE_TIMEOUT

DAMAGED = "PDF が壊れています（PDF の検査: "
BLANK = "PDF の 1 ページ目を描画すると白紙になります。もう一度実行してください"
CUT = "PDF が途中で切れているか PDF ではありません。もう一度実行してください"


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-page member PDF as LibreOffice makes it."""
    return converted(tmp_path_factory, 2)


@pytest.fixture(scope="module")
def long_letter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A member PDF long enough for PDFium to save it in three blocks or more (of 32 KB)."""
    return converted(tmp_path_factory, 24)


def converted(tmp_path_factory: pytest.TempPathFactory, pages: int) -> Path:
    folder = tmp_path_factory.mktemp("pdfcheck")
    docx = write_member_docx(folder / "letter.docx", "C001", "医療法人社団青葉会", pages)
    pdf.convert_to_pdf([pdf.Conversion(docx, folder / "letter.pdf")], timeout=SOFFICE_TIMEOUT, temp_root=folder)
    return folder / "letter.pdf"


def poppler_reads(path: Path) -> bool:
    """Return True when poppler (not the code under test) reads the PDF and its text without a complaint."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return info.returncode == 0 and text.returncode == 0 and not info.stderr and not text.stderr


def test_a_whole_pdf_passes(letter: Path):
    assert pdf_problem(letter) == ""
    assert pdf_problem(letter, pages=2) == ""
    assert structure_problem(letter, 2) == ""
    assert poppler_reads(letter)


def test_a_wrong_page_count_is_a_problem(letter: Path):
    assert pdf_problem(letter, pages=1) == "PDF が 2 ページあります（1 ページのはず）"
    assert structure_problem(letter, 3) == "PDF が 2 ページあります（3 ページのはず）"


def pdfium_save_interrupted_at(source: Path, block: int, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, int]:
    """Save ``source`` with PDFium, a Ctrl-C raised inside its write callback at ``block``; return the bytes and the
    blocks seen.

    What issue 10 found: the KeyboardInterrupt is printed as "Exception ignored" and the save
    returns as if it had worked.
    """
    writer = pypdfium2.internal.utils._buffer_writer
    real_call = writer.__call__
    seen = []

    def interrupted(self, *args):
        seen.append(1)
        if len(seen) == block:
            raise KeyboardInterrupt
        return real_call(self, *args)

    with monkeypatch.context() as patched:
        patched.setattr(writer, "__call__", interrupted)
        document = pypdfium2.PdfDocument(source)
        copy = pypdfium2.PdfDocument.new()
        copy.import_pages(document)
        buffer = io.BytesIO()
        copy.save(buffer)  # does not raise: that is the bug
        copy.close()
        document.close()
    return buffer.getvalue(), len(seen)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed Ctrl-C itself
def test_a_pdf_saved_by_pdfium_through_a_ctrl_c_is_rejected_like_poppler_does(
    long_letter: Path, tmp_path: Path, monkeypatch
):
    _, blocks = pdfium_save_interrupted_at(long_letter, 0, monkeypatch)
    assert blocks >= 3  # a first, a middle and a last block
    for block in range(1, blocks + 1):
        data, _ = pdfium_save_interrupted_at(long_letter, block, monkeypatch)
        path = tmp_path / f"interrupted-{block}.pdf"
        path.write_bytes(data)
        assert pdf_problem(path) != "", f"block {block} of {blocks} lost, yet the PDF passed"
        assert not poppler_reads(path)


def damaged_copies(data: bytes) -> dict[str, bytes]:
    middle = len(data) // 2
    return {
        "truncated": data[:middle],
        "a block missing": data[:4096] + data[8192:],
        "a block missing near the end": data[: len(data) - 3000] + data[len(data) - 1000 :],
        "zeros in the middle": data[:middle] + b"\0" * 4096 + data[middle + 4096 :],
        "zeros over the first objects": data[:200] + b"\0" * 2000 + data[2200:],
        "not a PDF": b"PK\x03\x04" + data[4:],
    }


@pytest.mark.parametrize("damage", list(damaged_copies(b"x" * 10000)))
def test_a_damaged_pdf_is_a_problem_even_when_it_looks_whole(damage: str, letter: Path, tmp_path: Path):
    path = tmp_path / "damaged.pdf"
    path.write_bytes(damaged_copies(letter.read_bytes())[damage])
    problem = pdf_problem(path)
    assert problem.startswith(DAMAGED) or problem in (CUT, "PDF にページがありません。もう一度実行してください", BLANK)
    # qpdf finds it, unless the damage is inside a compressed stream (its length intact): then drawing does.
    assert structure_problem(path) in (problem, "")
    assert str(tmp_path) not in problem  # the message names no temporary path


@pytest.mark.parametrize("damage", list(damaged_copies(b"x" * 10000)))
def test_a_file_damaged_on_its_way_to_the_disk_is_removed_not_listed(
    damage: str, letter: Path, tmp_path: Path, monkeypatch
):
    """What write_checked writes (a member's file split or composed) is read back; any damage to it fails it."""
    real_write = pdfcheck.write_atomic

    def damaging_write(path: Path, data: bytes, **options) -> None:
        real_write(path, damaged_copies(data)[damage], **options)

    monkeypatch.setattr(pdfcheck, "write_atomic", damaging_write)
    target = tmp_path / "C001" / "letter.pdf"
    with pikepdf.open(letter) as document:
        problem = pdfcheck.write_checked(document, target)
    # Zeros inside a compressed stream shift nothing qpdf's strict read of the structure looks at:
    # only the bytes read back tell.
    assert (
        problem.startswith(DAMAGED)
        or problem in (CUT, "PDF にページがありません。もう一度実行してください")
        or (
            problem.startswith("PDF を書き込んだ内容と、読み戻した内容が違います（")
            and problem.endswith("ディスクに問題がないか確かめてから、もう一度実行してください")
        )
    ), problem
    assert not target.exists() and not list(target.parent.iterdir())
    monkeypatch.setattr(pdfcheck, "write_atomic", real_write)
    with pikepdf.open(letter) as document:
        assert pdfcheck.write_checked(document, target) == ""
    assert pdf_problem(target, pages=2) == "" and poppler_reads(target)


def test_zeros_written_inside_a_stream_are_found_by_the_bytes_read_back(letter: Path, tmp_path: Path, monkeypatch):
    real_write = pdfcheck.write_atomic
    written: list[bytes] = []

    def zeroing_write(path: Path, data: bytes, **options) -> None:
        written.append(data)
        middle = len(data) // 2
        real_write(path, data[:middle] + b"\0" * 4096 + data[middle + 4096 :], **options)

    monkeypatch.setattr(pdfcheck, "write_atomic", zeroing_write)
    with pikepdf.open(letter) as document:
        problem = pdfcheck.write_checked(document, tmp_path / "letter.pdf")
    data = written[0]
    first = next(n for n in range(len(data) // 2, len(data)) if data[n] != 0) + 1  # counted from 1, as a person counts
    assert not (tmp_path / "letter.pdf").exists()
    assert problem == (
        f"PDF を書き込んだ内容と、読み戻した内容が違います（{first} バイト目から。読み戻し {len(data)} "
        f"バイト、書き込み {len(data)} バイト）。"
        "ディスクに問題がないか確かめてから、もう一度実行してください"
    )


def test_the_same_document_converted_twice_is_written_as_the_same_bytes(letter: Path, tmp_path_factory, tmp_path: Path):
    """Issue 21: approvals are bound to a PDF's bytes; LibreOffice's own file differs from one conversion to the
    next.
    """
    again = converted(tmp_path_factory, 2)
    assert letter.read_bytes() != again.read_bytes()  # its ID and times
    assert (
        "CreationDate:" in subprocess.run(["pdfinfo", str(letter)], capture_output=True, text=True, check=True).stdout
    )
    written = []
    for number, source in enumerate((letter, again)):
        with pikepdf.open(source) as document:
            assert pdfcheck.write_checked(document, tmp_path / f"{number}.pdf") == ""
        written.append(tmp_path / f"{number}.pdf")
    assert written[0].read_bytes() == written[1].read_bytes()
    # As poppler reads it: no times, and the subsets named after their glyphs, not LibreOffice's count.
    info = subprocess.run(["pdfinfo", str(written[0])], capture_output=True, text=True, check=True).stdout
    assert "CreationDate:" not in info and "ModDate:" not in info and "Producer:" not in info
    fonts = subprocess.run(
        ["pdffonts", str(written[0])], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    original = subprocess.run(
        ["pdffonts", str(letter)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert [line.split()[0][7:] for line in fonts] == [line.split()[0][7:] for line in original]  # IPAexMincho, ...
    assert {line.split()[0][:7] for line in fonts}.isdisjoint({line.split()[0][:7] for line in original})
    assert pdf_problem(written[0], pages=2) == "" and poppler_reads(written[0])


def test_a_missing_pdf_is_a_problem(tmp_path: Path):
    assert pdf_problem(tmp_path / "none.pdf") == "PDF がありません (none.pdf)。もう一度実行してください"


def test_a_page_that_draws_nothing_is_a_problem(letter: Path, tmp_path: Path):
    with pikepdf.open(letter) as document:
        document.pages[1].obj.Contents = document.make_stream(b"")  # the second page's content lost
        document.save(tmp_path / "blank.pdf")
    assert structure_problem(tmp_path / "blank.pdf", 2) == ""  # well-formed: only drawing it shows the loss
    assert (
        pdf_problem(tmp_path / "blank.pdf") == "PDF の 2 ページ目を描画すると白紙になります。もう一度実行してください"
    )
