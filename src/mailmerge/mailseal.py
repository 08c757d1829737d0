"""What `archive` seals of the e-mail: each member's message accepted since the last sealing, and its journal lines.

The .eml handed to the server (DIR/mail/<member>.eml, checked against the journal's hash as it is
copied) goes into the bag as data/mail/<member>.eml, and the member's journal lines up to it as
data/mail.csv: member ID, state, time in Japan, the server's reply code, the message's hashes (no
address: the reply text is left out, the code says what the server did).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mailmerge import mailing, review
from mailmerge.dates import in_jst
from mailmerge.fsutil import csv_bytes
from mailmerge.models import APPROVED, JournalEntry
from mailmerge.store import existing_journal

MAIL_CSV_NAME = "mail.csv"
MAIL_CSV_COLUMNS = ("member_id", "state", "at_jst", "reply_code", "message_sha256", "eml_sha256", "eml")
BAG_MAIL_FOLDER = "mail"  # in the bag's data/, as DIR/mail/ in the output folder


@dataclass(frozen=True)
class Emailed:
    """A member's message accepted by the server and not yet sealed, with the journal lines that led to it."""

    member_id: str
    line_id: int  # the accepted line's number in the journal
    accepted: JournalEntry
    lines: tuple[JournalEntry, ...]

    @property
    def bag_path(self) -> str:
        """Return where the .eml goes in the bag's data/ (and where it is in the output folder)."""
        return f"{BAG_MAIL_FOLDER}/{self.member_id}.eml"


def unsealed(out_dir: Path) -> dict[str, Emailed]:
    """Return the members e-mailed (accepted) since the last sealing; {} without a journal."""
    journal = existing_journal(out_dir)
    if journal is None:
        return {}
    with journal:
        found = journal.unsealed_accepted()
        return {m: Emailed(m, i, e, tuple(journal.lines_to_seal(m, i))) for m, (i, e) in found.items()}


def as_emailed(view: mailing.RunView, member: review.MemberReview, mailed: str) -> review.MemberReview | None:
    """Return the member under the approval its accepted message (``mailed``: its hash) went out on, or None.

    An address corrected after a bounce (or email.txt reworded) makes a new message to approve; the one
    the server accepted was approved when it left, and is what was sent: it is sealed on that approval
    (the newest one recorded for that very message, not taken back), while it stands on the member's
    current PDFs. None when no such approval does.
    """
    store = mailing.decision_store(view.out_dir)
    taken_back = [decision for decision, _who, _when in store.withdrawals(member.member_id)]
    for decision in reversed(store.history(member.member_id)):
        if decision.decision == APPROVED and decision.message_sha256 == mailed and decision not in taken_back:
            facts = dataclasses.replace(member.facts, message_sha256=mailed, address_sha256=decision.address_sha256)
            sent = review.with_decision(dataclasses.replace(member, facts=facts), decision)
            return sent if sent.approved else None
    return None


def copies(out_dir: Path, emailed: Iterable[Emailed]) -> dict[str, tuple[Path, str]]:
    """Return each .eml to copy into the bag: its place there -> (DIR/mail/<member>.eml, the journal's sha256)."""
    return {e.bag_path: (out_dir / e.bag_path, e.accepted.eml_sha256) for e in emailed}


def journal_csv(emailed: Iterable[Emailed]) -> bytes:
    """Return data/mail.csv: the sealed members' journal lines, the times in Japan, no address."""
    rows = []
    for e in emailed:
        for line in e.lines:
            moment = in_jst(line.at)
            at = moment.isoformat() if moment is not None else line.at
            eml = e.bag_path if line.state == "accepted" and line.eml_sha256 == e.accepted.eml_sha256 else ""
            code = line.reply.split(" ", 1)[0] if line.reply else ""
            rows.append((line.member_id, line.state, at, code, line.content_sha256, line.eml_sha256, eml))
    return csv_bytes(MAIL_CSV_COLUMNS, rows)


def mark_sealed(out_dir: Path, emailed: Iterable[Emailed], folder: str) -> None:
    """Record the members' accepted messages as sealed in ``folder``: the next sealing starts after them."""
    ids = [e.line_id for e in emailed]
    journal = existing_journal(out_dir)
    if journal is None or not ids:
        return
    with journal:
        journal.mark_sealed(ids, folder)


def seals(out_dir: Path, member_id: str) -> Mapping[tuple[str, str], str]:
    """Return a member's sealed messages: (Message-ID, time accepted) -> the bag folder; {} without a journal."""
    journal = existing_journal(out_dir)
    if journal is None:
        return {}
    with journal:
        return journal.seals(member_id)
