"""Japanese date formatting: 2024年2月1日, or in the imperial era (和暦) 令和6年2月1日."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from mailmerge import messages

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
        raise ValueError(messages.DATE_STYLE_UNKNOWN.format(style=style, allowed=", ".join(DATE_STYLES)))
    for start, era in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            # The first year of an era is written 元年, never 1年.
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{day.month}月{day.day}日"
    raise ValueError(messages.DATE_BEFORE_SHOWA.format(day=day.isoformat()))


# Japan's time: every time a person reads (history, decisions.csv, bag-info, folder names, covers).
JST = dt.timezone(dt.timedelta(hours=9), "JST")


def now_jst() -> dt.datetime:
    """Return the time now in Japan, to the second."""
    return dt.datetime.now(JST).replace(microsecond=0)


def today_jst() -> dt.date:
    """Return today's date in Japan (the machine's own zone may be UTC)."""
    return now_jst().date()


def utc_stamp(moment: dt.datetime) -> str:
    """Return MOMENT as the stored form, ISO 8601 in UTC: 2026-12-01T07:40:00Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_jst(stamp: str) -> dt.datetime | None:
    """Return a stored ISO 8601 stamp (2026-12-01T07:40:00Z, or with its offset) in Japan time; None if not one."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(JST)


def jst_iso(stamp: str) -> str:
    """Return a stored stamp as ISO 8601 in Japan time (2026-12-01T16:40:00+09:00); other text unchanged."""
    moment = in_jst(stamp)
    return stamp if moment is None else moment.isoformat(timespec="seconds")


def shown_jst(stamp: str, seconds: bool = False) -> str:
    """Return a stored stamp as a person reads it: 2026-12-01 16:40 (+09:00); other text unchanged."""
    moment = in_jst(stamp)
    if moment is None:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + " (+09:00)"


_WESTERN = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_WAREKI = re.compile(r"^(令和|平成|昭和)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日$")


def parse_date(text: str) -> dt.date | None:
    """Return the date typed as 2026-12-05, 2026/12/05 or 令和8年12月5日 (full-width digits too); None if it is none."""
    typed = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    try:
        western = _WESTERN.match(typed)
        if western:
            return dt.date(*(int(part) for part in western.groups()))
        wareki = _WAREKI.match(typed)
        if wareki:
            era, year, month, day = wareki.groups()
            start = next(first for first, name in _ERAS if name == era)
            found = dt.date(start.year + (1 if year == "元" else int(year)) - 1, int(month), int(day))
            return found if found >= start else None  # 平成31年5月1日 was 令和元年: a day the era never had
    except ValueError:
        return None  # 2026-02-30
    return None


def check_date(text: str, today: dt.date | None = None, field: str = messages.SENT_ON_OPTION) -> str:
    """Return a sending date (2026-12-05, 2026/12/05 or 令和8年12月5日) as YYYY-MM-DD, or raise naming what was typed.

    A day after today (in Japan) has not come: a letter cannot have been sent then.
    """
    from mailmerge.errors import MailmergeError  # here: errors imports models, which imports this module

    day = parse_date(text)
    if day is None:
        raise MailmergeError(messages.ARCHIVE_BAD_DATE.format(field=field, value=text))
    today = today or today_jst()
    if day > today:
        raise MailmergeError(messages.ARCHIVE_FUTURE_DATE.format(field=field, value=text, today=today.isoformat()))
    return day.isoformat()
