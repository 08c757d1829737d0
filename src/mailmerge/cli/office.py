"""`mailmerge user …` and `mailmerge audit`: the office's accounts and audit log (issue 23)."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
import time
from pathlib import Path

import click

from mailmerge import accounts, messages
from mailmerge.cli import _Command, _Group, _load, config_option, main
from mailmerge.config import Config
from mailmerge.dates import JST
from mailmerge.officestore import OfficeStore


def _store(config_path: Path | None) -> OfficeStore:
    return accounts.open_store(_load(config_path).root)


def _operator() -> str:
    """Return who changed an account from the command line, for the audit log: the login on this machine."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def _read_password() -> str:
    """Ask twice on a terminal; read one line from standard input otherwise (scripts)."""
    if sys.stdin.isatty():
        first = click.prompt(messages.USER_PASSWORD_PROMPT, hide_input=True, err=True)
        if click.prompt(messages.USER_PASSWORD_AGAIN, hide_input=True, err=True) != first:
            raise click.ClickException(messages.USER_PASSWORDS_DIFFER)
        return str(first)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.ClickException(messages.USER_NO_PASSWORD)
    return line


@main.group(cls=_Group, help=messages.HELP_USER, short_help=messages.HELP_USER)
def user() -> None:
    pass


@user.command("add", cls=_Command, help=messages.HELP_USER_ADD)
@config_option
@click.argument("name")
@click.option("--role", required=True, help=messages.HELP_USER_ROLE)
def user_add(config_path: Path | None, name: str, role: str) -> None:
    store = _store(config_path)
    os.umask(0o077)
    if role not in accounts.ROLES:  # before the password is asked for
        raise accounts.AccountError(messages.USER_BAD_ROLE.format(role=role, roles="|".join(accounts.ROLES)))
    name = accounts.add_user(store, name, role, _read_password(), time.time())
    store.record(time.time(), _operator(), "user_add", detail=f"{name} {role}")
    click.echo(messages.USER_ADDED.format(name=name, role=role, path=store.path))


@user.command("list", cls=_Command, help=messages.HELP_USER_LIST)
@config_option
def user_list(config_path: Path | None) -> None:
    users = _store(config_path).users()
    if not users:
        click.echo(messages.USER_NONE)
    now = time.time()
    for u in users:
        state = (
            messages.USER_STATE_DISABLED
            if u.disabled
            else messages.USER_STATE_WAITING
            if u.wait_until > now
            else messages.USER_STATE_ACTIVE
        )
        click.echo(messages.USER_LIST_LINE.format(name=u.name, role=u.role, state=state))


@user.command("disable", cls=_Command, help=messages.HELP_USER_DISABLE)
@config_option
@click.argument("name")
@click.option("--enable", is_flag=True, help=messages.HELP_USER_ENABLE)
def user_disable(config_path: Path | None, name: str, enable: bool) -> None:
    store = _store(config_path)
    accounts.set_disabled(store, name, not enable)
    store.record(time.time(), _operator(), "user_enable" if enable else "user_disable", detail=name)
    click.echo((messages.USER_ENABLED if enable else messages.USER_DISABLED).format(name=name))


@user.command("passwd", cls=_Command, help=messages.HELP_USER_PASSWD)
@config_option
@click.argument("name")
def user_passwd(config_path: Path | None, name: str) -> None:
    store = _store(config_path)
    if store.user(name) is None:
        raise accounts.AccountError(messages.USER_UNKNOWN.format(name=name))
    accounts.set_password(store, name, _read_password())
    store.record(time.time(), _operator(), "user_passwd", detail=name)
    click.echo(messages.USER_PASSWORD_SET.format(name=name))


@main.command(cls=_Command, help=messages.HELP_AUDIT, short_help=messages.HELP_AUDIT)
@config_option
@click.option("--since", help=messages.HELP_AUDIT_SINCE)
def audit(config_path: Path | None, since: str | None) -> None:
    start = 0.0
    if since:
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(since), dt.time(), JST).timestamp()
        except ValueError:
            raise click.ClickException(messages.AUDIT_BAD_SINCE.format(value=since)) from None
    from mailmerge.office import audit_detail  # Flask: loaded by this command only

    lines = _store(config_path).audit(since=start)
    if not lines:
        click.echo(messages.AUDIT_NONE)
    for line in lines:
        click.echo(
            messages.AUDIT_LINE.format(
                at=dt.datetime.fromtimestamp(line.at, JST).strftime("%Y-%m-%d %H:%M:%S"),
                account=line.account,
                action=messages.AUDIT_ACTIONS.get(line.action, line.action),
                cycle=line.cycle or "-",
                members=",".join(line.members) or "-",
                detail=audit_detail(line.action, line.detail) or "-",
            )
        )


def serve_office(
    config: Config, out: Path, host: str, port: int | None, cert: Path | None, key: Path | None, no_browser: bool
) -> None:
    """Serve the workspace to other PCs: HTTPS, the allowed Host names, sign-in (`serve --host ADDRESS`)."""
    from mailmerge import office, officeserver, webapp
    from mailmerge.cli.serve import serve_until_stopped

    if host in ("localhost", "::1"):
        raise click.ClickException(messages.OFFICE_HOST_LOOPBACK.format(host=host))
    if (cert is None) != (key is None):
        raise click.ClickException(messages.OFFICE_CERT_PAIR)
    store = accounts.open_store(config.root)
    if not store.users():
        raise click.ClickException(messages.OFFICE_NO_USERS.format(path=store.path))
    hosts = [*config.server_hosts, host.lower()]
    if cert is None or key is None:
        cert, key = officeserver.self_signed(store.path.parent, hosts)
    context = officeserver.tls_context(cert, key)
    printed = officeserver.fingerprint(cert)
    settings = office.Office(store=store, hosts=frozenset(hosts))
    app = webapp.create_app(config, out, webapp.new_token(), guard=office.guard)
    office.install(app, settings)
    try:
        server = officeserver.OfficeServer(app, host, port or 8443, context)
    except OSError:
        raise click.ClickException(messages.REVIEW_PORT_IN_USE.format(port=port or 8443)) from None
    webapp.set_port(app, server.effective_port)
    shown = config.server_hosts[0] if config.server_hosts else host
    shown = f"[{shown}]" if ":" in shown else shown
    serving = messages.OFFICE_SERVING.format(cert=cert, fingerprint=printed)
    serve_until_stopped(
        app,
        server,
        "/workspace/",
        serving,
        messages.SERVE_STOPPED,
        no_browser,
        origin=f"https://{shown}:{server.effective_port}",
        log_dir=out,
    )
