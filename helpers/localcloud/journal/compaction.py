"""Compaction: a deleted Lambda function's records leave the journal, and unused blobs go.

The journal holds only calls moto acknowledged (a failed call is never written; a record
torn by a kill, never acknowledged, is cut at start, ``store.drop_torn_tail``); records
that fail to replay (crafted, or refused) are dropped after the replay (`drop_failed`).

A function is its account, Region and name (``function_key``), as in moto and on AWS:
deleting one never drops the records of a same-named function elsewhere.

A function's records (its zips above all: ~17 MB each, most of the replay time) are
dropped from the journal when the whole function is deleted, and blobs no record needs
any more are removed. A workshop deploys and cleans up again and again; without this,
every run made the next start of the local cloud slower. Records name their function
(``function``) when journaled; older records are read to find it. Other resources
(queues, buckets, log groups, roles) are not compacted: their records are small.
"""

from __future__ import annotations

import json
import logging
import os
import re

from .requests import deleted_function, function_key, function_of
from .store import JOURNAL_NAME, JournalFile

log = logging.getLogger(__name__)

_BLOB_REF = re.compile(rb'"blob":"([0-9a-f]{64})"')


def compact(journal: JournalFile, deleting: str | None = None) -> bool:
    """Rewrite the journal without the records of deleted functions, then remove the
    blobs nothing needs any more. Returns whether it rewrote the journal.

    A function's records up to its last whole-function delete are dropped, the delete
    too: a replay never creates the function. ``deleting``: the `function_key` of a
    function whose delete moto has just applied; all its records go, and its delete is
    never written. The caller holds the lock and answers only after this; on a failure
    it journals the delete instead, so the function stays deleted either way.
    """
    path = journal.path
    if not path.exists():
        return False
    tmp = path.with_name(f".{JOURNAL_NAME}.{os.getpid()}.tmp")
    try:
        lines: list[tuple[bytes, str | None]] = []  # (line, its function's key)
        gone: dict[str, int] = {}  # function key -> index of its last whole delete
        named = False
        with path.open("rb") as f:
            for line in f:
                function, renamed, line = _function_of_line(journal, line)
                named |= renamed
                if function is not None and line.startswith(b'{"kind":"http"'):
                    record = json.loads(line)
                    if deleted_function(
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
        "journal: %d record(s) of %d deleted function(s) compacted away",
        len(lines) - len(kept),
        len(gone),
    )
    return True


def _function_of_line(journal: JournalFile, line: bytes) -> tuple[str | None, bool, bytes]:
    """(function key, whether the line was just named, the line): journaled records say
    which function they act on; older ones are read once to find out."""
    try:
        record = json.loads(line)
        if record.get("kind") != "http":
            return None, False, line
        headers = record["headers"]
        if "function" in record:
            return function_key(str(record["function"]), headers), False, line
        function = function_of(
            record["method"], record["path"], headers, lambda: journal.body(record)
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, False, line  # replay reports it, as before
    if function is None:
        return None, False, line
    record["function"] = function
    named = json.dumps(record, separators=(",", ":")).encode() + b"\n"
    return function_key(function, headers), True, named


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
