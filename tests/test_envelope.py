"""The letter's recipient block shows through a 長3 window envelope: read from the converted PDF's text positions."""

from __future__ import annotations

import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from mailmerge.cli import main
from mailmerge.config import load_config
from mailmerge.roster import load_roster

from conftest import REPO
from helpers import page_count, pdf_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XHTML = "{http://www.w3.org/1999/xhtml}"
MM = 72 / 25.4  # PDF points per millimetre

# The window we design for (docs/envelopes.md), on the A4 sheet folded in three, top third
# facing the window, the sheet against the envelope's top and left edges: 90 × 45 mm, its left edge
# 23 mm and its top edge 13 mm from the sheet's. The frame sits 2 mm inside it on every side.
WINDOW = (23.0, 13.0, 113.0, 58.0)  # x0, y0, x1, y1 in mm from the page's top-left corner
FRAME = (25.0, 15.0, 111.0, 56.0)
FOLD = 99.0  # the first fold: the top third of 297 mm


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def words(pdf: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Return every word on page 1 with its box in mm, line by line as printed (poppler, not the code under test)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, check=True
    ).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    found = []
    for word in root.iter(f"{XHTML}word"):
        box = tuple(float(word.get(k)) / MM for k in ("xMin", "yMin", "xMax", "yMax"))
        found.append((word.text or "", box))
    # Visual lines (same top within 1 mm), left to right: a wide gap (an ideographic space) splits
    # poppler's blocks, and reading by visual lines keeps a wrapped value together.
    return sorted(found, key=lambda w: (round(w[1][1]), w[1][0]))


def locate(found, value: str) -> list[tuple[float, float, float, float]]:
    """Return the boxes of the words that spell VALUE (whitespace ignored, wrapped lines joined).

    Words that cannot continue VALUE (anything printed beside the block) are stepped over, so a misplaced
    block fails on its position, not here.
    """
    wanted = norm(value)
    for first in range(len(found)):
        rest, boxes = wanted, []
        for text, box in found[first:]:
            piece = norm(text)
            if not piece:
                continue
            if rest.startswith(piece):
                rest, boxes = rest[len(piece) :], boxes + [box]
            elif not boxes:
                break
            if not rest:
                return boxes
    raise AssertionError(f"{value!r} not in the letter")


def inside(box, rect) -> bool:
    # Half a millimetre for glyph boxes that poppler rounds outwards.
    return box[0] >= rect[0] - 0.5 and box[1] >= rect[1] - 0.5 and box[2] <= rect[2] + 0.5 and box[3] <= rect[3] + 0.5


def overlaps(box, rect) -> bool:
    return box[0] < rect[2] and box[2] > rect[0] and box[1] < rect[3] and box[3] > rect[1]


