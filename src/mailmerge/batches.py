"""The files waiting for LibreOffice, shared out between the conversion workers by weight.

Pure bookkeeping, no processes: pdf.py's workers take batches from a Schedule and give back
what is to be tried again.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any


@dataclass(eq=False)
class Task:
    """One file to convert (``conversion``, which has a ``weight``) and how it is going."""

    conversion: Any
    index: int  # position in the caller's list
    state: str = "new"  # new (not written yet) -> ready, or unusable (``problem`` says why)
    problem: str = ""
    attempts: int = 0
    alone: bool = False  # a retry runs in a soffice of its own, so one bad file cannot take others down


class Schedule:
    """The files waiting, shared out between the workers by weight, and how much the workers have in hand."""

    def __init__(self, tasks: list[Task], workers: int, batch_size: int):
        self.pending: deque[Task] = deque(tasks)
        self.workers = workers
        self.batch_size = max(1, batch_size)
        self.busy = 0  # workers running a batch
        self.in_flight = 0.0  # weight of the files taken by workers and not yet done, failed or given back
        self.lock = threading.Condition()
        self.cancelled = False

    def take(self) -> list[Task] | None:
        """Return the next batch for a worker, waiting while others may give files back; None when all is done."""
        with self.lock:
            while True:
                if self.cancelled:
                    return None
                if self.pending:
                    self.busy += 1
                    batch = self._cut(self.pending, self.in_flight)
                    self.in_flight += sum(task.conversion.weight for task in batch)
                    return batch
                if self.busy == 0:
                    return None
                self.lock.wait()

    def _cut(self, pending: deque[Task], in_flight: float) -> list[Task]:
        """Take the next batch off ``pending``: a retry alone, else files up to a fair share of the work left.

        The share counts what the other workers still have (by weight): with 8 like files and 2
        workers each takes 4 (not 4, then 2, then 2 for a third start), and near the end a worker
        does not take the rest while another is about to be idle.
        """
        if pending[0].alone:
            return [pending.popleft()]
        share = (sum(task.conversion.weight for task in pending) + in_flight) / self.workers
        batch: list[Task] = []
        weight = 0.0
        while pending and len(batch) < self.batch_size and not pending[0].alone:
            if batch and weight + pending[0].conversion.weight / 2 > share:  # the next file would overshoot
                break
            batch.append(pending.popleft())
            weight += batch[-1].conversion.weight
        return batch

    def need_order(self) -> list[Task]:
        """Return the files in the order the workers will first need them, for a writer to write them in.

        Each worker's first batch is converted file by file from the start: the first file of
        every batch comes first (so every soffice starts at once), then the second of each, and
        so on; the later batches in queue order.
        """
        pending, in_flight = deque(self.pending), 0.0
        batches: list[list[Task]] = []
        while pending and len(batches) < self.workers:
            batches.append(self._cut(pending, in_flight))
            in_flight += sum(task.conversion.weight for task in batches[-1])
        return [task for row in itertools.zip_longest(*batches) for task in row if task] + list(pending)

    def give_back(self, tasks: list[Task]) -> None:
        with self.lock:
            self.pending.extendleft(reversed(tasks))
            self.in_flight -= sum(task.conversion.weight for task in tasks)
            self.busy -= 1
            self.lock.notify_all()

    def settle(self, weight: float) -> None:
        with self.lock:
            self.in_flight -= weight

    def cancel(self) -> None:
        """Stop handing out files; wake every worker waiting for one."""
        with self.lock:
            self.cancelled = True
            self.lock.notify_all()
