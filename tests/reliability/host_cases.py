"""What the Lambda host's reliability tests share: a function version built from source,
and a CloudWatch Logs client that keeps what the host sends it."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from typing import Any

from helpers.localcloud.lambda_host import FunctionVersion


class _Exists(Exception):
    pass


class FakeLogs:
    """A CloudWatch Logs client that keeps what it is sent (the host's log sink)."""

    class exceptions:
        ResourceAlreadyExistsException = _Exists
        ResourceNotFoundException = _Exists

    def __init__(self) -> None:
        self.messages: list[str] = []

    def create_log_group(self, **_: Any) -> None:
        pass

    def create_log_stream(self, **_: Any) -> None:
        pass

    def put_log_events(self, logEvents: list[dict[str, Any]], **_: Any) -> None:
        self.messages += [e["message"] for e in logEvents]


def zipped(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("lambda_function.py", source)
    return buf.getvalue()


def version(source: str, name: str = "fn", **config: Any) -> FunctionVersion:
    code = zipped(source)
    fields: dict[str, Any] = {
        "name": name,
        "arn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        "version": "$LATEST",
        "handler": "lambda_function.handler",
        "runtime": "python3.13",
        "timeout": 3,
        "memory_size": 128,
        "environment": {},
        "code_sha": base64.b64encode(hashlib.sha256(code).digest()).decode(),
        "region": "us-east-1",
        "account": "123456789012",
        "durable": None,
        "log_format": "Text",
        "log_group": f"/aws/lambda/{name}",
        "code": code,
    }
    fields.update(config)
    return FunctionVersion(**fields)
