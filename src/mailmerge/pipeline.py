"""Run a cycle: check the roster and templates, render every member's documents, convert, verify, record."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mailmerge import __version__, fonts, manifest, pdf, produce, render, roster, state
from mailmerge.config import Config
from mailmerge.errors import MailmergeError, ProblemsFound, RunInterrupted
from mailmerge.fsutil import make_private_dir, sha256_of, write_atomic
from mailmerge.models import GROUPS, DocumentJob, ManifestRow, Member, Problem, Roster

# Variables the pipeline itself gives every template, besides the roster's fields and the config's constants.
PIPELINE_VARIABLES = ("member_id", "group", "enrolled", "document")


class Progress(Protocol):
    """How the pipeline reports progress; the CLI draws bars, tests pass a silent one."""

    def stage(self, label: str, total: int) -> Any:
        """Return a context manager yielding a callable ``advance(n)``."""

    def info(self, message: str) -> None:
        """Show one line of information (never personal data)."""


class SilentProgress:
    """A Progress that shows nothing."""

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        yield lambda n=1: None

    def info(self, message: str) -> None:
        pass


@dataclass(frozen=True)
class CheckResult:
    """What `mailmerge check` found: the roster read, the templates compiled, every problem."""

    roster: Roster
    templates: Mapping[str, render.CompiledTemplate]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


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


def provided_variables(config: Config) -> set[str]:
    """Return every name a template may use: roster fields, pipeline variables, config constants."""
    fields = set(config.columns) - {"group"}
    return fields | set(PIPELINE_VARIABLES) | set(config.constants)


def check(config: Config, roster_path: Path | None = None) -> CheckResult:
    """Read the roster and the templates and return every problem found, writing nothing."""
    # The templates' fonts: each one installed (else an error), and the characters they print.
    font_check = fonts.check_template_fonts({config.display_path(p): p for p in config.documents.values()})
    loaded = roster.load_roster(config, roster_path, fonts=font_check.maps)
    # The roster reader has already refused member IDs unsafe as folder names.
    problems = [*loaded.problems, *font_check.problems]
    provided = provided_variables(config)
    templates: dict[str, render.CompiledTemplate] = {}
    used: set[str] = set()
    for name, path in config.documents.items():
        compiled, template_problems = render.inspect_template(path, name, provided, config.display_path(path))
        problems.extend(template_problems)
        if compiled is not None:
            templates[name] = compiled
            used |= compiled.variables
    if len(templates) == len(config.documents):
        for field_name in sorted(set(config.columns) - used - {"group", "member_id"}):
            problems.append(
                Problem(
                    "warning",
                    config.display_path(config.path),
                    f"名簿の列 {config.columns[field_name]} はどのテンプレートでも使われていません",
                )
            )
    return CheckResult(loaded, templates, tuple(problems))


def select_members(members: Sequence[Member], only: str | None, limit: int | None) -> list[Member]:
    """Return the members to produce: one group if asked, the first ``limit`` if asked."""
    chosen = [m for m in members if only is None or m.group == only]
    return chosen if limit is None else chosen[:limit]


def member_context(member: Member, document: str, constants: Mapping[str, Any]) -> dict[str, Any]:
    """Return everything a template sees for one member and document."""
    context = dict(constants)
    context.update(member.fields)
    context.update(member_id=member.member_id, group=member.group, enrolled=member.group == GROUPS[0], document=document)
    return context


def document_jobs(members: Sequence[Member], documents: Sequence[str], out_dir: Path) -> list[DocumentJob]:
    """Return where each member's documents go: DIR/<group>/<member_id>/<document>.docx|.pdf."""
    jobs = []
    for member in members:
        folder = out_dir / member.group / member.member_id
        for document in documents:
            jobs.append(DocumentJob(member, document, folder / f"{document}.docx", folder / f"{document}.pdf"))
    return jobs


