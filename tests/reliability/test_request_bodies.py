"""Request bodies are bounded before anything reads them, on every method: a GET or HEAD
body is drained, never kept; one over the cap (by Content-Length, or a chunked one read
no further than the cap) is refused without reading the rest, the connection closed,
and the server keeps serving (gateway/edge.py: take_body)."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers.localcloud import LocalCloud
from helpers.localcloud.gateway.edge import MAX_BODY
from tests.reliability.test_every_route import auth

DEADLINE_S = 30.0


def _connect(cloud: LocalCloud) -> socket.socket:
    url = urlsplit(cloud.endpoint)
    sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=5)
    sock.settimeout(DEADLINE_S)
    return sock


def _head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _reply(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (bounded)."""
    data, deadline = b"", time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    return data


def _healthy(cloud: LocalCloud) -> bool:
    with _connect(cloud) as sock:
        sock.sendall(_head("GET", "/_localcloud/health", {"Connection": "close"}))
        return _reply(sock).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE", "POST"])
def test_a_huge_body_is_refused_unread_and_the_server_keeps_serving(
    cloud: LocalCloud, method: str
) -> None:
    """10 GB announced, none sent: the answer comes at once (a server that read the body
    would wait for it past the deadline)."""
    headers = {**auth("s3"), "Content-Length": str(10 * 1024**3)}
    with _connect(cloud) as sock:
        sock.sendall(_head(method, "/some-bucket/key", headers))
        reply = _reply(sock)
    assert reply.split(b"\r\n", 1)[0].split()[1] in (b"400", b"413"), reply[:300]
    if method != "HEAD":
        assert b"<Code>EntityTooLarge</Code>" in reply or b"RequestEntityTooLarge" in reply
    assert _healthy(cloud)


def test_a_refused_body_is_not_read_after_the_answer_either(cloud: LocalCloud) -> None:
    """A client that keeps sending a body announced over the cap: the server neither
    reads it for the operation nor drains it after its answer (werkzeug would drain up
    to 10 GB): the connection is cut while 256 MB are still being sent."""
    chunk = bytes(1 << 20)
    headers = {**auth("s3"), "Content-Length": str(10 * 1024**3)}
    sent, cut = 0, False
    with _connect(cloud) as sock:
        sock.sendall(_head("GET", "/some-bucket/key", headers))
        try:
            while sent < 256 * len(chunk):
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            cut = True
    assert cut, f"{sent} bytes of a refused body taken"
    assert _healthy(cloud)


def test_a_chunked_get_body_past_the_cap_is_cut_there(cloud: LocalCloud) -> None:
    """No Content-Length: the body is read no further than the cap, then refused. The
    server answers and closes while the client still sends, so the client sees either
    the 413 or its connection reset (the kernel drops an answer when the peer resets);
    a server reading on would take all of it and then wait for the last chunk."""
    chunk = bytes(1 << 20)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent, cut = 0, False
    with _connect(cloud) as sock:
        sock.sendall(_head("GET", "/_localcloud/health", {"Transfer-Encoding": "chunked"}))
        try:
            while sent <= MAX_BODY + 64 * len(chunk):  # bounded: the cap and 64 MB more
                sock.sendall(frame)
                sent += len(chunk)
            reply = _reply(sock)  # no last chunk: only a server that stopped reading answers
        except (BrokenPipeError, ConnectionResetError):
            cut, reply = True, b""
    assert cut or b" 413 " in reply.split(b"\r\n", 1)[0], (sent, reply[:300])
    assert not reply or b"RequestEntityTooLargeException" in reply
    assert _healthy(cloud)


def test_a_get_body_within_the_cap_is_drained_and_the_connection_goes_on(
    cloud: LocalCloud,
) -> None:
    """A GET with a 2 MB body (and one chunked) is answered as a GET without one."""
    body = b"x" * (2 << 20)
    with _connect(cloud) as sock:
        sock.sendall(_head("GET", "/_localcloud/health", {"Content-Length": str(len(body))}) + body)
        assert _reply(sock).startswith(b"HTTP/1.1 200"), "a drained GET body is not served"
    with _connect(cloud) as sock:
        chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        sock.sendall(
            _head("GET", "/_localcloud/health", {"Transfer-Encoding": "chunked"}) + chunked
        )
        assert _reply(sock).startswith(b"HTTP/1.1 200")
