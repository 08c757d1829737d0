"""Write the bad rosters for tests/test_roster.py, expected.json (the exact lines each must produce) and
../good_cp932.csv.

Run from anywhere: `.venv/bin/python tests/data/bad_rosters/make_bad_rosters.py`. Re-running gives
byte-identical files. Every organisation and person is invented; postal codes are real (Japan Post),
street numbers are not. Each case below is one kind of mistake the secretariat can make in Excel,
with the lines `mailmerge check` must print for it, written by hand (never copied from the output).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

HERE = Path(__file__).resolve().parent
HEADERS = ("会員番号", "会員名", "部署", "代表者役職", "代表者氏名", "郵便番号", "住所1", "住所2", "加入状況")
SP = "\u3000"  # a full-width space, as an IME types it between family and given name
ZIP_TIME = (2023, 11, 1, 9, 0, 0)
FIXED_TIME = dt.datetime(2023, 11, 1, 9, 0, 0)

# Five invented members, all valid; the cases copy and spoil them.
BASE = (
    (
        "0101",
        "株式会社みなと遠隔読影",
        "読影部",
        "代表取締役",
        f"港{SP}一郎",
        "103-0027",
        "東京都中央区日本橋3丁目5番1号",
        "日本橋みなとビル 4階",
        "加入",
    ),
    (
        "0102",
        "医療法人社団あおば会",
        "画像診断センター",
        "理事長",
        f"青葉{SP}花子",
        "980-0811",
        "宮城県仙台市青葉区一番町2丁目4番6号",
        "",
        "未加入",
    ),
    (
        "0103",
        "合同会社ほくと画像",
        "",
        "",
        "",
        "060-0001",
        "北海道札幌市中央区北一条西4丁目1番2号",
        "北一条ビル 7階",
        "加入",
    ),
    (
        "0104",
        "株式会社なにわ読影サポート",
        "業務部",
        "代表取締役社長",
        f"浪速{SP}次郎",
        "530-0001",
        "大阪府大阪市北区梅田1丁目8番3号",
        "",
        "加入",
    ),
    (
        "0105",
        "一般財団法人さかえ医療情報",
        "遠隔診断課",
        "理事",
        f"栄{SP}三枝",
        "460-0008",
        "愛知県名古屋市中区栄2丁目9番7号",
        "栄センタービル 11階",
        "未加入",
    ),
)
COL = {h: i for i, h in enumerate(HEADERS)}

EMPTY = "空欄です（必須項目）"
HIDDEN = (
    "非表示の行です。退会などで送らない会員なら行を削除し、送る会員なら再表示してください"
    "（非表示の行を読み飛ばすには mailmerge.toml の [roster] に skip_hidden_rows = true）"
)
GROUPS = "（使える値: 加入, 未加入）"
DUPLICATE = "。どの行が正しいか確かめ、番号を直すか行を消してください"
WIDTH = "（全角・半角、大文字・小文字の違いや前後の空白は同じ番号とみなします）"
BAD_POSTAL = "郵便番号の形になっていません。7 桁の数字で入力してください（例: 103-0027 または 1030027）"
BAD_ID = "。会員番号は出力フォルダー名になるため、半角英数字・ハイフン・下線の 32 文字までにしてください"
RESERVED = (
    "は Windows が機器の名前として使うため、フォルダー名にできません"
    "（CON・PRN・AUX・NUL・COM1～9・LPT1～9 は大文字・小文字とも使えません）。別の番号にしてください"
)
TOO_LONG = "。宛名欄に収まるよう短くしてください"
AS_NUMBER = "数値として保存されています。セルの表示形式を「文字列」にして入力し直してください"
ID_AS_NUMBER = (
    "数値として保存されています（「{}」と読みました）。先頭の 0 が消えていないか確認し、"
    "セルの表示形式を「文字列」にして入力し直してください"
)
RESAVE_CSV = "Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください"
MISMATCH = "の郵便番号ですが、住所1 の都道府県と違います。郵便番号か住所を確認してください"


@dataclass(frozen=True)
class Case:
    """One bad roster: how to write it, and what loading it must report."""

    name: str
    write: Callable[[Path], None]
    lines: tuple[str, ...]  # str(problem) for every problem, in order ("FILE" stands for the name)
    total_rows: int = 0
    members: int = 0
    blank_rows: int = 0
    note: str = ""

    def expected(self) -> dict:
        return {
            "lines": [line.replace("FILE", self.name, 1) for line in self.lines],
            "total_rows": self.total_rows,
            "members": self.members,
            "rejected_rows": self.total_rows - self.members,
            "blank_rows": self.blank_rows,
            "note": self.note,
        }


def rows(*changes: dict[str, str | None], base: Sequence[tuple] = BASE) -> list[list]:
    """Return copies of the base members (cycling), each changed by {header: value}."""
    out = []
    for i, change in enumerate(changes):
        row = list(base[i % len(base)])
        if i >= len(base):
            row[0] = f"01{i + 1:02d}"
        for header, value in change.items():
            row[COL[header]] = value
        out.append(row)
    return out


# --- writers ---------------------------------------------------------------


def csv_bytes(table: Sequence[Sequence], encoding: str = "utf-8") -> bytes:
    """Return a CSV as Excel writes it: CRLF, minimal quoting."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(table)
    return buffer.getvalue().encode(encoding)


