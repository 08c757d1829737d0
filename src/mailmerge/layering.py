"""Which templates share their pages between a group's members (issue 14), and each route's audit sample.

A template whose member fields all sit in one fixed frame (and the page mark in the footer) is
converted per group as shared pages once, plus a light layer per member laid over them; every run
proves on a sample that this looks exactly like converting the member's document directly, or
converts that template and group whole (composed_path.py makes it; pipeline's check plans it).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from mailmerge import bundle, frames, messages, render
from mailmerge.fsutil import sha256_bytes
from mailmerge.models import GROUPS, Member, MemberDocument, member_context

# Members converted directly for the audit, drawn at random (seeded by the route's inputs), besides the longest
# value of each printed field.
AUDIT_RANDOM = 3


def template_obstacles(
    templates: Mapping[str, render.CompiledTemplate],
    member_fields: Sequence[str],
    constants: Mapping[str, Any],
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
            template, name, member_fields, constants
        )
    return obstacles


# Two made-up members, different in every field (never printed: only their shared pages are compared).
_MADE_UP = ("甲", "乙")


def _varying_part(
    template: render.CompiledTemplate,
    document: str,
    member_fields: Sequence[str],
    constants: Mapping[str, Any],
) -> str | None:
    """Return why the shared pages change with the member (a sentence naming the part), or None when they do not."""
    for group in GROUPS:
        shared = []
        for value in _MADE_UP:
            fields = {name: value for name in member_fields if name != "member_id"}
            member = Member(row=0, member_id=value, group=group, fields=fields)
            try:
                package = template.render(member_context(member, document, constants), member.member_id).package
            except Exception:  # noqa: BLE001 - its own error is check's to report (made-up values can fail where real ones do not, e.g. |int then a division): unproven, it goes whole
                return messages.LAYER_UNPROVEN
            shared.append(frames.outside_frame(package))
        parts = shared[0].keys() | shared[1].keys()
        differing = sorted(name for name in parts if shared[0].get(name) != shared[1].get(name))
        if differing:
            return messages.LAYER_PART_VARIES.format(part=messages.DOCX_PARTS.get(differing[0], differing[0]))
    return None


# A made-up member's every field, for the template's own text: one character no real name is made of.
_PLACEHOLDER = "〓"


def made_up_documents(
    templates: Mapping[str, render.CompiledTemplate],
    member_fields: Sequence[str],
    constants: Mapping[str, Any],
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
    obstacles: Mapping[str, str | None],
    counts: Mapping[str, int],
    minimum: int,
) -> list[tuple[str, str, int, str | None]]:
    """Return, per template and group with members, (template, group, members, why it is converted whole or None).

    ``obstacles`` is template_obstacles' answer, ``counts`` the members per group, ``minimum``
    config.shared_pages_from: below it, preparing the shared pages and the audit costs more than
    the layers save (about 100 members a template and group, measured: docs/performance.md).
    """
    return [
        (document, group, count, whole_reason(obstacle, count, minimum))
        for document, obstacle in obstacles.items()
        for group, count in counts.items()
        if count
    ]


def whole_reason(obstacle: str | None, members: int, minimum: int) -> str | None:
    """Return why a template and group of ``members`` is converted whole (a sentence), or None: shared pages."""
    return obstacle or (messages.LAYER_FEW_MEMBERS.format(minimum=minimum) if members < minimum else None)


def audit_sample(members: Sequence[MemberDocument], used: set[str], rng: random.Random) -> list[MemberDocument]:
    """Return the members to convert directly: the longest value of each printed field, then AUDIT_RANDOM at random.

    The longest values are where a frame's lines wrap and a layer could part from the shared
    pages; the random ones catch what no field's length predicts.
    """
    chosen: dict[str, MemberDocument] = {}
    for name in members[0].member.recipient_fields if members else ():
        if name in used:
            longest = max(members, key=lambda d: len(d.member.fields.get(name) or ""))
            chosen.setdefault(longest.member.member_id, longest)
    rest = [d for d in members if d.member.member_id not in chosen]
    for document in rng.sample(rest, min(AUDIT_RANDOM, len(rest))):
        chosen[document.member.member_id] = document
    return list(chosen.values())


def shared_digest(package: Mapping[str, bytes]) -> str:
    """Return the SHA-256 of a rendered document outside its frame (frames.outside_frame): one per route's members."""
    parts = frames.outside_frame(package)
    return sha256_bytes(b"".join(name.encode() + b"\0" + sha256_bytes(parts[name]).encode() for name in sorted(parts)))
