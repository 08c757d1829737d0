"""The mailing's Word templates: lean, built by tools/build_templates.py, and using only the context contract."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import zipfile
from pathlib import Path

import jinja2
import jinja2.meta
import jinja2.nodes
import pypdfium2
import pytest
from docx import Document
from docxtpl import DocxTemplate
from lxml import etree

from conftest import REPO
from mailmerge.config import load_config

TEMPLATES = {name: REPO / "templates" / f"{name}.docx" for name in ("letter", "overview")}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# The context contract (README, "Configuration"): what a template may read.
MEMBER_FIELDS = {
    "member_id", "organisation", "department", "representative_title", "representative_name",
    "postal_code", "address1", "address2", "group", "enrolled", "document",
}
CONSTANTS = {
    "cycle", "issue_date", "renewal_date", "return_deadline", "introduced", "association",
    "chairman_title", "chairman", "insurance_name",
}
CONTACTS = {
    "secretariat": {"name", "postal_code", "address", "tel"},
    "agent": {"name", "postal_code", "address", "tel", "tel_hours", "fax", "email"},
    "insurer": {"name", "postal_code", "address", "tel", "tel_hours", "fax"},
}

# The longest values the roster allows (mailmerge.toml [roster.max_length]), with ㈱, 髙, & and <.
ORG_40 = "㈱髙橋&<テスト>遠隔画像診断サービスセンター北海道札幌中央支社放射線科読影部門"
ADDRESS_40 = "北海道札幌市中央区北一条西二丁目一番地一号 札幌中央ビルディング第二別館十二階Ｂ"
DEPARTMENT_30 = "放射線科 遠隔読影センター 第一読影グループ品質管理担当課長"


def template_sources(path: Path) -> list[str]:
    """Return the body and footer XML as docxtpl hands them to Jinja."""
    tpl = DocxTemplate(path)
    tpl.init_docx()
    sources = [tpl.patch_xml(tpl.get_xml())]
    sources += [tpl.patch_xml(tpl.get_part_xml(part)) for _, part in tpl.get_headers_footers(tpl.FOOTER_URI)]
    return sources


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_is_lean_a4_and_opens_in_python_docx(name: str) -> None:
    path = TEMPLATES[name]
    assert path.stat().st_size < 25 * 1024
    section = Document(path).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    with zipfile.ZipFile(path) as package:
        parts = package.namelist()
        fonts = set()
        for part in ("word/styles.xml", "word/document.xml", "word/footer1.xml"):
            for r_fonts in etree.fromstring(package.read(part)).iter(f"{W}rFonts"):
                fonts |= set(r_fonts.attrib.values())
    assert not [p for p in parts if re.search(r"theme|stylesWithEffects|customXml|thumbnail|glossary", p)]
    assert fonts <= {"IPAexMincho", "IPAexGothic"}


def test_templates_are_what_the_build_script_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_templates", REPO / "tools" / "build_templates.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    builder.main(["--out", str(tmp_path)])
    for name, path in TEMPLATES.items():
        assert (tmp_path / f"{name}.docx").read_bytes() == path.read_bytes(), "run tools/build_templates.py"


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_reads_only_the_context_contract(name: str) -> None:
    env = jinja2.Environment()
    for source in template_sources(TEMPLATES[name]):
        tree = env.parse(source)
        assert jinja2.meta.find_undeclared_variables(tree) <= MEMBER_FIELDS | CONSTANTS | set(CONTACTS)
        for node in tree.find_all(jinja2.nodes.Getattr):
            assert isinstance(node.node, jinja2.nodes.Name)
            assert node.attr in CONTACTS[node.node.name], f"{node.node.name}.{node.attr}"


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_tag_is_whole_in_one_run(name: str) -> None:
    with zipfile.ZipFile(TEMPLATES[name]) as package:
        texts = [
            t.text or ""
            for part in ("word/document.xml", "word/footer1.xml")
            for t in etree.fromstring(package.read(part)).iter(f"{W}t")
        ]
    for text in texts:
        assert text.count("{{") == text.count("}}") and text.count("{%") == text.count("%}"), text
        if "{%p " in text:
            assert re.fullmatch(r"\{%p [^%]+ %\}", text), text


def test_longest_member_gets_a_one_page_letter_with_only_their_group_section(tmp_path: Path) -> None:
    constants = dict(load_config(REPO / "mailmerge.toml").constants)
    members = {
        "enrolled": dict(
            member_id="T-0001", organisation=ORG_40, department=DEPARTMENT_30,
            representative_title="代表取締役社長兼最高経営責任者兼統括医", representative_name="髙橋 一郎右衛門之助左衛門太郎次郎",
            postal_code="060-0001", address1=ADDRESS_40, address2=ADDRESS_40, group="enrolled", enrolled=True,
        ),
        "unenrolled": dict(
            member_id="T-0002", organisation=ORG_40, department=DEPARTMENT_30, representative_title="",
            representative_name="", postal_code="060-0001", address1=ADDRESS_40, address2="", group="unenrolled",
            enrolled=False,
        ),
    }
    docs = []
    for group, member in members.items():
        for name, path in TEMPLATES.items():
            tpl = DocxTemplate(path)
            env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
            tpl.render(constants | member | {"document": name}, jinja_env=env)
            tpl.save(tmp_path / f"{name}-{group}.docx")
            docs.append(str(tmp_path / f"{name}-{group}.docx"))
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
         "--outdir", str(tmp_path), *docs],
        check=True, capture_output=True, timeout=120,
    )

    def pages(stem: str) -> list[str]:
        # LibreOffice spaces kana from digits (2024 年), so compare without whitespace.
        pdf = pypdfium2.PdfDocument(tmp_path / f"{stem}.pdf")
        return [re.sub(r"\s+", "", page.get_textpage().get_text_range()) for page in pdf]

    enrolled, unenrolled = pages("letter-enrolled"), pages("letter-unenrolled")
    assert len(enrolled) == 1 and len(unenrolled) == 1
    assert "〈ご加入いただいている会員の皆さまへ〉" in enrolled[0] and "〈未加入の会員の皆さまへ〉" not in enrolled[0]
    assert "〈未加入の会員の皆さまへ〉" in unenrolled[0] and "更新手続に必要な書類" not in unenrolled[0]
    assert "代表取締役社長兼最高経営責任者兼統括医髙橋一郎右衛門之助左衛門太郎次郎様" in enrolled[0]
    assert ORG_40 + "御中" not in enrolled[0] and ORG_40 + "御中" in unenrolled[0]
    assert "T-0001·2024·1/1" in enrolled[0]

    overview = pages("overview-enrolled")
    assert 2 <= len(overview) <= 3
    assert "4.更新のお手続き" in "".join(overview) and "ご加入のご案内" not in "".join(overview)
    assert f"T-0001·2024·{len(overview)}/{len(overview)}" in overview[-1]
    assert "4.ご加入のご案内" in "".join(pages("overview-unenrolled"))
