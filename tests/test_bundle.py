"""Combining members' DOCX into one bundle: one conversion, split back into each member's own pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.samples import CYCLE, member_docx
from mailmerge import bundle, pdf, verify
from mailmerge.errors import BundleError

from helpers import SOFFICE_TIMEOUT, pdf_text

# Fictional members with different page counts: n/m must count per member, not per bundle.
MEMBERS = {"B001": ("医療法人社団青葉会", 1), "B002": ("株式会社白樺画像診断", 3), "B003": ("合同会社みなと読影", 2)}


def test_a_bundle_converts_once_and_splits_into_each_members_pages(tmp_path: Path):
    documents = [bundle.docx_parts(member_docx(m, name, pages)) for m, (name, pages) in MEMBERS.items()]
    bundle.build_bundle(documents, tmp_path / "bundle.docx")
    pdf.convert_to_pdf(
        [pdf.Conversion(tmp_path / "bundle.docx", tmp_path / "bundle.pdf")], timeout=SOFFICE_TIMEOUT, temp_root=tmp_path
    )
    targets = {m: tmp_path / m / "letter.pdf" for m in MEMBERS}

    names = verify.MemberNames({m: name for m, (name, _) in MEMBERS.items()})

    result = verify.split_bundle(tmp_path / "bundle.pdf", targets, names, cycle=CYCLE)

    assert result.pages == {"B001": 1, "B002": 3, "B003": 2} and result.failed == {}
    text = pdf_text(targets["B002"])
    assert [line.strip() for line in text.splitlines() if "·" in line] == [
        "B002 · 2024 · 1/3",
        "B002 · 2024 · 2/3",
        "B002 · 2024 · 3/3",
    ]
    assert "株式会社白樺画像診断" in text and "医療法人社団青葉会" not in text and "合同会社みなと読影" not in text
    for member, (_, pages) in MEMBERS.items():
        assert verify.verify_member_pdf(targets[member], member, names, cycle=CYCLE, expected_pages=pages) == pages


def test_documents_of_different_templates_are_not_combined():
    first = bundle.docx_parts(member_docx("B001", "医療法人社団青葉会"))
    second = bundle.docx_parts(member_docx("B002", "株式会社白樺画像診断"))
    second["word/styles.xml"] = second["word/styles.xml"].replace(b"IPAexMincho", b"IPAexGothic")

    with pytest.raises(BundleError) as caught:
        bundle.build_bundle([first, second], Path("bundle.docx"))

    assert (
        str(caught.value)
        == "2 件目の文書の word/styles.xml が 1 件目と違います（別のテンプレートか、画像が差し込まれた？）"
    )
    assert not Path("bundle.docx").exists()


NUMBERING = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b'<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    b'<w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'
    b'<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText '
    b'w:val="-"/></w:lvl></w:abstractNum>'
    b'<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
    b"</w:numbering>"
)


def _with_list(document: dict[str, bytes], num_id: int) -> dict[str, bytes]:
    document["word/numbering.xml"] = NUMBERING
    document["word/document.xml"] = document["word/document.xml"].replace(
        b"<w:p><w:r><w:t>",
        b'<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="%d"/></w:numPr></w:pPr><w:r><w:t>' % num_id,
        1,
    )
    return document


def test_numbered_lists_are_not_combined(tmp_path: Path):
    # Numbering would run on from one member to the next (member 2's list starting at 2).
    numbered = [_with_list(bundle.docx_parts(member_docx(m, name)), 1) for m, (name, _) in MEMBERS.items()]
    with pytest.raises(BundleError) as caught:
        bundle.build_bundle(numbered, tmp_path / "bundle.docx")
    assert (
        str(caught.value)
        == "テンプレートに番号付きの箇条書きがあり、まとめて変換すると番号が会員をまたいで続いてしまいます"
    )

    bulleted = [_with_list(bundle.docx_parts(member_docx(m, name)), 2) for m, (name, _) in MEMBERS.items()]
    bundle.build_bundle(bulleted, tmp_path / "bundle.docx")
    assert (tmp_path / "bundle.docx").is_file()
