"""Characters that would print wrong (issue 10 item 2): `mailmerge check` names each one's row, column and code
point.
"""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from mailmerge.cli import main
from mailmerge.config import load_config
from mailmerge.fonts import check_template_fonts
from mailmerge.roster import load_roster

from conftest import DATA

HEADERS = ("会員番号", "会員名", "部署", "代表者役職", "代表者氏名", "郵便番号", "住所1", "住所2", "加入状況")
# Invented members; each row but the last carries one character that would not print as written.
GOOD = [
    "0201",
    "株式会社ひかり読影",
    "読影部",
    "代表取締役",
    "光\u3000一郎",
    "103-0027",
    "東京都中央区日本橋3丁目5番1号",
    "",
    "加入",
]
SPOILED = [
    (2, "住所1", "\u202e東京都中央区日本橋3丁目5番1号"),  # right-to-left override: the address would print backwards
    (3, "会員名", "株式会社ひかり\U000f0001読影"),  # private use, plane 15
    (4, "会員名", "株式会社ひかり\x00読影"),  # NUL
    (5, "会員名", "株式会社ひかり\x0b読影"),  # vertical tab
    (6, "会員名", "株式会社\x01ひかり読影"),  # SOH
    (7, "部署", "読影部\U0001f600"),  # an emoji: no glyph in IPAex
    (8, "代表者氏名", "光\u200b\u3000一郎"),  # zero-width space
    (9, "住所2", "ひかりビル\U00100000 4階"),  # private use, plane 16
    (10, "住所2", "ひかりビル\u0378"),  # unassigned
]
CONTROL = (
    "が入っています。印刷できず、文書が壊れる原因になります。セルの値を入力し直してください（別の場所から貼り付けた値"
    "に入りがちです）"
)
FORMAT = (
    "が入っています。印刷すると文字の順序や区切りが変わります。"
    "セルの値を入力し直してください（Web などから貼り付けた値に入りがちです）"
)
PRIVATE = "、どのフォントにもない文字）があり印刷できません。標準の文字に置き換えてください"


def write_roster(path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADERS)
        for _number, (row, header, value) in enumerate(SPOILED):
            cells = list(GOOD)
            cells[0] = f"02{row:02d}"
            cells[HEADERS.index(header)] = value
            writer.writerow(cells)
        writer.writerow(["0299", *GOOD[1:]])
    return path


def test_check_names_row_column_and_code_point_of_every_unprintable_character(config_in) -> None:
    roster = write_roster(Path("unprintable.csv"))
    result = CliRunner().invoke(main, ["check", "--config", str(config_in()), "--roster", str(roster)])
    lines = [line for line in result.output.splitlines() if line.startswith("unprintable.csv:")]
    assert lines == [
        f"unprintable.csv:2: 住所1: 目に見えない書式用の文字（U+202E、文字の向きを変える制御）{FORMAT}",
        f"unprintable.csv:3: 会員名: 外字（「\U000f0001」(U+F0001){PRIVATE}",
        f"unprintable.csv:4: 会員名: 制御文字（U+0000）{CONTROL}",
        f"unprintable.csv:5: 会員名: 制御文字（U+000B）{CONTROL}",
        f"unprintable.csv:6: 会員名: 制御文字（U+0001）{CONTROL}",
        "unprintable.csv:7: 部署: 「😀」(U+1F600) はテンプレートのフォント（IPAexMincho、IPAexGothic）にない文字"
        "で、正しく印刷されません"
        "（絵文字や一部の記号・異体字など）。ふつうの文字に置き換えてください",
        f"unprintable.csv:8: 代表者氏名: 目に見えない書式用の文字（U+200B、幅のない文字）{FORMAT}",
        f"unprintable.csv:9: 住所2: 外字（「\U00100000」(U+100000){PRIVATE}",
        "unprintable.csv:10: 住所2: Unicode で文字が決められていない番号（U+0378）が入っています。印刷できません。"
        "セルの値を入力し直してください",
    ]
    assert "名簿 10 行: 加入 1 名, 未加入 0 名, エラーのある行 9 行 (空行 0 行は読み飛ばし)" in result.output
    assert result.exit_code == 1
    assert (
        result.output.splitlines()[-1]
        == "エラー: エラーが 9 件あります。直してから、もう一度 mailmerge check を実行してください。"
    )


