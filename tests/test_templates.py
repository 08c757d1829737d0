"""The mailing's Word templates, as the secretariat keeps them in Word: what the pipeline needs of them.

The .docx files in templates/ are the source of truth (edited in Word, not generated): these tests
check what the run relies on, not how the files were made and not their wording (the secretariat's
to change): only variables the pipeline provides, the page mark in the footer, both groups'
paragraphs, a one-page letter for the longest names, fonts embedded. That a wording edit saved the
way Word saves it prints is tested on the frozen copy the other tests read (helpers.TEMPLATES).
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pypdfium2
import pytest
from click.testing import CliRunner
from docx import Document
from lxml import etree

from mailmerge import pdf
from mailmerge.cli import main
from mailmerge.config import load_config
from mailmerge.mail import EMAIL_TEMPLATE, EmailTemplate
from mailmerge.models import Member
from mailmerge.pipeline import member_context, provided_variables
from mailmerge.render import CompiledTemplate
from mailmerge.templatecheck import inspect_template

from conftest import REPO
from helpers import SOFFICE_TIMEOUT, manifest_rows, pdf_text
from helpers import TEMPLATES as FROZEN

TEMPLATES = {name: REPO / "templates" / f"{name}.docx" for name in ("letter", "overview")}
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"

# The longest values the roster allows (mailmerge.toml [roster.max_length]), with ㈱, 髙, & and <.
ORG_40 = "㈱髙橋&<テスト>遠隔画像診断サービスセンター北海道札幌中央支社放射線科読影部門"
ADDRESS_40 = "北海道札幌市中央区北一条西二丁目一番地一号 札幌中央ビルディング第二別館十二階Ｂ"
DEPARTMENT_30 = "放射線科 遠隔読影センター 第一読影グループ品質管理担当課長"
LONGEST = {
    "enrolled": Member(
        2,
        "T-0001",
        "enrolled",
        dict(
            organisation=ORG_40,
            department=DEPARTMENT_30,
            representative_title="代表取締役社長兼最高経営責任者兼統括医",
            representative_name="髙橋 一郎右衛門之助左衛門太郎次郎",
            postal_code="060-0001",
            address1=ADDRESS_40,
            address2=ADDRESS_40,
            honorific="先生",
        ),
    ),
    "unenrolled": Member(
        3,
        "T-0002",
        "unenrolled",
        dict(
            organisation=ORG_40,
            department=DEPARTMENT_30,
            representative_title="",
            representative_name="",
            postal_code="060-0001",
            address1=ADDRESS_40,
            address2="",
            honorific="様",
        ),
    ),
}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def render(name: str, member: Member) -> bytes:
    constants = load_config(REPO / "mailmerge.toml").constants
    return (
        CompiledTemplate(TEMPLATES[name], name).render(member_context(member, name, constants), member.member_id).docx
    )


def docx_paragraphs(data: bytes, tmp_path: Path) -> list[str]:
    """Return the text of every paragraph of the body, tables included, as python-docx reads it."""
    path = tmp_path / "read.docx"
    path.write_bytes(data)
    body = Document(path).element.body
    return [squash("".join(t.text or "" for t in p.iter(f"{W}t"))) for p in body.iter(f"{W}p")]


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_uses_only_variables_the_pipeline_provides(name: str) -> None:
    config = load_config(REPO / "mailmerge.toml")
    compiled, problems = inspect_template(TEMPLATES[name], name, provided_variables(config), f"templates/{name}.docx")
    assert compiled is not None and [str(p) for p in problems] == []
    assert {"member_id", "organisation"} <= compiled.variables


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_is_a4(name: str) -> None:
    section = Document(TEMPLATES[name]).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def footer_line(footer_xml: bytes) -> str:
    """Return a footer as it prints, fields shown by name: "0001 · 2024 · {PAGE}/{NUMPAGES}"."""
    line = []
    for element in etree.fromstring(footer_xml).iter(f"{W}t", f"{W}fldSimple", f"{W}instrText", f"{W}fldChar"):
        if element.tag == f"{W}fldSimple":
            line.append("{" + element.get(f"{W}instr").split()[0] + "}")
        elif element.tag == f"{W}instrText":
            line.append("{" + (element.text or "").split()[0] + "}")
        elif element.tag == f"{W}fldChar":
            line.append({"begin": "<", "separate": "|", "end": ">"}[element.get(f"{W}fldCharType")])
        elif not any(a.tag == f"{W}fldSimple" for a in element.iterancestors()):
            line.append(element.text or "")
    # A complex field prints its result between "separate" and "end": show its instruction instead.
    return re.sub(r"<([^|>]*)\|[^>]*>", r"\1", "".join(line))


@pytest.mark.parametrize("name", TEMPLATES)
def test_footer_prints_the_page_mark_verification_reads(name: str) -> None:
    # verify.py reads "<member_id> · <cycle> · n/m" on every page; bundle.py turns the page
    # total (NUMPAGES or SECTIONPAGES) into each member's own.
    with zipfile.ZipFile(io.BytesIO(render(name, LONGEST["enrolled"]))) as package:
        footers = [footer_line(package.read(n)) for n in package.namelist() if re.fullmatch(r"word/footer\d*\.xml", n)]
    assert footers
    for footer in footers:
        assert re.search(r"T-0001 · 2024 · \{PAGE\}/\{(NUMPAGES|SECTIONPAGES)\}", footer), footer


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_group_gets_its_own_paragraphs(name: str, tmp_path: Path) -> None:
    enrolled = docx_paragraphs(render(name, LONGEST["enrolled"]), tmp_path)
    unenrolled = docx_paragraphs(render(name, LONGEST["unenrolled"]), tmp_path)
    only_enrolled = [p for p in enrolled if p and p not in unenrolled]
    only_unenrolled = [p for p in unenrolled if p and p not in enrolled]
    # Beyond the address block (a representative's name, or 御中), each group has its own paragraphs.
    assert len([p for p in only_enrolled if "髙橋" not in p]) >= 1
    assert len([p for p in only_unenrolled if "御中" not in p]) >= 1


@pytest.mark.parametrize("group", LONGEST)
def test_the_email_template_fills_for_each_group_with_a_subject(group: str) -> None:
    # What sending needs of templates/email.txt (its wording is the secretariat's): a 件名 line and a
    # body that fill for a member of either group from what the run provides (strict: nothing blank).
    constants = load_config(REPO / "mailmerge.toml").constants
    template = EmailTemplate(REPO / EMAIL_TEMPLATE)
    member = LONGEST[group]
    subject, body = template.render(member_context(member, "email", constants), member.member_id)
    assert subject and "\n" not in subject and "{" not in subject
    assert ORG_40 in body and "{{" not in body and "{%" not in body


@pytest.fixture(scope="module")
def longest_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Both templates rendered for the longest member of each group, converted by LibreOffice."""
    folder = tmp_path_factory.mktemp("longest")
    docs = {}
    for group, member in LONGEST.items():
        for name in TEMPLATES:
            path = folder / f"{name}-{group}.docx"
            path.write_bytes(render(name, member))
            docs[name, group] = path
    # The project's own engine: its deadline kills soffice's whole process group (a subprocess
    # timeout would kill only the launcher and leave soffice.bin running), and it cleans up.
    conversions = [
        pdf.Conversion(path, path.with_suffix(".pdf"), f"{name} {group}") for (name, group), path in docs.items()
    ]
    pdf.convert_to_pdf(conversions, timeout=SOFFICE_TIMEOUT, temp_root=folder)
    return {key: path.with_suffix(".pdf") for key, path in docs.items()}


