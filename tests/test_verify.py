"""Checking members' PDFs by their page marks: the right member, whole, every page, nobody else's name."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from docx import Document
from docx.shared import Mm
from PIL import Image, ImageDraw

from fixtures.samples import CYCLE, member_docx, write_member_docx
from mailmerge import bundle, pdf, pdfcheck, verify
from mailmerge.cli import main
from mailmerge.errors import VerificationError

from helpers import SOFFICE_TIMEOUT, manifest_rows, pdf_text

NAMES = {
    "V001": "医療法人社団青葉会",
    "V002": "株式会社白樺画像診断",
    "V003": "合同会社みなと読影",
    "V004": "一般社団法人ひかり支援機構",
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Convert, once for the module, the PDFs the checks below look at."""
    folder = tmp_path_factory.mktemp("pdfs")
    write_member_docx(folder / "V001.docx", "V001", NAMES["V001"], 2)
    write_member_docx(folder / "V002.docx", "V002", NAMES["V002"])
    # A letter for V003 that also prints V002's name: what a mix-up in rendering would produce.
    write_member_docx(folder / "V003-mixed.docx", "V003", NAMES["V003"], extra=NAMES["V002"])
    # A bundle whose second member's footer has no mark.
    documents = [
        member_docx("V001", NAMES["V001"]),
        member_docx("V002", NAMES["V002"], mark=False),
        member_docx("V003", NAMES["V003"], 2),
        member_docx("V004", NAMES["V004"]),
    ]
    bundle.build_bundle([bundle.docx_parts(d) for d in documents], folder / "unmarked-bundle.docx")
    documents = [member_docx(m, NAMES[m], 2 if m == "V001" else 1) for m in NAMES]
    bundle.build_bundle([bundle.docx_parts(d) for d in documents], folder / "bundle.docx")
    conversions = [pdf.Conversion(docx, docx.with_suffix(".pdf")) for docx in sorted(folder.glob("*.docx"))]
    pdf.convert_to_pdf(conversions, timeout=SOFFICE_TIMEOUT, temp_root=folder)
    return folder


@pytest.fixture(scope="module")
def names() -> verify.MemberNames:
    return verify.MemberNames(NAMES)


def check(path: Path, member_id: str, names: verify.MemberNames, **options) -> str:
    """Return the VerificationError's message, checking it never shows a member's name."""
    with pytest.raises(VerificationError) as caught:
        verify.verify_member_pdf(
            path, member_id, names, cycle=options.pop("cycle", CYCLE), document="letter", **options
        )
    message = str(caught.value)
    assert not any(name in message for name in NAMES.values())
    return message


def test_a_pdf_converted_alone_is_rewritten_as_the_same_bytes_every_time(
    pdfs: Path, names: verify.MemberNames, tmp_path: Path
):
    """Issue 21: a member converted on its own (its bundle failed) keeps its approval through a rerun too."""
    folder = tmp_path / "again"
    folder.mkdir()
    write_member_docx(folder / "V001.docx", "V001", NAMES["V001"], 2)
    pdf.convert_to_pdf(
        [pdf.Conversion(folder / "V001.docx", folder / "V001.pdf")], timeout=SOFFICE_TIMEOUT, temp_root=folder
    )
    first = tmp_path / "V001.pdf"
    shutil.copyfile(pdfs / "V001.pdf", first)
    assert first.read_bytes() != (folder / "V001.pdf").read_bytes()
    for path in (first, folder / "V001.pdf"):
        assert verify.verify_member_pdf(path, "V001", names, cycle=CYCLE, expected_pages=2) == 2
        assert verify.rewrite_member_pdf(path, 2) == ""
        assert verify.verify_member_pdf(path, "V001", names, cycle=CYCLE, expected_pages=2) == 2
    assert first.read_bytes() == (folder / "V001.pdf").read_bytes()


def test_a_good_pdf_passes_and_gives_its_page_count(pdfs: Path, names: verify.MemberNames):
    assert verify.verify_member_pdf(pdfs / "V001.pdf", "V001", names, cycle=CYCLE, expected_pages=2) == 2


