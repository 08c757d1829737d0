"""The templates' fonts: found on this machine by their names, their character maps read, a missing one reported."""

from __future__ import annotations

import zipfile
from pathlib import Path

from click.testing import CliRunner
from fontTools.ttLib import TTFont

from mailmerge.cli import main
from mailmerge.fonts import advances, character_map, check_template_fonts, find_font, template_fonts

from conftest import REPO

TEMPLATES = {"letter": REPO / "templates" / "letter.docx", "overview": REPO / "templates" / "overview.docx"}


def test_templates_name_the_ipaex_fonts() -> None:
    for path in TEMPLATES.values():
        assert template_fonts(path) == ("IPAexMincho", "IPAexGothic")


def test_fonts_are_found_by_any_of_their_names_and_their_maps_read() -> None:
    mincho = find_font("IPAexMincho")
    assert mincho is not None and mincho[0].exists()
    assert find_font("IPAex明朝") == mincho and find_font("ipaexmincho") == mincho
    assert find_font("No Such Mincho") is None
    printable = character_map(*mincho)
    assert all(ord(c) in printable for c in "髙﨑㈱①Ⅱﾅ　あ亜A")
    assert not any(code in printable for code in (0x1F600, 0x200B, 0x202E, 0xE001))
    assert len(printable) == 11_999  # IPAexMincho's cmap, every code point once


def test_advance_widths_are_the_fonts_own() -> None:
    """What the frame's line breaks are measured with: each character's width, as fontTools reads it."""
    for family in ("IPAexMincho", "IPAexGothic"):
        path, number = find_font(family) or (None, 0)
        font = TTFont(str(path), fontNumber=number)
        cmap, metrics, units = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
        widths = advances(family)
        assert widths is not None
        for char in "東京都2丁目 3番11号　見本ビルディング Imaging ㈱ｱ〒&":
            assert widths(char) == metrics[cmap[ord(char)]][0] / units, (family, char)
        assert widths("東") == 1.0 and widths(" ") < 0.5 < widths("2") < 1.0
        assert widths("\U0001f600") is None
    assert advances("No Such Mincho") is None


def test_the_installed_templates_have_every_font() -> None:
    found = check_template_fonts(TEMPLATES)
    assert found.problems == ()
    assert sorted(found.maps) == ["IPAexGothic", "IPAexMincho"]


def copy_with_font(source: Path, target: Path, old: str, new: str) -> Path:
    """Copy a template, renaming one font everywhere (as Word does when the typeface is changed)."""
    with zipfile.ZipFile(source) as old_zip, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new_zip:
        for info in old_zip.infolist():
            new_zip.writestr(info, old_zip.read(info).replace(old.encode(), new.encode()))
    return target


def test_check_reports_a_font_the_templates_need_that_is_not_installed(config_in, tmp_path: Path) -> None:
    letter = copy_with_font(TEMPLATES["letter"], tmp_path / "letter.docx", "IPAexMincho", "ShinMincho Pro")
    overview = copy_with_font(TEMPLATES["overview"], tmp_path / "overview.docx", "IPAexGothic", "IPAexGothic Old")
    config = config_in(letter=f'"{letter}"', overview=f'"{overview}"')
    result = CliRunner().invoke(main, ["check", "--config", str(config)])
    missing = "がこのコンピューターにありません（PDF が別の書体になり、印刷できない文字が出ます）。"
    assert [line for line in result.output.splitlines() if "フォント" in line] == [
        f"letter.docx: テンプレートが使うフォント「ShinMincho Pro」{missing}そのフォントをインストールするか、"
        "Word でテンプレートの書体をIPAex明朝・IPAexゴシックに戻してください",
        f"overview.docx: テンプレートが使うフォント「IPAexGothic Old」{missing}そのフォントをインストールするか、"
        "Word でテンプレートの書体をIPAex明朝・IPAexゴシックに戻してください",
    ]
    assert result.exit_code == 1
