"""After a run: what the output folder holds, the decisions on it, and what may be printed and sealed.

The review app, `approve`, `print` and `archive` all start from open_run(): the manifest (what was
made and verified), the current roster (to know whether a document is still what the roster says),
and the review decisions (whether a person approved these very files).
"""

from __future__ import annotations

import dataclasses
import getpass
import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mailmerge import (
    inputs,
    manifest,
    messages,
    printing,
    review,
    roster,
    sheets,
    state,
)
from mailmerge.config import Config, member_channel, wants_post
from mailmerge.dates import now_jst, today_jst, utc_stamp
from mailmerge.errors import MailmergeError, PrintError, PrintOutdated
from mailmerge.models import (
    APPROVED,
    GROUPS,
    Decision,
    DocumentHashes,
    ManifestRow,
    Member,
    OutputLayout,
)
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


def open_run(config: Config, out_dir: Path | None = None) -> RunView:
    """Return the run in ``out_dir`` (default: the config's) with every member's review.

    Raise MailmergeError when the folder holds no finished run (no manifest.csv).
    """
    out_dir = (out_dir or config.output).resolve()
    path = out_dir / manifest.MANIFEST_NAME
    if not path.is_file():
        raise MailmergeError(messages.NO_MANIFEST.format(out_dir=out_dir))
    try:
        rows = tuple(manifest.read_manifest(path))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise MailmergeError(messages.BAD_MANIFEST.format(path=path, detail=type(exc).__name__)) from None
    summary_path = out_dir / inputs.SUMMARY_NAME
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}

    # The roster and templates only: opening a run for review looks for no LibreOffice and makes nothing.
    current = inputs.read_current(config)
    members = {m.member_id: m for m in current.roster.members}
    # Only warnings about the postal code raise 郵便番号の注意 (not, say, an ID stored as a number).
    postal_headers = {f.header for f in config.fields if f.check == "postal_code"}
    postal_rows = {p.row for p in current.roster.problems
                   if not p.is_error and p.row is not None and p.column in postal_headers}
    decisions = decision_store(out_dir).latest()

    by_member: dict[str, list[ManifestRow]] = {}
    for row in rows:
        by_member.setdefault(row.member_id, []).append(row)
    order = list(members) + [m for m in by_member if m not in members]
    documents = list(config.documents)
    reviews = []
    for member_id in order:
        member = members.get(member_id)
        member_rows = sorted(by_member.get(member_id, []), key=lambda r: documents.index(r.document) if r.document in documents else len(documents))
        if member is None:
            # In the manifest but no longer in the roster: nothing of it may be printed.
            changed = True
        else:
            changed = any(
                row.input_sha256 != current.digest(member, row.document)
                or row.group != member.group
                for row in member_rows
            )
        fields = member.fields if member is not None else {}
        facts = review.Facts(
            made={row.document: row for row in member_rows},
            documents=documents,
            fields=fields,
            postal_warning=member is not None and member.row in postal_rows,
            roster_changed=changed,
            stale=False,
        )
        name = member.display_name if member is not None else (member_rows[0].name if member_rows else "")
        group = member.group if member is not None else member_rows[0].group
        undecided = review.MemberReview(member_id, name, group, tuple(member_rows), facts, None)
        reviews.append(review.with_decision(undecided, decisions.get(member_id)))
    unreadable = next((str(p) for p in current.roster.problems if p.is_error and p.row is None), "")
    view = RunView(out_dir, config.cycle, summary, rows, members, tuple(reviews), state.is_locked(out_dir), unreadable)
    return with_files_checked(view)


def with_files_checked(view: RunView) -> RunView:
    """Return the view with each member's files checked against the manifest as they are on disk now.

    Every file served, approved, printed or sealed must be the one the run made and verified: a file
    swapped or edited since (two members' letter.pdf exchanged) raises FILES_CHANGED and closes the
    gates. Each file is hashed once while its size, times and inode stay the same.
    """
    changed = manifest.changed_documents(view.out_dir, view.rows)
    reviews = tuple(
        review.with_files_changed(member, changed.get(member.member_id, ()))
        if member.facts.files_changed != changed.get(member.member_id, ()) else member
        for member in view.reviews
    )
    return dataclasses.replace(view, reviews=reviews)


