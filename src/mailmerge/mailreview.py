"""A member's e-mail as the review sees it: the message as it will be sent, and what an approval records of it.

An approval of a member sent e-mail covers the message too: its hash (mail.Draft.sha256: sender, address,
subject, body, attachment names and PDFs, no Date) and its address's hash are recorded with the decision,
and a change of either makes the decision stale (review.changed_since). Members sent by post only have no
message: nothing of e-mail is asked of their decisions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mailmerge import mail, messages
from mailmerge.config import EMAIL_FIELD, Config, member_channel, wants_mail, wants_post
from mailmerge.models import ManifestRow, Member, member_context


@dataclass(frozen=True)
class MailFacts:
    """What the review knows of a member's e-mail now: its hashes ('' when none is sent or it cannot be made)."""

    message_sha256: str = ""
    address_sha256: str = ""
    problem: str = ""  # why a member who wants e-mail has no message (no [email] table, a broken email.txt)
    by_post: bool = True  # False for a member whose 送付方法 is メール alone: never printed


@dataclass(frozen=True)
class Preview:
    """The message as the member page shows it: the headers a person reads, the body, the attachments' sizes."""

    draft: mail.Draft
    sizes: tuple[tuple[str, int | None], ...]  # (attachment file name, bytes; None when the PDF is not there)


def email_template(config: Config) -> tuple[mail.EmailTemplate | None, str]:
    """Return templates/email.txt compiled, or None and why not ('' without an [email] table: nothing is sent)."""
    if config.email is None:
        return None, ""
    path = config.root / mail.EMAIL_TEMPLATE
    try:
        return mail.EmailTemplate(path, config.display_path(path)), ""
    except mail.MailError as exc:
        return None, str(exc)


def address_of(member: Member) -> str:
    """Return the member's e-mail address as the roster has it (NFKC'd by the roster's check)."""
    return str(member.every_field.get(EMAIL_FIELD, "")).strip()


def wants_email(config: Config, member: Member | None) -> bool:
    """Return True when the member's 送付方法 includes メール and the roster gives an address."""
    if member is None:
        return False
    return wants_mail(member_channel(member.every_field, config.email)) and bool(address_of(member))


def address_sha256(address: str) -> str:
    return hashlib.sha256(address.encode("utf-8")).hexdigest()


def attachments(
    config: Config, out_dir: Path, member_id: str, rows: Sequence[ManifestRow], pdfs: Mapping[str, str] | None = None
) -> tuple[mail.Attachment, ...]:
    """Return the member's PDFs as attached (``pdfs``: each document's approved hash; default the manifest's)."""
    return tuple(
        mail.Attachment(
            row.document,
            mail.attachment_name(config.cycle, row.document, member_id),
            out_dir / row.pdf,
            (pdfs or {}).get(row.document, row.pdf_sha256),
        )
        for row in rows
    )


def draft(
    config: Config, template: mail.EmailTemplate, out_dir: Path, member: Member, rows: Sequence[ManifestRow]
) -> mail.Draft:
    """Return the member's message as it will be sent, made from the manifest's PDF hashes (no PDF read)."""
    assert config.email is not None
    return mail.draft_message(config.email, template, **_made_from(config, out_dir, member, rows, None))


def message(
    config: Config,
    template: mail.EmailTemplate,
    out_dir: Path,
    member: Member,
    rows: Sequence[ManifestRow],
    pdfs: Mapping[str, str],
    date: datetime,
    test_to: str | None = None,
) -> mail.Message:
    """Return the member's message to send, its PDFs read and checked against ``pdfs`` (the approved hashes).

    Made as ``draft`` makes it, so its content_sha256 is the hash an approval recorded.
    """
    assert config.email is not None
    return mail.build_message(
        config.email, template, **_made_from(config, out_dir, member, rows, pdfs), date=date, test_to=test_to
    )


def _made_from(
    config: Config, out_dir: Path, member: Member, rows: Sequence[ManifestRow], pdfs: Mapping[str, str] | None
) -> dict[str, Any]:
    """What a member's message is made from, one list for ``draft`` and ``message``: their hashes must agree."""
    return {
        "context": member_context(member, "email", config.constants),
        "cycle": config.cycle,
        "member_id": member.member_id,
        "to": address_of(member),
        "recipient_name": member.display_name,
        "attachments": attachments(config, out_dir, member.member_id, rows, pdfs),
    }


def mail_facts(
    config: Config,
    template: tuple[mail.EmailTemplate | None, str],
    out_dir: Path,
    member: Member | None,
    rows: Sequence[ManifestRow],
) -> MailFacts:
    """Return the hashes an approval of this member records of its e-mail (none for a member sent by post only)."""
    post = member is None or wants_post(member_channel(member.every_field, config.email))
    if member is None or not rows or not wants_email(config, member):
        return MailFacts(by_post=post)
    compiled, problem = template
    if config.email is None:
        path = config.display_path(config.path)
        return MailFacts(problem=messages.REVIEW_MAIL_NO_SETTINGS.format(config=path), by_post=post)
    if compiled is None:
        return MailFacts(problem=problem, by_post=post)
    try:
        made = draft(config, compiled, out_dir, member, rows)
    except (mail.MailError, ValueError) as exc:  # ValueError: an address the headers cannot carry
        return MailFacts(problem=str(exc), by_post=post)
    return MailFacts(made.sha256, address_sha256(address_of(member)), by_post=post)


def preview(config: Config, out_dir: Path, member: Member | None, rows: Sequence[ManifestRow]) -> Preview | str | None:
    """Return the member's message for the member page, why it cannot be made, or None (sent by post only)."""
    if member is None or not rows or not wants_email(config, member):
        return None
    compiled, problem = email_template(config)
    if config.email is None:
        return messages.REVIEW_MAIL_NO_SETTINGS.format(config=config.display_path(config.path))
    if compiled is None:
        return problem
    try:
        made = draft(config, compiled, out_dir, member, rows)
    except (mail.MailError, ValueError) as exc:
        return str(exc)
    sizes: list[tuple[str, int | None]] = []
    for attachment in made.attachments:
        try:
            sizes.append((attachment.filename, attachment.pdf.stat().st_size))
        except OSError:
            sizes.append((attachment.filename, None))
    return Preview(made, tuple(sizes))
