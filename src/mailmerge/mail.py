"""A member's e-mail: templates/email.txt filled, the approved PDFs attached, the same bytes every time.

The standard library's ``email`` package only. The message is 7-bit ASCII on the wire (UTF-8 in
RFC 2047 encoded words and base64), so any server takes it without SMTPUTF8 or 8BITMIME, and
ISO-2022-JP never has to carry 髙, 﨑, ① or ㈱.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from mailmerge import messages
from mailmerge.config import EmailSettings
from mailmerge.dates import JST
from mailmerge.errors import MailmergeError

EMAIL_TEMPLATE = Path("templates") / "email.txt"
SUBJECT_PREFIX = "件名:"
TEST_MARK = "【テスト送信】"
# What each document's attachment is called: ASCII, so every mail program shows it the same way.
ATTACHMENT_LABELS = {"letter": "renewal-letter", "overview": "insurance-overview"}
# Lines of the wire format: SMTP's CRLF, folded at 78 (RFC 5322), UTF-8 in encoded words.
WIRE = policy.SMTP.clone(max_line_length=78)
BASE64_LINE = 76  # characters of base64 a line (RFC 2045), as base64.encodebytes writes them
# The Date header in Japan's time: the time the secretariat and the members read.


class MailError(MailmergeError):
    """The e-mail template is broken, or a member's message cannot be made."""


class PdfChanged(MailError):
    """A PDF no longer has the bytes that were approved: the member's message is not made."""


@dataclass(frozen=True)
class Attachment:
    """One approved PDF as it is attached: its document, the ASCII file name, its bytes' hash."""

    document: str
    filename: str
    pdf: Path
    sha256: str


@dataclass(frozen=True)
class Message:
    """A member's message: the bytes to send (with Date), and what identifies its content.

    ``content_sha256`` is its Draft's hash (no Date, each PDF named by its hash), so it is the same
    whenever the message is made from the same inputs (what an approval records);
    ``sha256`` is the hash of ``data``, the file DIR/mail/<member>.eml and the bytes sent.
    """

    member_id: str
    to: str
    subject: str
    message_id: str
    attachments: tuple[Attachment, ...]
    content_sha256: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class EmailTemplate:
    """templates/email.txt compiled once: the first line is the subject (``件名: ...``), then a blank line, the body.

    Strict like the letters: a variable nothing provides is an error, never a blank.
    """

    def __init__(self, path: Path, display: str | None = None):
        self.path, self.display = path, display or str(path)
        if not path.is_file():
            raise MailError(messages.MAIL_TEMPLATE_MISSING.format(path=self.display))
        try:
            text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError:
            raise MailError(messages.MAIL_TEMPLATE_NOT_UTF8.format(path=self.display)) from None
        first, _, body = text.partition("\n")
        if not first.startswith(SUBJECT_PREFIX) or not first.removeprefix(SUBJECT_PREFIX).strip():
            raise MailError(messages.MAIL_TEMPLATE_NO_SUBJECT.format(path=self.display, prefix=SUBJECT_PREFIX))
        # Sandboxed as the letters' templates are (render.strict_environment): an uploaded file never reaches Python.
        env = ImmutableSandboxedEnvironment(
            undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
        )
        try:
            self._subject = env.from_string(first.removeprefix(SUBJECT_PREFIX).strip())
            self._body = env.from_string(body.lstrip("\n"))
        except jinja2.TemplateSyntaxError as exc:
            raise MailError(
                messages.MAIL_TEMPLATE_SYNTAX.format(path=self.display, line=exc.lineno, detail=exc.message)
            ) from None

    def render(self, context: Mapping[str, Any], member_id: str) -> tuple[str, str]:
        """Return the subject (one line) and the body for one member."""
        try:
            subject = " ".join(self._subject.render(context).split())
            body = self._body.render(context)
        except jinja2.UndefinedError as exc:
            raise MailError(
                messages.MAIL_TEMPLATE_UNDEFINED.format(path=self.display, member_id=member_id, detail=exc.message)
            ) from None
        except jinja2.TemplateError as exc:
            raise MailError(
                messages.MAIL_TEMPLATE_FAILED.format(path=self.display, member_id=member_id, detail=exc)
            ) from None
        return subject, body