def input_digest(member: Member, document: str, template_sha256: str, config: Config) -> str:
    """Return the hash of everything a document is made from: roster row, template, config, program."""
    inputs = {
        "program": __version__,
        "cycle": config.cycle,
        "document": document,
        "template": template_sha256,
        "member_id": member.member_id,
        "group": member.group,
        "fields": dict(member.fields),
        "constants": config.constants,
    }
    return hashlib.sha256(json.dumps(inputs, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def run(
    config: Config,
    *,
    roster_path: Path | None = None,
    out_dir: Path | None = None,
    only: str | None = None,
    limit: int | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """Produce every selected member's documents as DOCX and PDF, verified, with manifest.csv last.

    Safe to interrupt and to run again: documents whose inputs did not change are kept,
    the rest are made; one run at a time per output folder.
    """
    progress = progress or SilentProgress()
    out_dir = (out_dir or config.output).resolve()
    # Refuse a second run before reading anything, so it exits at once and writes nothing.
    if out_dir.is_dir() and state.is_locked(out_dir):
        raise state.locked_error(out_dir)
    checked = check(config, roster_path)
    if checked.errors:
        raise ProblemsFound(checked.problems)
    members = select_members(checked.roster.members, only, limit)
    jobs = document_jobs(members, list(config.documents), out_dir)

    old_umask = os.umask(0o077)  # LibreOffice's PDFs too: personal data is for the owner only
    try:
        make_private_dir(out_dir)
        with state.OutputLock(out_dir):
            return _run_locked(config, checked, members, jobs, out_dir, force, progress)
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise _disk_full_error(out_dir) from None
        raise
    finally:
        os.umask(old_umask)


def _run_locked(
    config: Config,
    checked: CheckResult,
    members: Sequence[Member],
    jobs: Sequence[DocumentJob],
    out_dir: Path,
    force: bool,
    progress: Progress,
) -> RunResult:
    # What an interrupted run left: LibreOffice still at work (after SIGKILL), scratch files, its journal.
    stopped = pdf.stop_strays(out_dir / state.STAGING_NAME)
    found = state.leftovers(out_dir) + state.unpaired(out_dir)
    scratch = state.count_files(found)
    state.remove_paths(found)
    if stopped or found or (out_dir / state.JOURNAL_NAME).exists():
        details = [f"作りかけのファイル {scratch} 件を削除"] if found else []
        details += [f"残っていた LibreOffice {stopped} 件を停止"] if stopped else []
        progress.info(
            "前回の実行は途中で止まっていました" + (f"（{'、'.join(details)}）" if details else "")
            + "。完成していた文書は確かめてから使い、残りを作ります。"
        )

    wanted = {m.member_id: m.group for m in checked.roster.members}
    stale = state.stale_member_folders(out_dir, wanted)
    if stale:
        state.remove_paths(folder for _, _, folder in stale)
        progress.info("名簿にない（または加入状況が変わった）会員の出力を削除しました: 会員番号 " + ", ".join(m for _, m, _ in stale))

    template_hashes = {name: sha256_of(path) for name, path in config.documents.items()}
    # Every roster member's documents, not only this run's selection (--only, --limit): the
    # manifest lists every good document in the folder, whichever run made it.
    roster_jobs = document_jobs(checked.roster.members, list(config.documents), out_dir)
    digests = {job: input_digest(job.member, job.document, template_hashes[job.document], config) for job in roster_jobs}
    previous = _previous_rows(out_dir)
    # Documents already made from the same inputs, files intact (with --force they are made again,
    # but still recorded: a forced run that is stopped resumes without --force from them).
    valid: dict[DocumentJob, ManifestRow] = {}
    for job in roster_jobs:
        row = previous.get((job.member.member_id, job.document))
        if row is not None and row.group == job.member.group and state.reusable(row, out_dir, digests[job]):
            valid[job] = dataclasses.replace(row, name=job.member.display_name)
    selected = set(jobs)
    outdated = [job for job in roster_jobs if job not in selected and job not in valid and (job.pdf.exists() or job.docx.exists())]
    if outdated:
        # Made from an older roster row, template or config, and not remade by this run: such a
        # letter must not be printed by mistake.
        state.remove_paths(p for job in outdated for p in (job.docx, job.pdf))
        progress.info(
            f"名簿・テンプレート・設定が変わったため古くなった {len(outdated)} 文書を削除しました"
            "（今回は作っていない会員の分です。全員分を作るには --only/--limit なしで実行してください）。"
        )
    kept = {job: row for job, row in valid.items() if job not in selected}
    valid = {job: row for job, row in valid.items() if job in selected}
    done = {} if force else dict(valid)
    todo = [job for job in jobs if job not in done]
    reused = len(done)
    if reused:
        progress.info(f"前回から変わっていない {reused} 文書はそのまま使います（作り直すには --force）。")

    journal = state.Journal(out_dir)
    # The last manifest vouches for files this run may replace: it goes now, and the journal
    # carries the documents kept, so that a run stopped from here on resumes from them.
    journal.reset([*kept.values(), *valid.values()])
    for name in (manifest.MANIFEST_NAME, SUMMARY_NAME):
        (out_dir / name).unlink(missing_ok=True)

    def record(job: DocumentJob, row: ManifestRow) -> None:
        journal.record(row)
        done[job] = row

    try:
        with journal:
            produce.produce(
                todo,
                templates=checked.templates,
                contexts=lambda job: member_context(job.member, job.document, config.constants),
                digests=digests,
                names={m.member_id: m.display_name for m in checked.roster.members},
                cycle=config.cycle,
                workers=config.workers,
                timeout=config.timeout,
                out_dir=out_dir,
                staging=out_dir / state.STAGING_NAME,
                progress=progress,
                on_placed=record,
            )
        state.remove_paths([out_dir / state.STAGING_NAME])
    except BaseException as exc:
        # Measured before the scratch files go: they may be what filled the disk.
        free = _free_space(out_dir)
        # Whatever stopped the run (Ctrl-C, a full disk, an error): scratch files go, finished documents stay.
        state.remove_paths(state.leftovers(out_dir))
        if isinstance(exc, KeyboardInterrupt):
            raise RunInterrupted(
                f"中断しました。完成した {len(done) - reused} 文書は保存してあります。"
                "もう一度 mailmerge run を実行すると、残りから続けます。"
            ) from None
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
            raise _disk_full_error(out_dir) from None
        if isinstance(exc, MailmergeError) and free < LOW_SPACE:
            # On a full disk LibreOffice still exits 0, writing a whole PDF without its fonts (no
            # text): verification refuses it, but the cause to fix is the disk, not the document.
            raise _disk_full_error(out_dir, f"\n（詳細: {exc}）") from None
        raise

    done.update(kept)
    rows = tuple(done[job] for job in roster_jobs if job in done)
    summary = _control_totals(checked.roster, members, jobs, rows, len(jobs) - reused, [m for _, m, _ in stale])
    # The documents were written without an fsync each: one sync, before the manifest vouches for them.
    os.sync()
    write_atomic(out_dir / SUMMARY_NAME, (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    # Written last: a manifest means every file it lists is complete and verified.
    manifest.write_manifest(out_dir / manifest.MANIFEST_NAME, rows)
    journal.remove()
    counts = {g: sum(1 for m in members if m.group == g) for g in GROUPS}
    return RunResult(
        out_dir, counts, rows, checked.warnings, len(jobs) - reused, reused, tuple(m for _, m, _ in stale), summary
    )


SUMMARY_NAME = "summary.json"
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
# Below this much free space, a failed conversion is blamed on the disk (LibreOffice needs room to work).
LOW_SPACE = 16 << 20


def _free_space(out_dir: Path) -> int:
    try:
        return shutil.disk_usage(out_dir).free
    except OSError:
        return LOW_SPACE


def _disk_full_error(out_dir: Path, detail: str = "") -> MailmergeError:
    return MailmergeError(
        f"{out_dir}: ディスクの空きがありません。空きを作ってから、もう一度 mailmerge run を実行してください"
        "（完成した文書は残っています）" + detail
    )


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
    selected_documents: Sequence[DocumentJob],
    rows: Sequence[ManifestRow],
    made: int,
    removed: Sequence[str],
) -> dict[str, Any]:
    """Return the run's control totals; raise when roster rows and outcomes do not add up."""
    by_group = roster.split_by_enrollment(loaded)
    totals = {
        "roster_rows": loaded.total_rows,
        "enrolled": len(by_group["enrolled"]),
        "unenrolled": len(by_group["unenrolled"]),
        "rejected": loaded.rejected_rows,
        "blank_rows_skipped": loaded.blank_rows,
        "selected_members": len(members),
        "selected_documents": len(selected_documents),
        "documents_made": made,
        "documents_reused": len(selected_documents) - made,
        "documents_in_manifest": len(rows),
        "removed_members": list(removed),
    }
    listed = {(row.member_id, row.document) for row in rows}
    missing = [job.member.member_id for job in selected_documents if (job.member.member_id, job.document) not in listed]
    if missing:
        raise MailmergeError(f"集計が合いません: 会員番号 {', '.join(sorted(set(missing)))} の文書がありません。manifest.csv は書いていません")
    if totals["roster_rows"] != totals["enrolled"] + totals["unenrolled"] + totals["rejected"]:
        raise MailmergeError(
            f"集計が合いません: 名簿 {totals['roster_rows']} 行 ≠ 加入 {totals['enrolled']} + 未加入 "
            f"{totals['unenrolled']} + エラー {totals['rejected']}。manifest.csv は書いていません"
        )
    return totals