def test_a_cell_with_several_bad_characters_lists_each_once(config_in) -> None:
    path = Path("several.csv")
    path.write_text(
        ",".join(HEADERS) + "\n" + ",".join([*GOOD[:6], "\u202e東京都\u200b中央区\u202e", *GOOD[7:]]) + "\n",
        encoding="utf-8",
    )
    roster = load_roster(load_config(config_in()), path)
    assert [p.message.split("（")[1].split("、")[0] for p in roster.problems] == ["U+202E", "U+200B"]
    assert [(p.row, p.column) for p in roster.problems] == [(2, "住所1"), (2, "住所1")]


def test_the_sample_rosters_pass(config_in) -> None:
    config = load_config(config_in())
    for path in (DATA / "good_cp932.csv", DATA / "sample_utf8.csv"):
        fonts = check_template_fonts(dict(config.documents)).maps
        unprintable = [p for p in load_roster(config, path, fonts=fonts).problems if "U+" in p.message]
        assert unprintable == []


def test_check_reports_what_prints_wrong_at_its_cell_with_the_character_beside_its_code(config_in) -> None:
    # Issue 25: each of these passed check, then printed wrong or stopped run without naming the cell.
    # Issue 21: a character the fonts lack is shown beside its code; ㈱ and (株) are warnings.
    cells = [
        (2, "住所2", "一番町ビル\n3階"),  # Alt+Enter in Excel
        (3, "代表者氏名", "Rene\u0301\u3000光"),  # a combining acute accent
        (4, "部署", "0002 · 2024 · 1/1"),  # the shape of a page mark
        (5, "代表者氏名", "\U00020bb7田\u3000一郎"),  # 𠮷: not in IPAex
        (6, "会員名", "(株)ひかり読影"),
    ]
    path = Path("wrong.csv")
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADERS)
        for row, header, value in cells:
            values = list(GOOD)
            values[0] = f"03{row:02d}"
            values[HEADERS.index(header)] = value
            writer.writerow(values)
    result = CliRunner().invoke(main, ["check", "--config", str(config_in()), "--roster", str(path)])
    assert [line for line in result.output.splitlines() if line.startswith("wrong.csv:")] == [
        "wrong.csv:2: 住所2: セルの中に改行（U+000A）があります。宛名や文書では行が崩れて正しく印刷されません。"
        "改行を消して 1 行にしてください（住所が長いときは 住所2 の列に分けてください）",
        "wrong.csv:3: 代表者氏名: 前の文字に重ねる結合文字（「\u25cc\u0301」(U+0301)）が入っています。文字が変わ"
        "って印刷されます。"
        "セルの値を入力し直してください（Mac や Web から貼り付けた値に入りがちです）",
        "wrong.csv:4: 部署: 「0002 · 2024 · 1/1」が各ページの下に印刷する印（会員番号 · 年度 · ページ）と同じ形で、"
        "ほかの会員のページと取り違えるため作成できません。「·」や「/」を別の文字に変えてください",
        "wrong.csv:5: 代表者氏名: 「𠮷」(U+20BB7) はテンプレートのフォント（IPAexMincho、IPAexGothic）にない文字で、"
        "正しく印刷されません（絵文字や一部の記号・異体字など）。ふつうの文字に置き換えてください",
        "wrong.csv:6: 会員名: 注意: 「(株)」は略した書き方です。宛名には「株式会社」と正式に書くことをおすすめします",
    ]
    assert result.exit_code == 1