def attachment_name(cycle: str, document: str, member_id: str) -> str:
    """Return the ASCII file name a document is attached under: ATS-2024-renewal-letter-0001.pdf."""
    return f"ATS-{cycle}-{ATTACHMENT_LABELS.get(document, document)}-{member_id}.pdf"


def message_id(cycle: str, member_id: str, attachments: Sequence[Attachment], sender: str, test: bool = False) -> str:
    """Return a Message-ID fixed by the cycle, the member and the documents' hashes (not the time and PID)."""
    key = "\n".join([cycle, member_id, *(f"{a.document}:{a.sha256}" for a in attachments), "test" if test else ""])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "mailmerge.invalid"
    return f"<{digest}.{cycle}{'.test' if test else ''}@{domain}>"


@dataclass(frozen=True)
class Draft:
    """A member's message as a person reads it, without Date: what the review page shows and an approval records.

    ``sha256`` hashes its canonical text (``canonical``: the headers a person reads, each attachment's
    name and its PDF's hash, the body): the same whenever the message is made from the same inputs,
    and made without reading a PDF or running email's header folding (slow: thousands of members
    are hashed whenever the review opens a run). The bytes sent are made from it (build_message), so
    the journal's content_sha256 is this hash: a change of sender, address, subject, body, attachment
    names or PDFs changes it.
    """

    member_id: str
    sender: str
    to_name: str  # '' for a test send (the member's name is not the tester's)
    to_address: str
    reply_to: str
    subject: str
    body: str
    message_id: str
    attachments: tuple[Attachment, ...]

    @property
    def to(self) -> str:
        """Return the To header as a person reads it: 名前 <address>."""
        return f"{self.to_name} <{self.to_address}>" if self.to_name else self.to_address

    @property
    def canonical(self) -> str:
        lines = [CANONICAL_FORM, f"From: {self.sender}", f"To: {self.to}", f"Reply-To: {self.reply_to}"]
        lines += [f"Subject: {self.subject}", f"Message-ID: {self.message_id}"]
        lines += [f"Attachment: {a.filename} {a.sha256}" for a in self.attachments]
        return "\n".join([*lines, "", self.body])

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.canonical.encode("utf-8")).hexdigest()


# The first line of a Draft's canonical text: a new way of writing the message bytes from the same text
# changes it, so approvals made on the old one are asked again.
CANONICAL_FORM = "mailmerge e-mail 1"


def draft_message(
    settings: EmailSettings,
    template: EmailTemplate,
    context: Mapping[str, Any],
    *,
    cycle: str,
    member_id: str,
    to: str,
    recipient_name: str,
    attachments: Sequence[Attachment],
    test_to: str | None = None,
) -> Draft:
    """Return a member's message as a person reads it, without Date; no file is read."""
    subject, body = template.render(context, member_id)
    if test_to is not None:
        subject = f"{TEST_MARK}{subject}"
    return Draft(
        member_id=member_id,
        sender=settings.sender,
        # A test goes to the tester's own address: the member's name is not theirs to be addressed by.
        to_name=recipient_name if not test_to else "",
        to_address=test_to or to,
        reply_to=settings.reply_to,
        subject=subject,
        body=body,
        message_id=message_id(cycle, member_id, attachments, settings.sender, test_to is not None),
        attachments=tuple(attachments),
    )