def csv_file(table: Sequence[Sequence], encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda path: path.write_bytes(csv_bytes(table, encoding))


def raw_file(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def xlsx_file(
    table: Sequence[Sequence],
    hidden: Sequence[int] = (),
    formats: dict[str, str] | None = None,
    title: str = "会員名簿",
    before: Sequence[tuple[str, Sequence[Sequence]]] = (),
) -> Callable[[Path], None]:
    """Write a workbook with openpyxl: strings as text cells, other Python values as Excel stores them.

    ``hidden`` are Excel row numbers; ``formats`` maps a cell ("F5") to a number format; ``before``
    are (title, rows) of visible sheets placed before the roster's.
    """

    def write(path: Path) -> None:
        wb = openpyxl.Workbook()
        for other, other_rows in before:
            sheet = wb.create_sheet(other, len(wb.sheetnames) - 1)
            for row in other_rows:
                sheet.append(list(row))
        ws = wb[wb.sheetnames[-1]]
        ws.title = title
        for row in table:
            ws.append(list(row))
        for number in hidden:
            ws.row_dimensions[number].hidden = True
        for ref, number_format in (formats or {}).items():
            ws[ref].number_format = number_format
        wb.properties.created = wb.properties.modified = FIXED_TIME
        buffer = io.BytesIO()
        wb.save(buffer)
        path.write_bytes(fixed_zip(buffer.getvalue()))

    return write


def fixed_zip(data: bytes, parts: dict[str, bytes] | None = None) -> bytes:
    """Return a zip with fixed timestamps (so reruns are byte-identical), parts replaced or added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) if data else _empty_zip() as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        contents = {info.filename: source.read(info) for info in source.infolist()}
        contents.update(parts or {})
        for name, content in contents.items():
            # openpyxl stamps "now" into dcterms:modified on every save.
            content = re.sub(
                rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2023-11-01T09:00:00Z\g<2>", content
            )
            target.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIME), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _empty_zip() -> zipfile.ZipFile:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return zipfile.ZipFile(buffer)


def excel_style_xlsx(path: Path) -> None:
    """Write a workbook the way Excel itself does, which openpyxl does not: shared strings with
    furigana (<rPh>) and rich-text runs, a custom 000-0000 format, a built-in date format, and a
    hidden first sheet (the roster is the first *visible* one)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    strings: list[str] = []

    def shared(xml: str) -> int:
        strings.append(xml)
        return len(strings) - 1

    def text(value: str) -> int:
        return shared(f"<t>{escape(value)}</t>")

    def cells(number: int, values: Sequence[object]) -> str:
        out = []
        for i, value in enumerate(values):
            ref = f"{chr(65 + i)}{number}"
            if value is None or value == "":
                continue
            if isinstance(value, tuple):  # (style, number) or ("xml", shared-string xml)
                if value[0] == "xml":
                    out.append(f'<c r="{ref}" t="s"><v>{shared(value[1])}</v></c>')
                else:
                    out.append(f'<c r="{ref}" s="{value[0]}"><v>{value[1]}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="s" s="3"><v>{text(str(value))}</v></c>')
        return f'<row r="{number}" spans="1:9">{"".join(out)}</row>'

    data = rows(
        # A rich-text name with furigana over the kanji: the furigana must not be read.
        {
            "会員名": (
                "xml",
                "<r><t>株式会社</t></r><r><rPr><b/></rPr><t>東雲</t></r><r><t>メディカル</t></r>"
                '<rPh sb="4" eb="6"><t>シノノメ</t></rPh><phoneticPr fontId="1"/>',
            ),
            "代表者氏名": (
                "xml",
                f'<t>東雲{SP}一</t><rPh sb="0" eb="2"><t>シノノメ</t></rPh>'
                '<rPh sb="3" eb="4"><t>ハジメ</t></rPh><phoneticPr fontId="1"/>',
            ),
        },
        {"加入状況": "加入済"},
        {"郵便番号": (2, "600001")},  # a number shown as 060-0001 by the custom format
        {"住所2": (1, "36925")},  # 1-2-3 typed into a General cell: Excel made it a date
        {},
    )
    data[2][COL["住所1"]] = BASE[2][COL["住所1"]]  # 060-0001 is in 北海道
    sheet = "".join([cells(1, HEADERS)] + [cells(i + 2, row) for i, row in enumerate(data)])
    old_sheet = cells(1, HEADERS) + cells(2, ["0001", *BASE[0][1:]])  # last year's roster, all valid
    sst = "".join(f"<si>{s}</si>" for s in strings)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/worksheets/sheet2.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><workbookPr/><sheets>'
            '<sheet name="旧名簿" sheetId="1" state="hidden" r:id="rId1"/>'
            '<sheet name="会員名簿" sheetId="2" r:id="rId2"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/worksheet" Target="worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId4" Type="{rel}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<styleSheet xmlns="{main}"><numFmts count="1"><numFmt numFmtId="176" formatCode="000\\-0000"/>'
            '</numFmts><fonts count="1"><font><sz val="11"/><name val="游ゴシック"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
            '<xf numFmtId="176" applyNumberFormat="1"/><xf numFmtId="49" applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{old_sheet}</sheetData></worksheet>',
        "xl/worksheets/sheet2.xml": f'<worksheet xmlns="{main}"><sheetData>{sheet}</sheetData></worksheet>',
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{main}" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>'
        ),
    }
    path.write_bytes(fixed_zip(b"", {k: v.encode("utf-8") for k, v in parts.items()}))


