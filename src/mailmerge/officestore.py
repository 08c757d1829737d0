"""SQLite for the office (issue 23): accounts, sessions and the audit log, in one file beside the config.

The file is office/accounts.db under the config's folder (never inside out/ or archive/, which are
remade and sealed); it follows store.py's pattern (store.connect: created 0600, WAL, busy timeout).
Times are UTC seconds since the epoch (floats) so a test can inject the clock; people read them in JST.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailmerge.fsutil import csv_bytes
from mailmerge.store import _transaction, connect

OFFICE_FOLDER = "office"
ACCOUNTS_DB_NAME = "accounts.db"
# The audit lines of a cycle, as a sealed batch keeps them (sealing.seal).
AUDIT_CSV_NAME = "audit.csv"
AUDIT_CSV_HEADER = ("time_jst", "account", "action", "cycle", "member_ids", "detail")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    wait_until  REAL NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    digest      TEXT PRIMARY KEY,   -- SHA-256 of the cookie's value: the file alone signs no one in
    name        TEXT NOT NULL REFERENCES users (name),
    last_seen   REAL NOT NULL,
    csrf        TEXT NOT NULL DEFAULT ''  -- the session's own CSRF token, on its pages' forms
);
CREATE TABLE IF NOT EXISTS audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          REAL NOT NULL,
    account     TEXT NOT NULL,
    action      TEXT NOT NULL,
    cycle       TEXT NOT NULL DEFAULT '',
    members     TEXT NOT NULL DEFAULT '[]',  -- JSON list of member IDs, never names or addresses
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
"""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    hash: str
    disabled: bool
    failures: int
    wait_until: float
    created_at: float


@dataclass(frozen=True)
class AuditLine:
    at: float
    account: str
    action: str
    cycle: str
    members: tuple[str, ...]
    detail: str


def _add_session_csrf(connection: Any) -> None:
    """Give an accounts.db made before sessions had their own CSRF token the column; its sessions end."""
    with _transaction(connection):
        if not any(column[1] == "csrf" for column in connection.execute("PRAGMA table_info(sessions)")):
            connection.execute("ALTER TABLE sessions ADD COLUMN csrf TEXT NOT NULL DEFAULT ''")
            connection.execute("DELETE FROM sessions")  # no token to check their forms against: sign in again


def accounts_path(config_root: Path) -> Path:
    """Return where the accounts database of the config in ``config_root`` lives."""
    return Path(config_root) / OFFICE_FOLDER / ACCOUNTS_DB_NAME


