"""Durable state for the local cloud's moto: a write-ahead journal of mutating calls.

moto keeps everything in memory and some of its backends cannot be pickled (SQS holds
RLocks, Lambda a WeakValueDictionary), so instead of snapshots `MotoState` records every
successful state-changing API call in ``state_dir/moto-journal.jsonl`` before the caller
sees the response, and replays the journal into an empty moto at start.

Record kinds (one JSON object per line):

- ``http``: a request as moto saw it: method, path, query, the CGI header keys
  (``HTTP_*``, ``CONTENT_TYPE``), the body (base64, or ``blob``: the sha256 of a file in
  ``state_dir/blobs/`` for bodies over 64 KiB, e.g. Lambda zips), and ``seed``. Never
  the caller's credentials: the access key and signature in ``Authorization`` are
  replaced, the session token dropped, and the account moto filed the call under is
  kept instead (``x-moto-account-id``), so that replay files it under the same one.
- ``sqs-delete``: DeleteMessage(Batch) resolved to message ids, because receipt
  handles come from ReceiveMessage calls, which are not journaled.

Determinism: moto draws ids (SQS MessageId, Lambda RevisionId, IAM RoleId...) from its
``mock_random`` singleton. Journaled calls run one at a time under a lock, each drawing
from its own ``random.Random(seed)`` (thread-local, so that concurrent read-only calls
such as a long-polling ReceiveMessage cannot consume from it), and replay uses the same
seed: ids come back identical. A moto backend created on first use (IAM loads 1,500
managed policies with random ids) draws from a generator seeded by its own name, so it
does not matter whether a read-only or a journaled call created it.

SQS across a restart is at-least-once, as on AWS: ReceiveMessage is not journaled, so
every message not deleted is visible again after a restart, with a fresh receive count.
ChangeMessageVisibility is not journaled either.

Replay goes through moto's HTTP layer (~1 ms a record), except PutLogEvents, most of a
long-lived journal, which goes straight to the log group (~20 µs). An S3 multipart
upload gets its original id back (moto draws those from os.urandom), so an upload can
go on across a restart.

Compaction: a Lambda function's records (its zips above all: ~17 MB each, most of the
replay time) are dropped from the journal when the whole function is deleted, and blobs
no record needs any more are removed. A workshop deploys and cleans up again and again;
without this, every run made the next start of the local cloud slower. Records name
their function (``function``) when journaled; older records are read to find it.

Caveats: timestamps (SQS SentTimestamp, Lambda LastModified, S3 LastModified, Logs
creationTime/ingestionTime) are those of the replay, not of the original call. moto's
state is process-global: use one MotoState per process; `replay` resets all of moto,
and the patches below are process-wide. If the journal cannot be written (disk full),
the caller gets a 500 but moto has applied the call: it is lost at the next restart.
Other resources (queues, buckets, log groups, roles) are not compacted: their records
are small.
"""

from __future__ import annotations

import os

# Read by moto when it creates the IAM backend; without it attaching
# AWSLambdaBasicDurableExecutionRolePolicy fails with NoSuchEntity.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

import base64
import contextlib
import functools
import hashlib
import io
import json
import logging
import random
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, unquote, urlsplit

from moto.core.base_backend import AccountSpecificBackend
from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY
from moto.core.responses import BaseResponse
from moto.iam.models import IAMBackend, get_account_id_from
from moto.moto_api._internal import mock_random
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_api._internal.moto_random import MotoRandom
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.wsgi import get_input_stream

from . import log_filter
from .wsgi import call_wsgi

log = logging.getLogger(__name__)

