"""The archive index held against a bag: every field both record, compared, each disagreement named.

Pure comparison of two records of one sealed batch (models only): what archive.db says and what the
bag itself says (bag-info.txt, decisions.csv, its sha256 manifest). `history` reads the index, so an
index edited after the sealing would tell a different story than the bag: `verify` names each field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from mailmerge import messages
from mailmerge.models import ArchivedBatch, ArchivedMember, ManifestRow

# Batch fields and where the bag keeps them (bag-info.txt).
_BATCH_FIELDS = (
    ("cycle", "Cycle"),
    ("sent_on", "Sent-On"),
    ("sealed_by", "Sealed-By"),
    ("sealed_at", "Sealed-At"),
    ("roster_sha256", "Roster-SHA256"),
    ("config_sha256", "Config-SHA256"),
    ("reason", "Resend-Reason"),
)
# Member fields (decisions.csv); a name is personal data: named as differing, its values never shown.
_MEMBER_FIELDS = ("name", "group", "decision", "reviewer", "decided_at", "note", "printed_at", "printed_by")
_PRIVATE = {"name"}


def disagreements(
    folder: Path,
    indexed: ArchivedBatch,
    bagged: ArchivedBatch,
    rows: Sequence[ManifestRow],
    manifest: Mapping[str, str],
) -> list[str]:
    """Return one line for each thing the index (``indexed``) and the bag (``bagged``, ``rows``, ``manifest``) disagree
    on.

    ``rows`` are decisions.csv's lines as written (with the hashes it states), ``manifest`` the bag's
    payload manifest (path relative to the bag -> sha256).
    """
    lines = []
    for field, tag in _BATCH_FIELDS:
        index_value, bag_value = getattr(indexed, field), getattr(bagged, field)
        if index_value != bag_value:
            lines.append(
                messages.VERIFY_BATCH_DIFFERS.format(
                    path=folder / "bag-info.txt",
                    field=messages.VERIFY_FIELD_LABELS[field],
                    tag=tag,
                    index=index_value,
                    bag=bag_value,
                )
            )
    lines += _members(folder, indexed.members, bagged.members)
    lines += _files(folder, indexed, bagged)
    # decisions.csv states each document's hashes: they must be the files the bag holds.
    for row in rows:
        for rel, sha in ((row.pdf, row.pdf_sha256), (row.docx, row.docx_sha256)):
            if manifest.get(f"data/{rel}") not in (None, sha):
                lines.append(messages.VERIFY_DECISIONS_HASH.format(path=folder / "data" / rel, member_id=row.member_id))
    return lines


def _members(folder: Path, indexed: Sequence[ArchivedMember], bagged: Sequence[ArchivedMember]) -> list[str]:
    where = folder / "data" / "decisions.csv"
    index_by_id, bag_by_id = {m.member_id: m for m in indexed}, {m.member_id: m for m in bagged}
    lines = [
        messages.VERIFY_MEMBER_ONLY_INDEX.format(path=where, member_id=i)
        for i in sorted(set(index_by_id) - set(bag_by_id))
    ]
    lines += [
        messages.VERIFY_MEMBER_ONLY_BAG.format(path=where, member_id=i)
        for i in sorted(set(bag_by_id) - set(index_by_id))
    ]
    for member_id in sorted(set(index_by_id) & set(bag_by_id)):
        for field in _MEMBER_FIELDS:
            index_value, bag_value = getattr(index_by_id[member_id], field), getattr(bag_by_id[member_id], field)
            if index_value == bag_value:
                continue
            label = messages.VERIFY_FIELD_LABELS[field]
            if field in _PRIVATE:
                lines.append(
                    messages.VERIFY_MEMBER_DIFFERS_PRIVATE.format(path=where, member_id=member_id, field=label)
                )
            else:
                lines.append(
                    messages.VERIFY_MEMBER_DIFFERS.format(
                        path=where, member_id=member_id, field=label, index=index_value, bag=bag_value
                    )
                )
    return lines


def _files(folder: Path, indexed: ArchivedBatch, bagged: ArchivedBatch) -> list[str]:
    """Name each document the index gives to another member, document or page count than the bag does."""
    bag_files = {f.path: f for f in bagged.files}
    lines = []
    for file in indexed.files:
        other = bag_files.get(file.path)
        if other is None:
            continue  # a file missing on one side is named by the path checks
        if (file.member_id, file.document) != (other.member_id, other.document):
            lines.append(
                messages.VERIFY_FILE_OWNER.format(
                    path=folder / file.path,
                    index=_owner(file.member_id, file.document),
                    bag=_owner(other.member_id, other.document),
                )
            )
        elif file.pages != other.pages:
            lines.append(messages.VERIFY_FILE_PAGES.format(path=folder / file.path, index=file.pages, bag=other.pages))
    return lines


def _owner(member_id: str, document: str) -> str:
    return (
        messages.VERIFY_OWNER.format(member_id=member_id, document=document) if member_id else messages.VERIFY_NO_OWNER
    )
