"""Records that flow between the steps: members, problems, documents."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from mailmerge.dates import now_jst
from mailmerge.messages import WARNING_PREFIX

# Group keys used in paths, the manifest and the templates' context; the
# roster's own words for them (加入 / 未加入) live in the config.
ENROLLED = "enrolled"
UNENROLLED = "unenrolled"
GROUPS = (ENROLLED, UNENROLLED)

Severity = Literal["error", "warning"]

# A member ID as the roster accepts it: ASCII letters, digits, "_" and "-", up to 32, so that it is
# safe as a folder name and can be read back from a page mark.
MEMBER_ID = r"[0-9A-Za-z][0-9A-Za-z_-]{0,31}"
# The small grey line every template prints in its footer (see page_mark), as read back from a PDF's text.
PAGE_MARK = re.compile(rf"(?P<member>{MEMBER_ID})\s*·\s*(?P<cycle>[^\s·]+)\s*·\s*(?P<page>\d+)\s*/\s*(?P<pages>\d+)")


def page_mark(member_id: str, cycle: str, page: int, pages: int) -> str:
    """Return the page mark: "<member_id> · <cycle> · <page>/<pages>", as the templates' footers print it."""
    return f"{member_id} · {cycle} · {page}/{pages}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the roster, a template or the config, and where it is.

    Printed as ``FILE:ROW: COLUMN: message``; the message never quotes a name
    or an address (personal data stays out of terminals and logs).
    """

    severity: Severity
    file: str
    message: str
    row: int | None = None
    column: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        place = self.file if self.row is None else f"{self.file}:{self.row}"
        prefix = "" if self.is_error else WARNING_PREFIX
        column = f" {self.column}:" if self.column else ""
        return f"{place}:{column} {prefix}{self.message}"


# Where a recipient line may break, in the letter's frame (framewrap) and on a label (sheets) alike: at a
# space, half- or full-width; never so that a closing bracket or a comma begins a line (行頭禁則) or an
# opening bracket ends one (行末禁則).
LINE_SPACES = (" ", "\u3000")
NO_LINE_START = ")]},.:;!?）］｝」』】〕〉》、。，．：；！？"
NO_LINE_END = "([{（［｛「『【〔〈《"

# What prints only beside the representative's name: without one, the letter says 御中 instead.
WITH_REPRESENTATIVE = ("representative_title", "honorific")


def recipient_lines(fields: Mapping[str, str]) -> tuple[str, ...]:
    """Return how a member is addressed, line by line, as its letter's window, its label and the review page show it.

    〒 code, address, then the organisation, its department and ``title name 様``; without a
    representative, 御中 follows the department when there is one (株式会社X 総務部 御中), else the organisation.
    """
    lines = [f"〒{fields.get('postal_code', '')}", fields.get("address1", "")]
    if fields.get("address2"):
        lines.append(fields["address2"])
    organisation, department = fields.get("organisation", ""), fields.get("department", "")
    name, title = fields.get("representative_name", ""), fields.get("representative_title", "")
    if name:
        lines += [organisation] + ([department] if department else [])
        honorific = fields.get("honorific") or "様"
        lines.append(f"{title} {name} {honorific}" if title else f"{name} {honorific}")
    elif department:
        lines += [organisation, f"{department} 御中"]
    else:
        lines.append(f"{organisation} 御中")
    return tuple(lines)


@dataclass(frozen=True)
class Member:
    """One member organisation as read from the roster.

    ``member_id`` and ``group`` are normalised keys; ``fields`` holds the
    printed values exactly as entered, keyed by the config's field names (what the templates see
    and the input hash covers); ``unprinted`` the fields declared ``printed = false`` (read and
    checked, never printed: a change there changes no document and no approval).
    """

    row: int
    member_id: str
    group: str
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    unprinted: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "unprinted", MappingProxyType(dict(self.unprinted)))

    def __repr__(self) -> str:
        # Never show names or addresses, even in a traceback or a debugger.
        return f"Member(row={self.row}, member_id={self.member_id!r}, group={self.group!r})"

    @property
    def recipient_fields(self) -> tuple[str, ...]:
        """Return the printed fields but the ID (the page mark prints it): what the recipient block may show.

        Each one a template prints is read back from the member's PDF before the PDF is listed, and
        the longest value of each is in a composed group's audit sample.
        """
        return tuple(name for name in self.fields if name != "member_id")

    @property
    def every_field(self) -> Mapping[str, str]:
        """Return the printed and the unprinted fields together (e-mail reads its address, printed or not)."""
        return {**self.fields, **self.unprinted}

    @property
    def display_name(self) -> str:
        """Return the organisation name as printed (for the manifest only, never for logs)."""
        return self.fields.get("organisation", "")


@dataclass(frozen=True)
class Roster:
    """The members read from one roster file, with what was found along the way."""

    source: Path
    members: tuple[Member, ...]
    problems: tuple[Problem, ...] = ()
    total_rows: int = 0
    blank_rows: int = 0
    rejected_rows: int = 0
    note: str = ""

    def by_group(self) -> dict[str, tuple[Member, ...]]:
        """Return the members of each group, in roster order."""
        return {g: tuple(m for m in self.members if m.group == g) for g in GROUPS}


@dataclass(frozen=True)
class MemberDocument:
    """One document of one member (``document`` names its template): where its DOCX and PDF are."""

    member: Member
    document: str
    docx: Path
    pdf: Path


@dataclass(frozen=True)
class OutputLayout:
    """Where things live in a run's output folder DIR: the one place that knows the layout.

    DIR/<group>/<member_id>/<document>.docx|.pdf for finished documents; the same under
    DIR/.staging/ while they are made; DIR/removed/<run>/<group>/<member_id>/ for what a run
    set aside (members no longer in the roster, outdated documents) instead of deleting it.
    """

    out_dir: Path

    STAGING = ".staging"
    REMOVED = "removed"
    PRINT = "print"  # DIR/print/: the bundles, labels and list.csv of the last `mailmerge print`
    PRINT_LIST = "list.csv"

    @property
    def staging(self) -> Path:
        return self.out_dir / self.STAGING

    @property
    def print_dir(self) -> Path:
        return self.out_dir / self.PRINT

    def group_folder(self, group: str) -> Path:
        return self.out_dir / group

    def member_folder(self, group: str, member_id: str) -> Path:
        return self.group_folder(group) / member_id

    def document(self, member: Member, document: str) -> MemberDocument:
        """Return where a member's document goes once finished."""
        folder = self.member_folder(member.group, member.member_id)
        return MemberDocument(member, document, folder / f"{document}.docx", folder / f"{document}.pdf")

    def staged(self, final: MemberDocument) -> MemberDocument:
        """Return the same document in the staging folder, same relative layout."""
        return MemberDocument(
            final.member,
            final.document,
            self.staging / final.docx.relative_to(self.out_dir),
            self.staging / final.pdf.relative_to(self.out_dir),
        )

    def removed(self, run: str) -> Path:
        """Return the folder where a run (named by its start, e.g. 20241201-154500) sets files aside."""
        return self.out_dir / self.REMOVED / run

    def removed_now(self) -> Path:
        """Return the folder for what is set aside now (a run's, or a refused print's): removed(<now>)."""
        return self.removed(now_jst().strftime("%Y%m%d-%H%M%S"))  # Japan time, as the secretariat reads it


