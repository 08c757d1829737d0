"""Sealing what was sent, a member's history, and the yearly check of the archive."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mailmerge import archive, mailseal, messages, roster, sealing, sending
from mailmerge.cli import (
    StopSignals,
    _load,
    _refuse_archive_inside,
    config_option,
    main,
)
from mailmerge.config import load_config
from mailmerge.dates import shown_jst
from mailmerge.errors import MailmergeError
from mailmerge.store import MAIL_DB_NAME

archive_option = click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=messages.HELP_ARCHIVE_DIR,
)


def _archive_dir(config_path: Path | None, archive_dir: Path | None) -> Path:
    return archive_dir if archive_dir is not None else sealing.default_archive_dir(_load(config_path))


@main.command("archive", help=messages.HELP_ARCHIVE, short_help=messages.SHORT_HELP_ARCHIVE)
@config_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help=messages.HELP_ARCHIVE_OUT)
@click.option("--sent-on", "sent_on", required=True, metavar="DATE", help=messages.HELP_SENT_ON)
@archive_option
@click.option("--reason", default="", help=messages.HELP_REASON)
def archive_command(
    config_path: Path | None, out_dir: Path | None, sent_on: str, archive_dir: Path | None, reason: str
) -> None:
    """Seal what was printed and sent: a read-only BagIt batch and the archive index.

    Seals the members of the prints since the last sealing whose printed files are still the
    approved ones; a member sealed before with other documents is a re-send (``--reason``).
    Exit status 1 when there is nothing new.
    """
    config = _load(config_path)
    _refuse_archive_inside(config, out_dir, archive_dir)
    try:
        # A closed terminal or `kill` stops it as Ctrl-C does: the half-built bag is removed.
        with StopSignals() as stop:
            result = sealing.seal(
                config, sent_on=sent_on, out_dir=out_dir, archive_dir=archive_dir, hold_signals=stop.held, reason=reason
            )
    except KeyboardInterrupt:
        click.echo(f"{messages.ERROR_PREFIX}{messages.ARCHIVE_INTERRUPTED}", err=True)
        sys.exit(130)
    if result.staging_removed:
        click.echo(messages.ARCHIVE_STAGING_REMOVED.format(count=result.staging_removed))
    for recovered in result.recovered:
        click.echo(
            messages.ARCHIVE_RECOVERED.format(
                folder=result.archive_dir / recovered.folder, members=len(recovered.members)
            )
        )
    batch = result.batch
    if batch is not None:
        click.echo(
            messages.ARCHIVE_DONE_AT.format(done=archive.done_line(batch), folder=result.archive_dir / batch.folder)
        )
    if batch is not None and result.resent:
        click.echo(
            messages.ARCHIVE_RESENT.format(count=len(result.resent), reason=batch.reason, ids=", ".join(result.resent))
        )
    if batch is not None and result.unapproved:
        click.echo(
            messages.ARCHIVE_SEALED_UNAPPROVED.format(count=len(result.unapproved), ids=", ".join(result.unapproved))
        )
    lists = (result.not_printed, result.changed_since_print, result.withdrawn_since_print)
    for line in sealing.not_sealed_lines(
        *lists, not_emailed=result.not_emailed, changed_since_mail=result.changed_since_mail
    ):
        click.echo(line)
    if result.left_out:
        click.echo(messages.ARCHIVE_LEFT_OUT.format(count=result.left_out))
    click.echo(messages.ARCHIVE_NEXT)


@main.command(help=messages.HELP_HISTORY, short_help=messages.SHORT_HELP_HISTORY)
@click.argument("member_id")
@archive_option
@config_option
def history(member_id: str, archive_dir: Path | None, config_path: Path | None) -> None:
    """List every notice sealed for one member, across cycles and batches.

    Cycle, sending date, group, document, pages, sha256 and who approved it. The ID is
    compared as the roster compares it (００１２ is 0012).
    """
    folder = _archive_dir(config_path, archive_dir)
    mailed = _mail_history(config_path, member_id)
    try:
        entries = sealing.history(folder, member_id)
    except MailmergeError as exc:
        if not mailed:
            raise click.ClickException(str(exc)) from None
        entries = []
    key = entries[0].member_id if entries else member_id.strip()
    if not entries and not mailed:
        raise click.ClickException(messages.HISTORY_NONE.format(member_id=key, archive=folder))
    if entries:
        sendings = len({e.folder for e in entries})  # a sealed batch is one sending: its files are its documents
        click.echo(messages.HISTORY_HEADER.format(member_id=key, sendings=sendings, count=len(entries), archive=folder))
    for e in entries:
        click.echo(
            messages.HISTORY_LINE.format(
                cycle=e.cycle,
                sent_on=e.sent_on,
                group=messages.ARCHIVE_GROUP_WORDS.get(e.group, e.group),
                document=messages.REVIEW_DOCUMENT_LABELS.get(e.document, e.document),
                kind=Path(e.path).suffix.lstrip(".").upper(),
                pages=e.pages,
                sha256=e.sha256,
                path=Path(e.folder) / e.path,
                approval=(
                    messages.HISTORY_UNAPPROVED
                    if e.decision == sealing.UNAPPROVED
                    else messages.HISTORY_APPROVAL.format(reviewer=e.reviewer, decided_at=shown_jst(e.decided_at))
                ),
                printed=(
                    messages.HISTORY_PRINTED.format(printed_at=shown_jst(e.printed_at), printed_by=e.printed_by)
                    if e.printed_at
                    else messages.HISTORY_PRINT_UNKNOWN
                ),
                resend=messages.HISTORY_RESEND.format(reason=e.reason) if e.reason else "",
            )
        )
    for line in mailed:
        click.echo(line)


def _mail_history(config_path: Path | None, member_id: str) -> list[str]:
    """Return the lines of a member's e-mail sendings in the cycle's output folder (DIR/mail.db), if any."""
    try:
        out_dir = load_config(config_path).output
        entries = sending.mail_history(out_dir, member_id)
    except MailmergeError:
        return []
    if not entries:
        return []
    seals = mailseal.seals(out_dir, roster.normalise_key(member_id))
    header = messages.HISTORY_MAIL_HEADER_SEALED if seals else messages.HISTORY_MAIL_HEADER
    lines = [header.format(count=len(entries), journal=out_dir / MAIL_DB_NAME)]
    for entry in entries:
        folder = seals.get((entry.message_id, entry.at))
        lines.append(
            messages.HISTORY_MAIL_LINE.format(
                at=shown_jst(entry.at),
                state=messages.MAIL_STATE_LABELS.get(entry.state, entry.state),
                reply=entry.reply,
            )
            + (messages.HISTORY_MAIL_SEALED.format(folder=folder) if folder else "")
        )
    return lines


@main.command(help=messages.HELP_VERIFY, short_help=messages.SHORT_HELP_VERIFY)
@click.argument("cycle", required=False)
@archive_option
@config_option
def verify(cycle: str | None, archive_dir: Path | None, config_path: Path | None) -> None:
    """Check every sealed batch: bagit validation, the index against the bags, permissions.

    Lists each problem by path (missing, changed or extra file; a row without a file or a file
    without a row; a file readable by others). Exit status 1 when there is any.
    """
    folder = _archive_dir(config_path, archive_dir)
    report = sealing.verify(folder, cycle)
    for line in report.problems:
        click.echo(line, err=True)
    if report.problems:
        raise click.ClickException(messages.VERIFY_FAILED.format(count=len(report.problems)))
    click.echo(messages.VERIFY_OK.format(bags=report.bags, files=report.files, archive=folder))
