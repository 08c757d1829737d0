"""Seal what was sent as BagIt bags (Library of Congress `bagit`), read them back and validate them."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import logging
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import bagit

from mailmerge import messages
from mailmerge.archivefolder import (
    DECISIONS_NAME,
    STAGING_PREFIX,
    BagProblem,
    decisions_csv,
    next_folder,
    readable_by_others,
    remove_tree,
    seal_modes,
)

# The folder around the bags, reached through this module as before (sealing, tests).
from mailmerge.archivefolder import archive_lock as archive_lock
from mailmerge.archivefolder import bag_folders as bag_folders
from mailmerge.archivefolder import remove_staging as remove_staging
from mailmerge.archivefolder import staging_leftovers as staging_leftovers
from mailmerge.dates import format_japanese_date
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import DIR_MODE, csv_value, fsync_dir, make_private_dir, sha256_of
from mailmerge.models import GROUPS, ArchivedBatch, ArchivedFile, ArchivedMember, ManifestRow

# bagit logs every step, and a traceback in English on any error: our errors say it in Japanese.
logging.getLogger("bagit").addHandler(logging.NullHandler())
logging.getLogger("bagit").propagate = False

CHECKSUMS = ("sha256",)  # the manifest's and the review's hash; sha512 would double the sealing time
TAG_FILES = {"bagit.txt", "bag-info.txt", "fetch.txt"}


@dataclass(frozen=True)
class StagedBatch:
    """A bag built and validated in its staging folder, not yet in place."""

    staging: Path
    target: Path
    batch: ArchivedBatch


def build_batch(
    archive_dir: Path,
    *,
    cycle: str,
    sent_on: str,
    out_dir: Path,
    rows: Sequence[ManifestRow],
    members: Sequence[ArchivedMember],
    roster: Path,
    config: Path,
    templates: Mapping[str, Path],
    sealed_by: str,
    sealed_at: str,
    records: Mapping[str, bytes] | None = None,
    reason: str = "",
    copies: Mapping[str, tuple[Path, str]] | None = None,
) -> StagedBatch:
    """Build the members' bag in a staging folder beside its final place, validated and read-only.

    bagit validates it and every document's hash must equal the approved one; anything that
    stops the building (an error, Ctrl-C, a full disk) removes the staging folder. The caller
    holds archive_lock(), then place_batch() renames it into place and the index records it.
    ``records``: more files the bag keeps as given (name -> bytes), e.g. the office's audit.csv of the cycle.
    ``copies``: more files copied in (name in the bag -> (file, its expected sha256)), e.g. the e-mails sent.
    """
    cycle_dir = archive_dir / cycle
    make_private_dir(cycle_dir)
    target = next_folder(archive_dir, cycle, sent_on)
    staging = cycle_dir / f"{STAGING_PREFIX}{target.name}-{os.getpid()}"
    remove_tree(staging)
    staging.mkdir(mode=DIR_MODE)
    old_umask = os.umask(0o077)
    try:
        expected = _fill(staging, out_dir, rows)
        extras = {
            f"roster/{roster.name}": roster,
            f"config/{config.name}": config,
            **{f"templates/{name}{path.suffix}": path for name, path in templates.items()},
        }
        for rel, (source, sha256) in (copies or {}).items():
            extras[rel] = source
            expected[rel] = sha256
        for rel, source in extras.items():
            _copy(source, staging / rel)
        (staging / DECISIONS_NAME).write_bytes(decisions_csv(rows, members))
        for name, data in (records or {}).items():
            (staging / name).write_bytes(data)
        roster_sha256 = sha256_of(staging / f"roster/{roster.name}")
        config_sha256 = sha256_of(staging / f"config/{config.name}")
        info = _bag_info(cycle, sent_on, sealed_by, sealed_at, rows, members, roster_sha256, config_sha256)
        if reason:
            info["Resend-Reason"] = reason
        bag = bagit.make_bag(str(staging), info, processes=1, checksums=list(CHECKSUMS))
        sealed = _payload_hashes(bag)
        changed = sorted(rel for rel, sha in expected.items() if sealed.get(f"data/{rel}") != sha)
        if changed:
            ids = sorted({row.member_id for row in rows if row.pdf in changed or row.docx in changed})
            ids += sorted(PurePosixPath(rel).stem for rel in changed if rel in (copies or {}))
            raise MailmergeError(
                messages.ARCHIVE_NOT_VERIFIED.format(
                    ids=", ".join(ids), paths=", ".join(str(out_dir / p) for p in changed)
                )
            )
        # bagit made the manifest from these very files a moment ago, and it matches the approved
        # hashes: a second full hashing would only re-read the page cache. Structure and completeness.
        problems = inspect_bag(staging, bag=bag, check_modes=False, fixity=False)[0]
        if problems:
            detail = "; ".join(f"{p.kind} {p.path.relative_to(staging)}" for p in problems)
            raise MailmergeError(messages.ARCHIVE_BAG_INVALID.format(folder=target, detail=detail))
        seal_modes(staging)
        # Everything the bag holds reaches the disk before the rename makes it a bag.
        os.sync()
    except BaseException as exc:
        remove_tree(staging)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise MailmergeError(messages.ARCHIVE_DISK_FULL.format(archive=archive_dir)) from None
        raise
    finally:
        os.umask(old_umask)
    batch = ArchivedBatch(
        cycle,
        sent_on,
        target.relative_to(archive_dir).as_posix(),
        sealed_by,
        sealed_at,
        roster_sha256,
        config_sha256,
        tuple(members),
        _sealed_files(sealed, rows),
        reason,
    )
    return StagedBatch(staging, target, batch)


def place_batch(staged: StagedBatch) -> Path:
    """Rename a built bag into place (atomic, same folder); never over an existing one."""
    if staged.target.exists():  # nothing sealed is ever overwritten (the lock makes this belt and braces)
        raise MailmergeError(messages.ARCHIVE_EXISTS.format(folder=staged.target))
    os.rename(staged.staging, staged.target)
    fsync_dir(staged.target.parent)
    return staged.target


def discard_batch(staged: StagedBatch) -> None:
    """Remove a built bag that was not placed (the sealing stopped before the rename)."""
    remove_tree(staged.staging)


def _fill(staging: Path, out_dir: Path, rows: Sequence[ManifestRow]) -> dict[str, str]:
    """Copy each row's DOCX and PDF into the bag in the run's layout; return path -> approved hash."""
    expected: dict[str, str] = {}
    made: set[str] = set()
    for row in rows:
        for rel, sha in ((row.docx, row.docx_sha256), (row.pdf, row.pdf_sha256)):
            parts = PurePosixPath(rel).parts
            # A manifest path is the run's own (group/member/document); still, nothing outside
            # the output folder is sealed (checked on the text: resolve() per file is slow).
            if PurePosixPath(rel).is_absolute() or len(parts) != 3 or parts[0] not in GROUPS or ".." in parts:
                raise MailmergeError(
                    messages.ARCHIVE_UNSAFE_PATH.format(out=out_dir, member_id=row.member_id, path=rel)
                )
            source = out_dir / rel
            if source.is_symlink() or not source.is_file():
                raise MailmergeError(messages.ARCHIVE_MISSING_SOURCE.format(path=source, member_id=row.member_id))
            folder = staging / parts[0] / parts[1]
            if str(folder) not in made:
                folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
                made.add(str(folder))
            _copy(source, staging / rel)
            expected[rel] = sha
    return expected


def _copy(source: Path, target: Path) -> None:
    """Copy one file into the staging bag (no fsync each: one sync before the rename)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    shutil.copyfile(source, target)


