"""HTTPS for `mailmerge serve --host`: the certificate (given, or self-signed once) and the TLS front.

cryptography is used here only. waitress speaks no TLS, so a front of Python's ssl module takes each
browser connection (a thread each: an office has a few dozen people) and passes its bytes both ways to
waitress on a Unix socket only this user can open. Connections are kept open between requests as
waitress keeps them (werkzeug's server, used before, closed each one: a TLS handshake per thumbnail).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import re
import resource
import select
import shutil
import socket
import ssl
import tempfile
import threading
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


# A connection with no request for this long is closed (waitress closes its side after as long).
_IDLE_SECONDS = 120.0
# What waitress has written is read 256 kB at a time: a page of a megabyte in a few reads, each sent as
# TLS records of 16 kB by one call (the buffer is new for each read: no memory held per open connection).
_CHUNK = 262144
# Connections one computer may hold at once. A browser opens six to a site; a few browsers and tabs stay
# far below. One PC holding more (no sign-in is needed to connect) would take the places waitress has
# for the whole office (webserver's connection_limit): the ones over this are closed at once.
_PER_ADDRESS = 64
_OPEN_FILES = 65536


def _serve_connection(connection: socket.socket, context: ssl.SSLContext, upstream_path: str) -> None:
    """Serve one browser connection: TLS when it begins with a handshake, else a redirect to https://."""
    try:
        connection.settimeout(_PLAIN_HTTP_WAIT)
        if connection.recv(1, socket.MSG_PEEK) != b"\x16":  # 0x16: a TLS handshake record
            _redirect_to_https(connection)
            return
        # Small answers leave at once, not after the browser's delayed ACK of what went before.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with context.wrap_socket(connection, server_side=True) as tls:
            tls.settimeout(_IDLE_SECONDS)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
                upstream.connect(upstream_path)
                _pass_both_ways(tls, upstream)
    except (OSError, ssl.SSLError):
        logging.getLogger("mailmerge.review").debug("TLS/HTTP error from a client")
    finally:
        connection.close()


def _pass_both_ways(tls: ssl.SSLSocket, upstream: socket.socket) -> None:
    """Copy bytes between the browser and waitress until either side closes or the connection idles.

    poll(), not select(): select() refuses a descriptor above 1,024, which a few hundred connections
    anyone on the network opens (no sign-in needed) reach; every connection after them then died.
    """
    ends = {tls.fileno(): (tls, upstream), upstream.fileno(): (upstream, tls)}
    poller = select.poll()
    for descriptor in ends:
        poller.register(descriptor, select.POLLIN)
    while True:
        # Bytes already decrypted wait inside the TLS object, where poll() cannot see them.
        ready = [tls.fileno()] if tls.pending() else [fd for fd, _ in poller.poll(_IDLE_SECONDS * 1000)]
        if not ready:
            return
        for descriptor in ready:
            source, target = ends[descriptor]
            data = source.recv(_CHUNK)
            if not data:
                return
            target.sendall(data)


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


def _allow_open_files() -> None:
    """Raise this process's limit of open files to what the system allows it (up to _OPEN_FILES).

    A systemd service starts allowed 1,024 while it may ask for more; each browser connection takes three
    here (the browser's, the way to waitress, waitress's end): a few PCs' connections used them up, and
    the front then failed every accept() while a colleague's browser waited for nothing.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, _OPEN_FILES)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class OfficeServer:
    """The HTTPS front and waitress behind it, with waitress's few names the serving loop uses."""

    def __init__(self, app: Any, host: str, port: int, context: ssl.SSLContext):
        from mailmerge import webserver

        _allow_open_files()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listening = socket.create_server((host, port), family=family)
        self.effective_port: int = self._listening.getsockname()[1]
        self._context = context
        self._folder = tempfile.mkdtemp(prefix="mailmerge-office-")  # 0700: only this user reaches waitress
        self._upstream = os.path.join(self._folder, "app.sock")
        self._waitress = webserver.make_server(app, unix_socket=self._upstream, threads=8)
        self._closing = False
        self._behind = threading.Thread(target=self._run_waitress, daemon=True)
        self._held: dict[str, int] = {}  # open connections per client address
        self._held_lock = threading.Lock()

    def _run_waitress(self) -> None:
        try:
            self._waitress.run()
        except OSError:
            if not self._closing:  # close() ends waitress's loop by closing its socket under it
                raise

    @property
    def task_dispatcher(self) -> Any:
        """waitress's request threads (ServerThread in the tests lets them finish before closing)."""
        return self._waitress.task_dispatcher

    def run(self) -> None:
        """Serve until close() (from another thread) or Ctrl-C."""
        self._behind.start()
        while not self._closing:
            try:
                connection, address = self._listening.accept()
            except OSError:
                if self._closing:
                    return
                continue
            client = str(address[0])
            with self._held_lock:
                if self._held.get(client, 0) >= _PER_ADDRESS:
                    connection.close()
                    continue
                self._held[client] = self._held.get(client, 0) + 1
            threading.Thread(target=self._serve, args=(connection, client), daemon=True).start()

    def _serve(self, connection: socket.socket, client: str) -> None:
        try:
            _serve_connection(connection, self._context, self._upstream)
        finally:
            with self._held_lock:
                left = self._held.pop(client) - 1
                if left:
                    self._held[client] = left

    def close(self) -> None:
        """Stop serving (from any thread) and close the sockets."""
        self._closing = True
        try:
            self._listening.shutdown(socket.SHUT_RDWR)  # wakes accept() in run()
        except OSError:
            pass
        self._listening.close()
        # waitress's request threads finish first: one still at work wakes the loop through a pipe
        # that, once closed, could be another file's descriptor (tests/helpers.py: ServerThread).
        self.task_dispatcher.shutdown(timeout=120)
        self._waitress.close()
        shutil.rmtree(self._folder, ignore_errors=True)