def build_message(
    settings: EmailSettings,
    template: EmailTemplate,
    context: Mapping[str, Any],
    *,
    cycle: str,
    member_id: str,
    to: str,
    recipient_name: str,
    attachments: Sequence[Attachment],
    date: datetime,
    test_to: str | None = None,
) -> Message:
    """Return a member's message; ``test_to`` sends it to that address instead, its subject marked 【テスト送信】.

    The PDFs are read once here and must still hash to ``Attachment.sha256`` (the approved files).
    """
    draft = draft_message(
        settings,
        template,
        context,
        cycle=cycle,
        member_id=member_id,
        to=to,
        recipient_name=recipient_name,
        attachments=attachments,
        test_to=test_to,
    )
    message = EmailMessage(policy=WIRE)
    message["From"] = draft.sender
    message["To"] = Address(display_name=draft.to_name, addr_spec=draft.to_address) if draft.to_name else draft.to
    if draft.reply_to:
        message["Reply-To"] = draft.reply_to
    message["Subject"] = draft.subject
    message["Message-ID"] = draft.message_id
    message["MIME-Version"] = "1.0"
    # base64: Japanese lines stay whole (quoted-printable would cut them into =E3=81 runs) and
    # the message needs no 8BITMIME from the server.
    message.set_content(draft.body, charset="utf-8", cte="base64")
    # The PDFs' base64 is put in afterwards: email's generator writes a payload line by line, which
    # costs more than everything else in sending a message. A stand-in per attachment, itself base64
    # of a text that names its PDF's hash, marks where each goes.
    encoded = {}
    for attachment in attachments:
        data = attachment.pdf.read_bytes()
        if hashlib.sha256(data).hexdigest() != attachment.sha256:
            raise PdfChanged(messages.MAIL_PDF_CHANGED.format(member_id=member_id, document=attachment.document))
        stand_in = f"mailmerge {attachment.sha256[:40]}".encode("ascii")  # one base64 line (under 57 bytes)
        message.add_attachment(stand_in, maintype="application", subtype="pdf", filename=attachment.filename)
        encoded[base64.b64encode(stand_in) + b"\r\n"] = _base64_lines(data)
    # A boundary from the message's own identity: email's default is random, and the bytes must
    # be the same each time. "=_" cannot occur in base64 or quoted-printable text.
    message.set_boundary(f"=_mailmerge_{draft.message_id.strip('<>').partition('.')[0][:24]}")
    content = message.as_bytes()
    for stand_in, lines in encoded.items():
        if content.count(stand_in) != 1:
            raise AssertionError("an attachment's stand-in is not found once in the message")
        content = content.replace(stand_in, lines)
    # The Date last, as the header block's last line: the rest is the same bytes for the same inputs.
    end = content.index(b"\r\n\r\n")
    dated = content[:end] + f"\r\nDate: {format_datetime(date.astimezone(JST))}".encode("ascii") + content[end:]
    return Message(
        member_id=member_id,
        to=draft.to_address,
        subject=draft.subject,
        message_id=draft.message_id,
        attachments=tuple(attachments),
        content_sha256=draft.sha256,
        data=dated,
    )


def _base64_lines(data: bytes) -> bytes:
    """Return base64.encodebytes(data) with CRLF line ends: the same bytes, without its call per 57-byte line."""
    encoded = binascii.b2a_base64(data, newline=False)
    lines = [encoded[i : i + BASE64_LINE] for i in range(0, len(encoded), BASE64_LINE)]
    return b"\r\n".join(lines) + b"\r\n" if lines else b""


def envelope_from(settings: EmailSettings) -> str:
    """Return the address bounces go to: envelope_from, else the sender's address."""
    return settings.envelope_from or parseaddr(settings.sender)[1]


def recipient_of(data: bytes) -> str:
    """Return the address a written message goes to (its To header), as the server is told it."""
    # The header block only: parsing the attachments' base64 lines would cost more than sending them.
    headers = BytesHeaderParser(policy=policy.default).parsebytes(data.partition(b"\r\n\r\n")[0] + b"\r\n\r\n")
    return parseaddr(str(headers["To"]))[1]
