"""The secretariat's review of a run: each member's documents, what to look at first, and the decision on them.

A decision holds only for the files it was made on: it records their hashes, and a member whose
documents changed since (a later run) counts as not approved until someone decides again.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from mailmerge import messages
from mailmerge.dates import now_jst, utc_stamp
from mailmerge.models import (
    APPROVED,
    DECISIONS,
    HOLD,
    Decision,
    DocumentHashes,
    ManifestRow,
    PrintedMember,
)

# Flag IDs (the names the web page, its filter and the JSON use).
LONG_LETTER = "long_letter"
ONCHU = "onchu"
POSTAL_WARNING = "postal_warning"
LONG_NAME = "long_name"
MISSING_DOCUMENT = "missing_document"
ROSTER_CHANGED = "roster_changed"
FILES_CHANGED = "files_changed"
STALE = "stale"


@dataclass(frozen=True)
class Facts:
    """What the flags of one member are judged on."""

    made: Mapping[str, ManifestRow]  # the member's documents in the manifest, by document name
    documents: Sequence[str]  # the documents every member should have
    fields: Mapping[str, str]  # the roster row (empty when the member left the roster)
    postal_warning: bool  # `check` warned about this member's postal code
    roster_changed: bool  # the roster row, a template or the config changed since the documents were made
    stale: bool  # decided on other files than the current ones
    files_changed: tuple[str, ...] = ()  # documents whose files on disk are not the manifest's (swapped, edited)
    # A member sent e-mail: its message as it would be sent now (mail.Draft.sha256) and its address's hash
    # ('' for a member sent by post only, or when the message cannot be made: mail_problem says why).
    message_sha256: str = ""
    address_sha256: str = ""
    mail_problem: str = ""
    by_post: bool = True  # False for a member whose 送付方法 is メール alone (never printed)

    @property
    def complete(self) -> bool:
        """Return True when every document of the member is in the manifest."""
        return bool(self.made) and all(document in self.made for document in self.documents)


@dataclass(frozen=True)
class Flag:
    """One thing a reviewer should look at: its ID, its label and the rule that raises it."""

    id: str
    label: str
    raised: Callable[[Facts], bool]


# Every review flag, in the order the review page shows them: the only place a flag is defined.
FLAG_TABLE: tuple[Flag, ...] = (
    Flag(LONG_LETTER, messages.FLAG_LONG_LETTER, lambda f: "letter" in f.made and f.made["letter"].pages > 1),
    Flag(ONCHU, messages.FLAG_ONCHU, lambda f: not f.fields.get("representative_name", "").strip()),
    Flag(POSTAL_WARNING, messages.FLAG_POSTAL_WARNING, lambda f: f.postal_warning),
    Flag(LONG_NAME, messages.FLAG_LONG_NAME, lambda f: text_width(f.fields.get("organisation", "")) > LONG_NAME_WIDTH),
    Flag(MISSING_DOCUMENT, messages.FLAG_MISSING_DOCUMENT, lambda f: not f.complete),
    Flag(ROSTER_CHANGED, messages.FLAG_ROSTER_CHANGED, lambda f: f.roster_changed),
    Flag(FILES_CHANGED, messages.FLAG_FILES_CHANGED, lambda f: bool(f.files_changed)),
    Flag(STALE, messages.FLAG_STALE, lambda f: f.stale),
)
FLAGS = tuple(flag.id for flag in FLAG_TABLE)
FLAG_LABELS = {flag.id: flag.label for flag in FLAG_TABLE}

# A name wider than this (full-width characters; half-width count one half) may wrap in the
# letter's recipient block.
LONG_NAME_WIDTH = 20

# What a member's review stands at.
UNDECIDED = "undecided"
STATUSES = (APPROVED, HOLD, STALE, UNDECIDED)


@dataclass(frozen=True)
class MemberReview:
    """One member's documents in the run, what to look at, the decision, and what may be done with them.

    The gates (``why_not_approved``, ``hold_blocker``, ``approved``, ``may_be_printed``, ``may_be_sealed``) are the one
    place that decides whether a member may be approved, printed or sealed.
    """

    member_id: str
    name: str
    group: str
    rows: tuple[ManifestRow, ...]
    facts: Facts
    decision: Decision | None

    def __repr__(self) -> str:
        return f"MemberReview(member_id={self.member_id!r}, group={self.group!r}, status={self.status!r})"

    @cached_property
    def flags(self) -> tuple[str, ...]:
        """Return the flags raised for this member, in FLAGS order."""
        return raised_flags(self.facts)

    @property
    def stale(self) -> bool:
        return self.facts.stale

    @property
    def status(self) -> str:
        """Return approved, hold, stale (decided on other files) or undecided."""
        if self.decision is None:
            return UNDECIDED
        return STALE if self.stale else self.decision.decision

    @property
    def held(self) -> bool:
        """Return True when the latest decision is a hold (on these files or older ones): a reviewer's explicit no."""
        return self.decision is not None and self.decision.decision == HOLD

    @property
    def complete(self) -> bool:
        """Return True when every document was made (none failed or is missing from the manifest)."""
        return self.facts.complete

    @property
    def current(self) -> bool:
        """Return True when the documents were made from the current roster row, templates and config."""
        return not self.facts.roster_changed

    @property
    def files_as_made(self) -> bool:
        """Return True when every file on disk is the one the manifest lists (nothing swapped or edited since)."""
        return not self.facts.files_changed

    def decision_blocker(self, decision: str, in_browser: bool = False) -> str:
        """Return why ``decision`` cannot be recorded on these documents now ('' when it can); ``in_browser``
        as why_not_approved.

        Files that are not the manifest's are neither shown nor decided on, a hold included: a
        decision records the manifest's hashes, which would not be of the files on disk.
        """
        if decision == APPROVED or not self.files_as_made:
            return self.why_not_approved(in_browser)
        return ""

    def why_not_approved(self, in_browser: bool) -> str:
        """Return why these documents cannot be approved now ('' when they can); ``in_browser``: for a page,
        where the documents are remade with the workspace's 作成 rather than a command."""
        words = messages.CANNOT_APPROVE_IN_BROWSER if in_browser else messages.CANNOT_APPROVE_BY_COMMAND
        for reason, blocks in (
            ("files", not self.files_as_made),
            ("missing", not self.complete),
            ("changed", not self.current),
        ):
            if blocks:
                return words[reason].format(member_id=self.member_id)
        return ""

    @property
    def blocking_flags(self) -> tuple[str, ...]:
        """Return the flags that keep these documents from being approved, printed or sealed."""
        blocking = (
            (MISSING_DOCUMENT, not self.complete),
            (ROSTER_CHANGED, not self.current),
            (FILES_CHANGED, not self.files_as_made),
        )
        return tuple(flag for flag, blocks in blocking if blocks)

    @property
    def may_be_approved(self) -> bool:
        """Return True when the documents are complete, current and on disk as made: a person may approve them."""
        return self.complete and self.current and self.files_as_made

    @property
    def approved(self) -> bool:
        """Return True when these very files were approved and may be printed and sealed."""
        return self.status == APPROVED and self.may_be_approved

    def may_be_printed(self, include_unapproved: bool = False) -> bool:
        """Return True when the member goes into the print (unapproved too with ``include_unapproved``).

        Documents made from an older roster row would go out under the new row's label: never printed.
        A reviewer's hold is never overridden by ``include_unapproved``, even once the files changed.
        """
        return self.approved or (include_unapproved and self.may_be_approved and not self.held)

    def sent_as_is(self, sealed: Mapping[str, Mapping[str, str]]) -> bool:
        """Return True when the current documents are the ones last sealed as sent (``sealed``: member -> document ->
        PDF hash, sealing.sealed_documents); False when never sealed or remade since.
        """
        return sealed.get(self.member_id) == {row.document: row.pdf_sha256 for row in self.rows}

    def hold_blocker(self, sealed: Mapping[str, Mapping[str, str]]) -> str:
        """Return why the member cannot be put on hold ('' when it can): what was mailed cannot be held back."""
        return messages.CANNOT_HOLD_SEALED.format(member_id=self.member_id) if self.sent_as_is(sealed) else ""

    def may_be_sealed(self, sealed: Container[str], printed: PrintedMember | None) -> bool:
        """Return True when the member was printed on its current files, approved or plainly not, and is not sealed.

        ``printed``: the member as its latest print since the last sealing put it (None: not printed,
        never sent). Printed approved, the approval must still stand on those very files; printed
        with --include-unapproved, it is sealed as such (what was mailed is on record).
        """
        if self.member_id in sealed or printed is None or not self.printed_files_current(printed):
            return False
        return self.approved or not printed.approved

    def printed_files_current(self, printed: PrintedMember) -> bool:
        """Return True when the files printed are the member's current, complete and current-roster files."""
        current = {row.document: row.pdf_sha256 for row in self.rows}
        return self.may_be_approved and dict(printed.documents) == current

    @property
    def pages(self) -> int:
        return sum(row.pages for row in self.rows)

    def row(self, document: str) -> ManifestRow | None:
        return next((row for row in self.rows if row.document == document), None)

    @property
    def stale_reasons(self) -> tuple[str, ...]:
        """Return what changed since the decision: DOCUMENTS_CHANGED, then one of the e-mail's reasons."""
        if self.decision is None:
            return ()
        return changed_since(self.decision, current_hashes(self.rows).get(self.member_id, {}), self.facts)


