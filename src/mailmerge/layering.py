"""Which templates share their pages between a group's members (issue 14), the audit sample, each route's audit.

Part of produce (only produce and pipeline's check import it). A template whose member fields all
sit in one fixed frame (and the page mark in the footer) is converted per group as shared pages
once, plus a light layer per member laid over them; every run proves on a sample that this looks
exactly like converting the member's document directly, or converts that template and group whole.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from mailmerge import bundle, compose, frames, messages, pdf, render, verify
from mailmerge.errors import MailmergeError, VerificationError
from mailmerge.fsutil import make_private_dir, sha256_bytes
from mailmerge.models import GROUPS, RECIPIENT_FIELDS, ManifestRow, Member, MemberDocument, member_context

# Members converted directly for the audit, drawn at random (seeded by the route's inputs), besides the longest
# value of each printed field.
AUDIT_RANDOM = 3


def template_obstacles(
    templates: Mapping[str, render.CompiledTemplate], member_fields: Sequence[str], constants: Mapping[str, Any],
) -> dict[str, str | None]:
    """Return, per template, why its pages cannot be shared (a sentence), or None when they can.

    First what the template's XML shows (frames.layering_obstacle: member fields outside one fixed
    frame); then what only rendering shows: the shared pages of two made-up members of each group,
    who differ in every field, must be the same (a field used in a footnote, in the document's
    properties, through {% set %} in the body, would otherwise print the first member's value on
    every member's letter).
    """
    obstacles: dict[str, str | None] = {}
    for name, template in templates.items():
        obstacles[name] = frames.layering_obstacle(bundle.docx_parts(template.path), member_fields) or _varying_part(
            template, name, member_fields, constants)
    return obstacles


# Two made-up members, different in every field (never printed: only their shared pages are compared).
_MADE_UP = ("甲", "乙")


def _varying_part(template: render.CompiledTemplate, document: str, member_fields: Sequence[str], constants: Mapping[str, Any]) -> str | None:
    """Return why the shared pages change with the member (a sentence naming the part), or None when they do not."""
    for group in GROUPS:
        shared = []
        for value in _MADE_UP:
            member = Member(row=0, member_id=value, group=group, fields={name: value for name in member_fields if name != "member_id"})
            try:
                package = template.render(member_context(member, document, constants), member.member_id).package
            except Exception:  # noqa: BLE001 - its own error is check's to report (made-up values can fail where real ones do not, e.g. |int then a division): unproven, it goes whole
                return messages.LAYER_UNPROVEN
            shared.append(frames.outside_frame(package))
        differing = sorted(name for name in shared[0].keys() | shared[1].keys() if shared[0].get(name) != shared[1].get(name))
        if differing:
            return messages.LAYER_PART_VARIES.format(part=messages.DOCX_PARTS.get(differing[0], differing[0]))
    return None


# A made-up member's every field, for the template's own text: one character no real name is made of.
_PLACEHOLDER = "〓"


def made_up_documents(
    templates: Mapping[str, render.CompiledTemplate], member_fields: Sequence[str], constants: Mapping[str, Any],
) -> dict[str, tuple[Mapping[str, bytes], ...]]:
    """Return, per template, its parts filled for made-up members (each group, fields blank and filled).

    What a template prints by itself (its wording, the insurer from [letter]) is no other member's
    name: the cross-member check discounts it (issue 25); and no tag may be left in it (issue 21).
    """
    made: dict[str, tuple[Mapping[str, bytes], ...]] = {}
    for document, template in templates.items():
        found = []
        for group in GROUPS:
            for value in ("", _PLACEHOLDER):
                fields = {name: value for name in member_fields if name != "member_id"}
                member = Member(row=0, member_id="0", group=group, fields=fields)
                try:
                    found.append(template.render(member_context(member, document, constants), member.member_id).package)
                except Exception:  # noqa: BLE001, S112 - a made-up value the template cannot take (|int): that variant only
                    continue
        made[document] = tuple(found)
    return made


def planned_paths(
    obstacles: Mapping[str, str | None], counts: Mapping[str, int], minimum: int,
) -> list[tuple[str, str, int, str | None]]:
    """Return, per template and group with members, (template, group, members, why it is converted whole or None).

    ``obstacles`` is template_obstacles' answer, ``counts`` the members per group, ``minimum``
    config.shared_pages_from: below it, preparing the shared pages and the audit costs more than
    the layers save (about 100 members a template and group, measured: see the README).
    """
    return [
        (document, group, count, whole_reason(obstacle, count, minimum))
        for document, obstacle in obstacles.items() for group, count in counts.items() if count
    ]


def whole_reason(obstacle: str | None, members: int, minimum: int) -> str | None:
    """Return why a template and group of ``members`` is converted whole (a sentence), or None: shared pages + layers."""
    return obstacle or (messages.LAYER_FEW_MEMBERS.format(minimum=minimum) if members < minimum else None)


def audit_sample(members: Sequence[MemberDocument], used: set[str], rng: random.Random) -> list[MemberDocument]:
    """Return the members to convert directly: the longest value of each printed field, then AUDIT_RANDOM at random.

    The longest values are where a frame's lines wrap and a layer could part from the shared
    pages; the random ones catch what no field's length predicts.
    """
    chosen: dict[str, MemberDocument] = {}
    for name in RECIPIENT_FIELDS:
        if name in used and members:
            longest = max(members, key=lambda d: len(d.member.fields.get(name) or ""))
            chosen.setdefault(longest.member.member_id, longest)
    rest = [d for d in members if d.member.member_id not in chosen]
    for document in rng.sample(rest, min(AUDIT_RANDOM, len(rest))):
        chosen[document.member.member_id] = document
    return list(chosen.values())


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
        self.shared: object | None = None  # compose.SharedPages, once converted
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


class ComposedPath:
    """The composed path's half of produce's _Production (which mixes it in): routes, shared pages, audit.

    Uses what _Production has: order, work, staging, names, progress, render(), _install(),
    _printed(), bundled(), and its lists retry, again and overflows.
    """

    def _plan_routes(self) -> dict[tuple[str, str], Route]:
        """Return the composed path's routes: each template without an obstacle, per group, with its audit sample."""
        routes: dict[tuple[str, str], list[MemberDocument]] = {}
        for staged in self.work:
            routes.setdefault((staged.document, staged.member.group), []).append(staged)
        planned = {}
        for (document, group), members in routes.items():
            # A template check did not look at (none in the order) is converted whole.
            obstacle = self.order.obstacles.get(document, messages.LAYER_FIELD_IN_TEXT)
            if whole_reason(obstacle, len(members), self.order.shared_pages_from):
                continue
            # Drawn from the route's inputs, not at random: the sampled members go first in the layer
            # bundles, and a bundle's members decide its fonts' subsets, so the same inputs must give
            # the same bundles and the same PDF bytes (issue 21: approvals are bound to those bytes).
            seed = hashlib.sha256("".join(self.order.digests[self.work[staged]] for staged in members).encode()).digest()
            sample = audit_sample(members, self.order.templates[document].variables, random.Random(seed))
            planned[(document, group)] = Route(document, group, members, sample)
        return planned

    def _route(self, staged: MemberDocument) -> Route | None:
        route = self.routes.get((staged.document, staged.member.group))
        return route if route is not None and not route.failed else None

    def prepare_layers(self) -> None:
        """Convert each route's shared pages and its audit sample directly, in one go; a route that fails goes whole."""
        if not self.routes:
            return
        conversions: dict[pdf.Conversion, tuple[Route, str]] = {}
        folder = self.staging / "shared"
        # Rendered here in the main thread (the bundles are rendered in the writer's): a Ctrl-C raised
        # inside zipfile's write left a ZIP half open and came out as a ValueError with a traceback.
        # Held, it lands once these few documents (~1 ms each) are written.
        with self.order.hold_signals():
            for route in self.routes.values():
                make_private_dir(folder)
                package = self.render(route.members[0])
                route.digest = shared_digest(package)
                route.box = frames.frame_box(package)
                shared = folder / f"{route.document}-{route.group}.docx"
                bundle.write_package(frames.shared_package(package), shared)
                conversions[pdf.Conversion(shared, shared.with_suffix(".pdf"), f"{route.document} {route.group}", 2)] = (route, "")
                for staged in route.members:
                    if staged.member.member_id in route.sample:
                        self.render(staged)
                        label = messages.MEMBER_DOCUMENT.format(member_id=staged.member.member_id, document=staged.document)
                        conversions[pdf.Conversion(staged.docx, direct_pdf(staged), label)] = (route, staged.member.member_id)
        failed: set[pdf.Conversion] = set()
        with pdf.Converter(list(conversions), workers=self.order.workers, timeout=self.order.timeout, temp_root=self.staging) as converter:
            failed.update(outcome.conversion for outcome in converter if isinstance(outcome, pdf.ConversionFailure))
        for conversion, (route, member_id) in conversions.items():
            if conversion in failed and not route.failed:
                detail = messages.LAYER_SAMPLE_FAILED if member_id else messages.LAYER_SHARED_FAILED
                self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=detail, **route.label))
        for conversion, (route, member_id) in conversions.items():
            if member_id and conversion not in failed and not route.failed:
                try:
                    route.pictures[member_id] = compose.draw_pages(conversion.pdf)
                except MailmergeError:
                    self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=messages.LAYER_SAMPLE_FAILED, **route.label))
            if member_id:
                conversion.pdf.unlink(missing_ok=True)
        for route in self.routes.values():
            if not route.failed:
                shared = folder / f"{route.document}-{route.group}.pdf"
                try:
                    verify.verify_shared_pdf(shared, self.names.for_document(route.document))
                    route.shared = compose.SharedPages(shared)
                except MailmergeError as exc:
                    self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=exc, **route.label))
                    continue
                route.pages = route.shared.pages

    def composed(self, conversion: pdf.Conversion, chunk: Sequence[MemberDocument], route: Route) -> Iterator[ManifestRow]:
        """Compose each member of a converted layer bundle over the route's shared pages; place them once audited.

        The layer bundle is read as a whole bundle is (verify.read_bundle: marks, the member's own
        name and printed fields, nobody else's, every page drawn; every stream decoded), and each
        member's pages go straight from it into the composed PDF.
        """
        members = {}
        for staged in chunk:
            if staged in self.varying:  # its document differs outside the frame: the shared pages are not its
                self.progress.info(messages.LAYER_MEMBER_VARIES.format(member_id=staged.member.member_id, document=staged.document))
                self._alone(staged, route, told=True)
            else:
                members[staged.member.member_id] = staged
        printed = {member_id: self._printed(staged) for member_id, staged in members.items()}
        layers = None
        try:
            names = self.names.for_document(route.document)
            reading = verify.read_bundle(conversion.pdf, members, names, cycle=self.order.cycle, printed=printed)
            firsts = {member_id: indices[0] for member_id, indices in reading.members.items()}
            # Before anything else, also on a route gone whole: there a frame clips what does not fit.
            overflows = compose.frame_overflows(conversion.pdf, firsts, route.box, {m: dict(printed[m]) for m in firsts}) if route.box else {}
            layers = verify.open_bundle(conversion.pdf, reading.pages)
        except VerificationError as exc:  # the layer bundle cannot be trusted as a whole
            reading, overflows = verify.BundleReading(failed=dict.fromkeys(members, str(exc))), {}
        try:
            for member_id, staged in members.items():
                if member_id in reading.members:
                    yield from self._compose(staged, route, layers, reading.members[member_id], overflows.get(member_id))
                else:
                    self._alone(staged, route)
        finally:
            if layers is not None:
                layers.close()

    def _compose(
        self, staged: MemberDocument, route: Route, layers: Any, indices: list[int], overflow: list[str] | None,
    ) -> Iterator[ManifestRow]:
        """Lay a member's layer over the shared pages; place it once its route's audit has passed."""
        member_id = staged.member.member_id
        if overflow:
            self.overflows.append(messages.LAYER_OVERFLOW.format(member_id=member_id, document=staged.document, field="、".join(overflow)))
            route.left.discard(member_id)
            return
        if route.failed:
            self.again.append(staged)
            return
        try:
            problem = route.shared.compose(layers, indices, staged.pdf)
        except MailmergeError as exc:
            problem = str(exc)
        if problem:
            self._alone(staged, route)
            return
        pages = len(indices)
        if route.passed:
            yield from self._install(staged, pages)
            return
        route.held.append((staged, pages))
        if member_id in route.left:
            route.left.discard(member_id)
            mismatches = compose.compare_pictures(route.pictures.pop(member_id), staged.pdf)
            if mismatches:
                first = mismatches[0]
                self._fail(route, messages.LAYER_AUDIT_MISMATCH.format(member_id=member_id, page=first.page, pixels=first.pixels, **route.label))
                return
        if not route.left:
            yield from self._settle(route)

    def _alone(self, staged: MemberDocument, route: Route, told: bool = False) -> None:
        """Convert a member whose layer failed whole, on its own, as a member whose bundle failed.

        A sampled member so cannot be compared: the audit cannot pass, and the route goes whole at
        once (its members are not composed and held to no purpose).
        """
        if not told:
            self.progress.info(messages.MEMBER_RETRIED_ALONE.format(member_id=staged.member.member_id, document=staged.document))
        self.retry.append(staged)
        if staged.member.member_id in route.left and not route.failed:
            route.left.discard(staged.member.member_id)
            self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=messages.LAYER_SAMPLE_NOT_COMPOSED, **route.label))

    def _compared(self, route: Route) -> set[str]:
        return {staged.member.member_id for staged, _pages in route.held}

    def _settle(self, route: Route) -> Iterator[ManifestRow]:
        """Every sampled member is done: the audit passed if each was composed and compared; place the held."""
        compared = self._compared(route)
        if not route.sample <= compared:  # a sampled member overflowed or went to a retry: not proven
            self._fail(route, messages.LAYER_AUDIT_INCOMPLETE.format(detail=messages.LAYER_SAMPLE_NOT_COMPOSED, **route.label))
            return
        route.passed = True
        # The sampled member IDs (no personal data): which members a passed audit rests on, to look at again.
        members = "、".join(sorted(route.sample))
        self.progress.info(messages.LAYER_AUDIT_PASSED.format(count=len(route.sample), members=members, **route.label))
        held, route.held = route.held, []
        for staged, pages in held:
            yield from self._install(staged, pages)

    def _fail(self, route: Route, message: str) -> None:
        self.progress.info(message)
        self.again.extend(route.fail())

    def whole_again(self) -> Iterator[ManifestRow]:
        """Convert whole, in bundles, the members of every route whose audit failed or could not finish."""
        for route in self.routes.values():
            if route.passed is None and route.members:
                yield from self._settle(route)
        yield from self.bundled(self.again)

    def close(self) -> None:
        for route in self.routes.values():
            if route.shared is not None:
                route.shared.close()


def shared_digest(package: Mapping[str, bytes]) -> str:
    """Return the SHA-256 of a rendered document outside its frame (frames.outside_frame): one per route's members."""
    parts = frames.outside_frame(package)
    return sha256_bytes(b"".join(name.encode() + b"\0" + sha256_bytes(parts[name]).encode() for name in sorted(parts)))


def direct_pdf(staged: MemberDocument) -> Path:
    return staged.pdf.with_name(f"{staged.pdf.stem}.direct.pdf")
