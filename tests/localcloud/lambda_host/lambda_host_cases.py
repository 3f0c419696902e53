"""What the Lambda host tests share: an echo handler, Invoke, REPORT parsing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

ECHO = """
import json, os, time

def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"echo": event, "request_id": context.aws_request_id}
"""

REPORT_FIELDS = re.compile(
    r"^REPORT RequestId: (?P<rid>\S+)\tDuration: (?P<duration>[\d.]+) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB\t"
    r"Max Memory Used: (?P<used>\d+) MB\t(Init Duration: (?P<init>[\d.]+) ms\t)?"
    r"(Status: (?P<status>\w+)\t)?$"
)

Client = Callable[[str], Any]


def invoke(lam: Any, fn: str, payload: Any = None, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    body = json.dumps(payload if payload is not None else {}).encode()
    reply = lam.invoke(FunctionName=fn, Payload=body, **kwargs)
    data = reply["Payload"].read()
    return reply, json.loads(data) if data else None


def report_of(line: str) -> dict[str, Any]:
    match = REPORT_FIELDS.match(line)
    assert match is not None, f"not a Lambda REPORT record: {line!r}"
    return match.groupdict()


def assert_billed(billed: int, duration: float, init: float | None) -> None:
    # Lambda: billed = ceil(duration + init). Reported values are rounded to 0.01 ms.
    # So billed is ceil(exact) up to that rounding: never below it, less than 1 ms above.
    exact = duration + (init or 0.0)
    assert exact - 0.011 <= billed < exact + 1.011, (billed, duration, init)


@pytest.fixture(name="plain")
def plain_fixture(
    deploy: Callable[..., str], name: Callable[..., str]
) -> Callable[..., tuple[str, str]]:
    """Deploys a non-durable function; returns (name, version)."""

    def run(source: str = ECHO, **config: Any) -> tuple[str, str]:
        fn = name("plain")
        return fn, deploy(fn, source, DurableConfig=None, **config)

    return run
