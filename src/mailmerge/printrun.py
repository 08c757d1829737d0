"""`mailmerge print` after a run: who is printed, the bundles and labels written, the print recorded.

Works on mailing's view of the run (open_run): the approved members (by default those whose
current PDFs are not the sealed ones), chosen members, or everyone printable; the print is
recorded in DIR/review.db (mailing.print_log) for `archive` to seal what was printed.
"""

from __future__ import annotations

import dataclasses
import getpass
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mailmerge import messages, printing, review, roster, sheets, state
from mailmerge.config import Config, member_channel, wants_post
from mailmerge.dates import now_jst, today_jst
from mailmerge.errors import AllSent, PrintError, PrintOutdated
from mailmerge.fsutil import sha256_of
from mailmerge.mailing import RunView, approved_members, left_out, open_run, print_log
from mailmerge.models import APPROVED, GROUPS, OutputLayout


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
    already_sent: tuple[str, ...] = ()  # approved, passed over: these very PDFs were sealed (sent) already
    mail_only: tuple[str, ...] = ()  # approved members whose 送付方法 is メール alone: not printed
    print_id: int = 0  # its number in the print log

    @property
    def label_sheets(self) -> int:
        slots = sheets.label_slots([bundle.members for bundle in self.bundles], self.labels_start)
        return slots[-1][0] + 1 if slots else 0


@dataclass(frozen=True)
class PrintChoice:
    """Who a print takes: by default the approved members whose current PDFs are not the ones sealed.

    ``members``: these members only (each must be printable); ``all_approved``: every approved member,
    sealed or not; ``sealed``: each sealed member's PDFs as sealed (member_id -> {document: sha256}).
    """

    include_unapproved: bool = False
    members: tuple[str, ...] | None = None
    all_approved: bool = False
    sealed: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)