def test_another_members_name_is_caught(pdfs: Path, names: verify.MemberNames):
    assert (
        check(pdfs / "V003-mixed.pdf", "V003", names)
        == "会員番号 V003 (letter): PDF に別の会員の名前があります（会員番号 V002）"
    )


def test_another_members_pdf_is_caught_by_its_mark(pdfs: Path, names: verify.MemberNames):
    assert (
        check(pdfs / "V002.pdf", "V001", names)
        == "会員番号 V001 (letter): 1 ページ目の印字が 'V002 · 2024 · 1/1' です（正しくは 'V001 · 2024 · 1/1'）"
    )


def test_a_wrong_cycle_is_caught(pdfs: Path, names: verify.MemberNames):
    assert check(pdfs / "V002.pdf", "V002", names, cycle="2025") == (
        "会員番号 V002 (letter): 1 ページ目の印字が 'V002 · 2024 · 1/1' です（正しくは 'V002 · 2025 · 1/1'）"
    )


def test_a_wrong_page_count_is_caught(pdfs: Path, names: verify.MemberNames):
    assert (
        check(pdfs / "V001.pdf", "V001", names, expected_pages=1)
        == "会員番号 V001 (letter): PDF が 2 ページあります（1 ページのはず）"
    )


def test_a_missing_name_is_caught(pdfs: Path):
    others = verify.MemberNames({**NAMES, "V002": "株式会社黒松画像診断"})
    assert check(pdfs / "V002.pdf", "V002", others) == "会員番号 V002 (letter): PDF にこの会員の名前がありません"


def test_every_printed_field_of_the_recipient_block_is_read_back(pdfs: Path, names: verify.MemberNames):
    # The name prints; an address that did not (a glyph missing, a value cut off) is caught by its column.
    printed = (("会員名", NAMES["V002"]),)
    assert verify.verify_member_pdf(pdfs / "V002.pdf", "V002", names, cycle=CYCLE, printed=printed) == 1
    missing = (*printed, ("住所1", "東京都千代田区神田駿河台2丁目3番11号"))
    assert check(pdfs / "V002.pdf", "V002", names, printed=missing) == (
        "会員番号 V002 (letter): PDF の宛名に 住所1 の内容が見当たりません（フォントにない文字か、枠に入りきらなかった"
        "可能性があります）。mailmerge check で名簿を点検してください"
    )


def test_split_sends_a_member_whose_field_did_not_print_to_a_retry(
    pdfs: Path, names: verify.MemberNames, tmp_path: Path
):
    targets = {m: tmp_path / f"{m}.pdf" for m in NAMES}
    printed = {"V003": (("部署", "読影管理部"),)}
    result = verify.split_bundle(pdfs / "bundle.pdf", targets, names, cycle=CYCLE, printed=printed)
    assert sorted(result.pages) == sorted(set(NAMES) - {"V003"})
    assert "部署" in result.failed["V003"]
    assert not targets["V003"].exists()


def test_a_truncated_or_missing_pdf_is_caught(pdfs: Path, names: verify.MemberNames, tmp_path: Path):
    data = (pdfs / "V001.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    assert (
        check(tmp_path / "cut.pdf", "V001", names)
        == "会員番号 V001 (letter): PDF が途中で切れているか PDF ではありません。もう一度実行してください"
    )
    assert (
        check(tmp_path / "none.pdf", "V001", names)
        == "会員番号 V001 (letter): PDF がありません (none.pdf)。もう一度実行してください"
    )


def test_a_pdf_that_only_looks_whole_is_caught(pdfs: Path, names: verify.MemberNames, tmp_path: Path):
    shutil.copy(pdfs / "V001.pdf", tmp_path / "fake.pdf")
    with (tmp_path / "fake.pdf").open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\0" * 2000)  # damaged in the middle, %PDF- and %%EOF intact
    message = check(tmp_path / "fake.pdf", "V001", names)
    assert message.startswith("会員番号 V001 (letter): PDF が壊れています（PDF の検査: ")
    assert message.endswith("）。もう一度実行してください")


