"""The workspace's 送信 step: who will be e-mailed and who not (and why), a test send, the send as a background job.

The same library calls as the command line: sending.plan is `send --dry-run`'s selection, the test
send is `send --test-to`, and the job runs sending.send. The server cannot prompt for the SMTP
password: it is read from MAILMERGE_SMTP_PASSWORD in the server's environment, else from the form's
password field, used for that one send and never stored or logged.
"""

from __future__ import annotations

import os
from typing import Any

from flask import abort, redirect, request, url_for
from flask.typing import ResponseReturnValue

from mailmerge import jobs, messages, sending, smtp
from mailmerge.errors import MailmergeError
from mailmerge.models import JOBS_AT_WORK, SENDING
from mailmerge.smtp import SmtpLoginRefused
from mailmerge.store import existing_journal
from mailmerge.workspace import bp, page, review_state, run_error, run_view
from mailmerge.workspace_jobs import jst_stamp, last_job, start_job

# The longest address a mail server takes (RFC 5321 4.5.3.1.3). Only its shape is checked here (one @, no
# spaces): the server has the final say.
_TEST_ADDRESS_MAX = 254


@bp.get("/send")
def send_page() -> str:
    return _page()


def _page(test_error: str = "") -> str:
    review = review_state()
    config = review.config
    settings = config.email
    view = run_view()
    job = last_job("send")
    running = job is not None and job["state"] in JOBS_AT_WORK
    plan, error = None, ""
    if settings is None:
        error = messages.SEND_NO_EMAIL_TABLE.format(config=config.display_path(config.path))
    elif view is None:
        error = run_error() or messages.WORKSPACE_SEND_NO_RUN
    elif not running:  # while a send runs, its members are in the journal's `sending`, not unknown
        try:
            plan = sending.plan(config, view)
        except MailmergeError as exc:
            error = str(exc)
    names = {m: view.members[m].display_name for m in view.members} if view is not None else {}
    tested = request.args.get("tested", "")
    return page(
        "workspace/send.html",
        job=job,
        running=running,
        settings=settings,
        error=error,
        plan=plan,
        to_send=[(m, names.get(m, "")) for m in plan.to_send] if plan else [],
        testable=[(m, names.get(m, "")) for m in _testable(plan)] if plan else [],
        left_out=_by_reason(plan.left_out) if plan else [],
        nothing=messages.WORKSPACE_SEND_NOTHING,
        running_note=messages.WORKSPACE_SEND_RUNNING,
        plan_unknown=(
            messages.WORKSPACE_SEND_UNKNOWN.format(count=len(plan.unknown), member_ids=", ".join(plan.unknown))
            if plan
            else ""
        ),
        password_note=_password_note(),
        password_field=settings is not None and bool(settings.user) and not os.environ.get(sending.PASSWORD_VARIABLE),
        tested=messages.WORKSPACE_SEND_TESTED.format(member_id=tested) if tested else "",
        test_error=test_error,
        journal=_journal_rows(names, running),
        state_words=messages.WORKSPACE_SEND_RESULT_STATES,
    )


def _testable(plan: sending.SendPlan) -> list[str]:
    """Return who a test send may use: whom the send would e-mail, and whom it did (a test is never counted)."""
    again = {m for m, reason in plan.left_out if reason in (messages.SEND_WHY_ACCEPTED, messages.SEND_WHY_UNKNOWN)}
    return [*plan.to_send, *(m for m, _ in plan.left_out if m in again)]


def _by_reason(left_out: tuple[tuple[str, str], ...]) -> list[tuple[str, list[str]]]:
    """Return the members left out under each reason, as `send` lists them (describe_left_out), for a table."""
    by_reason: dict[str, list[str]] = {}
    for member_id, reason in left_out:
        by_reason.setdefault(reason, []).append(member_id)
    return list(by_reason.items())


def _password_note() -> str:
    settings = review_state().config.email
    if settings is None:
        return ""
    if not settings.user:
        return messages.WORKSPACE_SEND_NO_LOGIN
    if os.environ.get(sending.PASSWORD_VARIABLE):
        return messages.WORKSPACE_SEND_PASSWORD_ENV
    return messages.WORKSPACE_SEND_PASSWORD_FORM


def _password() -> str | None:
    """Return the SMTP password for this one send: the server's environment, else the form (never kept)."""
    settings = review_state().config.email
    if settings is None or not settings.user:
        return None
    password = os.environ.get(sending.PASSWORD_VARIABLE) or request.form.get("password", "")
    if not password:
        abort(400, messages.WORKSPACE_SEND_NO_PASSWORD)
    return password


def _journal_rows(names: dict[str, str], running: bool) -> list[dict[str, str]]:
    """Return each member's newest line of the e-mail journal (DIR/mail.db), in member order.

    While a send runs, a `sending` line is the message being handed over, not one cut off.
    """
    journal = existing_journal(review_state().out_dir)
    if journal is None:
        return []
    with journal:
        latest = journal.latest()
    return [
        {
            "member_id": member_id,
            "name": names.get(member_id, ""),
            "state": "handing_over" if running and entry.state == SENDING else entry.state,
            "at": jst_stamp(entry.at),
            "reply": entry.reply,
            "outcome": _outcome(entry.reply),
        }
        for member_id, entry in sorted(latest.items())
    ]


def _outcome(reply: str) -> str:
    """Return the server's reply in plain words with its code (受け付けられました（250）), or "" without a code."""
    codes = smtp.reply_codes(reply)
    if codes is None or codes[0][0] not in messages.WORKSPACE_SEND_REPLY_WORDS:
        return ""
    return messages.WORKSPACE_SEND_REPLY.format(words=messages.WORKSPACE_SEND_REPLY_WORDS[codes[0][0]], code=codes[0])


@bp.post("/send/test")
def send_test() -> ResponseReturnValue:
    review = review_state()
    address = request.form.get("test_to", "").strip()
    local, at, domain = address.partition("@")
    plain = local and at and domain and "@" not in domain and not any(c.isspace() for c in address)
    if not plain or len(address) > _TEST_ADDRESS_MAX:
        abort(400, messages.WORKSPACE_SEND_BAD_ADDRESS)
    member = request.form.get("member", "").strip()
    password = _password()
    try:
        result = sending.send(
            review.config, review.out_dir, member_ids=[member] if member else None, test_to=address, password=password
        )
    except SmtpLoginRefused as exc:
        return _page(test_error=messages.WORKSPACE_SEND_LOGIN_FAILED.format(code=exc.code)), 409
    except MailmergeError as exc:
        return _page(test_error=str(exc)), 409
    return redirect(url_for("workspace.send_page", tested=result.test_sent), code=303)


@bp.post("/send")
def send_start() -> ResponseReturnValue:
    review = review_state()
    if request.form.get("confirm") != "1":
        abort(400, messages.WORKSPACE_SEND_NOT_CONFIRMED)
    password = _password()
    config, out_dir = review.config, review.out_dir

    def work(progress: jobs.JobProgress, stop: jobs.Stop) -> dict[str, Any]:
        try:
            result = sending.send(config, out_dir, password=password, progress=progress, hold_signals=stop.held)
        except SmtpLoginRefused as exc:
            raise MailmergeError(messages.WORKSPACE_SEND_LOGIN_FAILED.format(code=exc.code)) from None
        return {"summary": sending.summary_lines(result, in_browser=True)}

    return start_job("send", work)
