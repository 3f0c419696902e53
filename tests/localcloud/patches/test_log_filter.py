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


def group_with(logs: Any, group: str, messages: list[str]) -> str:
    """A new log group holding ``messages``, in order, in one stream; returns its name."""
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": m} for i, m in enumerate(messages)]
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)
    return group


def test_filter_log_events_on_the_local_cloud_uses_the_pattern(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    logs = client("logs")
    group = group_with(
        logs, f"/aws/lambda/{name('filter')}", [START, APP, TEXT_REPORT, JSON_REPORT]
    )
    found = logs.filter_log_events(
        logGroupName=group, filterPattern='?"REPORT RequestId" ?"platform.report"'
    )["events"]
    assert [e["message"] for e in found] == [TEXT_REPORT, JSON_REPORT]
    none = logs.filter_log_events(logGroupName=group, filterPattern="?nothing ?nowhere")
    assert none["events"] == []


PLATFORM_REPORT = json.dumps(
    {
        "type": "platform.report",
        "record": {
            "requestId": "r-1",
            "status": "success",
            "metrics": {"durationMs": 40.38, "billedDurationMs": 41, "initDurationMs": 112.2},
            "tags": ["cold", "x"],
            "retried": False,
            "extra": None,
        },
    }
)
PLATFORM_START = json.dumps({"type": "platform.start", "record": {"requestId": "r-1"}})
APP_JSON = json.dumps({"level": "INFO", "message": "think #1", "requestId": "r-2"})


@pytest.mark.parametrize(
    ("pattern", "matched"),
    [
        ('{ $.type = "platform.report" }', {PLATFORM_REPORT}),
        ("{ $.type = platform.report }", {PLATFORM_REPORT}),  # a bare string
        ('{ $.type = "platform.*" }', {PLATFORM_REPORT, PLATFORM_START}),  # wildcard
        ('{ $.type != "platform.report" }', {PLATFORM_START}),  # no "type": no match
        ("{ $.record.metrics.billedDurationMs > 40 }", {PLATFORM_REPORT}),
        ("{ $.record.metrics.billedDurationMs >= 42 }", set()),
        ("{ $.record.metrics.billedDurationMs = 41 }", {PLATFORM_REPORT}),
        ('{ $.record.tags[0] = "cold" }', {PLATFORM_REPORT}),
        ("{ $.record.retried IS FALSE }", {PLATFORM_REPORT}),
        ("{ $.record.extra IS NULL }", {PLATFORM_REPORT}),
        ("{ $.record.metrics NOT EXISTS }", {PLATFORM_START, APP_JSON}),
        ('{ $.type = "platform.report" && $.record.requestId = "r-1" }', {PLATFORM_REPORT}),
        ('{ $.type = "platform.start" || $.requestId = "r-2" }', {PLATFORM_START, APP_JSON}),
        (
            '{ ($.type = "platform.report" || $.level = "INFO") && $.record.requestId = "r-1" }',
            {PLATFORM_REPORT},
        ),
        ("{ $.message = %think #[0-9]% }", {APP_JSON}),
        ("%platform\\.[a-z]+%", {PLATFORM_REPORT, PLATFORM_START}),  # standalone regex
    ],
)
def test_json_and_regex_patterns_match_as_cloudwatch_logs_documents(
    pattern: str, matched: set[str]
) -> None:
    """moto let every event through for these: a JSON pattern found everything locally."""
    parsed = log_filter.parse_any(pattern)
    assert parsed is not None
    messages = {PLATFORM_REPORT, PLATFORM_START, APP_JSON, TEXT_REPORT}
    assert {m for m in messages if parsed.matches(m)} == matched


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.type = }",
        "{ $.type }",
        "{ ($.a = 1 }",
        "{ $.a > high }",
        "{ type = 1 }",
        '""',
        '{ $.a = "x" } trailing',
    ],
)
def test_patterns_cloudwatch_logs_refuses_are_refused(pattern: str) -> None:
    with pytest.raises(log_filter.InvalidPattern, match="Invalid filter pattern"):
        log_filter.parse_any(pattern)


@pytest.mark.parametrize(
    ("pattern", "shown"),
    [
        ("Status: timeout", ":"),
        ("a,b", ","),
        ("user@example.com", "@"),
        ("platform.report", "."),
        ("x(y", "("),
    ],
)
def test_an_unquoted_term_with_other_characters_is_refused(pattern: str, shown: str) -> None:
    """The guide: terms with characters other than letters and digits go in quotes;
    CloudWatch Logs refuses them unquoted (moto matched them as substrings)."""
    with pytest.raises(log_filter.InvalidPattern) as refused:
        log_filter.parse_any(pattern)
    assert f"Invalid character(s) in term '{shown}'" in str(refused.value)
    assert log_filter.parse_any(f'"{pattern}"') is not None  # quoted, it is one phrase


def test_filter_log_events_refuses_an_invalid_pattern(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    logs = client("logs")
    group = group_with(logs, f"/aws/lambda/{name('badpattern')}", [PLATFORM_START, PLATFORM_REPORT])
    found = logs.filter_log_events(
        logGroupName=group, filterPattern='{ $.type = "platform.report" }'
    )["events"]
    assert [e["message"] for e in found] == [PLATFORM_REPORT]
    for bad in ("{ $.type = }", "platform.report"):
        with pytest.raises(logs.exceptions.InvalidParameterException):
            logs.filter_log_events(logGroupName=group, filterPattern=bad)
