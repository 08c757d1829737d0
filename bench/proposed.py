"""The conversion step as proposed for mailmerge.pipeline: bundles per template, one-by-one fallback, all verified."""

from __future__ import annotations

import itertools
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mailmerge import bundle, pdf, verify
from mailmerge.config import Config
from mailmerge.errors import VerificationError
from mailmerge.models import DocumentJob

# Members per combined document, at most. LibreOffice's cost per member falls as bundles grow
# (measured per member: letter 7.0 ms at 10, 5.7 at 25, 5.3 at 50; overview 38, 27, 22 ms),
# and a failed bundle costs at most this many one-by-one conversions.
BUNDLE_MEMBERS = 50
# Documents per soffice process (bundles given to one soffice): its memory grows over a long run.
DOCUMENTS_PER_PROCESS = 400


def bundle_sizes(members: int, workers: int) -> list[int]:
    """Return how many members go in each bundle of one template: ≤ BUNDLE_MEMBERS, a multiple of workers.

    Equal bundles, as many as there are workers (or a multiple), keep every worker busy to the end.
    """
    count = workers * math.ceil(members / (workers * BUNDLE_MEMBERS))
    size, extra = divmod(members, count)
    return [n for n in [size + 1] * extra + [size] * (count - extra) if n]


def convert_and_verify(jobs: Sequence[DocumentJob], config: Config, progress) -> dict[Path, int]:
    """Convert every job's DOCX to its PDF and verify it; return the page count of each PDF.

    Each template's members go into combined documents of BUNDLE_MEMBERS, converted once and
    split by their page marks. A bundle that cannot be built, converted or split, and any
    member whose pages fail their check, is converted on its own; an error there is final.
    """
    names = verify.MemberNames({job.member.member_id: job.member.display_name for job in jobs})
    pages: dict[Path, int] = {}

    def check(job: DocumentJob) -> None:
        pages[job.pdf] = verify.verify_member_pdf(
            job.pdf, job.member.member_id, names, cycle=config.cycle, document=job.document
        )

    singles: list[DocumentJob] = []
    with tempfile.TemporaryDirectory(prefix="mailmerge-bundles-") as scratch, progress.stage(
        "PDF に変換中", len(jobs)
    ) as advance:
        bundles: dict[pdf.Conversion, list[DocumentJob]] = {}
        workers = pdf.worker_count(config.workers)
        chunks = []
        for document in dict.fromkeys(job.document for job in jobs):
            same = [job for job in jobs if job.document == document]
            ends = list(itertools.accumulate(bundle_sizes(len(same), workers)))
            chunks.append([same[start:end] for start, end in zip([0, *ends], ends)])
        # Templates alternate, the heavier first (overview, letter, overview, ...): each worker takes
        # the next bundles in order, so both get the same mix, and each ends on a light bundle,
        # whose split is quick once LibreOffice is done. (An overview costs LibreOffice 4x a letter.)
        chunks.sort(key=lambda group: group[0][0].docx.stat().st_size, reverse=True)
        for number, chunk in enumerate(c for group in itertools.zip_longest(*chunks) for c in group if c):
            docx = Path(scratch) / f"{number:05d}-{chunk[0].document}.docx"
            label = f"{chunk[0].document} {chunk[0].member.member_id}–{chunk[-1].member.member_id}"
            bundles[pdf.Conversion(docx, docx.with_suffix(".pdf"), label)] = chunk

        def build(conversion: pdf.Conversion) -> None:
            # Runs in a conversion worker, while the other worker's soffice converts.
            bundle.build_bundle([bundle.docx_parts(job.docx) for job in bundles[conversion]], conversion.docx)

        def split(conversion: pdf.Conversion) -> None:
            chunk = bundles[conversion]
            targets = {job.member.member_id: job.pdf for job in chunk}
            try:
                result = verify.split_bundle(conversion.pdf, targets, names, cycle=config.cycle)
            except VerificationError as exc:  # the combined PDF cannot be read at all
                result = verify.SplitResult(failed={member_id: str(exc) for member_id in targets})
            for job in chunk:
                if job.member.member_id in result.pages:
                    pages[job.pdf] = result.pages[job.member.member_id]
                    advance(1)
                else:
                    reason = result.failed[job.member.member_id]
                    progress.info(f"{job.member.member_id} {job.document}: {reason}; converting it on its own")
                    singles.append(job)
            conversion.docx.unlink()
            conversion.pdf.unlink()

        failed = pdf.convert_to_pdf(
            list(bundles),
            workers=config.workers,
            timeout=config.timeout,
            batch_size=DOCUMENTS_PER_PROCESS // BUNDLE_MEMBERS,
            on_done=split,
            prepare=build,
            check=False,
        )
        for failure in failed:
            progress.info(f"{failure}; converting its members one by one")
            singles.extend(bundles[failure.conversion])

        if singles:
            by_conversion = {
                pdf.Conversion(job.docx, job.pdf, f"{job.member.member_id} {job.document}"): job for job in singles
            }

            def done(conversion: pdf.Conversion) -> None:
                check(by_conversion[conversion])
                advance(1)

            pdf.convert_to_pdf(list(by_conversion), workers=config.workers, timeout=config.timeout, on_done=done)
    return pages
