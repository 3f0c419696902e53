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

SQS across a restart is at-least-once, as on AWS: ReceiveMessage is not journaled, so
every message not deleted is visible again after a restart, with a fresh receive count.
ChangeMessageVisibility is not journaled either.

Caveats: timestamps (SQS SentTimestamp, Lambda LastModified, S3 LastModified, Logs
creationTime/ingestionTime) are those of the replay, not of the original call. moto's
state is process-global: use one MotoState per process; `replay` resets all of moto,
and its patches (``patches/moto.py``) are process-wide. If the journal cannot be written
(disk full), the caller gets a 500 but moto has applied the call: it is lost at the next
restart.

Parts: ``store`` (the files), ``requests`` (what a request is and whether it is
journaled), ``resources`` (what a record creates, needs and deletes), ``replay``,
``compaction`` (deleted resources' records dropped) and ``moto_state`` (`MotoState`, which
joins them).
Determinism of moto's ids: ``helpers/localcloud/patches/moto.py``.
"""

from __future__ import annotations

import os

# Read by moto when it creates the IAM backend; without it attaching
# AWSLambdaBasicDurableExecutionRolePolicy fails with NoSuchEntity.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from .moto_state import MotoState
from .requests import function_of, is_journaled, moto_account, without_credentials
from .store import BLOB_DIR, JOURNAL_NAME

__all__ = [
    "BLOB_DIR",
    "JOURNAL_NAME",
    "MotoState",
    "function_of",
    "is_journaled",
    "moto_account",
    "without_credentials",
]
