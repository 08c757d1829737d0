"""Make a run's documents: render, convert in combined batches, split and verify, then move into place.

A template whose member fields sit in one fixed frame takes the composed path per group (composed_path.py:
shared pages converted once, a layer per member, composed, audited); any other is converted whole.

Part of the pipeline (only pipeline.py imports it): it orders the step modules render, bundle,
pdf and verify. Every document is made in the staging folder and moved next to its member's
other files only once its PDF has been verified, so a member folder never holds a file that
looks finished but is not. What was placed comes back as ManifestRows, one by one, for the
pipeline to record as they come.
"""

from __future__ import annotations

import itertools
import math
import os
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailmerge import bundle, compose, composed_path, messages, pdf, render, sameprint, verify
from mailmerge.errors import ConversionError, MailmergeError, VerificationError
from mailmerge.fsutil import (
    FILE_MODE,
    make_private_dir,
    sha256_bytes,
    sha256_of,
    write_atomic,
)
from mailmerge.models import WITH_REPRESENTATIVE, ManifestRow, MemberDocument, OutputLayout, member_context

# Members per combined document, at most. LibreOffice's cost per member falls as bundles grow
# (measured per member: letter 7.0 ms at 10, 5.7 at 25, 5.3 at 50; overview 38, 27, 22 ms),
# and a failed bundle costs at most this many one-by-one conversions.
BUNDLE_MEMBERS = 50
# Documents per soffice process (bundles given to one soffice): its memory grows over a long run.
# 400 was faster than 200 at 1,000 members in paired runs (25.0/23.7 s against 29.6/26.6 s of
# conversion) while soffice's memory stays flat past ~1,200 pages.
DOCUMENTS_PER_PROCESS = 400
# LibreOffice's time per document in a bundle is about 3 ms plus 0.85 ms per KB of the template's
# body (letter 6.4 KB: 8.6 ms, overview 26.8 KB: 26 ms): the fixed part, in bytes of body. Bundles
# are shared out between the workers by this estimate, so that both finish together.
PER_DOCUMENT_BODY = 3600
# Bundles rendered ahead of the converter, at most: enough to keep both soffice busy, while
# staging does not fill with thousands of files before LibreOffice gets to them.
BUNDLES_AHEAD = 2 * (DOCUMENTS_PER_PROCESS // BUNDLE_MEMBERS)
# A member's layer (the recipient block and the page mark) is LibreOffice's fixed cost per document
# and little more: 5 ms a member in bundles of 50 for either template (issue 14).
LAYER_BODY = 600


@dataclass(frozen=True)
class Order:
    """What produce() makes, from what, and how: settings and data flowing down from the pipeline.

    ``names`` holds every roster member's name (by member ID): a PDF that mentions any other
    member is refused. ``hold_signals`` returns a context in which Ctrl-C waits (the CLI's):
    placing a document is two renames and a journal line, not to be cut between them.
    """

    documents: Sequence[MemberDocument]
    templates: Mapping[str, render.CompiledTemplate]
    constants: Mapping[str, Any]
    digests: Mapping[MemberDocument, str]
    names: Mapping[str, str]
    cycle: str
    layout: OutputLayout
    labels: Mapping[str, str] = field(default_factory=dict)  # field -> the roster's header, for messages
    workers: int = 0
    timeout: float = 120.0
    # Template -> why its pages cannot be shared (None: they can). A template missing here is converted whole.
    obstacles: Mapping[str, str | None] = field(default_factory=dict)
    shared_pages_from: int = 0  # a route with fewer members is converted whole (config.shared_pages_from)
    # Template -> what it prints for made-up members (templatecheck.printed_text): no other member's mention.
    template_texts: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    # Made again from unchanged inputs (--force): its approved PDF stays when the new one prints the same.
    previous: Mapping[MemberDocument, ManifestRow] = field(default_factory=dict)
    hold_signals: Callable[[], AbstractContextManager] = field(default=nullcontext)


def bundle_sizes(members: int, workers: int) -> list[int]:
    """Return how many members go in each bundle of one template: ≤ BUNDLE_MEMBERS, a multiple of workers.

    Equal bundles, as many as there are workers (or a multiple), keep every worker busy to the end.
    """
    count = workers * math.ceil(members / (workers * BUNDLE_MEMBERS))
    size, extra = divmod(members, count)
    return [n for n in [size + 1] * extra + [size] * (count - extra) if n]


def produce(order: Order, progress: Any) -> Generator[ManifestRow, None, None]:
    """Make every document's DOCX and PDF; yield each one's manifest row once its files are in place.

    Rows come as documents are finished (not at the end), so what was finished before an
    interruption can be recorded. Raise ConversionError or VerificationError naming the member
    when a document cannot be made even on its own. Close the iterator when stopping early.
    """
    if not order.documents:
        return
    staging = order.layout.staging
    make_private_dir(staging)
    work = {order.layout.staged(document): document for document in order.documents}
    production = _Production(order, work, staging, verify.MemberNames(order.names, order.template_texts), progress)
    try:
        with progress.stage(messages.CONVERTING, len(work)) as advance:
            production.layers.prepare()
            for row in itertools.chain(production.bundled(list(work)), production.whole_again(), production.singly()):
                advance(1)
                yield row
    finally:
        production.layers.close()
    if production.layers.overflows:
        raise compose.LayerOverflowError("\n".join(production.layers.overflows))


class _Production:
    """One run's making: render and bundle ahead in a writer thread, convert, split, verify, place.

    The composed path is a collaborator (``layers``): given what it needs, it hands back the members
    to place and those it gave up on; this class places them and converts the others.
    """

    def __init__(
        self,
        order: Order,
        work: Mapping[MemberDocument, MemberDocument],
        staging: Path,
        names: verify.MemberNames,
        progress: Any,
    ):
        self.order = order
        self.progress = progress
        self.work = work  # staged document -> final document
        self.staging = staging
        self.names = names
        self.hashes: dict[MemberDocument, str] = {}  # staged document -> its DOCX's SHA-256
        self.retry: list[MemberDocument] = []  # staged documents to convert one by one
        making = composed_path.Making(
            templates=order.templates,
            digests={staged: order.digests[final] for staged, final in work.items()},
            obstacles=order.obstacles,
            shared_pages_from=order.shared_pages_from,
            cycle=order.cycle,
            workers=order.workers,
            timeout=order.timeout,
            staging=staging,
            names=names,
            progress=progress,
            hold_signals=order.hold_signals,
            render=self.render,
            printed=self._printed,
        )
        self.layers = composed_path.ComposedPath(making, list(work))
        self.layer_bundles: dict[pdf.Conversion, composed_path.Route] = {}
        self._numbers = itertools.count()  # bundle file names, unique across passes

    def render(self, staged: MemberDocument) -> Mapping[str, bytes]:
        """Render one document, write its DOCX into staging, and return its package parts (for a bundle)."""
        final = self.work[staged]
        context = member_context(final.member, final.document, self.order.constants)
        rendered = self.order.templates[final.document].render(context, final.member.member_id)
        make_private_dir(staged.docx.parent)
        # No fsync per file: the staging copy is remade if lost, and the pipeline syncs once
        # before the manifest vouches for the placed files.
        write_atomic(staged.docx, rendered.docx, durable=False)
        self.hashes[staged] = sha256_bytes(rendered.docx)
        return rendered.package

    def bundled(self, documents: list[MemberDocument]) -> Iterator[ManifestRow]:
        """Convert members in combined documents (whole, or their layers); note those to convert one by one."""
        if not documents:
            return
        bundles = self._plan_bundles(documents)
        written: queue.Queue = queue.Queue(maxsize=BUNDLES_AHEAD)
        stop = threading.Event()
        # Rendering and bundling run in a thread of their own, ahead of LibreOffice and while it
        # converts: the first soffice starts after one bundle is written, not after all of them
        # (rendering 2,000 documents first left both cores to one Python thread for ~3 s).
        writer = None
        try:
            with pdf.Converter(
                list(bundles),
                written=written,
                workers=self.order.workers,
                timeout=self.order.timeout,
                batch_size=max(DOCUMENTS_PER_PROCESS // BUNDLE_MEMBERS, 1),
                temp_root=self.staging,
            ) as converter:
                # Written in the order LibreOffice needs them: the first bundle of each worker's batch
                # first, so that every soffice starts at once.
                plan = {conversion: bundles[conversion] for conversion in converter.order}
                writer = threading.Thread(target=self._write_bundles, args=(plan, written, stop), daemon=True)
                writer.start()
                for outcome in converter:
                    if isinstance(outcome, pdf.ConversionFailure):
                        self.progress.info(messages.BUNDLE_FAILED.format(bundle=outcome.conversion.name))
                        self.retry.extend(bundles[outcome.conversion])
                    else:
                        yield from self._split(outcome, bundles[outcome])
        finally:
            stop.set()
            if writer is not None and writer.is_alive():
                writer.join()

    def _write_bundles(
        self,
        bundles: Mapping[pdf.Conversion, list[MemberDocument]],
        written: queue.Queue,
        stop: threading.Event,
    ) -> None:
        """Render and bundle each conversion's documents, in order, and hand each over once written."""

        def hand_over(item: Any) -> bool:
            while not stop.is_set():
                try:
                    written.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        try:
            for conversion, documents in bundles.items():
                try:
                    packages = [self.render(document) for document in documents]
                    route = self.layer_bundles.get(conversion)
                    if route is not None:
                        packages = self.layers.layer_packages(route, documents, packages)
                    bundle.build_bundle(packages, conversion.docx)
                    item: Any = conversion
                except MailmergeError as exc:  # a template error, or a bundle that cannot be built
                    item = pdf.ConversionFailure(conversion, str(exc))
                if not hand_over(item):
                    return
            hand_over(pdf.END)
        except BaseException as exc:  # raised in the converter's threads, and so in the caller's
            hand_over(exc)

    def _split(self, conversion: pdf.Conversion, chunk: list[MemberDocument]) -> Iterator[ManifestRow]:
        # In this (the main) thread: PDFium must not run in two threads at once.
        route = self.layer_bundles.get(conversion)
        if route is not None:
            for staged, pages in self.layers.composed(conversion, chunk, route):
                yield from self._install(staged, pages)
        else:
            yield from self._split_whole(conversion, chunk)
        conversion.docx.unlink(missing_ok=True)
        conversion.pdf.unlink(missing_ok=True)

    def _split_whole(self, conversion: pdf.Conversion, chunk: list[MemberDocument]) -> Iterator[ManifestRow]:
        targets = {staged.member.member_id: staged.pdf for staged in chunk}
        try:
            printed = {staged.member.member_id: self._printed(staged) for staged in chunk}
            names = self.names.for_document(chunk[0].document)  # a bundle is one template's
            result = verify.split_bundle(conversion.pdf, targets, names, cycle=self.order.cycle, printed=printed)
        except VerificationError as exc:  # the combined PDF cannot be trusted as a whole
            result = verify.SplitResult(failed={member_id: str(exc) for member_id in targets})
        for staged in chunk:
            if staged.member.member_id in result.pages:
                yield from self._install(staged, result.pages[staged.member.member_id])
            else:
                member_id = staged.member.member_id
                self.progress.info(messages.MEMBER_RETRIED_ALONE.format(member_id=member_id, document=staged.document))
                self.retry.append(staged)

    def whole_again(self) -> Iterator[ManifestRow]:
        """Place what the composed path still held; convert whole, in bundles, the members of routes gone whole."""
        for staged, pages in self.layers.settle():
            yield from self._install(staged, pages)
        yield from self.bundled(self.layers.again)

    def singly(self) -> Iterator[ManifestRow]:
        """Convert the documents left one by one; a document that still fails is an error naming its member."""
        self.retry.extend(self.layers.alone)
        if not self.retry:
            return
        for staged in self.retry:
            if staged not in self.hashes:
                self.render(staged)  # its bundle was never built; a template error shows here, as itself
        by_conversion = {
            pdf.Conversion(
                staged.docx,
                staged.pdf,
                messages.MEMBER_DOCUMENT.format(member_id=staged.member.member_id, document=staged.document),
            ): staged
            for staged in self.retry
        }
        failures = []
        with pdf.Converter(
            list(by_conversion),
            workers=self.order.workers,
            timeout=self.order.timeout,
            temp_root=self.staging,
        ) as converter:
            for outcome in converter:
                if isinstance(outcome, pdf.ConversionFailure):
                    failures.append(outcome)
                    continue
                staged = by_conversion[outcome]
                pages = verify.verify_member_pdf(
                    staged.pdf,
                    staged.member.member_id,
                    self.names.for_document(staged.document),
                    cycle=self.order.cycle,
                    document=staged.document,
                    printed=self._printed(staged),
                )
                problem = verify.rewrite_member_pdf(staged.pdf, pages)
                if problem:
                    raise VerificationError(f"{outcome.name}: {problem}")
                yield from self._install(staged, pages)
        if failures:
            listed = "\n".join(f"  {failure}" for failure in failures)
            raise ConversionError(messages.CONVERSION_FAILED.format(failures=listed))

    def _printed(self, staged: MemberDocument) -> tuple[tuple[str, str], ...]:
        """Return the recipient-block fields this document's template prints, as (roster header, value)."""
        used = self.order.templates[staged.document].variables
        fields = dict(staged.member.fields)
        if not fields.get("representative_name", "").strip():
            for name in WITH_REPRESENTATIVE:  # a title and 敬称 print only beside a name (御中 otherwise)
                fields.pop(name, None)
        return tuple(
            (self.order.labels.get(name, name), fields.get(name, ""))
            for name in staged.member.recipient_fields
            if name in used
        )

    def _install(self, staged: MemberDocument, pages: int) -> Iterator[ManifestRow]:
        """Move a verified document from staging into its member's folder and yield its manifest row."""
        final = self.work[staged]
        out_dir = self.order.layout.out_dir
        # Made again from unchanged inputs and printing the same: the file approved before stays.
        kept = sameprint.unchanged(self.order.previous.get(final), self.hashes[staged], staged.pdf, final.pdf)
        with self.order.hold_signals():
            make_private_dir(final.docx.parent)
            os.chmod(staged.pdf, FILE_MODE)
            # The PDF (what is printed and mailed) goes last, and an older one goes first: a PDF in a
            # member folder always has its DOCX beside it, made from the same inputs, even when the
            # run is killed between two steps (SIGKILL, power): then a lone DOCX says it is unfinished.
            (staged if kept else final).pdf.unlink(missing_ok=True)
            os.replace(staged.docx, final.docx)
            if not kept:
                os.replace(staged.pdf, final.pdf)
            # Yielded while signals are held: the caller records the row before a Ctrl-C lands.
            yield ManifestRow(
                member_id=final.member.member_id,
                name=final.member.display_name,
                group=final.member.group,
                document=final.document,
                docx=final.docx.relative_to(out_dir).as_posix(),
                pdf=final.pdf.relative_to(out_dir).as_posix(),
                pages=pages,
                docx_sha256=self.hashes[staged],
                pdf_sha256=sha256_of(final.pdf),
                input_sha256=self.order.digests[final],
            )

    def _plan_bundles(self, documents: list[MemberDocument]) -> dict[pdf.Conversion, list[MemberDocument]]:
        count = pdf.worker_count(self.order.workers)
        templates = self.order.templates
        kinds: dict[tuple, list[MemberDocument]] = {}
        for document in documents:
            # A route's layers go together (one page count, one set of shared pages); whole documents by template.
            route = self.layers.route(document)
            grouping = (document.document, document.member.group) if route else (document.document,)
            kinds.setdefault(grouping, []).append(document)
        chunks = []
        for key, same in kinds.items():
            routes = self.layers.routes
            if key in routes:  # sampled members first: the audit comes with the route's first bundle, few are held
                same.sort(key=lambda staged: staged.member.member_id not in routes[key].sample)
            ends = list(itertools.accumulate(bundle_sizes(len(same), count)))
            per_document = PER_DOCUMENT_BODY + (LAYER_BODY if len(key) == 2 else templates[key[0]].body_size)
            pieces = [same[start:end] for start, end in zip([0, *ends], ends, strict=False)]
            chunks.append((per_document, self.layers.routes.get(key), pieces))
        # Templates alternate, the heavier first (overview, letter, overview, ...): a worker's batch
        # then holds the same mix as the other's, and as few batches as possible share the work
        # evenly. (An overview costs LibreOffice 3x a letter: batches are shared out by weight.)
        chunks.sort(key=lambda kind: kind[0], reverse=True)
        folder = self.staging / "bundles"
        make_private_dir(folder)
        bundles = {}
        lists = [[(per_document, route, chunk) for chunk in kind] for per_document, route, kind in chunks]
        spread = [item for group in itertools.zip_longest(*lists) for item in group if item]
        for per_document, route, chunk in spread:
            number = next(self._numbers)
            kind = "-layer" if route else ""
            docx = folder / f"{number:05d}-{chunk[0].document}{kind}.docx"
            label = f"{chunk[0].document}{kind} {chunk[0].member.member_id}–{chunk[-1].member.member_id}"
            conversion = pdf.Conversion(docx, docx.with_suffix(".pdf"), label, len(chunk) * per_document)
            bundles[conversion] = chunk
            if route is not None:
                self.layer_bundles[conversion] = route
        return bundles
