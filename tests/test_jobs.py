"""Background jobs (jobs.py): the count a page sees, the result kept in SQLite, a stop taken as Ctrl-C."""

from __future__ import annotations

import threading
from pathlib import Path

from mailmerge import jobs


def test_a_page_sees_every_document_counted_though_the_row_is_written_a_few_times_a_second(tmp_path: Path) -> None:
    runner = jobs.Jobs()
    counted, go_on = threading.Event(), threading.Event()

    def work(progress: jobs.JobProgress, stop: jobs.Stop) -> dict:
        with progress.stage("PDF に変換・確認中", 10) as advance:
            for _ in range(3):  # a bundle split: three documents at once, then a long conversion
                advance(1)
            counted.set()
            assert go_on.wait(60)
        return {"done": "完了"}

    job_id, started = runner.start(tmp_path, "run", work, lambda exc: ("failed", {"error": str(exc)}))
    assert started and counted.wait(60)
    assert runner.live(job_id) == (3, 10)
    assert runner.start(tmp_path, "run", work, lambda exc: ("failed", {})) == (job_id, False)  # one at a time
    go_on.set()
    runner.wait(tmp_path, 60)
    row = runner.store(tmp_path).get(job_id)
    assert (row["state"], row["done"], row["total"], row["result"]["done"]) == ("done", 3, 10, "完了")
    assert runner.live(job_id) is None


def test_a_stop_is_taken_after_a_held_block_as_ctrl_c_is(tmp_path: Path) -> None:
    runner = jobs.Jobs()
    inside, go_on = threading.Event(), threading.Event()
    placed = []

    def work(progress: jobs.JobProgress, stop: jobs.Stop) -> dict:
        with stop.held():  # placing a document: never cut half-way
            inside.set()
            assert go_on.wait(60)
            placed.append("letter")
        placed.append("never reached")
        return {}

    job_id, _ = runner.start(tmp_path, "run", work, lambda exc: ("stopped", {"error": type(exc).__name__}))
    assert inside.wait(60)
    assert runner.stop(tmp_path, job_id)
    assert runner.store(tmp_path).get(job_id)["state"] == "stopping"
    go_on.set()
    runner.wait(tmp_path, 60)
    row = runner.store(tmp_path).get(job_id)
    assert placed == ["letter"]
    assert (row["state"], row["result"]["error"]) == ("stopped", "KeyboardInterrupt")
