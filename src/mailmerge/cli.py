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

from mailmerge import __version__, mailing, messages, pipeline
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
    previous = {number: signal.signal(number, _raise_keyboard_interrupt) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
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
