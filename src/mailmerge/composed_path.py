"""The composed path of a run (issue 14): shared pages converted once, each member's layer laid over them, audited.

A collaborator of produce (only produce imports it): it is given what it needs (a Making) and
answers with results, never calling into produce. Which templates and groups take it, and the
audit's sample, are layering's.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailmerge import bundle, compose, frames, messages, pdf, render, verify
from mailmerge.errors import MailmergeError, VerificationError
from mailmerge.fsutil import make_private_dir
from mailmerge.layering import audit_sample, shared_digest, whole_reason
from mailmerge.models import MemberDocument

# A composed member ready to be placed: its staged document and its number of pages.
Placed = tuple[MemberDocument, int]


class Route:
    """One template and group on the composed path, while a run makes it: shared pages, sample, audit outcome.

    ``passed`` is None until every sampled member's composed PDF was compared with its direct
    conversion; members composed meanwhile are held (verified, in staging) until then.
    """

    def __init__(self, document: str, group: str, members: Sequence[MemberDocument], sample: Sequence[MemberDocument]):
        self.document = document
        self.group = group
        self.members = list(members)
        self.sample = {d.member.member_id for d in sample}
        self.left = set(self.sample)  # sampled members not compared yet
        self.shared: compose.SharedPages | None = None  # once converted
        self.pages = 0
        self.box: tuple[float, float, float, float] | None = None
        self.passed: bool | None = None
        self.held: list[tuple[MemberDocument, int]] = []
        self.pictures: dict[str, compose.Pictures] = {}  # sampled member -> its direct conversion, drawn
        self.digest = ""  # shared_digest of the member whose document the shared pages were made from

    @property
    def failed(self) -> bool:
        return self.passed is False

    @property
    def label(self) -> dict[str, str]:
        """Name the route in a message: the template and the group, in Japanese."""
        return {"document": self.document, "group": messages.LAYER_GROUPS.get(self.group, self.group)}

    def fail(self) -> list[MemberDocument]:
        """Switch the route to whole conversion; return the held members, to convert whole."""
        self.passed = False
        self.pictures.clear()
        held, self.held = [staged for staged, _pages in self.held], []
        return held


@dataclass(frozen=True)
class Making:
    """What the composed path is given by the run that makes the documents: settings, and two of its steps.

    ``render`` renders a staged document (its DOCX written into staging) and returns its package
    parts; ``printed`` returns the recipient fields a document prints, as (roster header, value).
    ``hold_signals`` is the run's: Ctrl-C waits inside it.
    """

    templates: Mapping[str, render.CompiledTemplate]
    digests: Mapping[MemberDocument, str]  # staged document -> the input hash of the document it becomes
    # Template -> why its pages cannot be shared (None: they can). A template missing here is converted whole.
    obstacles: Mapping[str, str | None]
    shared_pages_from: int
    cycle: str
    workers: int
    timeout: float
    staging: Path
    names: verify.MemberNames
    progress: Any
    hold_signals: Callable[[], AbstractContextManager]
    render: Callable[[MemberDocument], Mapping[str, bytes]]
    printed: Callable[[MemberDocument], tuple[tuple[str, str], ...]]


class ComposedPath:
    """The composed path of one run: routes, shared pages, each layer bundle composed, the audit.

    Given a Making, it answers with results and calls nothing of its caller's but ``render`` and
    ``printed``: composed() and settle() yield (staged document, pages) for the caller to place,
    and the members it gives up on are left in three lists for the caller to read: ``alone`` (to
    convert one by one), ``again`` (a route that failed its audit: to convert whole, in bundles)
    and ``overflows`` (the run's error lines: a value that does not fit the frame).
    """

    def __init__(self, making: Making, documents: Sequence[MemberDocument]):
        self.making = making
        self.alone: list[MemberDocument] = []
        self.again: list[MemberDocument] = []
        self.overflows: list[str] = []
        # Staged documents left out of their layer bundle (the writer thread adds them before it hands the
        # bundle over; the main thread reads them once the bundle is converted).
        self.varying: set[MemberDocument] = set()
        self.routes = self._plan_routes(documents)  # (document, group) -> the route's state

    def _plan_routes(self, documents: Sequence[MemberDocument]) -> dict[tuple[str, str], Route]:
        """Return the composed path's routes: each template without an obstacle, per group, with its audit sample."""
        routes: dict[tuple[str, str], list[MemberDocument]] = {}
        for staged in documents:
            routes.setdefault((staged.document, staged.member.group), []).append(staged)
        planned = {}
        for (document, group), members in routes.items():
            # A template check did not look at (none in the order) is converted whole.
            obstacle = self.making.obstacles.get(document, messages.LAYER_FIELD_IN_TEXT)
            if whole_reason(obstacle, len(members), self.making.shared_pages_from):
                continue
            # Drawn from the route's inputs, not at random: the sampled members go first in the layer
            # bundles, and a bundle's members decide its fonts' subsets, so the same inputs must give
            # the same bundles and the same PDF bytes (issue 21: approvals are bound to those bytes).
            seed = hashlib.sha256("".join(self.making.digests[staged] for staged in members).encode()).digest()
            sample = audit_sample(members, self.making.templates[document].variables, random.Random(seed))
            planned[(document, group)] = Route(document, group, members, sample)
        return planned

    def route(self, staged: MemberDocument) -> Route | None:
        """Return the route a document's layer goes by, or None when it is converted whole."""
        route = self.routes.get((staged.document, staged.member.group))
        return route if route is not None and not route.failed else None

    def prepare(self) -> None:
        """Convert each route's shared pages and its audit sample directly, in one go; a route that fails goes whole."""
        if not self.routes:
            return
        making = self.making
        conversions: dict[pdf.Conversion, tuple[Route, str]] = {}
        folder = making.staging / "shared"
        # Rendered here in the main thread (the bundles are rendered in the writer's): a Ctrl-C raised
        # inside zipfile's write left a ZIP half open and came out as a ValueError with a traceback.
        # Held, it lands once these few documents are written.
        with making.hold_signals():
            for route in self.routes.values():
                make_private_dir(folder)
                package = making.render(route.members[0])
                route.digest = shared_digest(package)
                route.box = frames.frame_box(package)
                shared = folder / f"{route.document}-{route.group}.docx"
                bundle.write_package(frames.shared_package(package), shared)
                label = f"{route.document} {route.group}"
                conversions[pdf.Conversion(shared, shared.with_suffix(".pdf"), label, 2)] = (route, "")
                for staged in route.members:
                    if staged.member.member_id in route.sample:
                        making.render(staged)
                        member_id = staged.member.member_id
                        label = messages.MEMBER_DOCUMENT.format(member_id=member_id, document=staged.document)
                        conversions[pdf.Conversion(staged.docx, direct_pdf(staged), label)] = (route, member_id)
        failed: set[pdf.Conversion] = set()
        with pdf.Converter(
            list(conversions),
            workers=making.workers,
            timeout=making.timeout,
            temp_root=making.staging,
        ) as converter:
            failed.update(outcome.conversion for outcome in converter if isinstance(outcome, pdf.ConversionFailure))
        for conversion, (route, member_id) in conversions.items():
            if conversion in failed and not route.failed:
                detail = messages.LAYER_SAMPLE_FAILED if member_id else messages.LAYER_SHARED_FAILED
                self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=detail, **route.label))
        for conversion, (route, member_id) in conversions.items():
            if member_id and conversion not in failed and not route.failed:
                try:
                    route.pictures[member_id] = compose.draw_pages(conversion.pdf)
                except MailmergeError:  # recovers: the route is converted whole, and says why
                    detail = messages.LAYER_SAMPLE_FAILED
                    self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=detail, **route.label))
            if member_id:
                conversion.pdf.unlink(missing_ok=True)
        for route in self.routes.values():
            if not route.failed:
                shared = folder / f"{route.document}-{route.group}.pdf"
                try:
                    verify.verify_shared_pdf(shared, making.names.for_document(route.document))
                    route.shared = compose.SharedPages(shared)
                except MailmergeError as exc:  # recovers: the route is converted whole, and says why
                    self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=exc, **route.label))
                    continue
                route.pages = route.shared.pages

    def layer_packages(
        self,
        route: Route,
        documents: Sequence[MemberDocument],
        packages: Sequence[Mapping[str, bytes]],
    ) -> list[Mapping[str, bytes]]:
        """Return the layers of a bundle's rendered documents, for members whose document is the shared pages'.

        Every member is compared outside the frame (the audit's pictures are a sample); the others are
        noted in ``varying``, and composed() sends them to be converted whole. In the writer thread.
        """
        same = [shared_digest(package) == route.digest for package in packages]
        self.varying.update(d for d, ok in zip(documents, same, strict=False) if not ok)
        return [frames.layer_package(p, route.pages) for p, ok in zip(packages, same, strict=False) if ok]

    def composed(self, conversion: pdf.Conversion, chunk: Sequence[MemberDocument], route: Route) -> Iterator[Placed]:
        """Compose each member of a converted layer bundle over the route's shared pages; yield them once audited.

        The layer bundle is read as a whole bundle is (verify.read_bundle: marks, the member's own
        name and printed fields, nobody else's, every page drawn; every stream decoded), and each
        member's pages go straight from it into the composed PDF.
        """
        making = self.making
        members = {}
        for staged in chunk:
            if staged in self.varying:  # its document differs outside the frame: the shared pages are not its
                member_id = staged.member.member_id
                making.progress.info(messages.LAYER_MEMBER_VARIES.format(member_id=member_id, document=staged.document))
                self._alone(staged, route, told=True)
            else:
                members[staged.member.member_id] = staged
        printed = {member_id: making.printed(staged) for member_id, staged in members.items()}
        layers = None
        try:
            names = making.names.for_document(route.document)
            reading = verify.read_bundle(conversion.pdf, members, names, cycle=making.cycle, printed=printed)
            firsts = {member_id: indices[0] for member_id, indices in reading.members.items()}
            # Before anything else, also on a route gone whole: there a frame clips what does not fit.
            values = {m: dict(printed[m]) for m in firsts}
            overflows = compose.frame_overflows(conversion.pdf, firsts, route.box, values) if route.box else {}
            layers = verify.open_bundle(conversion.pdf, reading.pages)
        except VerificationError as exc:  # the layer bundle cannot be trusted as a whole
            reading, overflows = verify.BundleReading(failed=dict.fromkeys(members, str(exc))), {}
        try:
            for member_id, staged in members.items():
                if member_id in reading.members:
                    indices = reading.members[member_id]
                    yield from self._compose(staged, route, layers, indices, overflows.get(member_id))
                else:
                    self._alone(staged, route)
        finally:
            if layers is not None:
                layers.close()

    def _compose(
        self,
        staged: MemberDocument,
        route: Route,
        layers: Any,
        indices: list[int],
        overflow: list[str] | None,
    ) -> Iterator[Placed]:
        """Lay a member's layer over the shared pages; yield it once its route's audit has passed."""
        member_id = staged.member.member_id
        if overflow:
            fields = "、".join(overflow)
            line = messages.LAYER_OVERFLOW.format(member_id=member_id, document=staged.document, field=fields)
            self.overflows.append(line)
            route.left.discard(member_id)
            return
        if route.failed:
            self.again.append(staged)
            return
        assert route.shared is not None  # prepare() made it for every route not gone whole
        try:
            problem = route.shared.compose(layers, indices, staged.pdf)
        except MailmergeError as exc:  # recovers: the member is converted on its own (_alone)
            problem = str(exc)
        if problem:
            self._alone(staged, route)
            return
        pages = len(indices)
        if route.passed:
            yield staged, pages
            return
        route.held.append((staged, pages))
        if member_id in route.left:
            route.left.discard(member_id)
            mismatches = compose.compare_pictures(route.pictures.pop(member_id), staged.pdf)
            if mismatches:
                first = mismatches[0]
                self._fail(
                    route,
                    messages.LAYER_AUDIT_MISMATCH.format(
                        member_id=member_id, page=first.page, pixels=first.pixels, **route.label
                    ),
                )
                return
        if not route.left:
            yield from self._settle(route)

    def _alone(self, staged: MemberDocument, route: Route, told: bool = False) -> None:
        """Leave a member whose layer failed to be converted whole, on its own, as a member whose bundle failed.

        A sampled member so cannot be compared: the audit cannot pass, and the route goes whole at
        once (its members are not composed and held to no purpose).
        """
        if not told:
            member_id = staged.member.member_id
            told_alone = messages.MEMBER_RETRIED_ALONE.format(member_id=member_id, document=staged.document)
            self.making.progress.info(told_alone)
        self.alone.append(staged)
        if staged.member.member_id in route.left and not route.failed:
            route.left.discard(staged.member.member_id)
            detail = messages.LAYER_SAMPLE_NOT_COMPOSED
            self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=detail, **route.label))

    def _settle(self, route: Route) -> Iterator[Placed]:
        """Every sampled member is done: the audit passed if each was composed and compared; yield the held."""
        compared = {staged.member.member_id for staged, _pages in route.held}
        if not route.sample <= compared:  # a sampled member overflowed or went to a retry: not proven
            detail = messages.LAYER_SAMPLE_NOT_COMPOSED
            self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=detail, **route.label))
            return
        route.passed = True
        # The sampled member IDs (no personal data): which members a passed audit rests on, to look at again.
        members = "、".join(sorted(route.sample))
        passed = messages.LAYER_AUDIT_PASSED.format(count=len(route.sample), members=members, **route.label)
        self.making.progress.info(passed)
        held, route.held = route.held, []
        yield from held

    def _fail(self, route: Route, message: str) -> None:
        self.making.progress.info(message)
        self.again.extend(route.fail())

    def settle(self) -> Iterator[Placed]:
        """Settle every route whose audit is still open (its layers all read); then ``again`` is complete."""
        for route in self.routes.values():
            if route.passed is None and route.members:
                yield from self._settle(route)

    def close(self) -> None:
        for route in self.routes.values():
            if route.shared is not None:
                route.shared.close()


def direct_pdf(staged: MemberDocument) -> Path:
    return staged.pdf.with_name(f"{staged.pdf.stem}.direct.pdf")
