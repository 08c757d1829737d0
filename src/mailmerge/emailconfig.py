"""The [email] table of mailmerge.toml and the 送付方法 words: the SMTP server, the sender, who gets e-mail or post."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from mailmerge import messages
from mailmerge.errors import ConfigError

# 送付方法: how a member receives its documents (the roster's words; the e-mail's and the post's).
CHANNEL_POST = "郵送"
CHANNEL_MAIL = "メール"
CHANNEL_BOTH = "郵送とメール"
CHANNELS = (CHANNEL_POST, CHANNEL_MAIL, CHANNEL_BOTH)
# The roster fields e-mail reads (neither one printed): the address and the 送付方法.
EMAIL_FIELD = "email"
CHANNEL_FIELD = "channel"
SECURITIES = ("starttls", "tls", "none")
_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
# The hosts `security = "none"` may name: a server on this machine, where nothing crosses a network.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def member_channel(fields: Mapping[str, str], settings: EmailSettings | None) -> str:
    """Return a member's 送付方法: its roster cell (NFKC, trimmed), else [email] default_channel (else 郵送)."""
    value = unicodedata.normalize("NFKC", fields.get(CHANNEL_FIELD, "") or "").strip()
    return value or (settings.default_channel if settings is not None else CHANNEL_POST)


def wants_mail(channel: str) -> bool:
    return channel in (CHANNEL_MAIL, CHANNEL_BOTH)


def wants_post(channel: str) -> bool:
    """Return False only for メール alone: an unknown word (refused by check) keeps the post, the safe side."""
    return channel != CHANNEL_MAIL


@dataclass(frozen=True)
class EmailSettings:
    """The [email] table: the SMTP server, the sender, the rate limits and the default 送付方法.

    The password is never here: it comes from MAILMERGE_SMTP_PASSWORD or a prompt.
    """

    host: str
    port: int
    security: str
    user: str
    sender: str  # the key `from`: "name <address>"
    reply_to: str
    envelope_from: str  # where bounces go; the sender's address when empty
    per_minute: int  # 0: no limit
    per_day: int  # 0: no limit
    default_channel: str = CHANNEL_POST


def email_settings(table: Mapping[str, Any], name: str) -> EmailSettings:
    """Return the [email] table checked: a known security, no login over an unencrypted connection."""
    unknown = sorted(set(table) - set(_EMAIL_KEYS))
    if unknown:
        raise ConfigError(
            messages.CONFIG_EMAIL_UNKNOWN_KEYS.format(
                name=name, keys=", ".join(unknown), allowed=", ".join(_EMAIL_KEYS)
            )
        )
    security = str(table.get("security", "starttls"))
    if security not in SECURITIES:
        raise ConfigError(
            messages.CONFIG_EMAIL_SECURITY.format(name=name, allowed=", ".join(SECURITIES), value=security)
        )
    host, user = str(table.get("host", "")).strip(), str(table.get("user", "")).strip()
    if not host:
        raise ConfigError(messages.CONFIG_NEEDS_VALUE.format(name=name, where="email", key="host"))
    if security == "none" and (host not in LOCAL_HOSTS or user):
        raise ConfigError(messages.CONFIG_EMAIL_PLAIN.format(name=name, hosts=", ".join(LOCAL_HOSTS)))
    sender = str(table.get("from", "")).strip()
    if not sender:
        raise ConfigError(messages.CONFIG_NEEDS_VALUE.format(name=name, where="email", key="from"))
    reply_to, bounces = str(table.get("reply_to", "")).strip(), str(table.get("envelope_from", "")).strip()
    # Typed with the Japanese input on (ｏｆｆｉｃｅ＠…) or with a Japanese domain, an address cannot go into
    # MAIL FROM or a header without SMTPUTF8: send would stop at its first member, leaving it unknown.
    for key, address in (("from", parseaddr(sender)[1]), ("reply_to", reply_to), ("envelope_from", bounces)):
        if not address.isascii():
            raise ConfigError(messages.CONFIG_EMAIL_NOT_ASCII.format(name=name, key=key))
    channel = str(table.get("default_channel", CHANNEL_POST))
    if channel not in CHANNELS:
        raise ConfigError(messages.CONFIG_EMAIL_CHANNEL.format(name=name, allowed="、".join(CHANNELS), value=channel))
    try:
        port = int(table.get("port", _DEFAULT_PORTS[security]))
        limits = int(table.get("per_minute", 0)), int(table.get("per_day", 0))
    except (TypeError, ValueError):
        raise ConfigError(messages.CONFIG_EMAIL_NUMBER.format(name=name)) from None
    if not 0 < port < 65536 or min(limits) < 0:
        raise ConfigError(messages.CONFIG_EMAIL_NUMBER.format(name=name))
    return EmailSettings(
        host=host,
        port=port,
        security=security,
        user=user,
        sender=sender,
        reply_to=reply_to,
        envelope_from=bounces,
        per_minute=limits[0],
        per_day=limits[1],
        default_channel=channel,
    )


_EMAIL_KEYS = (
    "host",
    "port",
    "security",
    "user",
    "from",
    "reply_to",
    "envelope_from",
    "per_minute",
    "per_day",
    "default_channel",
)
