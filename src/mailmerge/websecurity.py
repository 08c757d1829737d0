"""The review app's guard: Host check, per-start token, CSRF, security headers, the access log, error pages.

Every request passes the guard (_guard) before any page or API code runs. The access log names routes and
known member IDs only, never a query, a name or a stray path (personal data stays out of logs).
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

from flask import Flask, Response, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from mailmerge import messages
from mailmerge.errors import MailmergeError

ACCESS_LOG = logging.getLogger("mailmerge.review")
# A route's part (document, extension, image kind) is logged as sent only when it is a plain ASCII word.
LOGGABLE_VALUE = re.compile(r"[A-Za-z0-9_-]{1,32}")
# An address a redirect may lead to: a path with one leading slash, plain URL characters only.
SAFE_TARGET = re.compile(r"/(?![/\\])[A-Za-z0-9._~!$&'()*+,;=:@%/-]*(\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?")
# Where the app keeps its per-start state (reviewstate.ReviewState): token, CSRF token, port, manifest rows.
STATE = "mailmerge_review"
LOOPBACK = "127.0.0.1"
ALLOWED_HOSTS = (LOOPBACK, "localhost")
# default-src 'none': the pages load only their own CSS, JS and images; no inline script can run.
CSP = (
    "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def install(app: Flask, guard: Callable[[], Any] | None = None) -> None:
    """Put the guard before every request, the headers and the log after, and the error pages in place.

    ``guard``: another guard instead of the per-start token's (office.guard: accounts over HTTPS).
    """
    app.before_request(guard or _guard)
    app.after_request(_headers_and_log)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(MailmergeError, _mailmerge_error)


def _state() -> Any:
    return current_app.extensions[STATE]


def _guard() -> ResponseReturnValue | None:
    review = _state()
    host = request.host.lower()
    wanted = {f"{h}:{review.port}" for h in ALLOWED_HOSTS} if review.port else set(ALLOWED_HOSTS)
    name = host.rsplit(":", 1)[0] if not review.port else host
    # A page on another site that a DNS name points at 127.0.0.1 sends its own Host: refuse it.
    if host not in wanted and name not in wanted:
        abort(400, messages.REVIEW_BAD_HOST)
    given = request.args.get("token", "")
    bearer = request.headers.get("Authorization", "")
    if given and _same(given, review.token):
        if request.method == "GET" and not request.path.startswith("/api/"):
            # The token leaves the address bar and the history at once; from now on the cookie carries it.
            response = redirect(own_path(_path_without_token()), code=303)
            response.set_cookie(review.cookie_name, review.token, httponly=True, samesite="Strict", path="/")
            return response
        return None
    if bearer.startswith("Bearer ") and _same(bearer[7:].strip(), review.token):
        return None  # a header a script sets; no other site's page can send it, so no CSRF check
    if _same(request.cookies.get(review.cookie_name, ""), review.token):
        # A cookie goes with any request the browser makes: a POST must also carry the page's CSRF token.
        if request.method not in ("GET", "HEAD"):
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
            if not _same(sent, review.csrf):
                abort(403, messages.REVIEW_CSRF)
        return None
    abort(403, messages.REVIEW_FORBIDDEN)


def csrf_token() -> str:
    """Return the CSRF token this request's pages carry: the signed-in session's own (office), else this start's."""
    return str(g.get("csrf") or _state().csrf)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _path_without_token() -> str:
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in rest)
    return request.path + (f"?{query}" if query else "")


def own_path(target: str) -> str:
    """Return ``target`` when it is a path of this app (a page it serves), else "/".

    Browsers drop tabs and line breaks from an address and read a backslash as a slash, so "/\\t/evil.com"
    and "/\\evil.com" would lead off the site: only plain URL characters, one leading slash, and a
    route this app has, are kept.
    """
    if not SAFE_TARGET.fullmatch(target):
        return "/"
    path = target.split("?", 1)[0]
    try:
        current_app.url_map.bind("localhost").match(unquote(path), method="GET")
    except HTTPException:
        return "/"
    return target


def _headers_and_log(response: Response) -> Response:
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    ACCESS_LOG.info("%s %s %s", escaped(request.method), _loggable_path(response.status_code), response.status_code)
    return response


def _loggable_path(status: int) -> str:
    """Return the request's route with known member IDs filled in: never a query, a name or a stray path.

    A refused request (403: no token) logs its route's pattern only: nothing it sent reaches the log.
    Whatever is quoted is escaped, so no value can end a line (%0A) or write a NUL (%00) into the log.
    """
    rule = request.url_rule
    if rule is None:
        return "(不明なパス)"
    path = rule.rule
    if status == 403:
        return escaped(path)
    for key, value in (request.view_args or {}).items():
        text = str(value)
        if key == "member_id":
            shown = text if _is_member(text) else "?"
        else:
            shown = text if LOGGABLE_VALUE.fullmatch(text) else "?"
        path = path.replace(f"<{key}>", shown).replace(f"<int:{key}>", shown)
    return escaped(path)


def escaped(text: str) -> str:
    """Return text with every character that is not printable written as an escape (\\n, \\x00, \\u202e)."""
    return "".join(
        char if char.isprintable() and char != "\\" else char.encode("unicode_escape").decode("ascii") for char in text
    )


def _is_member(member_id: str) -> bool:
    return any(_state().manifest_row(member_id, d) is not None for d in _state().config.documents)


def _http_error(exc: HTTPException) -> Response:
    message = exc.description if isinstance(exc.description, str) and not exc.description.isascii() else None
    if message is None:
        known = {403: messages.REVIEW_FORBIDDEN, 404: messages.REVIEW_NOT_FOUND, 500: messages.REVIEW_SERVER_ERROR}
        api = request.path.startswith("/api/")
        message = known.get(exc.code or 500, messages.REVIEW_BAD_REQUEST if api else messages.WEB_BAD_REQUEST)
    return _error(message, exc.code or 500)


def _mailmerge_error(exc: MailmergeError) -> Response:
    return _error(str(exc), 409)


def _error(message: str, status: int) -> Response:
    if request.path.startswith("/api/"):
        response = jsonify(error=message)
    else:
        if "workspace" in current_app.blueprints:  # the list may be what failed: never a link back to itself
            home = (url_for("workspace.home"), messages.ERROR_TO_HOME)
        else:
            home = (url_for("index"), messages.ERROR_TO_LIST)
        response = Response(
            render_template("error.html", message=message, status=status, back=messages.ERROR_GO_BACK, home=home),
            mimetype="text/html",
        )
    response.status_code = status
    return response