def test_split_leaves_members_around_an_unmarked_page_for_a_retry(
    pdfs: Path, names: verify.MemberNames, tmp_path: Path
):
    targets = {m: tmp_path / m / "letter.pdf" for m in NAMES}

    result = verify.split_bundle(pdfs / "unmarked-bundle.pdf", targets, names, cycle=CYCLE)

    assert result.failed == {
        "V001": "一括変換した PDF の 2 ページ目に、この年度の読める印字がありません",
        "V002": "一括変換した PDF に、この会員の印字のあるページがありません",
        "V003": "一括変換した PDF の 2 ページ目に、この年度の読める印字がありません",
    }
    assert result.pages == {"V004": 1}
    assert sorted(p.parent.name for p in tmp_path.glob("*/letter.pdf")) == ["V004"]
    assert verify.verify_member_pdf(targets["V004"], "V004", names, cycle=CYCLE) == 1


def test_names_contained_in_the_members_own_name_do_not_count():
    names = verify.MemberNames(
        {"N1": "山田太郎クリニック", "N2": "太郎クリニック", "N3": "医療法人 白樺会", "N4": "白樺会"}
    )
    text = verify.normalize("宛先: 山田太郎クリニック 御中\n医療法人\u3000白樺会")

    assert names.mentioned(text, "N1") == {"N3"}
    assert names.mentioned(text, "N3") == {"N1"}
    assert names.mentioned(verify.normalize("白樺会"), "N1") == {"N4"}