@dataclass(frozen=True)
class ManifestRow:
    """One line of manifest.csv: a member's document as written."""

    member_id: str
    name: str
    group: str
    document: str
    docx: str
    pdf: str
    pages: int
    docx_sha256: str
    pdf_sha256: str
    input_sha256: str = ""  # what the document was made from: roster row, template, config


# What a reviewer can decide about a member's documents.
APPROVED = "approved"
HOLD = "hold"
DECISIONS = (APPROVED, HOLD)


@dataclass(frozen=True)
class DocumentHashes:
    """One document's files as a reviewer saw them: a decision holds only for these bytes."""

    docx_sha256: str
    pdf_sha256: str


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one member's documents (approved or held), and on which files.

    ``documents`` maps each document name (letter, overview) to the hashes of the files the
    decision was made on; when a later run changes them, the decision no longer holds (stale).
    """

    member_id: str
    decision: str
    note: str
    reviewer: str
    decided_at: str  # ISO 8601, UTC: 2026-12-01T16:40:00Z
    documents: Mapping[str, DocumentHashes] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    # A member sent e-mail: the message the decision was made on (mail.Draft.sha256) and its address's
    # hash; '' for a member sent by post only, and in decisions recorded before e-mail was reviewed.
    message_sha256: str = ""
    address_sha256: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", MappingProxyType(dict(self.documents)))


# --- e-mail ------------------------------------------------------------------------------------

# A member's e-mail in the journal: written, handed to the server, answered (accepted / deferred / failed).
QUEUED, SENDING, ACCEPTED, DEFERRED, FAILED = "queued", "sending", "accepted", "deferred", "failed"
JOURNAL_STATES = (QUEUED, SENDING, ACCEPTED, DEFERRED, FAILED)


@dataclass(frozen=True)
class JournalEntry:
    """One line of the e-mail journal (DIR/mail.db): a member's message and where it stands."""

    member_id: str
    state: str
    at: str  # ISO 8601, UTC
    message_id: str
    eml_sha256: str
    content_sha256: str
    reply: str = ""


