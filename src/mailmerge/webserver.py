"""waitress, and only here: the review app's server on 127.0.0.1, and the one behind the office's TLS front."""

from __future__ import annotations

import logging
import socket
from typing import Any

from flask import Flask

from mailmerge.webapp import set_port
from mailmerge.websecurity import LOOPBACK


def make_server(app: Flask, port: int = 0, *, unix_socket: str | None = None, threads: int = 4) -> Any:
    """Return a waitress server for the app on 127.0.0.1 (port 0: a free one, see ``server.effective_port``).

    ``unix_socket``: on that socket instead (private to this user), behind officeserver's HTTPS front.
    """
    from waitress.server import create_server

    # waitress warns "Task queue depth is N" when requests wait for a thread: normal for a page of thumbnails.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    if unix_socket is not None:
        server = create_server(
            app,
            unix_socket=unix_socket,
            unix_socket_perms="600",
            url_scheme="https",
            threads=threads,
            connection_limit=1000,  # one per browser connection the front keeps open
            asyncore_use_poll=True,  # select() fails for good on a descriptor above 1,024 (officeserver)
            ident="mailmerge",
            clear_untrusted_proxy_headers=True,
        )
        server.channel_class = _unix_channel()
        return server
    server = create_server(
        app,
        host=LOOPBACK,
        port=port,
        threads=threads,
        ident="mailmerge",
        clear_untrusted_proxy_headers=True,
    )
    set_port(app, server.effective_port)
    return server


# A Unix socket's send buffer is ~200 kB by default: a page of a megabyte then waits in waitress, whose
# loop, woken each time the front has read a little, spins a few hundred times a page. With a buffer
# that holds the page, the request's thread writes it at once. The kernel caps it at net.core.wmem_max.
_UNIX_SEND_BUFFER = 4 * 1024 * 1024


def _unix_channel() -> type:
    """Return waitress's connection class, its socket given a send buffer that holds a page of megabytes."""
    from waitress.channel import HTTPChannel

    class UnixChannel(HTTPChannel):
        def __init__(self, server: Any, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _UNIX_SEND_BUFFER)
            super().__init__(server, sock, *args, **kwargs)

    return UnixChannel
