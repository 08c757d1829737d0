"""SQLite, in one module: the review decisions (DIR/review.db) and the archive index (archive.db)."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from mailmerge import messages
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import FILE_MODE
from mailmerge.models import (
    DECISIONS,
    JOURNAL_STATES,
    ArchivedBatch,
    ArchivedFile,
    ArchivedMember,
    Decision,
    DocumentHashes,
    HistoryEntry,
    JournalEntry,
    PrintedMember,
)

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
                "INSERT INTO decisions (member_id, decision, note, reviewer, decided_at, documents) VALUES (?, "
                "?, ?, ?, ?, ?)",
                rows,
            )

    def latest(self) -> dict[str, Decision]:
        """Return the newest decision of each member."""
        if not self.path.exists():
            return {}
        query = (
            "SELECT member_id, decision, note, reviewer, decided_at, documents FROM decisions"
            " WHERE id IN (SELECT MAX(id) FROM decisions GROUP BY member_id)"
            " AND id NOT IN (SELECT decision_id FROM withdrawals)"
        )
        with closing(self._open()) as connection:
            return {row[0]: _decision(row) for row in connection.execute(query)}

    def withdraw(self, member_id: str, reviewer: str, withdrawn_at: str) -> Decision | None:
        """Take back a member's newest decision (it then counts as undecided); return it, or None when there is none."""
        with closing(self._open()) as connection, _transaction(connection):
            row = connection.execute(
                "SELECT id, member_id, decision, note, reviewer, decided_at, documents FROM decisions"
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
            "SELECT d.member_id, d.decision, d.note, d.reviewer, d.decided_at, d.documents, w.reviewer, w.withdrawn_at"
            " FROM withdrawals w JOIN decisions d ON d.id = w.decision_id WHERE d.member_id = ? ORDER BY w.id"
        )
        with closing(self._open()) as connection:
            return [(_decision(row[:6]), row[6], row[7]) for row in connection.execute(query, (member_id,))]

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


# --- the e-mail journal ---------------------------------------------------------------------

MAIL_DB_NAME = "mail.db"

_JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS sendings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id      TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'accepted', 'deferred', 'failed')),
    at             TEXT NOT NULL,           -- ISO 8601, UTC
    message_id     TEXT NOT NULL,
    eml_sha256     TEXT NOT NULL,           -- DIR/mail/<member>.eml as sent
    content_sha256 TEXT NOT NULL,           -- the message without its Date (what an approval records)
    reply          TEXT NOT NULL DEFAULT '' -- the server's reply (addresses masked)
);
CREATE INDEX IF NOT EXISTS sendings_member ON sendings (member_id, id);
"""


class MailJournal:
    """Each member's e-mail state in DIR/mail.db: an append-only log, the newest line per member counts.

    'sending' is written (and committed) before the message goes to the server, 'accepted' with the
    server's reply after: a process killed in between leaves 'sending', which the next run reports
    as unknown instead of sending again.
    """

    def __init__(self, path: Path):
        self.path = path
        self._conn = connect(path)
        self._conn.executescript(_JOURNAL_SCHEMA)
        self._conn.execute("PRAGMA synchronous = FULL")  # a `sending` line is on disk before the handover

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> MailJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, entry: JournalEntry, durable: bool = True) -> None:
        """Append one line, committed before this returns; on disk too unless ``durable`` is False.

        A server's answer is written with ``durable`` False: lost in a power cut, the member reads
        as unknown (never sent twice), and the next durable line (the next member's `sending`)
        puts it on disk with it: one fsync a message instead of two.
        """
        if entry.state not in JOURNAL_STATES:
            raise ValueError(f"unknown state {entry.state!r}")
        if not durable:
            self._conn.execute("PRAGMA synchronous = NORMAL")
        try:
            self._insert(entry)
        finally:
            if not durable:
                self._conn.execute("PRAGMA synchronous = FULL")

    def _insert(self, entry: JournalEntry) -> None:
        self._conn.execute(
            "INSERT INTO sendings (member_id, state, at, message_id, eml_sha256, content_sha256, reply)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.member_id,
                entry.state,
                entry.at,
                entry.message_id,
                entry.eml_sha256,
                entry.content_sha256,
                entry.reply,
            ),
        )

    def write_many(self, entries: Sequence[JournalEntry]) -> None:
        """Append lines, all or none, in one commit."""
        for entry in entries:
            if entry.state not in JOURNAL_STATES:
                raise ValueError(f"unknown state {entry.state!r}")
        with _transaction(self._conn):
            for entry in entries:
                self._insert(entry)

    def latest(self) -> dict[str, JournalEntry]:
        """Return each member's newest line."""
        rows = self._conn.execute(
            f"SELECT {_JOURNAL_COLUMNS} FROM sendings WHERE id IN (SELECT MAX(id) FROM sendings GROUP BY member_id)"
        )
        return {row[0]: JournalEntry(*row) for row in rows}

    def lines(self, member_id: str | None = None) -> list[JournalEntry]:
        """Return every line (of one member, if given), oldest first."""
        where, arguments = (" WHERE member_id = ?", (member_id,)) if member_id is not None else ("", ())
        return [
            JournalEntry(*row)
            for row in self._conn.execute(f"SELECT {_JOURNAL_COLUMNS} FROM sendings{where} ORDER BY id", arguments)
        ]

    def handed_over_since(self, moment: str) -> list[str]:
        """Return when messages went to the server (sending) since ``moment`` (ISO, UTC), oldest first: the rate
        limits' count.
        """
        query = "SELECT at FROM sendings WHERE state = 'sending' AND at >= ? ORDER BY id"
        return [row[0] for row in self._conn.execute(query, (moment,))]


_JOURNAL_COLUMNS = "member_id, state, at, message_id, eml_sha256, content_sha256, reply"


def existing_journal(out_dir: Path) -> MailJournal | None:
    """Return the output folder's e-mail journal when there is one (reading never creates it)."""
    path = out_dir / MAIL_DB_NAME
    return MailJournal(path) if path.is_file() else None


# --- archive index ---------------------------------------------------------------------------

ARCHIVE_DB_NAME = "archive.db"

_ARCHIVE_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    cycle TEXT NOT NULL,
    sent_on TEXT NOT NULL,
    folder TEXT NOT NULL UNIQUE,         -- relative to the archive folder: 2024/2026-12-01-2
    sealed_by TEXT NOT NULL,
    sealed_at TEXT NOT NULL,
    roster_sha256 TEXT NOT NULL,
    config_sha256 TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''      -- why a member sealed before is sealed again (a re-send)
);
CREATE TABLE IF NOT EXISTS members (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    cycle TEXT NOT NULL,
    member_id TEXT NOT NULL,
    name TEXT NOT NULL,                  -- as printed on the letter
    member_group TEXT NOT NULL,
    PRIMARY KEY (batch_id, member_id)    -- once per batch: a corrected letter is sealed again as a re-send
);
CREATE INDEX IF NOT EXISTS members_by_id ON members (member_id);
CREATE TABLE IF NOT EXISTS documents (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    path TEXT NOT NULL,                  -- relative to the bag: data/enrolled/0001/letter.pdf
    member_id TEXT,                      -- NULL for the batch's own files (roster, config, templates)
    document TEXT,
    pages INTEGER,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (batch_id, path)
);
CREATE INDEX IF NOT EXISTS documents_by_member ON documents (member_id);
CREATE TABLE IF NOT EXISTS decisions (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    member_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (batch_id, member_id)
);
CREATE TABLE IF NOT EXISTS printings (   -- the print each sealed member's sending came from
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    member_id TEXT NOT NULL,
    printed_at TEXT NOT NULL,
    printed_by TEXT NOT NULL,
    PRIMARY KEY (batch_id, member_id)
);
"""


def _upgrade_archive(c: sqlite3.Connection) -> None:
    """Bring an index made before re-sends to today's schema: a reason per batch, members once per batch."""
    if "reason" not in {row[1] for row in c.execute("PRAGMA table_info(batches)")}:
        c.execute("ALTER TABLE batches ADD COLUMN reason TEXT NOT NULL DEFAULT ''")
    found = c.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'members'").fetchone()
    if found is None or "PRIMARY KEY (cycle, member_id)" not in found[0]:
        return
    # SQLite cannot change a primary key in place: the table is copied into one with the new key.
    c.execute("BEGIN IMMEDIATE")
    try:
        c.execute("ALTER TABLE members RENAME TO members_before_resends")
        c.execute(
            "CREATE TABLE members (batch_id INTEGER NOT NULL REFERENCES batches(id), cycle TEXT NOT NULL,"
            " member_id TEXT NOT NULL, name TEXT NOT NULL, member_group TEXT NOT NULL, PRIMARY KEY (batch_id, "
            "member_id))"
        )
        c.execute(
            "INSERT INTO members SELECT batch_id, cycle, member_id, name, member_group FROM members_before_resends"
        )
        c.execute("DROP TABLE members_before_resends")
        c.execute("CREATE INDEX IF NOT EXISTS members_by_id ON members (member_id)")
        c.execute("COMMIT")
    except BaseException:
        c.execute("ROLLBACK")
        raise


