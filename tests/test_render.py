"""Rendering: docxtpl's template language, compiled once, strict, escaped; broken templates rejected."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from helpers import DATA, invoke

from mailmerge.errors import TemplateRenderError
from mailmerge.render import CompiledTemplate, inspect_template

BROKEN = DATA / "broken_templates"


def make_template(path: Path) -> Path:
    document = Document()
    document.add_paragraph("{{ organisation }} 御中")
    split = document.add_paragraph()
    # Word often splits a tag over several runs (spell check, edits); docxtpl joins them.
    split.add_run("会員番号 {{ mem")
    split.add_run("ber_id }}")
    for text in ("{%p if enrolled %}", "更新書類を同封しております。", "{%p else %}", "ご加入をご検討ください。", "{%p endif %}"):
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
    "unclosed_tag.docx": "差し込みタグの書き方に誤りがあります (unexpected '}')。付近の文: 「{{ organisation }} 御中 / 拝啓 {{ issue_date }敬具」",
    "missing_endif.docx": (
        "差し込みタグの書き方に誤りがあります (Unexpected end of template. Jinja was looking for the following tags: "
        "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.)。"
        "付近の文: 「{{ organisation }} 御中{% if enrolled %} / 更新書類を同封しております。」"
    ),
    "unknown_variable.docx": "差し込み項目 'organisaton' は名簿にも mailmerge.toml にもありません。テンプレートの綴りを直すか、mailmerge.toml に追加してください",
    "linked_image.docx": "外部の image にリンクしています（変換時に LibreOffice が外部から取得します）。図はリンクせず文書に貼り付けてください",
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
    assert ran.output.splitlines()[-1] == "Error: 名簿またはテンプレートにエラーが 1 件あります。何も作成していません。直してから、もう一度実行してください。"
    assert not out.exists()


def test_a_line_break_typed_in_a_cell_prints_as_a_line_break(tmp_path: Path) -> None:
    template = CompiledTemplate(make_template(tmp_path / "t.docx"), "letter")
    rendered = template.render({"organisation": "甲画像診断センター\n東館", "member_id": "0001", "enrolled": True, "cycle": "2024"})
    out = tmp_path / "out.docx"
    out.write_bytes(rendered.docx)
    first = Document(out).paragraphs[0]
    assert first._p.xml.count("<w:br/>") == 1
    assert first.text == "甲画像診断センター\n東館 御中"
