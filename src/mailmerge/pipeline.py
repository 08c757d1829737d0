"""Run a cycle: check the roster and templates (checking), then tidy, plan reuse, produce, record."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailmerge import (
    manifest,
    messages,
    pdf,
    roster,
    state,
)
from mailmerge.checking import CheckResult, TemplateInspections, check, check_inputs, provided_variables
from mailmerge.config import Config
from mailmerge.errors import MailmergeError, ProblemsFound, RunInterrupted
from mailmerge.fsutil import make_private_dir, sha256_of, write_atomic
from mailmerge.inputs import SUMMARY_NAME, input_digest
from mailmerge.models import (
    GROUPS,
    ManifestRow,
    Member,
    MemberDocument,
    OutputLayout,
    Problem,
    Roster,
    member_context,
)
from mailmerge.produce import Order, produce
from mailmerge.progress import Progress, SilentProgress

__all__ = [
    "CheckResult",
    "Progress",
    "RunResult",
    "SilentProgress",
    "TemplateInspections",
    "check",
    "input_digest",
    "member_context",
    "provided_variables",
    "run",
]


@dataclass(frozen=True)
class RunResult:
    """What a run produced: where, how many per group, the manifest rows, and what it did."""

    out_dir: Path
    counts: Mapping[str, int]
    rows: tuple[ManifestRow, ...]
    warnings: tuple[Problem, ...] = field(default_factory=tuple)
    made: int = 0
    reused: int = 0
    removed_members: tuple[str, ...] = ()
    summary: Mapping[str, Any] = field(default_factory=dict)
    set_aside: Path | None = None  # DIR/removed/<run>/, when the run moved anything there
    print_set_aside: Path | None = None  # where an outdated DIR/print/ went
    print_changed: tuple[str, ...] = ()  # the members of that print this run changed or removed
    remade: tuple[str, ...] = ()  # the members with a document whose files are new or other than before this run


def select_members(
    members: Sequence[Member], only: str | None, limit: int | None, member_ids: Collection[str] | None = None
) -> list[Member]:
    """Return the members to produce: one group if asked, these member IDs if given, the first ``limit`` if asked."""
    chosen = [
        m for m in members if (only is None or m.group == only) and (member_ids is None or m.member_id in member_ids)
    ]
    return chosen if limit is None else chosen[:limit]


def run(
    config: Config,
    *,
    roster_path: Path | None = None,
    out_dir: Path | None = None,
    only: str | None = None,
    limit: int | None = None,
    force: bool = False,
    progress: Progress | None = None,
    hold_signals: Callable[[], AbstractContextManager] = nullcontext,
    member_ids: Collection[str] | None = None,
) -> RunResult:
    """Produce every selected member's documents as DOCX and PDF, verified, with manifest.csv last.

    Safe to interrupt and to run again: documents whose inputs did not change are kept,
    the rest are made; one run at a time per output folder. Nothing finished is deleted:
    what is no longer wanted is moved to DIR/removed/<run>/. ``hold_signals`` (the CLI's)
    returns a context in which Ctrl-C waits, so a document is never half placed. ``member_ids``: only these
    members (the 文面 page's 試し刷り of a chosen member).
    """
    progress = progress or SilentProgress()
    layout = OutputLayout((out_dir or config.output).resolve())
    try:
        # Refuse a second run before reading anything, so it exits at once and writes nothing.
        if layout.out_dir.is_dir() and state.is_locked(layout.out_dir):
            raise state.locked_error(layout.out_dir)
        # LibreOffice is looked for only when there is something to convert: a rerun with nothing
        # changed works without it.
        checked = check_inputs(config, roster_path)
        if checked.errors:
            raise ProblemsFound(checked.problems)
        members = select_members(checked.roster.members, only, limit, member_ids)
        make_private_dir(layout.out_dir)
        with state.OutputLock(layout.out_dir):
            tidy(layout, progress)
            plan = plan_reuse(config, checked, members, layout, force, progress)
            done = produce_documents(config, checked, plan, layout, progress, hold_signals)
            return record(checked, members, plan, done, layout, progress, roster_path)
    except OSError as exc:
        raise state.os_error(layout.out_dir, exc) from None


def tidy(layout: OutputLayout, progress: Progress) -> None:
    """Clear what an interrupted run left: LibreOffice still at work (after SIGKILL), scratch files, half-placed
    files.
    """
    stopped = pdf.stop_strays(layout.staging)
    found = state.leftovers(layout.out_dir) + state.unpaired(layout.out_dir)
    scratch = state.count_files(found)
    state.remove_paths(found)
    if stopped or found or (layout.out_dir / state.JOURNAL_NAME).exists():
        details = [messages.SCRATCH_REMOVED.format(count=scratch)] if found else []
        details += [messages.STRAYS_STOPPED.format(count=stopped)] if stopped else []
        progress.info(messages.FOUND_INTERRUPTED.format(details=f"（{'、'.join(details)}）" if details else ""))


@dataclass(frozen=True)
class Plan:
    """What this run makes, what it keeps from earlier runs, and what is outdated."""

    every: tuple[MemberDocument, ...]  # every roster member's documents, in manifest order
    selected: tuple[MemberDocument, ...]  # this run's selection (--only, --limit)
    todo: tuple[MemberDocument, ...]  # to make now
    current: Mapping[MemberDocument, ManifestRow]  # selected, made from the same inputs, files intact
    reused: Mapping[MemberDocument, ManifestRow]  # of those, the ones kept as they are (none with --force)
    kept: Mapping[MemberDocument, ManifestRow]  # not selected, still current: listed again
    outdated: tuple[MemberDocument, ...]  # not selected, made from older inputs: set aside at the end
    digests: Mapping[MemberDocument, str]
    previous: Mapping[tuple[str, str], ManifestRow] = field(
        default_factory=dict
    )  # (member_id, document) before this run


def plan_reuse(
    config: Config,
    checked: CheckResult,
    members: Sequence[Member],
    layout: OutputLayout,
    force: bool,
    progress: Progress,
) -> Plan:
    """Decide which documents earlier runs made from the same inputs (files intact) can stay as they are."""
    template_hashes = {name: sha256_of(path) for name, path in config.documents.items()}
    # Every roster member's documents, not only this run's selection (--only, --limit): the
    # manifest lists every good document in the folder, whichever run made it.
    every = tuple(layout.document(m, d) for m in checked.roster.members for d in config.documents)
    selected = tuple(layout.document(m, d) for m in members for d in config.documents)
    digests = {doc: input_digest(doc.member, doc.document, template_hashes[doc.document], config) for doc in every}
    previous = _previous_rows(layout.out_dir)
    valid: dict[MemberDocument, ManifestRow] = {}
    for doc in every:
        row = previous.get((doc.member.member_id, doc.document))
        # state.reusable() checks the files' hashes: a file changed since it was recorded is made again.
        if row is not None and row.group == doc.member.group and state.reusable(row, layout.out_dir, digests[doc]):
            valid[doc] = dataclasses.replace(row, name=doc.member.display_name)
    chosen = set(selected)
    # Made from an older roster row, template or config, and not remade by this run: such a
    # letter must not be printed by mistake, so it is set aside (never deleted).
    outdated = tuple(d for d in every if d not in chosen and d not in valid and (d.pdf.exists() or d.docx.exists()))
    # With --force the unchanged documents are made again, but still recorded: a forced run
    # that is stopped resumes without --force from them.
    reused = {} if force else {d: r for d, r in valid.items() if d in chosen}
    if reused:
        progress.info(messages.REUSING.format(count=len(reused)))
    return Plan(
        every=every,
        selected=selected,
        todo=tuple(d for d in selected if d not in reused),
        current={d: r for d, r in valid.items() if d in chosen},
        reused=reused,
        kept={d: r for d, r in valid.items() if d not in chosen},
        outdated=outdated,
        digests=digests,
        previous=previous,
    )


def produce_documents(
    config: Config,
    checked: CheckResult,
    plan: Plan,
    layout: OutputLayout,
    progress: Progress,
    hold_signals: Callable[[], AbstractContextManager],
) -> dict[MemberDocument, ManifestRow]:
    """Make the documents to make, journaling each as it is placed; return every document now good."""
    journal = state.Journal(layout.out_dir)
    # The journal carries the documents that are current (also those --force makes again), so that
    # a run stopped from here on resumes from them. The last manifest.csv and summary.json stay as
    # they are until the new ones replace them: a failed run leaves them as they were.
    journal.reset([*plan.kept.values(), *plan.current.values()])
    done = dict(plan.reused)
    names = {m.member_id: m.display_name for m in checked.roster.members}
    order = Order(
        documents=plan.todo,
        templates=checked.templates,
        constants=config.constants,
        digests=plan.digests,
        names=names,
        cycle=config.cycle,
        layout=layout,
        workers=config.workers,
        timeout=config.timeout,
        hold_signals=hold_signals,
        labels=config.columns,
        obstacles=checked.paths,
        shared_pages_from=config.shared_pages_from,
        template_texts=checked.template_texts,
        previous={d: r for d, r in plan.current.items() if d not in plan.reused},
    )
    by_key = {(d.member.member_id, d.document): d for d in plan.todo}
    made = 0
    try:
        with journal, closing(produce(order, progress)) as rows:
            for row in rows:
                journal.record(row)
                done[by_key[(row.member_id, row.document)]] = row
                made += 1
        state.remove_paths([layout.staging])
    except BaseException as exc:
        # Measured before the scratch files go: they may be what filled the disk.
        free = state.free_space(layout.out_dir)
        # Whatever stopped the run (Ctrl-C, a full disk, an error): scratch files go, finished documents stay.
        state.remove_paths(state.leftovers(layout.out_dir))
        if isinstance(exc, KeyboardInterrupt):
            raise RunInterrupted(messages.INTERRUPTED.format(count=made)) from None
        if isinstance(exc, OSError) and exc.errno in state.DISK_FULL:
            raise state.disk_full_error(layout.out_dir) from None
        if isinstance(exc, MailmergeError) and free < state.LOW_SPACE:
            # On a full disk LibreOffice still exits 0, writing a whole PDF without its fonts (no
            # text): verification refuses it, but the cause to fix is the disk, not the document.
            raise state.disk_full_error(layout.out_dir, messages.DISK_FULL_DETAIL.format(detail=exc)) from None
        raise
    done.update(plan.kept)
    return done


def record(
    checked: CheckResult,
    members: Sequence[Member],
    plan: Plan,
    done: Mapping[MemberDocument, ManifestRow],
    layout: OutputLayout,
    progress: Progress,
    roster_path: Path | None = None,
) -> RunResult:
    """Set aside what is no longer wanted, then write summary.json and, last, manifest.csv."""
    rows = tuple(done[d] for d in plan.every if d in done)
    made = len(plan.selected) - len(plan.reused)
    wanted = {m.member_id: m.group for m in checked.roster.members}
    stale = state.stale_member_folders(layout.out_dir, wanted)
    summary = _control_totals(checked.roster, members, plan.selected, rows, made, [m for _, m, _ in stale])
    # Nothing finished is deleted: folders of members no longer in the roster (or now in the other
    # group) and outdated documents not remade by this run go to DIR/removed/<run>/.
    aside = layout.removed_now()
    state.set_aside(layout, aside, [folder for _, _, folder in stale])
    state.set_aside(layout, aside, [p for d in plan.outdated for p in (d.docx, d.pdf) if p.exists()])
    # A print holding a member this run changed or removed would mail an outdated letter under an
    # outdated label: only a fresh `mailmerge print` may be printed from (moved, not deleted).
    print_changed = state.outdated_print(layout, plan.previous, rows)
    print_aside = state.set_aside(layout, aside, [layout.print_dir])[0] if print_changed else None
    where = _relative(aside, layout) if (stale or plan.outdated or print_changed) else None
    if stale:
        progress.info(messages.MEMBERS_SET_ASIDE.format(ids=", ".join(m for _, m, _ in stale), where=where))
    if plan.outdated:
        progress.info(messages.OUTDATED_SET_ASIDE.format(count=len(plan.outdated), where=where))
    summary["set_aside"] = where
    # A run made from another roster (`run --roster 名簿.csv`) says so: review, approve, print and archive
    # then read that roster, not the config's. Without --roster the config's roster is the run's.
    if roster_path is not None:
        summary["roster_path"] = str(checked.roster.source.resolve())
        summary["roster_sha256"] = sha256_of(checked.roster.source)
    summary["outdated_set_aside"] = [f"{d.member.member_id}/{d.document}" for d in plan.outdated]
    # The documents were written without an fsync each: one sync, before the manifest vouches for them.
    os.sync()
    write_atomic(
        layout.out_dir / SUMMARY_NAME, (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    )
    # Written last: a manifest means every file it lists is complete and verified.
    manifest.write_manifest(layout.out_dir / manifest.MANIFEST_NAME, rows)
    state.Journal(layout.out_dir).remove()
    counts = {g: sum(1 for m in members if m.group == g) for g in GROUPS}
    return RunResult(
        layout.out_dir,
        counts,
        rows,
        checked.warnings,
        made,
        len(plan.reused),
        tuple(m for _, m, _ in stale),
        summary,
        aside if where else None,
        print_aside,
        print_changed,
        _remade(plan.previous, rows),
    )


def _remade(previous: Mapping[tuple[str, str], ManifestRow], rows: Sequence[ManifestRow]) -> tuple[str, ...]:
    """Return the members (in manifest order) with a document that is new or whose files changed in this run.

    A document made again that prints the same keeps its earlier files (sameprint): not counted, its review stands.
    """
    remade: dict[str, None] = {}
    for row in rows:
        before = previous.get((row.member_id, row.document))
        if before is None or (before.pdf_sha256, before.docx_sha256) != (row.pdf_sha256, row.docx_sha256):
            remade[row.member_id] = None
    return tuple(remade)


def _relative(path: Path, layout: OutputLayout) -> str:
    return path.relative_to(layout.out_dir).as_posix()


def _previous_rows(out_dir: Path) -> dict[tuple[str, str], ManifestRow]:
    """Return what earlier runs recorded: the last manifest, then the journal of an interrupted run."""
    rows: dict[tuple[str, str], ManifestRow] = {}
    path = out_dir / manifest.MANIFEST_NAME
    if path.is_file():
        try:
            for row in manifest.read_manifest(path):
                rows[(row.member_id, row.document)] = row
        except (ValueError, KeyError, TypeError):
            pass  # an older or hand-edited manifest: everything is simply made again
    for row in state.read_journal(out_dir):
        rows[(row.member_id, row.document)] = row
    return rows


def _control_totals(
    loaded: Roster,
    members: Sequence[Member],
    selected: Sequence[MemberDocument],
    rows: Sequence[ManifestRow],
    made: int,
    removed: Sequence[str],
) -> dict[str, Any]:
    """Return the run's control totals; raise when roster rows and outcomes do not add up."""
    by_group = roster.split_by_enrollment(loaded)
    totals: dict[str, Any] = {
        "roster_rows": loaded.total_rows,
        "enrolled": len(by_group["enrolled"]),
        "unenrolled": len(by_group["unenrolled"]),
        "rejected": loaded.rejected_rows,
        "blank_rows_skipped": loaded.blank_rows,
        "selected_members": len(members),
        "selected_documents": len(selected),
        "documents_made": made,
        "documents_reused": len(selected) - made,
        "documents_in_manifest": len(rows),
        "removed_members": list(removed),
    }
    listed = {(row.member_id, row.document) for row in rows}
    missing = [d.member.member_id for d in selected if (d.member.member_id, d.document) not in listed]
    if missing:
        raise MailmergeError(messages.TOTALS_MISSING.format(ids=", ".join(sorted(set(missing)))))
    if totals["roster_rows"] != totals["enrolled"] + totals["unenrolled"] + totals["rejected"]:
        raise MailmergeError(messages.TOTALS_ROWS.format(**totals))
    return totals