def poppler_reads(path: Path) -> bool:
    """Return True when poppler (not the code under test) reads the PDF without a complaint."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return info.returncode == 0 and text.returncode == 0 and not info.stderr and not text.stderr


def qpdf_reads(path: Path) -> bool:
    """Return True when qpdf, repair mode off, reads every object of the PDF without a warning."""
    try:
        with pikepdf.open(path, attempt_recovery=False) as document:
            return not document.check_pdf_syntax() and not document.get_warnings()
    except pikepdf.PdfError:
        return False


def test_ctrl_c_inside_the_save_is_raised_and_leaves_no_pdf(
    pdfs: Path, names: verify.MemberNames, tmp_path: Path, monkeypatch
):
    # Issue 10: a KeyboardInterrupt raised while a member's PDF was being saved was swallowed,
    # and the save went on with a block missing. Raise one inside the save, half-way through.
    real_save = pikepdf.Pdf.save
    saves = []

    class Interrupted(io.BytesIO):
        def write(self, data):
            if self.tell() > 2000:
                raise KeyboardInterrupt
            return super().write(data)

    def interrupted_save(self, filename, *args, **kwargs):
        saves.append(filename)
        if len(saves) == 2:  # the second member's file
            return real_save(self, Interrupted(), *args, **kwargs)
        return real_save(self, filename, *args, **kwargs)

    monkeypatch.setattr(pikepdf.Pdf, "save", interrupted_save)
    targets = {m: tmp_path / m / "letter.pdf" for m in NAMES}
    with pytest.raises(KeyboardInterrupt):
        verify.split_bundle(pdfs / "bundle.pdf", targets, names, cycle=CYCLE)

    # The first member's PDF was finished before the interruption, and is whole; nothing else was written.
    assert len(saves) == 2
    assert sorted(tmp_path.rglob("*.pdf")) == [targets["V001"]]
    assert qpdf_reads(targets["V001"]) and poppler_reads(targets["V001"])
    assert not list(tmp_path.rglob(".*"))


def test_a_save_that_lost_a_block_is_never_listed(pdfs: Path, names: verify.MemberNames, tmp_path: Path, monkeypatch):
    # What PDFium's save did when a Ctrl-C was swallowed: the file is written complete in form
    # (%PDF- ... %%EOF) with a block of its middle missing. Poppler: "Couldn't find trailer dictionary".
    real_write = pdfcheck.write_atomic
    calls = []

    def write_losing_a_block(path: Path, data: bytes, **options):
        calls.append(path)
        if path.parent.name == "V004":
            data = data[:4096] + data[8192:]
        return real_write(path, data, **options)

    monkeypatch.setattr(pdfcheck, "write_atomic", write_losing_a_block)
    targets = {m: tmp_path / m / "letter.pdf" for m in NAMES}
    result = verify.split_bundle(pdfs / "bundle.pdf", targets, names, cycle=CYCLE)

    assert [p.parent.name for p in calls] == list(NAMES)
    assert result.pages == {"V001": 2, "V002": 1, "V003": 1}
    assert list(result.failed) == ["V004"]
    assert result.failed["V004"].startswith("PDF が壊れています（PDF の検査: ")
    assert sorted(tmp_path.rglob("*.pdf")) == [targets[m] for m in ("V001", "V002", "V003")]
    assert all(qpdf_reads(targets[m]) and poppler_reads(targets[m]) for m in result.pages)
    assert not list(tmp_path.rglob(".*"))


def test_every_pdf_split_from_a_bundle_is_read_whole_by_qpdf_and_poppler(
    pdfs: Path, names: verify.MemberNames, tmp_path: Path
):
    targets = {m: tmp_path / m / "letter.pdf" for m in NAMES}
    result = verify.split_bundle(pdfs / "bundle.pdf", targets, names, cycle=CYCLE)
    assert result.pages == {"V001": 2, "V002": 1, "V003": 1, "V004": 1} and not result.failed
    assert all(qpdf_reads(targets[m]) and poppler_reads(targets[m]) for m in NAMES)
    assert all(verify.verify_member_pdf(targets[m], m, names, cycle=CYCLE) == result.pages[m] for m in NAMES)


def listed_pdfs(out: Path) -> list[Path]:
    return [out / row["pdf"] for row in manifest_rows(out)]


def test_a_run_whose_split_loses_a_block_lists_only_whole_pdfs(config_in, tmp_path: Path, monkeypatch):
    real_write = pdfcheck.write_atomic
    damaged: list[Path] = []

    def write_losing_a_block(path: Path, data: bytes, **options):
        if not damaged:  # the first member's PDF split from a combined one, or composed over shared pages
            damaged.append(path)
            data = data[:4096] + data[8192:]
        return real_write(path, data, **options)

    monkeypatch.setattr(pdfcheck, "write_atomic", write_losing_a_block)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", "--config", str(config_in()), "--out", str(out), "--limit", "3", "--quiet"]
    )

    assert result.exit_code == 0, result.output
    assert damaged
    listed = listed_pdfs(out)
    assert len(listed) == 6  # the damaged one was converted again on its own
    assert all(qpdf_reads(p) and poppler_reads(p) for p in listed)


def test_ctrl_c_while_member_pdfs_are_saved_stops_the_run_and_lists_no_broken_pdf(
    config_in, tmp_path: Path, monkeypatch
):
    real_save = pikepdf.Pdf.save
    saves: list[object] = []

    def interrupted_save(self, filename, *args, **kwargs):
        saves.append(filename)
        if len(saves) == 2:
            raise KeyboardInterrupt
        return real_save(self, filename, *args, **kwargs)

    monkeypatch.setattr(pikepdf.Pdf, "save", interrupted_save)
    out = tmp_path / "out"
    config = config_in()
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--out", str(out), "--limit", "3", "--quiet"])

    assert result.exit_code == 130, result.output
    assert not (out / "manifest.csv").exists()
    assert all(qpdf_reads(p) and poppler_reads(p) for p in out.glob("*/*/*.pdf"))

    monkeypatch.setattr(pikepdf.Pdf, "save", real_save)
    rerun = CliRunner().invoke(main, ["run", "--config", str(config), "--out", str(out), "--limit", "3", "--quiet"])
    assert rerun.exit_code == 0, rerun.output
    listed = listed_pdfs(out)
    assert len(listed) == 6 and all(qpdf_reads(p) and poppler_reads(p) for p in listed)


def damage_a_font(source: Path, target: Path) -> None:
    """Write ``source`` with a block of its first embedded font's compressed program zeroed."""
    with pikepdf.open(source) as document:
        fonts = [o for o in document.objects if isinstance(o, pikepdf.Dictionary) and "/FontFile2" in o]
        assert fonts
        raw = bytearray(fonts[0].FontFile2.read_raw_bytes())
        raw[len(raw) // 2 : len(raw) // 2 + 64] = b"\0" * 64
        fonts[0].FontFile2.write(bytes(raw), filter=pikepdf.Name.FlateDecode)  # written as it is, still "compressed"
        document.save(target)


def test_a_combined_pdf_with_a_damaged_font_is_refused(pdfs: Path, names: verify.MemberNames, tmp_path: Path):
    # qpdf inflates the damaged program without a word (it ignores the Adler-32); the text still reads.
    damaged = tmp_path / "bundle.pdf"
    damage_a_font(pdfs / "bundle.pdf", damaged)
    assert "医療法人社団青葉会" in pdf_text(damaged)
    with pikepdf.open(damaged, attempt_recovery=False) as opened:
        assert pdfcheck.streams_problem(opened).startswith("PDF が壊れています（PDF の検査: ")
    targets = {m: tmp_path / m / "letter.pdf" for m in NAMES}

    with pytest.raises(VerificationError) as caught:
        verify.split_bundle(damaged, targets, names, cycle=CYCLE)

    assert str(caught.value).startswith("一括変換した PDF (bundle.pdf) を読めません（PDF ")
    assert not any(target.exists() for target in targets.values())


def test_a_member_pdf_converted_alone_with_a_damaged_font_is_caught(
    pdfs: Path, names: verify.MemberNames, tmp_path: Path
):
    damage_a_font(pdfs / "V002.pdf", tmp_path / "V002.pdf")
    message = check(tmp_path / "V002.pdf", "V002", names)
    assert message.startswith("会員番号 V002 (letter): PDF が壊れています（PDF の検査: ")


def test_a_picture_and_a_nearly_empty_last_page_pass(names: verify.MemberNames, tmp_path: Path):
    # What the secretariat may add in Word: the association's seal (LibreOffice exports it as JPEG,
    # which qpdf decodes too) and a closing 以上 alone on the last page (drawn small, it looks white).
    seal = tmp_path / "seal.png"
    image = Image.new("RGB", (120, 120), "white")
    ImageDraw.Draw(image).ellipse((5, 5, 115, 115), outline="red", width=8)
    image.save(seal)
    parts = []
    for member_id in ("V001", "V002"):
        document = Document(io.BytesIO(member_docx(member_id, NAMES[member_id])))
        document.add_picture(str(seal), width=Mm(25))
        document.add_page_break()
        document.add_paragraph("以上")
        buffer = io.BytesIO()
        document.save(buffer)
        parts.append(bundle.docx_parts(buffer.getvalue()))
    bundle.build_bundle(parts, tmp_path / "pictured.docx")
    pdf.convert_to_pdf(
        [pdf.Conversion(tmp_path / "pictured.docx", tmp_path / "pictured.pdf")],
        timeout=SOFFICE_TIMEOUT,
        temp_root=tmp_path,
    )
    targets = {m: tmp_path / m / "letter.pdf" for m in ("V001", "V002")}

    result = verify.split_bundle(tmp_path / "pictured.pdf", targets, names, cycle=CYCLE)

    assert result.failed == {}
    assert result.pages == {"V001": 2, "V002": 2}
    for member_id, target in targets.items():
        assert verify.verify_member_pdf(target, member_id, names, cycle=CYCLE) == 2
        assert pdf_text(target, 2).split()[0] == "以上"


def test_what_a_template_prints_by_itself_is_no_other_members_mention() -> None:
    # Issue 25: the letter's own 「ATS」 (once in the body, once in every page's footer) named member 「ATS」.
    names = verify.MemberNames(
        {"0001": "ATS", "0002": "株式会社ひかり"}, {"letter": [("本保険はATS会員の制度", "ATS")]}
    )
    letter = names.for_document("letter")
    page = verify.normalize("株式会社ひかり 本保険は ATS 会員の制度 ATS")
    assert letter.mentioned(page, "0002") == set()
    assert letter.mentioned(page + "ATS", "0002", pages=2) == set()  # the footer's on the second page
    # Once more than the template prints: another member's name after all.
    assert letter.mentioned(page + "ATS", "0002") == {"0001"}
    assert names.for_document("overview").mentioned(page, "0002") == {"0001"}
    assert names.mentioned(page, "0002") == {"0001"}
    assert names.in_template_text() == {"0001": ("letter",)}
