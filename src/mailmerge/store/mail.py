"""The e-mail journal (DIR/mail.db): what was handed to the SMTP server, per member."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mailmerge.models import (
    JOURNAL_STATES,
    SENDING,
    JournalEntry,
)
from mailmerge.store.base import _transaction, connect, sql_words

# --- the e-mail journal ---------------------------------------------------------------------

MAIL_DB_NAME = "mail.db"

_JOURNAL_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS sendings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id      TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ({sql_words(JOURNAL_STATES)})),
    at             TEXT NOT NULL,           -- ISO 8601, UTC
    message_id     TEXT NOT NULL,
    eml_sha256     TEXT NOT NULL,           -- DIR/mail/<member>.eml as sent
    content_sha256 TEXT NOT NULL,           -- the message without its Date (what an approval records)
    reply          TEXT NOT NULL DEFAULT '' -- the server's reply (addresses masked)
);
CREATE INDEX IF NOT EXISTS sendings_member ON sendings (member_id, id);
-- An accepted message sealed by `archive` (with the member's lines before it): the bag folder that holds it.
CREATE TABLE IF NOT EXISTS sealed_sendings (
    sending_id  INTEGER PRIMARY KEY REFERENCES sendings(id),
    folder      TEXT NOT NULL
);
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
        query = "SELECT at FROM sendings WHERE state = ? AND at >= ? ORDER BY id"
        return [row[0] for row in self._conn.execute(query, (SENDING, moment))]

    def unsealed_accepted(self) -> dict[str, tuple[int, JournalEntry]]:
        """Return each member's newest accepted message not yet sealed, with its line's number."""
        rows = self._conn.execute(
            f"SELECT id, {_JOURNAL_COLUMNS} FROM sendings WHERE id IN"
            " (SELECT MAX(id) FROM sendings WHERE state = 'accepted' GROUP BY member_id)"
            " AND id NOT IN (SELECT sending_id FROM sealed_sendings) ORDER BY id"
        )
        return {row[1]: (row[0], JournalEntry(*row[1:])) for row in rows}

    def lines_to_seal(self, member_id: str, upto: int) -> list[JournalEntry]:
        """Return a member's lines after its last sealed message up to line ``upto``, oldest first."""
        after = self._conn.execute(
            "SELECT COALESCE(MAX(s.sending_id), 0) FROM sealed_sendings s JOIN sendings m ON m.id = s.sending_id"
            " WHERE m.member_id = ?",
            (member_id,),
        ).fetchone()[0]
        query = f"SELECT {_JOURNAL_COLUMNS} FROM sendings WHERE member_id = ? AND id > ? AND id <= ? ORDER BY id"
        return [JournalEntry(*row) for row in self._conn.execute(query, (member_id, after, upto))]

    def mark_sealed(self, line_ids: Sequence[int], folder: str) -> None:
        """Record accepted messages as sealed in the bag ``folder``."""
        with _transaction(self._conn):
            self._conn.executemany(
                "INSERT OR IGNORE INTO sealed_sendings (sending_id, folder) VALUES (?, ?)",
                [(i, folder) for i in line_ids],
            )

    def seals(self, member_id: str) -> dict[tuple[str, str], str]:
        """Return a member's sealed messages: (message_id, time accepted) -> the bag folder."""
        query = (
            "SELECT m.message_id, m.at, s.folder FROM sealed_sendings s JOIN sendings m ON m.id = s.sending_id"
            " WHERE m.member_id = ?"
        )
        return {(row[0], row[1]): row[2] for row in self._conn.execute(query, (member_id,))}


_JOURNAL_COLUMNS = "member_id, state, at, message_id, eml_sha256, content_sha256, reply"


def existing_journal(out_dir: Path) -> MailJournal | None:
    """Return the output folder's e-mail journal when there is one (reading never creates it)."""
    path = out_dir / MAIL_DB_NAME
    return MailJournal(path) if path.is_file() else None
