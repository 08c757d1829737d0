"""The workspace (mailmerge serve): ホーム and 名簿 pages over the same library calls as the command line.

A Flask blueprint registered on the review app (webapp.create_app), so the same guard (Host check,
per-start token, CSRF) runs before every page. Each route is one call of a library function
(cycle.overview, pipeline.check, versions.replace, …); the jobs' pages are in workspace_jobs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue

from mailmerge import (
    cycle,
    inputs,
    jobs,
    mailing,
    messages,
    sealing,
    sending,
    versions,
    websecurity,
)
from mailmerge.errors import MailmergeError, NoRun
from mailmerge.models import Problem
from mailmerge.reviewstate import file_signature

if TYPE_CHECKING:
    from mailmerge import pipeline

bp = Blueprint("workspace", __name__, url_prefix="/workspace")
EXTENSION = "mailmerge_workspace"
# An upload's size limit: a 100,000-row roster is a few MB; the reader also refuses zip bombs and too many rows.
ROSTER_MAX_BYTES = 16 << 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def making() -> ModuleType:
    """Return the pipeline, loaded on the workspace's first check or run.

    The review app alone never loads the making stage (rendering, LibreOffice, the composed path).
    """
    from mailmerge import pipeline

    return pipeline


@dataclass
class Workspace:
    """What the workspace keeps for one start of the app: the jobs, and the last check of the inputs."""

    jobs: jobs.Jobs = field(default_factory=jobs.Jobs)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _check_lock: threading.Lock = field(default_factory=threading.Lock)
    _checked: tuple[Any, pipeline.CheckResult | None, str] | None = None
    _inspections: Any = None  # pipeline.TemplateInspections, made on the first check (the pipeline loaded then)

    def check_roster(self, config: Any, roster_path: Path | None = None) -> pipeline.CheckResult:
        """Return `mailmerge check`'s result, the templates inspected again only when one of them changed."""
        with self._lock:
            if self._inspections is None:
                self._inspections = making().TemplateInspections()
        return making().check(config, roster_path, self._inspections)

    def check(self, review: Any) -> tuple[pipeline.CheckResult | None, str]:
        """Return `mailmerge check`'s result for the current inputs (again only when a file changed)."""
        checked = self._check(review)
        return checked[1], checked[2]

    def _check(self, review: Any) -> tuple[Any, pipeline.CheckResult | None, str]:
        config = review.config
        key = file_signature([config.path, config.roster, *config.documents.values()])
        with self._check_lock:
            if self._checked is None or self._checked[0] != key:
                try:
                    self._checked = (key, self.check_roster(config), "")
                except MailmergeError as exc:
                    self._checked = (key, None, str(exc))
            return self._checked

    def checked_inputs(self, review: Any) -> tuple[tuple[Any, ...], inputs.CurrentInputs] | None:
        """Return the inputs as the last check read them, with the files' signature (None without a check).

        Opening the run takes its roster from here (ReviewState.run_view) instead of reading and
        checking the same file a second time.
        """
        key, checked, _ = self._check(review)
        if checked is None:
            return None
        return key, inputs.CurrentInputs(review.config, checked.roster, inputs.template_hashes(review.config))


def register(app: Flask) -> None:
    """Add the workspace's pages to the app (its guard already runs before every request)."""
    app.extensions[EXTENSION] = Workspace()
    app.register_blueprint(bp)


def review_state() -> Any:
    return current_app.extensions[websecurity.STATE]


def workspace() -> Workspace:
    return current_app.extensions[EXTENSION]


def run_view(checked: tuple[tuple[Any, ...], inputs.CurrentInputs] | None = None) -> mailing.RunView | None:
    """Return the run as the reviewers see it, or None without one (once per request).

    None before the first run (no manifest.csv), and also when the run cannot be read: run_error says why.
    ``checked``: the inputs as the workspace's check read them (Workspace.checked_inputs).
    """
    if "workspace_view" not in g:
        g.workspace_view, g.workspace_run_error = None, ""
        try:
            g.workspace_view = review_state().run_view(checked)
        except NoRun:
            pass
        except MailmergeError as exc:  # a damaged manifest.csv is said, never taken for "not made yet"
            g.workspace_run_error = str(exc)
    return g.workspace_view


def run_error() -> str:
    """Return why the run in the output folder cannot be read ('' when it can, or when there is none yet)."""
    run_view()
    return str(g.workspace_run_error)


