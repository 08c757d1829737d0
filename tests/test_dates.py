"""Dates print as in the seed (2024年2月1日) or in the imperial era (令和6年2月1日)."""

from __future__ import annotations

import datetime as dt

import pytest

from mailmerge.dates import format_japanese_date


@pytest.mark.parametrize(
    ("day", "style", "printed"),
    [
        (dt.date(2024, 2, 1), "western", "2024年2月1日"),
        (dt.date(2024, 2, 1), "wareki", "令和6年2月1日"),
        (dt.date(2019, 5, 1), "wareki", "令和元年5月1日"),
        (dt.date(2019, 4, 30), "wareki", "平成31年4月30日"),
        (dt.date(1989, 1, 8), "wareki", "平成元年1月8日"),
        (dt.date(1989, 1, 7), "wareki", "昭和64年1月7日"),
    ],
)
def test_format_japanese_date(day: dt.date, style: str, printed: str) -> None:
    assert format_japanese_date(day, style) == printed


def test_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="日付の書き方 'iso' は使えません"):
        format_japanese_date(dt.date(2024, 2, 1), "iso")
