"""The send loop of `mailmerge send`: each message written, journalled, handed to the server, its reply journalled.

The journal's order is the guarantee: a member's `sending` line is synced before its message goes
to the server, so a run cut off mid-handover leaves `sending` (reported as unknown, never sent
twice). The next member's message is made while the server reads the last one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from mailmerge import mail, messages, smtp
from mailmerge.config import EmailSettings
from mailmerge.fsutil import fsync_dir, make_private_dir, write_atomic
from mailmerge.models import ACCEPTED, DEFERRED, FAILED, QUEUED, SENDING, JournalEntry
from mailmerge.progress import Progress
from mailmerge.store import MailJournal

# A server's "try again later" (4xx) is retried within the run after these waits, in seconds.
BACKOFF = (1.0, 2.0, 4.0)
T = TypeVar("T")
Made = Iterator[tuple[str, mail.Message | None]]  # (member, message; None when a PDF is not the approved one)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def queued_entry(message: mail.Message) -> JournalEntry:
    """Return the journal line naming a written message (its ID and hashes) as queued."""
    return JournalEntry(
        message.member_id, QUEUED, stamp(now()), message.message_id, message.sha256, message.content_sha256
    )


class Handover:
    """Make, write and send each message in turn, the next one made while the server reads the last.

    Per member: DIR/mail/<member>.eml written, `queued` and `sending` journalled in one synced
    commit, the message handed over, the next member's message made, the server's reply read and
    journalled (synced with the next `sending`). A stop (Ctrl-C, 中止) waits for the reply.
    """

    def __init__(
        self,
        settings: EmailSettings,
        password: str | None,
        folder: Path,
        journal: MailJournal,
        hold_signals: Callable[[], AbstractContextManager[None]],
        sleep: Callable[[float], None],
    ):
        self.settings, self.password, self.journal = settings, password, journal
        self.hold_signals, self.sleep = hold_signals, sleep
        self.folder = folder
        self.written: list[str] = []
        self.accepted: list[str] = []
        self.deferred: list[tuple[str, str]] = []
        self.failed: list[tuple[str, str]] = []
        self.refused: list[tuple[str, str]] = []
        self.stopped: list[str] = []

    def run(self, made: Made, member_ids: Sequence[str], progress: Progress) -> None:
        """Send the messages of ``member_ids`` as ``made`` yields them, in that order."""
        if not member_ids:
            return
        make_private_dir(self.folder)
        limiter = RateLimiter(self.settings, self.journal, self.sleep)
        try:
            with (
                smtp.Connection(self.settings, self.password) as connection,
                progress.stage(messages.SEND_STAGE_SEND, len(member_ids)) as advance,
            ):
                upcoming = _next(made)
                for index, _ in enumerate(member_ids):
                    item = upcoming()
                    if item is None:
                        break
                    member_id, message = item
                    if message is None:
                        self.refused.append((member_id, messages.SEND_WHY_PDF_CHANGED))
                        upcoming = _next(made)
                    elif not limiter.wait():
                        self.stopped = list(member_ids[index:])
                        break
                    else:
                        upcoming = self._send(connection, limiter, message, made)
                    advance(1)
        finally:
            # The .eml files' names on disk with the journal that names them (their bytes are hashed there).
            fsync_dir(self.folder)

    def _send(
        self,
        connection: smtp.Connection,
        limiter: RateLimiter,
        message: mail.Message,
        made: Made,
    ) -> Callable[[], tuple[str, mail.Message | None] | None]:
        """Send one message (retrying a 4xx after BACKOFF); return what gives the next member's message."""
        write_atomic(self.folder / f"{message.member_id}.eml", message.data, durable=False)
        self.written.append(message.member_id)
        entry = queued_entry(message)
        upcoming = None
        for attempt in range(len(BACKOFF) + 1):
            with self.hold_signals():
                # Synced before the handover: lost mid-handover (a crash, smtp.HandoverUnknown) the
                # member stays in `sending`, and the next run reports it as unknown instead of sending twice.
                self.journal.write_many([entry, _line(entry, SENDING)] if attempt == 0 else [_line(entry, SENDING)])
                limiter.handed_over()
                try:
                    reply = connection.hand_over(mail.envelope_from(self.settings), message.to, message.data)
                except smtp.HandoverUnknown:
                    raise
                except smtp.SmtpError:
                    # Lost (or not reopened) before DATA: the server has nothing, so the member is queued
                    # again, sent by the next run, never reported as unknown.
                    self.journal.write(_line(entry, QUEUED))
                    raise
                if reply is None:
                    if upcoming is None:
                        upcoming = _next(made)  # made while the server reads this one
                    reply = connection.reply()
                state_now = ACCEPTED if reply.accepted else DEFERRED if reply.temporary else FAILED
                # Not synced on its own: lost in a power cut, the member reads as unknown (never sent
                # twice); the next member's `sending` puts it on disk.
                self.journal.write(_line(entry, state_now, str(reply)), durable=False)
            if state_now != DEFERRED or attempt == len(BACKOFF):
                break
            self.sleep(BACKOFF[attempt])
        if state_now == ACCEPTED:
            self.accepted.append(message.member_id)
        elif state_now == DEFERRED:
            self.deferred.append((message.member_id, str(reply)))
        else:
            self.failed.append((message.member_id, str(reply)))
        return upcoming if upcoming is not None else _next(made)


def _next(items: Iterator[T]) -> Callable[[], T | None]:
    """Take the next item now; return what gives it later (None at the end, or raises what making it raised).

    Making the next message while a handover waits for its reply must not leave that reply unread:
    a failure is raised only once the reply is journalled.
    """
    try:
        item = next(items)
    except StopIteration:
        return lambda: None
    except Exception as exc:  # raised when the item is asked for, outside the handover
        error = exc

        def fail() -> T | None:
            raise error

        return fail
    return lambda: item


def _line(entry: JournalEntry, state_now: str, reply: str = "") -> JournalEntry:
    return JournalEntry(
        entry.member_id, state_now, stamp(now()), entry.message_id, entry.eml_sha256, entry.content_sha256, reply
    )


class RateLimiter:
    """per_minute and per_day, counted from the journal (so a rerun respects what the last run sent)."""

    def __init__(self, settings: EmailSettings, journal: MailJournal, sleep: Callable[[float], None]):
        self.settings, self.sleep = settings, sleep
        started = now()
        self.minute: deque[datetime] = deque(
            _parse(t) for t in journal.handed_over_since(stamp(started - timedelta(minutes=1)))
        )
        self.day = len(journal.handed_over_since(stamp(started - timedelta(days=1))))

    def wait(self) -> bool:
        """Wait until one more message is allowed this minute; return False when today's limit is reached."""
        if self.settings.per_day and self.day >= self.settings.per_day:
            return False
        if self.settings.per_minute:
            while True:
                moment = datetime.now(UTC)
                while self.minute and self.minute[0] <= moment - timedelta(minutes=1):
                    self.minute.popleft()
                if len(self.minute) < self.settings.per_minute:
                    break
                self.sleep(max((self.minute[0] + timedelta(minutes=1) - moment).total_seconds(), 0.05))
        return True

    def handed_over(self) -> None:
        self.minute.append(datetime.now(UTC))
        self.day += 1


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
