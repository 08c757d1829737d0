"""Rendering: docxtpl's template language, compiled once, strict, escaped; broken templates rejected."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm
from docxtpl import DocxTemplate
from lxml import etree

from mailmerge.config import load_config
from mailmerge.errors import TemplateRenderError
from mailmerge.render import CompiledTemplate, strict_environment
from mailmerge.roster import load_roster
from mailmerge.templatecheck import inspect_template

from helpers import DATA, REPO, invoke

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

BROKEN = DATA / "broken_templates"


def make_template(path: Path) -> Path:
    document = Document()
    document.add_paragraph("{{ organisation }} 御中")
    split = document.add_paragraph()
    # Word often splits a tag over several runs (spell check, edits); docxtpl joins them.
    split.add_run("会員番号 {{ mem")
    split.add_run("ber_id }}")
    for text in (
        "{%p if enrolled %}",
        "更新書類を同封しております。",
        "{%p else %}",
        "ご加入をご検討ください。",
        "{%p endif %}",
    ):
        document.add_paragraph(text)
    document.sections[0].footer.paragraphs[0].text = "{{ member_id }} · {{ cycle }}"
    document.save(path)
    return path


def rendered_text(data: bytes, tmp_path: Path) -> tuple[list[str], str]:
    out = tmp_path / "out.docx"
    out.write_bytes(data)
    document = Document(out)
    return [p.text for p in document.paragraphs], document.sections[0].footer.paragraphs[0].text


def test_render_fills_split_tags_escapes_and_keeps_only_the_group_paragraph(tmp_path: Path) -> None:
    template = CompiledTemplate(make_template(tmp_path / "t.docx"), "letter")
    context = {"organisation": "A&B <メディカル> ㈱髙", "member_id": "0007", "enrolled": False, "cycle": "2024"}
    paragraphs, footer = rendered_text(template.render(context, "0007").docx, tmp_path)
    assert paragraphs == ["A&B <メディカル> ㈱髙 御中", "会員番号 0007", "ご加入をご検討ください。"]
    assert footer == "0007 · 2024"


def test_render_is_repeatable_per_member(tmp_path: Path) -> None:
    template = CompiledTemplate(make_template(tmp_path / "t.docx"), "letter")
    first = template.render({"organisation": "甲", "member_id": "0001", "enrolled": True, "cycle": "2024"})
    second = template.render({"organisation": "乙", "member_id": "0002", "enrolled": False, "cycle": "2024"})
    assert rendered_text(first.docx, tmp_path)[0] == ["甲 御中", "会員番号 0001", "更新書類を同封しております。"]
    assert rendered_text(second.docx, tmp_path)[0] == ["乙 御中", "会員番号 0002", "ご加入をご検討ください。"]


def test_the_same_inputs_give_the_same_docx_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The manifest's docx_sha256 must not change with the time a run loaded its templates.
    path = make_template(tmp_path / "t.docx")
    context = {"organisation": "甲", "member_id": "0001", "enrolled": True, "cycle": "2024"}
    first = CompiledTemplate(path, "letter").render(context).docx
    monkeypatch.setattr("time.time", lambda: 2_000_000_000.0)  # zipfile stamps parts with time.localtime()
    second = CompiledTemplate(path, "letter").render(context).docx
    assert first == second


def test_a_variable_nothing_provides_is_an_error_never_a_blank(tmp_path: Path) -> None:
    template = CompiledTemplate(make_template(tmp_path / "t.docx"), "letter", "templates/t.docx")
    with pytest.raises(TemplateRenderError) as raised:
        template.render({"organisation": "甲", "enrolled": True, "cycle": "2024"}, "0003")
    assert str(raised.value) == (
        "templates/t.docx: 会員番号 0003: 差し込み項目 'member_id' の値がありません"
        "（名簿にも mailmerge.toml にもありません）。テンプレートを直すか mailmerge.toml に追加してください"
    )


def test_variables_lists_every_name_the_template_reads(tmp_path: Path) -> None:
    template = CompiledTemplate(make_template(tmp_path / "t.docx"), "letter")
    assert template.variables == {"organisation", "member_id", "enrolled", "cycle"}


NOT_WORD = "Word 文書 (.docx) として読めません。Word で開き「Word 文書 (*.docx)」形式で保存し直してください"
BROKEN_TEMPLATE_ERRORS = {
    "unclosed_tag.docx": (
        "差し込みタグの書き方に誤りがあります (unexpected '}')。"
        "付近の文: 「{{ organisation }} 御中 / 拝啓 {{ issue_date }敬具」"
    ),
    "missing_endif.docx": (
        "差し込みタグの書き方に誤りがあります (Unexpected end of template. Jinja was looking for the following tags: "
        "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.)。"
        "付近の文: 「{{ organisation }} 御中{% if enrolled %} / 更新書類を同封しております。」"
    ),
    "unknown_variable.docx": "差し込み項目 'organisaton' は名簿にも mailmerge.toml "
    "にもありません。テンプレートの綴りを直すか、mailmerge.toml に追加してください",
    "linked_image.docx": "外部の image にリンクしています（変換時に LibreOffice "
    "が外部から取得します）。図はリンクせず文書に貼り付けてください",
    "include_picture.docx": "外部の内容を読み込む INCLUDEPICTURE フィールドがあります。削除してください",
    "not_a_word_file.docx": NOT_WORD,
    "truncated.docx": NOT_WORD,
    "no_document_part.docx": NOT_WORD,
}


@pytest.mark.parametrize("name", sorted(BROKEN_TEMPLATE_ERRORS))
def test_inspect_template_reports_the_broken_template(name: str) -> None:
    provided = {"organisation", "issue_date", "enrolled"}
    _, problems = inspect_template(BROKEN / name, "letter", provided, f"templates/{name}")
    assert [str(p) for p in problems] == [f"templates/{name}: {BROKEN_TEMPLATE_ERRORS[name]}"]


@pytest.mark.parametrize("name", sorted(BROKEN_TEMPLATE_ERRORS))
def test_check_and_run_reject_a_broken_template_and_write_nothing(name: str, config_in, tmp_path: Path) -> None:
    config = config_in(letter=f'"{BROKEN / name}"')
    checked = invoke("check", "--config", str(config))
    assert checked.exit_code == 1
    shown = str(BROKEN / name)
    assert f"{shown}: {BROKEN_TEMPLATE_ERRORS[name]}" in checked.output.splitlines()
    out = tmp_path / "out"
    ran = invoke("run", "--config", str(config), "--out", str(out))
    assert ran.exit_code == 1
    assert f"{shown}: {BROKEN_TEMPLATE_ERRORS[name]}" in ran.output.splitlines()
    assert (
        ran.output.splitlines()[-1]
        == "エラー: 名簿またはテンプレートにエラーが 1 件あります。何も作成していません。直してから、もう一度実行し"
        "てください。"
    )
    assert not out.exists()


def test_a_template_zip_bomb_is_refused_before_it_is_inflated(config_in, tmp_path: Path) -> None:
    """A letter.docx whose word/document.xml inflates to 40 MB of spaces: refused from its header, never read."""
    bomb = tmp_path / "letter.docx"
    with zipfile.ZipFile(REPO / "templates" / "letter.docx") as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts["word/document.xml"] = parts["word/document.xml"] + b" " * (40 * 2**20)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    with zipfile.ZipFile(bomb) as package:
        info = package.getinfo("word/document.xml")
    ratio = info.file_size // info.compress_size
    checked = invoke("check", "--config", str(config_in(letter=f'"{bomb}"')))
    assert checked.exit_code == 1
    assert (
        f"letter.docx: Word 文書の中の「word/document.xml」が展開すると 40 MB（圧縮の {ratio:,} 倍）になり、"
        "文面としてありえない大きさのため読みませんでした（壊れたファイルか、悪意のあるファイルの可能性）。"
        "元の文面を Word で開いて保存し直したものを使ってください"
    ) in checked.output.splitlines()


def test_a_line_break_typed_in_a_cell_prints_as_a_line_break(tmp_path: Path) -> None:
    template = CompiledTemplate(make_template(tmp_path / "t.docx"), "letter")
    rendered = template.render(
        {"organisation": "甲画像診断センター\n東館", "member_id": "0001", "enrolled": True, "cycle": "2024"}
    )
    out = tmp_path / "out.docx"
    out.write_bytes(rendered.docx)
    first = Document(out).paragraphs[0]
    assert first._p.xml.count("<w:br/>") == 1
    assert first.text == "甲画像診断センター\n東館 御中"


# --- parity with docxtpl: the compiled path gives the XML DocxTemplate.render gives -------------


def seal_png(size: int = 48) -> bytes:
    """Return a PNG of a red ring, like an association's seal (made here: no image library needed)."""
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            distance = ((x - size / 2) ** 2 + (y - size / 2) ** 2) ** 0.5
            row += bytes((200, 30, 30)) if size * 0.35 < distance < size * 0.47 else bytes((255, 255, 255))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def parity_template(path: Path) -> Path:
    """A template with what the secretariat may add in Word: tables with loops, a seal, a tag in the title."""
    document = Document()
    document.core_properties.title = "{{ organisation }} 更新のご案内"
    document.core_properties.subject = "会員番号 {{ member_id }}"
    document.add_paragraph("{{ organisation }} 御中")
    # A table with a row loop: one row per contract.
    rows = document.add_table(rows=3, cols=2)
    rows.cell(0, 0).text, rows.cell(0, 1).text = "契約", "保険料"
    rows.cell(1, 0).text = "{%tr for contract in contracts %}"
    rows.cell(2, 0).text, rows.cell(2, 1).text = "{{ contract.name }}", "{{ contract.fee }} 円"
    row_end = rows.add_row()
    row_end.cells[0].text = "{%tr endfor %}"
    # A table with a column loop: one column per year (docxtpl then fits the table's grid).
    columns = document.add_table(rows=2, cols=4)
    for row, (label, value) in enumerate((("年度", "{{ year }}"), ("加入", "○"))):
        cells = columns.rows[row].cells
        cells[0].text, cells[1].text, cells[2].text, cells[3].text = (
            label,
            "{%tc for year in years %}",
            value,
            "{%tc endfor %}",
        )
    # The seal, under the chairman's name, and once more in a repeated paragraph (two drawings, one picture).
    seal = path.with_suffix(".png")
    seal.write_bytes(seal_png())
    document.add_paragraph("理事長")
    document.add_picture(str(seal), width=Mm(15))
    document.add_paragraph("{%p for copy in copies %}")
    document.add_picture(str(seal), width=Mm(10))
    document.add_paragraph("{%p endfor %}")
    document.sections[0].footer.paragraphs[0].text = "{{ member_id }} · {{ cycle }}"
    document.save(path)
    return path


