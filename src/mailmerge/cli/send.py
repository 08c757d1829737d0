"""`mailmerge send`: the approved PDFs by e-mail, and its summary in Japanese."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mailmerge import messages, sending
from mailmerge.cli import BarProgress, StopSignals, _load, config_option, main
from mailmerge.cli.after_run import out_option


@main.command(help=messages.HELP_SEND, short_help=messages.SHORT_HELP_SEND)
@config_option
@out_option
@click.option("--members", "members", multiple=True, metavar="ID", help=messages.HELP_MEMBERS)
@click.option("--test-to", "test_to", metavar="ADDRESS", help=messages.HELP_TEST_TO)
@click.option("--dry-run", is_flag=True, help=messages.HELP_DRY_RUN)
@click.option("--resend-unknown", is_flag=True, help=messages.HELP_RESEND_UNKNOWN)
def send(
    config_path: Path | None,
    out_dir: Path | None,
    members: tuple[str, ...],
    test_to: str | None,
    dry_run: bool,
    resend_unknown: bool,
) -> None:
    """Send each approved member who wants e-mail its message; say who was left out and why."""
    config = _load(config_path)
    member_ids = [part for value in members for part in value.replace(",", " ").split()]
    password = None
    if config.email is not None and config.email.user and not dry_run:
        # Never from a file, never echoed, never logged.
        password = os.environ.get(sending.PASSWORD_VARIABLE) or click.prompt(
            messages.SEND_PASSWORD_PROMPT, hide_input=True, err=True
        )
    old_umask = os.umask(0o077)
    try:
        with StopSignals() as stop:
            result = sending.send(
                config,
                out_dir,
                member_ids=member_ids or None,
                test_to=test_to,
                dry_run=dry_run,
                resend_unknown=resend_unknown,
                password=password,
                progress=BarProgress(),
                hold_signals=stop.held,
            )
    finally:
        os.umask(old_umask)
    for line in sending.summary_lines(result):
        click.echo(line)
    if result.failed or result.deferred or result.stopped_by_daily_limit:
        raise SystemExit(1)
