"""Measure the office (serve --host, issue 23) on 1,000 members: sign-in, and 20 signed-in users browsing the list.

A bounded load test against 127.0.0.2 over HTTPS: 20 accounts sign in, then each fetches the list page
REQUESTS times at once with the others; no error allowed, the median page within MAX_MEDIAN_S. The list page
signed in is compared with the same page through the per-start token (waitress on 127.0.0.1), one user.
"""

from __future__ import annotations

import http.client
import ssl
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench import make_roster
from bench_review import _get, make_review_folder

from mailmerge import accounts, office, officeserver, webapp

ADDRESS = "127.0.0.2"
USERS = 20
REQUESTS = 3
MAX_SIGN_IN_S = 0.5
MAX_MEDIAN_S = 1.0
PASSWORD = "bench password 1"
TOKEN = "bench-token-0123456789abcdef"


def _https(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the bench's own self-signed certificate
    connection = http.client.HTTPSConnection(ADDRESS, port, timeout=120, context=context)
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    seconds = time.perf_counter() - start
    connection.close()
    return seconds, response


def main() -> bool:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        config, out = make_review_folder(folder, make_roster)
        store = accounts.open_store(folder)
        for n in range(USERS):
            accounts.add_user(store, f"user{n:02d}", accounts.CHECKER, PASSWORD, 0)
        cert, key = officeserver.self_signed(folder / "office", [ADDRESS])
        app = webapp.create_app(config, out, webapp.new_token(), guard=office.guard)
        office.install(app, office.Office(store=store, hosts=frozenset([ADDRESS])))
        server = officeserver.OfficeServer(app, ADDRESS, 0, officeserver.tls_context(cert, key))
        port = server.effective_port
        threading.Thread(target=server.run, daemon=True).start()
        plain = webapp.create_app(config, out, TOKEN)
        waitress = webapp.make_server(plain, 0)
        threading.Thread(target=waitress.run, daemon=True).start()
        try:
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            cookies, sign_ins = [], []
            for n in range(USERS):
                seconds, response = _https(
                    port,
                    "POST",
                    "/office/signin",
                    form,
                    urlencode({"name": f"user{n:02d}", "password": PASSWORD, "next": "/"}),
                )
                assert response.status == 303, response.status
                sign_ins.append(seconds)
                cookies.append(response.getheader("Set-Cookie").split(";", 1)[0])
            alone = [_https(port, "GET", "/", {"Cookie": cookies[0]})[0] for _ in range(REQUESTS)]
            token = [
                _get(waitress.effective_port, "/", f"mailmerge_token_{waitress.effective_port}={TOKEN}")[0]
                for _ in range(REQUESTS)
            ]

            def browse(cookie: str) -> list[tuple[float, int]]:
                return [
                    (s, r.status) for s, r in (_https(port, "GET", "/", {"Cookie": cookie}) for _ in range(REQUESTS))
                ]

            with ThreadPoolExecutor(USERS) as pool:
                results = [item for user in pool.map(browse, cookies) for item in user]
        finally:
            server.close()
            waitress.close()
    errors = sum(1 for _s, status in results if status != 200)
    median = statistics.median(s for s, _status in results)
    print(
        f"office: sign-in median {statistics.median(sign_ins):.3f} s (max {max(sign_ins):.3f}); list page signed in "
        f"{statistics.median(alone):.3f} s vs token {statistics.median(token):.3f} s; {USERS} users × {REQUESTS}: "
        f"median {median:.3f} s, errors {errors}"
    )
    checks = [
        (
            f"sign-in median {statistics.median(sign_ins):.2f} s ≤ {MAX_SIGN_IN_S} s",
            statistics.median(sign_ins) <= MAX_SIGN_IN_S,
        ),
        (f"{USERS} users at once: no error ({errors})", errors == 0),
        (f"{USERS} users at once: median page {median:.2f} s ≤ {MAX_MEDIAN_S} s", median <= MAX_MEDIAN_S),
    ]
    for text, passed in checks:
        print(("ok   " if passed else "FAIL ") + text)
    return all(passed for _t, passed in checks)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
