"""START, END and REPORT records, text or JSON, where Lambda writes them (lambda_host/logs.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lambda_host_cases import ECHO, Client, assert_billed, invoke, plain_fixture, report_of  # noqa: F401  (fixtures)


def test_report_text_format_and_billing(
    client: Client, plain: Callable[..., Any], reports: Callable[..., dict[str, str]]
) -> None:
    fn, version = plain(MemorySize=256)
    lam = client("lambda")
    ids = []
    for payload in ({}, {"sleep": 0.05}):
        reply, _ = invoke(lam, fn, payload, Qualifier=version)
        ids.append(reply["ResponseMetadata"]["RequestId"])
    found = reports(f"/aws/lambda/{fn}", ids)
    assert set(ids) <= found.keys()
    cold, warm = report_of(found[ids[0]]), report_of(found[ids[1]])
    assert cold["rid"] == ids[0] and warm["rid"] == ids[1]
    for record in (cold, warm):
        assert record["memory"] == "256"
        assert int(record["used"]) > 0
        assert_billed(
            int(record["billed"]),
            float(record["duration"]),
            float(record["init"]) if record["init"] else None,
        )
    # The cold start bills its init phase: far more than its duration alone.
    assert int(cold["billed"]) >= float(cold["duration"]) + float(cold["init"]) - 0.011
    assert float(warm["duration"]) >= 50


def test_report_json_format(
    client: Client, plain: Callable[..., Any], reports: Callable[..., dict[str, str]]
) -> None:
    source = (
        ECHO
        + """
import logging

def json_handler(event, context):
    logging.getLogger().info("hello %s", "json")
    return "ok"
"""
    )
    fn, version = plain(source, Handler="app.json_handler", LoggingConfig={"LogFormat": "JSON"})
    lam = client("lambda")
    ids = [
        invoke(lam, fn, {}, Qualifier=version)[0]["ResponseMetadata"]["RequestId"] for _ in range(2)
    ]
    group = f"/aws/lambda/{fn}"
    found = reports(group, ids)
    assert set(ids) <= found.keys()
    events = client("logs").filter_log_events(logGroupName=group)["events"]
    records = [json.loads(e["message"]) for e in events]  # every line is JSON in this format
    starts = [r for r in records if r.get("type") == "platform.start"]
    assert {r["record"]["requestId"] for r in starts} == set(ids)
    app_lines = [r for r in records if r.get("message") == "hello json"]
    assert {r["requestId"] for r in app_lines} == set(ids)
    assert all(r["level"] == "INFO" for r in app_lines)
    for index, rid in enumerate(ids):
        report = json.loads(found[rid])
        assert report["type"] == "platform.report"
        metrics = report["record"]["metrics"]
        for key in ("durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB"):
            assert key in metrics, key
        assert metrics["memorySizeMB"] == 128
        assert isinstance(metrics["billedDurationMs"], int)
        if index == 0:
            assert metrics["initDurationMs"] > 0
        else:
            assert "initDurationMs" not in metrics
        assert_billed(
            metrics["billedDurationMs"], metrics["durationMs"], metrics.get("initDurationMs")
        )


def test_handler_output_lands_between_start_and_end(
    client: Client, plain: Callable[..., Any], reports: Callable[..., dict[str, str]]
) -> None:
    source = "def handler(event, context):\n    print('line from', context.aws_request_id)\n"
    fn, version = plain(source)
    reply, _ = invoke(client("lambda"), fn, {}, Qualifier=version)
    rid = reply["ResponseMetadata"]["RequestId"]
    group = f"/aws/lambda/{fn}"
    reports(group, [rid])
    lines = [e["message"] for e in client("logs").filter_log_events(logGroupName=group)["events"]]
    start = lines.index(f"START RequestId: {rid} Version: {version}")
    end = lines.index(f"END RequestId: {rid}")
    assert f"line from {rid}" in lines[start + 1 : end]
    assert lines[end + 1].startswith(f"REPORT RequestId: {rid}")


def test_custom_log_group(
    client: Client,
    plain: Callable[..., Any],
    name: Callable[..., str],
    reports: Callable[..., dict[str, str]],
) -> None:
    group = f"/workshop/{name('group')}"
    fn, version = plain(LoggingConfig={"LogFormat": "Text", "LogGroup": group})
    conf = client("lambda").get_function(FunctionName=fn)["Configuration"]
    assert conf["LoggingConfig"]["LogGroup"] == group
    reply, _ = invoke(client("lambda"), fn, {}, Qualifier=version)
    rid = reply["ResponseMetadata"]["RequestId"]
    assert rid in reports(group, [rid])
    assert reports(f"/aws/lambda/{fn}", [rid], timeout=0) == {}
