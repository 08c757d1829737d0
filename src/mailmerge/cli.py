"""The `mailmerge` command: the only module that talks to the terminal."""

from __future__ import annotations

import getpass
import logging
import os
import signal
import sys
import threading
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from mailmerge import __version__, mailing, messages, pipeline, sealing
from mailmerge.config import Config, load_config
from mailmerge.errors import MailmergeError, ProblemsFound, RunInterrupted
from mailmerge.models import GROUPS

# Signals that stop a run as Ctrl-C does: a closed terminal, `kill`.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class BarProgress:
    """Progress bars on stderr, so a redirected stdout stays clean."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        if self.quiet or total == 0:
            yield lambda n=1: None
            return
        with click.progressbar(length=total, label=label, file=click.get_text_stream("stderr"), show_pos=True) as bar:
            yield bar.update

    def info(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)


class StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP stop the process as KeyboardInterrupt; ``held()`` makes them wait.

    The process-wide state a run needs (signal handlers, umask) is the command line's to set:
    the library only asks for a held block (placing a document: two renames and a journal
    line, not to be cut between them). Used from the main thread, where handlers run.
    """

    def __init__(self) -> None:
        self._depth = 0
        self._caught: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        self._previous = {number: signal.signal(number, self._handle) for number in STOP_SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if self._depth:
            self._caught = signum
        else:
            raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a stop signal until the block is over, then stop."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth and self._caught is not None:
                self._caught = None
                raise KeyboardInterrupt


class _Command(click.Command):
    """A command whose --help says so in Japanese, as the rest of it does."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = messages.HELP_HELP
        return option


class _Group(_Command, click.Group):
    """The command group; Ctrl-C anywhere in a command ends it with one line and exit status 130."""

    command_class = _Command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo(f"Error: {messages.CLI_INTERRUPTED}", err=True)
            ctx.exit(130)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=messages.HELP_CONFIG,
)
roster_option = click.option(
    "--roster",
    "roster_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=messages.HELP_ROSTER,
)


def _load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None


def _show_problems(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@click.group(cls=_Group, help=messages.HELP_MAIN, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mailmerge", help=messages.HELP_VERSION)
def main() -> None:
    """ATS renewal notices: the chairman's letter and the insurance overview for every member."""


@main.command(help=messages.HELP_CHECK)
@config_option
@roster_option
def check(config_path: Path | None, roster_path: Path | None) -> None:
    """Check the roster and the templates; write nothing.

    Every problem is listed as FILE:ROW: COLUMN: problem. Exit status 1 when any error is found.
    """
    config = _load(config_path)
    try:
        result = pipeline.check(config, roster_path)
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None
    _show_problems(result.problems)
    roster = result.roster
    if roster.note:
        click.echo(messages.CLI_ROSTER_NOTE.format(roster=config.display_path(roster.source), note=roster.note))
    by_group = roster.by_group()
    click.echo(
        messages.CLI_CHECK_COUNTS.format(
            total=roster.total_rows, enrolled=len(by_group["enrolled"]), unenrolled=len(by_group["unenrolled"]),
            rejected=roster.rejected_rows, blank=roster.blank_rows,
        )
    )
    if result.errors:
        raise click.ClickException(messages.CLI_CHECK_ERRORS.format(count=len(result.errors)))
    click.echo(messages.CLI_CHECK_OK.format(count=len(result.warnings)))


@main.command(help=messages.HELP_RUN)
@config_option
@roster_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help=messages.HELP_OUT)
@click.option("--only", type=click.Choice(GROUPS), help=messages.HELP_ONLY)
@click.option("--limit", type=click.IntRange(min=1), help=messages.HELP_LIMIT)
@click.option("--force", is_flag=True, help=messages.HELP_FORCE)
@click.option("--quiet", "-q", is_flag=True, help=messages.HELP_QUIET)
def run(
    config_path: Path | None,
    roster_path: Path | None,
    out_dir: Path | None,
    only: str | None,
    limit: int | None,
    force: bool,
    quiet: bool,
) -> None:
    """Produce every member's letter and overview as DOCX and PDF, and manifest.csv.

    The roster and the templates are checked first; on any error nothing is written.
    Run it again after an interruption or a roster fix: unchanged documents are kept.
    """
    config = _load(config_path)
    progress = BarProgress(quiet)
    # Personal data is for the owner only, LibreOffice's files too: set once, for the whole run.
    old_umask = os.umask(0o077)
    try:
        # A closed terminal or `kill` stops the run as Ctrl-C does: LibreOffice killed, finished files kept.
        with StopSignals() as stop:
            result = pipeline.run(
                config, roster_path=roster_path, out_dir=out_dir, only=only, limit=limit, force=force,
                progress=progress, hold_signals=stop.held,
            )
    except RunInterrupted as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo(f"Error: {messages.CLI_INTERRUPTED}", err=True)
        sys.exit(130)
    except ProblemsFound as exc:
        _show_problems(exc.problems)
        errors = sum(1 for p in exc.problems if p.is_error)
        raise click.ClickException(messages.CLI_RUN_REFUSED.format(count=errors)) from None
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        os.umask(old_umask)
    _show_problems(result.warnings)
    counts = ", ".join(messages.CLI_GROUP_COUNT.format(group=config.groups[g], count=result.counts[g]) for g in GROUPS)
    where = os.path.relpath(result.out_dir) if result.out_dir.is_relative_to(Path.cwd()) else str(result.out_dir)
    if result.set_aside is not None:
        what = [messages.CLI_SET_ASIDE_MEMBERS.format(count=len(result.removed_members))] if result.removed_members else []
        outdated = len(result.summary["outdated_set_aside"])
        what += [messages.CLI_SET_ASIDE_OUTDATED.format(count=outdated)] if outdated else []
        click.echo(messages.CLI_SET_ASIDE.format(what="と".join(what), where=f"{where}/{result.summary['set_aside']}/"))
    click.echo(
        messages.CLI_DONE.format(
            members=sum(result.counts.values()), counts=counts, documents=result.made + result.reused,
            made=result.made, reused=result.reused,
        )
    )
    click.echo(messages.CLI_TOTALS.format(**result.summary))
    click.echo(messages.CLI_WHERE.format(where=where))


