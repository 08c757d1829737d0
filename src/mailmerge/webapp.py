"""The local review app: Flask routes over the run's output folder, served by waitress on 127.0.0.1."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

from flask import (
    Flask,
    Response,
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
from jinja2 import StrictUndefined

from mailmerge import (
    changes,
    listfilter,
    mailing,
    mailreview,
    manifest,
    messages,
    sealing,
    state,
    thumbnails,
    weblist,
    websecurity,
    workspace,
)
from mailmerge import review as review_rules
from mailmerge.config import Config
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import sha256_bytes
from mailmerge.models import DECISIONS, GROUPS, HOLD, DocumentHashes, ManifestRow, recipient_lines
from mailmerge.reviewstate import ReviewState

MAX_NOTE = 500
MAX_REVIEWER = 40
REVIEWER_COOKIE = "mailmerge_reviewer"
FILE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def new_token() -> str:
    """Return a fresh random token for one start of the app."""
    return secrets.token_urlsafe(32)


def create_app(
    config: Config,
    out_dir: Path,
    token: str,
    *,
    port: int | None = None,
    archive_dir: Path | None = None,
    guard: Callable[[], Any] | None = None,
) -> Flask:
    """Return the review app for the run in ``out_dir`` (``port``: the one it is served on, for the Host check).

    ``archive_dir`` (default: the config's archive/) is read to show which members are sealed as sent.
    ``guard``: the office's sign-in (office.guard) instead of the per-start token.
    """
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static", static_url_path="/static")
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True  # 1,000 rows: no indentation sent
    app.jinja_env.globals.update(
        flag_labels=review_rules.FLAG_LABELS,
        status_labels=messages.STATUS_LABELS,
        document_labels=messages.REVIEW_DOCUMENT_LABELS,
        group_labels=messages.REVIEW_GROUP_LABELS,
        groups=GROUPS,
        may=lambda endpoint: True,  # with the per-start token everything is offered; office.install narrows it
        manager_only=messages.OFFICE_MANAGER_ONLY,
        checker_only=messages.OFFICE_CHECKER_ONLY,
        field_words=messages.FORM_FIELD_WORDS,
    )
    app.jinja_env.filters["local_time"] = weblist.local_time
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    review = ReviewState(
        config=config,
        out_dir=Path(out_dir).resolve(),
        token=token,
        csrf=new_token(),
        port=port,
        archive_dir=archive_dir or sealing.default_archive_dir(config),
    )
    app.extensions[websecurity.STATE] = review
    websecurity.install(app, guard)
    _routes(app)
    workspace.register(app)
    return app


def set_port(app: Flask, port: int) -> None:
    """Tell the app the port it is served on, once the server has one (the Host check needs it)."""
    app.extensions[websecurity.STATE].port = port


def _state() -> ReviewState:
    return current_app.extensions[websecurity.STATE]


# --- the run, as the pages show it ---------------------------------------------------------------


def _view() -> mailing.RunView:
    """Return the run as it is now (once per request: two reviewers see each other's decisions)."""
    if "view" not in g:
        g.view = _state().run_view()
    return g.view


def _member_or_404(member_id: str) -> Any:
    member = _view().review(member_id)
    if member is None:
        abort(404)
    return member


def _row_or_404(member_id: str, document: str) -> ManifestRow:
    row = _state().manifest_row(member_id, document)
    if row is None:
        abort(404)
    return row


def _file_of(row: ManifestRow, ext: str) -> Path:
    """Return the file the manifest names for a row, refusing one outside the output folder or not the manifest's.

    A file swapped or edited since the run (another member's letter under this name) is never served:
    409 and a page saying so, instead of the wrong letter or a broken image.
    """
    root = _state().out_dir
    relative, expected = (row.pdf, row.pdf_sha256) if ext == "pdf" else (row.docx, row.docx_sha256)
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        abort(404)
    if not manifest.is_manifests_file(root, relative, expected):
        abort(409, messages.REVIEW_FILE_CHANGED)
    return path


def _reviewer() -> str:
    if g.get("reviewer"):
        return str(g.reviewer)  # signed in (office.guard): the account is the reviewer
    return unquote(request.cookies.get(REVIEWER_COOKIE, ""))[:MAX_REVIEWER].strip()


def _record(
    member_id: str, decision: str, note: str, reviewer: str, seen: tuple[dict[str, DocumentHashes], str]
) -> None:
    """Record one decision from a page or the API (the same checks for both) on the documents and e-mail ``seen``."""
    review = _state()
    note, reviewer = note.strip(), str(g.get("reviewer") or reviewer).strip()
    if decision not in DECISIONS:
        abort(400, messages.REVIEW_BAD_DECISION)
    if not reviewer:
        abort(400, messages.REVIEW_NEED_REVIEWER)
    if decision == HOLD and not note:
        abort(400, messages.REVIEW_NEED_NOTE)
    if len(note) > MAX_NOTE or len(reviewer) > MAX_REVIEWER:
        abort(400, messages.REVIEW_TOO_LONG.format(limit=MAX_NOTE if len(note) > MAX_NOTE else MAX_REVIEWER))
    if unfit := mailing.unfit_text(reviewer, note):
        abort(400, unfit)
    shown, message = seen
    if not shown:
        abort(400, messages.REVIEW_NEED_SHOWN)
    if state.is_locked(review.out_dir):
        abort(409, messages.REVIEW_LOCKED)
    member = _member_or_404(member_id)
    # A decision holds for the documents the reviewer saw, never for ones a run made after the page opened.
    sealed = _sealed_documents() if decision == HOLD else None  # what was mailed cannot be held back
    docs, mail = {member.member_id: shown}, {member.member_id: message}
    mailing.decide(
        _view(), [member_id], decision, note, reviewer, sealed=sealed, in_browser=True, shown=docs, shown_messages=mail
    )
    _keep_what_was_decided(member)
    g.pop("view", None)  # the page shows the decision just made


def _keep_what_was_decided(member: Any) -> None:
    """Keep the roster fields and the letter's lines this decision was made on, for a later 「変更点」 panel."""
    letter, roster_member = member.row("letter"), _view().members.get(member.member_id)
    if letter is None or roster_member is None:
        return
    try:
        lines = thumbnails.text_lines(_state().out_dir / letter.pdf)
        changes.keep_snapshot(_state().out_dir, member.member_id, letter.pdf_sha256, roster_member.fields, lines)
    except (OSError, MailmergeError):
        pass  # the decision stands; its page will only say less about what changed later


def _what_changed(view: mailing.RunView, member: Any) -> changes.Changes | None:
    """Return what changed since the member's decision (None when nothing is known or nothing was to be compared)."""
    decision, letter = member.decision, member.row("letter")
    if decision is None or "letter" not in decision.documents or not (member.stale or not member.current):
        return None
    snapshot = changes.read_snapshot(view.out_dir, member.member_id, decision.documents["letter"].pdf_sha256)
    if snapshot is None:
        return None
    lines = None
    if letter is not None and "letter" not in member.facts.files_changed:
        try:
            lines = thumbnails.text_lines(view.out_dir / letter.pdf)
        except (OSError, MailmergeError):
            lines = None
    roster_member = view.members.get(member.member_id)
    return changes.changes(snapshot, roster_member.fields if roster_member else {}, lines, _state().config.columns)


def _shown_in_form() -> dict[str, DocumentHashes]:
    """Return the documents' hashes the member page was made with (hidden fields pdf_sha256.<document>)."""
    form = request.form
    return {
        key.split(".", 1)[1]: DocumentHashes(form.get(f"docx_sha256.{key.split('.', 1)[1]}", ""), form[key])
        for key in form
        if key.startswith("pdf_sha256.")
    }


def _shown_in_json(documents: Any) -> dict[str, DocumentHashes]:
    """Return ``{"letter": {"pdf_sha256": …, "docx_sha256": …}, …}`` as sent to the API ({} when not that shape)."""
    if not isinstance(documents, dict):
        return {}
    shown = {}
    for document, hashes in documents.items():
        if not isinstance(hashes, dict) or not all(
            isinstance(hashes.get(k), str) for k in ("pdf_sha256", "docx_sha256")
        ):
            return {}
        shown[str(document)] = DocumentHashes(hashes["docx_sha256"], hashes["pdf_sha256"])
    return shown


def _sealed() -> dict[str, tuple[str, str]]:
    """Return the members sealed as sent in this cycle (member_id -> sent_on, sealed_at), once per request.

    With them ``g.sealed_documents``: each one's PDFs as last sealed (member_id -> document -> hash).
    """
    if "sealed" not in g:
        state = _state()
        found: tuple[dict[str, tuple[str, str]], dict[str, dict[str, str]]] = ({}, {})
        if state.archive_dir:
            where = (state.archive_dir, state.config.cycle)
            found = (sealing.sealed_status(*where), sealing.sealed_documents(*where))
        g.sealed, g.sealed_documents = found
    return g.sealed


def _sealed_documents() -> dict[str, dict[str, str]]:
    _sealed()
    return g.sealed_documents


def _neighbours(view: mailing.RunView, shown: listfilter.ListFilter, member_id: str) -> tuple[str | None, str | None]:
    """Return the members before and after one under the list's filter."""
    fields = {m.member_id: m.fields for m in view.members.values()}
    return shown.neighbours(view.reviews, fields, member_id)


def _member_url(member_id: str, shown: listfilter.ListFilter, **extra: str) -> str:
    """Return a member page's address keeping the list's filter (and ``extra``, such as saved=1)."""
    params = {**{key: value for key in listfilter.KEYS if (value := getattr(shown, key))}, **extra}
    return url_for("member_page", member_id=member_id) + (f"?{urlencode(params)}" if params else "")


def _routes(app: Flask) -> None:
    @app.get("/")
    def index() -> str:
        view = _view()
        body = _state().shown("list", view, _sealed(), lambda: weblist.list_body(view, _sealed(), _sealed_documents()))
        return render_template("list.html", view=view, body=body, reviewer=_reviewer(), csrf=websecurity.csrf_token())

    @app.get("/members/<member_id>")
    def member_page(member_id: str) -> str:
        view = _view()
        member = _member_or_404(member_id)
        roster_member = view.members.get(member.member_id)
        shown = listfilter.ListFilter.from_query(request.args)
        previous, following = _neighbours(view, shown, member.member_id)
        return render_template(
            "member.html",
            view=view,
            member=member,
            address=recipient_lines(roster_member.fields) if roster_member else None,
            previous=previous,
            next=following,
            query=shown.query,
            what_changed=_what_changed(view, member),
            texts=messages,
            reviewer=_reviewer(),
            csrf=websecurity.csrf_token(),
            cannot_approve=member.why_not_approved(in_browser=True),
            sealed=_sealed().get(member.member_id),
            sent=weblist.sent_words(member, _sealed(), _sealed_documents()),
            cannot_hold=member.hold_blocker(_sealed_documents()),
            file_changed=messages.REVIEW_FILE_CHANGED,
            mail=mailreview.preview(_state().config, view.out_dir, roster_member, member.rows),
        )

    @app.get("/members/<member_id>/<document>/<kind>-<int:page>.png")
    def page_image(member_id: str, document: str, kind: str, page: int) -> Response:
        if kind not in thumbnails.SIZES:
            abort(404)
        row = _row_or_404(member_id, document)
        if not 1 <= page <= row.pages:
            abort(404)
        png = thumbnails.page_image(_state().out_dir, _file_of(row, "pdf"), row.pdf_sha256, kind, page)
        response = Response(png, mimetype="image/png")
        # The address carries the PDF's hash (?v=), so a cached image is never of an older file.
        response.headers["Cache-Control"] = "private, max-age=86400, immutable"
        return response

    @app.get("/members/<member_id>/<document>.<ext>")
    def document_file(member_id: str, document: str, ext: str) -> Response:
        if ext not in FILE_TYPES:
            abort(404)
        row = _row_or_404(member_id, document)
        expected = row.pdf_sha256 if ext == "pdf" else row.docx_sha256
        data = _file_of(row, ext).read_bytes()
        if sha256_bytes(data) != expected:  # changed between the check and the read: still never served
            abort(409, messages.REVIEW_FILE_CHANGED)
        return send_file(
            io.BytesIO(data),
            mimetype=FILE_TYPES[ext],
            as_attachment=ext == "docx",
            download_name=f"{row.member_id}-{row.document}.{ext}",
            etag=expected,
        )

    @app.post("/members/<member_id>/decision")
    def decide(member_id: str) -> ResponseReturnValue:
        form, seen = request.form, (_shown_in_form(), request.form.get("message_sha256", ""))
        _record(member_id, form.get("decision", ""), form.get("note", ""), _reviewer(), seen)
        shown = listfilter.ListFilter.from_query(request.args)
        if request.args.get("then") == "next":  # 「承認して次へ」 without JavaScript
            following = _neighbours(_view(), shown, _member_or_404(member_id).member_id)[1]
            if following is None:
                return redirect("/" + (f"?{shown.query}" if shown.query else ""), code=303)
            return redirect(_member_url(following, shown), code=303)
        return redirect(_member_url(member_id, shown, saved="1"), code=303)

    @app.post("/members/<member_id>/withdraw")
    def withdraw(member_id: str) -> ResponseReturnValue:
        """Take back the member's decision (back to 未確認), logged with who and when."""
        if state.is_locked(_state().out_dir):
            abort(409, messages.REVIEW_LOCKED)
        reviewer = _reviewer()
        if not reviewer:
            abort(400, messages.REVIEW_NEED_REVIEWER)
        member = _member_or_404(member_id)
        mailing.withdraw(_view(), member.member_id, reviewer)
        shown = listfilter.ListFilter.from_query(request.args)
        return redirect(_member_url(member.member_id, shown, withdrawn="1"), code=303)

    @app.post("/reviewer")
    def set_reviewer() -> ResponseReturnValue:
        name = request.form.get("reviewer", "").strip()
        if not name:
            abort(400, messages.REVIEW_NEED_REVIEWER)
        if len(name) > MAX_REVIEWER:
            abort(400, messages.REVIEW_TOO_LONG.format(limit=MAX_REVIEWER))
        if unfit := mailing.unfit_text(name, ""):
            abort(400, unfit)
        response = redirect(websecurity.own_path(request.form.get("back", "/")), code=303)
        response.set_cookie(
            REVIEWER_COOKIE, quote(name), max_age=365 * 86400, httponly=True, samesite="Strict", path="/"
        )
        return response

    @app.get("/api/members")
    def api_members() -> Response:
        view = _view()
        body = _state().shown("api", view, _sealed(), lambda: weblist.members_json(view, _sealed()))
        return Response(body, mimetype="application/json")

    @app.post("/api/decisions")
    def api_decisions() -> ResponseReturnValue:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("member_id"), str):
            abort(400, messages.REVIEW_BAD_REQUEST)
        note, reviewer = body.get("note") or "", body.get("reviewer") or _reviewer()
        if not isinstance(note, str) or not isinstance(reviewer, str):
            abort(400, messages.REVIEW_BAD_REQUEST)
        member_id = body["member_id"]
        seen = (_shown_in_json(body.get("documents")), str(body.get("message_sha256") or ""))
        _record(member_id, str(body.get("decision", "")), note, reviewer, seen)
        return jsonify(member=weblist.member_json(_member_or_404(member_id), _sealed())), 201