def page(template: str, **values: Any) -> str:
    """Render a workspace page with what every page shows (the cycle, the nav, the CSRF token)."""
    review = review_state()
    return render_template(
        template, cycle_name=review.config.cycle, csrf=websecurity.csrf_token(), steps=messages.STEP_NAMES, **values
    )


def problem_rows(problems: tuple[Problem, ...] | list[Problem]) -> list[dict[str, Any]]:
    """Return the problems as the 名簿 table shows them: Excel row, column, what is wrong, what to do."""
    rows = []
    for problem in problems:
        what, _, fix = problem.message.partition("。")
        rows.append(
            {
                "row": problem.row or "",
                "column": problem.column or "",
                "what": what + ("。" if fix else ""),
                "fix": fix.strip() or (messages.UPLOAD_FIX_DEFAULT if problem.row is not None else ""),
                "error": problem.is_error,
                "file": problem.file,
            }
        )
    return rows


# Member IDs named in one line, at most: the rest are counted (ほか N 名).
IDS_SHOWN = 10


def shown_ids(ids: Sequence[str]) -> str:
    """Return member IDs as a line names them: the first IDS_SHOWN, then how many more."""
    more = messages.STEP_MORE_IDS.format(count=len(ids) - IDS_SHOWN) if len(ids) > IDS_SHOWN else ""
    return ", ".join(ids[:IDS_SHOWN]) + more


# --- ホーム ------------------------------------------------------------------------------------

# What taking each step is: the action whose role (office.ROLE_OF) decides whether ホーム offers the step.
STEP_ACTIONS = {
    "roster": "workspace.roster_upload",
    "templates": "workspace.template_upload",
    "run": "workspace.run_start",
    "review": "decide",
    "print": "workspace.print_start",
    "send": "workspace.send_start",
    "seal": "workspace.seal_start",
}


@bp.get("/")
def home() -> str:
    review = review_state()
    checked, check_error = workspace().check(review)
    view = run_view(workspace().checked_inputs(review))
    sealed = sealing.sealed_status(review.archive_dir, review.config.cycle) if review.archive_dir else {}

    def running() -> tuple[int, int] | None:
        job = workspace().jobs.running(review.out_dir)
        if job is None or job[1] != "run":
            return None
        row = workspace().jobs.store(review.out_dir).get(job[0]) or {}
        return row.get("done", 0), row.get("total", 0)

    overview = cycle.overview(
        review.config, checked, check_error, view, sealed, running, _mail_counts(view), run_error()
    )
    links = {
        "roster": url_for("workspace.roster"),
        "templates": url_for("workspace.templates_page"),
        "run": url_for("workspace.run_page"),
        "review": url_for("index"),
        "print": url_for("workspace.print_page"),
        "send": url_for("workspace.send_page"),
        "seal": url_for("workspace.seal_page"),
    }
    return page(
        "workspace/home.html",
        overview=overview,
        links=links,
        state_words=messages.STEP_STATES,
        next_label=messages.NEXT_ACTIONS[overview.next_action],
        actions=STEP_ACTIONS,
        next_by_others=messages.NEXT_BY_OTHERS,
    )


def _mail_counts(view: mailing.RunView | None) -> tuple[int, int, int]:
    """Return the members to e-mail, e-mailed and unknown, as the 送信 page lists them (none without [email])."""
    config = review_state().config
    if config.email is None or view is None:
        return 0, 0, 0
    try:
        plan = sending.plan(config, view)
    except MailmergeError:
        return 0, 0, 0
    return len(plan.to_send), len(plan.sent_before), len(plan.unknown)


# --- 名簿 ------------------------------------------------------------------------------------


@bp.get("/roster")
def roster() -> str:
    review = review_state()
    current = Path(review.config.roster)
    checked, check_error = workspace().check(review)
    upload_id = request.args.get("upload", "")
    upload = None
    if upload_id:
        path = versions.upload_path(current, upload_id)
        result = workspace().check_roster(review.config, path)  # the same check as `mailmerge check --roster`
        by_group = result.roster.by_group()
        upload = {
            "id": upload_id,
            "problems": problem_rows(result.problems),
            "errors": len(result.errors),
            "warnings": len(result.warnings),
            "members": len(result.roster.members),
            "enrolled": len(by_group["enrolled"]),
            "unenrolled": len(by_group["unenrolled"]),
            "rejected": result.roster.rejected_rows,
            "rows": result.roster.total_rows,
            "changes": _changes_lines(review.config, checked.roster, result.roster) if checked else [],
        }
    return page(
        "workspace/roster.html",
        current=current if current.is_file() else None,
        current_when=cycle.jst(current.stat().st_mtime) if current.is_file() else "",
        members=len(checked.roster.members) if checked else 0,
        current_problems=problem_rows([p for p in checked.problems if p.row is not None]) if checked else [],
        check_error=check_error,
        upload=upload,
        replaced=request.args.get("replaced") == "1",
        previous=[(v.path.name, cycle.jst(v.saved_at)) for v in versions.previous_versions(current)],
        max_mb=ROSTER_MAX_BYTES >> 20,
    )


