"""AWS behaviours that cost time, in profiles: ``fast`` (default), ``aws`` and ``off``.

moto answers at once and forgets at once; AWS does not. The local cloud emulates what the
kit's calls meet on AWS and must hold up under:

1. a new function is ``Pending`` before ``Active`` (Invoke meanwhile: ResourceConflict);
2. after UpdateFunctionCode/Configuration ``LastUpdateStatus`` is ``InProgress`` (another
   update or PublishVersion meanwhile: ResourceConflict);
3. a new IAM role cannot be assumed by Lambda at once (CreateFunction: InvalidParameterValue);
4. log records arrive late and out of order across streams (the Lambda host's shipper);
5. per-account, per-Region request quotas of CloudWatch Logs reads and the durable APIs
   (ThrottlingException / TooManyRequestsException, as each service answers);
6. a deleted SQS queue lingers (GetQueueUrl still answers) and its name is reserved
   (CreateQueue: QueueDeletedRecently);
7. a deleted S3 bucket's name cannot be taken back at once (CreateBucket: OperationAborted).

``fast`` keeps every delay short but real, so that every wait and retry path of the kit runs
on every run; ``aws`` uses AWS's figures (each with its source below); ``off`` is for
benchmarks only. Choose with ``python -m helpers.localcloud --realism`` or
``LOCALCLOUD_REALISM``. The state is in memory and time-based: after a restart the local
cloud treats everything as settled (a restart takes longer than any ``fast`` delay).
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from werkzeug.wrappers import Response

from .errors import AwsError

PROFILES = ("fast", "aws", "off")
DEFAULT = "fast"
ENV = "LOCALCLOUD_REALISM"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# -- quotas (requests per second, per account and Region) ---------------------------------
# CloudWatch Logs: FilterLogEvents 5 TPS, a hard limit ("How do I determine throttling in
# my CloudWatch logs?", AWS Knowledge Center). GetLogEvents 25, DescribeLogStreams 25,
# DescribeLogGroups 10: the "CloudWatch Logs quotas" page (as recalled; verify there).
LOGS_QUOTAS = {
    "FilterLogEvents": 5.0,
    "GetLogEvents": 25.0,
    "DescribeLogStreams": 25.0,
    "DescribeLogGroups": 10.0,
}
# Lambda quotas page, section "Durable functions" (read 2026-12): per second.
DURABLE_QUOTAS = {
    "GetDurableExecution": 30.0,
    "GetDurableExecutionHistory": 15.0,
    "ListDurableExecutionsByFunction": 15.0,
    "SendDurableExecutionCallbackSuccess": 3000.0,
    "SendDurableExecutionCallbackFailure": 3000.0,
    "SendDurableExecutionCallbackHeartbeat": 3000.0,
    "StopDurableExecution": 300.0,
}
# The same page: these Regions get twice the callback and stop rates.
DOUBLED_REGIONS = frozenset({"us-east-1", "us-west-2", "eu-west-1"})
DOUBLED_OPS = frozenset(
    {
        "SendDurableExecutionCallbackSuccess",
        "SendDurableExecutionCallbackFailure",
        "SendDurableExecutionCallbackHeartbeat",
        "StopDurableExecution",
    }
)


@dataclass(frozen=True)
class Profile:
    """How long each behaviour lasts, in seconds; quotas in requests per second."""

    name: str
    function_pending_s: float = 0.0
    update_in_progress_s: float = 0.0
    role_propagation_s: float = 0.0
    log_delay_s: tuple[float, float] = (0.0, 0.0)  # each batch: uniform in [low, high]
    queue_linger_s: float = 0.0  # GetQueueUrl still finds a deleted queue
    queue_name_reserved_s: float = 0.0  # CreateQueue of that name: QueueDeletedRecently
    bucket_name_reserved_s: float = 0.0  # CreateBucket of that name: OperationAborted
    quotas: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        if self.name == "off":
            return "realism off: no AWS delays or quotas (benchmarks only)"
        low, high = self.log_delay_s
        return (
            f"realism {self.name}: function Pending {self.function_pending_s:g} s, update "
            f"InProgress {self.update_in_progress_s:g} s, new role {self.role_propagation_s:g} s, "
            f"logs {low:g}-{high:g} s late, deleted queue {self.queue_linger_s:g} s "
            f"(name {self.queue_name_reserved_s:g} s), bucket name {self.bucket_name_reserved_s:g} "
            "s, AWS quotas on log and durable reads"
        )


QUOTAS = {**LOGS_QUOTAS, **DURABLE_QUOTAS}

FAST = Profile(
    "fast",
    # Long enough that the first look after the call still sees the transient state (the
    # waiters' first poll is immediate), short enough for `make workshop` (< 75 s).
    function_pending_s=0.3,
    update_in_progress_s=0.3,
    role_propagation_s=0.6,
    log_delay_s=(0.1, 0.6),
    queue_linger_s=1.0,
    queue_name_reserved_s=2.0,
    bucket_name_reserved_s=1.5,
    # Quotas are not a time cost unless exceeded: AWS's own, in both profiles.
    quotas=QUOTAS,
)

AWS = Profile(
    "aws",
    # Lambda "Function states" (Lambda developer guide): Pending while Lambda creates the
    # function's resources; no figure is documented. A zip function outside a VPC is
    # commonly observed Pending for a few seconds.
    function_pending_s=3.0,
    # Same page, LastUpdateStatus InProgress after an update: commonly a few seconds.
    update_in_progress_s=3.0,
    # IAM "Troubleshoot IAM: changes I make are not always immediately visible" (eventual
    # consistency, no figure); Lambda refusing a new role is commonly observed for ~10 s.
    role_propagation_s=10.0,
    # CloudWatch Logs: Lambda's records commonly show up seconds after the invocation
    # (no figure documented); sometimes longer.
    log_delay_s=(1.0, 8.0),
    # SQS DeleteQueue (API reference): "The deletion process takes up to 60 seconds";
    # CreateQueue: "wait 60 seconds after deleting a queue" before reusing its name.
    queue_linger_s=60.0,
    queue_name_reserved_s=60.0,
    # S3 DeleteBucket/CreateBucket: re-creating a just-deleted name answers 409
    # OperationAborted for a while (commonly observed up to a minute or more; undocumented).
    bucket_name_reserved_s=60.0,
    quotas=QUOTAS,
)

OFF = Profile("off")

BY_NAME = {p.name: p for p in (FAST, AWS, OFF)}


class RealismError(ValueError):
    """An unknown profile name; the message lists the valid ones."""


def profile_named(name: str | None = None) -> Profile:
    """The profile ``name``, else ``LOCALCLOUD_REALISM``, else ``fast``."""
    chosen = name or os.environ.get(ENV) or DEFAULT
    if chosen not in BY_NAME:
        raise RealismError(
            f"realism {chosen!r} is unknown: use one of {', '.join(PROFILES)} (--realism or {ENV})."
        )
    return BY_NAME[chosen]


# -- request facts ------------------------------------------------------------------------
_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[\w-]+)/")
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


def _scope(environ: dict[str, Any]) -> tuple[str, str]:
    """(region, service) of a SigV4-signed request, or ("", "")."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group("region"), match.group("service")) if match else ("", "")


