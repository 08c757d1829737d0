"""After a run: what the output folder holds, the decisions on it, and what may be printed and sealed.

The review app, `approve`, `print` and `archive` all start from open_run(): the manifest (what was
made and verified), the current roster (to know whether a document is still what the roster says),
and the review decisions (whether a person approved these very files).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mailmerge import inputs, mailreview, manifest, messages, review, roster, state
from mailmerge.config import Config
from mailmerge.dates import now_jst, utc_stamp
from mailmerge.errors import MailmergeError, NoRun
from mailmerge.models import APPROVED, HOLD, Decision, DocumentHashes, ManifestRow, Member
from mailmerge.store import REVIEW_DB_NAME, DecisionStore, PrintLog


@dataclass(frozen=True)
class RunView:
    """One output folder as the reviewers see it: every member's documents, flags and decision."""

    out_dir: Path
    cycle: str
    summary: Mapping[str, Any]
    rows: tuple[ManifestRow, ...]
    members: Mapping[str, Member]
    reviews: tuple[review.MemberReview, ...]
    locked: bool
    roster_unreadable: str = ""  # why the roster file could not be read at all ('' when it was read)
    roster_path: Path | None = None  # the roster file the run was made from (sealed with its letters)

    def review(self, member_id: str) -> review.MemberReview | None:
        """Return one member's review (the ID as typed: normalised like the roster's)."""
        key = roster.normalise_key(member_id)
        return next((r for r in self.reviews if r.member_id == key), None)


def decision_store(out_dir: Path) -> DecisionStore:
    """Return the review decisions of an output folder (DIR/review.db)."""
    return DecisionStore(out_dir / REVIEW_DB_NAME)


def standing_decisions(out_dir: Path) -> dict[str, Decision]:
    """Return the decisions that hold on the files the manifest in ``out_dir`` lists (none without a readable one).

    Read before a run, to say afterwards which of them the run voided (voided_decisions).
    """
    path = out_dir / manifest.MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        hashes = review.current_hashes(tuple(manifest.read_manifest(path)))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return {}  # the run makes everything again, as it reads no reusable row either
    decisions = decision_store(out_dir).latest()
    return {m: d for m, d in decisions.items() if m in hashes and not review.is_stale(d, hashes[m])}


def voided_decisions(before: Mapping[str, Decision], rows: Sequence[ManifestRow]) -> dict[str, Decision]:
    """Return those of ``before`` (standing_decisions) made on other files than ``rows`` list now, by member ID.

    A member no longer in ``rows`` (set aside by the run) is not counted: its documents are gone, not changed.
    """
    hashes = review.current_hashes(rows)
    return {m: d for m, d in before.items() if m in hashes and review.is_stale(d, hashes[m])}


def print_log(out_dir: Path) -> PrintLog:
    """Return the record of the prints made in an output folder (in DIR/review.db)."""
    return PrintLog(out_dir / REVIEW_DB_NAME)


def open_run(config: Config, out_dir: Path | None = None, current: inputs.CurrentInputs | None = None) -> RunView:
    """Return the run in ``out_dir`` (default: the config's) with every member's review.

    ``current``: the roster and templates as just read (the workspace's `check`), used when its roster
    is the one the run was made from. Raise NoRun when the folder holds no finished run (no manifest.csv),
    MailmergeError when its manifest.csv cannot be read.
    """
    return with_files_checked(with_decisions(open_undecided(config, out_dir, current)))


