"""The secretariat's review of a run: each member's documents, what to look at first, and the decision on them.

A decision holds only for the files it was made on: it records their hashes, and a member whose
documents changed since (a later run) counts as not approved until someone decides again.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from mailmerge.models import APPROVED, DECISIONS, HOLD, Decision, DocumentHashes, ManifestRow

# What a reviewer should look at before reading, in the order shown.
LONG_LETTER = "long_letter"  # the letter runs past one page
ONCHU = "onchu"  # no representative: addressed to the organisation, 御中
POSTAL_WARNING = "postal_warning"  # `check` warned about the postal code
LONG_NAME = "long_name"  # the name may wrap in the recipient block
MISSING_DOCUMENT = "missing_document"  # a document of this member is not in the manifest (failed or not made)
ROSTER_CHANGED = "roster_changed"  # the roster row, a template or the config changed since the run
STALE = "stale"  # decided on other files than the current ones
FLAGS = (LONG_LETTER, ONCHU, POSTAL_WARNING, LONG_NAME, MISSING_DOCUMENT, ROSTER_CHANGED, STALE)

# A name wider than this (full-width characters; half-width count one half) may wrap in the
# letter's recipient block.
LONG_NAME_WIDTH = 20

# What a member's review stands at.
UNDECIDED = "undecided"
STATUSES = (APPROVED, HOLD, STALE, UNDECIDED)


@dataclass(frozen=True)
class MemberReview:
    """One member's documents in the run, what to look at, and the decision that holds for them."""

    member_id: str
    name: str
    group: str
    rows: tuple[ManifestRow, ...]
    flags: tuple[str, ...]
    decision: Decision | None
    stale: bool

    def __repr__(self) -> str:
        return f"MemberReview(member_id={self.member_id!r}, group={self.group!r}, status={self.status!r})"

    @property
    def status(self) -> str:
        """Return approved, hold, stale (decided on other files) or undecided."""
        if self.decision is None:
            return UNDECIDED
        return STALE if self.stale else self.decision.decision

    @property
    def approved(self) -> bool:
        """Return True when these very files were approved and may be printed and sealed."""
        return self.status == APPROVED and MISSING_DOCUMENT not in self.flags and ROSTER_CHANGED not in self.flags

    @property
    def pages(self) -> int:
        return sum(row.pages for row in self.rows)

    def row(self, document: str) -> ManifestRow | None:
        return next((row for row in self.rows if row.document == document), None)


def current_hashes(rows: Sequence[ManifestRow]) -> dict[str, dict[str, DocumentHashes]]:
    """Return each member's documents' hashes as the manifest lists them."""
    hashes: dict[str, dict[str, DocumentHashes]] = {}
    for row in rows:
        hashes.setdefault(row.member_id, {})[row.document] = DocumentHashes(row.docx_sha256, row.pdf_sha256)
    return hashes


def is_stale(decision: Decision, hashes: Mapping[str, DocumentHashes]) -> bool:
    """Return True when the decision was made on other files than ``hashes`` (the current ones)."""
    return dict(decision.documents) != dict(hashes)


def text_width(text: str) -> float:
    """Return how wide text prints, in full-width characters."""
    return sum(1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.5 for char in text)


def member_flags(
    rows: Sequence[ManifestRow],
    documents: Sequence[str],
    fields: Mapping[str, str],
    *,
    postal_warning: bool,
    roster_changed: bool,
    stale: bool,
) -> tuple[str, ...]:
    """Return the flags of one member, in FLAGS order."""
    made = {row.document: row for row in rows}
    letter = made.get("letter")
    raised = {
        LONG_LETTER: letter is not None and letter.pages > 1,
        ONCHU: not fields.get("representative_name", "").strip(),
        POSTAL_WARNING: postal_warning,
        LONG_NAME: text_width(fields.get("organisation", "")) > LONG_NAME_WIDTH,
        MISSING_DOCUMENT: any(document not in made for document in documents),
        ROSTER_CHANGED: roster_changed,
        STALE: stale,
    }
    return tuple(flag for flag in FLAGS if raised[flag])


def make_decision(
    member_id: str,
    decision: str,
    note: str,
    reviewer: str,
    hashes: Mapping[str, DocumentHashes],
    now: datetime | None = None,
) -> Decision:
    """Return a decision on the given files; raise ValueError for an unknown decision or no reviewer."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    if not reviewer.strip():
        raise ValueError("reviewer is empty")
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    return Decision(member_id, decision, note.strip(), reviewer.strip(), moment.strftime("%Y-%m-%dT%H:%M:%SZ"), hashes)