JOURNAL_NAME = "moto-journal.jsonl"
BLOB_DIR = "blobs"
BLOB_THRESHOLD = 64 * 1024  # bigger bodies go to blobs/ so the jsonl stays quick to scan

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POST/PUT calls of JSON and query protocols that change nothing worth keeping.
_READ_PREFIXES = ("Get", "List", "Describe", "Filter", "Test", "Simulate", "Assume")
_SKIPPED_OPS = frozenset(
    {"ReceiveMessage", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}
)
_SQS_DELETES = frozenset({"DeleteMessage", "DeleteMessageBatch"})
# Lambda data plane: running code is the Lambda host's business, never state to replay.
_LAMBDA_INVOKE = re.compile(
    r"^/\d{4}-\d{2}-\d{2}/functions/[^/]+/"
    r"(invocations|invoke-async/?|response-streaming-invocations)$"
)
_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
# Lambda control-plane paths that name a function (by name, name:qualifier or ARN).
_FUNCTION_PATH = re.compile(r"^/\d{4}-\d{2}-\d{2}/functions/([^/]+)(/.*)?$")
_CREATE_FUNCTION_PATH = re.compile(r"^/\d{4}-\d{2}-\d{2}/functions/?$")
_TAGS_PATH = re.compile(r"^/\d{4}-\d{2}-\d{2}/tags/(.+)$")
_BLOB_REF = re.compile(rb'"blob":"([0-9a-f]{64})"')
# Hop-by-hop or per-attempt headers: useless to moto at replay, and they bloat lines.
_DROPPED_HEADERS = frozenset(
    {
        "HTTP_CONNECTION",
        "HTTP_KEEP_ALIVE",
        "HTTP_TRANSFER_ENCODING",
        "HTTP_EXPECT",
        "HTTP_USER_AGENT",
        "HTTP_ACCEPT_ENCODING",
        "HTTP_AMZ_SDK_INVOCATION_ID",
        "HTTP_AMZ_SDK_REQUEST",
        "HTTP_CONTENT_LENGTH",
    }
)

# The caller's credentials never reach the disk (a user's real session token must not sit
# in .state/ because they ran the local target with their AWS profile): replay needs the
# credential scope (region, service) and the account, not the key, token or signature.
_CREDENTIAL_HEADERS = frozenset({"HTTP_X_AMZ_SECURITY_TOKEN"})
_KEY_OR_SIGNATURE = re.compile(r"(?<=Credential=)[^/,\s]+|(?<=Signature=)[^,\s]+")

# --- deterministic ids ------------------------------------------------------------------

_tls = threading.local()


class _PerThreadRandom(MotoRandom):
    """mock_random that draws from the calling thread's generator when one is set.

    Every other method of `random.Random` (choice, uuid4, ...) goes through these two,
    so overriding them redirects all of moto's draws.
    """

    def random(self) -> float:
        rng: random.Random | None = getattr(_tls, "rng", None)
        return super().random() if rng is None else rng.random()

    def getrandbits(self, k: int) -> int:
        rng: random.Random | None = getattr(_tls, "rng", None)
        return super().getrandbits(k) if rng is None else rng.getrandbits(k)


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    previous = getattr(_tls, "rng", None)
    _tls.rng = random.Random(seed)
    try:
        yield
    finally:
        _tls.rng = previous


