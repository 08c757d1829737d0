"""The SQLite connection every database here uses: created 0600, WAL, a busy timeout, one transaction helper."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mailmerge import messages
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import FILE_MODE

REVIEW_DB_NAME = "review.db"
# How long a writer waits for another one (two reviewers, a script) before giving up.
BUSY_TIMEOUT_MS = 15_000


def sql_words(words: Iterable[str]) -> str:
    """Return words as an SQL list for a schema's CHECK (state IN (…)): the constants, never retyped."""
    return ", ".join("'" + word.replace("'", "''") + "'" for word in words)


class StoreError(MailmergeError):
    """A database file cannot be opened or written."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (or create, private to the owner) a database in WAL mode: readers never block the writer."""
    if not path.exists():
        # Created 0600 before SQLite opens it: decisions name members, the index their documents.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
    connection = None
    try:
        connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _use_wal(connection)
        connection.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        if connection is not None:
            connection.close()
        raise StoreError(messages.STORE_CANNOT_OPEN.format(path=path, reason=exc)) from None
    return connection


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the database in WAL mode (kept in the file), waiting out another connection doing the same.

    Two connections switching a new file at once: SQLite answers one of them "database is locked"
    at once, without the busy timeout (two reviewers' first decisions on a fresh review.db).
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            # The mode it answers is kept as it is: a file system without shared memory stays in
            # its rollback journal, which SQLite chose, as before.
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    # BEGIN IMMEDIATE takes the write lock at once, so two writers queue instead of failing midway.
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
