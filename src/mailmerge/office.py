"""The office (issue 23): sign-in, roles and the audit log over the review app and the workspace.

`mailmerge serve --host ADDRESS` serves the app to other PCs over HTTPS; then this module's guard
replaces the per-start token (websecurity's guard): the Host check against the allowed names, the
session cookie, the session's own CSRF token, and the one table of which role each page or action needs (ROLE_OF).
After each request that did something to members, one audit line records who, when, what and which
member IDs (never names or addresses).
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from mailmerge import accounts, messages, websecurity
from mailmerge.accounts import CHECKER, MANAGER, VIEWER
from mailmerge.dates import JST
from mailmerge.officestore import AuditLine, OfficeStore

EXTENSION = "mailmerge_office"
# "__Host-": the browser keeps it only when Secure, for this host and path / (no other site can set it).
SESSION_COOKIE = "__Host-mailmerge_session"
# Reachable without signing in: the sign-in page itself and the pages' CSS, scripts and icon.
PUBLIC = {"static", "office.signin", "office.signin_post"}
# The least role each page or action needs. Not listed: 閲覧 to look (GET), 管理 to change anything (POST),
# so a page another helper adds is safe before it is listed here.
ROLE_OF = {
    "decide": CHECKER,
    "api_decisions": CHECKER,
    "withdraw": CHECKER,  # who approves and holds takes a decision back too (the page offers the button)
    "set_reviewer": MANAGER,  # the typed name is not used when signed in: the account is the reviewer
    "workspace.roster_download": MANAGER,
    "workspace.roster_previous": MANAGER,
    "workspace.print_file": MANAGER,
    "workspace.template_proof_pdf": MANAGER,  # a made-up member's letter: only who proofs the template
    "workspace.send_page": MANAGER,  # who gets e-mail, the server and its replies: only who may send
    "office.audit_page": MANAGER,
    "office.users_page": MANAGER,
    "office.users_add": MANAGER,
    "office.users_disable": MANAGER,
    "office.signout": VIEWER,
}
# What a request that succeeded is recorded as (an action of messages.AUDIT_ACTIONS); every POST is recorded.
AUDITED = {
    "decide": "decision",
    "api_decisions": "decision",
    "document_file": "download",
    "workspace.print_file": "download",
    "workspace.roster_download": "download",
    "workspace.roster_previous": "download",
    "workspace.roster_upload": "upload",
    "workspace.roster_confirm": "upload",
    "workspace.template_upload": "upload",
    "workspace.template_confirm": "upload",
    "workspace.template_proof_pdf": "download",
    "workspace.run_start": "run",
    "workspace.print_start": "print",
    "workspace.send_start": "send",
    "workspace.send_test": "send_test",
    "workspace.seal_start": "seal",
    "workspace.verify_start": "verify",
}
# A value recorded as sent (a file's name, a decision): plain ASCII words only.
PLAIN = re.compile(r"[A-Za-z0-9._-]{1,80}")
AUDIT_PAGE_LINES = 500

bp = Blueprint("office", __name__, url_prefix="/office")


@dataclass
class Office:
    """What the office needs for one start of the app: the accounts, the allowed Host names, the clock."""

    store: OfficeStore
    hosts: frozenset[str]
    idle_seconds: float = accounts.DEFAULT_IDLE_HOURS * 3600
    clock: Callable[[], float] = field(default=time.time)


def install(app: Flask, office: Office) -> None:
    """Add the sign-in pages and the audit recording to an app made with ``create_app(guard=office.guard)``."""
    app.extensions[EXTENSION] = office
    app.jinja_env.globals["may"] = may
    app.after_request(_audit_after)
    app.register_blueprint(bp)


def _office() -> Office:
    return current_app.extensions[EXTENSION]


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def guard() -> BaseResponse | None:
    """Before every request: the Host, the session, CSRF, and the role the page or action needs."""
    office = _office()
    name = request.host.lower().rsplit(":", 1)[0] if not request.host.endswith("]") else request.host.lower()
    if name.strip("[]") not in office.hosts:
        abort(400, messages.OFFICE_BAD_HOST)
    endpoint = request.endpoint or ""
    if endpoint in PUBLIC:
        return None
    session = accounts.live_session(
        office.store, request.cookies.get(SESSION_COOKIE, ""), office.clock(), office.idle_seconds
    )
    if session is None:
        if request.method in ("GET", "HEAD") and not request.path.startswith("/api/"):
            return redirect(
                url_for("office.signin", next=websecurity.own_path(request.full_path.rstrip("?"))), code=303
            )
        abort(401, messages.OFFICE_SIGN_IN_FIRST)
    user = session.user
    g.account, g.reviewer, g.csrf = user, user.name, session.csrf
    if request.method not in ("GET", "HEAD"):
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
        # The session's own token (another account's is refused), and a browser's word on where the
        # request came from, so a page elsewhere cannot post even with a token someone leaked.
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none") or not _same(
            sent, session.csrf
        ):
            abort(403, messages.REVIEW_CSRF)
    least = least_role(endpoint, request.method)
    if not accounts.may(user.role, least):
        abort(403, messages.OFFICE_NEEDS_ROLE.format(role=least, own=user.role))
    return None


def least_role(endpoint: str, method: str) -> str:
    """Return the least role ``endpoint`` needs: ROLE_OF's, else 閲覧 to look and 管理 to change."""
    return ROLE_OF.get(endpoint, VIEWER if method in ("GET", "HEAD") else MANAGER)


