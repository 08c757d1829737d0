"""`mailmerge send`: the approved PDFs by e-mail to the members who want them, each sent once.

Two phases. First every message is made and written to DIR/mail/<member>.eml and journalled as
queued (a dry run stops here). Then each one is read back, journalled as sending, handed to the
server, and journalled with the server's reply. A member whose newest line is ``sending`` when a
run starts was cut off mid-handover (a crash, SIGKILL): reported as unknown, sent again only
with ``resend_unknown``. Members accepted before are never sent again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mailmerge import handover, mail, mailing, mailreview, messages, roster, smtp, state
from mailmerge.config import (
    CHANNELS,
    EMAIL_FIELD,
    Config,
    EmailSettings,
    member_channel,
    wants_mail,
)
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import fsync_dir, make_private_dir, shown_path, write_atomic
from mailmerge.models import (
    ACCEPTED,
    DEFERRED,
    FAILED,
    SENDING,
    JournalEntry,
)
from mailmerge.progress import Progress, SilentProgress
from mailmerge.review import DOCUMENTS_CHANGED, FLAG_LABELS, STALE, MemberReview
from mailmerge.store import MAIL_DB_NAME, MailJournal, existing_journal

MAIL_DIR = "mail"
SEND_LOCK_NAME = ".mailmerge-send.lock"
# The SMTP password: from this environment variable (or a prompt, or the workspace's form), never a file.
PASSWORD_VARIABLE = "MAILMERGE_SMTP_PASSWORD"


@dataclass(frozen=True)
class SendResult:
    """What a send did: who was accepted, deferred, refused, unknown, and who was left out and why."""

    out_dir: Path
    written: tuple[str, ...] = ()  # DIR/mail/<member>.eml written this time
    accepted: tuple[str, ...] = ()
    deferred: tuple[tuple[str, str], ...] = ()  # (member, server reply)
    failed: tuple[tuple[str, str], ...] = ()
    unknown: tuple[str, ...] = ()  # left in `sending` by an earlier run: maybe delivered
    left_out: tuple[tuple[str, str], ...] = ()  # (member, why)
    stopped_by_daily_limit: tuple[str, ...] = ()
    test_sent: str | None = None  # the member whose message went to --test-to
    dry_run: bool = False
    sent_before: tuple[str, ...] = field(default_factory=tuple)


def mail_folder(out_dir: Path) -> Path:
    return out_dir / MAIL_DIR


def send(
    config: Config,
    out_dir: Path | None = None,
    *,
    member_ids: Sequence[str] | None = None,
    test_to: str | None = None,
    dry_run: bool = False,
    resend_unknown: bool = False,
    password: str | None = None,
    progress: Progress | None = None,
    hold_signals: Callable[[], AbstractContextManager[None]] = nullcontext,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send (or with ``dry_run`` only write) each chosen member's message; see the module's docstring."""
    settings = _settings(config)
    template = mail.EmailTemplate(
        config.root / mail.EMAIL_TEMPLATE, config.display_path(config.root / mail.EMAIL_TEMPLATE)
    )
    view = mailing.open_run(config, out_dir)
    if view.locked:
        raise MailmergeError(messages.RUN_IN_PROGRESS.format(out_dir=view.out_dir))
    progress = progress or SilentProgress()
    with state.OutputLock(view.out_dir, SEND_LOCK_NAME, messages.SEND_BUSY):
        journal = MailJournal(view.out_dir / MAIL_DB_NAME) if not dry_run else _existing(view.out_dir)
        try:
            latest = journal.latest() if journal is not None else {}
            chosen, left_out, unknown, sent_before = _selection(
                config, settings, view, member_ids, latest, resend_unknown, test_to is not None
            )
            if test_to is not None:
                if not chosen:
                    raise MailmergeError("\n".join([messages.SEND_NOTHING_TO_TEST, *describe_left_out(left_out)]))
                first = chosen[0]
                message = _build(config, settings, template, view, first, handover.now(), test_to)
                folder = mail_folder(view.out_dir) / "test"
                make_private_dir(folder)
                write_atomic(folder / f"{first.member_id}.eml", message.data)
                if not dry_run:
                    with smtp.Connection(settings, password) as connection:
                        reply = connection.send(mail.envelope_from(settings), test_to, message.data)
                    if not reply.accepted:
                        raise MailmergeError(messages.SEND_TEST_REFUSED.format(reply=reply))
                return SendResult(view.out_dir, test_sent=first.member_id, dry_run=dry_run, left_out=tuple(left_out))
            made = _made(config, settings, template, view, chosen)
            if dry_run or journal is None:
                written, refused = _write_messages(view.out_dir, made, len(chosen), journal, progress)
                return SendResult(
                    view.out_dir,
                    written=written,
                    unknown=unknown,
                    left_out=tuple(left_out + refused),
                    dry_run=True,
                    sent_before=sent_before,
                )
            handed = handover.Handover(settings, password, mail_folder(view.out_dir), journal, hold_signals, sleep)
            handed.run(made, [r.member_id for r in chosen], progress)
            return SendResult(
                view.out_dir,
                tuple(handed.written),
                tuple(handed.accepted),
                tuple(handed.deferred),
                tuple(handed.failed),
                unknown=unknown,
                left_out=tuple(left_out + handed.refused),
                stopped_by_daily_limit=tuple(handed.stopped),
                sent_before=sent_before,
            )
        finally:
            if journal is not None:
                journal.close()