class OfficeStore:
    """Accounts, sessions and the audit log of one config folder."""

    def __init__(self, path: Path):
        self.path = path
        self._made: tuple[int, int] | None = None  # the file (device, inode) whose tables this store made
        self._readers = threading.local()  # each request thread's connection for the session look-up

    def _open(self) -> Any:
        """Open the database; its tables are made (or brought up to date) once per file, not per request."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        connection = connect(self.path)
        stat = self.path.stat()
        if self._made != (stat.st_dev, stat.st_ino):  # first use, or the file was replaced (restored) since
            connection.executescript(_SCHEMA)
            if not any(column[1] == "csrf" for column in connection.execute("PRAGMA table_info(sessions)")):
                _add_session_csrf(connection)
            self._made = (stat.st_dev, stat.st_ino)
        return connection

    @contextmanager
    def _reader(self) -> Iterator[Any]:
        """Yield this thread's kept connection, for the look-up every signed-in request makes.

        Opening SQLite costs more than the query; the connection is opened again when the file was replaced.
        """
        held = getattr(self._readers, "held", None)
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            stat = None
        if held is None or stat is None or held[0] != (stat.st_dev, stat.st_ino):
            if held is not None:
                held[1].close()
            connection = self._open()
            stat = self.path.stat()
            held = self._readers.held = ((stat.st_dev, stat.st_ino), connection)
        yield held[1]

    @contextmanager
    def _write(self) -> Iterator[Any]:
        """Yield a connection in a write transaction; after it, the file alone holds every change.

        The kept readers keep SQLite's write-ahead log from being folded in when the last connection
        closes, so each write folds it in itself: a copy of accounts.db taken while serving is whole.
        """
        with closing(self._open()) as connection:
            with _transaction(connection):
                yield connection
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- users ---

    def user(self, name: str) -> User | None:
        with closing(self._open()) as connection:
            row = connection.execute(
                "SELECT name, role, hash, disabled, failures, wait_until, created_at FROM users WHERE name = ?", (name,)
            ).fetchone()
        return User(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6]) if row else None

    def users(self) -> list[User]:
        with closing(self._open()) as connection:
            rows = connection.execute(
                "SELECT name, role, hash, disabled, failures, wait_until, created_at FROM users ORDER BY name"
            ).fetchall()
        return [User(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in rows]

    def add_user(self, name: str, role: str, hash_: str, now: float) -> bool:
        """Add an account; False when the name is taken."""
        with self._write() as connection:
            if connection.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                return False
            connection.execute(
                "INSERT INTO users (name, role, hash, created_at) VALUES (?, ?, ?, ?)", (name, role, hash_, now)
            )
        return True

    def update_user(self, name: str, **values: Any) -> None:
        """Set some of an account's columns (role, hash, disabled, failures, wait_until)."""
        allowed = {"role", "hash", "disabled", "failures", "wait_until"}
        if not values or set(values) - allowed:
            raise ValueError(f"cannot set {sorted(set(values) - allowed)}")
        assignments = ", ".join(f"{key} = ?" for key in values)
        with self._write() as connection:
            connection.execute(f"UPDATE users SET {assignments} WHERE name = ?", (*values.values(), name))
            if values.get("disabled") or "hash" in values:
                connection.execute("DELETE FROM sessions WHERE name = ?", (name,))  # signed out everywhere

    # --- sessions ---

    def add_session(self, digest: str, name: str, now: float, csrf: str) -> None:
        with self._write() as connection:
            connection.execute(
                "INSERT INTO sessions (digest, name, last_seen, csrf) VALUES (?, ?, ?, ?)", (digest, name, now, csrf)
            )

    def session(self, digest: str) -> tuple[User, float, str] | None:
        """Return a session's account, when it was last seen and its CSRF token (one query: every request asks)."""
        with self._reader() as connection:
            rows = connection.execute(
                "SELECT u.name, u.role, u.hash, u.disabled, u.failures, u.wait_until, u.created_at, s.last_seen, s.csrf"
                " FROM sessions s JOIN users u ON u.name = s.name WHERE s.digest = ?",
                (digest,),
            ).fetchall()  # to the end: a statement left open would keep its snapshot on the kept connection
        row = rows[0] if rows else None
        return (User(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6]), row[7], row[8]) if row else None

    def touch_session(self, digest: str, now: float) -> None:
        with self._write() as connection:
            connection.execute("UPDATE sessions SET last_seen = ? WHERE digest = ?", (now, digest))

    def end_session(self, digest: str) -> None:
        with self._write() as connection:
            connection.execute("DELETE FROM sessions WHERE digest = ?", (digest,))

    def end_sessions_before(self, last_seen: float) -> None:
        with self._write() as connection:
            connection.execute("DELETE FROM sessions WHERE last_seen < ?", (last_seen,))

    # --- audit ---

    def record(
        self, at: float, account: str, action: str, cycle: str = "", members: Iterable[str] = (), detail: str = ""
    ) -> None:
        with self._write() as connection:
            connection.execute(
                "INSERT INTO audit (at, account, action, cycle, members, detail) VALUES (?, ?, ?, ?, ?, ?)",
                (at, account, action, cycle, json.dumps(list(members), ensure_ascii=False), detail),
            )

    def audit(self, since: float = 0.0, cycle: str | None = None, limit: int | None = None) -> list[AuditLine]:
        """Return the audit lines from ``since`` on (of one cycle when given), oldest first (the newest ``limit``)."""
        query = "SELECT at, account, action, cycle, members, detail FROM audit WHERE at >= ?"
        params: list[Any] = [since]
        if cycle is not None:
            query += " AND cycle = ?"
            params.append(cycle)
        query += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        if not self.path.exists():
            return []
        with closing(self._open()) as connection:
            rows = connection.execute(query, params).fetchall()
        return [AuditLine(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5]) for r in reversed(rows)]


def cycle_audit_csv(config_root: Path, cycle: str) -> bytes | None:
    """Return the audit lines of a cycle as CSV (JST times, member IDs only), or None when no office is used."""
    import datetime as dt

    path = accounts_path(config_root)
    if not path.is_file():
        return None
    from mailmerge.dates import JST

    rows = [
        (
            dt.datetime.fromtimestamp(line.at, JST).isoformat(timespec="seconds"),
            line.account,
            line.action,
            line.cycle,
            " ".join(line.members),
            line.detail,
        )
        for line in OfficeStore(path).audit(cycle=cycle)
    ]
    return csv_bytes(AUDIT_CSV_HEADER, rows)
