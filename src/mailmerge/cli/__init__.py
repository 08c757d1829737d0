"""The `mailmerge` command (click): the only package that talks to the terminal; check and run live here."""

from __future__ import annotations

import errno
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from mailmerge import __version__, mailing, messages, pipeline, sealing, state
from mailmerge.cli import usage
from mailmerge.config import Config, load_config
from mailmerge.errors import MailmergeError, ProblemsFound, RunInterrupted
from mailmerge.fsutil import shown_path
from mailmerge.models import APPROVED, GROUPS, Decision

# Signals that stop a run as Ctrl-C does: a closed terminal, `kill`.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Set by the `mailmerge` program (__main__), never in a test process: once a command has ended, stop
# signals are ignored until the process exits.
IGNORE_STOPS_WHEN_DONE = False


def _no_progress(n: int = 1) -> None:
    """Count nothing: a quiet run, or a stage with nothing to do."""


class BarProgress:
    """Progress bars on stderr, so a redirected stdout stays clean."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        if self.quiet or total == 0:
            yield _no_progress
            return
        with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
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
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        self._previous = {number: signal.signal(number, self._handle) for number in STOP_SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        if self._caught is not None and exc[0] is None:
            # Caught inside a held block that never resumed (a generator dropped while holding):
            # the stop is still owed, said here rather than lost.
            self._caught = None
            raise KeyboardInterrupt

    def _handle(self, signum: int, frame: object) -> None:
        if self._depth:
            self._caught = signum
        else:
            raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a stop signal until the block is over, then stop."""
        self._depth += 1
        dropped = False
        try:
            yield
        except GeneratorExit:
            # Held by a generator that is being closed (perhaps by the garbage collector, where an
            # exception raised here would be printed and lost): the stop stays owed to __exit__.
            dropped = True
            raise
        finally:
            self._depth -= 1
            if not self._depth and self._caught is not None and not dropped:
                self._caught = None
                raise KeyboardInterrupt


class _Command(click.Command):
    """A command whose --help says so in Japanese, as the rest of it does."""

    context_class = usage.JapaneseContext

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = messages.HELP_HELP
        return option