def pdf_pages(path: Path) -> list[str]:
    # LibreOffice spaces kana from digits (2024 年), so compare without whitespace.
    document = pypdfium2.PdfDocument(path)
    return [squash(page.get_textpage().get_text_range()) for page in document]


def test_longest_member_gets_a_one_page_letter_marked_and_addressed(longest_pdfs) -> None:
    enrolled, unenrolled = (
        pdf_pages(longest_pdfs["letter", "enrolled"]),
        pdf_pages(longest_pdfs["letter", "unenrolled"]),
    )
    assert len(enrolled) == 1 and len(unenrolled) == 1
    assert "代表取締役社長兼最高経営責任者兼統括医髙橋一郎右衛門之助左衛門太郎次郎先生" in enrolled[0]
    # 御中 goes after the department when there is one (株式会社X 総務部 御中), never after both.
    assert "御中" not in enrolled[0] and squash(DEPARTMENT_30) + "御中" in unenrolled[0]
    assert unenrolled[0].count("御中") == 1
    assert squash(ADDRESS_40) in enrolled[0] and squash(DEPARTMENT_30) in enrolled[0]


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_page_carries_the_mark_and_only_its_groups_paragraphs(name: str, longest_pdfs, tmp_path: Path) -> None:
    texts = {}
    for group, member in LONGEST.items():
        pages = pdf_pages(longest_pdfs[name, group])
        assert 1 <= len(pages) <= 3
        for number, page in enumerate(pages, start=1):
            assert f"{member.member_id}·2024·{number}/{len(pages)}" in page
        texts[group] = "".join(pages)
    paragraphs = {group: docx_paragraphs(render(name, member), tmp_path) for group, member in LONGEST.items()}
    for own, other in (("enrolled", "unenrolled"), ("unenrolled", "enrolled")):
        # The paragraphs only this group gets (beyond its address block) print for it, and not for the other
        # group (unless the other's text holds them anyway: "…のご案内" is part of "…更新のご案内").
        own_only = [
            p for p in paragraphs[own] if p and p not in paragraphs[other] and "御中" not in p and "様" not in p
        ]
        assert own_only
        for paragraph in own_only:
            assert paragraph in texts[own], paragraph
            if paragraph not in "".join(paragraphs[other]):
                assert paragraph not in texts[other], paragraph