def _name_seed(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


_original_getitem = AccountSpecificBackend.__getitem__


def _getitem_seeded_creation(self: AccountSpecificBackend[Any], region_name: str) -> Any:
    key = "aws" if region_name == "global" else region_name
    if dict.__contains__(self, key):
        return dict.__getitem__(self, key)
    with _seeded(_name_seed(f"{self.service_name}/{self.account_id}/{key}")):
        return _original_getitem(self, region_name)


_original_init_aws_policies = IAMBackend._init_aws_policies


def _aws_partition_policies_only(self: IAMBackend) -> list[Any]:
    # moto creates the IAM backend of all 6 partitions on the first call of any service
    # (to look up the caller's access key), each parsing and building ~1,600 managed
    # policies: ~1.1 s. The kit only lives in the "aws" partition: ~0.2 s.
    return _original_init_aws_policies(self) if self.region_name == "aws" else []


def _install_patches() -> None:
    # All process-wide and idempotent. moto imports mock_random by reference everywhere,
    # so swapping its class is enough.
    if not isinstance(mock_random, _PerThreadRandom):
        mock_random.__class__ = _PerThreadRandom
    if AccountSpecificBackend.__getitem__ is not _getitem_seeded_creation:
        AccountSpecificBackend.__getitem__ = _getitem_seeded_creation  # type: ignore[method-assign]
    if IAMBackend._init_aws_policies is not _aws_partition_policies_only:
        IAMBackend._init_aws_policies = _aws_partition_policies_only  # type: ignore[method-assign]
    log_filter.install()  # FilterLogEvents patterns as CloudWatch Logs applies them


# --- request classification -------------------------------------------------------------


def _form(data: bytes | str) -> dict[str, list[str]]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return parse_qs(text, keep_blank_values=True)


def _is_form(environ: dict[str, Any]) -> bool:
    content_type: str = environ.get("CONTENT_TYPE", "")
    return content_type.startswith("application/x-www-form-urlencoded")


def _operation(environ: dict[str, Any], body: bytes) -> str | None:
    """The API operation of a JSON-protocol (X-Amz-Target) or query-protocol call."""
    target: str | None = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    action = _form(environ.get("QUERY_STRING", "")).get("Action")
    if not action and _is_form(environ):
        action = _form(body).get("Action")
    return action[0] if action else None


def _credential_scope(environ: dict[str, Any]) -> list[str]:
    """[access key, date, region, service, "aws4_request"] of a SigV4 request, or []."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
    else:  # presigned URL
        scope = _form(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
    parts = scope.strip().split("/")
    return parts if len(parts) == 5 else []


def _signing_service(environ: dict[str, Any]) -> str | None:
    scope = _credential_scope(environ)
    return scope[3].lower() if scope else None


def moto_account(environ: dict[str, Any]) -> str:
    """The account moto files a request under (``BaseResponse.get_current_account``):
    ``MOTO_ACCOUNT_ID``, else the ``x-moto-account-id`` header, else the owner of the
    access key (moto's default account for a key its IAM never issued)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return str(environ["HTTP_X_MOTO_ACCOUNT_ID"])
    match = BaseResponse.access_key_regex.search(environ.get("HTTP_AUTHORIZATION", ""))
    return str(get_account_id_from(match.group(1) if match else "AKIAEXAMPLE"))


def without_credentials(headers: dict[str, Any], account: str) -> dict[str, Any]:
    """``headers`` as the journal keeps them: no access key, signature or session token;
    the account moto resolved from the key instead."""
    kept = {k: v for k, v in headers.items() if k not in _CREDENTIAL_HEADERS}
    if "HTTP_AUTHORIZATION" in kept:
        kept["HTTP_AUTHORIZATION"] = _KEY_OR_SIGNATURE.sub("journal", kept["HTTP_AUTHORIZATION"])
    kept.setdefault("HTTP_X_MOTO_ACCOUNT_ID", account)
    return kept


def is_journaled(environ: dict[str, Any], body: bytes) -> bool:
    """Whether a successful call with this request changes state worth replaying."""
    if environ["REQUEST_METHOD"] in _READ_METHODS:
        return False
    if _LAMBDA_INVOKE.match(environ.get("PATH_INFO", "")):
        return False
    if "select-type" in environ.get("QUERY_STRING", ""):  # S3 SelectObjectContent
        return False
    if _signing_service(environ) == "sts":  # STS keeps nothing the kit needs
        return False
    op = _operation(environ, body)
    return not (op and (op in _SKIPPED_OPS or op.startswith(_READ_PREFIXES)))


# --- SQS receipt handles ----------------------------------------------------------------


def _sqs_delete_request(environ: dict[str, Any], body: bytes) -> tuple[str, list[str]]:
    """(queue url, receipt handles) of a DeleteMessage or DeleteMessageBatch call."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        data = json.loads(body or b"{}")
        entries = data.get("Entries") or [data]
        handles = [e["ReceiptHandle"] for e in entries if e.get("ReceiptHandle")]
        return data.get("QueueUrl", ""), handles
    params = _form(environ.get("QUERY_STRING", ""))
    if _is_form(environ):
        params.update(_form(body))
    handles = [v[0] for k, v in params.items() if k.endswith("ReceiptHandle")]
    url = params.get("QueueUrl", [environ.get("PATH_INFO", "")])[0]
    return url, handles


def _sqs_queues(name: str, account: str | None = None, region: str | None = None) -> Iterator[Any]:
    from moto.sqs.models import sqs_backends

    # dict.items() so that looking does not create backends
    for acct, regions in dict.items(sqs_backends):
        if account is not None and acct != account:
            continue
        for reg, backend in dict.items(regions):
            if region is not None and reg != region:
                continue
            queue = backend.queues.get(name)
            if queue is not None:
                yield acct, reg, queue


def _resolve_sqs_delete(environ: dict[str, Any], body: bytes) -> dict[str, Any] | None:
    """A ``sqs-delete`` record naming the messages these receipt handles point to."""
    try:
        url, handles = _sqs_delete_request(environ, body)
    except (ValueError, KeyError, TypeError):
        return None
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    for account, region, queue in _sqs_queues(name):
        ids = [m.id for m in list(queue._messages) if any(m.had_receipt_handle(h) for h in handles)]
        if ids:
            return {
                "kind": "sqs-delete",
                "account": account,
                "region": region,
                "queue": name,
                "message_ids": ids,
            }
    return None


def _apply_sqs_delete(record: dict[str, Any]) -> None:
    ids = set(record["message_ids"])
    for _, _, queue in _sqs_queues(record["queue"], record["account"], record["region"]):
        gone = [m for m in queue._messages if m.id in ids]
        queue._messages = [m for m in queue._messages if m.id not in ids]
        queue.pending_messages.difference_update(gone)


# --- CloudWatch Logs ------------------------------------------------------------------


def _replay_put_log_events(record: dict[str, Any], body: bytes) -> None:
    """Re-apply a PutLogEvents straight to the log group.

    Every Lambda invocation logs, so these are most of the journal: moto's HTTP layer
    costs ~1 ms a call, this ~20 µs. It also judges the 14-day/2-hour acceptance window
    against the time of the original call, not of the replay, so that old logs survive
    a restart weeks later.
    """
    from moto.logs.models import logs_backends

    headers = record["headers"]
    access_key, _, region, _, _ = _credential_scope(headers)
    # moto's own account resolution (moto.core.responses.get_current_account)
    account = os.environ.get("MOTO_ACCOUNT_ID") or headers.get("HTTP_X_MOTO_ACCOUNT_ID")
    account = account or get_account_id_from(access_key)
    data = json.loads(body)
    at = int(record["ts"] * 1000)
    oldest, newest = at - 14 * 86_400_000, at + 2 * 3_600_000
    events = [e for e in data["logEvents"] if oldest <= e["timestamp"] <= newest]
    group = logs_backends[account][region].groups[data["logGroupName"]]
    group.put_log_events(data["logStreamName"], events)


# --- S3 ---------------------------------------------------------------------------------


def _rename_multipart_upload(new: str, original: str) -> None:
    """Give a replayed multipart upload its original id.

    moto draws upload ids from os.urandom, which no seed reaches; the client that
    started the upload before the restart still holds the original id.
    """
    from moto.s3.models import s3_backends

    for account in dict.values(s3_backends):
        for backend in dict.values(account):
            for bucket in backend.buckets.values():
                upload = bucket.multiparts.pop(new, None)
                if upload is not None:
                    upload.id = original
                    bucket.multiparts[original] = upload
                    return


# --- the journaled moto -----------------------------------------------------------------


def _ok(status: str) -> bool:
    return status[:1] == "2"


def _function_name(reference: str) -> str:
    """``name``, ``name:qualifier`` or a function ARN, as the function's name."""
    reference = unquote(reference)
    if ":function:" in reference:
        reference = reference.split(":function:", 1)[1]
    return reference.split(":", 1)[0]


def function_of(
    method: str, path: str, headers: dict[str, Any], body: Callable[[], bytes]
) -> str | None:
    """The Lambda function a journaled call acts on, or None (``body`` is read only for
    CreateFunction, whose path does not name the function)."""
    if _signing_service(headers) != "lambda":
        return None
    if match := _FUNCTION_PATH.match(path):
        return _function_name(match.group(1))
    if match := _TAGS_PATH.match(path):
        arn = unquote(match.group(1))
        return _function_name(arn) if ":function:" in arn else None
    if method == "POST" and _CREATE_FUNCTION_PATH.match(path):
        try:
            name = json.loads(body()).get("FunctionName")
        except (ValueError, AttributeError):
            return None
        return _function_name(name) if isinstance(name, str) else None
    return None


def _deleted_function(method: str, path: str, query: str, headers: dict[str, Any]) -> str | None:
    """The function a DeleteFunction of the whole function (no Qualifier) removes."""
    if method != "DELETE" or _signing_service(headers) != "lambda":
        return None
    match = _FUNCTION_PATH.match(path)
    if match is None or match.group(2) not in (None, "/"):
        return None
    reference = unquote(match.group(1))
    qualified = ":" in reference.split(":function:", 1)[-1]
    if qualified or _form(query).get("Qualifier"):
        return None
    return _function_name(reference)


class MotoState:
    """moto in server mode whose state survives restarts (even SIGKILL) in `state_dir`.

    Call `replay` once before serving `app`. A journaled call is acknowledged only after
    its record is written and flushed to the OS, which a SIGKILL cannot undo; with
    ``fsync=True`` it is also on disk, which a power cut cannot undo (about 1-10 ms more
    per mutating call).
    """

    def __init__(self, state_dir: Path, *, fsync: bool = False) -> None:
        _install_patches()
        self.state_dir = Path(state_dir)
        self.journal_path = self.state_dir / JOURNAL_NAME
        self.blob_dir = self.state_dir / BLOB_DIR
        self.fsync = fsync
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        self._moto = DomainDispatcherApplication(create_backend_app)
        # moto resolves the host of every request by listing its package directory
        # (~175 stat calls, ~2 ms); the answer only depends on the host string.
        self._moto.get_backend_for_host = functools.lru_cache(maxsize=1024)(  # type: ignore[method-assign]
            self._moto.get_backend_for_host
        )
        self._lock = threading.Lock()  # journaled calls: one at a time, in journal order
        self._journal: IO[bytes] | None = None

    # WSGI entry point
    def app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # moto's application returns Any; it is a WSGI response.
        moto: Callable[[dict[str, Any], StartResponse], Iterable[bytes]] = self._moto
        if environ["REQUEST_METHOD"] in _READ_METHODS:
            return moto(environ, start_response)
        # Buffer the body: it must be journaled and still reach moto.
        body = get_input_stream(environ).read()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.pop("wsgi.input_terminated", None)
        if not is_journaled(environ, body):
            return moto(environ, start_response)

        with self._lock:
            if _operation(environ, body) in _SQS_DELETES:
                # Resolve before moto deletes the messages that hold the handles.
                record = _resolve_sqs_delete(environ, body)
                status, headers, payload = call_wsgi(self._moto, environ)
                if record is not None and _ok(status):
                    self._append(record)
            else:
                seed = secrets.randbits(63)
                with _seeded(seed):
                    status, headers, payload = call_wsgi(self._moto, environ)
                if _ok(status):
                    record = self._http_record(environ, body, seed, payload)
                    deleted = _deleted_function(
                        record["method"], record["path"], record["query"], environ
                    )
                    if deleted is None or not self._compact(deleted):
                        self._append(record)
        start_response(status, headers)
        return [payload]

    def replay(self) -> int:
        """Reset moto and re-apply the journal; returns the number of records applied.

        Records of functions deleted since are compacted away first (see ``_compact``).
        """
        with self._lock:
            self._drop_torn_tail()
            self._compact()
            self._open_journal()
            moto_api_backend.reset()
            applied = 0
            with self.journal_path.open("rb") as f:
                for lineno, line in enumerate(f, 1):
                    try:
                        record = json.loads(line)
                        if record["kind"] == "sqs-delete":
                            _apply_sqs_delete(record)
                        else:
                            self._replay_http(record)
                        applied += 1
                    except Exception as e:  # one bad record must not stop the cloud
                        log.warning(
                            "journal %s line %d not replayed: %s", self.journal_path, lineno, e
                        )
            return applied

    def close(self) -> None:
        with self._lock:
            self.close_journal()

    # --- internals

    def _http_record(
        self, environ: dict[str, Any], body: bytes, seed: int, response: bytes
    ) -> dict[str, Any]:
        headers = without_credentials(
            {
                k: v
                for k, v in environ.items()
                if (k.startswith("HTTP_") and k not in _DROPPED_HEADERS) or k == "CONTENT_TYPE"
            },
            moto_account(environ),
        )
        record: dict[str, Any] = {
            "kind": "http",
            "ts": round(time.time(), 3),
            "seed": seed,
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("PATH_INFO", ""),
            "query": environ.get("QUERY_STRING", ""),
            "headers": headers,
        }
        names = environ.get(PRESERVED_HEADER_NAMES_ENVIRON_KEY)
        if names:
            record["names"] = names
        function = function_of(record["method"], record["path"], environ, lambda: body)
        if function is not None:
            record["function"] = function
        if len(body) > BLOB_THRESHOLD:
            record["blob"] = self._write_blob(body)
        elif body:
            record["body"] = base64.b64encode(body).decode("ascii")
        if environ["REQUEST_METHOD"] == "POST" and "uploads" in _form(record["query"]):
            match = _UPLOAD_ID.search(response)
            if match:
                record["upload_id"] = match.group(1).decode()
        return record

    def _body(self, record: dict[str, Any]) -> bytes:
        if "blob" in record:
            blob: str = record["blob"]
            return (self.blob_dir / blob).read_bytes()
        return base64.b64decode(record.get("body", ""))

    def _compact(self, deleting: str | None = None) -> bool:
        """Rewrite the journal without the records of deleted functions, then remove the
        blobs nothing needs any more. Returns whether it rewrote the journal.

        A function's records up to its last whole-function delete are dropped, the delete
        too: a replay never creates the function. ``deleting``: a function whose delete
        moto has just applied; all its records go, and its delete is never written. The
        caller holds the lock and answers only after this; on a failure it journals the
        delete instead, so the function stays deleted either way.
        """
        if not self.journal_path.exists():
            return False
        tmp = self.journal_path.with_name(f".{JOURNAL_NAME}.{os.getpid()}.tmp")
        try:
            lines: list[tuple[bytes, str | None]] = []  # (line, its function)
            gone: dict[str, int] = {}  # function -> index of its last whole delete
            named = False
            with self.journal_path.open("rb") as f:
                for line in f:
                    function, renamed, line = self._function_of_line(line)
                    named |= renamed
                    if function is not None and line.startswith(b'{"kind":"http"'):
                        record = json.loads(line)
                        if _deleted_function(
                            record["method"], record["path"], record["query"], record["headers"]
                        ):
                            gone[function] = len(lines)
                    lines.append((line, function))
            if deleting is not None:
                gone[deleting] = len(lines)
            if not gone and not named:
                return False
            kept = [
                line
                for i, (line, function) in enumerate(lines)
                if function is None or i > gone.get(function, -1)
            ]
            self.close_journal()
            with tmp.open("wb") as f:
                f.writelines(kept)
                f.flush()
                os.fsync(f.fileno())  # the old journal is replaced only by a complete one
            os.replace(tmp, self.journal_path)
        except Exception as e:  # a delete still stands: the caller journals it
            log.warning("journal %s: not compacted: %s", self.journal_path, e)
            tmp.unlink(missing_ok=True)
            return False
        needed = {m.group(1).decode() for line in kept if (m := _BLOB_REF.search(line))}
        for blob in self.blob_dir.iterdir():
            if not blob.name.startswith(".") and blob.name not in needed:
                blob.unlink(missing_ok=True)
        log.info(
            "journal: %d record(s) of %d deleted function(s) compacted away",
            len(lines) - len(kept),
            len(gone),
        )
        return True

    def _function_of_line(self, line: bytes) -> tuple[str | None, bool, bytes]:
        """(function, whether the line was just named, the line): journaled records say
        which function they act on; older ones are read once to find out."""
        try:
            record = json.loads(line)
        except ValueError:
            return None, False, line  # replay reports it, as before
        if record.get("kind") != "http":
            return None, False, line
        if "function" in record:
            return str(record["function"]), False, line
        function = function_of(
            record["method"], record["path"], record["headers"], lambda: self._body(record)
        )
        if function is None:
            return None, False, line
        record["function"] = function
        return function, True, json.dumps(record, separators=(",", ":")).encode() + b"\n"

    def close_journal(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def _replay_http(self, record: dict[str, Any]) -> None:
        body = self._body(record)
        if record["headers"].get("HTTP_X_AMZ_TARGET") == "Logs_20140328.PutLogEvents":
            with _seeded(record["seed"]):
                _replay_put_log_events(record, body)
            return
        environ: dict[str, Any] = {
            "REQUEST_METHOD": record["method"],
            "SCRIPT_NAME": "",
            "PATH_INFO": record["path"],
            "QUERY_STRING": record["query"],
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "0",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            **record["headers"],
        }
        if "names" in record:
            environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = record["names"]
        with _seeded(record["seed"]):
            status, _, payload = call_wsgi(self._moto, environ)
        if not _ok(status):
            raise RuntimeError(f"{record['method']} {record['path']} answered {status}")
        if "upload_id" in record:
            match = _UPLOAD_ID.search(payload)
            if match:
                _rename_multipart_upload(match.group(1).decode(), record["upload_id"])

    def _open_journal(self) -> IO[bytes]:
        if self._journal is None:
            self._drop_torn_tail()
            self._journal = self.journal_path.open("ab")
        return self._journal

    def _drop_torn_tail(self) -> None:
        """Cut bytes after the last newline: a write torn by a kill, never acknowledged."""
        if not self.journal_path.exists():
            return
        with self.journal_path.open("r+b") as f:
            size = f.seek(0, os.SEEK_END)
            if size == 0:
                return
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return
            f.seek(0)
            keep = f.read().rfind(b"\n") + 1
            log.warning(
                "journal %s: dropping %d bytes of a torn last record",
                self.journal_path,
                size - keep,
            )
            f.truncate(keep)

    def _append(self, record: dict[str, Any]) -> None:
        f = self._open_journal()
        # One write of the whole line: a kill tears at most this unacknowledged record.
        f.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        f.flush()
        if self.fsync:
            os.fsync(f.fileno())

    def _write_blob(self, body: bytes) -> str:
        digest = hashlib.sha256(body).hexdigest()
        path = self.blob_dir / digest
        if not path.exists():  # content-addressed: a re-uploaded zip costs nothing
            tmp = path.with_name(f".{digest}.{os.getpid()}.{threading.get_ident()}.tmp")
            with tmp.open("wb") as f:
                f.write(body)
                f.flush()
                if self.fsync:
                    os.fsync(f.fileno())
            os.replace(tmp, path)  # never a half-written blob under its final name
        return digest
