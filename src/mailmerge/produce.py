"""Make a run's documents: render, convert in combined batches, split and verify, then move into place.

Part of the pipeline (only pipeline.py imports it): it orders the step modules render, bundle,
pdf and verify. Every document is made in the staging folder and moved next to its member's
other files only once its PDF has been verified, so a member folder never holds a file that
looks finished but is not.
"""

from __future__ import annotations

import itertools
import math
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailmerge import bundle, pdf, render, verify
from mailmerge.errors import VerificationError
from mailmerge.fsutil import FILE_MODE, make_private_dir, sha256_bytes, sha256_of, write_atomic
from mailmerge.models import DocumentJob, ManifestRow

# Members per combined document, at most. LibreOffice's cost per member falls as bundles grow
# (measured per member: letter 7.0 ms at 10, 5.7 at 25, 5.3 at 50; overview 38, 27, 22 ms),
# and a failed bundle costs at most this many one-by-one conversions.
BUNDLE_MEMBERS = 50
# Signals that stop a run (the CLI turns SIGTERM and SIGHUP into Ctrl-C).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Documents per soffice process (bundles given to one soffice): its memory grows over a long run.
# 400 was faster than 200 at 1,000 members in paired runs (25.0/23.7 s against 29.6/26.6 s of
# conversion) while soffice's memory stays flat past ~1,200 pages.
DOCUMENTS_PER_PROCESS = 400
# LibreOffice's time per document in a bundle is about 3 ms plus 0.85 ms per KB of the template's
# body (letter 6.4 KB: 8.6 ms, overview 26.8 KB: 26 ms): the fixed part, in bytes of body. Bundles
# are shared out between the workers by this estimate, so that both finish together.
PER_DOCUMENT_BODY = 3600


def bundle_sizes(members: int, workers: int) -> list[int]:
    """Return how many members go in each bundle of one template: ≤ BUNDLE_MEMBERS, a multiple of workers.

    Equal bundles, as many as there are workers (or a multiple), keep every worker busy to the end.
    """
    count = workers * math.ceil(members / (workers * BUNDLE_MEMBERS))
    size, extra = divmod(members, count)
    return [n for n in [size + 1] * extra + [size] * (count - extra) if n]