class _Group(_Command, click.Group):
    """The command group; Ctrl-C anywhere in a command ends it with one line and exit status 130, a file error with
    one line and 1.
    """

    command_class = _Command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Run as click does, but say click's own errors (a mistyped command, a missing option) in Japanese."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **kwargs)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()  # the help itself
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            for line in usage.explain(exc):
                click.echo(line, err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(messages.ERROR_PREFIX + exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(messages.ERROR_PREFIX + messages.CLI_ABORTED, err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo(f"{messages.ERROR_PREFIX}{messages.interrupted(ctx.invoked_subcommand)}", err=True)
            ctx.exit(130)
        except MailmergeError as exc:  # the library's one exception base, caught here once for every command
            click.echo(f"{messages.ERROR_PREFIX}{exc}", err=True)
            ctx.exit(1)
        except OSError as exc:  # what no command turned into its own sentence: one line, never a traceback
            if exc.errno == errno.EPIPE:  # whoever read our output has gone (`| head`): click ends quietly
                raise
            click.echo(f"{messages.ERROR_PREFIX}{_file_error(exc)}", err=True)
            ctx.exit(1)
        finally:
            if IGNORE_STOPS_WHEN_DONE:
                # The command has said its last line (done, refused or stopped): a Ctrl-C now has
                # nothing left to stop. Let through, it landed in click's teardown ("Aborted!") or in
                # the interpreter's shutdown, which then ends the process by SIGINT without a word.
                for number in STOP_SIGNALS:
                    signal.signal(number, signal.SIG_IGN)


def _file_error(exc: OSError) -> str:
    """Return a file-system error no command caught as one sentence, naming the file when the error does."""
    where = f"{exc.filename}: " if exc.filename is not None else ""
    if exc.errno in state.DISK_FULL:
        return messages.CLI_DISK_FULL.format(where=where)
    if exc.errno in state.NOT_WRITABLE:
        return messages.CLI_NOT_WRITABLE.format(where=where)
    return messages.CLI_FILE_ERROR.format(where=where, reason=exc.strerror or exc)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=messages.HELP_CONFIG,
)
roster_option = click.option(
    "--roster",
    "roster_path",
    # A folder is refused by the roster reader, in Japanese (click's own refusal is English).
    type=click.Path(path_type=Path),
    help=messages.HELP_ROSTER,
)


def _load(config_path: Path | None) -> Config:
    return load_config(config_path)


def _refuse_archive_inside(config: Config, out_dir: Path | None, archive_dir: Path | None = None) -> None:
    """Stop a command that uses both folders when the archive lies inside the output folder (issue 25)."""
    state.refuse_archive_inside(out_dir or config.output, archive_dir or sealing.default_archive_dir(config))


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
    result = pipeline.check(config, roster_path)
    _show_problems(result.problems)
    roster = result.roster
    if roster.note:
        click.echo(messages.CLI_ROSTER_NOTE.format(roster=config.display_path(roster.source), note=roster.note))
    by_group = roster.by_group()
    click.echo(
        messages.CLI_CHECK_COUNTS.format(
            total=roster.total_rows,
            enrolled=len(by_group["enrolled"]),
            unenrolled=len(by_group["unenrolled"]),
            rejected=roster.rejected_rows,
            blank=roster.blank_rows,
        )
    )
    for document, group, count, reason in result.plan:
        names = {"document": document, "group": messages.LAYER_GROUPS.get(group, group), "count": count}
        if reason is None:
            click.echo(messages.CLI_CHECK_PATH_LAYERED.format(**names))
        else:
            click.echo(messages.CLI_CHECK_PATH_WHOLE.format(reason=reason, **names))
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
    _refuse_archive_inside(config, out_dir)
    progress = BarProgress(quiet)
    # Personal data is for the owner only, LibreOffice's files too: set once, for the whole run.
    old_umask = os.umask(0o077)
    try:
        # A closed terminal or `kill` stops the run as Ctrl-C does: LibreOffice killed, finished files kept.
        with StopSignals() as stop:
            standing = mailing.standing_decisions((out_dir or config.output).resolve())
            result = pipeline.run(
                config,
                roster_path=roster_path,
                out_dir=out_dir,
                only=only,
                limit=limit,
                force=force,
                progress=progress,
                hold_signals=stop.held,
            )
    except RunInterrupted as exc:
        click.echo(f"{messages.ERROR_PREFIX}{exc}", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo(f"{messages.ERROR_PREFIX}{messages.interrupted('run')}", err=True)
        sys.exit(130)
    except ProblemsFound as exc:
        _show_problems(exc.problems)
        errors = sum(1 for p in exc.problems if p.is_error)
        raise click.ClickException(messages.CLI_RUN_REFUSED.format(count=errors)) from None
    finally:
        os.umask(old_umask)
    _show_problems(result.warnings)
    counts = ", ".join(messages.CLI_GROUP_COUNT.format(group=config.groups[g], count=result.counts[g]) for g in GROUPS)
    where = shown_path(result.out_dir)
    if result.set_aside is not None:
        what = (
            [messages.CLI_SET_ASIDE_MEMBERS.format(count=len(result.removed_members))] if result.removed_members else []
        )
        outdated = len(result.summary["outdated_set_aside"])
        what += [messages.CLI_SET_ASIDE_OUTDATED.format(count=outdated)] if outdated else []
        if what:  # a print set aside alone is said below
            click.echo(
                messages.CLI_SET_ASIDE.format(what="と".join(what), where=f"{where}/{result.summary['set_aside']}/")
            )
    if result.print_set_aside is not None:
        click.echo(
            messages.CLI_PRINT_SET_ASIDE.format(
                ids=", ".join(result.print_changed),
                where=f"{where}/{result.print_set_aside.relative_to(result.out_dir)}/",
            )
        )
    click.echo(
        messages.CLI_DONE.format(
            members=sum(result.counts.values()),
            counts=counts,
            documents=result.made + result.reused,
            made=result.made,
            reused=result.reused,
        )
    )
    click.echo(messages.CLI_TOTALS.format(**result.summary))
    _show_voided(mailing.voided_decisions(standing, result.rows))
    click.echo(messages.CLI_WHERE.format(where=where))


# Member IDs named in one line, at most: the rest are counted.
_IDS_SHOWN = 20


def _show_voided(voided: Mapping[str, Decision]) -> None:
    """Say how many approvals and holds the run voided (its documents changed), naming the members."""
    if not voided:
        return
    approved = sum(1 for d in voided.values() if d.decision == APPROVED)
    what = [messages.CLI_VOIDED_APPROVED.format(count=approved)] if approved else []
    what += [messages.CLI_VOIDED_HELD.format(count=len(voided) - approved)] if len(voided) > approved else []
    ids = sorted(voided)
    shown = ", ".join(ids[:_IDS_SHOWN]) + (
        f" {messages.CLI_MORE_IDS.format(count=len(ids) - _IDS_SHOWN)}" if len(ids) > _IDS_SHOWN else ""
    )
    click.echo(messages.CLI_DECISIONS_VOIDED.format(what="・".join(what), ids=shown))


# Registered on `main` when imported: the commands after a run, and the archive's.
from mailmerge.cli import after_run, archive, office, send, serve  # noqa: E402,F401
