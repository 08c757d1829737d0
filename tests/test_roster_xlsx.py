"""The .xlsx reader on packages other readers open, and on files built to exhaust it (generated here)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from mailmerge.config import load_config
from mailmerge.roster import ROW_LIMIT, load_roster, read_xlsx

HEADERS = ("会員番号", "会員名", "部署", "代表者役職", "代表者氏名", "郵便番号", "住所1", "住所2", "加入状況")
MEMBERS = (
    (
        "0301",
        "株式会社あさひ読影",
        "読影部",
        "代表取締役",
        "朝日\u3000一郎",
        "103-0027",
        "東京都中央区日本橋3丁目5番1号",
        "",
        "加入",
    ),
    (
        "0302",
        "医療法人社団ゆうひ会",
        "",
        "理事長",
        "夕日\u3000花子",
        "980-0811",
        "宮城県仙台市青葉区一番町2丁目4番6号",
        "",
        "未加入",
    ),
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
RELS_NS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = f'<styleSheet {NS}><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="49"/></cellXfs></styleSheet>'


@pytest.fixture
def config(config_in):
    return load_config(config_in())


def cell(column: int, row: int, text: str) -> str:
    return f'<c r="{chr(65 + column)}{row}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def member_rows(rows=(HEADERS, *MEMBERS)) -> str:
    return "".join(
        f'<row r="{n}">' + "".join(cell(c, n, v) for c, v in enumerate(values) if v) + "</row>"
        for n, values in enumerate(rows, start=1)
    )


def write_package(
    path: Path,
    sheet_xml: str,
    names: dict[str, str] | None = None,
    targets: dict[str, str] | None = None,
    level: int = 6,
) -> Path:
    """Write a workbook of one sheet; ``names`` renames zip entries, ``targets`` the relationships' targets."""
    names = names or {}
    targets = {
        "workbook": "xl/workbook.xml",
        "sheet": "worksheets/sheet1.xml",
        "styles": "styles.xml",
        **(targets or {}),
    }
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": f'<Relationships {RELS_NS}><Relationship Id="rId1" Type="{OFFICE}/officeDocument" '
        f'Target="{targets["workbook"]}"/></Relationships>',
        "xl/workbook.xml": (
            f'<workbook {NS} {R_NS}><sheets><sheet name="会員名簿" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": f"<Relationships {RELS_NS}>"
        f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="{targets["sheet"]}"/>'
        f'<Relationship Id="rId2" Type="{OFFICE}/styles" Target="{targets["styles"]}"/>'
        "</Relationships>",
        "xl/styles.xml": STYLES,
        "xl/worksheets/sheet1.xml": f"<worksheet {NS}><sheetData>{sheet_xml}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, text in parts.items():
            archive.writestr(names.get(name, name), text.encode("utf-8"))
    return path


def assert_reads_both_members(config, path: Path) -> None:
    roster = load_roster(config, path)
    assert [str(p) for p in roster.problems] == []
    assert [(m.row, m.member_id, m.group) for m in roster.members] == [
        (2, "0301", "enrolled"),
        (3, "0302", "unenrolled"),
    ]
    assert roster.members[0].fields["representative_name"] == "朝日\u3000一郎"
    assert (roster.total_rows, roster.rejected_rows, roster.blank_rows) == (2, 0, 0)


def test_part_names_differing_in_case_from_their_relationships_are_read(config, tmp_path: Path) -> None:
    path = write_package(
        tmp_path / "case.xlsx",
        member_rows(),
        names={"xl/workbook.xml": "xl/Workbook.xml", "xl/worksheets/sheet1.xml": "xl/Worksheets/Sheet1.xml"},
        targets={"workbook": "XL/workbook.xml", "sheet": "worksheets/SHEET1.xml", "styles": "Styles.xml"},
    )
    assert_reads_both_members(config, path)


def test_entry_names_with_backslashes_are_read(config, tmp_path: Path) -> None:
    names = {
        name: name.replace("/", "\\")
        for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml")
    }
    path = write_package(tmp_path / "backslash.xlsx", member_rows(), names=names)
    with zipfile.ZipFile(path) as archive:
        assert "xl\\workbook.xml" in archive.namelist()
    assert_reads_both_members(config, path)


def test_a_cell_with_an_empty_style_attribute_has_the_default_style(config, tmp_path: Path) -> None:
    # 住所2 as a number cell with s="" (some generators write it): the default style, shown as 302.
    sheet = member_rows((HEADERS,)) + "".join(
        f'<row r="{n}">'
        + "".join(cell(c, n, v) for c, v in enumerate(values[:7]) if v)
        + f'<c r="H{n}" s=""><v>302</v></c>'
        + cell(8, n, values[8])
        + "</row>"
        for n, values in enumerate(MEMBERS, start=2)
    )
    roster = load_roster(config, write_package(tmp_path / "style.xlsx", sheet))
    assert [str(p) for p in roster.problems] == []
    assert [m.fields["address2"] for m in roster.members] == ["302", "302"]


def test_a_zip_bomb_is_refused_before_it_is_inflated(config, tmp_path: Path) -> None:
    # 64 MiB of one repeated empty row compresses about 1000 times: no spreadsheet XML does that.
    sheet = member_rows() + "<row/>" * (64 * 2**20 // 6)
    path = write_package(tmp_path / "bomb.xlsx", sheet, level=9)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    ratio = info.file_size // info.compress_size
    assert path.stat().st_size < 2**20 and ratio > 200
    assert [str(p) for p in load_roster(config, path).problems] == [
        f"bomb.xlsx: Excel ブックの中の「xl/worksheets/sheet1.xml」が展開すると 64 MB（圧縮の {ratio:,} 倍）になり、"
        "名簿としてありえない大きさのため読みませんでした（壊れたファイルか、悪意のあるファイルの可能性）。名簿を"
        " Excel で作り直してください"
    ]


def test_a_million_formatted_empty_rows_read_like_none(config, tmp_path: Path) -> None:
    # What Excel saves when formatting is applied down to the sheet's last row: empty rows, some with styled empty
    # cells.
    empty = "".join(
        f'<row r="{n}" spans="1:9" s="1" customFormat="1" ht="18" customHeight="1"/>' for n in range(4, 1_000_004)
    )
    styled = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{chr(65 + c)}{n}" s="1"/>' for c in range(9)) + "</row>"
        for n in range(1_000_004, 1_010_004)
    )
    path = write_package(tmp_path / "formatted.xlsx", member_rows() + empty + styled)
    assert_reads_both_members(config, path)


def test_more_rows_than_any_roster_stop_with_one_line(config, tmp_path: Path) -> None:
    rows = member_rows((HEADERS,)) + "".join(
        f'<row r="{n}">{cell(0, n, str(n))}</row>' for n in range(2, ROW_LIMIT + 10)
    )
    path = write_package(tmp_path / "huge.xlsx", rows)
    assert [str(p) for p in load_roster(config, path).problems] == [
        "huge.xlsx: 名簿の内容のある行が 100,000 行を超えています（100,002 行目まで読みました）。"
        "名簿のシートか範囲が正しいか確認してください（会員は 1 行に 1 件）"
    ]
    csv_path = tmp_path / "huge.csv"
    csv_path.write_text(
        ",".join(HEADERS) + "\n" + "".join(f"{n}\n" for n in range(2, ROW_LIMIT + 10)), encoding="utf-8"
    )
    assert [str(p) for p in load_roster(config, csv_path).problems] == [
        "huge.csv: 名簿の内容のある行が 100,000 行を超えています（100,002 行目まで読みました）。"
        "名簿のシートか範囲が正しいか確認してください（会員は 1 行に 1 件）"
    ]


def test_read_xlsx_gives_rows_with_content_and_their_excel_numbers(tmp_path: Path) -> None:
    sheet = member_rows((HEADERS,)) + '<row r="5" hidden="1">' + cell(0, 5, "0305") + "</row>" + '<row r="9" s="1"/>'
    table = read_xlsx(write_package(tmp_path / "numbers.xlsx", sheet))
    assert table.header is not None and table.header.values[8] == "加入状況"
    assert [(r.number, r.values, r.hidden) for r in table.rows] == [(5, {0: "0305"}, True)]
    assert table.note == "最初の表示シート「会員名簿」"
