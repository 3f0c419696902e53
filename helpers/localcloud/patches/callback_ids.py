"""Callback ids that cannot be derived from the execution ARN.

The testing SDK's callback id is base64 of ``{"arn": <execution ARN>, "op": <operation
id>}``; operation ids are deterministic (the SDK numbers the steps), so anyone who knows
an execution's ARN could answer its callbacks. On AWS a callback id is an opaque token
(SendDurableExecutionCallbackSuccess takes it back as issued). Here each id also carries
an HMAC of the ARN and the operation under a secret kept in the state dir (0600), so
only the id the runner issued matches: the runner finds a callback by comparing the
whole id (``Execution.find_callback_operation``). The same secret makes the same id
across a restart. Ids issued before this patch (no HMAC) still match their executions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from aws_durable_execution_sdk_python_testing.token import CallbackToken

SECRET_NAME = "callback-secret"
_SECRET_BYTES = 32
_upstream_to_str = CallbackToken.to_str
_secret = b""


def install(state_dir: Path) -> None:
    """Sign callback ids with ``state_dir``'s secret (created on first use); process-wide,
    like the runner's other patches."""
    global _secret
    _secret = _load_or_create(state_dir / SECRET_NAME)
    CallbackToken.to_str = _signed_to_str  # type: ignore[method-assign]


def _signed_to_str(self: CallbackToken) -> str:
    # `CallbackToken.from_str` reads "arn" and "op" and ignores "k".
    message = f"{self.execution_arn}\n{self.operation_id}".encode()
    mac = hmac.new(_secret, message, hashlib.sha256).digest()[:24]
    data = {
        "arn": self.execution_arn,
        "op": self.operation_id,
        "k": base64.urlsafe_b64encode(mac).decode(),
    }
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def _load_or_create(path: Path) -> bytes:
    try:
        secret = path.read_bytes()
        if len(secret) >= _SECRET_BYTES:
            return secret
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(_SECRET_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secret)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)  # never a half-written secret: ids issued with it must last
    return secret