PARITY_CONTEXT = {
    "organisation": "医療法人社団青葉会",
    "member_id": "0007",
    "cycle": "2024",
    "enrolled": True,
    "contracts": [{"name": "賠償責任", "fee": "12,000"}, {"name": "サイバー", "fee": "3,000"}],
    "years": ["2022", "2023", "2024", "2025"],
    "copies": [1, 2],
}


def canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


def docxtpl_render(path: Path, context: dict, out: Path) -> Path:
    template = DocxTemplate(path)
    template.render(context, jinja_env=strict_environment())
    template.save(out)
    return out


def parts_of(data: bytes | Path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as package:
        return {name: package.read(name) for name in package.namelist()}


def assert_same_as_docxtpl(path: Path, context: dict, tmp_path: Path) -> dict[str, bytes]:
    ours = parts_of(CompiledTemplate(path, "letter").render(context).docx)
    theirs = parts_of(docxtpl_render(path, context, tmp_path / "docxtpl.docx"))
    templated = [name for name in ours if re.fullmatch(r"word/(document|header\d*|footer\d*|footnotes)\.xml", name)]
    assert "word/document.xml" in templated
    for name in templated:
        assert canonical(ours[name]) == canonical(theirs[name]), name
    media = sorted(name for name in ours if name.startswith("word/media/"))
    assert [ours[name] for name in media] == [theirs[name] for name in media]
    properties = ("title", "subject", "author", "comments", "identifier", "language")
    ours_file, theirs_file = tmp_path / "ours.docx", tmp_path / "docxtpl.docx"
    ours_file.write_bytes(CompiledTemplate(path, "letter").render(context).docx)
    assert [getattr(Document(ours_file).core_properties, p) for p in properties] == [
        getattr(Document(theirs_file).core_properties, p) for p in properties
    ]
    return ours


def test_tables_with_loops_a_seal_and_a_titled_document_render_as_docxtpl_renders_them(tmp_path: Path) -> None:
    ours = assert_same_as_docxtpl(parity_template(tmp_path / "parity.docx"), PARITY_CONTEXT, tmp_path)
    body = etree.fromstring(ours["word/document.xml"])
    ns = {"w": W_NS, "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"}
    column_table = body.findall(".//w:tbl", ns)[1]
    assert len(column_table.findall("w:tblGrid/w:gridCol", ns)) == 5  # 年度 + four years
    assert [d.get("id") for d in body.iterfind(".//wp:docPr", ns)] == ["1001", "1002", "1003"]
    document = Document(io.BytesIO(CompiledTemplate(tmp_path / "parity.docx", "letter").render(PARITY_CONTEXT).docx))
    assert document.core_properties.title == "医療法人社団青葉会 更新のご案内"
    assert [c.text for c in document.tables[0].rows[2].cells] == ["サイバー", "3,000 円"]


@pytest.mark.parametrize("name", ["letter", "overview"])
def test_the_mailings_templates_render_as_docxtpl_renders_them(name: str, tmp_path: Path) -> None:
    config = load_config(REPO / "mailmerge.toml")
    member = load_roster(config).members[0]
    context = {
        **config.constants,
        **member.fields,
        "member_id": member.member_id,
        "group": member.group,
        "enrolled": member.group == "enrolled",
        "document": name,
    }
    assert_same_as_docxtpl(REPO / "templates" / f"{name}.docx", context, tmp_path)


def test_a_tag_in_the_document_title_is_checked_like_the_others(tmp_path: Path) -> None:
    document = Document()
    document.core_properties.title = "{{ organisation }} 更新のご案内"
    document.add_paragraph("本文")
    document.save(tmp_path / "titled.docx")
    template = CompiledTemplate(tmp_path / "titled.docx", "letter", "templates/titled.docx")
    assert template.variables == {"organisation"}
    with pytest.raises(TemplateRenderError) as raised:
        template.render({"member_id": "0007"}, "0007")
    assert str(raised.value) == (
        "templates/titled.docx (文書のプロパティ): 会員番号 0007: 差し込み項目 'organisation' の値がありません"
        "（名簿にも mailmerge.toml にもありません）。テンプレートを直すか mailmerge.toml に追加してください"
    )
    rendered = Document(io.BytesIO(template.render({"organisation": "A&B <画像>"}).docx))
    assert rendered.core_properties.title == "A&B <画像> 更新のご案内"  # plain text: not XML-escaped twice


def test_check_finds_tags_that_would_print_as_they_are(config_in, tmp_path: Path) -> None:
    # Issue 21: full-width ｛｛ renewal_date ｝｝ printed literally in every letter, and check said OK.
    path = make_template(tmp_path / "letter.docx")
    document = Document(path)
    document.add_paragraph("更新日: ｛｛ renewal_date ｝｝")  # typed with the Japanese IME on
    document.add_paragraph("期限: {｛ return_deadline }}")
    document.add_paragraph("締切は { return_deadline }} です")  # one brace short: printed as typed
    document.sections[0].footer.add_paragraph("｛% if enrolled %｝加入")
    document.save(path)
    result = invoke("check", "--config", str(config_in(letter=f'"{path}"')))
    assert result.exit_code == 1
    fix = "半角の {{ }} や {% %} に直してください"
    path = path.name  # as shown from the working folder (the test's)
    assert [line for line in result.output.splitlines() if line.startswith(path)] == [
        f"{path}: 8 段落目「更新日: ｛｛ renewal_date ｝｝」: "
        f"全角の「｛｛」は差し込みタグとして働かず、そのまま印刷されます。{fix}",
        f"{path}: 9 段落目「期限: {{｛ return_deadline }}}}」: "
        f"全角の「{{｛」は差し込みタグとして働かず、そのまま印刷されます。{fix}",
        f"{path}: footer1.xml の 2 段落目「｛% if enrolled %｝加入」: "
        f"全角の「｛%」は差し込みタグとして働かず、そのまま印刷されます。{fix}",
        *(
            f"{path}: 差し込んだ文書の {number} 段落目「{text}」: 「}}}}」が残り、そのまま印刷されます。"
            "タグの {{ と }}、{% と %} が対になっているか確かめてください"
            for number, text in ((5, "期限: {｛ return_deadline }}"), (6, "締切は { return_deadline }} です"))
        ),
    ]


def test_a_template_reaching_python_s_internals_is_refused_not_run(tmp_path: Path) -> None:
    # Found by the red team: a template uploaded in the workspace ran a shell command as the server.
    marker = tmp_path / "pwned"
    payload = (
        "{% for c in organisation.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == '_wrap_close' %}"
        f"{{{{ c.__init__.__globals__['popen']('touch {marker}').read() }}}}{{% endif %}}{{% endfor %}}"
    )
    document = Document()
    document.add_paragraph(payload)
    document.save(tmp_path / "t.docx")
    template = CompiledTemplate(tmp_path / "t.docx", "letter", "templates/t.docx")
    with pytest.raises(TemplateRenderError) as raised:
        template.render({"organisation": "甲", "enrolled": True, "cycle": "2024", "member_id": "0001"}, "0001")
    assert str(raised.value).startswith("templates/t.docx: 会員番号 0001: 差し込みに失敗しました (")
    assert not marker.exists()
