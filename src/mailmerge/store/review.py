"""The output folder's review.db: reviewers' decisions and the prints."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path

from mailmerge.models import (
    DECISIONS,
    Decision,
    DocumentHashes,
    PrintedMember,
)
from mailmerge.store.base import _transaction, connect, sql_words

# --- review decisions ------------------------------------------------------------------------

_DECISIONS_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id   TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ({sql_words(DECISIONS)})),
    note        TEXT NOT NULL DEFAULT '',
    reviewer    TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    documents   TEXT NOT NULL,  -- JSON: {{"letter": {{"docx_sha256": ..., "pdf_sha256": ...}}, ...}}
    message_sha256  TEXT NOT NULL DEFAULT '',  -- the e-mail decided on ('' when sent by post only)
    address_sha256  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS decisions_member ON decisions (member_id, id);
-- A decision taken back (the member is undecided again): who, when. The decision itself stays in the log.
CREATE TABLE IF NOT EXISTS withdrawals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id   INTEGER NOT NULL UNIQUE REFERENCES decisions(id),
    reviewer      TEXT NOT NULL,
    withdrawn_at  TEXT NOT NULL
);
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
        columns = {row[1] for row in connection.execute("PRAGMA table_info(decisions)")}
        for column in _MAIL_COLUMNS:
            if column not in columns:  # a review.db from before e-mail was reviewed: its decisions keep ''
                try:
                    connection.execute(f"ALTER TABLE decisions ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
                except sqlite3.OperationalError as exc:
                    if "duplicate column" not in str(exc):  # another connection added it first
                        raise
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
                d.message_sha256,
                d.address_sha256,
            )
            for d in decisions
        ]
        for row in rows:
            if row[1] not in DECISIONS:
                raise ValueError(f"unknown decision {row[1]!r}")
        with closing(self._open()) as connection, _transaction(connection):
            connection.executemany(
                f"INSERT INTO decisions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def latest(self) -> dict[str, Decision]:
        """Return the newest decision of each member."""
        if not self.path.exists():
            return {}
        query = (
            f"SELECT {_COLUMNS} FROM decisions"
            " WHERE id IN (SELECT MAX(id) FROM decisions GROUP BY member_id)"
            " AND id NOT IN (SELECT decision_id FROM withdrawals)"
        )
        with closing(self._open()) as connection:
            return {row[0]: _decision(row) for row in connection.execute(query)}

    def version(self) -> tuple[int, ...]:
        """Return what changes whenever a decision is recorded or withdrawn: the file and the two logs' newest IDs.

        Both tables are append-only and their IDs never reused (AUTOINCREMENT), so the same three numbers
        mean the same decisions: the review app reads them all again only when these changed.
        """
        try:
            inode = self.path.stat().st_ino
        except FileNotFoundError:
            return ()
        with closing(self._open()) as connection:
            row = connection.execute(
                "SELECT (SELECT IFNULL(MAX(id), 0) FROM decisions), (SELECT IFNULL(MAX(id), 0) FROM withdrawals)"
            ).fetchone()
        return (inode, row[0], row[1])

    def withdraw(self, member_id: str, reviewer: str, withdrawn_at: str) -> Decision | None:
        """Take back a member's newest decision (it then counts as undecided); return it, or None when there is none."""
        with closing(self._open()) as connection, _transaction(connection):
            row = connection.execute(
                f"SELECT id, {_COLUMNS} FROM decisions"
                " WHERE id = (SELECT MAX(id) FROM decisions WHERE member_id = ?)"
                " AND id NOT IN (SELECT decision_id FROM withdrawals)",
                (member_id,),
            ).fetchone()
            if row is None:
                return None
            connection.execute(
                "INSERT INTO withdrawals (decision_id, reviewer, withdrawn_at) VALUES (?, ?, ?)",
                (row[0], reviewer, withdrawn_at),
            )
        return _decision(row[1:])

    def withdrawals(self, member_id: str) -> list[tuple[Decision, str, str]]:
        """Return a member's decisions taken back, oldest first: (the decision, who took it back, when)."""
        if not self.path.exists():
            return []
        query = (
            "SELECT d.member_id, d.decision, d.note, d.reviewer, d.decided_at, d.documents, d.message_sha256,"
            " d.address_sha256, w.reviewer, w.withdrawn_at FROM withdrawals w JOIN decisions d ON d.id = w.decision_id"
            " WHERE d.member_id = ? ORDER BY w.id"
        )
        with closing(self._open()) as connection:
            return [(_decision(row[:8]), row[8], row[9]) for row in connection.execute(query, (member_id,))]

    def history(self, member_id: str | None = None) -> list[Decision]:
        """Return every decision (of one member, if given), oldest first."""
        if not self.path.exists():
            return []
        query = f"SELECT {_COLUMNS} FROM decisions"
        arguments: tuple[str, ...] = ()
        if member_id is not None:
            query += " WHERE member_id = ?"
            arguments = (member_id,)
        with closing(self._open()) as connection:
            return [_decision(row) for row in connection.execute(query + " ORDER BY id", arguments)]