def print_run(
    config: Config,
    out_dir: Path | None = None,
    *,
    include_unapproved: bool = False,
    today: date | None = None,
    hold_signals: Callable[[], AbstractContextManager[None]] = nullcontext,
    labels_start: int = 1,
    choice: PrintChoice | None = None,
) -> PrintRun:
    """Write DIR/print/: each group's bundle, the labels and the list, from the members ``choice`` takes.

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
    choice = dataclasses.replace(choice or PrintChoice(), include_unapproved=include_unapproved)
    view = open_run(config, out_dir)
    with state.OutputLock(view.out_dir, None, messages.PRINT_BUSY):
        return _print_or_set_aside(config, view, choice, today, hold_signals, labels_start)


def _print_or_set_aside(
    config: Config,
    view: RunView,
    choice: PrintChoice,
    today: date | None,
    hold_signals: Callable[[], AbstractContextManager[None]],
    labels_start: int,
) -> PrintRun:
    try:
        return _print_view(config, view, choice, today, hold_signals, labels_start)
    except PrintOutdated as exc:  # acts: an older print set aside, then the refusal says where it went
        try:
            aside = _set_aside_older_print(view.out_dir)
        except OSError as failed:  # a read-only folder: the older files stay, and must not be used
            older = view.out_dir / printing.PRINT_DIR
            raise PrintError(
                f"{exc}\n{messages.PRINT_OLDER_NOT_MOVED.format(where=older, detail=failed.strerror)}"
            ) from None
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
    config: Config,
    view: RunView,
    choice: PrintChoice,
    today: date | None,
    hold_signals: Callable[[], AbstractContextManager[None]],
    labels_start: int,
) -> PrintRun:
    if view.locked:
        raise PrintOutdated(messages.PRINT_RUN_IN_PROGRESS.format(out_dir=view.out_dir))
    include_unapproved = choice.include_unapproved
    if not_as_made := files_not_as_made(view, include_unapproved):
        raise PrintOutdated("\n".join([*not_as_made, messages.PRINT_NOT_AS_MADE_TAIL]))
    approved = approved_members(view)
    if not approved and not include_unapproved and choice.members is None:
        raise PrintOutdated("\n".join([messages.PRINT_NOTHING_APPROVED, *describe_left_out(left_out(view))]))
    chosen, sent = _choose(view, choice)
    by_mail = mail_only(config, view, chosen)
    chosen = [r for r in chosen if r.member_id not in by_mail]
    if not chosen and sent:
        raise AllSent(messages.PRINT_ALL_SENT.format(count=len(sent)), len(sent))
    if not chosen:
        raise PrintOutdated(
            "\n".join(
                [messages.PRINT_NOTHING_TO_PRINT, *describe_left_out(left_out(view)), *describe_mail_only(by_mail)]
            )
        )
    chosen_ids = {r.member_id for r in chosen} | set(sent) | set(by_mail)
    unapproved = {r.member_id for r in chosen if not r.approved}
    groups = {}
    for group in GROUPS:
        cover = sheets.Cover(config.groups[group], view.cycle, today or today_jst(), include_unapproved)
        groups[group] = (cover, [_print_member(view, r) for r in chosen if r.group == group])
    bundles, labels, list_csv = printing.write_print(view.out_dir, groups, hold_signals, labels_start)
    # Recorded once the files are in place: `archive` seals what was printed (a print stopped before
    # this line is not recorded, and its members are not sealed: the safe side).
    written = [*(b.path for b in bundles), labels, list_csv]
    print_id = print_log(view.out_dir).record(
        now_jst().isoformat(),
        getpass.getuser(),
        include_unapproved,
        [
            (m.member_id, m.member_id not in unapproved, {d.document: d.sha256 for d in m.documents})
            for _cover, members in groups.values()
            for m in members
        ],
        {path.name: sha256_of(path) for path in written},
    )
    return PrintRun(
        view.out_dir,
        bundles,
        labels,
        list_csv,
        len(chosen),
        tuple(r for r in view.reviews if r.member_id not in chosen_ids),
        tuple(r.member_id for r in chosen if not r.approved),
        labels_start,
        sent,
        by_mail,
        print_id,
    )


def _choose(view: RunView, choice: PrintChoice) -> tuple[list[review.MemberReview], tuple[str, ...]]:
    """Return the members to print, and the approved ones passed over because these very PDFs were sealed (sent)."""
    if choice.members is not None:
        picked: dict[str, review.MemberReview] = {}
        for typed in choice.members:
            found = view.review(typed)
            if found is None or not found.rows:
                raise PrintError(messages.UNKNOWN_MEMBER.format(member_id=roster.normalise_key(typed)))
            if not found.may_be_printed(choice.include_unapproved):
                raise PrintError(
                    messages.PRINT_MEMBER_NOT_PRINTABLE.format(
                        member_id=found.member_id, status=messages.STATUS_LABELS[found.status]
                    )
                )
            picked[found.member_id] = found
        return [r for r in view.reviews if r.member_id in picked], ()
    printable = [r for r in view.reviews if r.may_be_printed(choice.include_unapproved)]
    if choice.all_approved:
        return printable, ()
    sent = {
        r.member_id
        for r in printable
        if choice.sealed.get(r.member_id) == {row.document: row.pdf_sha256 for row in r.rows}
    }
    return [r for r in printable if r.member_id not in sent], tuple(
        r.member_id for r in printable if r.member_id in sent
    )


def _print_member(view: RunView, member: review.MemberReview) -> printing.PrintMember:
    """Return a member's documents with the hash each must still have: the approved one, else the manifest's."""
    documents = []
    for row in member.rows:
        approved = member.decision.documents.get(row.document) if member.approved and member.decision else None
        expected = approved.pdf_sha256 if approved is not None else row.pdf_sha256
        documents.append(printing.PrintDocument(row.document, view.out_dir / row.pdf, expected))
    return printing.PrintMember(member.member_id, member.group, view.members[member.member_id].fields, tuple(documents))


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


def mail_only(config: Config, view: RunView, members: Sequence[review.MemberReview]) -> tuple[str, ...]:
    """Return the IDs among ``members`` whose 送付方法 is メール alone: they get no paper (mailmerge send)."""
    return tuple(
        r.member_id
        for r in members
        if r.member_id in view.members
        and not wants_post(member_channel(view.members[r.member_id].every_field, config.email))
    )


def describe_mail_only(member_ids: Sequence[str]) -> list[str]:
    """Return the line naming the members left out of the print because they receive e-mail only."""
    return (
        [messages.PRINT_MAIL_ONLY.format(count=len(member_ids), member_ids=", ".join(member_ids))] if member_ids else []
    )


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
