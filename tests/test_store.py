"""The decisions database: append-only, newest per member, private, safe with two writers at once."""

from __future__ import annotations

import sqlite3
import stat
import threading
from contextlib import closing
from pathlib import Path

from mailmerge.models import Decision, DocumentHashes
from mailmerge.store import ArchiveIndex, DecisionStore

HASHES = {"letter": DocumentHashes("a" * 64, "b" * 64), "overview": DocumentHashes("c" * 64, "d" * 64)}


def decision(
    member_id: str, verdict: str = "approved", reviewer: str = "事務局 山田", at: str = "2026-12-01T09:00:00Z"
) -> Decision:
    return Decision(member_id, verdict, "", reviewer, at, HASHES)


def test_the_newest_decision_of_each_member_counts_and_the_log_keeps_all(tmp_path: Path) -> None:
    store = DecisionStore(tmp_path / "review.db")
    store.record([decision("0001"), decision("0002", "hold")])
    store.record([Decision("0001", "hold", "住所の番地が古い", "事務局 佐々木", "2026-12-01T10:00:00Z", HASHES)])

    latest = store.latest()
    assert latest["0001"].decision == "hold"
    assert latest["0001"].note == "住所の番地が古い"
    assert latest["0001"].reviewer == "事務局 佐々木"
    assert latest["0001"].documents == HASHES
    assert latest["0002"].decision == "hold"
    assert [d.decision for d in store.history("0001")] == ["approved", "hold"]
    assert len(store.history()) == 3


def test_the_database_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    DecisionStore(path).record([decision("0001")])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (tmp_path / "review.db-wal").exists() or path.read_bytes()[18:20] == b"\x02\x02"


def test_an_empty_folder_has_no_decisions_and_creates_nothing(tmp_path: Path) -> None:
    store = DecisionStore(tmp_path / "review.db")
    assert store.latest() == {}
    assert store.history() == []
    assert not (tmp_path / "review.db").exists()


def test_two_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    store = DecisionStore(tmp_path / "review.db")
    store.record([])  # create the schema first, as the review app does on its first request

    def write(reviewer: str) -> None:
        for number in range(100):
            DecisionStore(tmp_path / "review.db").record([decision(f"{number:04d}", reviewer=reviewer)])

    threads = [threading.Thread(target=write, args=(name,)) for name in ("事務局 山田", "事務局 佐々木")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    history = store.history()
    assert len(history) == 200
    assert {d.reviewer for d in history} == {"事務局 山田", "事務局 佐々木"}


def test_two_reviewers_first_decisions_on_a_new_database_both_land(tmp_path: Path) -> None:
    # Two connections switching a fresh file to WAL at once: SQLite refuses one at once, no busy wait.
    failures: list[str] = []

    def first_decision(folder: Path, reviewer: str, start: threading.Barrier) -> None:
        start.wait()
        try:
            DecisionStore(folder / "review.db").record([decision("0001", reviewer=reviewer)])
        except Exception as exc:  # noqa: BLE001 - every failure is what this test counts
            failures.append(f"{folder.name}: {exc}")

    for attempt in range(60):
        folder = tmp_path / f"run{attempt}"
        folder.mkdir()
        start = threading.Barrier(2)
        threads = [
            threading.Thread(target=first_decision, args=(folder, name, start))
            for name in ("事務局 山田", "事務局 佐々木")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(DecisionStore(folder / "review.db").history()) == 2, failures


def test_an_index_made_before_resends_is_upgraded_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript("""
            CREATE TABLE batches (id INTEGER PRIMARY KEY, cycle TEXT NOT NULL, sent_on TEXT NOT NULL,
                folder TEXT NOT NULL UNIQUE, sealed_by TEXT NOT NULL, sealed_at TEXT NOT NULL,
                roster_sha256 TEXT NOT NULL, config_sha256 TEXT NOT NULL);
            CREATE TABLE members (batch_id INTEGER NOT NULL REFERENCES batches(id), cycle TEXT NOT NULL,
                member_id TEXT NOT NULL, name TEXT NOT NULL, member_group TEXT NOT NULL,
                PRIMARY KEY (cycle, member_id));
            CREATE INDEX members_by_id ON members (member_id);
            INSERT INTO batches VALUES (1, '2024', '2026-12-01', '2024/2026-12-01', 'jimu', 'x', 'r', 'c');
            INSERT INTO members VALUES (1, '2024', '0005', 'テスト', 'enrolled');
        """)
    with ArchiveIndex(path) as index:
        assert index.sealed_members("2024") == {"0005": ("2026-12-01", "x")}
    with closing(sqlite3.connect(path)) as db:
        members_sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'members'").fetchone()[0]
        assert "PRIMARY KEY (batch_id, member_id)" in members_sql
        assert db.execute("SELECT reason FROM batches").fetchall() == [("",)]
        # The same member in a second batch of the cycle (a re-send) is now allowed.
        db.execute(
            "INSERT INTO batches VALUES (2, '2024', '2026-12-09', '2024/2026-12-09', 'jimu', 'y', 'r', 'c', '訂正')"
        )
        db.execute("INSERT INTO members VALUES (2, '2024', '0005', 'テスト', 'enrolled')")