def current_hashes(rows: Sequence[ManifestRow]) -> dict[str, dict[str, DocumentHashes]]:
    """Return each member's documents' hashes as the manifest lists them."""
    hashes: dict[str, dict[str, DocumentHashes]] = {}
    for row in rows:
        hashes.setdefault(row.member_id, {})[row.document] = DocumentHashes(row.docx_sha256, row.pdf_sha256)
    return hashes


def is_stale(decision: Decision, hashes: Mapping[str, DocumentHashes]) -> bool:
    """Return True when the decision was made on other files than ``hashes`` (the current ones)."""
    return dict(decision.documents) != dict(hashes)


# What changed since a decision (stale_reasons); the e-mail only for a member sent e-mail. MAIL_ADDED: the
# decision covers no e-mail (made while the member was sent by post only, or before e-mail was reviewed).
DOCUMENTS_CHANGED, ADDRESS_CHANGED, MESSAGE_CHANGED, MAIL_ADDED = "documents", "address", "message", "mail_added"


def changed_since(decision: Decision, hashes: Mapping[str, DocumentHashes], facts: Facts) -> tuple[str, ...]:
    """Return what changed since ``decision``: the documents (``hashes`` are the current ones), the e-mail's
    address, the rest of the e-mail. A member sent by post only (no message now) has no e-mail to compare,
    so decisions recorded before e-mail was reviewed hold for it."""
    changed = [DOCUMENTS_CHANGED] if is_stale(decision, hashes) else []
    if facts.message_sha256 and decision.message_sha256 != facts.message_sha256:
        if not decision.message_sha256:
            changed.append(MAIL_ADDED)
        elif decision.address_sha256 != facts.address_sha256:
            changed.append(ADDRESS_CHANGED)
        else:
            changed.append(MESSAGE_CHANGED)
    return tuple(changed)


