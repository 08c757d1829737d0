"""Japanese date formatting: 2024年2月1日, or in the imperial era (和暦) 令和6年2月1日."""

from __future__ import annotations

import datetime as dt

# Era start dates (the first day of each era); newest first.
_ERAS = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
)

DATE_STYLES = ("western", "wareki")


def format_japanese_date(day: dt.date, style: str = "western") -> str:
    """Return the date as printed in a Japanese letter, e.g. 2024年2月1日 or 令和6年2月1日."""
    if style == "western":
        return f"{day.year}年{day.month}月{day.day}日"
    if style != "wareki":
        raise ValueError(f"日付の書き方 {style!r} は使えません（{', '.join(DATE_STYLES)} のどれか）")
    for start, era in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            # The first year of an era is written 元年, never 1年.
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{day.month}月{day.day}日"
    raise ValueError(f"{day.isoformat()} は昭和より前の日付なので和暦で書けません。date_style = \"western\" にしてください")