def open_undecided(
    config: Config,
    out_dir: Path | None = None,
    current: inputs.CurrentInputs | None = None,
    rows: tuple[ManifestRow, ...] | None = None,
) -> RunView:
    """Return the run as open_run does, before the decisions are read and the files checked.

    The review app reads those two itself whenever they change (ReviewState.run_view), not a first time here.
    ``rows``: the manifest's rows as read before, while manifest.csv is unchanged (a roster saved again).
    """
    out_dir = (out_dir or config.output).resolve()
    path = out_dir / manifest.MANIFEST_NAME
    if not path.is_file():
        raise NoRun(messages.NO_MANIFEST.format(out_dir=out_dir))
    if rows is None:
        try:
            rows = tuple(manifest.read_manifest(path))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, OSError) as exc:
            raise MailmergeError(messages.BAD_MANIFEST.format(path=path, detail=type(exc).__name__)) from None
    summary_path = out_dir / inputs.SUMMARY_NAME
    summary = _read_summary(summary_path)

    # The roster and templates only: opening a run for review looks for no LibreOffice and makes nothing.
    # The roster the run was made from (`run --roster 名簿.csv` included), not only the config's.
    made_from = inputs.run_roster(summary)
    if current is None or Path(current.roster.source).resolve() != Path(made_from or config.roster).resolve():
        current = inputs.read_current(config, made_from)
    members = {m.member_id: m for m in current.roster.members}
    # Only warnings about the postal code raise 郵便番号の注意 (not, say, an ID stored as a number).
    postal_headers = {f.header for f in config.fields if f.check == "postal_code"}
    postal_rows = {
        p.row for p in current.roster.problems if not p.is_error and p.row is not None and p.column in postal_headers
    }
    by_member: dict[str, list[ManifestRow]] = {}
    for row in rows:
        by_member.setdefault(row.member_id, []).append(row)
    order = list(members) + [m for m in by_member if m not in members]
    documents = list(config.documents)
    template = mailreview.email_template(config)
    reviews = []
    for member_id in order:
        member = members.get(member_id)
        member_rows = sorted(
            by_member.get(member_id, []),
            key=lambda r: documents.index(r.document) if r.document in documents else len(documents),
        )
        if member is None:
            # In the manifest but no longer in the roster: nothing of it may be printed.
            changed = True
        else:
            changed = any(
                row.input_sha256 != current.digest(member, row.document) or row.group != member.group
                for row in member_rows
            )
        fields = member.fields if member is not None else {}
        email = mailreview.mail_facts(config, template, out_dir, member, member_rows)
        facts = review.Facts(
            made={row.document: row for row in member_rows},
            documents=documents,
            fields=fields,
            postal_warning=member is not None and member.row in postal_rows,
            roster_changed=changed,
            stale=False,
            message_sha256=email.message_sha256,
            address_sha256=email.address_sha256,
            mail_problem=email.problem,
            by_post=email.by_post,
        )
        name = member.display_name if member is not None else (member_rows[0].name if member_rows else "")
        group = member.group if member is not None else member_rows[0].group
        reviews.append(review.MemberReview(member_id, name, group, tuple(member_rows), facts, None))
    unreadable = next((str(p) for p in current.roster.problems if p.is_error and p.row is None), "")
    return RunView(
        out_dir,
        config.cycle,
        summary,
        rows,
        members,
        tuple(reviews),
        state.is_locked(out_dir),
        unreadable,
        current.roster.source,
    )


def _read_summary(path: Path) -> dict[str, Any]:
    """Return the run's summary.json, or {} when it is missing or not JSON (edited by hand, cut short).

    It holds the run's control totals and the roster a --roster run was made from, never what is
    approved or printed: the review goes on without them, and `archive`, which needs the totals,
    refuses the run with ARCHIVE_TOTALS.
    """
    try:
        summary = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (ValueError, UnicodeDecodeError):
        return {}
    return summary if isinstance(summary, dict) else {}


# What on_disk finds: the documents not as the manifest lists them (per member ID), and the lock.
OnDisk = tuple[Mapping[str, tuple[str, ...]], bool]


def with_files_checked(view: RunView, disk: OnDisk | None = None) -> RunView:
    """Return the view with each member's files checked against the manifest as they are on disk now.

    Every file served, approved, printed or sealed must be the one the run made and verified: a file
    swapped or edited since (two members' letter.pdf exchanged) raises FILES_CHANGED and closes the
    gates. Each file is hashed once while its size, times and inode stay the same. ``disk``: what
    ``on_disk`` found just before (its lock too), instead of looking again.
    """
    changed, locked = disk if disk is not None else (manifest.changed_documents(view.out_dir, view.rows), view.locked)
    reviews = tuple(
        review.with_files_changed(member, changed.get(member.member_id, ()))
        if member.facts.files_changed != changed.get(member.member_id, ())
        else member
        for member in view.reviews
    )
    return dataclasses.replace(view, reviews=reviews, locked=locked)


def on_disk(view: RunView) -> OnDisk:
    """Return the documents whose files are not the manifest's (per member ID) and whether a run holds the folder."""
    return manifest.changed_documents(view.out_dir, view.rows), state.is_locked(view.out_dir)


