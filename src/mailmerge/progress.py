"""How long work reports its progress: the command line draws bars, the workspace records a job's stage."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol


class Progress(Protocol):
    """How the pipeline reports progress; the CLI draws bars, tests pass a silent one."""

    def stage(self, label: str, total: int) -> Any:
        """Return a context manager yielding a callable ``advance(n)``."""

    def info(self, message: str) -> None:
        """Show one line of information (never personal data)."""


class SilentProgress:
    """A Progress that shows nothing."""

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        def advance(n: int = 1) -> None:
            pass

        yield advance

    def info(self, message: str) -> None:
        pass