out_option = click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="出力先フォルダ（省略時は設定の output、out/{cycle}）。"
)


@main.command()
@config_option
@out_option
@click.option("--port", type=click.IntRange(1, 65535), help="使うポート番号（省略時は空いている番号）。")
@click.option("--no-browser", is_flag=True, help="ブラウザを開かない（アドレスだけを表示）。")
def review(config_path: Path | None, out_dir: Path | None, port: int | None, no_browser: bool) -> None:
    """送付前の確認画面をこのパソコンだけで開きます（Ctrl-C で終了）。

    一覧で全会員の書状と概要を見て、会員ごとに承認または保留（メモ付き）を記録します。
    表示するアドレス http://127.0.0.1:PORT/?token=… は起動のたびに変わります。
    """
    from mailmerge import webapp  # Flask and waitress load only for this command

    config = _load(config_path)
    out = (out_dir or config.output).resolve()
    try:
        mailing.open_run(config, out)  # no manifest yet: say "run first" now, not in the browser
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None
    token = webapp.new_token()
    app = webapp.create_app(config, out, token)
    try:
        server = webapp.make_server(app, port or 0)
    except OSError:
        raise click.ClickException(messages.REVIEW_PORT_IN_USE.format(port=port)) from None
    url = f"http://127.0.0.1:{server.effective_port}/?token={token}"
    click.echo(url)  # the one line on stdout, for a script to read
    sys.stdout.flush()
    click.echo(messages.REVIEW_SERVING, err=True)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    webapp.ACCESS_LOG.addHandler(handler)
    webapp.ACCESS_LOG.setLevel(logging.INFO)
    if not no_browser:
        # webbrowser may wait for a text-mode browser to exit: never hold up the server for it.
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        with StopSignals():  # a closed terminal or `kill` stops the app as Ctrl-C does
            server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo(messages.REVIEW_STOPPED, err=True)


@main.command()
@config_option
@out_option
@click.option("--all", "all_members", is_flag=True, help="出力先の全会員を対象にします。")
@click.option("--note", default="", help="メモ（保留の理由など）。")
@click.option("--reviewer", help="確認者の名前（省略時はこのパソコンのログイン名）。")
@click.option("--hold", is_flag=True, help="承認ではなく保留として記録します（--note が必要）。")
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
    """会員の承認（紙で確認した場合など）をコマンドで記録します。

    MEMBER_ID は会員番号（全角でも可: ００１２ は 0012）。--all で全会員。
    記録は確認画面と同じ review.db に残り、その時点の PDF・Word のファイルに対して有効です。
    """
    if all_members == bool(member_ids):
        raise click.UsageError("会員番号を指定するか、--all を付けてください（両方は指定できません）。")
    if hold and not note.strip():
        raise click.UsageError(messages.REVIEW_NEED_NOTE)
    config = _load(config_path)
    decision = "hold" if hold else "approved"
    try:
        recorded = mailing.record_decisions(
            config, out_dir, None if all_members else list(member_ids), decision, note.strip(), (reviewer or getpass.getuser()).strip()
        )
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(messages.review_recorded(len(recorded), messages.STATUS_LABELS[decision]))


@main.command("print")
@config_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="The run's output folder (default: from the config, out/{cycle}).")
@click.option("--include-unapproved", is_flag=True, help="Print every current member, approved or not (the covers say 未承認を含む).")
def print_command(config_path: Path | None, out_dir: Path | None, include_unapproved: bool) -> None:
    """Write DIR/print/: a bundle per group (cover, then each approved member's letter and overview,
    in postal-code order), address labels (A4, 12 per sheet) and list.csv.

    Members not approved (held, undecided, stale) are left out and named. Exit status 1 when nothing
    is approved, or when a PDF changed since it was approved.
    """
    config = _load(config_path)
    try:
        result = mailing.print_run(config, out_dir, include_unapproved=include_unapproved)
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None

    def shown(path: Path) -> str:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)

    for bundle in result.bundles:
        click.echo(messages.PRINT_BUNDLE_LINE.format(
            path=shown(bundle.path), group=config.groups[bundle.group], members=bundle.members, pages=bundle.pages))
    click.echo(messages.PRINT_LABELS_LINE.format(path=shown(result.labels), labels=result.printed, sheets=result.label_sheets))
    click.echo(messages.PRINT_LIST_LINE.format(path=shown(result.list_csv)))
    if result.unapproved:
        click.echo(messages.PRINT_INCLUDES_UNAPPROVED.format(count=len(result.unapproved)), err=True)
    for line in mailing.describe_left_out(result.left_out):
        click.echo(line, err=True)
    click.echo(messages.PRINT_DONE_HINT)