def _changes_lines(config: Any, current: Any, uploaded: Any) -> list[str]:
    """Return what the uploaded roster changes against the current one: members in and out, and each member's
    printed fields that differ, by their headers (never the values: the page needs no personal data for this).
    """
    changes = inputs.roster_changes(current, uploaded)
    if not (changes.added or changes.removed or changes.changed):
        return [messages.UPLOAD_NO_CHANGES]
    headers = config.columns
    lines = []
    if changes.added:
        lines.append(messages.UPLOAD_ADDED.format(count=len(changes.added), ids=shown_ids(changes.added)))
    if changes.removed:
        lines.append(messages.UPLOAD_REMOVED.format(count=len(changes.removed), ids=shown_ids(changes.removed)))
    if changes.changed:
        each = [
            messages.UPLOAD_CHANGED_MEMBER.format(
                member_id=member_id, fields="・".join(headers.get(name, name) for name in names)
            )
            for member_id, names in changes.changed[:IDS_SHOWN]
        ]
        more = len(changes.changed) - IDS_SHOWN
        lines.append(
            messages.UPLOAD_CHANGED.format(
                count=len(changes.changed),
                members=", ".join(each) + (messages.STEP_MORE_IDS.format(count=more) if more > 0 else ""),
            )
        )
    return lines


@bp.post("/roster/upload")
def roster_upload() -> ResponseReturnValue:
    request.max_content_length = ROSTER_MAX_BYTES + (64 << 10)  # the file and the form around it
    current = Path(review_state().config.roster)
    sent = request.files.get("file")
    if sent is None:
        return jsonify(error=messages.UPLOAD_EMPTY), 400
    # Only the type is read from the name the browser sent; the file is kept under a random one.
    suffix = Path(sent.filename or "").suffix
    try:
        upload_id = versions.save_upload(current, sent.stream.read(ROSTER_MAX_BYTES + 1), suffix, ROSTER_MAX_BYTES)
    except MailmergeError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(next=url_for("workspace.roster", upload=upload_id)), 201


@bp.post("/roster/confirm")
def roster_confirm() -> ResponseReturnValue:
    review = review_state()
    current = Path(review.config.roster)
    upload_id = request.form.get("upload", "")
    if request.form.get("action") == "discard":
        versions.discard_upload(current, upload_id)
        return redirect(url_for("workspace.roster"), code=303)
    result = workspace().check_roster(review.config, versions.upload_path(current, upload_id))
    if result.errors:
        abort(409, messages.UPLOAD_HAS_ERRORS.format(count=len(result.errors)))
    versions.replace(current, upload_id)
    return redirect(url_for("workspace.roster", replaced=1), code=303)


@bp.get("/roster/current")
def roster_download() -> ResponseReturnValue:
    current = Path(review_state().config.roster)
    if not current.is_file():
        abort(404)
    return send_file(current, mimetype=_roster_type(current), as_attachment=True, download_name=current.name)


@bp.get("/roster/previous/<name>")
def roster_previous(name: str) -> ResponseReturnValue:
    current = Path(review_state().config.roster)
    # Only a name previous_versions lists: never a path from the address.
    found = next((v.path for v in versions.previous_versions(current) if v.path.name == name), None)
    if found is None:
        abort(404)
    return send_file(found, mimetype=_roster_type(found), as_attachment=True, download_name=found.name)


def _roster_type(path: Path) -> str:
    return XLSX if path.suffix.lower() == ".xlsx" else "text/csv"


# The jobs' pages are routes of the same blueprint (registered when imported, before any app uses it).
from mailmerge import workspace_jobs, workspace_seal, workspace_send, workspace_texts  # noqa: E402, F401
