"""The workspace's 発送・封印 (the seal as a background job, after a confirmation), 送付記録 and 点検 pages.

Each job's work is one call of the function the command line calls (sealing.seal, sealing.verify);
sealing.plan_seal says beforehand who would be sealed, and who of them is a re-send needing its reason.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue

from mailmerge import archive, cycle, jobs, messages, sealing
from mailmerge.errors import MailmergeError
from mailmerge.models import GROUPS
from mailmerge.review import unsafe_character
from mailmerge.workspace import bp, page, review_state, run_error, run_view
from mailmerge.workspace_jobs import jst_stamp, last_job, start_job

# --- 発送・封印 ------------------------------------------------------------------------------


@bp.get("/seal")
def seal_page() -> str:
    review = review_state()
    sent_on = request.args.get("sent_on", "")
    confirm, date_error = None, ""
    if sent_on:
        try:
            sent_on = sealing.check_date(sent_on, field=messages.WORKSPACE_SENT_ON_FIELD)
        except MailmergeError as exc:  # said beside the date to retype, not on an error page
            date_error = str(exc)
    if sent_on and not date_error:
        view = run_view()
        plan = sealing.plan_seal(view, review.archive_dir) if view else None
        todo = [r for r, _printed in plan.todo] if plan else []
        resent = plan.resent if plan else ()
        confirm = {
            "sent_on": sent_on,
            "message": messages.WORKSPACE_SEAL_CONFIRM.format(sent_on=sent_on),
            "groups": [(messages.ARCHIVE_GROUP_WORDS[g], sum(1 for r in todo if r.group == g)) for g in GROUPS],
            "total": len(todo),
            "nothing": ([run_error()] if run_error() else _nothing_to_seal(plan)) if not todo else [],
            "resent": messages.WORKSPACE_SEAL_RESENT.format(count=len(resent), ids=", ".join(resent)) if resent else "",
        }
    today = datetime.now(cycle.JST).date().isoformat()
    return page("workspace/seal.html", job=last_job("seal"), today=today, confirm=confirm, date_error=date_error)


def _nothing_to_seal(plan: sealing.Selection | None) -> list[str]:
    """Return the lines `archive` would refuse with when nothing is to be sealed: said before any button is offered."""
    cycle_name = review_state().config.cycle
    archive_dir = review_state().archive_dir
    sealed = sealing.sealed_documents(archive_dir, cycle_name) if archive_dir is not None else {}
    lines = [messages.ARCHIVE_NOTHING_NEW.format(cycle=cycle_name, sealed=len(sealed))]
    if plan is None:
        return lines
    return lines + sealing.not_sealed_lines(
        plan.not_printed,
        plan.changed,
        plan.withdrawn,
        messages.WORKSPACE_SEAL_NOT_SEALED,
        plan.not_emailed,
        plan.changed_since_mail,
    )


@bp.post("/seal")
def seal_start() -> ResponseReturnValue:
    review = review_state()
    sent_on = sealing.check_date(request.form.get("sent_on", ""), field=messages.WORKSPACE_SENT_ON_FIELD)
    reason = request.form.get("reason", "").strip()
    if (found := unsafe_character(reason)) is not None:
        abort(400, messages.review_bad_character(messages.REASON_FIELD, *found))
    view = run_view()
    resent = sealing.plan_seal(view, review.archive_dir).resent if view else ()
    if resent and not reason:  # asked here in the page's words, not the command line's --reason
        abort(400, messages.WORKSPACE_SEAL_NEED_REASON.format(ids=", ".join(resent)))

    def work(progress: jobs.JobProgress, stop: jobs.Stop) -> dict[str, Any]:
        result = sealing.seal(
            review.config,
            sent_on=sent_on,
            out_dir=review.out_dir,
            archive_dir=review.archive_dir,
            hold_signals=stop.held,
            reason=reason,
            date_field=messages.WORKSPACE_SENT_ON_FIELD,
        )
        lines = (
            [messages.ARCHIVE_STAGING_REMOVED.format(count=result.staging_removed)] if result.staging_removed else []
        )
        lines += [messages.ARCHIVE_RECOVERED.format(folder=b.folder, members=len(b.members)) for b in result.recovered]
        if result.batch is not None:
            batch = result.batch
            lines.append(archive.done_line(batch))
        if result.batch is not None and result.resent:
            lines.append(
                messages.ARCHIVE_RESENT.format(
                    count=len(result.resent), reason=result.batch.reason, ids=", ".join(result.resent)
                )
            )
        if result.batch is not None and result.unapproved:
            lines.append(
                messages.WORKSPACE_SEAL_UNAPPROVED.format(
                    count=len(result.unapproved), ids=", ".join(result.unapproved)
                )
            )
        lines += sealing.not_sealed_lines(
            result.not_printed,
            result.changed_since_print,
            result.withdrawn_since_print,
            messages.WORKSPACE_SEAL_NOT_SEALED,
            result.not_emailed,
            result.changed_since_mail,
        )
        if result.left_out:
            lines.append(messages.WORKSPACE_SEAL_LEFT_OUT.format(count=result.left_out))
        return {"sealed": lines, "hint": messages.WORKSPACE_SEAL_NEXT}

    return start_job("seal", work)


# --- 送付記録 と 点検 --------------------------------------------------------------------------


@bp.get("/history")
def history_page() -> str:
    review = review_state()
    member_id = request.args.get("member_id", "").strip()
    entries, error = [], ""
    if member_id and not sealing.sealed_any(review.archive_dir):
        error = messages.WORKSPACE_HISTORY_NOT_SEALED
    elif member_id:
        try:
            entries = sealing.history(review.archive_dir, member_id)
        except MailmergeError as exc:
            error = str(exc)
        if not entries and not error:
            error = messages.WORKSPACE_HISTORY_NONE.format(member_id=member_id)
    rows = [
        {
            "cycle": e.cycle,
            "sent_on": e.sent_on,
            "reason": e.reason,
            "group": messages.ARCHIVE_GROUP_WORDS.get(e.group, e.group),
            "document": messages.REVIEW_DOCUMENT_LABELS.get(e.document, e.document),
            "pages": e.pages or "",
            "file": Path(e.path).suffix.lstrip(".").upper(),
            "reviewer": e.reviewer,
            "decided_at": jst_stamp(e.decided_at, year=True),  # the list spans cycles
            "sha256": e.sha256[:16],
        }
        for e in entries
    ]
    return page("workspace/history.html", member_id=member_id, rows=rows, error=error)


@bp.get("/verify")
def verify_page() -> str:
    not_sealed = "" if sealing.sealed_any(review_state().archive_dir) else messages.WORKSPACE_VERIFY_NOT_SEALED
    return page("workspace/verify.html", job=last_job("verify"), not_sealed=not_sealed)


@bp.post("/verify")
def verify_start() -> ResponseReturnValue:
    review = review_state()
    archive_dir = review.archive_dir

    def work(progress: jobs.JobProgress, stop: jobs.Stop) -> dict[str, Any]:
        report = sealing.verify(archive_dir)
        summary = (
            messages.WORKSPACE_VERIFY_FAILED.format(count=len(report.problems))
            if report.problems
            else messages.WORKSPACE_VERIFY_OK.format(bags=report.bags, files=report.files)
        )
        return {"summary": summary, "problems": list(report.problems), "ok": not report.problems}

    return start_job("verify", work)
