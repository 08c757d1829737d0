"""The workspace: `mailmerge serve`, and the serving loop it shares with `mailmerge review`."""

from __future__ import annotations

import logging
import os
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Any

import click

from mailmerge import messages
from mailmerge.cli import (
    StopSignals,
    _load,
    _refuse_archive_inside,
    config_option,
    main,
)
from mailmerge.dates import now_jst
from mailmerge.fsutil import make_private_dir, shown_path

# How long a stopping server waits for a job it stopped (a run places its current document first).
JOB_STOP_WAIT = 60.0
# The web server's access log, beside the run it serves (member IDs and routes only, never names).
ACCESS_LOG_NAME = "access.log"


def _access_log_file(path: Path) -> logging.Handler:
    """Return a handler appending to ``path`` (private to the owner), each line stamped in Japan time."""
    make_private_dir(path.parent)  # `serve` may start before the first run made the folder
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    handler = logging.FileHandler(path, encoding="utf-8")
    formatter = logging.Formatter("%(asctime)s+09:00 %(message)s", "%Y-%m-%d %H:%M:%S")
    formatter.converter = lambda *_: now_jst().timetuple()
    handler.setFormatter(formatter)
    return handler


def websecurity_loopback() -> str:
    from mailmerge import websecurity

    return websecurity.LOOPBACK


def serve_until_stopped(
    app: Any,
    server: Any,
    path: str,
    serving: str,
    stopped: str,
    no_browser: bool,
    origin: str | None = None,
    log_dir: Path | None = None,
) -> None:
    """Print the app's address as the one line of stdout, open a browser, serve until Ctrl-C or SIGTERM.

    ``origin``: the scheme, host and port other PCs use (serve --host), instead of http://127.0.0.1:PORT.
    ``log_dir``: where the access log goes (DIR/access.log, Japan time); the terminal keeps only what a
    person needs (the address, serving, stopped).
    """
    from mailmerge import websecurity, workspace

    url = f"{origin or f'http://127.0.0.1:{server.effective_port}'}{path}"
    click.echo(url)  # the one line on stdout, for a script to read
    sys.stdout.flush()
    click.echo(serving, err=True)
    handler: logging.Handler = logging.StreamHandler(sys.stderr)
    if log_dir is not None:
        handler = _access_log_file(log_dir / ACCESS_LOG_NAME)
        click.echo(messages.SERVE_ACCESS_LOG.format(path=shown_path(log_dir / ACCESS_LOG_NAME)), err=True)
    websecurity.ACCESS_LOG.addHandler(handler)
    websecurity.ACCESS_LOG.setLevel(logging.INFO)
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
        # A run started from the browser stops as Ctrl-C stops `mailmerge run`: finished documents kept.
        app.extensions[workspace.EXTENSION].jobs.shutdown(JOB_STOP_WAIT)
    click.echo(stopped, err=True)


@main.command(help=messages.HELP_SERVE, short_help=messages.SHORT_HELP_SERVE)
@config_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help=messages.HELP_OUT)
@click.option("--port", type=click.IntRange(1, 65535), help=messages.HELP_PORT)
@click.option("--no-browser", is_flag=True, help=messages.HELP_NO_BROWSER)
@click.option("--host", help=messages.HELP_HOST)
@click.option("--cert", type=click.Path(dir_okay=False, exists=True, path_type=Path), help=messages.HELP_CERT)
@click.option("--key", type=click.Path(dir_okay=False, exists=True, path_type=Path), help=messages.HELP_KEY)
def serve(
    config_path: Path | None,
    out_dir: Path | None,
    port: int | None,
    no_browser: bool,
    host: str | None,
    cert: Path | None,
    key: Path | None,
) -> None:
    """Serve the workspace on 127.0.0.1 until Ctrl-C; print its address as the one line of stdout.

    With --host: to other PCs, over HTTPS with accounts (cli.office.serve_office).
    """
    from mailmerge import webapp, webserver  # Flask and waitress load only for this command

    config = _load(config_path)
    _refuse_archive_inside(config, out_dir)
    out = (out_dir or config.output).resolve()
    # Runs, prints and uploads from the browser write personal data: for the owner only, as `run` does.
    os.umask(0o077)
    if host is not None and host != websecurity_loopback():
        from mailmerge.cli.office import serve_office

        serve_office(config, out, host, port, cert, key, no_browser)
        return
    token = webapp.new_token()
    app = webapp.create_app(config, out, token)
    try:
        server = webserver.make_server(app, port or 0)
    except OSError:
        raise click.ClickException(messages.REVIEW_PORT_IN_USE.format(port=port)) from None
    serve_until_stopped(
        app,
        server,
        f"/workspace/?token={token}",
        messages.SERVE_SERVING,
        messages.SERVE_STOPPED,
        no_browser,
        log_dir=out,
    )
