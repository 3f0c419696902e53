"""Scan a state dir for anything credential-shaped: what must never reach the disk.

The local cloud keeps requests in its journal; a participant who runs ``TARGET=local``
with a real AWS profile loaded sends real key ids, session tokens and signatures with
every call (in the Authorization header, or in a presigned URL's query). `credential_shaped`
finds them in every file under a folder, as bytes (JSON, sqlite, logs, blobs alike).

Not scanned: ``code/``, the deployed zips unpacked (the participant's own files). Not
findings: AWS's documented example key ids (``AKIA...EXAMPLE``), and signatures made
with the local cloud's own fake keys (the report URL a function signs with its
``localcloud`` credentials is an execution's result, kept as data, as on AWS).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

# Deployed zips, unpacked by the Lambda host: the participant's code as they wrote it (a
# bundled botocore carries AWS's documented examples of keys, tokens and signatures).
CODE = "code"
# Keys that sign nothing real: the kit's own (cloud.py, lambda_host), the journal's
# placeholder, and the tests'.
FAKE_KEYS = frozenset({b"localcloud", b"journal", b"testing"})
STS_TOKEN_START = "IQoJ" + "b3JpZ2luX2Vj"  # in two parts: no token-shaped literal committed
RULES: dict[str, re.Pattern[bytes]] = {
    "access key id": re.compile(
        rb"(?<![A-Z0-9])(?:AKIA|ASIA)(?![A-Z0-9]{9}EXAMPLE)[A-Z0-9]{16}(?![A-Z0-9])"
    ),
    # STS session tokens start with these (base64 of their binary header).
    "session token": re.compile(
        rb"(?:" + STS_TOKEN_START.encode() + rb"|FwoGZXIvYXdz)[A-Za-z0-9/+=%_-]{16,}"
    ),
    "security token parameter": re.compile(
        rb"(?i)x[-_]amz[-_]security[-_]token\"?\s*[=:]\s*\"?(?!localcloud\b)[A-Za-z0-9/+=%_-]{16,}"
    ),
    # SigV4 signatures are 64 hex digits; SigV2's are 28 base64 characters (url-quoted).
    "signature": re.compile(
        rb"(?i)signature\"?\s*[=:]\s*\"?(?:[0-9a-f]{64}|[A-Za-z0-9/+%]{20,}=*)"
    ),
}
_SIGNER = re.compile(rb"(?i)(?:credential=|awsaccesskeyid=)([A-Za-z0-9]+)")


# Files the fixture scanned already, as (mtime, size): a module's state dir is scanned
# after each of its tests, and its zips and journal mostly stay as they were.
_scanned: dict[Path, tuple[int, int]] = {}


def credential_shaped(
    folder: Path, also: tuple[str, ...] = (), *, changed_only: bool = False
) -> list[str]:
    """``file: what`` for every credential-shaped string under ``folder`` (and every
    exact string of ``also``, e.g. the secret a test used). ``changed_only``: skip files
    unchanged since this process last scanned them (their findings were reported then)."""
    found: list[str] = []
    exact = [s.encode() for s in also if s]
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink() or CODE in path.relative_to(folder).parts:
            continue
        if path.name.endswith(_SQLITE_SIDE_FILES):
            continue  # read through their database (below), which applies them
        try:
            stat = path.stat()
            unchanged = _scanned.get(path) == (stat.st_mtime_ns, stat.st_size)
            # A database's writes may sit in its WAL, its own file unchanged.
            if changed_only and unchanged and not path.with_name(path.name + "-wal").exists():
                continue
            data = path.read_bytes()
            if data.startswith(_SQLITE_MAGIC):
                data = _sqlite_values(path)
        except (OSError, sqlite3.Error):  # removed meanwhile (a compaction, a blob)
            continue
        _scanned[path] = (stat.st_mtime_ns, stat.st_size)
        for what, rule in RULES.items():
            for match in rule.finditer(data):
                if what == "signature" and _signed_by_a_fake_key(data, match.start()):
                    continue
                found.append(f"{path.relative_to(folder)}: {what} {match.group()[:40]!r}")
        found += [f"{path.relative_to(folder)}: a secret the test used" for s in exact if s in data]
    return found


_SQLITE_MAGIC = b"SQLite format 3\0"
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _sqlite_values(path: Path) -> bytes:
    """Every value of every table, one a line: as bytes, a long row is cut across
    overflow pages and WAL frames (a URL's signature far from its key id); as values,
    each is whole, and the WAL's committed pages are applied."""
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        values: list[bytes] = []
        for table in tables:
            quoted = table.replace('"', '""')
            for row in connection.execute(f'SELECT * FROM "{quoted}"'):
                for value in row:
                    if isinstance(value, bytes):
                        values.append(value)
                    elif value is not None:
                        values.append(str(value).encode())
        return b"\n".join(values)
    finally:
        connection.close()


def _signed_by_a_fake_key(data: bytes, at: int) -> bool:
    """Whether the signature at ``at`` belongs to a URL or header signed with a fake key
    (the nearest key id before it, in the same URL or header)."""
    signers = list(_SIGNER.finditer(data, max(0, at - 4000), at))
    return bool(signers) and signers[-1].group(1) in FAKE_KEYS


@pytest.fixture(autouse=True)
def state_holds_no_credentials(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the test, the state it wrote holds nothing credential-shaped: the module's
    local cloud's state dir (``cloud``) and the test's ``tmp_path`` (where tests start
    local clouds of their own). Every module of tests/reliability imports it
    (test_state_scan.py checks that they do)."""
    folders: list[Path] = []  # found now: fixtures may be torn down before this one
    if "cloud" in request.fixturenames:
        folders.append(request.getfixturevalue("cloud").state_dir)
    if "tmp_path" in request.fixturenames:
        folders.append(request.getfixturevalue("tmp_path"))
    yield
    found = [
        f"{f}/{x}" for f in folders if f.exists() for x in credential_shaped(f, changed_only=True)
    ]
    assert found == [], "credential-shaped strings in the state written:\n" + "\n".join(found)
