"""Records that flow between the steps: members, problems, documents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

# Group keys used in paths, the manifest and the templates' context; the
# roster's own words for them (加入 / 未加入) live in the config.
ENROLLED = "enrolled"
UNENROLLED = "unenrolled"
GROUPS = (ENROLLED, UNENROLLED)

Severity = Literal["error", "warning"]


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
        prefix = "" if self.is_error else "warning: "
        column = f" {self.column}:" if self.column else ""
        return f"{place}:{column} {prefix}{self.message}"


@dataclass(frozen=True)
class Member:
    """One member organisation as read from the roster.

    ``member_id`` and ``group`` are normalised keys; ``fields`` holds the
    printed values exactly as entered, keyed by the config's field names.
    """

    row: int
    member_id: str
    group: str
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def __repr__(self) -> str:
        # Never show names or addresses, even in a traceback or a debugger.
        return f"Member(row={self.row}, member_id={self.member_id!r}, group={self.group!r})"

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
class DocumentJob:
    """One document to produce for one member: where its DOCX and PDF go."""

    member: Member
    document: str
    docx: Path
    pdf: Path


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", MappingProxyType(dict(self.documents)))


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

    def __repr__(self) -> str:
        return f"ArchivedMember(member_id={self.member_id!r}, group={self.group!r})"


@dataclass(frozen=True)
class ArchivedBatch:
    """One sealed batch (one BagIt bag): what was sent to whom on one day, and who sealed it."""

    cycle: str
    sent_on: str  # YYYY-MM-DD
    folder: str  # relative to the archive folder, e.g. "2024/2026-12-01-2"
    sealed_by: str
    sealed_at: str  # ISO 8601 UTC
    roster_sha256: str
    config_sha256: str
    members: tuple[ArchivedMember, ...]
    files: tuple[ArchivedFile, ...]


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