@contextmanager
def held_signals() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM, SIGHUP) until the block is over, then deliver it.

    Placing a document is two renames and a journal line: stopped between them, a member
    folder would hold a PDF without its DOCX, or files the journal does not know.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread, which is where documents are placed
        return
    caught: list[int] = []
    previous = {number: signal.signal(number, lambda signum, frame: caught.append(signum)) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught:
            signal.raise_signal(caught[0])  # now handled as it would have been: KeyboardInterrupt


def staged(job: DocumentJob, out_dir: Path, staging: Path) -> DocumentJob:
    """Return the job with its files in the staging folder, same relative layout."""
    return DocumentJob(
        job.member,
        job.document,
        staging / job.docx.relative_to(out_dir),
        staging / job.pdf.relative_to(out_dir),
    )


def produce(
    jobs: Sequence[DocumentJob],
    *,
    templates: Mapping[str, render.CompiledTemplate],
    contexts: Callable[[DocumentJob], Mapping[str, Any]],
    digests: Mapping[DocumentJob, str],
    names: Mapping[str, str],
    cycle: str,
    workers: int,
    timeout: float,
    out_dir: Path,
    staging: Path,
    progress: Any,
    on_placed: Callable[[DocumentJob, ManifestRow], None],
) -> None:
    """Make every job's DOCX and PDF; call ``on_placed`` with each job's manifest row once its files are in place.

    ``on_placed`` runs as each document is finished (not at the end), so what was finished
    before an interruption is recorded.

    ``names`` holds every roster member's name (by member ID): a PDF that mentions any
    other member is refused. Raise ConversionError or VerificationError naming the member
    when a document cannot be made even on its own.
    """
    if not jobs:
        return
    make_private_dir(staging)
    work = {staged(job, out_dir, staging): job for job in jobs}
    renderer = _Renderer(work, templates, contexts)
    with progress.stage("PDF に変換・確認中", len(jobs)) as advance:
        production = _Production(
            renderer, verify.MemberNames(names), cycle, workers, timeout, staging, progress, advance,
            place=lambda work_job, pages: _place(work_job, work[work_job], pages, renderer, digests, out_dir, on_placed),
        )
        singles = production.convert_bundles(list(work))
        if singles:
            for job in singles:
                renderer.ensure(job)  # a template error shows here, in the main thread, as itself
            production.convert_singly(singles)


def _place(
    work_job: DocumentJob,
    job: DocumentJob,
    pages: int,
    renderer: _Renderer,
    digests: Mapping[DocumentJob, str],
    out_dir: Path,
    on_placed: Callable[[DocumentJob, ManifestRow], None],
) -> None:
    """Move a verified document from staging into its member's folder and record it."""
    with held_signals():
        make_private_dir(job.docx.parent)
        os.chmod(work_job.pdf, FILE_MODE)
        # The PDF (what is printed and mailed) goes last, and an older one goes first: a PDF in a
        # member folder always has its DOCX beside it, made from the same inputs, even when the
        # run is killed between two steps (SIGKILL, power): then a lone DOCX says it is unfinished.
        job.pdf.unlink(missing_ok=True)
        os.replace(work_job.docx, job.docx)
        os.replace(work_job.pdf, job.pdf)
        row = ManifestRow(
            member_id=job.member.member_id,
            name=job.member.display_name,
            group=job.member.group,
            document=job.document,
            docx=job.docx.relative_to(out_dir).as_posix(),
            pdf=job.pdf.relative_to(out_dir).as_posix(),
            pages=pages,
            docx_sha256=renderer.hashes[work_job],
            pdf_sha256=sha256_of(job.pdf),
            input_sha256=digests[job],
        )
        on_placed(job, row)


class _Renderer:
    """Fill each document's template and write its DOCX into staging, when its bundle is built.

    Rendering happens in the conversion engine's prepare step, bundle by bundle, ahead of
    LibreOffice and while it converts, so the first soffice starts after one bundle is rendered
    instead of after all of them (rendering 2,000 documents first left both cores to one Python
    thread for ~3 s).
    """

    def __init__(
        self,
        work: Mapping[DocumentJob, DocumentJob],
        templates: Mapping[str, render.CompiledTemplate],
        contexts: Callable[[DocumentJob], Mapping[str, Any]],
    ):
        self.work = work
        self.templates = templates
        self.contexts = contexts
        self.hashes: dict[DocumentJob, str] = {}

    def render(self, work_job: DocumentJob) -> Mapping[str, bytes]:
        """Render one document, write its DOCX, and return its package parts (for a bundle)."""
        job = self.work[work_job]
        rendered = self.templates[job.document].render(self.contexts(job), job.member.member_id)
        make_private_dir(work_job.docx.parent)
        # No fsync per file: the staging copy is remade if lost, and the pipeline syncs once
        # before the manifest vouches for the placed files.
        write_atomic(work_job.docx, rendered.docx, durable=False)
        self.hashes[work_job] = sha256_bytes(rendered.docx)
        return rendered.package

    def ensure(self, work_job: DocumentJob) -> None:
        """Render a document whose bundle was never built (its build failed)."""
        if work_job not in self.hashes:
            self.render(work_job)


@dataclass(frozen=True)
class _Production:
    """One run's conversion settings, shared by the bundled path and the one-by-one fallback."""

    renderer: _Renderer
    names: verify.MemberNames
    cycle: str
    workers: int
    timeout: float
    staging: Path
    progress: Any
    advance: Callable[[int], None]
    place: Callable[[DocumentJob, int], None]

    def convert_bundles(self, jobs: list[DocumentJob]) -> list[DocumentJob]:
        """Convert each template's members in combined documents; return the jobs to convert one by one."""
        bundles = self._plan_bundles(jobs)
        singles: list[DocumentJob] = []

        def build(conversion: pdf.Conversion) -> None:
            # Runs in the engine's helper thread (or a worker), while soffice converts other bundles.
            bundle.build_bundle([self.renderer.render(job) for job in bundles[conversion]], conversion.docx)

        def split(conversion: pdf.Conversion) -> None:
            # In this (the main) thread, as on_done: PDFium must not run in two threads at once.
            chunk = bundles[conversion]
            targets = {job.member.member_id: job.pdf for job in chunk}
            try:
                result = verify.split_bundle(conversion.pdf, targets, self.names, cycle=self.cycle)
            except VerificationError as exc:  # the combined PDF cannot be read at all
                result = verify.SplitResult(failed={member_id: str(exc) for member_id in targets})
            for job in chunk:
                if job.member.member_id in result.pages:
                    self.place(job, result.pages[job.member.member_id])
                    self.advance(1)
                else:
                    self.progress.info(
                        f"会員番号 {job.member.member_id} ({job.document}): 一括変換で確認できず、単独で変換し直します"
                    )
                    singles.append(job)
            conversion.docx.unlink(missing_ok=True)
            conversion.pdf.unlink(missing_ok=True)

        failures = self._convert(list(bundles), split, prepare=build, check=False,
                                 batch_size=max(DOCUMENTS_PER_PROCESS // BUNDLE_MEMBERS, 1))
        for failure in failures:
            self.progress.info(f"{failure.conversion.name}: 一括変換に失敗したため、1 件ずつ変換します")
            singles.extend(bundles[failure.conversion])
        return singles

    def convert_singly(self, jobs: list[DocumentJob]) -> None:
        """Convert documents one by one; a document that still fails is an error naming its member."""
        by_conversion = {
            pdf.Conversion(job.docx, job.pdf, f"会員番号 {job.member.member_id} ({job.document})"): job for job in jobs
        }

        def done(conversion: pdf.Conversion) -> None:
            job = by_conversion[conversion]
            pages = verify.verify_member_pdf(job.pdf, job.member.member_id, self.names, cycle=self.cycle, document=job.document)
            self.place(job, pages)
            self.advance(1)

        self._convert(list(by_conversion), done)

    def _convert(self, conversions: list[pdf.Conversion], on_done: Callable[[pdf.Conversion], None], **options: Any):
        # LibreOffice's scratch lives in staging too: a killed run's is cleared by the next.
        return pdf.convert_to_pdf(
            conversions, workers=self.workers, timeout=self.timeout, on_done=on_done, temp_root=self.staging, **options
        )

    def _plan_bundles(self, jobs: list[DocumentJob]) -> dict[pdf.Conversion, list[DocumentJob]]:
        count = pdf.worker_count(self.workers)
        chunks = []
        for document in dict.fromkeys(job.document for job in jobs):
            same = [job for job in jobs if job.document == document]
            ends = list(itertools.accumulate(bundle_sizes(len(same), count)))
            chunks.append([same[start:end] for start, end in zip([0, *ends], ends)])
        # Templates alternate, the heavier first (overview, letter, overview, ...): a worker's batch
        # then holds the same mix as the other's, and as few batches as possible share the work
        # evenly. (An overview costs LibreOffice 3x a letter: batches are shared out by weight.)
        templates = self.renderer.templates
        chunks.sort(key=lambda group: templates[group[0][0].document].body_size, reverse=True)
        folder = self.staging / "bundles"
        make_private_dir(folder)
        bundles = {}
        for number, chunk in enumerate(c for group in itertools.zip_longest(*chunks) for c in group if c):
            docx = folder / f"{number:05d}-{chunk[0].document}.docx"
            label = f"{chunk[0].document} {chunk[0].member.member_id}–{chunk[-1].member.member_id}"
            weight = len(chunk) * (templates[chunk[0].document].body_size + PER_DOCUMENT_BODY)
            bundles[pdf.Conversion(docx, docx.with_suffix(".pdf"), label, weight)] = chunk
        return bundles
