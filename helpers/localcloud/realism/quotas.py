"""5. Per-account, per-Region request quotas, answered as each service answers throttling."""

from __future__ import annotations

import math
import re
from typing import Any

from werkzeug.wrappers import Response

from ..wsgi import raw_path
from .facts import account, json_response, scope
from .profiles import DOUBLED_OPS, DOUBLED_REGIONS, LOGS_QUOTAS
from .state import RealismState, TokenBucket

_DURABLE_OPS = [
    ("GET", re.compile(r"^/2025-12-01/durable-executions/[^/]+/history/?$"), "History"),
    ("GET", re.compile(r"^/2025-12-01/durable-executions/[^/]+/?$"), ""),
    ("GET", re.compile(r"^/2025-12-01/functions/[^/]+/durable-executions/?$"), "List"),
    ("POST", re.compile(r"^/2025-12-01/durable-execution-callbacks/[^/]+/succeed/?$"), "S"),
    ("POST", re.compile(r"^/2025-12-01/durable-execution-callbacks/[^/]+/fail/?$"), "F"),
    ("POST", re.compile(r"^/2025-12-01/durable-execution-callbacks/[^/]+/heartbeat/?$"), "H"),
    ("POST", re.compile(r"^/2025-12-01/durable-executions/[^/]+/stop/?$"), "Stop"),
]
_DURABLE_NAMES = {
    "History": "GetDurableExecutionHistory",
    "": "GetDurableExecution",
    "List": "ListDurableExecutionsByFunction",
    "S": "SendDurableExecutionCallbackSuccess",
    "F": "SendDurableExecutionCallbackFailure",
    "H": "SendDurableExecutionCallbackHeartbeat",
    "Stop": "StopDurableExecution",
}


class QuotaChecks(RealismState):
    """Token buckets per (account, Region, operation), refusing calls over the quota."""

    def wait_for_token(self, account: str, region: str, operation: str) -> float:
        """0 if a call of ``operation`` is within its quota now, else the seconds until it is."""
        rate = self.profile.quotas.get(operation)
        if rate is None:
            return 0.0
        if operation in DOUBLED_OPS and region in DOUBLED_REGIONS:
            rate *= 2
        now = self._clock()
        with self._lock:
            key = (account, region, operation)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(rate, now)
            wait = bucket.take(now)
            if wait:
                self.throttled += 1
            return wait

    def refuse(self, environ: dict[str, Any]) -> Response | None:
        """A throttling answer for a call over its quota, else None (let it through)."""
        if not self.profile.quotas:
            return None
        region, service = scope(environ)
        method = environ.get("REQUEST_METHOD", "GET")
        if service == "logs":
            operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).rsplit(".", 1)[-1]
            if operation in LOGS_QUOTAS and self.wait_for_token(
                account(environ), region, operation
            ):
                # CloudWatch Logs answers throttling as the common error ThrottlingException
                # (HTTP 400), which botocore's retry handlers treat as a throttle.
                return json_response(
                    400,
                    {"__type": "ThrottlingException", "message": "Rate exceeded"},
                    {"Content-Type": "application/x-amz-json-1.1"},
                )
            return None
        if service != "lambda" or not str(environ.get("PATH_INFO", "")).startswith("/2025-12-01/"):
            return None
        path = raw_path(environ)
        for verb, pattern, key in _DURABLE_OPS:
            if verb == method and pattern.match(path):
                wait = self.wait_for_token(account(environ), region, _DURABLE_NAMES[key])
                if not wait:
                    return None
                # botocore's model: TooManyRequestsException, 429, Retry-After in a header.
                return json_response(
                    429,
                    {
                        "Reason": "CallerRateLimitExceeded",
                        "Type": "User",
                        "message": "Rate exceeded",
                    },
                    {
                        "Content-Type": "application/json",
                        "x-amzn-ErrorType": "TooManyRequestsException",
                        "Retry-After": str(max(1, math.ceil(wait))),
                    },
                )
        return None