@pytest.mark.parametrize("name", TEMPLATES)
def test_fonts_are_embedded_and_installed(name: str, longest_pdfs) -> None:
    for group in LONGEST:
        path = longest_pdfs[name, group]
        listing = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert listing, f"{path.name} lists no fonts"
        for line in listing:
            fields = line.split()
            font, embedded = fields[0], fields[-5]
            assert embedded == "yes", line
            # The fonts the install script puts on the machine: another font would be substituted.
            assert re.fullmatch(r"[A-Z]{6}\+IPAex(Mincho|Gothic)", font), line


# --- a wording edit saved by Word ---------------------------------------------------------------

RSID_EDIT, RSID_PROOF = "00C4A2F1", "00E81B37"


def split_run(run: etree._Element, text: str, rsid: str) -> etree._Element:
    """Split ``run`` around the first ``text`` in it, as Word does after an edit; return the middle run.

    Each piece keeps the run's formatting; the middle one carries the edit's revision id (rsid).
    """
    t = run.find(f"{W}t")
    before, after = t.text.split(text, 1)
    pieces = []
    for piece, own_rsid in ((before, None), (text, rsid), (after, None)):
        new = etree.fromstring(etree.tostring(run))
        new.find(f"{W}t").text = piece
        new.find(f"{W}t").set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        if own_rsid:
            new.set(f"{W}rsidR", own_rsid)
            new.set(f"{W}rsidRPr", own_rsid)
        pieces.append(new)
    for piece in reversed(pieces):
        run.addnext(piece)
    run.getparent().remove(run)
    return pieces[1]


def run_with(body: etree._Element, text: str) -> etree._Element:
    return next(t.getparent() for t in body.iter(f"{W}t") if text in (t.text or ""))


def edit_like_word(source: Path, target: Path) -> None:
    """Copy the letter, change ご健勝 to ご清栄 the way Word saves it, and let Word split a tag too.

    Word keeps the edited characters in runs of their own, stamped with revision ids (w:rsid*),
    marks words its spell checker does not know with w:proofErr, leaves a _GoBack bookmark where
    the cursor was, and often splits a {{ tag }} over runs the same way.
    """
    with zipfile.ZipFile(source) as package:
        parts = {info: package.read(info) for info in package.infolist()}
    document = next(info for info in parts if info.filename == "word/document.xml")
    body = etree.fromstring(parts[document])

    edited = split_run(run_with(body, "ご健勝"), "ご健勝", RSID_EDIT)
    edited.find(f"{W}t").text = "ご"
    word = etree.fromstring(etree.tostring(edited))
    word.find(f"{W}t").text = "清栄"
    edited.addnext(word)
    start = etree.Element(f"{W}proofErr", {f"{W}type": "spellStart"})
    end = etree.Element(f"{W}proofErr", {f"{W}type": "spellEnd"})
    word.addprevious(start)
    word.addnext(end)
    end.addnext(etree.Element(f"{W}bookmarkStart", {f"{W}id": "0", f"{W}name": "_GoBack"}))
    end.getnext().addnext(etree.Element(f"{W}bookmarkEnd", {f"{W}id": "0"}))
    paragraph = edited.getparent()
    for attribute in ("rsidR", "rsidRDefault", "rsidP"):
        paragraph.set(f"{W}{attribute}", RSID_EDIT)

    # The tag {{ organisation }} split in two runs, a proofing mark between them.
    tag_run = run_with(body, "{{ organisation }}")
    half = split_run(tag_run, "{{ organisation }}", RSID_PROOF)
    tail = etree.fromstring(etree.tostring(half))
    half.find(f"{W}t").text, tail.find(f"{W}t").text = "{{ organi", "sation }}"
    half.addnext(tail)
    half.addnext(etree.Element(f"{W}proofErr", {f"{W}type": "spellStart"}))
    tail.addnext(etree.Element(f"{W}proofErr", {f"{W}type": "spellEnd"}))

    parts[document] = etree.tostring(body, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in parts.items():
            package.writestr(info, data)


def test_a_word_edited_in_word_prints_in_every_letter(config_in, tmp_path: Path) -> None:
    letter = tmp_path / "letter.docx"
    edit_like_word(FROZEN / "letter.docx", letter)
    xml = zipfile.ZipFile(letter).read("word/document.xml").decode()
    assert "ご健勝" not in xml and "清栄" in xml and "{{ organisation }}" not in xml  # really split
    config = config_in(letter=f'"{letter}"')
    runner = CliRunner()

    checked = runner.invoke(main, ["check", "--config", str(config)])
    assert checked.exit_code == 0, checked.output
    out = tmp_path / "out"
    ran = runner.invoke(main, ["run", "--config", str(config), "--out", str(out), "--limit", "4", "--quiet"])
    assert ran.exit_code == 0, ran.output

    rows = [row for row in manifest_rows(out) if row["document"] == "letter"]
    assert len(rows) == 4
    for row in rows:
        text = squash(pdf_text(out / row["pdf"]))
        assert "会員の皆さまにおかれましてはご清栄のこととお慶び申し上げます。" in text
        assert "ご健勝" not in text
        assert squash(row["name"]) in text
