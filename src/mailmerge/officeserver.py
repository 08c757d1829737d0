"""HTTPS for `mailmerge serve --host`: the certificate (given, or self-signed once) and the threaded TLS server.

cryptography is used here only; waitress speaks no TLS, so the office is served by werkzeug's threaded
server with Python's ssl module (one thread per request; an office has a few dozen people at most).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import re
import socket
import ssl
from pathlib import Path
from typing import Any

from mailmerge import messages
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import FILE_MODE

CERT_NAME = "tls-cert.pem"
KEY_NAME = "tls-key.pem"
CERT_DAYS = 825


class CertificateError(MailmergeError):
    """The certificate or its key cannot be read."""


def self_signed(folder: Path, names: list[str]) -> tuple[Path, Path]:
    """Return the certificate and key kept in ``folder``, made (self-signed, for ``names``) when missing."""
    cert_path, key_path = folder / CERT_NAME, folder / KEY_NAME
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])])
    alternatives: list[x509.GeneralName] = []
    for name in names:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CERT_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def fingerprint(cert_path: Path) -> str:
    """Return the certificate's SHA-256 fingerprint as browsers show it (AB:CD:…)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        certificate = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    except (OSError, ValueError) as exc:
        raise CertificateError(messages.OFFICE_CERT_UNREADABLE.format(cert=cert_path, key="", reason=exc)) from None
    return ":".join(f"{b:02X}" for b in certificate.fingerprint(hashes.SHA256()))


def tls_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_path, key_path)
    except (OSError, ssl.SSLError) as exc:
        raise CertificateError(
            messages.OFFICE_CERT_UNREADABLE.format(cert=cert_path, key=key_path, reason=exc)
        ) from None
    return context


_PLAIN_HTTP_WAIT = 10.0  # seconds a new connection has to send its first byte
_HOST_HEADER = re.compile(rb"^Host:[ \t]*([A-Za-z0-9.:\[\]-]+)[ \t]*\r?$", re.I | re.M)
_REQUEST_PATH = re.compile(rb"^[A-Z]+ (/[\x21-\x7e]*) HTTP/")


def _accept(listening: socket.socket, context: ssl.SSLContext) -> tuple[ssl.SSLSocket, Any]:
    """Accept a connection: TLS when it begins with a TLS handshake, else answer a redirect to https://.

    Raises OSError for a connection not served (socketserver then waits for the next one).
    """
    connection, address = listening.accept()
    try:
        connection.settimeout(_PLAIN_HTTP_WAIT)
        if connection.recv(1, socket.MSG_PEEK) != b"\x16":  # 0x16: a TLS handshake record
            _redirect_to_https(connection)
            raise OSError("plain HTTP answered with a redirect")
        connection.settimeout(None)
        # werkzeug writes the headers and the body apart: with Nagle's algorithm the body of a small answer
        # waits for the browser's delayed ACK of the headers (waitress sets this too).
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return context.wrap_socket(connection, server_side=True), address
    except (OSError, ssl.SSLError):
        connection.close()
        raise


def _redirect_to_https(connection: socket.socket) -> None:
    """Answer a plain HTTP request with 301 to the same host, port and path over https."""
    request = connection.recv(8192)
    host, path = _HOST_HEADER.search(request), _REQUEST_PATH.match(request)
    if host is None:
        return
    location = b"https://" + host.group(1) + (path.group(1) if path else b"/")
    connection.sendall(
        b"HTTP/1.1 301 Moved Permanently\r\nLocation: "
        + location
        + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )


class OfficeServer:
    """A threaded HTTPS server for the app, with waitress's few names the serving loop uses."""

    def __init__(self, app: Any, host: str, port: int, context: ssl.SSLContext):
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            # The app's own access log (websecurity) names routes only; werkzeug's would print the whole
            # address, query and all, and a client's address.
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass

            def log(self, type: str, message: str, *args: Any) -> None:
                if type == "error":
                    logging.getLogger("mailmerge.review").warning("TLS/HTTP error from a client")

        self._server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
        # TLS is begun per connection, not on the listening socket: a browser's plain http:// to this
        # port gets a redirect to https:// instead of a reset connection.
        self._server.ssl_context = context  # werkzeug's handler reads it: wsgi.url_scheme https
        listening = self._server.socket
        self._server.get_request = lambda: _accept(listening, context)  # type: ignore[method-assign]
        self.effective_port: int = self._server.server_port
        self._serving = False

    def run(self) -> None:
        self._serving = True
        self._server.serve_forever()

    def close(self) -> None:
        """Stop serving (from any thread) and close the listening socket."""
        if self._serving:
            self._server.shutdown()  # returns at once when serve_forever has already ended (Ctrl-C)
        self._server.server_close()
