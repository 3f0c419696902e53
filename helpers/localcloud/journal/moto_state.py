"""`MotoState`: moto in server mode, every state-changing call journaled before it is answered."""

from __future__ import annotations

import io
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.wsgi import get_input_stream

from ..patches import moto as moto_patches
from ..wsgi import StartResponse, call_wsgi
from .compaction import compact, drop_failed
from .replay import apply_sqs_delete, replay_http, resolve_sqs_delete
from .requests import (
    DROPPED_HEADERS,
    READ_METHODS,
    SQS_DELETES,
    UPLOAD_ID,
    deleted_function,
    form,
    function_key,
    function_of,
    is_journaled,
    moto_account,
    ok,
    operation,
    query_without_credentials,
    without_credentials,
)
from .resources import resources_of
from .store import JournalFile

log = logging.getLogger(__name__)

COMPACT_EVERY = 64  # deletes of queues, buckets, objects or messages per compaction, at least


class MotoState:
    """moto in server mode whose state survives restarts (even SIGKILL) in `state_dir`.

    Call `replay` once before serving `app`. A journaled call is acknowledged only after
    its record is written and flushed to the OS, which a SIGKILL cannot undo; with
    ``fsync=True`` it is also on disk, which a power cut cannot undo (about 1-10 ms more
    per mutating call).
    """

    def __init__(self, state_dir: Path, *, fsync: bool = False) -> None:
        moto_patches.install()
        self.state_dir = Path(state_dir)
        self.journal = JournalFile(self.state_dir, fsync=fsync)
        self.journal_path = self.journal.path
        self._moto = DomainDispatcherApplication(create_backend_app)
        moto_patches.cache_backend_lookup(self._moto)
        self._lock = threading.Lock()  # journaled calls: one at a time, in journal order
        self._deletes = 0  # deletes of queues, buckets, objects, messages since compacting
        self._compacted_size = 0

    def _deleted(self) -> None:
        """Count a delete journaled; compact once enough have come and the journal has
        doubled since the last compaction (amortised: each record is rewritten O(1) times,
        and the journal stays within twice what is live, plus a batch)."""
        self._deletes += 1
        if self._deletes < COMPACT_EVERY:
            return
        size = self.journal_path.stat().st_size
        if size >= 2 * self._compacted_size:
            compact(self.journal)
            self._deletes = 0
            self._compacted_size = self.journal_path.stat().st_size

    # WSGI entry point
    def app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve a call; journal it first if it changes state worth replaying."""
        # moto's application returns Any; it is a WSGI response.
        moto: Callable[[dict[str, Any], StartResponse], Iterable[bytes]] = self._moto
        if environ["REQUEST_METHOD"] in READ_METHODS:
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
            if operation(environ, body) in SQS_DELETES:
                # Resolve before moto deletes the messages that hold the handles.
                record = resolve_sqs_delete(environ, body)
                status, headers, payload = call_wsgi(self._moto, environ)
                if record is not None and ok(status):
                    self.journal.append(record)
                    self._deleted()
            else:
                seed = secrets.randbits(63)
                with moto_patches.seeded(seed):
                    status, headers, payload = call_wsgi(self._moto, environ)
                if ok(status):
                    record = self._http_record(environ, body, seed, payload)
                    deleted = deleted_function(
                        record["method"], record["path"], record["query"], environ
                    )
                    key = deleted and function_key(deleted, record["headers"])
                    if key is None or not compact(self.journal, key):
                        self.journal.append(record)
                    if record.get("res", {}).get("g"):
                        self._deleted()
        start_response(status, headers)
        return [payload]

    def replay(self) -> int:
        """Reset moto and re-apply the journal; returns the number of records applied.

        Records of functions deleted since are compacted away first, and records that
        fail to replay are dropped after it (compaction.py).
        """
        with self._lock:
            self.journal.drop_torn_tail()
            compact(self.journal)
            self.journal.open()
            moto_api_backend.reset()
            applied = 0
            failed: set[int] = set()
            with self.journal_path.open("rb") as f:
                for lineno, line in enumerate(f, 1):
                    try:
                        record = json.loads(line)
                        if record["kind"] == "sqs-delete":
                            apply_sqs_delete(record)
                        else:
                            replay_http(self._moto, record, self.journal.body(record))
                        applied += 1
                    except Exception as e:  # one bad record must not stop the cloud
                        failed.add(lineno)
                        log.warning(
                            "journal %s line %d not replayed: %s", self.journal_path, lineno, e
                        )
            if failed:
                drop_failed(self.journal, failed)
            self._compacted_size = self.journal_path.stat().st_size
            return applied

    def close(self) -> None:
        """Close the journal (moto keeps serving from memory)."""
        with self._lock:
            self.journal.close()

    def _http_record(
        self, environ: dict[str, Any], body: bytes, seed: int, response: bytes
    ) -> dict[str, Any]:
        headers = without_credentials(
            {
                k: v
                for k, v in environ.items()
                if (k.startswith("HTTP_") and k not in DROPPED_HEADERS) or k == "CONTENT_TYPE"
            },
            moto_account(environ),
        )
        record: dict[str, Any] = {
            "kind": "http",
            "ts": round(time.time(), 3),
            "seed": seed,
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("PATH_INFO", ""),
            "query": query_without_credentials(environ.get("QUERY_STRING", "")),
            "headers": headers,
        }
        names = environ.get(PRESERVED_HEADER_NAMES_ENVIRON_KEY)
        if names:
            record["names"] = names
        function = function_of(record["method"], record["path"], environ, lambda: body)
        if function is not None:
            record["function"] = function
        res = resources_of(environ, headers, body, response)
        if "msgs" in res:
            record["msgs"] = res.pop("msgs")
        if res:
            record["res"] = res
        self.journal.keep_body(record, body)
        if environ["REQUEST_METHOD"] == "POST" and "uploads" in form(record["query"]):
            match = UPLOAD_ID.search(response)
            if match:
                record["upload_id"] = match.group(1).decode()
        return record
