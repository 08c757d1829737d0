"""Checking members' PDFs by their page marks: the right member, whole, every page, nobody else's name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures.samples import CYCLE, member_docx, write_member_docx

from mailmerge import bundle, pdf, verify
from mailmerge.errors import VerificationError

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
    conversions = [pdf.Conversion(docx, docx.with_suffix(".pdf")) for docx in sorted(folder.glob("*.docx"))]
    pdf.convert_to_pdf(conversions, timeout=60, temp_root=folder)
    return folder


@pytest.fixture(scope="module")
def names() -> verify.MemberNames:
    return verify.MemberNames(NAMES)


def check(path: Path, member_id: str, names: verify.MemberNames, **options) -> str:
    """Return the VerificationError's message, checking it never shows a member's name."""
    with pytest.raises(VerificationError) as caught:
        verify.verify_member_pdf(path, member_id, names, cycle=options.pop("cycle", CYCLE), document="letter", **options)
    message = str(caught.value)
    assert not any(name in message for name in NAMES.values())
    return message


def test_a_good_pdf_passes_and_gives_its_page_count(pdfs: Path, names: verify.MemberNames):
    assert verify.verify_member_pdf(pdfs / "V001.pdf", "V001", names, cycle=CYCLE, expected_pages=2) == 2


def test_another_members_name_is_caught(pdfs: Path, names: verify.MemberNames):
    assert check(pdfs / "V003-mixed.pdf", "V003", names) == "会員番号 V003 (letter): PDF に別の会員の名前があります（会員番号 V002）"


def test_another_members_pdf_is_caught_by_its_mark(pdfs: Path, names: verify.MemberNames):
    assert check(pdfs / "V002.pdf", "V001", names) == "会員番号 V001 (letter): 1 ページ目の印字が 'V002 · 2024 · 1/1' です（正しくは 'V001 · 2024 · 1/1'）"


def test_a_wrong_cycle_is_caught(pdfs: Path, names: verify.MemberNames):
    assert check(pdfs / "V002.pdf", "V002", names, cycle="2025") == (
        "会員番号 V002 (letter): 1 ページ目の印字が 'V002 · 2024 · 1/1' です（正しくは 'V002 · 2025 · 1/1'）"
    )


def test_a_wrong_page_count_is_caught(pdfs: Path, names: verify.MemberNames):
    assert check(pdfs / "V001.pdf", "V001", names, expected_pages=1) == "会員番号 V001 (letter): PDF が 2 ページあります（1 ページのはず）"


def test_a_missing_name_is_caught(pdfs: Path):
    others = verify.MemberNames({**NAMES, "V002": "株式会社黒松画像診断"})
    assert check(pdfs / "V002.pdf", "V002", others) == "会員番号 V002 (letter): PDF にこの会員の名前がありません"


def test_a_truncated_or_missing_pdf_is_caught(pdfs: Path, names: verify.MemberNames, tmp_path: Path):
    data = (pdfs / "V001.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    assert check(tmp_path / "cut.pdf", "V001", names) == "会員番号 V001 (letter): PDF が途中で切れているか PDF ではありません。もう一度実行してください"
    assert check(tmp_path / "none.pdf", "V001", names) == "会員番号 V001 (letter): PDF がありません (none.pdf)。もう一度実行してください"


def test_a_pdf_that_only_looks_whole_is_caught(pdfs: Path, names: verify.MemberNames, tmp_path: Path):
    shutil.copy(pdfs / "V001.pdf", tmp_path / "fake.pdf")
    with (tmp_path / "fake.pdf").open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\0" * 2000)  # damaged in the middle, %PDF- and %%EOF intact
    message = check(tmp_path / "fake.pdf", "V001", names)
    assert message.startswith("会員番号 V001 (letter): ")


def test_split_leaves_members_around_an_unmarked_page_for_a_retry(pdfs: Path, names: verify.MemberNames, tmp_path: Path):
    targets = {m: tmp_path / m / "letter.pdf" for m in NAMES}

    result = verify.split_bundle(pdfs / "unmarked-bundle.pdf", targets, names, cycle=CYCLE)

    assert result.failed == {
        "V001": "page 2 of the combined PDF has no readable mark of this cycle",
        "V002": "no page of the combined PDF carries this member's mark",
        "V003": "page 2 of the combined PDF has no readable mark of this cycle",
    }
    assert result.pages == {"V004": 1}
    assert sorted(p.parent.name for p in tmp_path.glob("*/letter.pdf")) == ["V004"]
    assert verify.verify_member_pdf(targets["V004"], "V004", names, cycle=CYCLE) == 1


def test_names_contained_in_the_members_own_name_do_not_count():
    names = verify.MemberNames({"N1": "山田太郎クリニック", "N2": "太郎クリニック", "N3": "医療法人 白樺会", "N4": "白樺会"})
    text = verify.normalize("宛先: 山田太郎クリニック 御中\n医療法人\u3000白樺会")

    assert names.mentioned(text, "N1") == {"N3"}
    assert names.mentioned(text, "N3") == {"N1"}
    assert names.mentioned(verify.normalize("白樺会"), "N1") == {"N4"}