@dataclass(frozen=True)
class SendPlan:
    """Who a send would e-mail now (in roster order), who it leaves out and why, and who is unknown."""

    to_send: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    unknown: tuple[str, ...]
    sent_before: tuple[str, ...]


def plan(config: Config, view: mailing.RunView | None = None) -> SendPlan:
    """Return the selection `send` (and `send --dry-run`) makes now, sending and writing nothing."""
    settings = _settings(config)
    view = view or mailing.open_run(config)
    journal = existing_journal(view.out_dir)
    if journal is None:
        latest: dict[str, JournalEntry] = {}
    else:
        with journal:
            latest = journal.latest()
    chosen, left_out, unknown, sent_before = _selection(config, settings, view, None, latest, False, False)
    return SendPlan(tuple(r.member_id for r in chosen), tuple(left_out), unknown, sent_before)


def _settings(config: Config) -> EmailSettings:
    if config.email is None:
        raise MailmergeError(messages.SEND_NO_EMAIL_TABLE.format(config=config.display_path(config.path)))
    return config.email


def _selection(
    config: Config,
    settings: EmailSettings,
    view: mailing.RunView,
    member_ids: Sequence[str] | None,
    latest: dict[str, JournalEntry],
    resend_unknown: bool,
    testing: bool,
) -> tuple[list[MemberReview], list[tuple[str, str]], tuple[str, ...], tuple[str, ...]]:
    """Return (to send, left out with why, unknown, accepted before) from the journal's newest lines."""
    chosen, left_out = _choose(config, settings, view, member_ids, latest, resend_unknown, testing)
    picked = {r.member_id for r in chosen}
    unknown = tuple(m for m, e in latest.items() if e.state == SENDING and m not in picked)
    sent_before = tuple(m for m, e in latest.items() if e.state == ACCEPTED)
    return chosen, left_out, unknown, sent_before


def _existing(out_dir: Path) -> MailJournal | None:
    return MailJournal(out_dir / MAIL_DB_NAME) if (out_dir / MAIL_DB_NAME).is_file() else None


