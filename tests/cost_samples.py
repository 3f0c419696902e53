"""Recorded records for the cost tests: REPORT lines as Lambda writes them, and the history
of a chatbot conversation with three approvals (four invocations), written by hand.

Shapes follow ../shared/aws-facts.md and what Lambda writes to CloudWatch Logs: text
REPORT lines are tab-separated and end with a tab and a newline; JSON records are
``platform.report`` objects with ``record.metrics``. Since August 2025 ``Billed Duration``
includes the init phase: billed = ceil(duration + init).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)
FUNCTION = "hitl-chatbot"
ARN = (
    f"arn:aws:lambda:us-east-2:123456789012:function:{FUNCTION}:live/durable-execution/"
    "chat-3-approvals/0f6c2b7e-5d1a-4c3b-9e8f-7a6b5c4d3e2f"
)
R1, R2, R3, R4 = (f"6f1a9c2e-3b4d-4e5f-8a7b-1c2d3e4f5a6{n}" for n in range(1, 5))
OTHER = "0b9e8d7c-6a5f-4e3d-2c1b-0a9f8e7d6c5b"  # another function sharing the log group


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- single records, one per shape ---------------------------------------------------
TEXT_COLD = (
    "REPORT RequestId: 3f6e1a52-8c1d-4b6a-9f0e-2d7c5b4a3e21\tDuration: 40.38 ms\t"
    "Billed Duration: 153 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t"
    "Init Duration: 112.16 ms\t\n"
)
TEXT_WARM = (
    "REPORT RequestId: 7d2c9b14-0e3f-4a5b-8c6d-1e2f3a4b5c6d\tDuration: 2.21 ms\t"
    "Billed Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 65 MB\t\n"
)
TEXT_ERROR = (
    "REPORT RequestId: a4b3c2d1-e5f6-4789-8abc-def012345678\tDuration: 1532.64 ms\t"
    "Billed Duration: 1533 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t"
    "Status: error\tError Type: Runtime.OutOfMemory\t\n"
)
TEXT_TIMEOUT = (
    "REPORT RequestId: c0ffee00-1234-4abc-9def-0123456789ab\tDuration: 30000.00 ms\t"
    "Billed Duration: 30000 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t"
    "Status: timeout\t\n"
)
TEXT_XRAY = (
    "REPORT RequestId: 11112222-3333-4444-8555-666677778888\tDuration: 201.67 ms\t"
    "Billed Duration: 202 ms\tMemory Size: 2048 MB\tMax Memory Used: 81 MB\t"
    "XRAY TraceId: 1-61c86fa4-59b3c6d959653c527fd10966\tSegmentId: 107ea78a5750a811\t"
    "Sampled: true\t\n"
)


def platform_report(
    request_id: str,
    metrics: dict[str, Any],
    status: str = "success",
    error_type: str | None = None,
    when: str = "2026-11-20T10:00:02.561Z",
) -> str:
    record: dict[str, Any] = {"requestId": request_id, "metrics": metrics, "status": status}
    if error_type:
        record["errorType"] = error_type
    # Lambda writes compact JSON, one record per log event.
    return json.dumps(
        {"time": when, "type": "platform.report", "record": record}, separators=(",", ":")
    )


JSON_COLD = platform_report(
    "3f6e1a52-8c1d-4b6a-9f0e-2d7c5b4a3e21",
    {
        "durationMs": 40.38,
        "billedDurationMs": 153,
        "memorySizeMB": 128,
        "maxMemoryUsedMB": 64,
        "initDurationMs": 112.16,
    },
)
JSON_WARM = platform_report(
    "7d2c9b14-0e3f-4a5b-8c6d-1e2f3a4b5c6d",
    {"durationMs": 2.21, "billedDurationMs": 3, "memorySizeMB": 128, "maxMemoryUsedMB": 65},
)
JSON_ERROR = platform_report(
    "a4b3c2d1-e5f6-4789-8abc-def012345678",
    {"durationMs": 1532.64, "billedDurationMs": 1533, "memorySizeMB": 128, "maxMemoryUsedMB": 128},
    status="error",
    error_type="Runtime.OutOfMemory",
)
JSON_TIMEOUT = platform_report(
    "c0ffee00-1234-4abc-9def-0123456789ab",
    {"durationMs": 30000.0, "billedDurationMs": 30000, "memorySizeMB": 128, "maxMemoryUsedMB": 71},
    status="timeout",
    error_type="Sandbox.Timedout",
)

# --- the conversation: 3 approvals, 4 invocations, 512 MB --------------------------------
# (request id, start s, end s, duration ms, billed ms, init ms or None)
INVOCATIONS = [
    (R1, 0.050, 2.560, 1843.27, 2456, 612.40),  # cold: ceil(1843.27 + 612.40) = 2456
    (R2, 48.100, 49.310, 1204.51, 1205, None),
    (R3, 150.050, 151.040, 987.02, 988, None),
    (R4, 369.350, 372.460, 3106.90, 3107, None),
]
END_S = 372.5
MEMORY_MB = 512
RETENTION_DAYS = 7
STEP_RESULT = '"ok"'  # 4 bytes per step
DECISION = '{"decision": "APPROVE"}'  # 23 bytes per callback


def execution(end_s: float | None = END_S, status: str = "SUCCEEDED") -> dict[str, Any]:
    """GetDurableExecution's answer for the conversation."""
    answer: dict[str, Any] = {
        "DurableExecutionArn": ARN,
        "DurableExecutionName": "chat-3-approvals",
        "FunctionArn": f"arn:aws:lambda:us-east-2:123456789012:function:{FUNCTION}:live",
        "Status": status,
        "StartTimestamp": T0,
        "DurableConfig": {"ExecutionTimeout": 86400, "RetentionPeriodInDays": RETENTION_DAYS},
    }
    if end_s is not None:
        answer["EndTimestamp"] = at(end_s)
    return answer