# --- archive ---------------------------------------------------------------------------------

archive_option = click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=messages.HELP_ARCHIVE_DIR,
)


def _archive_dir(config_path: Path | None, archive_dir: Path | None) -> Path:
    return archive_dir if archive_dir is not None else sealing.default_archive_dir(_load(config_path))


@main.command("archive", help=messages.HELP_ARCHIVE)
@config_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help=messages.HELP_ARCHIVE_OUT)
@click.option("--sent-on", "sent_on", required=True, metavar="YYYY-MM-DD", help=messages.HELP_SENT_ON)
@archive_option
def archive_command(config_path: Path | None, out_dir: Path | None, sent_on: str, archive_dir: Path | None) -> None:
    """Seal the approved members' letters as sent: a read-only BagIt batch and the archive index.

    Seals only members approved on their current files and not yet sealed in this cycle;
    refuses an incomplete run or stale approvals. Exit status 1 when there is nothing new.
    """
    config = _load(config_path)
    try:
        # A closed terminal or `kill` stops it as Ctrl-C does: the half-built bag is removed.
        with StopSignals() as stop:
            result = sealing.seal(config, sent_on=sent_on, out_dir=out_dir, archive_dir=archive_dir, hold_signals=stop.held)
    except KeyboardInterrupt:
        click.echo(f"Error: {messages.ARCHIVE_INTERRUPTED}", err=True)
        sys.exit(130)
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None
    if result.staging_removed:
        click.echo(messages.ARCHIVE_STAGING_REMOVED.format(count=result.staging_removed))
    for batch in result.recovered:
        click.echo(messages.ARCHIVE_RECOVERED.format(folder=result.archive_dir / batch.folder, members=len(batch.members)))
    batch = result.batch
    if batch is not None:
        groups = ", ".join(f"{messages.ARCHIVE_GROUP_WORDS[g]} {sum(1 for m in batch.members if m.group == g)} 件" for g in GROUPS)
        documents = sum(1 for f in batch.files if f.member_id) // 2
        click.echo(messages.ARCHIVE_DONE.format(
            folder=result.archive_dir / batch.folder, cycle=batch.cycle, sent_on=batch.sent_on,
            members=len(batch.members), groups=groups, documents=documents,
        ))
    if result.left_out:
        click.echo(messages.ARCHIVE_LEFT_OUT.format(count=result.left_out))
    click.echo(messages.ARCHIVE_NEXT)


@main.command(help=messages.HELP_HISTORY)
@click.argument("member_id")
@archive_option
@config_option
def history(member_id: str, archive_dir: Path | None, config_path: Path | None) -> None:
    """List every notice sealed for one member, across cycles and batches.

    Cycle, sending date, group, document, pages, sha256 and who approved it. The ID is
    compared as the roster compares it (００１２ is 0012).
    """
    folder = _archive_dir(config_path, archive_dir)
    try:
        entries = sealing.history(folder, member_id)
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None
    key = entries[0].member_id if entries else member_id.strip()
    if not entries:
        raise click.ClickException(messages.HISTORY_NONE.format(member_id=key, archive=folder))
    click.echo(messages.HISTORY_HEADER.format(member_id=key, count=len(entries)))
    for e in entries:
        click.echo(messages.HISTORY_LINE.format(
            cycle=e.cycle, sent_on=e.sent_on, group=messages.ARCHIVE_GROUP_WORDS.get(e.group, e.group), document=e.document,
            pages=e.pages, sha256=e.sha256, reviewer=e.reviewer, decided_at=e.decided_at,
            path=folder / e.folder / e.path,
        ))


@main.command(help=messages.HELP_VERIFY)
@click.argument("cycle", required=False)
@archive_option
@config_option
def verify(cycle: str | None, archive_dir: Path | None, config_path: Path | None) -> None:
    """Check every sealed batch: bagit validation, the index against the bags, permissions.

    Lists each problem by path (missing, changed or extra file; a row without a file or a file
    without a row; a file readable by others). Exit status 1 when there is any.
    """
    folder = _archive_dir(config_path, archive_dir)
    try:
        report = sealing.verify(folder, cycle)
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None
    for line in report.problems:
        click.echo(line, err=True)
    if report.problems:
        raise click.ClickException(messages.VERIFY_FAILED.format(count=len(report.problems)))
    click.echo(messages.VERIFY_OK.format(bags=report.bags, files=report.files, archive=folder))