def _bag_info(cycle, sent_on, sealed_by, sealed_at, rows, members, roster_sha256, config_sha256) -> dict[str, str]:
    info = {
        "Cycle": cycle,
        "Sent-On": sent_on,
        "Sealed-By": sealed_by,
        "Sealed-At": sealed_at,
        "Bagging-Date": sealed_at[:10],
        "Members-Total": str(len(members)),
        "Documents-Total": str(len(rows)),
        "Roster-SHA256": roster_sha256,
        "Config-SHA256": config_sha256,
        "External-Description": (
            "ATS renewal notices as sent: the members' DOCX and PDF, roster, config, templates, decisions"
        ),
    }
    for group in GROUPS:
        label = group.capitalize()
        info[f"Members-{label}"] = str(sum(1 for m in members if m.group == group))
        info[f"Documents-{label}"] = str(sum(1 for r in rows if r.group == group))
    return info


def read_batch(archive_dir: Path, folder: Path) -> ArchivedBatch:
    """Return the batch a bag records (for a bag sealed but not yet in the index)."""
    return read_bag_record(archive_dir, folder)[0]


def read_bag_record(archive_dir: Path, folder: Path) -> tuple[ArchivedBatch, tuple[ManifestRow, ...]]:
    """Return the batch a bag records (bag-info, decisions.csv, its manifest) and decisions.csv's rows as written.

    The rows keep the hashes decisions.csv states, to be held against the bag's own manifest. A bag
    bagit cannot open raises ValueError.
    """
    try:
        bag = bagit.Bag(str(folder))
    except bagit.BagError as exc:
        raise ValueError(str(exc)) from None
    info = {key: value[0] if isinstance(value, list) else value for key, value in bag.info.items()}
    with (folder / "data" / DECISIONS_NAME).open(encoding="utf-8-sig", newline="") as handle:
        records = [{k: csv_value(v) for k, v in record.items()} for record in csv.DictReader(handle)]
    rows: list[ManifestRow] = []
    members: dict[str, ArchivedMember] = {}
    for r in records:
        rows.append(
            ManifestRow(
                r["member_id"],
                r["name"],
                r["group"],
                r["document"],
                r["docx"],
                r["pdf"],
                int(r["pages"]),
                r["docx_sha256"],
                r["pdf_sha256"],
            )
        )
        members.setdefault(
            r["member_id"],
            ArchivedMember(
                r["member_id"],
                r["name"],
                r["group"],
                r["decision"],
                r["reviewer"],
                r["decided_at"],
                r["note"],
                r.get("printed_at") or "",
                r.get("printed_by") or "",
            ),
        )  # bags sealed before prints were recorded lack them
    sealed = _payload_hashes(bag)
    batch = ArchivedBatch(
        info.get("Cycle", folder.parent.name),
        info.get("Sent-On", ""),
        folder.relative_to(archive_dir).as_posix(),
        info.get("Sealed-By", ""),
        info.get("Sealed-At", ""),
        info.get("Roster-SHA256", ""),
        info.get("Config-SHA256", ""),
        tuple(members.values()),
        _sealed_files(sealed, rows),
        info.get("Resend-Reason", ""),
    )
    return batch, tuple(rows)


