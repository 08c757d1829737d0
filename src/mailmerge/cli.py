"""The `mailmerge` command: the only module that talks to the terminal."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from mailmerge import __version__, messages, pipeline, sealing
from mailmerge.config import Config, load_config
from mailmerge.errors import MailmergeError, ProblemsFound, RunInterrupted
from mailmerge.models import GROUPS

GROUP_LABELS = {"enrolled": "加入", "unenrolled": "未加入"}


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


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Cycle config (default: ./mailmerge.toml).",
)
roster_option = click.option(
    "--roster",
    "roster_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Roster file (.xlsx or .csv) instead of the one in the config.",
)


def _load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None


def _show_problems(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mailmerge")
def main() -> None:
    """ATS renewal notices: the chairman's letter and the insurance overview for every member."""


@main.command()
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
        click.echo(f"名簿: {config.display_path(roster.source)} ({roster.note})")
    by_group = roster.by_group()
    click.echo(
        f"会員 {roster.total_rows} 件: 加入 {len(by_group['enrolled'])} 件, 未加入 {len(by_group['unenrolled'])} 件, "
        f"エラー行 {roster.rejected_rows} 件 (空行 {roster.blank_rows} 件は読み飛ばし)"
    )
    if result.errors:
        raise click.ClickException(f"エラーが {len(result.errors)} 件あります。直してから、もう一度 mailmerge check を実行してください。")
    click.echo(f"OK（注意 {len(result.warnings)} 件）。次は mailmerge run で作成します。")


@main.command()
@config_option
@roster_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: from the config, out/{cycle}).")
@click.option("--only", type=click.Choice(GROUPS), help="Produce one group only.")
@click.option("--limit", type=click.IntRange(min=1), help="Produce the first N members only (a trial run).")
@click.option("--force", is_flag=True, help="Make every document again, even those whose inputs did not change.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
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
    # A closed terminal or `kill` stops the run as Ctrl-C does: LibreOffice killed, finished files kept.
    previous = {number: signal.signal(number, _raise_keyboard_interrupt) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        result = pipeline.run(
            config, roster_path=roster_path, out_dir=out_dir, only=only, limit=limit, force=force, progress=progress
        )
    except RunInterrupted as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Error: 中断しました。もう一度 mailmerge run を実行してください。", err=True)
        sys.exit(130)
    except ProblemsFound as exc:
        _show_problems(exc.problems)
        errors = sum(1 for p in exc.problems if p.is_error)
        raise click.ClickException(
            f"名簿またはテンプレートにエラーが {errors} 件あります。何も作成していません。直してから、もう一度実行してください。"
        ) from None
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    _show_problems(result.warnings)
    counts = ", ".join(f"{GROUP_LABELS[g]} {result.counts[g]} 件" for g in GROUPS)
    where = os.path.relpath(result.out_dir) if result.out_dir.is_relative_to(Path.cwd()) else str(result.out_dir)
    if result.removed_members:
        click.echo(f"名簿にない会員の出力を削除: {len(result.removed_members)} 件")
    click.echo(
        f"完了: {sum(result.counts.values())} 会員 ({counts}), {result.made + result.reused} 文書"
        f" (新規作成 {result.made}, 変更なしで再利用 {result.reused})"
    )
    totals = result.summary
    click.echo(
        f"集計: 名簿 {totals['roster_rows']} 行 = 加入 {totals['enrolled']} + 未加入 {totals['unenrolled']}"
        f" + エラー {totals['rejected']} 行 (summary.json)"
    )
    click.echo(f"出力先: {where}/  (一覧: {where}/manifest.csv)")


# --- archive ---------------------------------------------------------------------------------

archive_option = click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Archive folder (default: archive/ beside the config).",
)


def _archive_dir(config_path: Path | None, archive_dir: Path | None) -> Path:
    return archive_dir if archive_dir is not None else sealing.default_archive_dir(_load(config_path))


@main.command("archive")
@config_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="The run's output folder (default: from the config, out/{cycle}).")
@click.option("--sent-on", "sent_on", required=True, metavar="YYYY-MM-DD", help="The day the letters were mailed.")
@archive_option
def archive_command(config_path: Path | None, out_dir: Path | None, sent_on: str, archive_dir: Path | None) -> None:
    """Seal the approved members' letters as sent: a read-only BagIt batch and the archive index.

    Seals only members approved on their current files and not yet sealed in this cycle;
    refuses an incomplete run or stale approvals. Exit status 1 when there is nothing new.
    """
    config = _load(config_path)
    previous = {number: signal.signal(number, _raise_keyboard_interrupt) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        result = sealing.seal(config, sent_on=sent_on, out_dir=out_dir, archive_dir=archive_dir)
    except KeyboardInterrupt:
        click.echo(f"Error: {messages.ARCHIVE_INTERRUPTED}", err=True)
        sys.exit(130)
    except MailmergeError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if result.staging_removed:
        click.echo(messages.ARCHIVE_STAGING_REMOVED.format(count=result.staging_removed))
    for batch in result.recovered:
        click.echo(messages.ARCHIVE_RECOVERED.format(folder=result.archive_dir / batch.folder, members=len(batch.members)))
    batch = result.batch
    if batch is not None:
        groups = ", ".join(f"{GROUP_LABELS[g]} {sum(1 for m in batch.members if m.group == g)} 件" for g in GROUPS)
        documents = sum(1 for f in batch.files if f.member_id) // 2
        click.echo(messages.ARCHIVE_DONE.format(
            folder=result.archive_dir / batch.folder, cycle=batch.cycle, sent_on=batch.sent_on,
            members=len(batch.members), groups=groups, documents=documents,
        ))
    if result.left_out:
        click.echo(messages.ARCHIVE_LEFT_OUT.format(count=result.left_out))
    click.echo(messages.ARCHIVE_NEXT)


@main.command()
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
            cycle=e.cycle, sent_on=e.sent_on, group=GROUP_LABELS.get(e.group, e.group), document=e.document,
            pages=e.pages, sha256=e.sha256, reviewer=e.reviewer, decided_at=e.decided_at,
            path=folder / e.folder / e.path,
        ))


@main.command()
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