class _History:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.ids = 0

    def add(self, event_type: str, when: float, **fields: Any) -> None:
        self.events.append(
            {
                "EventType": event_type,
                "EventId": len(self.events) + 1,
                "EventTimestamp": at(when),
                **fields,
            }
        )

    def step(self, name: str, start: float, end: float, parent: str | None = None) -> None:
        self.ids += 1
        common = {"Id": f"step-{self.ids}", "Name": name, "SubType": "Step"}
        if parent:
            common["ParentId"] = parent
        self.add("StepStarted", start, **common, StepStartedDetails={})
        self.add(
            "StepSucceeded",
            end,
            **common,
            StepSucceededDetails={"Result": {"Payload": STEP_RESULT, "Truncated": False}},
        )

    def approval_start(self, n: int, when: float) -> None:
        ctx = {"Id": f"ctx-{n}", "Name": f"approve #{n}", "SubType": "WaitForCallback"}
        self.add("ContextStarted", when, **ctx, ContextStartedDetails={})
        self.add(
            "CallbackStarted",
            when,
            Id=f"cb-{n}",
            Name=f"approve #{n} create callback id",
            SubType="Callback",
            ParentId=f"ctx-{n}",
            CallbackStartedDetails={"CallbackId": f"callback-token-{n}"},
        )
        self.step(f"approve #{n} submitter", when + 0.01, when + 0.05, parent=f"ctx-{n}")

    def approval_end(self, n: int, answered: float, resumed: float) -> None:
        self.add(
            "CallbackSucceeded",
            answered,
            Id=f"cb-{n}",
            Name=f"approve #{n} create callback id",
            SubType="Callback",
            ParentId=f"ctx-{n}",
            CallbackSucceededDetails={"Result": {"Payload": DECISION, "Truncated": False}},
        )
        self.add(
            "ContextSucceeded",
            resumed,
            Id=f"ctx-{n}",
            Name=f"approve #{n}",
            SubType="WaitForCallback",
            ContextSucceededDetails={},
        )

    def invocation(self, request_id: str, start: float, end: float) -> None:
        self.add(
            "InvocationCompleted",
            end,
            InvocationCompletedDetails={
                "StartTimestamp": at(start),
                "EndTimestamp": at(end),
                "RequestId": request_id,
            },
        )


def history() -> list[dict[str, Any]]:
    """The conversation's history: think, approve, tool, ... report (11 steps of which 3
    submitters, 3 callbacks, 3 contexts: 17 operations)."""
    h = _History()
    h.add(
        "ExecutionStarted",
        0.0,
        Id="exec",
        Name="chat-3-approvals",
        ExecutionStartedDetails={"ExecutionTimeout": 86400},
    )
    h.step("think #1", 1.900, 2.400)
    h.approval_start(1, 2.410)
    h.invocation(R1, 0.050, 2.560)
    h.approval_end(1, 48.000, 48.300)
    h.step("tool #1", 48.400, 48.500)
    h.step("think #2", 48.600, 49.100)
    h.approval_start(2, 49.200)
    h.invocation(R2, 48.100, 49.310)
    h.approval_end(2, 150.000, 150.200)
    h.step("tool #2", 150.300, 150.400)
    h.step("think #3", 150.500, 150.900)
    h.approval_start(3, 150.950)
    h.invocation(R3, 150.050, 151.040)
    h.approval_end(3, 369.300, 369.500)
    h.step("tool #3", 369.600, 369.700)
    h.step("think #4", 369.800, 371.900)
    h.step("report", 372.000, 372.400)
    h.invocation(R4, 369.350, 372.460)
    h.add(
        "ExecutionSucceeded",
        END_S,
        Id="exec",
        Name="chat-3-approvals",
        ExecutionSucceededDetails={},
    )
    return h.events