def _payload_hashes(bag: bagit.Bag) -> dict[str, str]:
    """Return the bag's payload manifest: path relative to the bag (POSIX) -> sha256."""
    return {p.replace(os.sep, "/"): h["sha256"] for p, h in bag.payload_entries().items()}


def _sealed_files(sealed: Mapping[str, str], rows: Sequence[ManifestRow]) -> tuple[ArchivedFile, ...]:
    """Return every payload file of the bag, the members' documents with their member and pages."""
    owners = {}
    for row in rows:
        owners[f"data/{row.pdf}"] = row
        owners[f"data/{row.docx}"] = row
    files = []
    for path in sorted(sealed):
        owner = owners.get(path)
        if owner is None:
            files.append(ArchivedFile(path, sealed[path]))
        else:
            files.append(ArchivedFile(path, sealed[path], owner.member_id, owner.document, owner.pages))
    return tuple(files)


def validate_bag(folder: Path, *, check_modes: bool = True, fixity: bool = True) -> list[BagProblem]:
    """Return every problem of a bag (see inspect_bag)."""
    return inspect_bag(folder, check_modes=check_modes, fixity=fixity)[0]


def inspect_bag(
    folder: Path, *, bag: bagit.Bag | None = None, check_modes: bool = True, fixity: bool = True
) -> tuple[list[BagProblem], dict[str, str]]:
    """Return every problem of a bag and its payload manifest (path -> sha256).

    Problems: bagit's validation (missing, changed and extra files, payload and tag files),
    files beside the bag's own tag files, and (``check_modes``) anything readable by others.
    ``fixity=False`` checks structure and completeness only (no hashing). Opening a bag costs
    bagit a realpath() per file, so an open ``bag`` is reused.
    """
    problems: list[BagProblem] = []
    manifest: dict[str, str] = {}
    try:
        bag = bag or bagit.Bag(str(folder))
        manifest = _payload_hashes(bag)
    except (bagit.BagError, OSError) as exc:
        problems.append(BagProblem("broken", folder, str(exc)))
    else:
        try:
            bag.validate(processes=1, completeness_only=not fixity)
        except bagit.BagValidationError as exc:
            if exc.details:
                problems += [_problem(folder, d) for d in exc.details]
            else:
                # bagit stops at the first size/count mismatch (Payload-Oxum) without details:
                # name each file as its full check would.
                problems += _detailed(folder, bag, exc)
        except (bagit.BagError, OSError) as exc:
            problems.append(BagProblem("broken", folder, str(exc)))
    if folder.is_dir():
        known = (
            TAG_FILES
            | {p.name for p in folder.glob("manifest-*.txt")}
            | {p.name for p in folder.glob("tagmanifest-*.txt")}
        )
        for entry in sorted(folder.iterdir()):
            if entry.name != "data" and entry.name not in known:
                problems.append(BagProblem("extra", entry))
    if check_modes:
        problems += readable_by_others(folder)
    return problems, manifest


