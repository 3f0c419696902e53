"""helpers.durable.reports: REPORT records parsed from text and JSON log lines, nothing
skipped uncounted."""

from __future__ import annotations

import json
import math

import cost_samples as s
import pytest

from helpers.durable import parse_reports


# --- parsing ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "fmt", "billed", "init", "status", "error_type"),
    [
        (s.TEXT_COLD, "text", 153, 112.16, "success", None),
        (s.TEXT_WARM, "text", 3, None, "success", None),
        (s.TEXT_ERROR, "text", 1533, None, "error", "Runtime.OutOfMemory"),
        (s.TEXT_TIMEOUT, "text", 30000, None, "timeout", None),
        (s.JSON_COLD, "json", 153, 112.16, "success", None),
        (s.JSON_WARM, "json", 3, None, "success", None),
        (s.JSON_ERROR, "json", 1533, None, "error", "Runtime.OutOfMemory"),
        (s.JSON_TIMEOUT, "json", 30000, None, "timeout", "Sandbox.Timedout"),
    ],
    ids=[
        "text-cold",
        "text-warm",
        "text-error",
        "text-timeout",
        "json-cold",
        "json-warm",
        "json-error",
        "json-timeout",
    ],
)
def test_each_report_shape_parses(
    line: str, fmt: str, billed: int, init: float | None, status: str, error_type: str | None
) -> None:
    reports, parse = parse_reports([line])
    assert parse.clean and not parse.malformed and parse.reports == 1
    (report,) = reports.values()
    assert (report.log_format, report.billed_ms, report.init_ms) == (fmt, billed, init)
    assert (report.status, report.error_type, report.memory_mb) == (status, error_type, 128)


def test_cold_start_billed_duration_includes_init() -> None:
    # The August 2025 rule: billed = ceil(duration + init), here ceil(40.38 + 112.16).
    for line in (s.TEXT_COLD, s.JSON_COLD):
        (report,) = parse_reports([line])[0].values()
        assert report.init_ms is not None
        assert report.billed_ms == math.ceil(report.duration_ms + report.init_ms) == 153


def test_xray_fields_are_known_and_skipped() -> None:
    reports, parse = parse_reports([s.TEXT_XRAY])
    assert parse.clean and not parse.unknown_fields
    assert next(iter(reports.values())).billed_ms == 202


def test_malformed_lines_are_counted_with_reasons_never_dropped_silently() -> None:
    lines = [
        *s.text_log(),
        *s.MALFORMED,
        s.FOREIGN_TEXT,
        s.TEXT_WARM,
        s.TEXT_WARM,
        "REPORT RequestId: 1-2-3\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 60 MB\tShiny New Field: 3 units\t",
    ]
    reports, parse = parse_reports(lines)
    assert parse.lines == len(lines)
    assert len(parse.malformed) == len(s.MALFORMED) == 7
    reasons = " | ".join(p.reason for p in parse.malformed)
    for expected in (
        "truncated",
        "missing Billed Duration",
        "does not end in MB",
        "without 'RequestId:'",
        "not valid JSON",
        "is not a valid whole number",
    ):
        assert expected in reasons
    # Request ids are still read where the line allows, so the wait does not hang on them.
    assert {p.request_id for p in parse.malformed} >= {
        "9a9a9a9a-0000-4000-8000-000000000001",
        "9a9a9a9a-0000-4000-8000-000000000005",
    }
    assert parse.duplicates == ["7d2c9b14-0e3f-4a5b-8c6d-1e2f3a4b5c6d"]
    assert parse.unknown_fields == {"Shiny New Field"}
    # 4 of the conversation + the other function's + the warm one + the odd one.
    assert parse.reports == len(reports) == 7
    # INIT_START, 4 START, 4 application lines, 4 END.
    assert parse.ignored == 13
    assert parse.reports + parse.ignored + len(parse.malformed) + 1 == parse.lines
    assert "7 malformed REPORT lines" in parse.summary()


def test_missing_optional_fields_are_reported_as_incomplete() -> None:
    line = s.platform_report(
        "5e5e5e5e-0000-4000-8000-000000000001",
        {"durationMs": 5.5, "billedDurationMs": 6, "memorySizeMB": 256},
    )
    line = line.replace(',"status":"success"', "")
    reports, parse = parse_reports([line])
    assert len(reports) == 1 and not parse.malformed
    assert len(parse.incomplete) == 2  # no maxMemoryUsedMB, no status
    assert next(iter(reports.values())).status == "success"


def test_json_application_log_mentioning_platform_report_is_ignored() -> None:
    line = json.dumps({"level": "INFO", "message": "grep for platform.report", "requestId": "x"})
    _, parse = parse_reports([line])
    assert parse.ignored == 1 and not parse.malformed