def text_width(text: str) -> float:
    """Return how wide text prints, in full-width characters."""
    return sum(1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.5 for char in text)


def raised_flags(facts: Facts) -> tuple[str, ...]:
    """Return the flags ``facts`` raise, in FLAGS order."""
    return tuple(flag.id for flag in FLAG_TABLE if flag.raised(facts))


def with_files_changed(member: MemberReview, documents: Sequence[str]) -> MemberReview:
    """Return the member's review with ``documents`` (those whose files are not the manifest's) as they are now."""
    return dataclasses.replace(member, facts=dataclasses.replace(member.facts, files_changed=tuple(documents)))


def with_decision(member: MemberReview, decision: Decision | None) -> MemberReview:
    """Return the member's review under ``decision`` (stale when it was made on other files or another e-mail)."""
    stale = decision is not None and bool(
        changed_since(decision, current_hashes(member.rows).get(member.member_id, {}), member.facts)
    )
    return dataclasses.replace(member, decision=decision, facts=dataclasses.replace(member.facts, stale=stale))


# Characters a reviewer's name or a note may not hold: a line break forges lines in `history` and the
# logs, a control character (NUL) cuts them, a bidi control (U+202E) shows the text turned around.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f" + "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])))
LINE_BREAK, BIDI, CONTROL, INVISIBLE = "line_break", "bidi", "control", "invisible"


def unsafe_character(text: str, *, name: bool = False) -> tuple[int, str, str] | None:
    """Return (position from 1, character, kind) of the first character a name or note may not hold, or None.

    A ``name`` (the reviewer's) holds no format character either (category Cf: U+200B, U+FEFF, a soft
    hyphen…): invisible, it would make 「山田」 and 「山田」+U+200B two reviewers that look the same.
    """
    for position, char in enumerate(text, 1):
        if char in LINE_BREAKS:
            return position, char, LINE_BREAK
        if char in BIDI_CONTROLS:
            return position, char, BIDI
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):
            return position, char, CONTROL
        if name and category == "Cf":
            return position, char, INVISIBLE
    return None


def make_decision(
    member_id: str,
    decision: str,
    note: str,
    reviewer: str,
    hashes: Mapping[str, DocumentHashes],
    now: datetime | None = None,
    facts: Facts | None = None,
) -> Decision:
    """Return a decision on the given files (and the e-mail ``facts`` hold); raise ValueError for an unknown
    decision or no reviewer."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    if not reviewer.strip():
        raise ValueError("reviewer is empty")
    message, address = (facts.message_sha256, facts.address_sha256) if facts is not None else ("", "")
    stamp = utc_stamp(now or now_jst())
    return Decision(member_id, decision, note.strip(), reviewer.strip(), stamp, hashes, message, address)