def _choose(
    config: Config,
    settings: EmailSettings,
    view: mailing.RunView,
    member_ids: Sequence[str] | None,
    latest: dict[str, JournalEntry],
    resend_unknown: bool,
    testing: bool,
) -> tuple[list[MemberReview], list[tuple[str, str]]]:
    """Return the members to send to, in roster order, and every other member with the reason it is left out."""
    reviews = list(view.reviews)
    if member_ids:
        wanted = []
        for typed in member_ids:
            found = view.review(typed)
            if found is None:
                raise MailmergeError(messages.UNKNOWN_MEMBER.format(member_id=roster.normalise_key(typed)))
            wanted.append(found)
        reviews = list({r.member_id: r for r in wanted}.values())
    chosen, left_out = [], []
    for review in reviews:
        member = view.members.get(review.member_id)
        entry = latest.get(review.member_id)
        if member is None:
            reason = messages.SEND_WHY_NOT_IN_ROSTER
        elif member_channel(member.every_field, settings) not in CHANNELS:
            reason = messages.SEND_WHY_BAD_CHANNEL
        elif not wants_mail(member_channel(member.every_field, settings)):
            reason = messages.SEND_WHY_POST
        elif not str(member.every_field.get(EMAIL_FIELD, "")).strip():
            reason = messages.SEND_WHY_NO_ADDRESS
        elif not review.approved:
            reason = _not_approved(review)
        elif testing:
            reason = ""
        elif entry is not None and entry.state == ACCEPTED:
            reason = messages.SEND_WHY_ACCEPTED
        elif entry is not None and entry.state == SENDING and not resend_unknown:
            reason = messages.SEND_WHY_UNKNOWN
        else:
            reason = ""
        if reason:
            left_out.append((review.member_id, reason))
        else:
            chosen.append(review)
    return chosen, left_out


def _not_approved(review: MemberReview) -> str:
    """Return why a member's approval does not cover its e-mail now (its address or message changed, ...)."""
    changed = [messages.MAIL_STALE_REASONS[r] for r in review.stale_reasons if r in messages.MAIL_STALE_REASONS]
    if review.status == STALE and changed and DOCUMENTS_CHANGED not in review.stale_reasons:
        if not review.blocking_flags:
            return messages.SEND_WHY_MAIL_CHANGED.format(what="・".join(changed))
    return "・".join([messages.STATUS_LABELS[review.status], *(FLAG_LABELS[f] for f in review.blocking_flags)])


def _build(
    config: Config,
    settings: EmailSettings,
    template: mail.EmailTemplate,
    view: mailing.RunView,
    review: MemberReview,
    moment: datetime,
    test_to: str | None = None,
) -> mail.Message:
    approved = review.decision.documents if review.decision is not None else {}
    pdfs = {document: hashes.pdf_sha256 for document, hashes in approved.items()}
    member = view.members[review.member_id]
    return mailreview.message(config, template, view.out_dir, member, review.rows, pdfs, moment, test_to)


def _made(
    config: Config,
    settings: EmailSettings,
    template: mail.EmailTemplate,
    view: mailing.RunView,
    chosen: Sequence[MemberReview],
) -> Iterator[tuple[str, mail.Message | None]]:
    """Yield each chosen member's message as it is made, one at a time (None: a PDF or the message is no longer
    the approved one)."""
    for review in chosen:
        try:
            message = _build(config, settings, template, view, review, handover.now())
        except mail.PdfChanged:
            yield review.member_id, None
            continue
        approved = review.decision.message_sha256 if review.decision is not None else None
        yield review.member_id, message if message.content_sha256 == approved else None


def _write_messages(
    out_dir: Path,
    made: Iterator[tuple[str, mail.Message | None]],
    total: int,
    journal: MailJournal | None,
    progress: Progress,
) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """Write DIR/mail/<member>.eml for each message (a dry run), then journal them as queued (all at once)."""
    folder = mail_folder(out_dir)
    make_private_dir(folder)
    written, refused, queued = [], [], []
    with progress.stage(messages.SEND_STAGE_WRITE, total) as advance:
        for member_id, message in made:
            if message is None:
                refused.append((member_id, messages.SEND_WHY_PDF_CHANGED))
            else:
                # Not synced file by file: the folder is synced once, before the journal names the files.
                write_atomic(folder / f"{member_id}.eml", message.data, durable=False)
                queued.append(handover.queued_entry(message))
                written.append(member_id)
            advance(1)
    fsync_dir(folder)
    if journal is not None:
        journal.write_many(queued)
    return tuple(written), refused