# --- the cases -------------------------------------------------------------

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # how an encrypted .xlsx or a .xls starts
LONG_NAME = "株式会社" + "みなと遠隔画像診断サービスセンター" * 2 + "東日本"  # 41 characters
LONG_ADDRESS = "日本橋みなとビルディング" * 3 + "別館第一南棟 4階"  # 45 characters
ADDRESS_40 = (BASE[1][6] + "一番町あおばビルディング別館第一南棟四階東側")[:40]  # in 宮城県, like 980-0811
BLANK_CASE = rows({}, {}, {"会員名": ""}, {})  # rows 2, 4, 7 and 8 of blank_rows.csv
NAME_40 = LONG_NAME[:40]
LONG_PERSON = f"浪速{SP}次郎左衛門之助之丞太郎兵衛右衛門之介"  # 21 characters

CASES = (
    Case(
        "missing_column.csv",
        csv_file([[h if h != "会員名" else "会員名称" for h in HEADERS], *rows({}, {}, {})]),
        (
            "FILE:1: 会員名: 列がありません（近い見出し: 「会員名称」）。1 行目の見出しを「会員名」にするか、"
            "mailmerge.toml の [roster.fields] を直してください",
        ),
        total_rows=3,
        note="文字コード UTF-8",
    ),
    # Two renamed headers; "会員名 " and "住所１" still match (headers are compared like keys).
    Case(
        "renamed_headers.xlsx",
        xlsx_file(
            [
                ["会員番号", "会員名 ", "部署", "代表者役職", "代表者氏名", "〒", "住所１", "住所2", "加入区分"],
                *rows({}, {}),
            ]
        ),
        (
            "FILE:1: 郵便番号: 列がありません。1 行目の見出しを「郵便番号」にするか、mailmerge.toml の "
            "[roster.fields] を直してください",
            "FILE:1: 加入状況: 列がありません（近い見出し: 「加入区分」）。1 行目の見出しを「加入状況」にするか、"
            "mailmerge.toml の [roster.fields] を直してください",
        ),
        total_rows=2,
        note="最初の表示シート「会員名簿」",
    ),
    Case(
        "duplicate_header.xlsx",
        xlsx_file([[*HEADERS, "住所1"], *[[*r, "別住所"] for r in rows({}, {}, {})]]),
        ("FILE:1: 住所1: 同じ見出しの列が 2 つあります（G 列、J 列）。使わない方の列を消すか、見出しを変えてください",),
        total_rows=3,
        note="最初の表示シート「会員名簿」",
    ),
    Case(
        "empty_required.xlsx",
        xlsx_file(
            [HEADERS, *rows({"部署": None}, {"会員名": None}, {"郵便番号": None}, {"住所1": SP}, {"加入状況": ""})]
        ),
        (
            f"FILE:3: 会員名: {EMPTY}",
            f"FILE:4: 郵便番号: {EMPTY}",
            f"FILE:5: 住所1: {EMPTY}",
            f"FILE:6: 加入状況: {EMPTY}",
        ),
        total_rows=5,
        members=1,
        note="最初の表示シート「会員名簿」",
    ),
    # Exact duplicates, duplicates only after NFKC and trimming, and a triple.
    Case(
        "duplicate_ids.csv",
        lambda p: p.write_bytes(
            b"\xef\xbb\xbf"
            + csv_bytes(
                [
                    HEADERS,
                    *rows(
                        {"会員番号": "0101"},
                        {"会員番号": "0102"},
                        {"会員番号": "0101"},
                        {"会員番号": "０１０３"},
                        {"会員番号": "0103 "},
                        {"会員番号": "0104"},
                        {"会員番号": "0105"},
                        {"会員番号": "0105"},
                        {"会員番号": "0105"},
                        {"会員番号": "AB01"},
                        {"会員番号": "ab01"},
                    ),
                ]
            )
        ),
        (
            f"FILE:2: 会員番号: 会員番号「0101」が 4 行目と重複しています{DUPLICATE}",
            f"FILE:4: 会員番号: 会員番号「0101」が 2 行目と重複しています{DUPLICATE}",
            f"FILE:5: 会員番号: 会員番号「０１０３」が 6 行目の「0103 」と重複しています{WIDTH}{DUPLICATE}",
            f"FILE:6: 会員番号: 会員番号「0103 」が 5 行目の「０１０３」と重複しています{WIDTH}{DUPLICATE}",
            f"FILE:8: 会員番号: 会員番号「0105」が 9 行目、10 行目と重複しています{DUPLICATE}",
            f"FILE:9: 会員番号: 会員番号「0105」が 8 行目、10 行目と重複しています{DUPLICATE}",
            f"FILE:10: 会員番号: 会員番号「0105」が 8 行目、9 行目と重複しています{DUPLICATE}",
            # One folder on Windows (issue 25).
            f"FILE:11: 会員番号: 会員番号「AB01」が 12 行目の「ab01」と重複しています{WIDTH}{DUPLICATE}",
            f"FILE:12: 会員番号: 会員番号「ab01」が 11 行目の「AB01」と重複しています{WIDTH}{DUPLICATE}",
        ),
        total_rows=11,
        members=2,
        note="文字コード UTF-8 BOM 付き",
    ),
    # Trailing and full-width spaces and a zero-width space at the edge are fine; one inside is not.
    Case(
        "unknown_group.csv",
        csv_file(
            [
                HEADERS,
                *rows(
                    {"加入状況": "加入済"},
                    {"加入状況": "未加入 "},
                    {"加入状況": "加\u200b入"},
                    {"加入状況": "enrolled"},
                    {"加入状況": f"{SP}加入{SP}"},
                    {"加入状況": "加入\u200b"},
                    {"加入状況": "この会員は来年度から加入予定"},
                ),
            ]
        ),
        (
            f"FILE:2: 加入状況: 「加入済」は使えません{GROUPS}",
            f"FILE:4: 加入状況: 「加<U+200B>入」は使えません{GROUPS}",
            f"FILE:5: 加入状況: 「enrolled」は使えません{GROUPS}",
            f"FILE:8: 加入状況: 14 文字の値は使えません{GROUPS}",  # may be an address shifted in: not quoted
        ),
        total_rows=7,
        members=3,
        note="文字コード UTF-8",
    ),
    Case(
        "bad_postal.csv",
        csv_file(
            [
                HEADERS,
                *rows(
                    {"郵便番号": "103-00271"},
                    {"郵便番号": "600001"},
                    {"郵便番号": "103 0027"},
                    {"郵便番号": "〒１０３ー００２７"},
                    {"郵便番号": "abc-defg"},
                    {"郵便番号": "1030027"},
                    base=[BASE[0]],
                ),
            ]
        ),
        (
            f"FILE:2: 郵便番号: {BAD_POSTAL}",
            "FILE:3: 郵便番号: 6 桁しかありません。先頭の 0 が消えていないか確認し、7 桁で入力してください（例: "
            "060-0001）",
            f"FILE:4: 郵便番号: {BAD_POSTAL}",
            f"FILE:6: 郵便番号: {BAD_POSTAL}",
        ),
        total_rows=6,
        members=2,
        note="文字コード UTF-8",
    ),
    # Warnings only: the roster is usable, check exits 0.
    Case(
        "postal_lookup.csv",
        csv_file(
            [
                HEADERS,
                *rows(
                    {"郵便番号": "999-9999"},
                    {"郵便番号": "060-0001", "住所1": "東京都中央区日本橋3丁目5番1号"},
                    {
                        "郵便番号": "060-0001",
                        "住所1": "札幌市中央区北一条西4丁目1番2号",
                    },  # no prefecture: nothing to compare
                    {"郵便番号": "103-8255", "住所1": "東京都中央区日本橋2丁目2番10号"},  # a business's own code
                    {"郵便番号": "498-0000", "住所1": "三重県桑名郡木曽岬町大字見入1番地"},  # a code in two prefectures
                    {"郵便番号": "498-0000", "住所1": "岐阜県海津市海津町1番地"},
                    base=[BASE[0]],
                ),
            ],
            "cp932",
        ),
        (
            "FILE:2: 郵便番号: 注意: 日本郵便のデータにない郵便番号です。番号を確認してください",
            f"FILE:3: 郵便番号: 注意: 北海道{MISMATCH}",
            f"FILE:7: 郵便番号: 注意: 三重県・愛知県{MISMATCH}",
        ),
        total_rows=6,
        members=6,
        note="文字コード CP932 / Shift_JIS",
    ),
    Case(
        "too_long.xlsx",
        xlsx_file(
            [
                HEADERS,
                *rows(
                    {"会員名": LONG_NAME},
                    {"住所1": ADDRESS_40},
                    {"住所2": LONG_ADDRESS},
                    {"代表者氏名": LONG_PERSON},
                    {"会員名": NAME_40 + "  "},
                ),
            ]
        ),
        (
            f"FILE:2: 会員名: 41 文字あります（上限 40 文字）{TOO_LONG}",
            f"FILE:4: 住所2: 45 文字あります（上限 40 文字）{TOO_LONG}",
            f"FILE:5: 代表者氏名: 21 文字あります（上限 20 文字）{TOO_LONG}",
        ),
        total_rows=5,
        members=2,
        note="最初の表示シート「会員名簿」",
    ),
    # Rows 3 and 6 hidden (withdrawn members?), row 4 blank and hidden (harmless).
    Case(
        "hidden_rows.xlsx",
        xlsx_file([HEADERS, *rows({}, {})[:2], [None] * 9, *rows({}, {}, {}, {}, {})[2:]], hidden=(3, 4, 6)),
        (
            f"FILE:3: {HIDDEN}",
            f"FILE:6: {HIDDEN}",
        ),
        total_rows=5,
        members=3,
        blank_rows=1,
        note="最初の表示シート「会員名簿」",
    ),
    # Excel turned IDs and postal codes into numbers; a 0000 / 000-0000 format still shows the zeros.
    Case(
        "numbers.xlsx",
        xlsx_file(
            [
                HEADERS,
                *rows(
                    {"会員番号": 101, "住所2": 302},  # 住所2 = a room number: fine, printed "302"
                    {"郵便番号": 600001, "住所1": BASE[2][6]},
                    {"郵便番号": 1030027, "住所1": BASE[0][6]},
                    {"郵便番号": 600001, "住所1": BASE[2][6]},
                    {"会員番号": 105},
                ),
            ],
            formats={"F5": "000-0000", "A6": "0000"},
        ),
        (
            f"FILE:2: 会員番号: 注意: {ID_AS_NUMBER.format('101')}",
            "FILE:3: 郵便番号: 数値として保存され、先頭の 0 が消えています（6 "
            "桁）。セルの表示形式を「文字列」にして 7 桁で入力し直してください",
            f"FILE:4: 郵便番号: 注意: {AS_NUMBER}",
            f"FILE:5: 郵便番号: 注意: {AS_NUMBER}",
            f"FILE:6: 会員番号: 注意: {ID_AS_NUMBER.format('0105')}",
        ),
        total_rows=5,
        members=4,
        note="最初の表示シート「会員名簿」",
    ),
    Case(
        "excel_types.xlsx",
        xlsx_file(
            [
                HEADERS,
                *rows(
                    {"住所2": dt.datetime(2001, 2, 3)},  # "1-2-3" typed into a General cell
                    {"部署": 1.5},
                    {"加入状況": True},
                    {"会員名": "#N/A"},
                    {"代表者役職": "=B6"},
                ),
            ]
        ),
        (
            "FILE:2: 住所2: 日付として保存されています（Excel が番地や番号を日付に変えた可能性があります）。"
            "セルの表示形式を「文字列」にして入力し直してください",
            "FILE:3: 部署: 注意: 小数の数値として保存されています。表示どおりに印刷されるか確認し、"
            "セルの表示形式を「文字列」にして入力し直してください",
            "FILE:4: 加入状況: TRUE/FALSE の値になっています。正しい値を入力してください",
            "FILE:5: 会員名: Excel のエラー値「#N/A」です。式を直すか、値を入力してください",
            "FILE:6: 代表者役職: 式の計算結果が保存されていません。Excel で開いて保存し直すか、値を入力してください",
        ),
        total_rows=5,
        members=1,
        note="最初の表示シート「会員名簿」",
    ),
    Case(
        "excel_style.xlsx",
        excel_style_xlsx,
        (
            f"FILE:3: 加入状況: 「加入済」は使えません{GROUPS}",
            f"FILE:4: 郵便番号: 注意: {AS_NUMBER}",
            "FILE:5: 住所2: 日付として保存されています（Excel が番地や番号を日付に変えた可能性があります）。"
            "セルの表示形式を「文字列」にして入力し直してください",
        ),
        total_rows=5,
        members=3,
        note="最初の表示シート「会員名簿」",
    ),
    # Last year's roster left as the first tab (issue 25): which sheet is meant must be said, not guessed.
    Case(
        "two_sheets.xlsx",
        xlsx_file([HEADERS, *rows({}, {}, {})], before=[("2023年度", [HEADERS, *rows({}, {})])]),
        (
            "FILE: 表示されているシートが複数あり（「2023年度」「会員名簿」）、どれが名簿か決められないため読みま"
            "せんでした。"
            'mailmerge.toml の [roster] に sheet = "シート名" '
            "と名簿のシート名を書くか、名簿以外のシートを削除または非表示にしてください",
        ),
    ),
    Case(
        "unheaded_note.xlsx",
        xlsx_file([HEADERS, *rows({}, {}, {})[:1], [*rows({}, {})[1], "要確認"], rows({}, {}, {})[2]]),
        (
            "FILE:3: 注意: 見出しのない J 列に値があります。この値は使われません（使う列なら 1 "
            "行目に見出しを入れてください）",
        ),
        total_rows=3,
        members=3,
        note="最初の表示シート「会員名簿」",
    ),
    Case(
        "header_only.xlsx",
        xlsx_file([HEADERS]),
        ("FILE: 会員の行がありません（2 行目以降が空です）。名簿に会員を入力してください",),
        note="最初の表示シート「会員名簿」",
    ),
    Case(
        "not_excel.xlsx",
        raw_file(csv_bytes([HEADERS, *rows({})])),
        (
            "FILE: Excel ブック（.xlsx）として読めません（壊れているか、別の形式のファイルです）。"
            "Excel で開いて「Excel ブック（.xlsx）」として保存し直してください",
        ),
    ),
    Case(
        "encrypted.xlsx",
        raw_file(OLE),
        (
            "FILE: パスワードで保護されているか、古い Excel 形式（.xls）のファイルです。"
            "パスワードを解除し、「Excel ブック（.xlsx）」として保存し直してください",
        ),
    ),
    Case(
        "legacy.xls",
        raw_file(OLE),
        (
            "FILE: 古い Excel 形式（.xls）は読めません。Excel で開き、「名前を付けて保存」で"
            "「Excel ブック（.xlsx）」を選んで保存し直してください",
        ),
    ),
    # EUC-JP "decodes" as CP932 into private-use garbage from the first line: refused, not guessed.
    Case(
        "euc_jp.csv",
        csv_file([HEADERS, *rows({}, {})], "euc_jp"),
        (
            "FILE: 文字コードが UTF-8 でも CP932（Shift_JIS）でもないため読めません（UTF-8 としては 1 行目、"
            f"CP932 としては 1 行目に読めない文字）。{RESAVE_CSV}",
        ),
    ),
    Case(
        "utf16.csv",
        raw_file("\ufeff".encode("utf-16-le") + "\t".join(HEADERS).encode("utf-16-le")),
        (f"FILE: UTF-16 の CSV（Excel の「Unicode テキスト」）は読めません。{RESAVE_CSV}",),
    ),
    Case(
        "empty.csv",
        raw_file(b""),
        ("FILE:1: 1 行目に見出しがありません。1 行目に列の見出し（会員番号、会員名 など）を入れてください",),
        note="文字コード UTF-8",
    ),
    # Blank lines (empty, commas only, spaces only) are skipped and counted; row numbers stay Excel's.
    Case(
        "blank_rows.csv",
        raw_file(
            csv_bytes([HEADERS, BLANK_CASE[0]], "cp932")
            + b"\r\n"  # row 3: empty
            + csv_bytes([BLANK_CASE[1]], "cp932")
            + b",,,,,,,,\r\n"  # row 5: commas only
            + f"{SP},,, ,,,,,\r\n".encode("cp932")  # row 6: spaces only
            + csv_bytes(BLANK_CASE[2:], "cp932")
            + b"\r\n\r\n"
        ),
        (  # trailing empty lines: not rows at all
            f"FILE:7: 会員名: {EMPTY}",
        ),
        total_rows=4,
        members=3,
        blank_rows=3,
        note="文字コード CP932 / Shift_JIS",
    ),
    Case(
        "stray_comma.csv",
        raw_file(
            csv_bytes([HEADERS, *rows({})])
            + "0102,医療法人社団あおば会,画像診断センター,理事長,青葉　花子,980-0811,"
            "宮城県仙台市青葉区一番町2丁目4番6号,一番町ビル, 3階,未加入\r\n".encode()
            + csv_bytes(rows({}, {}, {})[2:])
        ),
        (
            "FILE:3: 見出しより右（J 列）にも値があり、列がずれているようです。値の中のカンマ（,）は全角の「，」"
            "にするか"
            '値全体を "" で囲み、メモの列なら 1 行目に見出しを入れてください',
        ),
        total_rows=3,
        members=2,
        note="文字コード UTF-8",
    ),
    Case(
        "short_rows.csv",
        raw_file(
            csv_bytes([HEADERS, *rows({})])
            + f"0102,医療法人社団あおば会,画像診断センター,理事長,青葉{SP}花子\r\n".encode()
        ),
        (
            f"FILE:3: 郵便番号: {EMPTY}",
            f"FILE:3: 住所1: {EMPTY}",
            f"FILE:3: 加入状況: {EMPTY}",
        ),
        total_rows=2,
        members=1,
        note="文字コード UTF-8",
    ),
    Case(
        "bad_ids.csv",
        csv_file(
            [
                HEADERS,
                *rows(
                    {"会員番号": "A/01"},
                    {"会員番号": "12.0"},
                    {"会員番号": "会員１"},
                    {"会員番号": ""},
                    {"会員番号": "ATS-0001_b"},
                    {"会員番号": "X" * 33},
                    {"会員番号": "-01"},
                    {"会員番号": "CON"},
                    {"会員番号": "nul"},
                    {"会員番号": "Com1"},
                ),
            ]
        ),
        (
            f"FILE:2: 会員番号: 会員番号「A/01」に使えない文字があります{BAD_ID}",
            f"FILE:3: 会員番号: 会員番号「12.0」に使えない文字があります{BAD_ID}",
            f"FILE:4: 会員番号: 会員番号に全角の文字（漢字・かななど）があります{BAD_ID}",
            f"FILE:5: 会員番号: {EMPTY}",
            f"FILE:7: 会員番号: 会員番号が 33 文字あります{BAD_ID}",
            f"FILE:8: 会員番号: 会員番号「-01」に使えない文字があります{BAD_ID}",
            *(
                f"FILE:{row}: 会員番号: 会員番号「{name}」{RESERVED}"
                for row, name in ((9, "CON"), (10, "nul"), (11, "Com1"))
            ),
        ),
        total_rows=10,
        members=1,
        note="文字コード UTF-8",
    ),
    # Row 3's address spans two lines inside quotes (Alt+Enter): an error at its cell (issue 25), and
    # row 4 is still row 4 (Excel's numbering).
    Case(
        "multiline_cell.csv",
        csv_file([HEADERS, *rows({}, {"住所2": "一番町ビル\r\n3階"}, {"加入状況": "加入済"})], "cp932"),
        (
            "FILE:3: 住所2: セルの中に改行（U+000A）があります。宛名や文書では行が崩れて正しく印刷されません。"
            "改行を消して 1 行にしてください（住所が長いときは 住所2 の列に分けてください）",
            f"FILE:4: 加入状況: 「加入済」は使えません{GROUPS}",
        ),
        total_rows=3,
        members=1,
        note="文字コード CP932 / Shift_JIS",
    ),
    Case(
        "gaiji.csv",
        csv_file([HEADERS, *rows({"代表者氏名": f"港{SP}\ue001郎"}, {})]),
        (
            "FILE:2: 代表者氏名: 外字（「\ue001」(U+E001)、どのフォントにもない文字）があり印刷できません。標準の"
            "文字に置き換えてください",
        ),
        total_rows=2,
        members=1,
        note="文字コード UTF-8",
    ),
)