_COLUMNS = "member_id, decision, note, reviewer, decided_at, documents, message_sha256, address_sha256"
_MAIL_COLUMNS = ("message_sha256", "address_sha256")


def _decision(row: tuple) -> Decision:
    member_id, decision, note, reviewer, decided_at, documents, message_sha256, address_sha256 = row
    hashes = {name: DocumentHashes(**values) for name, values in json.loads(documents).items()}
    return Decision(member_id, decision, note, reviewer, decided_at, hashes, message_sha256, address_sha256)


# --- prints: which members' files went on paper, when, by whom ---------------------------------

_PRINTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS prints (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    printed_at          TEXT NOT NULL,           -- JST with its offset
    printed_by          TEXT NOT NULL,
    include_unapproved  INTEGER NOT NULL,
    sealed_in           TEXT NOT NULL DEFAULT '' -- the bag folder of the sealing that took this print ('' not yet)
);
CREATE TABLE IF NOT EXISTS printed (
    print_id   INTEGER NOT NULL REFERENCES prints(id),
    member_id  TEXT NOT NULL,
    approved   INTEGER NOT NULL,
    documents  TEXT NOT NULL,                    -- JSON: {"letter": "<pdf sha256>", ...}
    PRIMARY KEY (print_id, member_id)
);
CREATE TABLE IF NOT EXISTS print_files (
    print_id  INTEGER NOT NULL REFERENCES prints(id),
    name      TEXT NOT NULL,                     -- in DIR/print/
    sha256    TEXT NOT NULL,
    PRIMARY KEY (print_id, name)
);
"""


class PrintLog:
    """The prints of one output folder (in DIR/review.db): each a batch of members with the files printed.

    `archive` seals the members of the prints made since the last sealing, nothing else: an approved
    member never printed was never sent.
    """

    def __init__(self, path: Path):
        self.path = path

    def _open(self) -> sqlite3.Connection:
        connection = connect(self.path)
        connection.executescript(_PRINTS_SCHEMA)
        return connection

    def record(
        self,
        printed_at: str,
        printed_by: str,
        include_unapproved: bool,
        members: Iterable[tuple[str, bool, Mapping[str, str]]],
        files: Mapping[str, str] | None = None,
    ) -> int:
        """Record one print: (member_id, approved, {document: pdf sha256}) for each member, and the
        sha256 of each file it wrote in DIR/print/ by name; return its number."""
        with closing(self._open()) as connection, _transaction(connection):
            print_id = connection.execute(
                "INSERT INTO prints (printed_at, printed_by, include_unapproved) VALUES (?, ?, ?)",
                (printed_at, printed_by, int(include_unapproved)),
            ).lastrowid
            connection.executemany(
                "INSERT INTO printed (print_id, member_id, approved, documents) VALUES (?, ?, ?, ?)",
                [(print_id, m, int(a), json.dumps(dict(d), sort_keys=True)) for m, a, d in members],
            )
            connection.executemany(
                "INSERT INTO print_files (print_id, name, sha256) VALUES (?, ?, ?)",
                [(print_id, name, sha256) for name, sha256 in (files or {}).items()],
            )
        assert print_id is not None
        return print_id

    def last_files(self) -> tuple[int, str, str, dict[str, str]] | None:
        """Return the latest print's number, time, who made it and {file name: sha256} (None: no print yet)."""
        if not self.path.exists():
            return None
        with closing(self._open()) as connection:
            query = "SELECT id, printed_at, printed_by FROM prints ORDER BY id DESC LIMIT 1"
            last = connection.execute(query).fetchone()
            if last is None:
                return None
            files = connection.execute("SELECT name, sha256 FROM print_files WHERE print_id = ?", (last[0],))
            return last[0], last[1], last[2], dict(files.fetchall())

    def unsealed(self) -> dict[str, PrintedMember]:
        """Return each member of the prints not yet sealed, as its latest such print put it."""
        if not self.path.exists():
            return {}
        query = (
            "SELECT m.member_id, p.id, p.printed_at, p.printed_by, m.approved, m.documents"
            " FROM printed m JOIN prints p ON p.id = m.print_id WHERE p.sealed_in = '' ORDER BY p.id"
        )
        with closing(self._open()) as connection:
            return {
                row[0]: PrintedMember(row[0], row[1], row[2], row[3], bool(row[4]), json.loads(row[5]))
                for row in connection.execute(query)
            }

    def mark_sealed(self, print_ids: Iterable[int], folder: str) -> None:
        """Mark prints as taken by a sealing (its bag folder): the next sealing starts after them."""
        with closing(self._open()) as connection, _transaction(connection):
            connection.executemany(
                "UPDATE prints SET sealed_in = ? WHERE id = ? AND sealed_in = ''", [(folder, i) for i in print_ids]
            )