def may(endpoint: str) -> bool:
    """For the pages: whether the signed-in account may use ``endpoint`` (its buttons and links are hidden if not).

    The guard's own rule (least_role), so a page never offers what would end in a 403.
    """
    account = g.get("account")
    if account is None:  # the sign-in page: nothing to offer
        return True
    methods = {method for rule in current_app.url_map.iter_rules(endpoint) for method in rule.methods or ()}
    return accounts.may(account.role, least_role(endpoint, "GET" if "GET" in methods else "POST"))


def record(account: str, action: str, members: list[str] | tuple[str, ...] = (), detail: str = "") -> None:
    """Add one audit line for the app's cycle, now."""
    office = _office()
    cycle = current_app.extensions[websecurity.STATE].config.cycle
    office.store.record(office.clock(), account, action, cycle, members, detail)


def _audit_after(response: Response) -> Response:
    account = g.get("account")
    endpoint = request.endpoint or ""
    if account is None or response.status_code >= 400 or endpoint.startswith("office."):
        return response
    action = AUDITED.get(endpoint) or ("post" if request.method == "POST" else None)
    if action is None:
        return response
    args = request.view_args or {}
    members: list[str] = []
    member_id = args.get("member_id")
    if member_id is None and endpoint == "api_decisions":
        body = request.get_json(silent=True)
        member_id = body.get("member_id") if isinstance(body, dict) else None
    if isinstance(member_id, str):
        members.append(member_id)
    detail = _detail(endpoint, args)
    record(account.name, action, members, detail)
    return response


def _detail(endpoint: str, args: dict[str, Any]) -> str:
    """Return the plain words an audit line adds: the decision, the file's type or name, the endpoint."""
    if endpoint == "decide":
        value = request.form.get("decision", "")
    elif endpoint == "api_decisions":
        body = request.get_json(silent=True)
        value = str(body.get("decision", "")) if isinstance(body, dict) else ""
    elif endpoint == "document_file":
        value = f"{args.get('document', '')}.{args.get('ext', '')}"
    elif "name" in args:
        value = str(args["name"])
    elif request.form.get("action") == "discard":  # the upload pages' 取り込みをやめる
        value = f"{endpoint}.discard"
    else:
        value = endpoint  # shown in words (audit_detail)
    return value if PLAIN.fullmatch(value) else "?"


def audit_detail(action: str, detail: str) -> str:
    """Return an audit line's 内容 as people read it: a decision in the review pages' words (承認済み / 保留),
    an action in Japanese words, a file's name as recorded (a member's document also by its label: 書状（letter.pdf）).
    """
    if action == "decision":
        return messages.STATUS_LABELS.get(detail, detail)
    label = messages.REVIEW_DOCUMENT_LABELS.get(detail.rpartition(".")[0]) if action == "download" else None
    if label is not None:
        return messages.AUDIT_DOCUMENT.format(label=label, file=detail)
    return messages.AUDIT_DETAILS.get(detail, detail)


# --- pages ---------------------------------------------------------------------------------------


@bp.get("/signin")
def signin() -> str:
    return render_template(
        "office/signin.html", message="", name="", next=websecurity.own_path(request.args.get("next", "/"))
    )