# A good roster as Excel's "CSV (コンマ区切り)" writes it (CP932, CRLF), with what strict Shift_JIS
# rejects (髙 﨑 Ⅱ ① ㈱), "&", full-width digits in keys and spaces around the group word.
# Every name must print exactly as entered; tests/test_roster.py spells out each value.
GOOD_CP932 = (
    HEADERS,
    (
        "０００１",
        "㈱髙橋メディカル&ラボ",
        "画像診断部①",
        "代表取締役",
        f"髙橋{SP}一郎",
        "１０３－００２７",
        "東京都中央区日本橋３丁目５番１号",
        "髙橋ビルⅡ 5階",
        "加入 ",
    ),
    (
        "0002",
        "医療法人社団﨑山会",
        "",
        "理事長",
        f"山﨑{SP}花子",
        "060-0001",
        "北海道札幌市中央区北一条西４丁目１番２号",
        "",
        f"未加入{SP}",
    ),
    (
        " ０００３",
        "合同会社R&D遠隔読影",
        "遠隔読影課",
        "代表社員",
        "",
        "9800811",
        "宮城県仙台市青葉区一番町2丁目4番6号",
        "一番町ビル ３F",
        f"{SP}加入",
    ),
    (
        "0004",
        "株式会社ﾅﾆﾜ読影サポート",
        "業務部",
        "代表取締役社長",
        "浪速 次郎",
        "530-0001",
        "大阪府大阪市北区梅田1-8-3",
        "梅田第②ビル",
        "未加入",
    ),
)


def check_case_data() -> None:
    """Guard the hand-counted lengths above."""
    assert len(LONG_NAME) == 41 and len(LONG_ADDRESS) == 45 and len(ADDRESS_40) == 40, (
        len(LONG_NAME),
        len(LONG_ADDRESS),
        len(ADDRESS_40),
    )
    assert len(LONG_PERSON) == 21 and len(NAME_40) == 40
    assert len({case.name for case in CASES}) == len(CASES)


def main() -> int:
    check_case_data()
    for old in HERE.iterdir():
        if old.name not in ("make_bad_rosters.py", "__pycache__"):
            old.unlink()
    expected = {}
    for case in CASES:
        case.write(HERE / case.name)
        expected[case.name] = case.expected()
    (HERE.parent / "good_cp932.csv").write_bytes(csv_bytes(GOOD_CP932, "cp932"))
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} bad rosters and expected.json into {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
