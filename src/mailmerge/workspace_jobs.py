"""The workspace's long work as background jobs: 作成 and 印刷 here (封印 and 点検 in workspace_seal).

Each job's work is one call of the function the command line calls (pipeline.run, printrun.print_run);
what it returns is kept as the job's result for the page to show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import abort, jsonify, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue

from mailmerge import cycle, jobs, mailing, messages, printing, printrun, sealing, settings, state
from mailmerge.dates import in_jst
from mailmerge.errors import AllSent, MailmergeError, ProblemsFound, RunInterrupted
from mailmerge.fsutil import sha256_of
from mailmerge.models import APPROVED, GROUPS, JOB_FAILED, JOB_STOPPED, JOBS_AT_WORK, Decision
from mailmerge.workspace import bp, making, page, review_state, run_error, shown_ids, workspace

PDF = "application/pdf"


def last_job(kind: str) -> dict[str, Any] | None:
    """Return the newest job of a kind in this output folder, as the pages show it."""
    job = workspace().jobs.store(review_state().out_dir).last(kind) if review_state().out_dir.is_dir() else None
    if job is None:
        return None
    running = workspace().jobs.running(review_state().out_dir)
    if job["state"] in JOBS_AT_WORK and (running is None or running[0] != job["id"]):
        # Started by an earlier server start that has gone: it ran no further.
        job = {**job, "state": JOB_STOPPED, "result": {"error": messages.WORKSPACE_JOB_ENDED}}
    live = workspace().jobs.live(job["id"]) if job["state"] in JOBS_AT_WORK else None
    if live is not None:
        job["done"], job["total"] = live
    job["state_words"] = messages.WORKSPACE_JOB_STATES[job["state"]]
    job["groups"] = _documents_by_group() if kind == "run" and job["state"] in JOBS_AT_WORK else ""
    job["started_local"] = jst_stamp(job["started_at"])
    job["finished_local"] = jst_stamp(job["finished_at"])
    # An ended job is the previous one, with when it ended: above the next confirmation (a re-send's seal,
    # say) an unlabelled 「完了」 read as if the new work were already done. Split around the state's
    # words, which the page shows in their own element (workspace.js updates them while a job runs).
    previous = messages.WORKSPACE_JOB_PREVIOUS if job["finished_local"] else messages.WORKSPACE_JOB_PREVIOUS_UNDATED
    name = messages.WORKSPACE_JOB_NAMES[kind]
    job["previous"] = previous.format(job=name, when=job["finished_local"], state="\0").split("\0")
    return job


def _documents_by_group() -> str:
    """Return the documents a run under way has finished so far, per group (its journal, as a resumed run reads it)."""
    rows = state.read_journal(review_state().out_dir)
    counts = ", ".join(
        messages.CLI_GROUP_COUNT.format(
            group=messages.ARCHIVE_GROUP_WORDS[g], count=sum(1 for r in rows if r.group == g)
        )
        for g in GROUPS
    )
    return messages.WORKSPACE_RUN_GROUPS.format(counts=counts)


def jst_stamp(stamp: str, year: bool = False) -> str:
    moment = in_jst(stamp)
    return "" if moment is None else cycle.jst(moment, year)


def _failed(command: str) -> Callable[[BaseException], tuple[str, dict[str, Any]]]:
    """Return how a job of ``command`` ended when its work raised: a state and the lines to show."""

    def failed(exc: BaseException) -> tuple[str, dict[str, Any]]:
        if isinstance(exc, RunInterrupted):
            return JOB_STOPPED, {"error": messages.WORKSPACE_RUN_STOPPED}
        if isinstance(exc, KeyboardInterrupt):
            return JOB_STOPPED, {"error": messages.interrupted(command)}
        if isinstance(exc, ProblemsFound):
            errors = [p for p in exc.problems if p.is_error]
            return JOB_FAILED, {
                "error": messages.CLI_RUN_REFUSED.format(count=len(errors)),
                "problems": [str(p) for p in exc.problems],
            }
        if isinstance(exc, MailmergeError):
            return JOB_FAILED, {"error": str(exc)}
        return JOB_FAILED, {"error": messages.REVIEW_SERVER_ERROR}

    return failed


def start_job(
    kind: str, work: Callable[[jobs.JobProgress, jobs.Stop], dict[str, Any]], stage: str = ""
) -> ResponseReturnValue:
    review = review_state()
    failed = _failed("archive" if kind == "seal" else kind)
    _, started = workspace().jobs.start(review.out_dir, kind, work, failed, stage)
    if not started:
        running = workspace().jobs.running(review.out_dir)
        abort(
            409,
            messages.WORKSPACE_JOB_BUSY.format(kind=messages.WORKSPACE_JOB_NAMES.get(running[1] if running else kind)),
        )
    return redirect(url_for(f"workspace.{kind}_page"), code=303)


@bp.get("/jobs/<kind>.json")
def job_status(kind: str) -> ResponseReturnValue:
    if kind not in messages.WORKSPACE_JOB_NAMES:
        abort(404)
    job = last_job(kind)
    if job is None:
        return jsonify(job=None)
    return jsonify(job={k: job[k] for k in ("id", "state", "state_words", "stage", "done", "total", "groups")})


@bp.post("/jobs/<int:job_id>/stop")
def job_stop(job_id: int) -> ResponseReturnValue:
    workspace().jobs.stop(review_state().out_dir, job_id)
    return redirect(
        request.referrer if (request.referrer or "").startswith(request.host_url) else url_for("workspace.home"),
        code=303,
    )


# --- 作成 ------------------------------------------------------------------------------------


@bp.get("/run")
def run_page() -> str:
    return page("workspace/run.html", job=last_job("run"), groups=GROUPS, group_words=messages.ARCHIVE_GROUP_WORDS)


@bp.post("/run")
def run_start() -> ResponseReturnValue:
    review = review_state()
    config = review.config
    only = request.form.get("only") or None
    if only is not None and only not in GROUPS:
        abort(400, messages.WEB_BAD_REQUEST)
    limit = _number("limit", messages.WORKSPACE_LIMIT_FIELD)
    disk = settings.read_settings(config.path).cycle.strip()
    if disk != config.cycle:  # the output folder follows the cycle: this start still writes into the old one
        abort(409, messages.WORKSPACE_CYCLE_CHANGED.format(disk=disk, loaded=config.cycle))

    def work(progress: jobs.JobProgress, stop: jobs.Stop) -> dict[str, Any]:
        standing = mailing.standing_decisions(review.out_dir)  # to say which of them the run voids
        result = making().run(
            config, out_dir=review.out_dir, only=only, limit=limit, progress=progress, hold_signals=stop.held
        )
        counts = ", ".join(
            messages.CLI_GROUP_COUNT.format(group=config.groups[g], count=result.counts[g]) for g in GROUPS
        )
        return {
            "done": messages.CLI_DONE.format(
                members=sum(result.counts.values()),
                counts=counts,
                documents=result.made + result.reused,
                made=result.made,
                reused=result.reused,
            ),
            "totals": messages.CLI_TOTALS.format(**result.summary),
            "warnings": [str(p) for p in result.warnings],
            **_to_review_again(result.remade, mailing.voided_decisions(standing, result.rows)),
        }

    return start_job("run", work, messages.WORKSPACE_RUN_CHECKING)


# The most members a link to 確認 names (?ids=…); a longer address is cut by the list (listfilter.IDS_LENGTH).
IDS_LINKED = 100


def _to_review_again(remade: Sequence[str], voided: Mapping[str, Decision]) -> dict[str, Any]:
    """Return the lines naming the members whose documents the run made anew, and the decisions it voided.

    The link leads to the review list showing only them (up to IDS_LINKED; more: to 要再確認 when decisions
    were voided, else to 未確認).
    """
    if not remade:
        return {}
    lines = [messages.WORKSPACE_RUN_REMADE.format(count=len(remade), ids=shown_ids(remade))]
    if voided:
        approved = sum(1 for d in voided.values() if d.decision == APPROVED)
        what = [messages.CLI_VOIDED_APPROVED.format(count=approved)] if approved else []
        what += [messages.CLI_VOIDED_HELD.format(count=len(voided) - approved)] if len(voided) > approved else []
        lines.append(messages.WORKSPACE_RUN_VOIDED.format(what="・".join(what), ids=shown_ids(sorted(voided))))
    if len(remade) <= IDS_LINKED:
        query, words = {"ids": ",".join(remade)}, messages.WORKSPACE_RUN_REVIEW_LINKS["ids"]
    else:
        status = "stale" if voided else "undecided"
        query, words = {"status": status}, messages.WORKSPACE_RUN_REVIEW_LINKS[status]
    return {"remade": lines, "review_query": query, "review_link": words}


def _number(name: str, label: str) -> int | None:
    text = request.form.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        abort(400, messages.WORKSPACE_BAD_NUMBER.format(field=label))
    return int(text)


# --- 印刷 ------------------------------------------------------------------------------------


@bp.get("/print")
def print_page() -> str:
    job = last_job("print")
    return page("workspace/print.html", job=job, files=_printed_files(job), run_error=run_error())


def _bundles_first(item: tuple[str, str]) -> tuple[bool, bool, str]:
    return item[0] in (printing.LABELS_NAME, printing.LIST_NAME), item[0] == printing.LIST_NAME, item[0]


def _printed_files(job: dict[str, Any] | None) -> list[dict[str, str]]:
    """Return the files of DIR/print/ the last recorded print wrote, each still as written: the CLI's or a job's.

    A file changed or replaced since (or a print recorded without its files' hashes) is not offered.
    The job's line describes a file only when the job made that very print.
    """
    last = printrun.print_log(review_state().out_dir).last_files()
    if last is None:
        return []
    print_id, printed_at, printed_by, hashes = last
    result = (job or {}).get("result") or {}
    lines = {f["name"]: f["line"] for f in result.get("files", [])} if result.get("print_id") == print_id else {}
    made = messages.WORKSPACE_PRINT_MADE.format(when=cycle.jst(datetime.fromisoformat(printed_at)), who=printed_by)
    folder = review_state().out_dir / printing.PRINT_DIR
    return [
        {"name": name, "line": lines.get(name, made)}
        for name, sha256 in sorted(hashes.items(), key=_bundles_first)
        if (folder / name).is_file() and sha256_of(folder / name) == sha256
    ]


@bp.post("/print")
def print_start() -> ResponseReturnValue:
    review = review_state()
    config = review.config
    include_unapproved = request.form.get("include_unapproved") == "1"
    labels_start = _number("labels_start", messages.WORKSPACE_LABELS_START_FIELD) or 1

    def work(progress: jobs.JobProgress, stop: jobs.Stop) -> dict[str, Any]:
        # By default the approved members not yet sent, as the command line prints: never a sealed letter again.
        archive_dir = review.archive_dir or sealing.default_archive_dir(config)
        sealed = sealing.sealed_documents(archive_dir.resolve(), config.cycle)
        try:
            result = printrun.print_run(
                config,
                review.out_dir,
                include_unapproved=include_unapproved,
                hold_signals=stop.held,
                labels_start=labels_start,
                choice=printrun.PrintChoice(sealed=sealed),
            )
        except AllSent as exc:  # the command line's words name its options: the page has none of them
            raise MailmergeError(messages.WORKSPACE_PRINT_ALL_SENT.format(count=exc.count)) from None
        lines = [
            (
                b.path.name,
                messages.PRINT_BUNDLE_LINE.format(
                    path=b.path.name, group=config.groups[b.group], members=b.members, pages=b.pages
                ),
            )
            for b in result.bundles
        ]
        lines.append(
            (
                result.labels.name,
                messages.PRINT_LABELS_LINE.format(
                    path=result.labels.name, labels=result.printed, sheets=result.label_sheets
                ),
            )
        )
        lines.append((result.list_csv.name, messages.PRINT_LIST_LINE.format(path=result.list_csv.name)))
        # The CLI's lines start with the file's path: here the name is the link, the rest follows it.
        files = [{"name": name, "line": line.removeprefix(f"{name}: ")} for name, line in lines]
        notes = [messages.PRINT_INCLUDES_UNAPPROVED.format(count=len(result.unapproved))] if result.unapproved else []
        if result.already_sent:
            ids = ", ".join(result.already_sent)
            notes.append(messages.WORKSPACE_PRINT_ALREADY_SENT.format(count=len(result.already_sent), ids=ids))
        return {
            "files": files,
            "print_id": result.print_id,
            "left_out": notes + printrun.describe_left_out(result.left_out),
            "hint": messages.PRINT_DONE_HINT,
        }

    return start_job("print", work)


@bp.get("/print/files/<name>")
def print_file(name: str) -> ResponseReturnValue:
    # Only a file the last recorded print wrote, as it wrote it, in DIR/print/: never a path from the address.
    if name not in {f["name"] for f in _printed_files(None)}:
        abort(404)
    path = review_state().out_dir / printing.PRINT_DIR / name
    pdf = path.suffix == ".pdf"
    return send_file(path, mimetype=PDF if pdf else "text/csv", as_attachment=not pdf, download_name=name)
