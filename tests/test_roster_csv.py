"""The CSV reader: one row per record, numbered as Excel numbers it, the encoding decided and named."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailmerge.roster import RosterUnreadable, read_csv


def test_rows_are_numbered_per_record_even_across_a_quoted_line_break(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes('会員番号,住所2\r\n0401,"一番町ビル\r\n3階"\r\n\r\n0402,\x0b4階\r\n'.encode("cp932"))
    sheet = read_csv(path)
    assert sheet.note == "文字コード CP932 / Shift_JIS" and sheet.is_csv
    assert sheet.header is not None and sheet.header.values == {0: "会員番号", 1: "住所2"}
    # Row 3 is blank and not kept; the vertical tab stays in the cell for the character check.
    assert [(r.number, r.values) for r in sheet.rows] == [
        (2, {0: "0401", 1: "一番町ビル\r\n3階"}),
        (4, {0: "0402", 1: "\x0b4階"}),
    ]


def test_a_record_the_csv_module_refuses_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    # The line where the record starts, not where the csv module gave up (line 13,109).
    # A stray quote that swallows the rest of the file into one cell, past the csv module's field limit.
    path.write_text('会員番号,会員名\n0401,"株式会社\n' + "0402,株式会社\n" * 20_000, encoding="utf-8")
    with pytest.raises(RosterUnreadable) as raised:
        read_csv(path)
    assert str(raised.value) == (
        'CSV として読めません（2 行目付近）。引用符 " の対応を確かめるか、Excel で開いて CSV として保存し直してください'
    )
