"""After a run: the review app, approvals from the command line, and the print bundles."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from mailmerge import mailing, messages, printrun, sealing
from mailmerge.cli import StopSignals, _load, _refuse_archive_inside, config_option, main
from mailmerge.cli.serve import serve_until_stopped
from mailmerge.fsutil import shown_path
from mailmerge.models import APPROVED, HOLD

out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help=messages.HELP_OUT)


@main.command(help=messages.HELP_REVIEW, short_help=messages.SHORT_HELP_REVIEW)
@config_option
@out_option
@click.option("--port", type=click.IntRange(1, 65535), help=messages.HELP_PORT)
@click.option("--no-browser", is_flag=True, help=messages.HELP_NO_BROWSER)
def review(config_path: Path | None, out_dir: Path | None, port: int | None, no_browser: bool) -> None:
    """Serve the review app on 127.0.0.1 until Ctrl-C; print its address as the one line of stdout."""
    from mailmerge import webapp, webserver  # Flask and waitress load only for this command

    config = _load(config_path)
    _refuse_archive_inside(config, out_dir)
    out = (out_dir or config.output).resolve()
    mailing.open_run(config, out)  # no manifest yet: say "run first" now, not in the browser
    token = webapp.new_token()
    app = webapp.create_app(config, out, token)
    try:
        server = webserver.make_server(app, port or 0)
    except OSError:
        raise click.ClickException(messages.REVIEW_PORT_IN_USE.format(port=port)) from None
    serve_until_stopped(
        app, server, f"/?token={token}", messages.REVIEW_SERVING, messages.REVIEW_STOPPED, no_browser, log_dir=out
    )


@main.command(help=messages.HELP_APPROVE, short_help=messages.SHORT_HELP_APPROVE)
@config_option
@out_option
@click.option("--all", "all_members", is_flag=True, help=messages.HELP_ALL)
@click.option("--note", default="", help=messages.HELP_NOTE)
@click.option("--reviewer", help=messages.HELP_REVIEWER)
@click.option("--hold", is_flag=True, help=messages.HELP_HOLD)
@click.argument("member_ids", nargs=-1)
def approve(
    config_path: Path | None,
    out_dir: Path | None,
    all_members: bool,
    note: str,
    reviewer: str | None,
    hold: bool,
    member_ids: tuple[str, ...],
) -> None:
    """Record decisions from the command line (a secretariat that checked on paper)."""
    if all_members == bool(member_ids):
        raise click.UsageError(messages.APPROVE_IDS_OR_ALL)
    if hold and not note.strip():
        raise click.UsageError(messages.REVIEW_NEED_NOTE)
    config = _load(config_path)
    decision = HOLD if hold else APPROVED
    # What was sent (sealed in the archive beside the config) cannot be held back.
    sealed = sealing.sealed_documents(sealing.default_archive_dir(config).resolve(), config.cycle) if hold else None
    view = mailing.open_run(config, out_dir)
    recorded = mailing.decide(
        view,
        None if all_members else list(member_ids),
        decision,
        note.strip(),
        (reviewer or getpass.getuser()).strip(),
        sealed=sealed,
    )
    click.echo(messages.review_recorded(len(recorded), messages.STATUS_LABELS[decision]))
    if all_members:  # say who --all passed over, and why (files not the manifest's, documents missing, …)
        for line in mailing.describe_passed_over(mailing.with_files_checked(view), decision):
            click.echo(line, err=True)


@main.command("print", help=messages.HELP_PRINT, short_help=messages.SHORT_HELP_PRINT)
@config_option
@out_option
@click.option("--include-unapproved", is_flag=True, help=messages.HELP_INCLUDE_UNAPPROVED)
@click.option("--labels-start", type=int, default=1, show_default=True, metavar="N", help=messages.HELP_LABELS_START)
@click.option("--members", "member_ids", multiple=True, metavar="ID,…", help=messages.HELP_PRINT_MEMBERS)
@click.option("--all-approved", is_flag=True, help=messages.HELP_ALL_APPROVED)
@click.option(
    "--archive", "archive_dir", type=click.Path(file_okay=False, path_type=Path), help=messages.HELP_PRINT_ARCHIVE
)
def print_command(
    config_path: Path | None,
    out_dir: Path | None,
    include_unapproved: bool,
    labels_start: int,
    member_ids: tuple[str, ...],
    all_approved: bool,
    archive_dir: Path | None,
) -> None:
    """Write DIR/print/: bundles, labels, list.csv; by default the approved members not yet sent (sealed)."""
    if member_ids and all_approved:
        raise click.UsageError(messages.PRINT_MEMBERS_AND_ALL)
    config = _load(config_path)
    chosen = tuple(i for value in member_ids for i in value.replace("，", ",").replace(",", " ").split()) or None
    sealed = sealing.sealed_documents((archive_dir or sealing.default_archive_dir(config)).resolve(), config.cycle)
    choice = printrun.PrintChoice(members=chosen, all_approved=all_approved, sealed=sealed)
    # A closed terminal or `kill` stops it as Ctrl-C does: one line, and never half a set of files.
    with StopSignals() as stop:
        result = printrun.print_run(
            config,
            out_dir,
            include_unapproved=include_unapproved,
            hold_signals=stop.held,
            labels_start=labels_start,
            choice=choice,
        )

    def shown(path: Path) -> str:
        return shown_path(path)

    for bundle in result.bundles:
        click.echo(
            messages.PRINT_BUNDLE_LINE.format(
                path=shown(bundle.path), group=config.groups[bundle.group], members=bundle.members, pages=bundle.pages
            )
        )
    click.echo(
        messages.PRINT_LABELS_LINE.format(path=shown(result.labels), labels=result.printed, sheets=result.label_sheets)
    )
    click.echo(messages.PRINT_LIST_LINE.format(path=shown(result.list_csv)))
    if result.unapproved:
        click.echo(messages.PRINT_INCLUDES_UNAPPROVED.format(count=len(result.unapproved)), err=True)
    for line in [*printrun.describe_left_out(result.left_out), *printrun.describe_mail_only(result.mail_only)]:
        click.echo(line, err=True)
    if result.already_sent:
        click.echo(
            messages.PRINT_ALREADY_SENT.format(count=len(result.already_sent), ids=", ".join(result.already_sent)),
            err=True,
        )
    click.echo(messages.PRINT_DONE_HINT)
