"""helpers.durable.logs: the log group read through the FilterLogEvents paginator, the
one bounded wait for REPORT records, and lines split by invocation."""

from __future__ import annotations

import json
from typing import Any

import cost_samples as s
from fake_aws import Paginated

from helpers.durable import (
    CLOCK_SKEW_MS,
    REPORT_FILTER_PATTERN,
    log_start_ms,
    split_by_invocation,
    watch_reports,
)
from helpers.polling import Backoff

FAST = Backoff(first_s=0.01, cap_s=0.02)


class PagedLogs(Paginated):
    """FilterLogEvents over fixed messages, two events a page (botocore's paginator)."""

    service = "logs"

    def __init__(self, messages: list[str]) -> None:
        self.messages, self.calls = messages, []

    def filter_log_events(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        start = int(kwargs.get("nextToken") or 0)
        page = {"events": [{"message": m} for m in self.messages[start : start + 2]]}
        if start + 2 < len(self.messages):
            page["nextToken"] = str(start + 2)
        return page


def test_log_reads_start_a_clock_skew_before_the_execution() -> None:
    assert log_start_ms(1_000.0) == 1_000_000 - CLOCK_SKEW_MS


def test_watch_reports_reads_every_page_and_names_what_is_missing() -> None:
    logs = PagedLogs(s.text_log())
    missing = watch_reports(
        logs, "/aws/lambda/f", [s.R1, s.R2, "never"], start_ms=0, timeout_s=0.1, backoff=FAST
    )
    assert missing == ["never"]
    assert len(logs.calls) >= 2 and any("nextToken" in c for c in logs.calls)
    assert all(c["filterPattern"] == REPORT_FILTER_PATTERN for c in logs.calls)


def test_json_lines_are_split_by_platform_records() -> None:
    def record(kind: str, rid: str) -> str:
        return json.dumps({"type": f"platform.{kind}", "record": {"requestId": rid}})

    app = json.dumps({"level": "WARN", "message": "careful", "logger": "app", "requestId": "r"})
    events = [
        {"logStreamName": "a", "timestamp": i, "message": m}
        for i, m in enumerate([record("start", "r"), app, "a print", record("report", "r")])
    ]
    (one,) = split_by_invocation(events, ["r"])
    assert one.complete
    assert [(ln.kind, ln.level, ln.text) for ln in one.lines] == [
        ("logger", "WARN", "careful"),
        ("print", "", "a print"),
    ]
