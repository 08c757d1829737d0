"""The workspace's background jobs (DIR/jobs.db)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from mailmerge.models import JOB_RUNNING, JOB_STATES, JOB_STOPPED, JOB_STOPPING, JOBS_AT_WORK
from mailmerge.store.base import _transaction, connect, sql_words

# --- the workspace's background jobs (DIR/jobs.db) --------------------------------------------

JOBS_DB_NAME = "jobs.db"
_JOBS_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ({sql_words(JOB_STATES)})),
    server      TEXT NOT NULL,  -- the server start that runs it: a job of an earlier start is no longer running
    stage       TEXT NOT NULL DEFAULT '',
    done        INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL DEFAULT '{{}}'  -- JSON: what the page shows (counts, lines, files; never a name)
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

    def start(self, kind: str, server: str, started_at: str, stage: str = "") -> int:
        """Record a new running job (at ``stage``, what it does first) and return its id."""
        with closing(self._open()) as connection, _transaction(connection):
            cursor = connection.execute(
                "INSERT INTO jobs (kind, state, server, started_at, stage) VALUES (?, ?, ?, ?, ?)",
                (kind, JOB_RUNNING, server, started_at, stage),
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
            connection.execute(
                "UPDATE jobs SET state = ? WHERE id = ? AND state = ?", (JOB_STOPPING, job_id, JOB_RUNNING)
            )

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
                "UPDATE jobs SET state = ?, finished_at = ? WHERE state IN (?, ?) AND server != ?",
                (JOB_STOPPED, finished_at, *JOBS_AT_WORK, server),
            )


def _job(row: tuple) -> dict:
    job = dict(zip(_JOB_COLUMNS.split(", "), row, strict=False))
    job["result"] = json.loads(job["result"] or "{}")
    return job
