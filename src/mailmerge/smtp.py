"""smtplib, and only here: one connection to the [email] server, encrypted before any login.

The server's certificate is checked against the system's authorities (OpenSSL's SSL_CERT_FILE
adds one); a server that does not offer STARTTLS when asked to is refused, never used in plain.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Self

from mailmerge import messages
from mailmerge.config import EmailSettings
from mailmerge.errors import MailmergeError

TIMEOUT = 60.0
_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")
_LEADING_DOT = re.compile(rb"(?m)^\.")
# A journalled reply (str(Reply)) starts with the server's code and, when it gives one, the enhanced code (RFC 3463).
_REPLY_CODES = re.compile(r"([2-5]\d\d)(?:[ -]|$)(?:([245]\.\d{1,3}\.\d{1,3})(?:[ :;,-]|$))?")
# Enhanced codes 5.1.x are about the address (no such mailbox, bad domain, bad syntax, …); a reply without
# one is about the address when its basic code is 550 (mailbox unavailable), 551 or 553 (name not allowed).
_ADDRESS_CODES = ("550", "551", "553")


class SmtpError(MailmergeError):
    """The server cannot be reached, refuses the login, or offers no encryption when required."""


class SmtpLoginRefused(SmtpError):
    """The server refused the user and password; ``code`` lets a page say it in its own words."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class HandoverUnknown(SmtpError):
    """The connection was lost while a message was handed over: the server may or may not have it."""


@dataclass(frozen=True)
class Reply:
    """The server's answer to one message: its code and text (4xx: try later; 5xx: refused)."""

    code: int
    text: str

    @property
    def accepted(self) -> bool:
        return 200 <= self.code < 300

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


def reply_codes(reply: str) -> tuple[str, str] | None:
    """Return a journalled reply's code and enhanced code ("550", "5.1.1"; "" without one); None without a code."""
    found = _REPLY_CODES.match(reply)
    return (found.group(1), found.group(2) or "") if found else None


def about_the_address(code: str, enhanced: str) -> bool:
    """Return whether a refusal with these codes (reply_codes) says the address is wrong, not the message."""
    return enhanced.startswith("5.1.") if enhanced else code in _ADDRESS_CODES


class Connection:
    """An open, encrypted (or local) and logged-in connection; ``send`` hands over one message."""

    def __init__(self, settings: EmailSettings, password: str | None):
        self.settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Connect, encrypt as configured, and log in when a user is set."""
        s = self.settings
        context = ssl.create_default_context()
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
            self._smtp = smtp
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise SmtpError(messages.SMTP_NO_STARTTLS.format(host=s.host, port=s.port))
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                # Never reached over a plain connection: config refuses a user with security "none".
                if s.security == "none":
                    raise SmtpError(messages.SMTP_PLAIN_LOGIN)
                smtp.login(s.user, self._password or "")
        except SmtpError:
            self.close()
            raise
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise SmtpLoginRefused(
                messages.SMTP_LOGIN_FAILED.format(host=s.host, reply=_reply_text(exc.smtp_code, exc.smtp_error)),
                exc.smtp_code,
            ) from None
        except ssl.SSLError as exc:
            self.close()
            raise SmtpError(
                messages.SMTP_TLS_FAILED.format(host=s.host, port=s.port, detail=exc.reason or exc)
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise SmtpError(
                messages.SMTP_CONNECT_FAILED.format(host=s.host, port=s.port, detail=_describe(exc))
            ) from None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def send(self, envelope_from: str, to: str, data: bytes) -> Reply:
        """Hand one message over and return the server's reply to it (see ``hand_over``)."""
        refused = self.hand_over(envelope_from, to, data)
        return refused if refused is not None else self.reply()

    def hand_over(self, envelope_from: str, to: str, data: bytes) -> Reply | None:
        """Send MAIL, RCPT, DATA and the message; return the refusal, or None: then ``reply`` reads the answer.

        Split so that the caller can make the next message while the server reads this one. A
        connection lost before the message was handed over (a server closing an idle connection)
        is opened again once, then SmtpError: nothing was handed over. Lost while handing it over:
        HandoverUnknown, for the server may have taken it.
        """
        for attempt in (1, 2):
            if self._smtp is None:
                self.open()
            smtp = self._smtp
            assert smtp is not None
            try:
                for code, text in _envelope(smtp, envelope_from, to):
                    if not 200 <= code < 300:
                        _reset(smtp)
                        return Reply(code, _text(text))
            except UnicodeError:
                # smtplib sends commands in ASCII: raised before the command went out, nothing handed over.
                _reset(smtp)
                return Reply(553, messages.SMTP_ADDRESS_NOT_ASCII)
            except OSError as exc:  # smtplib's errors included (SMTPException is an OSError)
                self._drop()
                if attempt == 2:
                    raise SmtpError(
                        messages.SMTP_DISCONNECTED.format(host=self.settings.host, detail=_describe(exc))
                    ) from None
                continue
            try:
                code, text = smtp.docmd("data")
                if code != 354:
                    _reset(smtp)
                    return Reply(code, _text(text))
                smtp.send(_transparent(data))
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                self._drop()
                raise HandoverUnknown(
                    messages.SMTP_LOST_IN_DATA.format(host=self.settings.host, detail=_describe(exc))
                ) from None
            return None
        raise AssertionError("unreachable")

    def reply(self) -> Reply:
        """Return the server's answer to the message ``hand_over`` sent last."""
        smtp = self._smtp
        assert smtp is not None
        try:
            code, text = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise HandoverUnknown(
                messages.SMTP_LOST_IN_DATA.format(host=self.settings.host, detail=_describe(exc))
            ) from None
        if not 200 <= code < 300:
            _reset(smtp)
        return Reply(code, _text(text))

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _envelope(smtp: smtplib.SMTP, envelope_from: str, to: str) -> Iterator[tuple[int, bytes]]:
    """Yield the replies to MAIL FROM and RCPT TO, the second asked only after the first."""
    yield smtp.mail(envelope_from)
    yield smtp.rcpt(to)


def _transparent(data: bytes) -> bytes:
    """Return the message as DATA carries it: a line starting with "." doubled (RFC 5321 4.5.2), then "." alone.

    smtplib's data() runs a regular expression over every byte of every message; ours has no
    such line (headers, then base64), so the search is the cheap ``in``.
    """
    if data.startswith(b".") or b"\n." in data:
        data = _LEADING_DOT.sub(b"..", data)
    return data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _reset(smtp: smtplib.SMTP) -> None:
    """Abandon a refused message; a connection lost meanwhile is found (and opened again) by the next command."""
    try:
        smtp.rset()
    except OSError:
        pass


def _text(text: bytes | str) -> str:
    """Return a reply as one line, any address in it masked: replies are journalled and shown."""
    line = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).replace("\n", " ").strip()
    return _ADDRESS.sub("<…>", line)


def _reply_text(code: int, text: bytes | str) -> str:
    return f"{code} {_text(text)}"


def _describe(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
