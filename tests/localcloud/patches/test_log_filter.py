"""FilterLogEvents applies unstructured filter patterns as CloudWatch Logs does."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from helpers.localcloud.patches import log_filter

TEXT_REPORT = "REPORT RequestId: 1\tDuration: 1.00 ms\tBilled Duration: 2 ms"
JSON_REPORT = json.dumps({"type": "platform.report", "record": {"requestId": "2"}})
START = "START RequestId: 1 Version: 1"
APP = "[INFO] think #1 Exception: ERROR while thinking"


@pytest.mark.parametrize(
    ("pattern", "matched"),
    [
        ("", {TEXT_REPORT, JSON_REPORT, START, APP}),
        ("REPORT", {TEXT_REPORT}),
        ("start", set()),  # case-sensitive
        ('"REPORT RequestId"', {TEXT_REPORT}),
        ('?"REPORT RequestId" ?"platform.report"', {TEXT_REPORT, JSON_REPORT}),
        ("RequestId Version", {START}),  # every term
        ("RequestId -Version", {TEXT_REPORT}),  # excluded term
        ('?"no such thing" ?nothing', set()),
    ],
)
def test_patterns_match_as_cloudwatch_logs_documents(pattern: str, matched: set[str]) -> None:
    terms = log_filter.parse(pattern)
    assert terms is not None
    messages = {TEXT_REPORT, JSON_REPORT, START, APP}
    assert {m for m in messages if terms.matches(m)} == matched


def test_json_and_delimited_patterns_are_left_to_moto() -> None:
    assert log_filter.parse('{ $.type = "platform.report" }') is None
    assert log_filter.parse("[ip, user]") is None


def test_filter_log_events_on_the_local_cloud_uses_the_pattern(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    logs = client("logs")
    group = f"/aws/lambda/{name('filter')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate([START, APP])]
        + [
            {"timestamp": now + 5, "message": TEXT_REPORT},
            {"timestamp": now + 6, "message": JSON_REPORT},
        ],
    )
    found = logs.filter_log_events(
        logGroupName=group, filterPattern='?"REPORT RequestId" ?"platform.report"'
    )["events"]
    assert [e["message"] for e in found] == [TEXT_REPORT, JSON_REPORT]
    none = logs.filter_log_events(logGroupName=group, filterPattern="?nothing ?nowhere")
    assert none["events"] == []
