"""Scan a state dir for anything credential-shaped: what must never reach the disk.

The local cloud keeps requests in its journal; a participant who runs ``TARGET=local``
with a real AWS profile loaded sends real key ids, session tokens and signatures with
every call (in the Authorization header, or in a presigned URL's query). `credential_shaped`
finds them in every file under a folder, as bytes (JSON, sqlite, logs, blobs alike).
"""

from __future__ import annotations

import re
from pathlib import Path

RULES: dict[str, re.Pattern[bytes]] = {
    "access key id": re.compile(rb"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    # STS session tokens start with these (base64 of their binary header).
    "session token": re.compile(rb"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz)[A-Za-z0-9/+=%]{16,}"),
    "security token parameter": re.compile(
        rb"(?i)x[-_]amz[-_]security[-_]token\"?\s*[=:]\s*\"?[A-Za-z0-9/+=%]{16,}"
    ),
    # SigV4 signatures are 64 hex digits; SigV2's are 28 base64 characters (url-quoted).
    "signature": re.compile(
        rb"(?i)signature\"?\s*[=:]\s*\"?(?:[0-9a-f]{64}|[A-Za-z0-9/+%]{20,}=*)"
    ),
}


def credential_shaped(folder: Path, also: tuple[str, ...] = ()) -> list[str]:
    """``file: what`` for every credential-shaped string under ``folder`` (and every
    exact string of ``also``, e.g. the secret a test used)."""
    found: list[str] = []
    exact = [s.encode() for s in also if s]
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        for what, rule in RULES.items():
            for match in rule.finditer(data):
                found.append(f"{path.relative_to(folder)}: {what} {match.group()[:40]!r}")
        found += [f"{path.relative_to(folder)}: a secret the test used" for s in exact if s in data]
    return found