def refresh(view: RunView) -> RunView:
    """Return the view with the decisions in review.db now and the lock as it is now.

    Cheap (no roster, no templates): the review app opens the run once per change of its inputs and
    refreshes it on every request, so two reviewers see each other's decisions at once.
    """
    decisions = decision_store(view.out_dir).latest()
    reviews = [review.with_decision(member, decisions.get(member.member_id)) for member in view.reviews]
    return with_files_checked(dataclasses.replace(view, reviews=tuple(reviews), locked=state.is_locked(view.out_dir)))


def record_decisions(
    config: Config,
    out_dir: Path | None,
    member_ids: Sequence[str] | None,
    decision: str,
    note: str,
    reviewer: str,
    *,
    now: datetime | None = None,
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
    return decide(view, member_ids, decision, note, reviewer, now=now)


def decide(
    view: RunView,
    member_ids: Sequence[str] | None,
    decision: str,
    note: str,
    reviewer: str,
    *,
    now: datetime | None = None,
    shown: Mapping[str, Mapping[str, DocumentHashes]] | None = None,
) -> tuple[Decision, ...]:
    """Record decisions on an opened run (the review app keeps one open); see record_decisions.

    ``shown``: for each member named, the hashes of the documents the reviewer was shown (the review
    app's page); a member whose current documents are other ones is refused (REVIEW_REMADE).
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
    if member_ids is None:
        chosen = [r for r in view.reviews if not r.decision_blocker(decision)]
    else:
        if not member_ids:
            raise MailmergeError(messages.NO_MEMBERS_GIVEN)
        chosen = []
        for typed in member_ids:
            found = view.review(typed)
            if found is None or not found.rows:
                raise MailmergeError(messages.UNKNOWN_MEMBER.format(member_id=roster.normalise_key(typed)))
            if blocker := found.decision_blocker(decision):
                raise MailmergeError(blocker)
            if shown is not None and not shown_is_current(found, shown.get(found.member_id, {})):
                raise MailmergeError(messages.REVIEW_REMADE)
            chosen.append(found)
    unique = {r.member_id: r for r in chosen}.values()
    made = tuple(
        review.make_decision(r.member_id, decision, note, reviewer, review.current_hashes(r.rows).get(r.member_id, {}), now)
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
    for field, text in ((messages.REVIEWER_FIELD, reviewer), (messages.NOTE_FIELD, note)):
        found = review.unsafe_character(text)
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


# --- print: bundles, labels and the list (mailmerge print) -------------------------------------


@dataclass(frozen=True)
class PrintRun:
    """What `mailmerge print` wrote, and who was left out."""

    out_dir: Path
    bundles: tuple[printing.PrintedBundle, ...]
    labels: Path
    list_csv: Path
    printed: int  # members printed, one label each
    left_out: tuple[review.MemberReview, ...]
    unapproved: tuple[str, ...]  # member IDs printed without a standing approval (--include-unapproved)
    labels_start: int = 1  # the first label's position on the first sheet (--labels-start)
    mail_only: tuple[str, ...] = ()  # approved members whose 送付方法 is メール alone: not printed

    @property
    def label_sheets(self) -> int:
        slots = sheets.label_slots([bundle.members for bundle in self.bundles], self.labels_start)
        return slots[-1][0] + 1 if slots else 0


def print_run(
    config: Config,
    out_dir: Path | None = None,
    *,
    include_unapproved: bool = False,
    today: date | None = None,
    hold_signals: Callable[[], AbstractContextManager[None]] = nullcontext,
    labels_start: int = 1,
) -> PrintRun:
    """Write DIR/print/: each group's bundle, the labels and the list, from the approved members only.

    With ``include_unapproved`` every current member whose documents are complete and still match the
    roster is printed too (the covers say 未承認を含む). Raise PrintError, writing nothing, when nothing
    is approved (naming who was left out and why), while a run holds the folder, or when a PDF is no
    longer the file that was approved (PrintOutdated: an earlier print's DIR/print/ is then set
    aside, see _set_aside_older_print, never left looking current), or when a label does not fit or
    a font is missing (the approvals as they were: an earlier print stays). One print at a time
    per folder (the folder itself locked): a second is refused while the first writes or sets
    aside (OutputLockedError). ``hold_signals`` (the command line's) keeps a Ctrl-C from landing
    while the files are put in place.
    """
    sheets.label_slots([], labels_start)  # an impossible start is refused before anything is read
    view = open_run(config, out_dir)
    with state.OutputLock(view.out_dir, None, messages.PRINT_BUSY):
        return _print_or_set_aside(config, view, include_unapproved, today, hold_signals, labels_start)


def _print_or_set_aside(
    config: Config, view: RunView, include_unapproved: bool, today: date | None,
    hold_signals: Callable[[], AbstractContextManager[None]], labels_start: int,
) -> PrintRun:
    try:
        return _print_view(config, view, include_unapproved, today, hold_signals, labels_start)
    except PrintOutdated as exc:
        try:
            aside = _set_aside_older_print(view.out_dir)
        except OSError as failed:  # a read-only folder: the older files stay, and must not be used
            older = view.out_dir / printing.PRINT_DIR
            raise PrintError(f"{exc}\n{messages.PRINT_OLDER_NOT_MOVED.format(where=older, detail=failed.strerror)}") from None
        if aside is None:
            raise
        raise PrintError(f"{exc}\n{messages.PRINT_OLDER_SET_ASIDE.format(where=aside)}") from None


def _set_aside_older_print(out_dir: Path) -> Path | None:
    """Move an earlier print's DIR/print/ to DIR/removed/<now>/print/; return where, or None if there was none.

    A refused print means the approvals or the files changed since (an approval withdrawn, a PDF
    remade, a run under way): the older bundles and labels may hold a member who must not be
    mailed, so they no longer sit where the next print would put its files. Moved, not deleted.
    """
    older = out_dir / printing.PRINT_DIR
    if not older.is_dir() or not any(older.iterdir()):
        return None
    layout = OutputLayout(out_dir)
    return state.set_aside(layout, layout.removed_now(), [older])[0]


def _print_view(
    config: Config, view: RunView, include_unapproved: bool, today: date | None,
    hold_signals: Callable[[], AbstractContextManager[None]], labels_start: int,
) -> PrintRun:
    if view.locked:
        raise PrintOutdated(messages.PRINT_RUN_IN_PROGRESS.format(out_dir=view.out_dir))
    if not_as_made := files_not_as_made(view, include_unapproved):
        raise PrintOutdated("\n".join([*not_as_made, messages.PRINT_NOT_AS_MADE_TAIL]))
    approved = approved_members(view)
    if not approved and not include_unapproved:
        raise PrintOutdated("\n".join([messages.PRINT_NOTHING_APPROVED, *describe_left_out(left_out(view))]))
    chosen = [r for r in view.reviews if r.may_be_printed(include_unapproved)]
    by_mail = mail_only(config, view, chosen)
    chosen = [r for r in chosen if r.member_id not in by_mail]
    if not chosen:
        raise PrintOutdated("\n".join([messages.PRINT_NOTHING_TO_PRINT, *describe_left_out(left_out(view)),
                                        *describe_mail_only(by_mail)]))
    chosen_ids = {r.member_id for r in chosen}
    unapproved = {r.member_id for r in chosen if not r.approved}
    groups = {}
    for group in GROUPS:
        cover = sheets.Cover(config.groups[group], view.cycle, today or today_jst(), include_unapproved)
        groups[group] = (cover, [_print_member(view, r) for r in chosen if r.group == group])
    bundles, labels, list_csv = printing.write_print(view.out_dir, groups, hold_signals, labels_start)
    # Recorded once the files are in place: `archive` seals what was printed (a print stopped before
    # this line is not recorded, and its members are not sealed: the safe side).
    print_log(view.out_dir).record(now_jst().isoformat(), getpass.getuser(), include_unapproved, [
        (m.member_id, m.member_id not in unapproved, {d.document: d.sha256 for d in m.documents})
        for _cover, members in groups.values() for m in members
    ])
    return PrintRun(
        view.out_dir,
        bundles,
        labels,
        list_csv,
        len(chosen),
        tuple(r for r in view.reviews if r.member_id not in chosen_ids and r.member_id not in by_mail),
        tuple(r.member_id for r in chosen if not r.approved),
        labels_start,
        by_mail,
    )


def files_not_as_made(view: RunView, include_unapproved: bool = False) -> list[str]:
    """Return a line for each document of a member to be printed whose files are not the manifest's.

    Such a member (approved, or any with ``include_unapproved``) stops the whole print, each one
    named: the files were swapped or edited after the run made them, not changed after an approval.
    """
    return [
        messages.PRINT_NOT_AS_MADE.format(member_id=member.member_id, document=document)
        for member in view.reviews
        if (member.status == APPROVED or include_unapproved) and member.complete and member.current
        for document in member.facts.files_changed
    ]


def changed_paths(view: RunView, members: Sequence[review.MemberReview]) -> list[Path]:
    """Return the files of these members that are not on disk as the manifest lists them."""
    return [
        view.out_dir / relative
        for member in members for row in member.rows if row.document in member.facts.files_changed
        for relative, sha256 in ((row.pdf, row.pdf_sha256), (row.docx, row.docx_sha256))
        if not manifest.is_manifests_file(view.out_dir, relative, sha256)
    ]


def mail_only(config: Config, view: RunView, members: Sequence[review.MemberReview]) -> tuple[str, ...]:
    """Return the IDs among ``members`` whose 送付方法 is メール alone: they get no paper (mailmerge send)."""
    return tuple(r.member_id for r in members
                 if r.member_id in view.members and not wants_post(member_channel(view.members[r.member_id].every_field, config.email)))


def describe_mail_only(member_ids: Sequence[str]) -> list[str]:
    """Return the line naming the members left out of the print because they receive e-mail only."""
    return [messages.PRINT_MAIL_ONLY.format(count=len(member_ids), member_ids=", ".join(member_ids))] if member_ids else []


def _print_member(view: RunView, member: review.MemberReview) -> printing.PrintMember:
    """Return a member's documents with the hash each must still have: the approved one, else the manifest's."""
    documents = []
    for row in member.rows:
        approved = member.decision.documents.get(row.document) if member.approved and member.decision else None
        expected = approved.pdf_sha256 if approved is not None else row.pdf_sha256
        documents.append(printing.PrintDocument(row.document, view.out_dir / row.pdf, expected))
    return printing.PrintMember(member.member_id, member.group, view.members[member.member_id].fields, tuple(documents))


def describe_passed_over(view: RunView, decision: str) -> list[str]:
    """Return lines naming the members a decision for everyone (`approve --all`) passed over, by ID under why."""
    by_reason: dict[str, list[str]] = {}
    for member in view.reviews:
        if member.decision_blocker(decision):
            reason = "・".join(review.FLAG_LABELS[f] for f in member.blocking_flags) or messages.STATUS_LABELS[member.status]
            by_reason.setdefault(reason, []).append(member.member_id)
    count = sum(len(ids) for ids in by_reason.values())
    lines = [messages.APPROVE_PASSED_OVER_HEADER.format(count=count)] if count else []
    for reason, ids in by_reason.items():
        lines.append(messages.APPROVE_PASSED_OVER_LINE.format(reason=reason, count=len(ids), member_ids=", ".join(ids)))
    return lines


def describe_left_out(members: Sequence[review.MemberReview]) -> list[str]:
    """Return lines naming each member left out of the print, by ID under its status (never by name)."""
    by_reason: dict[str, list[str]] = {}
    for member in members:
        reasons = [messages.STATUS_LABELS[member.status]]
        reasons += [review.FLAG_LABELS[f] for f in member.blocking_flags]
        by_reason.setdefault("・".join(reasons), []).append(member.member_id)
    lines = [messages.PRINT_LEFT_OUT_HEADER.format(count=len(members))] if members else []
    for reason, ids in by_reason.items():
        lines.append(messages.PRINT_LEFT_OUT_LINE.format(status=reason, count=len(ids), member_ids=", ".join(ids)))
    return lines