class ArchiveIndex:
    """The index of sealed batches (archive/archive.db): what was sealed, for whom, approved by whom.

    Written once per batch, in one transaction, after the bag is in place; a bag found on
    disk without its rows is recorded from the bag itself by the next sealing.
    """

    def __init__(self, path: Path):
        self.path = path
        try:
            self._conn = connect(path)
            self._conn.executescript(_ARCHIVE_SCHEMA)
            _upgrade_archive(self._conn)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> MailmergeError:
        # A full disk, a damaged file: said in Japanese; a bag already in place is recorded by the next run.
        return MailmergeError(messages.ARCHIVE_BAD_INDEX.format(archive=self.path.parent, detail=exc))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ArchiveIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, batch: ArchivedBatch) -> None:
        """Record one sealed batch with its members, files and decisions (all or nothing)."""
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            cur = c.execute(
                "INSERT INTO batches (cycle, sent_on, folder, sealed_by, sealed_at, roster_sha256, "
                "config_sha256, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch.cycle,
                    batch.sent_on,
                    batch.folder,
                    batch.sealed_by,
                    batch.sealed_at,
                    batch.roster_sha256,
                    batch.config_sha256,
                    batch.reason,
                ),
            )
            batch_id = cur.lastrowid
            c.executemany(
                "INSERT INTO members (batch_id, cycle, member_id, name, member_group) VALUES (?, ?, ?, ?, ?)",
                [(batch_id, batch.cycle, m.member_id, m.name, m.group) for m in batch.members],
            )
            c.executemany(
                "INSERT INTO decisions (batch_id, member_id, decision, reviewer, decided_at, note) VALUES (?, ?, "
                "?, ?, ?, ?)",
                [(batch_id, m.member_id, m.decision, m.reviewer, m.decided_at, m.note) for m in batch.members],
            )
            c.executemany(
                "INSERT INTO printings (batch_id, member_id, printed_at, printed_by) VALUES (?, ?, ?, ?)",
                [(batch_id, m.member_id, m.printed_at, m.printed_by) for m in batch.members if m.printed_at],
            )
            c.executemany(
                "INSERT INTO documents (batch_id, path, member_id, document, pages, sha256) VALUES (?, ?, ?, ?, ?, ?)",
                [(batch_id, f.path, f.member_id or None, f.document or None, f.pages, f.sha256) for f in batch.files],
            )
            c.execute("COMMIT")
        except BaseException as exc:
            if c.in_transaction:
                c.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self._error(exc) from None
            raise

    def folders(self, cycle: str | None = None) -> list[str]:
        """Return the recorded bag folders (relative to the archive folder), oldest first."""
        sql = "SELECT folder FROM batches" + (" WHERE cycle = ?" if cycle is not None else "") + " ORDER BY id"
        return [r[0] for r in self._conn.execute(sql, (cycle,) if cycle is not None else ())]

    def files(self, folder: str) -> dict[str, str]:
        """Return a recorded bag's payload files: path relative to the bag -> sha256."""
        return dict(
            self._conn.execute(
                "SELECT d.path, d.sha256 FROM documents d JOIN batches b ON b.id = d.batch_id WHERE b.folder = ?",
                (folder,),
            )
        )

    def batch(self, folder: str) -> ArchivedBatch | None:
        """Return a recorded batch as the index holds it (members with decisions and prints, files), or None."""
        found = self._conn.execute(
            "SELECT id, cycle, sent_on, folder, sealed_by, sealed_at, roster_sha256, config_sha256, reason FROM batches"
            " WHERE folder = ?",
            (folder,),
        ).fetchone()
        if found is None:
            return None
        batch_id = found[0]
        members = tuple(
            ArchivedMember(*row)
            for row in self._conn.execute(
                "SELECT m.member_id, m.name, m.member_group, COALESCE(c.decision, ''), COALESCE(c.reviewer, ''),"
                " COALESCE(c.decided_at, ''), COALESCE(c.note, ''), COALESCE(p.printed_at, ''), "
                "COALESCE(p.printed_by, '')"
                " FROM members m LEFT JOIN decisions c ON c.batch_id = m.batch_id AND c.member_id = m.member_id"
                " LEFT JOIN printings p ON p.batch_id = m.batch_id AND p.member_id = m.member_id"
                " WHERE m.batch_id = ? ORDER BY m.member_id",
                (batch_id,),
            )
        )
        # A decision row whose member row is gone still counts: it is listed with an empty name and group.
        known = {m.member_id for m in members}
        members += tuple(
            ArchivedMember(row[0], "", "", *row[1:])
            for row in self._conn.execute(
                "SELECT member_id, decision, reviewer, decided_at, note FROM decisions WHERE batch_id = ?", (batch_id,)
            )
            if row[0] not in known
        )
        files = tuple(
            ArchivedFile(path, sha256, member_id or "", document or "", pages)
            for path, sha256, member_id, document, pages in self._conn.execute(
                "SELECT path, sha256, member_id, document, pages FROM documents WHERE batch_id = ? ORDER BY path",
                (batch_id,),
            )
        )
        _id, cycle, sent_on, folder_name, sealed_by, sealed_at, roster_sha256, config_sha256, reason = found
        return ArchivedBatch(
            cycle, sent_on, folder_name, sealed_by, sealed_at, roster_sha256, config_sha256, members, files, reason
        )

    def sealed_documents(self, cycle: str) -> dict[str, dict[str, str]]:
        """Return each member sealed in a cycle with its latest sealing's PDFs: member_id -> {document: sha256}."""
        found: dict[str, dict[str, str]] = {}
        for member_id, document, sha256 in self._conn.execute(
            "SELECT d.member_id, d.document, d.sha256 FROM documents d"
            " JOIN members m ON m.batch_id = d.batch_id AND m.member_id = d.member_id"
            " WHERE m.cycle = ? AND d.path LIKE '%.pdf' ORDER BY d.batch_id",
            (cycle,),
        ):
            found.setdefault(member_id, {})[document] = sha256
        return found

    def sealed_members(self, cycle: str) -> dict[str, tuple[str, str]]:
        """Return the members sealed in a cycle: member_id -> (sent_on, sealed_at)."""
        return {
            member_id: (sent_on, sealed_at)
            for member_id, sent_on, sealed_at in self._conn.execute(
                "SELECT m.member_id, b.sent_on, b.sealed_at FROM members m JOIN batches b ON b.id = m.batch_id"
                " WHERE m.cycle = ? ORDER BY b.id",
                (cycle,),  # a re-send's batch last: the latest sending counts
            )
        }

    def history(self, member_id: str) -> list[HistoryEntry]:
        """Return every document sealed for a member, by cycle, sending date and document."""
        rows = self._conn.execute(
            "SELECT b.cycle, b.sent_on, b.folder, m.member_id, m.member_group, d.document, d.path, d.pages, d.sha256,"
            " c.reviewer, c.decided_at, c.decision, COALESCE(p.printed_at, ''), COALESCE(p.printed_by, ''), b.reason"
            " FROM members m JOIN batches b ON b.id = m.batch_id"
            " JOIN documents d ON d.batch_id = m.batch_id AND d.member_id = m.member_id"
            " JOIN decisions c ON c.batch_id = m.batch_id AND c.member_id = m.member_id"
            " LEFT JOIN printings p ON p.batch_id = m.batch_id AND p.member_id = m.member_id"
            " WHERE m.member_id = ? ORDER BY b.cycle, b.sent_on, b.id, d.document, d.path",
            (member_id,),
        )
        return [HistoryEntry(*row) for row in rows]


