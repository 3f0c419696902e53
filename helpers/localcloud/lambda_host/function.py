"""What an invocation needs to know about a function version, and what it answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MARKER_HEADER = "X-Dex-Handler-Invoke"
MAX_PAYLOAD = 6 * 1024 * 1024  # synchronous invocation payload limit
MAX_ASYNC_PAYLOAD = 1024 * 1024  # Event invocation payload limit
# A synchronous response may be 6 MB too; Lambda's own error names 6291556 bytes, 100 more
# than 6 MiB ("Invocation payload (request and response)", Lambda quotas).
MAX_RESPONSE = 6_291_556


@dataclass(frozen=True)
class FunctionVersion:
    """What an invocation needs to know about one resolved function version."""

    name: str
    arn: str  # unqualified
    version: str  # "$LATEST" or a number
    handler: str
    runtime: str
    timeout: int
    memory_size: int
    environment: dict[str, str]
    code_sha: str
    region: str
    account: str
    durable: dict[str, Any] | None
    log_format: str
    log_group: str
    code: bytes = field(repr=False, compare=False)

    @property
    def key(self) -> tuple[str, ...]:
        # A worker bakes in its handler, environment and limits at start, so they are part
        # of the key: after UpdateFunctionConfiguration no older warm worker serves $LATEST
        # (on Lambda, too, an update means new execution environments).
        config = json.dumps(
            [
                self.handler,
                self.runtime,
                self.timeout,
                self.memory_size,
                sorted(self.environment.items()),
                self.log_format,
                self.log_group,
            ]
        )
        return (self.region, self.name, self.version, self.code_sha, config)


@dataclass
class InvokeResult:
    status: int
    payload: bytes
    headers: dict[str, str]
