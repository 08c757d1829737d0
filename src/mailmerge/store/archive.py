"""The archive index (archive.db): sealed batches, members, documents, history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mailmerge import messages
from mailmerge.errors import MailmergeError
from mailmerge.models import (
    ArchivedBatch,
    ArchivedFile,
    ArchivedMember,
    HistoryEntry,
)
from mailmerge.store.base import connect

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
