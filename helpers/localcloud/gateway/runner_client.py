"""HTTP to the durable runner, and its errors as AWS answers them."""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any

from ..errors import AwsError

SYNC_LIMIT_S = 15 * 60


class RunnerClient:
    """HTTP to the runner's private port, one keep-alive connection per thread."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._local = threading.local()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        for attempt in range(2):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(
                    "127.0.0.1", self._port, timeout=SYNC_LIMIT_S
                )
            try:
                conn.request(method, path, body=body or None, headers=headers or {})
                reply = conn.getresponse()
                return reply.status, dict(reply.getheaders()), reply.read()
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        body = json.dumps(payload).encode() if payload is not None else b""
        status, _, data = self.request(method, path, body, {"Content-Type": "application/json"})
        return status, json.loads(data) if data else {}


def runner_error(status: int, body: bytes, path: str) -> AwsError | None:
    """Translate the runner's errors to what AWS answers, where they differ."""
    if status < 400:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    code = data.get("Type") or data.get("__type") or data.get("code") or "ServiceException"
    message = data.get("message") or data.get("Message") or body.decode(errors="replace")
    if not isinstance(message, str) or "<html" in message.lower():
        # The runner's HTTP server answers an operation it lacks with an HTML page.
        message = "The local cloud's durable runner cannot serve this call."
    if "/durable-execution-callbacks/" in path:
        # The runner says ResourceNotFound for every failed answer; AWS distinguishes an
        # unknown callback id from one that is no longer waiting.
        if (
            "not in STARTED" in message
            or "already" in message.lower()
            or "not started" in message.lower()
        ):
            return AwsError(
                400, "CallbackTimeoutException", "The callback has already completed or timed out."
            )
        if (
            "base64" in message.lower()
            or "decode" in message.lower()
            or "json" in message.lower()
            or "Invalid" in message
        ):
            return AwsError(400, "InvalidParameterValueException", "The callback ID is not valid.")
        if status >= 500:
            return AwsError(404, "ResourceNotFoundException", "Callback not found.")
    if status >= 500:
        return AwsError(500, "ServiceException", message)
    return AwsError(status, code, message)