def describe_left_out(left_out: Sequence[tuple[str, str]]) -> list[str]:
    """Return lines naming each member not sent to, by ID under its reason (never by name or address)."""
    by_reason: dict[str, list[str]] = {}
    for member_id, reason in left_out:
        by_reason.setdefault(reason, []).append(member_id)
    lines = [messages.SEND_LEFT_OUT_HEADER.format(count=len(left_out))] if left_out else []
    for reason, ids in by_reason.items():
        lines.append(messages.SEND_LEFT_OUT_LINE.format(reason=reason, count=len(ids), member_ids=", ".join(ids)))
    return lines


def mail_history(out_dir: Path, member_id: str) -> list[JournalEntry]:
    """Return the answers to a member's handovers to the mail server, oldest first; none without a journal."""
    journal = existing_journal(out_dir)
    if journal is None:
        return []
    with journal:
        lines = journal.lines(roster.normalise_key(member_id))
    # Each handover's answer; a `sending` only when nothing answered it (the last line: unknown).
    return [
        e
        for n, e in enumerate(lines)
        if e.state in (ACCEPTED, DEFERRED, FAILED) or (e.state == SENDING and n == len(lines) - 1)
    ]


def _reply_line(member_id: str, reply: str) -> str:
    """Return a deferred or refused member's line: what happened in Japanese, with the server's codes only."""
    codes = smtp.reply_codes(reply) or ("", "")
    code = " ".join(c for c in codes if c)
    if codes[0].startswith("4"):
        return messages.SEND_DEFERRED_LINE.format(member_id=member_id, code=code)
    template = messages.SEND_REFUSED_ADDRESS if smtp.about_the_address(*codes) else messages.SEND_REFUSED_OTHER
    return template.format(member_id=member_id, code=code)


def summary_lines(result: SendResult, in_browser: bool = False) -> list[str]:
    """Return the lines the secretariat reads after a send: counts, member IDs, the servers' replies.

    ``in_browser``: for the workspace's 送信 page, whose readers press 送信 rather than type a command.
    """
    words = _BROWSER_WORDS if in_browser else _COMMAND_WORDS
    if result.test_sent is not None:
        return [messages.SEND_TEST_DONE.format(member_id=result.test_sent)]
    lines = [messages.SEND_WRITTEN.format(count=len(result.written), where=shown_path(mail_folder(result.out_dir)))]
    if result.dry_run:
        lines.append(messages.SEND_DRY_RUN)
    else:
        lines.append(messages.SEND_ACCEPTED.format(count=len(result.accepted)))
    for header, replies in ((words["deferred"], result.deferred), (messages.SEND_FAILED, result.failed)):
        if replies:
            lines.append(header.format(count=len(replies)))
            lines += [_reply_line(member_id, reply) for member_id, reply in replies]
    if result.stopped_by_daily_limit:
        lines.append(words["daily_limit"].format(count=len(result.stopped_by_daily_limit)))
    if result.unknown:
        lines.append(words["unknown"].format(count=len(result.unknown), member_ids=", ".join(result.unknown)))
    lines += describe_left_out(result.left_out)
    if not result.dry_run and not in_browser:  # the page lists each member's answer itself
        lines.append(messages.SEND_NEXT.format(journal=shown_path(result.out_dir / MAIL_DB_NAME)))
    return lines


# What to do next, said for who reads it: the command's user, or the 送信 page's.
_COMMAND_WORDS = {
    "deferred": messages.SEND_DEFERRED,
    "daily_limit": messages.SEND_DAILY_LIMIT,
    "unknown": messages.SEND_UNKNOWN,
}
_BROWSER_WORDS = {
    "deferred": messages.WORKSPACE_SEND_DEFERRED,
    "daily_limit": messages.WORKSPACE_SEND_DAILY_LIMIT,
    "unknown": messages.WORKSPACE_SEND_UNKNOWN,
}
