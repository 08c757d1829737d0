"""SQLite, in one module: the review decisions (DIR/review.db) and the archive index (archive.db)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from mailmerge.errors import MailmergeError
from mailmerge.fsutil import FILE_MODE
from mailmerge.models import DECISIONS, Decision, DocumentHashes

REVIEW_DB_NAME = "review.db"
# How long a writer waits for another one (two reviewers, a script) before giving up.
BUSY_TIMEOUT_MS = 15_000


class StoreError(MailmergeError):
    """A database file cannot be opened or written."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (or create, private to the owner) a database in WAL mode: readers never block the writer."""
    if not path.exists():
        # Created 0600 before SQLite opens it: decisions name members, the index their documents.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: データベースを開けません（{exc}）。ファイルの権限と空き容量を確認してください") from None
    return connection


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


# --- review decisions ------------------------------------------------------------------------

_DECISIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id   TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('approved', 'hold')),
    note        TEXT NOT NULL DEFAULT '',
    reviewer    TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    documents   TEXT NOT NULL  -- JSON: {"letter": {"docx_sha256": ..., "pdf_sha256": ...}, ...}
);
CREATE INDEX IF NOT EXISTS decisions_member ON decisions (member_id, id);
"""


class DecisionStore:
    """The review decisions of one output folder: an append-only log, the newest per member counts.

    Nothing is updated in place, so two reviewers deciding at once both have their decision
    recorded (the later one wins), and the log says who decided what, on which files, when.
    """

    def __init__(self, path: Path):
        self.path = path

    def _open(self) -> sqlite3.Connection:
        connection = connect(self.path)
        connection.executescript(_DECISIONS_SCHEMA)
        return connection

    def record(self, decisions: Iterable[Decision]) -> None:
        """Append decisions, all or none."""
        rows = [
            (
                d.member_id,
                d.decision,
                d.note,
                d.reviewer,
                d.decided_at,
                json.dumps({name: vars(h) for name, h in sorted(d.documents.items())}, sort_keys=True),
            )
            for d in decisions
        ]
        for row in rows:
            if row[1] not in DECISIONS:
                raise ValueError(f"unknown decision {row[1]!r}")
        with closing(self._open()) as connection, _transaction(connection):
            connection.executemany(
                "INSERT INTO decisions (member_id, decision, note, reviewer, decided_at, documents) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    def latest(self) -> dict[str, Decision]:
        """Return the newest decision of each member."""
        if not self.path.exists():
            return {}
        query = (
            "SELECT member_id, decision, note, reviewer, decided_at, documents FROM decisions"
            " WHERE id IN (SELECT MAX(id) FROM decisions GROUP BY member_id)"
        )
        with closing(self._open()) as connection:
            return {row[0]: _decision(row) for row in connection.execute(query)}

    def history(self, member_id: str | None = None) -> list[Decision]:
        """Return every decision (of one member, if given), oldest first."""
        if not self.path.exists():
            return []
        query = "SELECT member_id, decision, note, reviewer, decided_at, documents FROM decisions"
        arguments: tuple[str, ...] = ()
        if member_id is not None:
            query += " WHERE member_id = ?"
            arguments = (member_id,)
        with closing(self._open()) as connection:
            return [_decision(row) for row in connection.execute(query + " ORDER BY id", arguments)]


def _decision(row: tuple) -> Decision:
    member_id, decision, note, reviewer, decided_at, documents = row
    hashes = {name: DocumentHashes(**values) for name, values in json.loads(documents).items()}
    return Decision(member_id, decision, note, reviewer, decided_at, hashes)


# --- archive index ---------------------------------------------------------------------------