def _account(environ: dict[str, Any]) -> str:
    from .journal import moto_account  # imports moto: only once the local cloud runs

    return moto_account(environ)


def _raw_path(environ: dict[str, Any]) -> str:
    # Execution ARNs and callback ids carry encoded slashes: match on the path as sent.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
    return str(raw).split("?", 1)[0]


def _read_body(environ: dict[str, Any]) -> bytes:
    """The request body, leaving it in place for whoever reads it next."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _json_response(status: int, payload: Any, headers: dict[str, str]) -> Response:
    return Response(json.dumps(payload), status, {"x-amzn-RequestId": str(uuid.uuid4()), **headers})


class _TokenBucket:
    """``rate`` requests a second, bursts up to one second's worth (AWS's usual shape)."""

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.at = now

    def take(self, now: float) -> float:
        """0 if admitted, else the seconds until a token is there."""
        self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def call_wsgi(app: WSGIApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run a WSGI app to completion: (status line, headers, body), for callers that need
    the status before they answer (the journal, the gateway, the realism hooks)."""
    captured: dict[str, Any] = {}
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"], captured["headers"] = status, headers
        return written.append

    result = app(environ, start_response)
    try:
        written.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], b"".join(written)


class Realism:
    """The profile's behaviours, as hooks the gateway and the Lambda host call."""

    def __init__(
        self, profile: Profile, clock: Callable[[], float] = time.monotonic, seed: int | None = None
    ) -> None:
        self.profile = profile
        self._clock = clock
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._buckets: dict[tuple[str, str, str], _TokenBucket] = {}
        self._roles: dict[tuple[str, str], float] = {}  # (account, role name) -> created at
        self._pending: dict[tuple[str, str, str], float] = {}  # function -> Active at
        self._updating: dict[tuple[str, str, str], float] = {}  # function -> Successful at
        self._queues: dict[tuple[str, str, str], tuple[str, float]] = {}  # -> (url, deleted)
        self._buckets_deleted: dict[str, float] = {}  # bucket name -> deleted at
        self.throttled = 0  # calls refused by a quota, for the room test and benchmarks

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def active(self) -> bool:
        return self.profile.name != "off"

    # -- 4. log delivery -------------------------------------------------------------------
    def log_delay(self) -> float:
        low, high = self.profile.log_delay_s
        if high <= 0:
            return 0.0
        with self._lock:
            return self._random.uniform(low, high)

    # -- 5. quotas ---------------------------------------------------------------------------
    def _wait_for_token(self, account: str, region: str, operation: str) -> float:
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
                bucket = self._buckets[key] = _TokenBucket(rate, now)
            wait = bucket.take(now)
            if wait:
                self.throttled += 1
            return wait

    def refuse(self, environ: dict[str, Any]) -> Response | None:
        """A throttling answer for a call over its quota, else None (let it through)."""
        if not self.profile.quotas:
            return None
        region, service = _scope(environ)
        method = environ.get("REQUEST_METHOD", "GET")
        if service == "logs":
            operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).rsplit(".", 1)[-1]
            if operation in LOGS_QUOTAS and self._wait_for_token(
                _account(environ), region, operation
            ):
                # CloudWatch Logs answers throttling as the common error ThrottlingException
                # (HTTP 400), which botocore's retry handlers treat as a throttle.
                return _json_response(
                    400,
                    {"__type": "ThrottlingException", "message": "Rate exceeded"},
                    {"Content-Type": "application/x-amz-json-1.1"},
                )
            return None
        if service != "lambda" or not str(environ.get("PATH_INFO", "")).startswith("/2025-12-01/"):
            return None
        path = _raw_path(environ)
        for verb, pattern, key in _DURABLE_OPS:
            if verb == method and pattern.match(path):
                wait = self._wait_for_token(_account(environ), region, _DURABLE_NAMES[key])
                if not wait:
                    return None
                # botocore's model: TooManyRequestsException, 429, Retry-After in a header.
                return _json_response(
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

    # -- 1-3. Lambda control plane ----------------------------------------------------------
    def _function_arn(self, account: str, region: str, name: str) -> str:
        return f"arn:aws:lambda:{region}:{account}:function:{name}"

    def check_lambda_call(
        self,
        method: str,
        name: str,
        rest: str,
        role: str | None,
        region: str,
        account: str,
    ) -> None:
        """Raise what Lambda answers to a control-plane call the function's state forbids."""
        if not self.active:
            return
        now = self._clock()
        if method == "POST" and not name and role:  # CreateFunction
            created = self._roles.get((account, role.rsplit("/", 1)[-1]))
            if created is not None and now - created < self.profile.role_propagation_s:
                raise AwsError(
                    400,
                    "InvalidParameterValueException",
                    "The role defined for the function cannot be assumed by Lambda.",
                )
            return
        key = (account, region, name)
        changes = (method == "PUT" and rest in ("/code", "/configuration")) or (
            method == "POST" and rest.rstrip("/") == "/versions"
        )
        if not changes:
            return
        if self._pending.get(key, 0) > now:
            raise self._state_conflict()
        if self._updating.get(key, 0) > now:
            raise AwsError(
                409,
                "ResourceConflictException",
                "The operation cannot be performed at this time. An update is in progress "
                f"for resource: {self._function_arn(account, region, name)}",
            )

    @staticmethod
    def _state_conflict() -> AwsError:
        return AwsError(
            409,
            "ResourceConflictException",
            "The operation cannot be performed at this time. The function is currently in "
            "the following state: Pending",
        )

    def check_invoke(self, name: str, region: str, account: str) -> None:
        """Invoke of a function still Pending: ResourceConflictException, as Lambda answers."""
        if self._pending.get((account, region, name), 0) > self._clock():
            raise self._state_conflict()

    def after_lambda_call(
        self,
        method: str,
        name: str,
        rest: str,
        qualifier: str | None,
        body: bytes,
        region: str,
        account: str,
    ) -> bytes:
        """Record what a successful control-plane call started; report the function's state
        as Lambda would (Pending, InProgress) in what moto answered."""
        if not self.active:
            return body
        now = self._clock()
        try:
            data = json.loads(body) if body[:1] == b"{" else None
        except ValueError:
            data = None
        with self._lock:
            if method == "POST" and not name and isinstance(data, dict):  # CreateFunction
                name = str(data.get("FunctionName", ""))
                self._pending[(account, region, name)] = now + self.profile.function_pending_s
            elif method == "PUT" and rest in ("/code", "/configuration"):
                self._updating[(account, region, name)] = now + self.profile.update_in_progress_s
            elif method == "DELETE" and not rest and not qualifier:
                self._pending.pop((account, region, name), None)
                self._updating.pop((account, region, name), None)
                return body
        if not isinstance(data, dict) or qualifier not in (None, "$LATEST"):
            return body
        key = (account, region, name)
        conf: dict[str, Any] = (
            data["Configuration"] if isinstance(data.get("Configuration"), dict) else data
        )
        if "FunctionName" not in conf or conf.get("Version", "$LATEST") != "$LATEST":
            return body
        if self._pending.get(key, 0) > now:
            # Lambda developer guide, "Lambda function states".
            conf.update(
                State="Pending",
                StateReason="The function is being created.",
                StateReasonCode="Creating",
            )
        if self._updating.get(key, 0) > now:
            conf.update(
                LastUpdateStatus="InProgress",
                LastUpdateStatusReason="The function is being updated.",
            )
            conf.pop("LastUpdateStatusReasonCode", None)
        return json.dumps(data).encode()

    # -- 3, 6, 7: IAM, SQS and S3 in front of moto ------------------------------------------
    def around_moto(self, app: WSGIApp) -> WSGIApp:
        """``app`` (moto) with the IAM, SQS and S3 behaviours of the profile."""
        if not self.active:
            return app

        def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            region, service = _scope(environ)
            if service == "iam" and environ.get("REQUEST_METHOD") == "POST":
                return self._iam(app, environ, start_response)
            if service == "sqs" and environ.get("HTTP_X_AMZ_TARGET", "").startswith("AmazonSQS."):
                return self._sqs(app, environ, start_response, region)
            if service == "s3":
                return self._s3(app, environ, start_response)
            return app(environ, start_response)

        return wrapped

    def _iam(
        self, app: WSGIApp, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        form = parse_qs(_read_body(environ).decode("utf-8", "replace"))
        status, headers, body = call_wsgi(app, environ)
        if form.get("Action") == ["CreateRole"] and status.startswith("2"):
            with self._lock:
                self._roles[(_account(environ), form.get("RoleName", [""])[0])] = self._clock()
        start_response(status, headers)
        return [body]

    def _sqs(
        self, app: WSGIApp, environ: dict[str, Any], start_response: StartResponse, region: str
    ) -> Iterable[bytes]:
        operation = environ["HTTP_X_AMZ_TARGET"].rsplit(".", 1)[-1]
        if operation not in ("CreateQueue", "GetQueueUrl", "DeleteQueue"):
            return app(environ, start_response)
        try:
            request = json.loads(_read_body(environ) or b"{}")
        except ValueError:
            return app(environ, start_response)
        account, now = _account(environ), self._clock()
        queue = str(request.get("QueueName") or str(request.get("QueueUrl", "")).rsplit("/", 1)[-1])
        key = (account, region, queue)
        deleted = self._queues.get(key)
        if (
            operation == "CreateQueue"
            and deleted
            and now - deleted[1] < (self.profile.queue_name_reserved_s)
        ):
            # SQS CreateQueue (API reference): "You must wait 60 seconds after deleting a
            # queue before you can create another with the same name."
            return _json_response(
                400,
                {
                    "__type": "com.amazonaws.sqs#QueueDeletedRecently",
                    "message": "You must wait 60 seconds after deleting a queue before you can "
                    "create another with the same name.",
                },
                {
                    "Content-Type": "application/x-amz-json-1.0",
                    "x-amzn-query-error": "AWS.SimpleQueueService.QueueDeletedRecently;Sender",
                },
            )(environ, start_response)
        status, headers, body = call_wsgi(app, environ)
        if operation == "DeleteQueue" and status.startswith("2"):
            with self._lock:
                self._queues[key] = (str(request.get("QueueUrl", "")), now)
        elif (
            operation == "GetQueueUrl"
            and not status.startswith("2")
            and deleted
            and now - deleted[1] < self.profile.queue_linger_s
        ):
            # SQS DeleteQueue (API reference): deletion takes up to 60 s, and requests that
            # involve the queue meanwhile "might succeed": GetQueueUrl still finds it here.
            # Everything else on it fails as on a deleted queue (NonExistentQueue), so that
            # code which trusts "the URL exists" meets the failure AWS may give it.
            return _json_response(
                200, {"QueueUrl": deleted[0]}, {"Content-Type": "application/x-amz-json-1.0"}
            )(environ, start_response)
        start_response(status, headers)
        return [body]

    def _s3(
        self, app: WSGIApp, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        path = unquote(str(environ.get("PATH_INFO", "")))
        bucket = path.strip("/")
        bucket_only = "/" not in bucket and bucket and not environ.get("QUERY_STRING")
        if not bucket_only or method not in ("PUT", "DELETE"):
            return app(environ, start_response)
        now = self._clock()
        deleted = self._buckets_deleted.get(bucket)
        if method == "PUT" and deleted and now - deleted < self.profile.bucket_name_reserved_s:
            # S3 CreateBucket on a name still being released: 409 OperationAborted.
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>OperationAborted</Code>'
                "<Message>A conflicting conditional operation is currently in progress "
                "against this resource. Please try again.</Message>"
                f"<BucketName>{bucket}</BucketName><RequestId>{uuid.uuid4().hex[:16]}"
                "</RequestId></Error>"
            )
            return Response(xml, 409, {"Content-Type": "application/xml"})(environ, start_response)
        status, headers, body = call_wsgi(app, environ)
        if method == "DELETE" and status.startswith("2"):
            with self._lock:
                self._buckets_deleted[bucket] = now
        start_response(status, headers)
        return [body]
