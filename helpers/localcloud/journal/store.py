"""The journal's files: ``moto-journal.jsonl``, one JSON record a line, and ``blobs/``."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

JOURNAL_NAME = "moto-journal.jsonl"
BLOB_DIR = "blobs"
BLOB_THRESHOLD = 64 * 1024  # bigger bodies go to blobs/ so the jsonl stays quick to scan
_BLOB_NAME = re.compile(r"[0-9a-f]{64}")


class JournalFile:
    """Appends records to the journal and keeps big bodies as content-addressed blobs.

    The caller serialises writes (`MotoState` holds its lock). A record is acknowledged
    only after it is written and flushed to the OS, which a SIGKILL cannot undo; with
    ``fsync=True`` it is also on disk, which a power cut cannot undo.
    """

    def __init__(self, state_dir: Path, *, fsync: bool = False) -> None:
        self.path = state_dir / JOURNAL_NAME
        self.blob_dir = state_dir / BLOB_DIR
        self.fsync = fsync
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        self._journal: IO[bytes] | None = None

    def open(self) -> IO[bytes]:
        """The journal, open for appending (a torn last record cut first)."""
        if self._journal is None:
            self.drop_torn_tail()
            self._journal = self.path.open("ab")
        return self._journal

    def close(self) -> None:
        """Close the journal; the next `append` opens it again."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def drop_torn_tail(self) -> None:
        """Cut bytes after the last newline: a write torn by a kill, never acknowledged."""
        if not self.path.exists():
            return
        with self.path.open("r+b") as f:
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
                self.path,
                size - keep,
            )
            f.truncate(keep)

    def append(self, record: dict[str, Any]) -> None:
        """Write ``record`` as one line and flush it (and fsync it with ``fsync``)."""
        f = self.open()
        # One write of the whole line: a kill tears at most this unacknowledged record.
        f.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        f.flush()
        if self.fsync:
            os.fsync(f.fileno())

    def keep_body(self, record: dict[str, Any], body: bytes) -> None:
        """Put ``body`` into ``record``: inline (base64), or as a blob when it is big."""
        if len(body) > BLOB_THRESHOLD:
            record["blob"] = self._write_blob(body)
        elif body:
            record["body"] = base64.b64encode(body).decode("ascii")

    def body(self, record: dict[str, Any]) -> bytes:
        """The request body a record keeps, inline or in its blob."""
        if "blob" in record:
            blob = record["blob"]
            # A blob is named by its sha256 and nothing else: a crafted ``../x`` or
            # absolute path would read (and compaction delete) outside blobs/.
            if not isinstance(blob, str) or not _BLOB_NAME.fullmatch(blob):
                raise ValueError(f"blob {blob!r} is not a sha256 in {BLOB_DIR}/: refused")
            return (self.blob_dir / blob).read_bytes()
        return base64.b64decode(record.get("body", ""))

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
