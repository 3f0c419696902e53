"""Compaction: a deleted resource's records leave the journal, and unused blobs go.

The journal holds only calls moto acknowledged (a failed call is never written; a record
torn by a kill, never acknowledged, is cut at start, ``store.drop_torn_tail``); records
that fail to replay (crafted, or refused) are dropped after the replay (`drop_failed`).

A function is its account, Region and name (``function_key``), as in moto and on AWS:
deleting one never drops the records of a same-named function elsewhere.

A function's records (its zips above all: ~17 MB each, most of the replay time) are
dropped from the journal when the whole function is deleted, and blobs no record needs
any more are removed. A workshop deploys and cleans up again and again; without this,
every run made the next start of the local cloud slower. Records name their function
(``function``) when journaled; older records are read to find it.

Queues, buckets, objects and SQS messages are compacted the same way (``res``, written
by resources.py when journaled): under create/delete churn the journal stays bounded.
Their deletes are many and small (every processed message), so `MotoState` compacts for
them in batches (`due`), and a function's delete at once (its zips are big). Log groups
and roles are not compacted.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any

from .requests import deleted_function, function_key, function_of
from .resources import messages_key, queue_key
from .store import JOURNAL_NAME, JournalFile

log = logging.getLogger(__name__)

_BLOB_REF = re.compile(rb'"blob":"([0-9a-f]{64})"')


def compact(journal: JournalFile, deleting: str | None = None) -> bool:
    """Rewrite the journal without the records of deleted resources, then remove the
    blobs nothing needs any more. Returns whether it rewrote the journal.

    A resource's records up to its last delete are dropped, the delete too: a replay
    never creates it (resources.py says which records act on, need and delete what).
    ``deleting``: the `function_key` of a function whose delete moto has just applied;
    all its records go, and its delete is never written. The caller holds the lock and
    answers only after this; on a failure it journals the delete instead, so the
    function stays deleted either way.
    """
    path = journal.path
    if not path.exists():
        return False
    tmp = path.with_name(f".{JOURNAL_NAME}.{os.getpid()}.tmp")
    try:
        lines: list[tuple[bytes, _Res]] = []
        gone: dict[str, int] = {}  # resource -> index of its last delete
        needed: set[str] = set()  # read by a call at replay: never compacted
        named = False
        with path.open("rb") as f:
            for line in f:
                res, renamed, line = _resources_of_line(journal, line)
                named |= renamed
                gone.update(dict.fromkeys(res.get("g", ()), len(lines)))
                needed.update(res.get("n", ()))
                lines.append((line, res))
        if deleting is not None:
            gone[_FUNCTION + deleting] = len(lines)
        for resource in needed:
            gone.pop(resource, None)
        dropped = {i for i, (_, res) in enumerate(lines) if _deleted_after(i, res, gone)}
        dropped |= _deleted_messages(lines, dropped)
        if not dropped and not named:
            return False
        kept = [line for i, (line, _) in enumerate(lines) if i not in dropped]
        journal.close()
        with tmp.open("wb") as f:
            f.writelines(kept)
            f.flush()
            os.fsync(f.fileno())  # the old journal is replaced only by a complete one
        os.replace(tmp, path)
    except Exception as e:  # a delete still stands: the caller journals it
        log.warning("journal %s: not compacted: %s", path, e)
        tmp.unlink(missing_ok=True)
        return False
    _remove_unneeded_blobs(journal, kept)
    log.info(
        "journal: %d record(s) of %d deleted resource(s) compacted away",
        len(dropped),
        len(gone),
    )
    return True


_FUNCTION = "fn:"
_Res = dict[str, list[str]]


def _deleted_after(i: int, res: _Res, gone: dict[str, int]) -> bool:
    """Whether record ``i`` acts only on resources deleted at or after it, or needs one
    deleted after it."""
    keys, parents = res.get("k", ()), res.get("p", ())
    if any(gone.get(p, -1) >= i for p in parents):
        return True
    return bool(keys) and all(gone.get(k, -1) >= i for k in keys)


def _deleted_messages(lines: list[tuple[bytes, _Res]], dropped: set[int]) -> set[int]:
    """Sends whose every message a kept ``sqs-delete`` deletes, and the ``sqs-delete``
    records all of whose messages those sends created."""
    deleted: dict[str, set[str]] = {}
    for i, (_, res) in enumerate(lines):
        if "ids" in res and i not in dropped:
            deleted.setdefault(res["k"][0], set()).update(res["ids"])
    if not deleted:
        return set()
    sends: set[int] = set()
    sent: dict[str, set[str]] = {}
    for i, (_, res) in enumerate(lines):
        msgs = res.get("msgs")
        if msgs and i not in dropped and set(msgs) <= deleted.get(res["k"][0], set()):
            sends.add(i)
            sent.setdefault(res["k"][0], set()).update(msgs)
    deletes = {
        i
        for i, (_, res) in enumerate(lines)
        if "ids" in res and i not in dropped and set(res["ids"]) <= sent.get(res["k"][0], set())
    }
    return sends | deletes


def _resources_of_line(journal: JournalFile, line: bytes) -> tuple[_Res, bool, bytes]:
    """(what the record acts on, needs and deletes; whether the line was just named; the
    line). Functions: journaled records name theirs; older ones are read once to find out."""
    try:
        record = json.loads(line)
        if record.get("kind") == "sqs-delete":
            account, region, queue = record["account"], record["region"], record["queue"]
            return (
                {
                    "k": [messages_key(account, region, queue)],
                    "p": [queue_key(account, region, queue)],
                    "ids": [str(i) for i in record["message_ids"]],
                },
                False,
                line,
            )
        if record.get("kind") != "http":
            return {}, False, line
        res: _Res = {k: list(v) for k, v in record.get("res", {}).items()}
        if "msgs" in record:
            res["msgs"] = list(record["msgs"])
        headers = record["headers"]
        if "function" in record:
            return _with_function(res, record, str(record["function"])), False, line
        function = function_of(
            record["method"], record["path"], headers, lambda: journal.body(record)
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}, False, line  # replay reports it, as before
    if function is None:
        return res, False, line
    record["function"] = function
    named = json.dumps(record, separators=(",", ":")).encode() + b"\n"
    return _with_function(res, record, function), True, named


def _with_function(res: _Res, record: dict[str, Any], function: str) -> _Res:
    key = _FUNCTION + function_key(function, record["headers"])
    res["k"] = [*res.get("k", ()), key]
    if deleted_function(record["method"], record["path"], record["query"], record["headers"]):
        res["g"] = [*res.get("g", ()), key]
    return res


def drop_failed(journal: JournalFile, failed: set[int]) -> None:
    """Rewrite the journal without the records at line numbers ``failed`` (1-based):
    records replay refused or could not apply. Replay is deterministic, so they would
    fail at every start, and a journal keeping them would only grow. The caller holds the
    lock; the journal is reopened on the next append."""
    path = journal.path
    tmp = path.with_name(f".{JOURNAL_NAME}.{os.getpid()}.tmp")
    try:
        with path.open("rb") as f:
            kept = [line for lineno, line in enumerate(f, 1) if lineno not in failed]
        journal.close()
        with tmp.open("wb") as f:
            f.writelines(kept)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:  # they stay, and are reported again at the next start
        log.warning("journal %s: records that failed not dropped: %s", path, e)
        tmp.unlink(missing_ok=True)
        return
    _remove_unneeded_blobs(journal, kept)
    log.warning("journal %s: %d record(s) that failed to replay dropped", path, len(failed))


def _remove_unneeded_blobs(journal: JournalFile, kept: list[bytes]) -> None:
    needed = {m.group(1).decode() for line in kept if (m := _BLOB_REF.search(line))}
    for blob in journal.blob_dir.iterdir():
        if not blob.name.startswith(".") and blob.name not in needed:
            blob.unlink(missing_ok=True)
