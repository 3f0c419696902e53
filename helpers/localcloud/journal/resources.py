"""Which queue, bucket, object or SQS messages a journaled call acts on, and which it deletes.

Compaction (compaction.py) reads these from a record's ``res`` field, written when the
call is journaled (the body and moto's state are at hand then):

- ``k`` (keys): what the record acts on. It leaves the journal once every one of them is
  deleted later in the journal (the delete itself too: a replay never creates them).
- ``p`` (parents): what it needs to exist. It leaves once any of them is deleted later (an
  object's records go with its bucket, a message's with its queue).
- ``g`` (gone): what the call deletes.
- ``n`` (needs): what the call reads at replay (a copy's source object, a function's code
  in S3, a queue named by ARN, e.g. a redrive target). Those are never compacted away:
  the call would fail at replay, and its result would be lost.

A resource is its account, Region and name, as in moto (S3 buckets: account and name,
since moto files them per account, not per Region). Sends name their messages (``msgs``),
so that a message deleted later leaves the journal with its send. Objects of a bucket
that was ever versioned are never compacted: a delete there only adds a marker.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, unquote_plus, urlsplit

from .requests import credential_scope, form, is_form, operation, signing_service

_QUEUE_OPS = frozenset(
    {
        "CreateQueue",
        "SetQueueAttributes",
        "TagQueue",
        "UntagQueue",
        "AddPermission",
        "RemovePermission",
        "DeleteQueue",
    }
)
_MESSAGE_OPS = frozenset({"SendMessage", "SendMessageBatch", "PurgeQueue"})
_MESSAGE_ID = re.compile(rb'"MessageId"\s*:\s*"([^"]+)"|<MessageId>([^<]+)</MessageId>')
_DELETE_KEY = re.compile(rb"<Object>(.*?)</Object>", re.S)
_XML_KEY = re.compile(rb"<Key>(.*?)</Key>", re.S)
_SQS_ARN = re.compile(r"arn:aws[\w-]*:sqs:([\w-]+):(\d{12}):([\w.-]+)")
_S3_ARN = re.compile(r"arn:aws[\w-]*:s3:::([a-z0-9][a-z0-9.-]{1,62})")
_SCANNED = 64 * 1024  # ARNs are looked for in bodies up to this size (zips are not read)


def queue_key(account: str, region: str, name: str) -> str:
    return f"sqs:{account}/{region}/{name}"


def messages_key(account: str, region: str, name: str) -> str:
    """The messages of a queue: what a purge deletes (the queue stays)."""
    return f"sqs-msgs:{account}/{region}/{name}"


def bucket_key(account: str, bucket: str) -> str:
    return f"s3:{account}/{bucket}"


def object_key(account: str, bucket: str, key: str) -> str:
    return f"s3obj:{account}/{bucket}/{key}"


def resources_of(
    environ: dict[str, Any], headers: dict[str, Any], body: bytes, response: bytes
) -> dict[str, list[str]]:
    """The ``res`` field of a journaled call (empty lists left out), and ``msgs``: the ids
    of the messages a send created. ``headers``: as journaled (its account)."""
    account = str(headers.get("HTTP_X_MOTO_ACCOUNT_ID", ""))
    scope = credential_scope(environ)
    region = scope[2] if scope else ""
    res: dict[str, list[str]] = {"k": [], "p": [], "g": [], "n": [], "msgs": []}
    service = signing_service(environ)
    try:
        if service == "sqs":
            _sqs(environ, body, response, account, region, res)
        elif service == "s3":
            _s3(environ, body, account, res)
        elif service == "lambda":
            res["n"] += _code_in_s3(body, account)
        res["n"] += _named_by_arn(body, account)
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
        pass  # a body moto accepted but this cannot read: the record is never compacted
    return {k: v for k, v in res.items() if v}


def _code_in_s3(body: bytes, account: str) -> list[str]:
    """CreateFunction's Code.S3Bucket/S3Key, UpdateFunctionCode's S3Bucket/S3Key."""
    if not body.startswith(b"{") or len(body) > _SCANNED or b"S3Bucket" not in body:
        return []
    data = json.loads(body)
    code = data.get("Code") if isinstance(data.get("Code"), dict) else data
    bucket, key = code.get("S3Bucket"), code.get("S3Key")
    if not isinstance(bucket, str) or not isinstance(key, str):
        return []
    return [bucket_key(account, bucket), object_key(account, bucket, key)]


def _named_by_arn(body: bytes, account: str) -> list[str]:
    if not body or len(body) > _SCANNED or (b"arn:" not in body and b"arn%3A" not in body):
        return []
    text = unquote_plus(body.decode("utf-8", "replace"))
    needs = [queue_key(m[2], m[1], m[3]) for m in _SQS_ARN.finditer(text)]
    return needs + [bucket_key(account, m[1]) for m in _S3_ARN.finditer(text)]


def _sqs(
    environ: dict[str, Any],
    body: bytes,
    response: bytes,
    account: str,
    region: str,
    res: dict[str, list[str]],
) -> None:
    op = operation(environ, body)
    if op not in _QUEUE_OPS and op not in _MESSAGE_OPS:
        return
    if environ.get("HTTP_X_AMZ_TARGET"):
        params = {k: v for k, v in json.loads(body or b"{}").items() if isinstance(v, str)}
    else:
        query = form(environ.get("QUERY_STRING", ""))
        if is_form(environ):
            query.update(form(body))
        params = {k: v[0] for k, v in query.items()}
    if op == "CreateQueue":
        name = params.get("QueueName", "")
    else:
        url = params.get("QueueUrl") or environ.get("PATH_INFO", "")
        name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    if not name:
        return
    queue, messages = queue_key(account, region, name), messages_key(account, region, name)
    if op in _QUEUE_OPS:
        res["k"].append(queue)
        if op == "DeleteQueue":
            res["g"].append(queue)
        return
    res["k"].append(messages)
    res["p"].append(queue)
    if op == "PurgeQueue":
        res["g"].append(messages)
    else:
        res["msgs"] = [(a or b).decode() for a, b in _MESSAGE_ID.findall(response)]


def _s3(environ: dict[str, Any], body: bytes, account: str, res: dict[str, list[str]]) -> None:
    path = environ.get("PATH_INFO", "")
    host = str(environ.get("HTTP_HOST", "")).split(":", 1)[0]
    if not path.startswith("/") or not (host[:1].isdigit() or host == "localhost"):
        return  # virtual-hosted style: the bucket is in the host; never compacted
    bucket, _, key = path[1:].partition("/")
    if not bucket:
        return
    bucket_res = bucket_key(account, bucket)
    query = form(environ.get("QUERY_STRING", ""))
    method = environ["REQUEST_METHOD"]
    source = environ.get("HTTP_X_AMZ_COPY_SOURCE")
    if source:  # CopyObject, UploadPartCopy: the source must still be there at replay
        src_bucket, _, src_key = unquote(source.split("?", 1)[0]).lstrip("/").partition("/")
        res["n"] += [bucket_key(account, src_bucket), object_key(account, src_bucket, src_key)]
    if not key:
        if method == "POST" and "delete" in query:  # DeleteObjects
            objects = [_XML_KEY.search(o) for o in _DELETE_KEY.findall(body)]
            names = [_xml_text(m.group(1)) for m in objects if m]
            res["k"] += [object_key(account, bucket, n) for n in names]
            res["p"].append(bucket_res)
            if b"<VersionId>" not in body and not _ever_versioned(account, bucket):
                res["g"] += res["k"]
            return
        res["k"].append(bucket_res)
        if method == "DELETE" and not query:
            res["g"].append(bucket_res)
        return
    obj = object_key(account, bucket, unquote(key))
    res["k"].append(obj)
    res["p"].append(bucket_res)
    if method == "DELETE" and not query and not _ever_versioned(account, bucket):
        res["g"].append(obj)


def _xml_text(raw: bytes) -> str:
    text = raw.decode()
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def _ever_versioned(account: str, bucket: str) -> bool:
    """Whether the bucket's versioning was ever set (a delete only adds a marker then);
    an unknown bucket counts as versioned: nothing is compacted on a guess."""
    from moto.s3.models import s3_backends

    backends = dict.get(s3_backends, account)
    backend = dict.get(backends, "aws") if backends is not None else None
    found = backend.buckets.get(bucket) if backend is not None else None
    return found is None or found.versioning_status is not None
