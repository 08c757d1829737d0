"""`mailmerge verify`: every bag validated, and the index, decisions.csv and mail.csv held against each bag."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mailmerge import archive, archivecheck, mailseal, messages
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import csv_value
from mailmerge.store import ArchiveIndex, existing_index


@dataclass(frozen=True)
class VerifyReport:
    """What `mailmerge verify` found: one Japanese line per problem, the path first."""

    problems: tuple[str, ...]
    bags: int
    files: int


def verify(archive_dir: Path, cycle: str | None = None) -> VerifyReport:
    """Validate every bag and check the index against the bags; return every problem found."""
    archive_dir = archive_dir.resolve()
    index = existing_index(archive_dir)
    if index is None:
        raise MailmergeError(messages.ARCHIVE_NO_INDEX.format(archive=archive_dir))
    problems: list[str] = []
    with index:
        recorded = index.folders(cycle)
        bags = archive.bag_folders(archive_dir, cycle)
        if cycle is not None and not bags and not recorded:
            raise MailmergeError(messages.VERIFY_NO_CYCLE.format(archive=archive_dir, cycle=cycle))
        files = 0
        for folder in bags:
            name = folder.relative_to(archive_dir).as_posix()
            found, manifest = archive.inspect_bag(folder, check_modes=False)
            problems += [_line(p) for p in found]
            if name not in recorded:
                problems.append(messages.VERIFY_NO_ROW.format(path=folder))
                continue
            rows = index.files(name)
            data = folder / "data"
            on_disk = (
                {p.relative_to(folder).as_posix() for p in data.rglob("*") if p.is_file()} if data.is_dir() else set()
            )
            files += len(on_disk)
            problems += [messages.VERIFY_NO_FILE.format(path=folder / p) for p in sorted(set(rows) - on_disk)]
            problems += [messages.VERIFY_NO_ROW.format(path=folder / p) for p in sorted(on_disk - set(rows))]
            problems += [
                messages.VERIFY_INDEX_CHANGED.format(path=folder / p)
                for p in sorted(set(rows) & set(manifest))
                if rows[p] != manifest[p]
            ]
            problems += _held_against_bag(folder, index, name, manifest)
            problems += _mail_against_bag(folder, manifest)
        on_disk_names = {f.relative_to(archive_dir).as_posix() for f in bags}
        problems += [messages.VERIFY_NO_FILE.format(path=archive_dir / f) for f in recorded if f not in on_disk_names]
    problems += [
        messages.VERIFY_STAGING.format(path=p)
        for p in archive.staging_leftovers(archive_dir)
        if cycle is None or p.parent.name == cycle
    ]
    top = archive_dir / cycle if cycle is not None else archive_dir
    for p in archive.readable_by_others(top):
        problems.append(_line(p))
    return VerifyReport(tuple(problems), len(bags), files)


def _held_against_bag(folder: Path, index: ArchiveIndex, name: str, manifest: Mapping[str, str]) -> list[str]:
    """Return where the index's rows of a batch disagree with the bag's bag-info, decisions.csv and manifest."""
    indexed = index.batch(name)
    if indexed is None:
        return []
    try:
        bagged, rows = archive.read_bag_record(folder.parent.parent, folder)
    except (
        OSError,
        KeyError,
        ValueError,
    ) as exc:  # bagit's checks above say what is broken; here, that it could not be compared
        return [
            messages.VERIFY_BAG_BROKEN.format(path=folder / "data" / archive.DECISIONS_NAME, detail=type(exc).__name__)
        ]
    return archivecheck.disagreements(folder, indexed, bagged, rows, manifest)


def _mail_against_bag(folder: Path, manifest: Mapping[str, str]) -> list[str]:
    """Return each e-mail of the bag's mail.csv whose .eml in the bag is not the one the journal recorded as sent."""
    path = folder / "data" / mailseal.MAIL_CSV_NAME
    if not path.is_file():
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = [{k: csv_value(v) for k, v in r.items()} for r in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [messages.VERIFY_BAG_BROKEN.format(path=path, detail=type(exc).__name__)]
    return [
        messages.VERIFY_MAIL_CHANGED.format(path=folder / "data" / line["eml"], member_id=line.get("member_id", ""))
        for line in lines
        if line.get("eml") and manifest.get(f"data/{line['eml']}") != line.get("eml_sha256")
    ]


def _line(problem: archive.BagProblem) -> str:
    template = {
        "missing": messages.VERIFY_MISSING,
        "changed": messages.VERIFY_CHANGED,
        "extra": messages.VERIFY_EXTRA,
        "readable": messages.VERIFY_READABLE,
    }.get(problem.kind, messages.VERIFY_BAG_BROKEN)
    if problem.kind == "readable":
        return template.format(path=problem.path, others=messages.VERIFY_OTHERS_MAY[problem.detail])
    return template.format(path=problem.path, detail=problem.detail)
