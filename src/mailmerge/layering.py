"""Which templates share their pages between a group's members (issue 14), the audit sample, each route's audit.

Part of produce (only produce and pipeline's check import it). A template whose member fields all
sit in one fixed frame (and the page mark in the footer) is converted per group as shared pages
once, plus a light layer per member laid over them; every run proves on a sample that this looks
exactly like converting the member's document directly, or converts that template and group whole.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from mailmerge import bundle, messages
from mailmerge.models import RECIPIENT_FIELDS, MemberDocument

# Members converted directly for the audit at random, besides the longest value of each printed field.
AUDIT_RANDOM = 3


def template_obstacles(templates: Mapping[str, Path], member_fields: Sequence[str]) -> dict[str, str | None]:
    """Return, per template, why its pages cannot be shared (a sentence), or None when they can."""
    return {name: bundle.layering_obstacle(bundle.docx_parts(path), member_fields) for name, path in templates.items()}


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
        held, self.held = [staged for staged, _pages in self.held], []
        return held
