"""The review list's body and /api/members' answer: what every reviewer's list shows, made once per state of the run.

Twenty reviewers opening the list of 1,000 members at once would each lay out the same megabyte; it is
made once for each state of the run (reviewstate.ReviewState.shown: the same view object, the same
sealed members) and handed to every request until a decision, a file, the lock or a seal changes it.
What differs per reviewer (the name, the CSRF token) is outside it, in the page around it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import render_template
from markupsafe import Markup

from mailmerge import listfilter, mailing, messages
from mailmerge import review as review_rules
from mailmerge.dates import in_jst
from mailmerge.models import GROUPS, HOLD, ManifestRow

Sealed = Mapping[str, tuple[str, str]]  # member_id -> (sent_on, sealed_at) of the members sealed as sent
SealedDocuments = Mapping[str, Mapping[str, str]]  # member_id -> document -> PDF hash, as last sealed


def local_time(stamp: str) -> str:
    """Return a stored time (a decision's, a seal's) as the secretariat reads it: Japan time, to the minute."""
    moment = in_jst(stamp)
    return stamp if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def list_body(view: mailing.RunView, sealed: Sealed, documents: SealedDocuments) -> Markup:
    """Return the list page's body (totals, filters, the members' table) as HTML."""
    return Markup(
        render_template(
            "_list_body.html",
            view=view,
            counts=_counts(view),
            flags=review_rules.FLAGS,
            ids_filter_words=(messages.REVIEW_IDS_FILTER, messages.REVIEW_IDS_CLEAR),
            members=[_list_row(m, _fields(view, m.member_id), sent_words(m, sealed, documents)) for m in view.reviews],
        )
    )


def members_json(view: mailing.RunView, sealed: Sealed) -> bytes:
    """Return /api/members' answer: every member's review, the lock and the run's summary, as JSON."""
    body = {
        "locked": view.locked,
        "members": [member_json(m, sealed) for m in view.reviews],
        "summary": dict(view.summary),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def member_json(member: Any, sealed: Sealed) -> dict[str, Any]:
    decision = member.decision
    sent = sealed.get(member.member_id)
    return {
        "member_id": member.member_id,
        "name": member.name,
        "group": member.group,
        "pages": member.pages,
        "flags": list(member.flags),
        "decision": decision.decision if decision else None,
        "stale": member.stale,
        "status": member.status,
        "note": decision.note if decision else "",
        "reviewer": decision.reviewer if decision else "",
        "decided_at": decision.decided_at if decision else "",
        "decided_at_local": local_time(decision.decided_at) if decision else "",
        "sealed_sent_on": sent[0] if sent else None,
        # What a decision must carry back: the files it was made on.
        "documents": {r.document: {"pdf_sha256": r.pdf_sha256, "docx_sha256": r.docx_sha256} for r in member.rows},
        "message_sha256": member.facts.message_sha256,  # and the e-mail ('' for a member sent by post only)
    }


def sent_words(member: Any, sealed: Sealed, documents: SealedDocuments) -> str:
    """Return whether a sealed member's current documents are the ones sent, in words ('' when never sealed)."""
    sent = sealed.get(member.member_id)
    return messages.review_sent(sent[0], member.sent_as_is(documents)) if sent else ""


def _list_row(member: Any, fields: Mapping[str, str] | None, sent: str) -> dict[str, Any]:
    """Return what the list shows of a member, addresses built here: url_for 4,000 times is half a second."""
    href = f"/members/{quote(member.member_id, safe='')}"
    by_document = {row.document: row for row in member.rows}
    decision = member.decision
    return {
        "id": member.member_id,
        "name": member.name,
        "group": member.group,
        "pages": member.pages,
        "flags": member.flags,
        "status": member.status,
        "href": href,
        "thumbs": [
            _thumb(href, document, by_document.get(document), document in member.facts.files_changed)
            for document in messages.REVIEW_DOCUMENT_LABELS
        ],
        "reviewer": decision.reviewer if decision else "",
        "note": decision.note if decision and decision.decision == HOLD else "",
        "sealed": sent,
        "search": listfilter.search_text(member, fields),
    }


def _fields(view: mailing.RunView, member_id: str) -> Mapping[str, str] | None:
    member = view.members.get(member_id)
    return member.fields if member is not None else None


def _thumb(href: str, document: str, row: ManifestRow | None, changed: bool) -> tuple[str, str | None, str]:
    """Return (document, thumbnail address or None, what the list says instead of a picture)."""
    if row is None:
        return document, None, messages.REVIEW_THUMB_MISSING
    if changed:  # not the manifest's file: nothing of it is shown (the flag says why)
        return document, None, messages.REVIEW_THUMB_FILE_CHANGED
    return document, f"{href}/{document}/thumb-1.png?v={row.pdf_sha256[:16]}", ""


def _counts(view: mailing.RunView) -> dict[str, Any]:
    per_group = {g_: {"members": 0, "pages": 0, **{s: 0 for s in messages.STATUS_LABELS}} for g_ in GROUPS}
    for member in view.reviews:
        counts = per_group.setdefault(member.group, {"members": 0, "pages": 0})
        counts["members"] += 1
        counts["pages"] += member.pages
        counts[member.status] = counts.get(member.status, 0) + 1
    total = {
        key: sum(c.get(key, 0) for c in per_group.values()) for key in ("members", "pages", *messages.STATUS_LABELS)
    }
    return {"groups": per_group, "total": total}