@bp.post("/signin")
def signin_post() -> Any:
    office = _office()
    # The sign-in form has no session yet: a form posted from another site is refused by where it came from.
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        abort(403, messages.REVIEW_CSRF)
    name = request.form.get("name", "").strip()[: accounts.MAX_NAME]
    target = websecurity.own_path(request.form.get("next", "/"))
    result = accounts.sign_in(office.store, name, request.form.get("password", ""), office.clock())
    cycle = current_app.extensions[websecurity.STATE].config.cycle
    if result.user is None:
        known = office.store.user(name) is not None
        office.store.record(office.clock(), name if known else "?", "signin_failed", cycle)
        if result.wait_seconds:
            message = messages.OFFICE_WAIT.format(wait=_minutes_seconds(result.wait_seconds))
        else:
            message = messages.OFFICE_WRONG_PASSWORD
        page = render_template("office/signin.html", message=message, name=name, next=target)
        return Response(page, status=429 if result.wait_seconds else 401, mimetype="text/html")
    office.store.record(office.clock(), result.user.name, "signin", cycle)
    response = redirect(target, code=303)
    token = accounts.new_session(office.store, result.user.name, office.clock())
    response.set_cookie(SESSION_COOKIE, token, secure=True, httponly=True, samesite="Strict", path="/")
    return response


@bp.post("/signout")
def signout() -> Any:
    office = _office()
    accounts.end_session(office.store, request.cookies.get(SESSION_COOKIE, ""))
    record(g.account.name, "signout")
    response = redirect(url_for("office.signin", signed_out=1), code=303)
    response.delete_cookie(SESSION_COOKIE, secure=True, httponly=True, samesite="Strict", path="/")
    return response


@bp.get("/audit")
def audit_page() -> str:
    lines = _office().store.audit(limit=AUDIT_PAGE_LINES)
    return _page("office/audit.html", rows=[audit_row(line) for line in reversed(lines)], limit=AUDIT_PAGE_LINES)


@bp.get("/users")
def users_page() -> str:
    now = _office().clock()
    rows = [
        {
            "name": u.name,
            "role": u.role,
            "state": messages.USER_STATE_DISABLED
            if u.disabled
            else messages.USER_STATE_WAITING
            if u.wait_until > now
            else messages.USER_STATE_ACTIVE,
            "disabled": u.disabled,
        }
        for u in _office().store.users()
    ]
    return _page(
        "office/users.html",
        rows=rows,
        roles=accounts.ROLES,
        done=request.args.get("done", ""),
        min_password=accounts.MIN_PASSWORD,
    )


def _page(template: str, **values: Any) -> str:
    """Render a manager's page in the workspace's layout (its menu, the cycle) like every other page."""
    cycle = current_app.extensions[websecurity.STATE].config.cycle
    return render_template(template, cycle_name=cycle, csrf=websecurity.csrf_token(), **values)


@bp.post("/users")
def users_add() -> Any:
    store = _office().store
    role = request.form.get("role", "")
    try:
        name = accounts.add_user(
            store, request.form.get("name", ""), role, request.form.get("password", ""), _office().clock()
        )
    except accounts.AccountError as exc:
        abort(400, str(exc))
    record(g.account.name, "user_add", detail=f"{name} {role}")
    return redirect(url_for("office.users_page", done=messages.USER_ADDED_WEB.format(name=name, role=role)), code=303)


@bp.post("/users/disable")
def users_disable() -> Any:
    name, enable = request.form.get("name", ""), request.form.get("enable") == "1"
    if name == g.account.name and not enable:
        abort(400, messages.USER_NOT_SELF)
    try:
        accounts.set_disabled(_office().store, name, not enable)
    except accounts.AccountError as exc:
        abort(400, str(exc))
    record(g.account.name, "user_enable" if enable else "user_disable", detail=name)
    done = (messages.USER_ENABLED if enable else messages.USER_DISABLED).format(name=name)
    return redirect(url_for("office.users_page", done=done), code=303)


def audit_row(line: AuditLine) -> dict[str, str]:
    """Return an audit line as people read it: JST time, the action in words, the member IDs."""
    from datetime import datetime

    return {
        "at": datetime.fromtimestamp(line.at, JST).strftime("%Y-%m-%d %H:%M:%S"),
        "account": line.account,
        "action": messages.AUDIT_ACTIONS.get(line.action, line.action),
        "cycle": line.cycle,
        "members": ", ".join(line.members),
        "detail": audit_detail(line.action, line.detail),
    }


def _minutes_seconds(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return (
        messages.OFFICE_MINUTES.format(minutes=minutes, seconds=rest)
        if minutes
        else messages.OFFICE_SECONDS.format(seconds=rest)
    )
