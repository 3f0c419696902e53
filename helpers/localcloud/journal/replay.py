"""Replaying journal records into moto, and the records that are not plain HTTP calls.

Replay goes through moto's HTTP layer (~1 ms a record), except PutLogEvents, most of a
long-lived journal, which goes straight to the log group (~20 µs). An S3 multipart
upload gets its original id back (moto draws those from os.urandom), so an upload can
go on across a restart. SQS deletes are journaled as the message ids their receipt
handles point to (``sqs-delete`` records), because receipt handles come from
ReceiveMessage calls, which are not journaled.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY
from moto.iam.models import get_account_id_from

from ..patches.moto import seeded
from ..wsgi import WSGIApp, call_wsgi
from .requests import UPLOAD_ID, credential_scope, form, is_form, ok


def _sqs_delete_request(environ: dict[str, Any], body: bytes) -> tuple[str, list[str]]:
    """(queue url, receipt handles) of a DeleteMessage or DeleteMessageBatch call."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        data = json.loads(body or b"{}")
        entries = data.get("Entries") or [data]
        handles = [e["ReceiptHandle"] for e in entries if e.get("ReceiptHandle")]
        return data.get("QueueUrl", ""), handles
    params = form(environ.get("QUERY_STRING", ""))
    if is_form(environ):
        params.update(form(body))
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


def resolve_sqs_delete(environ: dict[str, Any], body: bytes) -> dict[str, Any] | None:
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


def apply_sqs_delete(record: dict[str, Any]) -> None:
    """Delete the messages a ``sqs-delete`` record names from their queue."""
    ids = set(record["message_ids"])
    for _, _, queue in _sqs_queues(record["queue"], record["account"], record["region"]):
        gone = [m for m in queue._messages if m.id in ids]
        queue._messages = [m for m in queue._messages if m.id not in ids]
        queue.pending_messages.difference_update(gone)


# --- CloudWatch Logs ------------------------------------------------------------------


def replay_put_log_events(record: dict[str, Any], body: bytes) -> None:
    """Re-apply a PutLogEvents straight to the log group.

    Every Lambda invocation logs, so these are most of the journal: moto's HTTP layer
    costs ~1 ms a call, this ~20 µs. It also judges the 14-day/2-hour acceptance window
    against the time of the original call, not of the replay, so that old logs survive
    a restart weeks later.
    """
    from moto.logs.models import logs_backends

    headers = record["headers"]
    access_key, _, region, _, _ = credential_scope(headers)
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


def rename_multipart_upload(new: str, original: str) -> None:
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


def replay_http(moto: WSGIApp, record: dict[str, Any], body: bytes) -> None:
    """Re-apply an ``http`` record (its body read already) to ``moto``, with its seed."""
    if record["headers"].get("HTTP_X_AMZ_TARGET") == "Logs_20140328.PutLogEvents":
        with seeded(record["seed"]):
            replay_put_log_events(record, body)
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
    with seeded(record["seed"]):
        status, _, payload = call_wsgi(moto, environ)
    if not ok(status):
        raise RuntimeError(f"{record['method']} {record['path']} answered {status}")
    if "upload_id" in record:
        match = UPLOAD_ID.search(payload)
        if match:
            rename_multipart_upload(match.group(1).decode(), record["upload_id"])