def recipient_lines(fields) -> list[str]:
    """Return what the window must show, in order: Japanese practice puts 御中 after the department."""
    lines = [f"〒{fields['postal_code']}", fields["address1"]]
    lines += [fields["address2"]] if fields["address2"] else []
    if fields["representative_name"]:
        lines += [fields["organisation"]] + ([fields["department"]] if fields["department"] else [])
        title = fields["representative_title"]
        lines.append(f"{title} {fields['representative_name']} 様" if title else f"{fields['representative_name']} 様")
    elif fields["department"]:
        lines += [fields["organisation"], f"{fields['department']} 御中"]
    else:
        lines.append(f"{fields['organisation']} 御中")
    return lines


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run the sample cycle once through the CLI; return each member's letter PDF."""
    out = tmp_path_factory.mktemp("envelope") / "2024"
    result = CliRunner().invoke(main, ["run", "--config", str(REPO / "mailmerge.toml"), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return {p.parent.name: p for p in out.glob("*/*/letter.pdf")}


@pytest.fixture(scope="module")
def members():
    return {m.member_id: m for m in load_roster(load_config(REPO / "mailmerge.toml")).members}


# The longest values the roster allows (mailmerge.toml [roster.max_length]): 40, 30, 20 and 20 characters.
ORG_40 = "㈱髙橋&<テスト>遠隔画像診断サービスセンター北海道札幌中央支社放射線科読影部門"
ADDRESS_40 = "北海道札幌市中央区北一条西二丁目一番地一号 札幌中央ビルディング第二別館十二階Ｂ"
DEPARTMENT_30 = "放射線科 遠隔読影センター 第一読影グループ品質管理担当課長"
TITLE_20 = "代表取締役社長兼最高経営責任者兼統括医長"
NAME_20 = "髙橋　一郎右衛門之助左衛門太郎次郎三郎四"
LONGEST_ROSTER = (
    "会員番号,会員名,部署,代表者役職,代表者氏名,郵便番号,住所1,住所2,加入状況\n"
    f"9001,{ORG_40},{DEPARTMENT_30},{TITLE_20},{NAME_20},060-0001,{ADDRESS_40},{ADDRESS_40},加入\n"
    f"9002,{ORG_40},{DEPARTMENT_30},,,060-0001,{ADDRESS_40},{ADDRESS_40},未加入\n"
    f"9003,{ORG_40},,,,060-0001,{ADDRESS_40},{ADDRESS_40},未加入\n"
)


@pytest.fixture(scope="module")
def longest(tmp_path_factory: pytest.TempPathFactory):
    """Convert the letters of members whose every field is as long as the roster allows."""
    folder = tmp_path_factory.mktemp("longest")
    roster = folder / "longest.csv"
    roster.write_text(LONGEST_ROSTER, encoding="utf-8")
    config = load_config(REPO / "mailmerge.toml")
    result = CliRunner().invoke(
        main,
        ["run", "--config", str(REPO / "mailmerge.toml"), "--roster", str(roster), "--out", str(folder / "out"), "-q"],
    )
    assert result.exit_code == 0, result.output
    members = {m.member_id: m for m in load_roster(config, roster).members}
    return members, {p.parent.name: p for p in (folder / "out").glob("*/*/letter.pdf")}


def test_the_longest_values_allowed_fit_the_frame_on_one_page(longest) -> None:
    members, letters = longest
    assert sorted(letters) == ["9001", "9002", "9003"]
    for field, limit in load_config(REPO / "mailmerge.toml").max_length.items():
        assert max(len(m.fields[field]) for m in members.values()) == limit, field
    for member_id, pdf in letters.items():
        found = words(pdf)
        for line in recipient_lines(members[member_id].fields):
            for box in locate(found, line):
                assert inside(box, FRAME), (
                    f"{member_id}: {line!r} at {[round(v, 1) for v in box]} mm, outside the frame"
                )
        assert page_count(pdf) == 1, member_id


def longest_members(members) -> set[str]:
    """Return the IDs of the members with the longest value in each printed field, and every 御中 member."""
    chosen = set()
    for field in ("organisation", "department", "representative_title", "representative_name", "address1", "address2"):
        chosen.add(max(members.values(), key=lambda m: len(m.fields[field])).member_id)
    chosen |= {m.member_id for m in members.values() if not m.fields["representative_name"]}
    return chosen


def test_the_sample_has_the_cases_the_window_must_hold(members) -> None:
    chosen = longest_members(members)
    onchu = [m for m in members.values() if not m.fields["representative_name"]]
    assert onchu and any(m.fields["department"] for m in onchu)
    assert max(len(members[i].fields["organisation"]) for i in chosen) >= 35  # wraps in the frame


def test_recipient_block_lies_inside_the_window_for_every_member(letters, members) -> None:
    assert len(letters) == len(members)
    for member_id in sorted(longest_members(members)) + sorted(members):
        found = words(letters[member_id])
        for line in recipient_lines(members[member_id].fields):
            for box in locate(found, line):
                assert inside(box, FRAME), (
                    f"{member_id}: {line!r} at {[round(v, 1) for v in box]} mm, outside the frame"
                )
                assert inside(box, WINDOW)


def test_nothing_but_the_recipient_shows_through_the_window(letters, members) -> None:
    for member_id in sorted(longest_members(members)):
        found = words(letters[member_id])
        block = {b for line in recipient_lines(members[member_id].fields) for b in locate(found, line)}
        others = [(text, box) for text, box in found if box not in block]
        assert others, "the letter has a body"
        assert not [t for t, box in others if overlaps(box, WINDOW)], member_id
        # Nor beside it: no other text on the block's lines, so any reader (pdftotext -layout, PDFium,
        # a screen reader) reads the recipient block whole, line after line.
        band = (0.0, FRAME[1], 210.0, FRAME[3])
        assert not [t for t, box in others if overlaps(box, band)], member_id
        # The title starts below the window with room for the sheet to slip; the body stays on one page.
        assert min(box[1] for _, box in others if box[0] < 100 and box[1] > WINDOW[1]) >= WINDOW[3] + 5


def test_onchu_follows_the_department(letters, members) -> None:
    onchu = next(m for m in members.values() if not m.fields["representative_name"] and m.fields["department"])
    text = norm(pdf_text(letters[onchu.member_id]))
    organisation, department = norm(onchu.fields["organisation"]), norm(onchu.fields["department"])
    assert organisation + department + "御中" in text
    assert organisation + "御中" not in text
    assert "様" not in text[: text.index("御中")]


def test_every_letter_stays_one_page(letters) -> None:
    for member_id, pdf in letters.items():
        assert page_count(pdf) == 1, member_id


def test_template_frame_is_fixed_and_anchored_to_the_page() -> None:
    """Issue 14 relies on it: the block's place and size never depend on its content."""
    with zipfile.ZipFile(REPO / "templates" / "letter.docx") as package:
        body = etree.fromstring(package.read("word/document.xml")).find(f"{W}body")
    framed = [p for p in body.iter(f"{W}p") if p.find(f"{W}pPr/{W}framePr") is not None]
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in framed]
    for field in ("postal_code", "address1", "address2", "organisation", "department", "representative_name"):
        assert any("{{ " + field + " }}" in t for t in texts), field
    unframed = "".join(t.text or "" for p in body.iter(f"{W}p") if p not in framed for t in p.iter(f"{W}t"))
    assert not re.search(r"organisation|address|postal_code|representative|department", unframed)
    frames = {tuple(sorted(p.find(f"{W}pPr/{W}framePr").attrib.items())) for p in framed}
    assert len(frames) == 1, "one frame: every paragraph of the block carries the same frame properties"
    frame = {k.removeprefix(W): v for k, v in frames.pop()}
    assert frame["hAnchor"] == frame["vAnchor"] == "page" and frame["hRule"] == "exact"
    twips = 1440 / 25.4
    x, y = int(frame["x"]) / twips, int(frame["y"]) / twips
    assert FRAME == pytest.approx((x, y, x + int(frame["w"]) / twips, y + int(frame["h"]) / twips), abs=0.05)
    assert FRAME[3] < FOLD


FULL_FRAME = (
    ",遠隔画像診断事業本部読影品質管理部門第二課医療情報安全管理室,代表理事兼最高経営責任者兼読影センター長,"
    "見本 太郎,101-0062,東京都千代田区神田駿河台一丁目二番三号見本第一ビルディング東館,"
    "見本メディカルプラザ十五階見本遠隔画像診断読影センター内分室,加入\n"
)
FULL_FRAME_NAMES = (
    "医療法人社団見本会見本遠隔画像診断中央読影センター　 東京分室",
    "株式会社見本メディカルセンタークリニックタワー/Ⅱ棟 分室",
    "見本遠隔画像診断読影医療法人社団協議会中央α棟ｱｲｳｴｵ 分室",
)
# Long frame lines with spaces in them (issue 21): each must break at its space, not inside a word.
# The values are fictional; the rows' other fields fit on one line. 別館… has its only space so early
# that breaking there would take a third line (the frame's height is exact): it keeps the character break.
BREAKING_ROSTER = (
    "会員番号,会員名,部署,代表者役職,代表者氏名,郵便番号,住所1,住所2,加入状況\n"
    "9101,医療法人社団 見本会 見本総合画像診断クリニック 遠隔読影室,,理事長,見本　一郎,101-0062,"
    "東京都千代田区神田駿河台2丁目3番11号,見本ステーションビルディング東館 12階 見本リモート読影センター内,加入\n"
    "9102,株式会社見本メディカル Imaging Solutions Japan,遠隔画像診断サービス事業本部 読影品質管理部 第二課,"
    "代表取締役社長,見本　二郎,101-0062,東京都千代田区神田駿河台2丁目3番11号 見本駿河台ビルディング 5階,,未加入\n"
    "9103,株式会社見本,,,,101-0062,東京都千代田区神田駿河台2丁目3番11号,"
    "別館 見本中央ビルディング第二別館十二階見本遠隔画像診断センター内,未加入\n"
    # Found by the red team: 御中 split in two (the space right before the overflow left to LibreOffice),
    # and a line that fits broken because brackets were measured with the space Latin letters get.
    "9104,株式会社首都圏遠隔画像診断サービスTokyoジャパン,,,,101-0062,東京都千代田区神田駿河台一丁目,,未加入\n"
    "9105,(株)横浜Japan遠隔画像診断サービス 本社読影センター,,,見本 太郎,101-0062,"
    "東京都千代田区神田駿河台一丁目,,加入\n"
    # Found by the red team again: Ⅱ takes the script of the 「・」 before it (LibreOffice spaces it from
    # the A after it); measured as Latin, the line was broken after text that did not fit, and 様 fell
    # out of the full frame. And a line that began with 「）」 after two spaces.
    "9106,見本読影クリニックネットワークメディカル・ⅡAJapan 見本分室,"
    "遠隔画像診断事業本部読影品質管理部門第二課医療情報安全管理室,代表理事兼最高経営責任者兼読影センター長,"
    "見本 太郎,101-0062,東京都千代田区神田駿河台一丁目二番三号見本第一ビルディング東館,"
    "見本メディカルプラザ十五階見本遠隔画像診断読影センター内分室,加入\n"
    "9107,株式会社見本,,,,101-0062,東京都千代田区神田駿河台一丁目,"
    "東京都千代田区神田駿河台見本町遠隔画像診断読影医療法人  ）見本,加入\n"
    # And a third time, in the same full frame: two spaces at a break (LibreOffice gave the one left
    # before the break a line of its own), and Greek and 「/」 measured as taking their neighbour's script.
    + "".join(f"{9108 + n},{name}{FULL_FRAME}" for n, name in enumerate(FULL_FRAME_NAMES))
    # A fourth round: leading spaces left alone on a line of their own; a line ending with 「（」.
    + "9120,株式会社見本,,,,101-0062,東京都千代田区神田駿河台一丁目,"
    "　　東京都千代田区神田駿河台見本町遠隔画像診断読影医療法人,加入\n"
    "9121,株式会社見本遠隔画像診断サービス（ 東京中央読影センター）,,,,101-0062,東京都千代田区神田駿河台一丁目,,加入\n"
)


def frame_lines(pdf: Path) -> list[str]:
    """Return the frame's lines as printed (poppler's words inside the frame, joined by line, spaces dropped)."""
    lines: dict[int, list[str]] = {}
    for text, box in words(pdf):
        if inside(box, FRAME):
            lines.setdefault(round(box[1] * 2), []).append(norm(text))
    return ["".join(pieces) for _, pieces in sorted(lines.items())]


@pytest.fixture(scope="module")
def breaking(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("breaking")
    roster = folder / "breaking.csv"
    roster.write_text(BREAKING_ROSTER, encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["run", "--config", str(REPO / "mailmerge.toml"), "--roster", str(roster), "--out", str(folder / "out"), "-q"],
    )
    assert result.exit_code == 0, result.output
    return {p.parent.name: p for p in (folder / "out").glob("*/*/letter.pdf")}


def test_long_frame_lines_break_at_their_spaces(breaking) -> None:
    assert frame_lines(breaking["9101"]) == [
        "〒101-0062",
        "東京都千代田区神田駿河台2丁目3番11号",
        "見本ステーションビルディング東館12階",
        "見本リモート読影センター内",
        "医療法人社団見本会見本総合画像診断クリニック",
        "遠隔読影室",
        "理事長見本一郎様",
    ]
    assert frame_lines(breaking["9102"]) == [
        "〒101-0062",
        "東京都千代田区神田駿河台2丁目3番11号",
        "見本駿河台ビルディング5階",
        "株式会社見本メディカルImagingSolutionsJapan",
        "遠隔画像診断サービス事業本部読影品質管理部第二課",
        "代表取締役社長見本二郎様",
    ]


def test_onchu_is_never_split_and_a_line_that_fits_stays_whole(breaking) -> None:
    assert frame_lines(breaking["9104"])[2:] == ["株式会社首都圏遠隔画像診断サービスTokyoジャパン", "御中"]
    assert frame_lines(breaking["9105"])[2:] == ["(株)横浜Japan遠隔画像診断サービス本社読影センター", "見本太郎様"]


def test_a_full_frame_keeps_its_last_line_and_no_line_begins_with_a_closing_bracket(breaking) -> None:
    lines = frame_lines(breaking["9106"])
    assert lines[5:7] == ["見本読影クリニックネットワークメディカル・", "IIAJapan見本分室"]  # Ⅱ, read as NFKC
    assert lines[-1] == "様" and len(lines) == 11  # inside the frame: not cut off at its foot
    assert not [line for line in frame_lines(breaking["9107"]) if line.startswith("）")]
    for number in range(len(FULL_FRAME_NAMES)):
        lines = frame_lines(breaking[str(9108 + number)])
        assert lines[-1] == "様" and len(lines) == 11, lines
    assert frame_lines(breaking["9108"])[5:7] == ["医療法人社団見本会見本遠隔画像診断中央読影センター", "東京分室"]


def test_no_blank_line_and_no_line_ending_with_an_opening_bracket(breaking) -> None:
    for member_id in ("9120", "9121"):
        with zipfile.ZipFile(breaking[member_id].with_suffix(".docx")) as package:
            assert b"<w:br/>" not in package.read("word/document.xml"), member_id
    tops = sorted({round(box[1], 1) for _, box in words(breaking["9120"]) if inside(box, FRAME)})
    assert max(b - a for a, b in zip(tops, tops[1:], strict=False)) < 6  # mm: no line left blank
    assert not [line for line in frame_lines(breaking["9121"]) if line.endswith("(")]  # （ read as NFKC


def test_a_word_break_that_would_take_another_line_is_left_to_libreoffice(breaking) -> None:
    lines = frame_lines(breaking["9103"])
    value = "別館見本中央ビルディング第二別館十二階見本遠隔画像診断センター内"
    first = next(i for i, line in enumerate(lines) if line.startswith("別館"))
    assert lines[first] != "別館" and lines[first] + lines[first + 1] == value


def test_only_a_line_broken_at_its_space_gets_a_break(breaking, letters) -> None:
    """The sample's letters (every long line without a space) are as the template makes them; so is 9103's."""
    for pdf in [*letters.values(), breaking["9103"]]:
        with zipfile.ZipFile(pdf.with_suffix(".docx")) as package:
            assert b"<w:br/>" not in package.read("word/document.xml"), pdf.parent.name
    with zipfile.ZipFile(breaking["9101"].with_suffix(".docx")) as package:
        body = etree.fromstring(package.read("word/document.xml"))
    assert len(body.findall(f".//{W}framePr/../../{W}r/{W}br")) == 2


def test_an_empty_frame_paragraph_narrower_than_its_indent_renders() -> None:
    """A template's own oddity (the red team's review): nothing to measure, nothing broken, no crash."""
    from mailmerge.framewrap import FrameLines

    body = (
        f'<w:document xmlns:w="{W[1:-1]}"><w:body><w:p><w:pPr><w:framePr w:w="1000"/><w:ind w:left="1440"/>'
        '</w:pPr></w:p><w:p><w:pPr><w:framePr w:w="0"/></w:pPr><w:r><w:t>見本</w:t></w:r></w:p></w:body></w:document>'
    )
    assert FrameLines(None).apply(etree.fromstring(body)) is False