def text_log(noise: bool = True) -> list[str]:
    """The log group's messages for the conversation, text format."""
    lines: list[str] = []
    for rid, start, _end, duration, billed, init in INVOCATIONS:
        if init is not None and noise:
            lines.append(
                "INIT_START Runtime Version: python:3.13.v31\tRuntime Version ARN: "
                "arn:aws:lambda:us-east-2::runtime:0a1b2c3d4e5f\n"
            )
        lines.append(f"START RequestId: {rid} Version: 3\n")
        if noise:
            lines.append(f"[INFO]\t{at(start).isoformat()}\t{rid}\tthinking about the query\n")
        lines.append(f"END RequestId: {rid}\n")
        report = (
            f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {MEMORY_MB} MB\t"
            f"Max Memory Used: 141 MB\t"
        )
        if init is not None:
            report += f"Init Duration: {init:.2f} ms\t"
        lines.append(report + "\n")
    return lines


def json_log(noise: bool = True) -> list[str]:
    """The same, JSON format (LoggingConfig.LogFormat = JSON)."""
    lines: list[str] = []
    for rid, start, _end, duration, billed, init in INVOCATIONS:
        when = at(start).isoformat().replace("+00:00", "Z")
        if init is not None and noise:
            lines.append(
                json.dumps(
                    {
                        "time": when,
                        "type": "platform.initStart",
                        "record": {
                            "initializationType": "on-demand",
                            "phase": "init",
                            "runtimeVersion": "python:3.13.v31",
                            "functionName": FUNCTION,
                            "functionVersion": "3",
                        },
                    },
                    separators=(",", ":"),
                )
            )
        lines.append(
            json.dumps(
                {
                    "time": when,
                    "type": "platform.start",
                    "record": {"requestId": rid, "version": "3"},
                },
                separators=(",", ":"),
            )
        )
        if noise:
            lines.append(
                json.dumps(
                    {
                        "timestamp": when,
                        "level": "INFO",
                        "message": "thinking about the query",
                        "logger": "root",
                        "requestId": rid,
                    }
                )
            )
        metrics: dict[str, Any] = {
            "durationMs": duration,
            "billedDurationMs": billed,
            "memorySizeMB": MEMORY_MB,
            "maxMemoryUsedMB": 141,
        }
        if init is not None:
            metrics["initDurationMs"] = init
        lines.append(platform_report(rid, metrics, when=when))
    return lines


# A shared log group's other traffic: a well-formed REPORT of another function, and
# lines that look like REPORT records but are broken.
FOREIGN_TEXT = (
    f"REPORT RequestId: {OTHER}\tDuration: 12.00 ms\tBilled Duration: 12 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 40 MB\t\n"
)
MALFORMED = [
    # truncated mid-field
    "REPORT RequestId: 9a9a9a9a-0000-4000-8000-000000000001\tDuration: 40.38 ms\tBilled Dura",
    # Billed Duration missing
    "REPORT RequestId: 9a9a9a9a-0000-4000-8000-000000000002\tDuration: 40.38 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 64 MB\t\n",
    # a unit cut off
    "REPORT RequestId: 9a9a9a9a-0000-4000-8000-000000000003\tDuration: 40.38 ms\t"
    "Billed Duration: 41 ms\tMemory Size: 12",
    # no request id
    "REPORT Duration: 40.38 ms\tBilled Duration: 41 ms\n",
    # JSON cut off
    '{"time":"2026-11-20T10:00:02.561Z","type":"platform.report","record":{"requestId":'
    '"9a9a9a9a-0000-4000-8000-000000000005","metrics":{"durationMs":1843.2',
    # JSON without billedDurationMs
    platform_report(
        "9a9a9a9a-0000-4000-8000-000000000006",
        {"durationMs": 5.0, "memorySizeMB": 128, "maxMemoryUsedMB": 60},
    ),
    # JSON with a string where a number belongs
    platform_report(
        "9a9a9a9a-0000-4000-8000-000000000007",
        {"durationMs": 5.0, "billedDurationMs": "6", "memorySizeMB": 128},
    ),
]
