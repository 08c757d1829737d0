"""Sharing files out between the conversion workers: by weight, so that they finish together; retries alone."""

from __future__ import annotations

from dataclasses import dataclass

from mailmerge.batches import Schedule, Task


@dataclass(frozen=True)
class File:
    name: str
    weight: float = 1.0


def tasks(*weights: float) -> list[Task]:
    return [Task(File(str(n), w), n) for n, w in enumerate(weights)]


def names(batch: list[Task] | None) -> list[str]:
    return [task.conversion.name for task in batch or []]


def test_like_files_are_shared_out_evenly_at_the_start() -> None:
    schedule = Schedule(tasks(*[1] * 8), workers=2, batch_size=40)
    assert names(schedule.take()) == ["0", "1", "2", "3"]
    assert names(schedule.take()) == ["4", "5", "6", "7"]


def test_heavy_files_count_for_more() -> None:
    schedule = Schedule(tasks(3, 3, 1, 1, 1, 1, 1, 1), workers=2, batch_size=40)
    assert names(schedule.take()) == ["0", "1"]  # 6 of 12
    assert names(schedule.take()) == ["2", "3", "4", "5", "6", "7"]


def test_batches_stay_within_their_size_and_a_retry_goes_alone() -> None:
    schedule = Schedule(tasks(*[1] * 6), workers=1, batch_size=4)
    first = schedule.take()
    assert names(first) == ["0", "1", "2", "3"]
    first[2].alone = True
    schedule.give_back([first[2], first[3]])
    assert names(schedule.take()) == ["2"]
    assert names(schedule.take()) == ["3", "4", "5"]


def test_files_are_needed_first_of_each_batch_first() -> None:
    schedule = Schedule(tasks(*[1] * 6), workers=2, batch_size=40)
    assert names(schedule.need_order()) == ["0", "3", "1", "4", "2", "5"]
    assert names(schedule.take()) == ["0", "1", "2"]  # working out the order took nothing


def test_nothing_is_handed_out_once_cancelled() -> None:
    schedule = Schedule(tasks(1, 1), workers=2, batch_size=40)
    schedule.cancel()
    assert schedule.take() is None