def existing_index(archive_dir: Path) -> ArchiveIndex | None:
    """Return the archive's index when there is one (reading never creates it)."""
    path = archive_dir / ARCHIVE_DB_NAME
    return ArchiveIndex(path) if path.is_file() else None


# --- the workspace's background jobs (DIR/jobs.db) --------------------------------------------

JOBS_DB_NAME = "jobs.db"
_JOBS_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'stopping', 'done', 'failed', 'stopped')),
    server      TEXT NOT NULL,  -- the server start that runs it: a job of an earlier start is no longer running
    stage       TEXT NOT NULL DEFAULT '',
    done        INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL DEFAULT '{}'  -- JSON: what the page shows (counts, lines, files; never a name)
);
"""
_JOB_COLUMNS = "id, kind, state, server, stage, done, total, started_at, finished_at, result"


class JobStore:
    """The workspace's jobs of one output folder (run, print, seal, verify): state, progress and result.

    Kept on disk so a reload, another browser or a restarted server shows the last job and its result.
    """

    def __init__(self, path: Path):
        self.path = path

    def _open(self) -> sqlite3.Connection:
        connection = connect(self.path)
        connection.executescript(_JOBS_SCHEMA)
        return connection

    def start(self, kind: str, server: str, started_at: str) -> int:
        """Record a new running job and return its id."""
        with closing(self._open()) as connection, _transaction(connection):
            cursor = connection.execute(
                "INSERT INTO jobs (kind, state, server, started_at) VALUES (?, 'running', ?, ?)",
                (kind, server, started_at),
            )
            return int(cursor.lastrowid or 0)

    def update(self, job_id: int, **values: object) -> None:
        """Set some of a job's columns (stage, done, total, state, finished_at, result)."""
        allowed = {"stage", "done", "total", "state", "finished_at", "result"}
        if not values or set(values) - allowed:
            raise ValueError(f"unknown job columns {sorted(set(values) - allowed)}")
        data = {k: json.dumps(v, ensure_ascii=False) if k == "result" else v for k, v in values.items()}
        assignments = ", ".join(f"{k} = ?" for k in data)
        with closing(self._open()) as connection, _transaction(connection):
            connection.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*data.values(), job_id))

    def mark_stopping(self, job_id: int) -> None:
        """Record that a stop was asked for, unless the job has ended meanwhile."""
        with closing(self._open()) as connection, _transaction(connection):
            connection.execute("UPDATE jobs SET state = 'stopping' WHERE id = ? AND state = 'running'", (job_id,))

    def get(self, job_id: int) -> dict | None:
        """Return one job as a dict (result decoded), or None."""
        if not self.path.exists():
            return None
        with closing(self._open()) as connection:
            row = connection.execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def last(self, kind: str) -> dict | None:
        """Return the newest job of a kind, or None."""
        if not self.path.exists():
            return None
        with closing(self._open()) as connection:
            row = connection.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE kind = ? ORDER BY id DESC LIMIT 1", (kind,)
            ).fetchone()
        return _job(row) if row else None

    def end_orphans(self, server: str, finished_at: str) -> None:
        """Mark jobs still running under an earlier server start as stopped (that server is gone)."""
        if not self.path.exists():
            return
        with closing(self._open()) as connection, _transaction(connection):
            connection.execute(
                "UPDATE jobs SET state = 'stopped', finished_at = ? WHERE state IN ('running', 'stopping') AND "
                "server != ?",
                (finished_at, server),
            )


def _job(row: tuple) -> dict:
    job = dict(zip(_JOB_COLUMNS.split(", "), row, strict=False))
    job["result"] = json.loads(job["result"] or "{}")
    return job