def decisions_version(out_dir: Path) -> tuple[int, ...]:
    """Return what changes whenever a decision is recorded or withdrawn in ``out_dir`` (() before the first)."""
    return decision_store(out_dir).version()


def with_decisions(view: RunView) -> RunView:
    """Return the view with the decisions in review.db now (the files not checked again)."""
    decisions = decision_store(view.out_dir).latest()
    return dataclasses.replace(
        view, reviews=tuple(review.with_decision(member, decisions.get(member.member_id)) for member in view.reviews)
    )


def refresh(view: RunView) -> RunView:
    """Return the view with the decisions in review.db now, the files checked and the lock as it is now.

    Cheap (no roster, no templates): the review app opens the run once per change of its inputs and
    refreshes it for requests, so two reviewers see each other's decisions at once.
    """
    return with_files_checked(with_decisions(view), on_disk(view))


def record_decisions(
    config: Config,
    out_dir: Path | None,
    member_ids: Sequence[str] | None,
    decision: str,
    note: str,
    reviewer: str,
    *,
    now: datetime | None = None,
    sealed: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[Decision, ...]:
    """Record one decision for each member named (None: every member that can take it); return them.

    IDs are compared as the roster compares them (NFKC, trimmed). Nothing is recorded when an ID is
    unknown, when a named member cannot be approved (documents missing or made from an older roster),
    or while a run holds the folder. With ``member_ids`` None, members that cannot be approved are
    passed over (see left_out).
    """
    if not reviewer.strip():
        raise MailmergeError(messages.NO_REVIEWER)
    view = open_run(config, out_dir)
    return decide(view, member_ids, decision, note, reviewer, now=now, sealed=sealed)


def decide(
    view: RunView,
    member_ids: Sequence[str] | None,
    decision: str,
    note: str,
    reviewer: str,
    *,
    now: datetime | None = None,
    shown: Mapping[str, Mapping[str, DocumentHashes]] | None = None,
    sealed: Mapping[str, Mapping[str, str]] | None = None,
    shown_messages: Mapping[str, str] | None = None,
    in_browser: bool = False,
) -> tuple[Decision, ...]:
    """Record decisions on an opened run (the review app keeps one open); see record_decisions.

    ``shown``: for each member named, the hashes of the documents the reviewer was shown (the review
    app's page); a member whose current documents are other ones is refused (REVIEW_REMADE).
    ``shown_messages``: likewise the hash of each member's e-mail as shown ('' for none; REVIEW_MAIL_REMADE).
    ``sealed``: each sealed member's PDFs as sealed; a member whose current documents were sealed
    (sent) cannot be put on hold (named; passed over with ``member_ids`` None). ``in_browser``: a
    refusal is worded for a page (作成, not a command).
    """
    if not reviewer.strip():
        raise MailmergeError(messages.NO_REVIEWER)
    if unfit := unfit_text(reviewer, note):
        raise MailmergeError(unfit)
    if view.locked or state.is_locked(view.out_dir):
        raise MailmergeError(messages.RUN_IN_PROGRESS.format(out_dir=view.out_dir))
    if member_ids is None and view.roster_unreadable:
        # Without the roster every member looks changed: "--all" would record nobody and seem to succeed.
        raise MailmergeError(messages.APPROVE_ALL_NO_ROSTER.format(problem=view.roster_unreadable))
    # A decision binds the manifest's hashes: the files are checked against them now, just before.
    view = with_files_checked(view)

    sent = sealed or {}
    if member_ids is None:
        # Everyone means everyone undecided or decided alike: a colleague's hold is lifted only by naming the member.
        chosen = [
            r
            for r in view.reviews
            if not r.decision_blocker(decision)
            and not (decision == HOLD and r.hold_blocker(sent))
            and not (decision == APPROVED and r.held)
        ]
    else:
        if not member_ids:
            raise MailmergeError(messages.NO_MEMBERS_GIVEN)
        chosen = []
        for typed in member_ids:
            found = view.review(typed)
            if found is None or not found.rows:
                raise MailmergeError(messages.UNKNOWN_MEMBER.format(member_id=roster.normalise_key(typed)))
            if blocker := found.decision_blocker(decision, in_browser):
                raise MailmergeError(blocker)
            if decision == HOLD and (cannot_hold := found.hold_blocker(sent)):
                raise MailmergeError(cannot_hold)
            if shown is not None and not shown_is_current(found, shown.get(found.member_id, {})):
                raise MailmergeError(messages.REVIEW_REMADE)
            if shown_messages is not None and shown_messages.get(found.member_id, "") != found.facts.message_sha256:
                raise MailmergeError(messages.REVIEW_MAIL_REMADE)
            chosen.append(found)
    unique = {r.member_id: r for r in chosen}.values()
    made = tuple(
        review.make_decision(
            r.member_id, decision, note, reviewer, review.current_hashes(r.rows).get(r.member_id, {}), now, r.facts
        )
        for r in unique
    )
    decision_store(view.out_dir).record(made)
    return made


def withdraw(view: RunView, member_id: str, reviewer: str, *, now: datetime | None = None) -> Decision:
    """Take back a member's decision (back to undecided), recorded with who and when; return the decision taken back."""
    if not reviewer.strip():
        raise MailmergeError(messages.NO_REVIEWER)
    if unfit := unfit_text(reviewer, ""):
        raise MailmergeError(unfit)
    if view.locked or state.is_locked(view.out_dir):
        raise MailmergeError(messages.RUN_IN_PROGRESS.format(out_dir=view.out_dir))
    found = view.review(member_id)
    if found is None or not found.rows:
        raise MailmergeError(messages.UNKNOWN_MEMBER.format(member_id=roster.normalise_key(member_id)))
    taken = decision_store(view.out_dir).withdraw(found.member_id, reviewer.strip(), utc_stamp(now or now_jst()))
    if taken is None:
        raise MailmergeError(messages.NOTHING_TO_WITHDRAW.format(member_id=found.member_id))
    return taken


def unfit_text(reviewer: str, note: str) -> str:
    """Return why a reviewer's name or a note cannot be recorded ('' when both can)."""
    for field, text, name in ((messages.REVIEWER_FIELD, reviewer, True), (messages.NOTE_FIELD, note, False)):
        found = review.unsafe_character(text, name=name)
        if found is not None:
            return messages.review_bad_character(field, *found)
    return ""


def shown_is_current(member: review.MemberReview, shown: Mapping[str, DocumentHashes]) -> bool:
    """Return True when the documents a reviewer was shown are the member's current ones (every one of them)."""
    return dict(shown) == review.current_hashes(member.rows).get(member.member_id, {})


def approved_members(view: RunView) -> tuple[review.MemberReview, ...]:
    """Return the members whose current documents a person approved: what may be printed and sealed."""
    return tuple(r for r in view.reviews if r.approved)


def left_out(view: RunView) -> tuple[review.MemberReview, ...]:
    """Return the members that may not be printed or sealed (not approved, held, stale, changed)."""
    return tuple(r for r in view.reviews if not r.approved)


def changed_paths(view: RunView, members: Sequence[review.MemberReview]) -> list[Path]:
    """Return the files of these members that are not on disk as the manifest lists them."""
    return [
        view.out_dir / relative
        for member in members
        for row in member.rows
        if row.document in member.facts.files_changed
        for relative, sha256 in ((row.pdf, row.pdf_sha256), (row.docx, row.docx_sha256))
        if not manifest.is_manifests_file(view.out_dir, relative, sha256)
    ]


def describe_passed_over(view: RunView, decision: str) -> list[str]:
    """Return lines naming the members a decision for everyone (`approve --all`) passed over, by ID under why."""
    by_reason: dict[str, list[str]] = {}
    for member in view.reviews:
        if member.decision_blocker(decision):
            reason = (
                "・".join(review.FLAG_LABELS[f] for f in member.blocking_flags) or messages.STATUS_LABELS[member.status]
            )
            by_reason.setdefault(reason, []).append(member.member_id)
        elif decision == APPROVED and member.held:
            by_reason.setdefault(messages.APPROVE_ALL_SKIPS_HOLD, []).append(member.member_id)
    count = sum(len(ids) for ids in by_reason.values())
    lines = [messages.APPROVE_PASSED_OVER_HEADER.format(count=count)] if count else []
    for reason, ids in by_reason.items():
        lines.append(messages.APPROVE_PASSED_OVER_LINE.format(reason=reason, count=len(ids), member_ids=", ".join(ids)))
    return lines
