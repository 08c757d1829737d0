"""The e-mail fields of the roster (メールアドレス, 送付方法): email-validator, and only here; no network look-ups."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import pandas as pd
from email_validator import EmailNotValidError, validate_email

from mailmerge import messages
from mailmerge.config import (
    CHANNEL_FIELD,
    CHANNEL_MAIL,
    CHANNEL_POST,
    CHANNELS,
    EMAIL_FIELD,
)
from mailmerge.roster.findings import FIELD
from mailmerge.roster.headers import Column

if TYPE_CHECKING:
    from mailmerge.roster.checks import _TableChecker


def normalise(text: str) -> str:
    """Return a cell as e-mail reads it: NFKC (全角 letters and ＠ made ASCII), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def check_addresses(checker: _TableChecker, table: pd.DataFrame, column: Column) -> pd.Series:
    """Report each address that is not one (syntax only: the domain is never looked up); never quote it."""
    values = table[column.field].map(normalise)
    for index, row, value in zip(table.index, table["row"], values, strict=False):
        if not value:
            continue
        try:
            # ASCII only: the message is sent without SMTPUTF8, which not every server offers.
            validate_email(value, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError:
            checker.flag("error", messages.ROSTER_BAD_EMAIL, row, column, FIELD)
            values[index] = ""
            continue
        if not value.isascii():  # a domain in Japanese passes the above, and smtplib cannot send to it
            checker.flag("error", messages.ROSTER_EMAIL_NOT_ASCII, row, column, FIELD)
            values[index] = ""
    return values


def check_channels(checker: _TableChecker, table: pd.DataFrame, column: Column) -> pd.Series:
    """Report a 送付方法 that is none of the three, and メール for a member without an address."""
    values = table[column.field].map(normalise)
    email = next((c for c in checker.headers.columns if c.field == EMAIL_FIELD), None)
    addresses = table[email.field].map(normalise) if email is not None else pd.Series("", index=table.index)
    settings = checker.config.email
    default = settings.default_channel if settings is not None else CHANNEL_POST
    for index, row, value in zip(table.index, table["row"], values, strict=False):
        if value and value not in CHANNELS:
            checker.flag("error", messages.ROSTER_BAD_CHANNEL.format(allowed="・".join(CHANNELS)), row, column, FIELD)
            values[index] = ""
        elif CHANNEL_MAIL in (value or default) and not addresses[index]:
            header = email.header if email is not None else EMAIL_FIELD
            checker.flag("error", messages.ROSTER_MAIL_WITHOUT_ADDRESS.format(email=header), row, column, FIELD)
    return values


__all__ = ["CHANNEL_FIELD", "EMAIL_FIELD", "check_addresses", "check_channels", "normalise"]
