"""The archive at pipeline level: seal what was approved and sent, look a member up, verify the archive."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from mailmerge import archive, mailing, mailseal, messages, officestore, review
from mailmerge.archiveverify import VerifyReport as VerifyReport  # kept where callers find them
from mailmerge.archiveverify import verify as verify
from mailmerge.config import Config
from mailmerge.dates import JST, jst_iso, now_jst
from mailmerge.dates import check_date as check_date  # kept where callers find it
from mailmerge.errors import MailmergeError, NothingToSeal
from mailmerge.models import ArchivedBatch, ArchivedMember, HistoryEntry, PrintedMember
from mailmerge.roster import normalise_key
from mailmerge.store import ARCHIVE_DB_NAME, ArchiveIndex, existing_index

ARCHIVE_FOLDER = "archive"
# The decision recorded for a member printed with --include-unapproved and sealed as sent.
UNAPPROVED = "unapproved"
# Member IDs listed in one message; the rest are counted.
_SHOWN_IDS = 20


@dataclass(frozen=True)
class SealResult:
    """What `mailmerge archive` did: the new batch (if any), batches recovered, leftovers removed, who was not
    sealed.
    """

    batch: ArchivedBatch | None
    recovered: tuple[ArchivedBatch, ...]
    staging_removed: int
    left_out: int
    archive_dir: Path
    unapproved: tuple[str, ...] = ()  # sealed as printed without an approval (--include-unapproved)
    not_printed: tuple[str, ...] = ()  # approved, never printed: never sent, not sealed
    changed_since_print: tuple[str, ...] = ()  # printed, then their files were made again: not sealed
    withdrawn_since_print: tuple[str, ...] = ()  # printed approved, the approval withdrawn since: not sealed
    resent: tuple[str, ...] = ()  # sealed before with other documents: sealed again as a re-send
    not_emailed: tuple[str, ...] = ()  # approved, 送付方法 メール alone, not e-mailed: never sent, not sealed
    changed_since_mail: tuple[str, ...] = ()  # e-mailed only, then their files made again (or approval gone)


@dataclass(frozen=True)
class Selection:
    """Who a sealing takes from the prints since the last one, and who it leaves out and why."""

    todo: tuple[tuple[review.MemberReview, PrintedMember], ...]
    unapproved: tuple[str, ...]
    not_printed: tuple[str, ...]
    changed: tuple[str, ...]
    withdrawn: tuple[str, ...]
    left: int
    resent: tuple[str, ...] = ()
    not_emailed: tuple[str, ...] = ()
    changed_since_mail: tuple[str, ...] = ()


def default_archive_dir(config: Config) -> Path:
    """Return the archive folder: archive/ beside the cycle config."""
    return config.root / ARCHIVE_FOLDER


def seal(
    config: Config,
    *,
    sent_on: str,
    out_dir: Path | None = None,
    archive_dir: Path | None = None,
    now: dt.datetime | None = None,
    hold_signals: Callable[[], AbstractContextManager[None]] = nullcontext,
    reason: str = "",
    date_field: str = messages.SENT_ON_OPTION,
) -> SealResult:
    """Seal the members of the prints made since the last sealing, each only if its printed files are still current.

    See select() for who is taken and who is named as left out. Refuses a run that is incomplete
    or has files that differ from the manifest, naming the members; raises NothingToSeal when
    there is nothing new.
    ``hold_signals`` (the command line's) keeps Ctrl-C from cutting between placing and recording;
    ``date_field`` is where the date was typed, named in a refusal of it.
    """
    sent_on = check_date(sent_on, field=date_field)
    reason = reason.strip()
    if (found := review.unsafe_character(reason)) is not None:  # a line break would forge lines in bag-info.txt
        raise MailmergeError(messages.review_bad_character(messages.REASON_FIELD, *found))
    archive_dir = (archive_dir or default_archive_dir(config)).resolve()
    view = mailing.open_run(config, out_dir)
    if view.locked:
        raise MailmergeError(messages.ARCHIVE_RUN_LOCKED.format(out=view.out_dir))
    _check_complete(view, list(config.documents))
    sealed_at = (now or now_jst()).astimezone(JST).isoformat()  # bag-info and the index: Japan time, with its offset
    with archive.archive_lock(archive_dir):
        removed = archive.remove_staging(archive_dir)
        with ArchiveIndex(archive_dir / ARCHIVE_DB_NAME) as index:
            recovered = _record_orphans(archive_dir, index)
            sealed = index.sealed_documents(view.cycle)
            log = mailing.print_log(view.out_dir)
            printed = log.unsealed()
            emailed = mailseal.unsealed(view.out_dir)
            sent = printed.keys() | emailed.keys()
            # Printed files swapped or edited since the run: refused, each named, never passed over in silence.
            not_as_made = [
                r for r in view.reviews if r.member_id in sent and r.member_id not in sealed and not r.files_as_made
            ]
            if not_as_made:
                paths = ", ".join(str(p) for p in mailing.changed_paths(view, not_as_made))
                raise MailmergeError(
                    messages.ARCHIVE_NOT_VERIFIED.format(ids=_ids([r.member_id for r in not_as_made]), paths=paths)
                )
            chosen = select(view, printed, sealed, {m: e.accepted.content_sha256 for m, e in emailed.items()})
            lists = (chosen.unapproved, chosen.not_printed, chosen.changed, chosen.withdrawn, chosen.resent) + (
                chosen.not_emailed,
                chosen.changed_since_mail,
            )  # SealResult's order
            if not chosen.todo:
                if recovered or removed:
                    return SealResult(None, recovered, removed, chosen.left, archive_dir, *lists)
                raise NothingToSeal(
                    "\n".join(
                        [
                            messages.ARCHIVE_NOTHING_NEW.format(cycle=view.cycle, sealed=len(sealed)),
                            *not_sealed_lines(
                                chosen.not_printed,
                                chosen.changed,
                                chosen.withdrawn,
                                not_emailed=chosen.not_emailed,
                                changed_since_mail=chosen.changed_since_mail,
                            ),
                        ]
                    )
                )
            printed_on = max(
                (
                    dt.datetime.fromisoformat(p.printed_at).astimezone(JST).date()
                    for _r, p in chosen.todo
                    if p.printed_at
                ),
                default=dt.date.min,  # e-mail only: nothing was printed
            )
            if dt.date.fromisoformat(sent_on) < printed_on:  # mailed before it was printed: a mistyped date
                raise MailmergeError(
                    messages.ARCHIVE_DATE_BEFORE_PRINT.format(
                        field=date_field, value=sent_on, printed=printed_on.isoformat()
                    )
                )
            if chosen.resent and not reason:
                raise MailmergeError(messages.ARCHIVE_NEED_REASON.format(ids=_ids(chosen.resent)))
            members = [_archived(r, p) for r, p in chosen.todo]
            todo = [r for r, _p in chosen.todo]
            # The e-mails sent of what is sealed: each member's accepted message, if it is the one approved now.
            mailed = [emailed[r.member_id] for r in todo if _mailed_as_approved(r, emailed)]
            records = _office_records(config, view.cycle)
            if mailed:
                records[mailseal.MAIL_CSV_NAME] = mailseal.journal_csv(mailed)
            staged = archive.build_batch(
                archive_dir,
                cycle=view.cycle,
                sent_on=sent_on,
                out_dir=view.out_dir,
                rows=[row for r in todo for row in r.rows],
                members=members,
                roster=view.roster_path or config.roster,
                config=config.path,
                templates=config.documents,
                sealed_by=getpass.getuser(),
                sealed_at=sealed_at,
                records=records,
                reason=reason if chosen.resent else "",
                copies=mailseal.copies(view.out_dir, mailed),
            )
            try:
                # Not cut between the rename and the index (a stop there would leave a bag for
                # the next run to record); after it, a failed index write is recovered the same way.
                with hold_signals():
                    archive.place_batch(staged)
                    index.record(staged.batch)
                    # The prints taken: the next sealing starts after them (a member left out here
                    # is sealed once printed again).
                    log.mark_sealed({p.print_id for p in printed.values()}, staged.batch.folder)
                    mailseal.mark_sealed(view.out_dir, mailed, staged.batch.folder)
            except BaseException:
                archive.discard_batch(staged)
                raise
    return SealResult(staged.batch, recovered, removed, chosen.left, archive_dir, *lists)


def _office_records(config: Config, cycle: str) -> dict[str, bytes]:
    """Return the office's audit lines of the cycle to keep in the bag (none when `serve --host` was never used)."""
    audit = officestore.cycle_audit_csv(config.root, cycle)
    return {officestore.AUDIT_CSV_NAME: audit} if audit is not None else {}


def plan_seal(view: mailing.RunView, archive_dir: Path | None) -> Selection:
    """Return who `archive` would seal now and who it would leave out (for a page to show before sealing)."""
    sealed = sealed_documents(archive_dir, view.cycle) if archive_dir is not None else {}
    emailed = {m: e.accepted.content_sha256 for m, e in mailseal.unsealed(view.out_dir).items()}
    return select(view, mailing.print_log(view.out_dir).unsealed(), sealed, emailed)


def _mailed_as_approved(member: review.MemberReview, emailed: Mapping[str, mailseal.Emailed]) -> bool:
    found = emailed.get(member.member_id)
    return found is not None and member.approved and member.facts.message_sha256 == found.accepted.content_sha256


def select(
    view: mailing.RunView,
    printed: Mapping[str, PrintedMember],
    sealed: Mapping[str, Mapping[str, str]],
    emailed: Mapping[str, str] | None = None,
) -> Selection:
    """Return who may be sealed: the members of the prints since the last sealing, their printed files still current.

    A member printed approved is sealed while that approval stands on those very files; one printed
    with --include-unapproved is sealed as such (what was mailed is on record, its status said
    plainly). An approved member never printed was never sent: not sealed, named. ``sealed``: each
    sealed member's PDFs as last sealed; one printed since with other PDFs is sealed again, a re-send.
    ``emailed``: the hash of each member's message accepted by the mail server since the last sealing; a
    member e-mailed the message its approval covers is sealed as sent, printed or not.
    """
    todo, unapproved, not_printed, changed, withdrawn, resent, left = [], [], [], [], [], [], 0
    not_emailed: list[str] = []
    changed_since_mail: list[str] = []
    for member in view.reviews:
        paper = printed.get(member.member_id)
        mailed = (emailed or {}).get(member.member_id)
        was = sealed.get(member.member_id)
        current = {row.document: row.pdf_sha256 for row in member.rows}
        if mailed is not None and paper is None:
            if not (member.approved and member.facts.message_sha256 == mailed):
                as_sent = mailseal.as_emailed(view, member, mailed)
                if as_sent is None:
                    changed_since_mail.append(member.member_id)  # its documents changed or its approval went
                    continue
                member = as_sent
            paper = PrintedMember(member.member_id, 0, "", "", True, current)  # sent by e-mail only
        if mailed is None and was is not None:
            if dict(was) == current or paper is None or dict(paper.documents) == dict(was):
                continue  # sent as it is, or not printed again since: nothing new to seal

        if paper is None:
            if member.approved:
                if member.facts.by_post:
                    not_printed.append(member.member_id)
                else:  # 送付方法 メール alone: sent only by `send`
                    not_emailed.append(member.member_id)
            else:
                left += 1
            continue
        if member.may_be_sealed((), paper):
            todo.append((member, paper))
            if not member.approved:
                unapproved.append(member.member_id)
            if was is not None and not (mailed is not None and dict(was) == current):
                resent.append(member.member_id)
        elif paper.approved and not member.approved and member.printed_files_current(paper):
            withdrawn.append(member.member_id)
        else:
            changed.append(member.member_id)
    return Selection(
        tuple(todo),
        tuple(unapproved),
        tuple(not_printed),
        tuple(changed),
        tuple(withdrawn),
        left,
        tuple(resent),
        tuple(not_emailed),
        tuple(changed_since_mail),
    )


def _archived(member: review.MemberReview, paper: PrintedMember) -> ArchivedMember:
    """Return a member as sealed: the approval its printed files had, or plainly none."""
    decision = member.decision
    if member.approved and decision is not None:
        return ArchivedMember(
            member.member_id,
            member.name,
            member.group,
            decision.decision,
            decision.reviewer,
            jst_iso(decision.decided_at),  # decisions.csv is read in Excel: Japan time, as printed_at
            decision.note,
            paper.printed_at,
            paper.printed_by,
        )
    return ArchivedMember(
        member.member_id,
        member.name,
        member.group,
        UNAPPROVED,
        "",
        "",
        messages.ARCHIVE_UNAPPROVED_NOTE,
        paper.printed_at,
        paper.printed_by,
    )


def not_sealed_lines(
    not_printed: Sequence[str],
    changed: Sequence[str],
    withdrawn: Sequence[str],
    templates: tuple[str, ...] = messages.ARCHIVE_NOT_SEALED,
    not_emailed: Sequence[str] = (),
    changed_since_mail: Sequence[str] = (),
) -> list[str]:
    """Return one line for each reason members of this cycle were not sealed (by ID, never by name).

    ``templates`` are the five lines' words (the command line's, or a page's that names its screens).
    """
    lines = []
    reasons = (not_printed, changed, withdrawn, not_emailed, changed_since_mail)
    for template, ids in zip(templates, reasons, strict=True):
        if ids:
            lines.append(template.format(count=len(ids), ids=_ids(ids)))
    return lines


def _check_complete(view: mailing.RunView, documents: Sequence[str]) -> None:
    """Refuse a run whose manifest lacks a member's document or whose totals do not add up."""
    have: dict[str, set[str]] = {}
    for row in view.rows:
        have.setdefault(row.member_id, set()).add(row.document)
    wanted = set(documents)
    lacking = [m for m in [*view.members, *(i for i in have if i not in view.members)] if have.get(m, set()) != wanted]
    if lacking:
        detail = "必要な文書: " + ", ".join(documents)
        raise MailmergeError(messages.ARCHIVE_INCOMPLETE.format(out=view.out_dir, ids=_ids(lacking), detail=detail))
    s = view.summary
    try:
        totals_ok = int(s["roster_rows"]) == int(s["enrolled"]) + int(s["unenrolled"]) + int(s["rejected"])
        listed_ok = int(s["documents_in_manifest"]) == len(view.rows)
    except (KeyError, TypeError, ValueError):
        raise MailmergeError(messages.ARCHIVE_TOTALS.format(out=view.out_dir, detail="項目が足りません")) from None
    if not totals_ok:
        detail = (
            f"名簿 {s['roster_rows']} 行 ≠ 加入 {s['enrolled']} + 未加入 {s['unenrolled']} + エラー {s['rejected']}"
        )
        raise MailmergeError(messages.ARCHIVE_TOTALS.format(out=view.out_dir, detail=detail))
    if not listed_ok:
        detail = f"文書 {s['documents_in_manifest']} 件のはずが manifest.csv に {len(view.rows)} 行"
        raise MailmergeError(messages.ARCHIVE_TOTALS.format(out=view.out_dir, detail=detail))


def _record_orphans(archive_dir: Path, index: ArchiveIndex) -> tuple[ArchivedBatch, ...]:
    """Record bags renamed into place whose sealing stopped before the index was written."""
    known = set(index.folders())
    recovered = []
    for folder in archive.bag_folders(archive_dir):
        if folder.relative_to(archive_dir).as_posix() in known:
            continue
        problems = archive.validate_bag(folder)
        if problems:
            detail = "; ".join(f"{p.kind} {p.path}" for p in problems[:5])
            raise MailmergeError(messages.ARCHIVE_ORPHAN_INVALID.format(folder=folder, detail=detail))
        batch = archive.read_batch(archive_dir, folder)
        index.record(batch)
        recovered.append(batch)
    return tuple(recovered)


def _ids(member_ids: Sequence[str]) -> str:
    shown = ", ".join(member_ids[:_SHOWN_IDS])
    return shown + (f" ほか {len(member_ids) - _SHOWN_IDS} 件" if len(member_ids) > _SHOWN_IDS else "")


def sealed_status(archive_dir: Path, cycle: str) -> dict[str, tuple[str, str]]:
    """Return the members sealed in a cycle: member_id -> (sent_on, sealed_at); {} without an archive.

    For the review app: reading never creates the archive.
    """
    index = existing_index(archive_dir)
    if index is None:
        return {}
    with index:
        return index.sealed_members(cycle)


def sealed_documents(archive_dir: Path, cycle: str) -> dict[str, dict[str, str]]:
    """Return the PDFs each member was last sealed with in a cycle (for print's default); {} without an archive."""
    index = existing_index(archive_dir)
    if index is None:
        return {}
    with index:
        return index.sealed_documents(cycle)


def sealed_any(archive_dir: Path | None) -> bool:
    """Return whether anything was ever sealed in ``archive_dir`` (its index exists): history and verify need it."""
    return archive_dir is not None and (archive_dir / ARCHIVE_DB_NAME).is_file()


def history(archive_dir: Path, member_id: str) -> list[HistoryEntry]:
    """Return every document sealed for a member across cycles; the ID compared as the roster does."""
    index = existing_index(archive_dir)
    if index is None:
        raise MailmergeError(messages.ARCHIVE_NO_INDEX.format(archive=archive_dir))
    with index:
        return index.history(normalise_key(member_id))
