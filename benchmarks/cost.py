"""The cost analysis at scale: 10,000 REPORT records analysed in under a second.

Offline (no cloud): a synthetic execution of 10,000 invocations, its history and its log
group (START, END and REPORT per invocation, half in text format, half JSON, cold starts,
errors and timeouts among them), through ``helpers.cost.analyse_records``: parse, join
by request id, figures and cost estimate.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from helpers.cost import analyse_records

from .common import markdown_table

RECORDS = 10_000
TARGET_S = 1.0


def synthetic(n: int = RECORDS) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """(execution, history events, log messages) of an execution with ``n`` invocations."""
    t0 = datetime(2026, 11, 20, tzinfo=UTC)
    history: list[dict[str, Any]] = []
    messages: list[str] = []
    for i in range(n):
        rid = str(uuid.UUID(int=i + 1))
        start, end = t0 + timedelta(seconds=10 * i), t0 + timedelta(seconds=10 * i + 1)
        history.append(
            {
                "EventType": "StepStarted",
                "EventId": 3 * i + 1,
                "Id": f"s{i}",
                "Name": f"step {i}",
                "EventTimestamp": start,
            }
        )
        history.append(
            {
                "EventType": "StepSucceeded",
                "EventId": 3 * i + 2,
                "Id": f"s{i}",
                "Name": f"step {i}",
                "EventTimestamp": end,
            }
        )
        history.append(
            {
                "EventType": "InvocationCompleted",
                "EventId": 3 * i + 3,
                "EventTimestamp": end,
                "InvocationCompletedDetails": {
                    "StartTimestamp": start,
                    "EndTimestamp": end,
                    "RequestId": rid,
                },
            }
        )
        duration = 100 + i % 900 + 0.37
        init = 250.12 if i % 50 == 0 else None  # a cold start now and then
        billed = int(duration + (init or 0)) + 1
        status = "timeout" if i % 997 == 0 else ("error" if i % 101 == 0 else "success")
        if i % 2:
            messages.append(f"START RequestId: {rid} Version: 1\n")
            messages.append(f"END RequestId: {rid}\n")
            line = (
                f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\t"
                f"Billed Duration: {billed} ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\t"
            )
            if init is not None:
                line += f"Init Duration: {init:.2f} ms\t"
            if status != "success":
                line += f"Status: {status}\t"
            messages.append(line + "\n")
        else:
            metrics: dict[str, Any] = {
                "durationMs": duration,
                "billedDurationMs": billed,
                "memorySizeMB": 512,
                "maxMemoryUsedMB": 90,
            }
            if init is not None:
                metrics["initDurationMs"] = init
            when = end.isoformat()
            messages.append(
                json.dumps(
                    {
                        "time": when,
                        "type": "platform.start",
                        "record": {"requestId": rid, "version": "1"},
                    }
                )
            )
            messages.append(
                json.dumps(
                    {
                        "time": when,
                        "type": "platform.report",
                        "record": {"requestId": rid, "metrics": metrics, "status": status},
                    }
                )
            )
    execution = {
        "DurableExecutionArn": "arn:aws:lambda:us-east-1:123456789012:function:bench:1"
        "/durable-execution/bench/1",
        "DurableExecutionName": "bench",
        "Status": "SUCCEEDED",
        "StartTimestamp": t0,
        "EndTimestamp": t0 + timedelta(seconds=10 * n),
    }
    return execution, history, messages


def run(quick: bool = False) -> list[tuple[str, str, str]]:
    """Rows of (metric, value, target and verdict)."""
    execution, history, messages = synthetic()
    repeats = 5 if quick else 11
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        cost = analyse_records(execution, history, messages)
        samples.append(time.perf_counter() - began)
    # Check the run did the whole job, so that a fast figure is not a broken one.
    assert len(cost.invocations) == RECORDS and cost.complete and not cost.parse.malformed
    median = statistics.median(samples)
    verdict = "pass" if median < TARGET_S else "MISS"
    return [
        (
            f"cost analysis: {RECORDS:,} REPORT records (text + JSON) parsed, joined, "
            f"figured; median (best) of {repeats}",
            f"{median * 1000:.0f} ms ({min(samples) * 1000:.0f} ms)",
            f"< {TARGET_S * 1000:.0f} ms: {verdict}",
        )
    ]


def render(rows: list[tuple[str, str, str]]) -> str:
    return markdown_table(("metric (helpers.cost, offline)", "value", "target"), rows)


if __name__ == "__main__":
    print(render(run()))