def _problem(folder: Path, detail: bagit.BagError) -> BagProblem:
    path = folder / getattr(detail, "path", "")
    if isinstance(detail, bagit.ChecksumMismatch):
        return BagProblem("changed", path)
    if isinstance(detail, bagit.FileMissing):
        return BagProblem("missing", path)
    if isinstance(detail, bagit.UnexpectedFile):
        return BagProblem("extra", path)
    return BagProblem("broken", path, str(detail))


def _detailed(folder: Path, bag: bagit.Bag, exc: bagit.BagValidationError) -> list[BagProblem]:
    try:
        missing, extra = bag.compare_manifests_with_fs()
    except OSError as error:
        return [BagProblem("broken", folder, str(error))]
    problems = [BagProblem("missing", folder / p) for p in sorted(missing)]
    problems += [BagProblem("extra", folder / p) for p in sorted(extra)]
    for rel, hashes in sorted(bag.entries.items()):
        path = folder / rel
        if path.is_file() and "sha256" in hashes and sha256_of(path) != hashes["sha256"].lower():
            problems.append(BagProblem("changed", path))
    return problems or [BagProblem("broken", folder, str(exc))]


def done_line(batch: ArchivedBatch) -> str:
    """Return the line that says a batch was sealed: the cycle, the day sent, how many members of each group."""
    groups = "、".join(
        messages.ARCHIVE_DONE_GROUP.format(
            group=messages.ARCHIVE_GROUP_WORDS[g], count=sum(1 for m in batch.members if m.group == g)
        )
        for g in GROUPS
    )
    return messages.ARCHIVE_DONE.format(
        cycle=batch.cycle,
        sent_on=format_japanese_date(dt.date.fromisoformat(batch.sent_on)),
        members=len(batch.members),
        groups=groups,
        documents=sum(1 for f in batch.files if f.member_id) // 2,
    )