# --- workspace jobs ----------------------------------------------------------------------------

# Where a background job (run, print, seal, verify) stands; running and stopping are still at work.
JOB_RUNNING, JOB_STOPPING, JOB_DONE, JOB_FAILED, JOB_STOPPED = "running", "stopping", "done", "failed", "stopped"
JOB_STATES = (JOB_RUNNING, JOB_STOPPING, JOB_DONE, JOB_FAILED, JOB_STOPPED)
JOBS_AT_WORK = (JOB_RUNNING, JOB_STOPPING)


# --- archive -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedFile:
    """One file sealed in a batch: a member's document (PDF or DOCX) or one of the batch's own files.

    ``path`` is relative to the bag (``data/enrolled/0001/letter.pdf``); the batch's own files
    (roster, config, templates, decisions.csv) have no member_id.
    """

    path: str
    sha256: str
    member_id: str = ""
    document: str = ""
    pages: int | None = None


@dataclass(frozen=True)
class ArchivedMember:
    """One member sealed in a batch, with the decision that approved what was sealed."""

    member_id: str
    name: str
    group: str
    decision: str
    reviewer: str
    decided_at: str
    note: str = ""
    printed_at: str = (
        ""  # the print the sending came from (JST with its offset); '' in bags sealed before prints were recorded
    )
    printed_by: str = ""

    def __repr__(self) -> str:
        return f"ArchivedMember(member_id={self.member_id!r}, group={self.group!r})"


@dataclass(frozen=True)
class ArchivedBatch:
    """One sealed batch (one BagIt bag): what was sent to whom on one day, and who sealed it."""

    cycle: str
    sent_on: str  # YYYY-MM-DD
    folder: str  # relative to the archive folder, e.g. "2024/2026-12-01-2"
    sealed_by: str
    sealed_at: str  # ISO 8601 in Japan time, with its offset
    roster_sha256: str
    config_sha256: str
    members: tuple[ArchivedMember, ...]
    files: tuple[ArchivedFile, ...]
    reason: str = ""  # why documents sealed before are sealed again (a re-send); '' for a first sending


@dataclass(frozen=True)
class PrintedMember:
    """A member as one recorded print put it on paper: which files (PDF hashes), when, by whom, approved or not."""

    member_id: str
    print_id: int
    printed_at: str  # ISO 8601 in JST with its offset
    printed_by: str
    approved: bool  # False: printed with --include-unapproved without a standing approval
    documents: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )  # document -> pdf sha256

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", MappingProxyType(dict(self.documents)))


@dataclass(frozen=True)
class HistoryEntry:
    """One document sent to a member, as the archive index knows it."""

    cycle: str
    sent_on: str
    folder: str
    member_id: str
    group: str
    document: str
    path: str
    pages: int | None
    sha256: str
    reviewer: str
    decided_at: str
    decision: str = APPROVED
    printed_at: str = ""
    printed_by: str = ""
    reason: str = ""  # the batch's re-send reason ('' for a first sending)


def member_context(member: Member, document: str, constants: Mapping[str, Any]) -> dict[str, Any]:
    """Return everything a template sees for one member and document."""
    context = dict(constants)
    context.update(member.fields)
    context.update(
        member_id=member.member_id, group=member.group, enrolled=member.group == GROUPS[0], document=document
    )
    return context
