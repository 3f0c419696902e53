"""What a durable execution really costs: billed versus wall-clock, from CloudWatch Logs.

A durable execution that waits for a person runs as several short Lambda invocations (the
first run and one replay per resumption) with nothing billed in between. This module
joins the execution's invocations, as its history lists them (``InvocationCompleted``
events: ``RequestId``, start, end), to the REPORT record each invocation wrote to
CloudWatch Logs (text ``REPORT RequestId: …`` lines or JSON ``platform.report``
records), and turns the sum into figures and a cost estimate next to two alternatives:
a plain Lambda that blocks while the person decides, and a Step Functions standard
workflow.

Entry points:

- ``analyse_execution(lambda_client, logs_client, execution_arn)`` → ``ExecutionCost``
- ``analyse_function(lambda_client, logs_client, function_name)`` → ``FunctionCost``
- ``analyse_records(execution, history, log_messages)`` → ``ExecutionCost`` (offline)
- ``parse_reports(log_messages)`` → ``(reports by request id, ParseReport)``

Prices live in one place, ``PRICES`` (a dated ``PriceTable``); pass ``prices=`` to any
entry point to override them, e.g. ``dataclasses.replace(PRICES, architecture="arm64")``.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from .polling import Backoff, poll

# --------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------


def _verify(default: float) -> Any:
    """A price field whose source was second-hand: the summary marks it "(verify)"."""
    return field(default=default, metadata={"verify": True})


@dataclass(frozen=True)
class PriceTable:
    """Public list prices in USD, the one place the kit's cost figures come from.

    US East (N. Virginia) rates, used as a region-independent reference: other regions
    differ by a few percent. No free tier, no Savings Plans. Fields marked ``verify``
    were second-hand when the table was dated: check https://aws.amazon.com/lambda/pricing/
    before quoting them.
    """

    as_of: str = "2026-11"
    source: str = (
        "https://aws.amazon.com/lambda/pricing/, https://aws.amazon.com/step-functions/pricing/"
    )
    architecture: str = "x86_64"  # or "arm64"
    lambda_requests_per_million: float = 0.20
    lambda_gb_second_x86_64: float = 0.0000166667
    lambda_gb_second_arm64: float = 0.0000133334
    durable_operations_per_million: float = _verify(8.00)
    durable_data_written_per_gb: float = _verify(0.25)
    durable_data_retained_per_gb_month: float = _verify(0.15)
    step_functions_standard_per_1000_transitions: float = 0.025
    # Not a price but the rule the blocking comparison rests on: one invocation <= 15 min.
    lambda_max_invocation_s: int = 900

    @property
    def lambda_gb_second(self) -> float:
        if self.architecture == "arm64":
            return self.lambda_gb_second_arm64
        if self.architecture == "x86_64":
            return self.lambda_gb_second_x86_64
        raise ValueError(f"architecture must be 'x86_64' or 'arm64', not {self.architecture!r}")

    def describe(self) -> list[str]:
        """One line per price, "(verify)" where the source was second-hand."""
        lines = [f"list prices as of {self.as_of} (USD, us-east-1 rates, no free tier)"]
        for f in fields(self):
            if f.name in {"as_of", "source", "architecture", "lambda_max_invocation_s"}:
                continue
            if f.name.startswith("lambda_gb_second_") and not f.name.endswith(self.architecture):
                continue
            mark = " (verify)" if f.metadata.get("verify") else ""
            value = f"{getattr(self, f.name):.10f}".rstrip("0").rstrip(".")
            lines.append(f"  {f.name} = {value}{mark}")
        lines.append(f"  source: {self.source}")
        return lines


PRICES = PriceTable()
GIB = 1024**3
DAYS_PER_MONTH = 30  # a GB-month of retained data, as the kit reckons it
# RetentionPeriodInDays when the function's DurableConfig cannot be read (deleted since):
# the CloudFormation default (AWS::Lambda::Function DurableConfig; other pages say 30).
DEFAULT_RETENTION_DAYS = 14

# --------------------------------------------------------------------------------------
# REPORT records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One invocation's REPORT record, in either log format."""

    request_id: str
    duration_ms: float
    billed_ms: int  # what Lambda bills: ceil(duration + init) since August 2025
    memory_mb: int
    max_memory_mb: int | None
    init_ms: float | None  # only on a cold start
    status: str  # "success", "error", "timeout"...
    error_type: str | None
    log_format: str  # "text" or "json"

    @property
    def gb_seconds(self) -> float:
        return self.billed_ms / 1000 * self.memory_mb / 1024


@dataclass(frozen=True)
class Problem:
    """A log line that looked like a REPORT record but could not be used as one."""

    reason: str
    line: str  # the start of the line, for the reader
    request_id: str | None = None  # when it could still be read


@dataclass
class ParseReport:
    """What the parser saw: nothing it skips goes uncounted."""

    lines: int = 0
    text_reports: int = 0
    json_reports: int = 0
    ignored: int = 0  # START, END, INIT_START, platform.start, the function's own logs...
    malformed: list[Problem] = field(default_factory=list)  # unusable: not counted in figures
    incomplete: list[Problem] = field(default_factory=list)  # used: an optional field missing
    duplicates: list[str] = field(default_factory=list)  # request ids seen more than once
    unknown_fields: set[str] = field(default_factory=set)
    foreign: int = 0  # well-formed REPORTs of other invocations (set by the join)

    @property
    def reports(self) -> int:
        return self.text_reports + self.json_reports

    @property
    def clean(self) -> bool:
        return not (self.malformed or self.incomplete or self.duplicates)

    def summary(self) -> str:
        parts = [
            f"{self.lines} log lines: {self.reports} REPORT records "
            f"({self.text_reports} text, {self.json_reports} JSON), {self.ignored} other lines",
            f"{self.foreign} REPORT records of other invocations (other executions or "
            "functions in the same log group), not counted",
        ]
        if self.malformed:
            parts.append(f"{len(self.malformed)} malformed REPORT lines, not counted:")
            parts += [f"  - {p.reason}: {p.line!r}" for p in self.malformed[:5]]
            if len(self.malformed) > 5:
                parts.append(f"  … and {len(self.malformed) - 5} more")
        if self.incomplete:
            parts.append(f"{len(self.incomplete)} REPORT records missing an optional field:")
            parts += [f"  - {p.reason}" for p in self.incomplete[:5]]
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} duplicate REPORT records, first one kept")
        if self.unknown_fields:
            parts.append(f"fields not used: {', '.join(sorted(self.unknown_fields))}")
        return "\n".join(parts)


_TEXT_PREFIX = "REPORT RequestId: "
_NUMBER = re.compile(r"\d+(?:\.\d+)?\Z")
_INTEGER = re.compile(r"\d+\Z")
_JSON_REQUEST_ID = re.compile(r'"requestId"\s*:\s*"([^"]+)"')
# field label -> (attribute, unit, integer?); Status and Error Type carry no unit.
_TEXT_FIELDS: dict[str, tuple[str, str, bool]] = {
    "Duration": ("duration_ms", " ms", False),
    "Billed Duration": ("billed_ms", " ms", True),
    "Memory Size": ("memory_mb", " MB", True),
    "Max Memory Used": ("max_memory_mb", " MB", True),
    "Init Duration": ("init_ms", " ms", False),
    "Status": ("status", "", False),
    "Error Type": ("error_type", "", False),
}
# Known fields the figures do not need (X-Ray, SnapStart restore).
_TEXT_IGNORED = {
    "XRAY TraceId",
    "SegmentId",
    "Sampled",
    "Restore Duration",
    "Billed Restore Duration",
}
_REQUIRED = ("duration_ms", "billed_ms", "memory_mb")
_LABELS = {attr: label for label, (attr, _, _) in _TEXT_FIELDS.items()}


def _excerpt(line: str) -> str:
    return line if len(line) <= 160 else line[:157] + "..."


def _parse_text(line: str, parse: ParseReport) -> Report | Problem:
    parts = line.rstrip("\r\n").split("\t")
    request_id = parts[0][len(_TEXT_PREFIX) :].strip()
    if not request_id or " " in request_id:
        return Problem("no request id after 'REPORT RequestId:'", _excerpt(line))
    values: dict[str, Any] = {}
    for part in parts[1:]:
        if not part:
            continue  # Lambda ends the line with a tab
        label, sep, raw = part.partition(": ")
        if not sep:
            return Problem(
                f"field {part!r} has no value (truncated line?)", _excerpt(line), request_id
            )
        spec = _TEXT_FIELDS.get(label)
        if spec is None:
            if label not in _TEXT_IGNORED:
                parse.unknown_fields.add(label)
            continue
        attr, unit, integer = spec
        if unit:
            if not raw.endswith(unit):
                return Problem(
                    f"{label} {raw!r} does not end in{unit} (truncated line?)",
                    _excerpt(line),
                    request_id,
                )
            raw = raw[: -len(unit)]
            if not (_INTEGER if integer else _NUMBER).match(raw):
                kind = "a whole number" if integer else "a number"
                return Problem(f"{label} {raw!r} is not {kind}", _excerpt(line), request_id)
            values[attr] = int(raw) if integer else float(raw)
        else:
            values[attr] = raw.strip()
    return _report(values, request_id, "text", line, parse)


def _parse_json(line: str, parse: ParseReport) -> Report | Problem | None:
    try:
        doc = json.loads(line)
    except ValueError:
        match = _JSON_REQUEST_ID.search(line)
        return Problem(
            "platform.report line is not valid JSON (truncated?)",
            _excerpt(line),
            match.group(1) if match else None,
        )
    if not isinstance(doc, dict) or doc.get("type") != "platform.report":
        return None  # e.g. the function logging a message that mentions platform.report
    record = doc.get("record")
    if not isinstance(record, dict):
        return Problem("platform.report without a 'record' object", _excerpt(line))
    request_id = record.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        return Problem("platform.report without record.requestId", _excerpt(line))
    metrics = record.get("metrics")
    if not isinstance(metrics, dict):
        return Problem("platform.report without record.metrics", _excerpt(line), request_id)
    values: dict[str, Any] = {}
    for key, attr, integer in (
        ("durationMs", "duration_ms", False),
        ("billedDurationMs", "billed_ms", True),
        ("memorySizeMB", "memory_mb", True),
        ("maxMemoryUsedMB", "max_memory_mb", True),
        ("initDurationMs", "init_ms", False),
    ):
        if key not in metrics:
            continue
        value = metrics[key]
        # bool is an int in Python; a number in JSON never is.
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and value >= 0
        if ok and integer and value != int(value):
            ok = False
        if not ok:
            return Problem(
                f"metrics.{key} = {value!r} is not a valid "
                f"{'whole number' if integer else 'number'}",
                _excerpt(line),
                request_id,
            )
        values[attr] = int(value) if integer else float(value)
    for key, attr in (("status", "status"), ("errorType", "error_type")):
        if isinstance(record.get(key), str):
            values[attr] = record[key]
    known = {"requestId", "metrics", "status", "errorType", "tracing", "spans"}
    parse.unknown_fields.update(f"record.{k}" for k in record.keys() - known)
    return _report(values, request_id, "json", line, parse)


def _report(
    values: dict[str, Any], request_id: str, log_format: str, line: str, parse: ParseReport
) -> Report | Problem:
    missing = [attr for attr in _REQUIRED if attr not in values]
    if missing:
        names = ", ".join(_LABELS[a] for a in missing)
        return Problem(f"missing {names}", _excerpt(line), request_id)
    if "max_memory_mb" not in values:
        parse.incomplete.append(
            Problem(f"{request_id}: no Max Memory Used", _excerpt(line), request_id)
        )
    if "status" not in values and log_format == "json":
        parse.incomplete.append(
            Problem(
                f"{request_id}: no record.status (taken as success)", _excerpt(line), request_id
            )
        )
    return Report(
        request_id=request_id,
        duration_ms=values["duration_ms"],
        billed_ms=values["billed_ms"],
        memory_mb=values["memory_mb"],
        max_memory_mb=values.get("max_memory_mb"),
        init_ms=values.get("init_ms"),
        status=values.get("status", "success"),
        error_type=values.get("error_type"),
        log_format=log_format,
    )


def parse_reports(messages: Iterable[str]) -> tuple[dict[str, Report], ParseReport]:
    """REPORT records by request id, from log messages in text or JSON format, mixed.

    Lines that are not REPORT records are counted as ignored. Lines that look like one
    (``REPORT …`` or a JSON line mentioning ``platform.report``) but cannot be read are
    counted in ``ParseReport.malformed`` with the reason, and left out of the figures;
    a second record for the same request id is counted as a duplicate, the first kept.
    """
    parse = ParseReport()
    reports: dict[str, Report] = {}
    for message in messages:
        parse.lines += 1
        if message.startswith("REPORT "):
            if message.startswith(_TEXT_PREFIX):
                result: Report | Problem | None = _parse_text(message, parse)
            else:
                result = Problem("REPORT line without 'RequestId:'", _excerpt(message))
        elif message.startswith("{") and "platform.report" in message:
            result = _parse_json(message, parse)
        else:
            result = None
        if result is None:
            parse.ignored += 1
        elif isinstance(result, Problem):
            parse.malformed.append(result)
        elif result.request_id in reports:
            parse.duplicates.append(result.request_id)
        else:
            reports[result.request_id] = result
            if result.log_format == "text":
                parse.text_reports += 1
            else:
                parse.json_reports += 1
    return reports, parse


# --------------------------------------------------------------------------------------
# The execution's history
# --------------------------------------------------------------------------------------


class CostAnalysisError(RuntimeError):
    """The analysis cannot be made; the message says why and what to do."""


class MissingReportsError(CostAnalysisError):
    """Some invocations have no usable REPORT record after the bounded wait."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: records not there yet is no bug."""
        return [str(self)]


@dataclass(frozen=True)
class Invocation:
    """One Lambda invocation of the execution, from its ``InvocationCompleted`` event."""

    request_id: str
    start: float  # epoch seconds
    end: float
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.end - self.start


def epoch_seconds(value: Any) -> float:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.timestamp()
    if isinstance(value, int | float):
        return value / 1000 if value > 1e11 else float(value)  # ms or s since the epoch
    if isinstance(value, str):
        return epoch_seconds(datetime.fromisoformat(value.replace("Z", "+00:00")))
    raise CostAnalysisError(f"unexpected timestamp {value!r}")


def invocations_from_history(events: Sequence[dict[str, Any]]) -> list[Invocation]:
    """The execution's invocations, in order: one per ``InvocationCompleted`` event."""
    out = []
    for event in events:
        if event.get("EventType") != "InvocationCompleted":
            continue
        details = event.get("InvocationCompletedDetails")
        if not details or not details.get("RequestId"):
            raise CostAnalysisError(
                f"history event {event.get('EventId')} (InvocationCompleted) has no "
                "InvocationCompletedDetails.RequestId, so it cannot be joined to its REPORT "
                "record. AWS always sends it; the testing SDK's runner (1.4.0) drops it and "
                "the kit's local cloud restores it: is this endpoint an unpatched runner?"
            )
        error = details.get("Error")
        out.append(
            Invocation(
                request_id=details["RequestId"],
                start=epoch_seconds(details.get("StartTimestamp") or event["EventTimestamp"]),
                end=epoch_seconds(details.get("EndTimestamp") or event["EventTimestamp"]),
                error=((error.get("Payload") or {}).get("ErrorType") or "error") if error else None,
            )
        )
    out.sort(key=lambda inv: inv.start)
    return out


_KINDS = (
    ("ChainedInvoke", "chained_invokes"),
    ("Callback", "callbacks"),
    ("Context", "contexts"),
    ("Step", "steps"),
    ("Wait", "waits"),
)


@dataclass(frozen=True)
class OperationCount:
    """Durable operations, counted from the history.

    An operation is what the SDK checkpoints under one operation id: a step, a wait, a
    callback, a child context, a chained invoke. ``wait_for_callback`` is three (its
    child context, the callback, the submitter step), as AWS counts it. Each id counts
    once: a step's retries are shown apart (``step_retries``) because whether AWS bills
    each attempt is not settled here (verify). ``Execution*`` and ``InvocationCompleted``
    events are not operations.
    """

    steps: int = 0
    waits: int = 0
    callbacks: int = 0
    contexts: int = 0
    chained_invokes: int = 0
    step_retries: int = 0
    approvals: int = 0  # wait_for_callback contexts (each also counted above, as 3)
    submitter_steps: int = 0  # the steps inside them

    @property
    def total(self) -> int:
        return self.steps + self.waits + self.callbacks + self.contexts + self.chained_invokes

    def describe(self) -> str:
        parts = [
            f"{n} {label}"
            for n, label in (
                (self.steps, "steps"),
                (self.waits, "waits"),
                (self.callbacks, "callbacks"),
                (self.contexts, "child contexts"),
                (self.chained_invokes, "chained invokes"),
            )
            if n
        ]
        text = f"{self.total} ({', '.join(parts) or 'none'})"
        if self.approvals:
            text += f"; {self.approvals} wait_for_callback = 3 operations each"
        if self.step_retries:
            text += f"; plus {self.step_retries} step retries, not counted (verify)"
        return text


@functools.cache  # a handful of event types, looked up for every event
def _kind(event_type: str) -> str | None:
    for prefix, kind in _KINDS:
        if event_type.startswith(prefix):
            return kind
    return None


def count_operations(events: Sequence[dict[str, Any]]) -> OperationCount:
    """Count durable operations by distinct operation id (see ``OperationCount``)."""
    ids: dict[str, set[str]] = {kind: set() for _, kind in _KINDS}
    step_starts = 0
    approvals: set[str] = set()
    parents: dict[str, str | None] = {}
    for event in events:
        kind = _kind(str(event.get("EventType", "")))
        if kind is None:
            continue
        op_id = str(event.get("Id") or f"event-{event.get('EventId')}")
        ids[kind].add(op_id)
        parents.setdefault(op_id, event.get("ParentId"))
        if event.get("EventType") == "StepStarted":
            step_starts += 1
        if kind == "contexts" and event.get("SubType") == "WaitForCallback":
            approvals.add(op_id)
    submitters = sum(1 for op in ids["steps"] if parents.get(op) in approvals)
    return OperationCount(
        steps=len(ids["steps"]),
        waits=len(ids["waits"]),
        callbacks=len(ids["callbacks"]),
        contexts=len(ids["contexts"]),
        chained_invokes=len(ids["chained_invokes"]),
        step_retries=max(0, step_starts - len(ids["steps"])),
        approvals=len(approvals),
        submitter_steps=submitters,
    )


def data_written_bytes(events: Sequence[dict[str, Any]]) -> int:
    """Payload bytes the history shows (input, results, errors): an estimate of the
    checkpoint data written. Needs the history fetched with ``IncludeExecutionData``."""
    total = 0
    for event in events:
        for key, value in event.items():
            if key.endswith("Details") and isinstance(value, dict):
                for part in value.values():
                    if isinstance(part, dict) and isinstance(part.get("Payload"), str):
                        total += len(part["Payload"].encode())
    return total


@dataclass(frozen=True)
class Gap:
    """The time between two invocations, when nothing runs and nothing is billed."""

    start: float
    end: float
    label: str  # what the execution waited for, e.g. "waiting for approve #1"

    @property
    def seconds(self) -> float:
        return self.end - self.start


def _gaps(invocations: Sequence[Invocation], events: Sequence[dict[str, Any]]) -> list[Gap]:
    # An operation pending at the end of an invocation is what the next one waited for.
    names: dict[str, str] = {}
    parent_of: dict[str, str] = {}
    subtype: dict[str, str] = {}
    began: dict[str, tuple[float, str]] = {}
    finished: dict[str, float] = {}
    for event in events:
        op_id, event_type = event.get("Id"), str(event.get("EventType", ""))
        kind = _kind(event_type)
        if not op_id or kind is None:
            continue
        when = epoch_seconds(event["EventTimestamp"])
        names.setdefault(op_id, str(event.get("Name") or ""))
        subtype.setdefault(op_id, str(event.get("SubType") or ""))
        if event.get("ParentId"):
            parent_of[op_id] = event["ParentId"]
        if event_type.endswith("Started"):
            began.setdefault(op_id, (when, kind))
        elif (
            kind == "steps"
            and event_type == "StepFailed"
            and ((event.get("StepFailedDetails") or {}).get("RetryDetails"))
        ):
            began[op_id] = (when, "retry")  # waits out its retry delay
        else:
            finished[op_id] = when

    def label(op_id: str, kind: str) -> str:
        name = names[op_id]
        parent = parent_of.get(op_id)
        if kind == "callbacks" and parent and subtype.get(parent) == "WaitForCallback":
            name = names.get(parent, name)
        if not name:  # operations may be unnamed: say what they are
            return {
                "callbacks": "waiting for a callback",
                "waits": "durable wait (timer)",
                "chained_invokes": "waiting for a chained invoke",
                "retry": "retry delay of a step",
            }[kind]
        return {
            "callbacks": f"waiting for {name}",
            "waits": f"wait {name}",
            "chained_invokes": f"waiting for invoke {name}",
            "retry": f"retry delay of {name}",
        }[kind]

    # One sweep in time order: the operations pending at each invocation's end (a few at
    # a time), not every operation for every gap (10,000 invocations would be 10^8 checks).
    waiting = sorted(
        (when, op_id, kind)
        for op_id, (when, kind) in began.items()
        if kind not in {"steps", "contexts"}
    )
    pending: dict[str, str] = {}
    next_op = 0
    gaps = []
    for before, after in itertools.pairwise(invocations):
        now = before.end + 0.001  # history timestamps are to the millisecond
        while next_op < len(waiting) and waiting[next_op][0] <= now:
            _, op_id, kind = waiting[next_op]
            pending[op_id] = kind
            next_op += 1
        for op_id in [op for op in pending if finished.get(op, math.inf) <= now]:
            del pending[op_id]
        labels = [label(op_id, kind) for op_id, kind in pending.items()]
        if len(labels) > 2:
            labels = [*labels[:2], f"+{len(labels) - 2} more"]
        gaps.append(Gap(before.end, after.start, " + ".join(labels) or "suspended"))
    return gaps


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvocationCost:
    """An invocation joined to its REPORT record (None: no usable record)."""

    number: int
    invocation: Invocation
    report: Report | None


@dataclass(frozen=True)
class Comparison:
    """The same conversation run another way."""

    name: str
    billed_s: float | None  # Lambda billed duration in that design
    cost_usd: float
    possible: bool
    assumptions: tuple[str, ...]


@dataclass(frozen=True)
class CostBreakdown:
    requests_usd: float
    compute_usd: float
    operations_usd: float
    data_written_usd: float
    data_retained_usd: float

    @property
    def total_usd(self) -> float:
        return (
            self.requests_usd
            + self.compute_usd
            + self.operations_usd
            + self.data_written_usd
            + self.data_retained_usd
        )


def usd(amount: float) -> str:
    """A small dollar amount, readable: $0.000123, $0.0312, $4.20."""
    if amount == 0:
        return "$0"
    if amount >= 0.1:
        return f"${amount:,.2f}"
    return f"${amount:.{max(2, 2 - math.floor(math.log10(amount)))}f}"


def duration_text(seconds: float) -> str:
    """42 ms, 1.53 s, 6 min 12 s, 2 h 05 min."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 100:
        return f"{seconds:.3g} s" if seconds < 10 else f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {seconds % 60:02.0f} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


@dataclass
class ExecutionCost:
    """The cost picture of one durable execution. ``summary()`` says it in words."""

    execution_arn: str
    name: str
    status: str
    start: float
    end: float | None  # None while RUNNING: figures are so far
    invocations: list[InvocationCost]
    gaps: list[Gap]
    operations: OperationCount
    data_bytes: int
    retention_days: int | None
    parse: ParseReport
    missing: list[str]  # request ids without a usable REPORT
    prices: PriceTable
    durable: CostBreakdown = field(init=False)
    blocking: Comparison = field(init=False)
    step_functions: Comparison = field(init=False)

    def __post_init__(self) -> None:
        self.durable = self._durable_cost()
        self.blocking = self._blocking()
        self.step_functions = self._step_functions()

    # -- figures -----------------------------------------------------------------------
    @property
    def wall_clock_s(self) -> float:
        return (self.end if self.end is not None else time.time()) - self.start

    @property
    def reports(self) -> list[Report]:
        return [i.report for i in self.invocations if i.report is not None]

    @property
    def billed_ms(self) -> int:
        """Sum of Billed Duration over the invocations (init included, as Lambda bills)."""
        return sum(r.billed_ms for r in self.reports)

    @property
    def billed_s(self) -> float:
        return self.billed_ms / 1000

    @property
    def duration_ms(self) -> float:
        return sum(r.duration_ms for r in self.reports)

    @property
    def init_ms(self) -> float:
        return sum(r.init_ms or 0 for r in self.reports)

    @property
    def cold_starts(self) -> int:
        return sum(1 for r in self.reports if r.init_ms is not None)

    @property
    def gb_seconds(self) -> float:
        return sum(r.gb_seconds for r in self.reports)

    @property
    def memory_mb(self) -> int | None:
        return max((r.memory_mb for r in self.reports), default=None)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def retained_days(self) -> float:
        """How long the checkpoint data is stored, in days: from the moment it is written
        (taken as the execution's start) while the execution runs or is suspended, then the
        retention period after its end. AWS bills stored data for both (Lambda pricing,
        durable functions: data retained). While RUNNING: so far, plus the retention to come."""
        days = self.retention_days if self.retention_days is not None else DEFAULT_RETENTION_DAYS
        return self.wall_clock_s / 86_400 + days

    def _durable_cost(self) -> CostBreakdown:
        p = self.prices
        gib = self.data_bytes / GIB
        return CostBreakdown(
            requests_usd=len(self.invocations) * p.lambda_requests_per_million / 1e6,
            compute_usd=self.gb_seconds * p.lambda_gb_second,
            operations_usd=self.operations.total * p.durable_operations_per_million / 1e6,
            data_written_usd=gib * p.durable_data_written_per_gb,
            # GB-months, a month taken as 30 days.
            data_retained_usd=gib
            * p.durable_data_retained_per_gb_month
            * self.retained_days
            / DAYS_PER_MONTH,
        )

    def retention_text(self) -> str:
        """How the retained-data charge is reckoned, in words."""
        running = " so far" if self.end is None else ""
        period = (
            f"{self.retention_days} days after the end"
            if self.retention_days is not None
            else f"retention unknown: {DEFAULT_RETENTION_DAYS} days after the end assumed"
        )
        return (
            f"stored {duration_text(self.wall_clock_s)} while it ran or waited{running}, "
            f"then {period}: {self.retained_days:.2f} days"
        )

    def retention_sentence(self) -> str:
        """What the checkpoint data costs, written and stored, in one sentence."""
        d, p = self.durable, self.prices
        return (
            f"Checkpoint data, ~{self.data_bytes} B: written once ({usd(d.data_written_usd)} "
            f"at ${p.durable_data_written_per_gb:g} per GB), {self.retention_text()} "
            f"({usd(d.data_retained_usd)} at ${p.durable_data_retained_per_gb_month:g} "
            "per GB-month)."
        )

    def _blocking(self) -> Comparison:
        p = self.prices
        memory = self.memory_mb
        assumptions = [
            "one plain (not durable) Lambda invocation runs the whole conversation and "
            "sleeps while the person decides, so it is billed for the whole wall-clock",
        ]
        if memory is None:
            memory = 128
            assumptions.append("memory unknown (no REPORT record): 128 MB assumed")
        else:
            assumptions.append(f"same memory as the durable function ({memory} MB)")
        billed = math.ceil(self.wall_clock_s * 1000) / 1000
        limit = p.lambda_max_invocation_s
        possible = billed <= limit
        if not possible:
            assumptions.append(
                f"impossible as such: a Lambda invocation stops at {limit // 60} minutes "
                f"({limit} s) and this conversation took {duration_text(billed)}; the "
                "figure is what it would cost if it could"
            )
        else:
            assumptions.append(
                f"possible only because it ended within {limit // 60} minutes "
                "(the longest a Lambda invocation may run)"
            )
        cost = p.lambda_requests_per_million / 1e6 + billed * memory / 1024 * p.lambda_gb_second
        return Comparison("plain Lambda, blocking", billed, cost, possible, tuple(assumptions))

    def _step_functions(self) -> Comparison:
        p = self.prices
        ops = self.operations
        tasks = ops.steps - ops.submitter_steps
        # A wait_for_callback is a Task with .waitForTaskToken plus a Choice on the answer;
        # a bare callback (create_callback) the same.
        callbacks = ops.approvals + max(0, ops.callbacks - ops.approvals)
        transitions = tasks + 2 * callbacks + ops.waits + 1
        assumptions = (
            f"a Step Functions standard workflow with one Task state per step ({tasks}), "
            f"a Task state with .waitForTaskToken and a Choice state per callback "
            f"({callbacks} x 2), a Wait state per wait ({ops.waits}) and a final Succeed "
            f"state: {transitions} state transitions at "
            f"${p.step_functions_standard_per_1000_transitions} per 1,000",
            "its Task states run the same Lambda code: the same requests and GB-seconds as "
            "this execution (an approximation: they would not replay)",
            "waiting for a task token costs nothing; free tiers (4,000 transitions a month) "
            "ignored; parallel and map contexts not modelled",
        )
        cost = (
            transitions * p.step_functions_standard_per_1000_transitions / 1000
            + self.durable.requests_usd
            + self.durable.compute_usd
        )
        return Comparison("Step Functions standard", self.billed_s, cost, True, assumptions)

    # -- presentation ------------------------------------------------------------------
    def table(self) -> list[dict[str, Any]]:
        """One row per invocation: times in seconds, memory in MB."""
        rows = []
        for item in self.invocations:
            inv, rep = item.invocation, item.report
            rows.append(
                {
                    "invocation": item.number,
                    "request_id": inv.request_id,
                    "start_s": round(inv.start - self.start, 3),
                    "seconds": round(inv.seconds, 3),
                    "duration_ms": rep.duration_ms if rep else None,
                    "init_ms": rep.init_ms if rep else None,
                    "billed_ms": rep.billed_ms if rep else None,
                    "memory_mb": rep.memory_mb if rep else None,
                    "max_memory_mb": rep.max_memory_mb if rep else None,
                    "status": rep.status if rep else "no REPORT",
                    "log_format": rep.log_format if rep else None,
                }
            )
        return rows

    def row(self) -> dict[str, Any]:
        """This execution as one row of ``FunctionCost.table()``."""
        wall = self.wall_clock_s
        return {
            "execution": self.name,
            "status": self.status,
            "wall_clock_s": round(wall, 3),
            "invocations": len(self.invocations),
            "billed_s": round(self.billed_s, 3),
            "billed_pct_of_wall_clock": round(100 * self.billed_s / wall, 2) if wall else None,
            "gb_seconds": round(self.gb_seconds, 4),
            "operations": self.operations.total,
            "cost_usd": self.durable.total_usd,
            "blocking_cost_usd": self.blocking.cost_usd,
            "blocking_possible": self.blocking.possible,
            "missing_reports": len(self.missing),
        }

    def summary(self) -> str:
        n = len(self.invocations)
        d, b, s = self.durable, self.blocking, self.step_functions
        running = " so far (still RUNNING)" if self.end is None else ""
        joined = n - len(self.missing)
        lines = [
            f"Durable execution {self.name} ({self.status})",
            f"  wall-clock          {duration_text(self.wall_clock_s)}{running}",
            f"  invocations         {n} (the first run and {max(n - 1, 0)} replays); "
            f"{joined} of {n} joined to their REPORT record",
            f"  billed duration     {self.billed_s:.3f} s, the sum of Billed Duration "
            f"(init included; {self.cold_starts} cold start"
            f"{'' if self.cold_starts == 1 else 's'}, {self.init_ms:.0f} ms init)",
            f"  billed / wall-clock {self._ratio()}",
            f"  compute             {self.gb_seconds:.4f} GB-s"
            + (f" at {self.memory_mb} MB" if self.memory_mb else ""),
            f"  durable operations  {self.operations.describe()}",
            f"  estimated cost      {usd(d.total_usd)} per execution, "
            f"{usd(d.total_usd * 1000)} per 1,000",
            f"    requests {usd(d.requests_usd)}, compute {usd(d.compute_usd)}, operations "
            f"{usd(d.operations_usd)}, checkpoint data ~{self.data_bytes} B written "
            f"{usd(d.data_written_usd)} + retained {usd(d.data_retained_usd)} "
            f"({self.retention_text()})",
            "",
            "Compared with",
            f"  {b.name}: billed {duration_text(b.billed_s or 0)} -> {usd(b.cost_usd)} per "
            f"execution ({self._times(b.cost_usd)})"
            + ("" if b.possible else "  [IMPOSSIBLE past 15 minutes]"),
            *[f"    - {a}" for a in b.assumptions],
            f"  {s.name}: {usd(s.cost_usd)} per execution ({self._times(s.cost_usd)})",
            *[f"    - {a}" for a in s.assumptions],
        ]
        if self.missing:
            lines += [
                "",
                f"INCOMPLETE: {len(self.missing)} of {n} invocations have no usable REPORT "
                "record yet, so the figures above leave them out "
                f"({', '.join(self.missing)}). Log delivery can lag by minutes on AWS: run "
                "this cell again in a minute.",
            ]
        lines += ["", "Log parsing", *("  " + x for x in self.parse.summary().splitlines())]
        lines += ["", "Prices", *("  " + x for x in self.prices.describe())]
        return "\n".join(lines)

    def compute_text(self) -> str:
        """GB-seconds of this execution, worked out in words from its own figures."""
        if self.memory_mb is None:
            return "No REPORT record has arrived yet: no GB-seconds to show."
        p = self.prices
        return (
            f"This execution: {self.memory_mb} MB = {self.memory_mb / 1024:g} GB, billed "
            f"{self.billed_s:.3f} s in all, is {self.gb_seconds:.4f} GB-s; at the "
            f"{p.architecture} list price of ${p.lambda_gb_second:.10f}".rstrip("0")
            + f" per GB-s that is {usd(self.durable.compute_usd)}."
        )

    def verdict(self) -> str:
        """This execution's durable estimate beside a plain blocking Lambda, in words."""
        d, b = self.durable.total_usd, self.blocking.cost_usd
        wall = duration_text(self.wall_clock_s)
        if not self.blocking.possible:
            return (
                f"This conversation took {wall}: a plain Lambda could not have waited that "
                f"long (15 minutes at most). The durable estimate is {usd(d)}."
            )
        if b >= d:
            return (
                f"This conversation took {wall}: a plain Lambda blocking through it would "
                f"cost {usd(b)}, {self._times(b)} ({usd(d)})."
            )
        return (
            f"This conversation took {wall}: a plain Lambda blocking through it would cost "
            f"{usd(b)}, less than the durable estimate ({usd(d)}), because the waits were "
            f"short and the durable operations alone cost {usd(self.durable.operations_usd)}."
        )

    def _ratio(self) -> str:
        wall = self.wall_clock_s
        if wall <= 0:
            return "n/a"
        return (
            f"{100 * self.billed_s / wall:.2f} % ({self.billed_s:.1f} s of "
            f"{duration_text(wall)}): nothing is billed while the execution waits"
        )

    def _times(self, other: float) -> str:
        total = self.durable.total_usd
        if not total or not other:
            return "n/a"
        if other >= total:
            return f"{other / total:.1f}x the durable estimate"
        # Short conversations: the operations charge outweighs a few seconds of blocking.
        return f"{total / other:.1f}x cheaper than the durable estimate"

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------------------
# Fetching: history, log events, the bounded wait
# --------------------------------------------------------------------------------------


# FilterLogEvents reads only REPORT records: text ``REPORT RequestId: ...`` lines and JSON
# ``platform.report`` records. "?term ?term" matches events holding either term; a term
# with spaces or dots is quoted (CloudWatch Logs User Guide, "Filter pattern syntax for
# metric filters, subscription filters, filter log events, and Live Tail"). The pattern
# is a first cut, not a parser: an application line quoting "platform.report" passes it,
# and an emulator may ignore it (moto does), so ``parse_reports`` still sorts lines.
REPORT_FILTER_PATTERN = '?"REPORT RequestId" ?"platform.report"'
# Log delivery lags seconds, sometimes minutes on AWS: wait up to this long by default.
LOG_WAIT_S = 180.0
# FilterLogEvents: 5 requests per second per account and Region (see helpers.polling);
# thirty attendees polling every second would use it six times over.
LOG_BACKOFF = Backoff(first_s=1.0, cap_s=15.0)


def execution_history(lambda_client: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every history event of the execution, all pages, with payloads (for data size)."""
    pages = lambda_client.get_paginator("get_durable_execution_history").paginate(
        DurableExecutionArn=execution_arn,
        IncludeExecutionData=True,
        PaginationConfig={"PageSize": 1000},
    )
    return [event for page in pages for event in page.get("Events", [])]


def log_events(
    logs_client: Any,
    log_group: str,
    start_ms: int | None = None,
    filter_pattern: str | None = None,
) -> list[dict[str, Any]] | None:
    """The log group's events since ``start_ms`` (matching ``filter_pattern``, if given),
    all pages; None if the group does not exist (yet: Lambda creates it on the first
    invocation's logs)."""
    kwargs: dict[str, Any] = {"logGroupName": log_group}
    if start_ms is not None:
        kwargs["startTime"] = max(0, int(start_ms))
    if filter_pattern:
        kwargs["filterPattern"] = filter_pattern
    try:
        pages = logs_client.get_paginator("filter_log_events").paginate(**kwargs)
        return [event for page in pages for event in page.get("events", [])]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise


def log_messages(
    logs_client: Any,
    log_group: str,
    start_ms: int | None = None,
    filter_pattern: str | None = None,
) -> list[str] | None:
    """The messages of ``log_events``; None if the group does not exist (yet)."""
    events = log_events(logs_client, log_group, start_ms, filter_pattern)
    return None if events is None else [str(e.get("message", "")) for e in events]


def report_messages(logs_client: Any, log_group: str, start_ms: int | None) -> list[str] | None:
    """The group's REPORT records since ``start_ms``, read with ``REPORT_FILTER_PATTERN``."""
    return log_messages(logs_client, log_group, start_ms, REPORT_FILTER_PATTERN)


def wait_for_reports(
    logs_client: Any,
    log_group: str,
    request_ids: Iterable[str],
    *,
    start_ms: int | None = None,
    timeout_s: float = LOG_WAIT_S,
    backoff: Backoff = LOG_BACKOFF,
    allow_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[str, Report], ParseReport, list[str]]:
    """Read the log group's REPORT records until every request id has one, or
    ``timeout_s`` (a few minutes by default: log delivery can lag that long on AWS),
    with backoff between reads (``helpers.polling``); ``progress(found, wanted)`` after
    each read.

    A request id whose only REPORT line is malformed is not waited for (it will not
    improve). Returns the reports, the parse report and the request ids still without a
    usable record; raises ``MissingReportsError`` naming them unless ``allow_missing``.
    """
    wanted = list(dict.fromkeys(request_ids))
    latest: dict[str, Any] = {"messages": None}

    def read() -> tuple[dict[str, Report], ParseReport]:
        latest["messages"] = report_messages(logs_client, log_group, start_ms)
        return parse_reports(latest["messages"] or [])

    def settled(value: tuple[dict[str, Report], ParseReport]) -> bool:
        return not _pending(wanted, *value)

    def step(value: tuple[dict[str, Report], ParseReport], _elapsed: float) -> None:
        if progress is not None:
            progress(sum(1 for rid in wanted if rid in value[0]), len(wanted))

    result = poll(read, settled, timeout_s=timeout_s, backoff=backoff, progress=step, sleep=sleep)
    reports, parse = result.value if result.value is not None else ({}, ParseReport())
    missing = [rid for rid in wanted if rid not in reports]
    if missing and not allow_missing:
        unreadable = {p.request_id: p for p in parse.malformed if p.request_id}
        raise MissingReportsError(
            _missing_message(
                log_group,
                wanted,
                missing,
                unreadable,
                result.elapsed_s,
                group_exists=latest["messages"] is not None or result.throttled == result.reads,
            ),
            missing,
        )
    return reports, parse, missing


def _pending(wanted: Sequence[str], reports: dict[str, Report], parse: ParseReport) -> list[str]:
    unreadable = {p.request_id for p in parse.malformed if p.request_id}
    return [rid for rid in wanted if rid not in reports and rid not in unreadable]


def missing_records_text(missing: int, wanted: int, waited_s: float) -> str:
    """What a learner reads when REPORT records have not all arrived: how many of how
    many, and what to do."""
    return (
        f"{wanted - missing} of {wanted} REPORT records have arrived in CloudWatch Logs after "
        f"{duration_text(waited_s)}; {missing} {'is' if missing == 1 else 'are'} still "
        "missing. Log delivery can lag by minutes on AWS: run this cell again in a minute."
    )


def _missing_message(
    log_group: str,
    wanted: Sequence[str],
    missing: Sequence[str],
    unreadable: dict[str, Problem],
    waited_s: float,
    *,
    group_exists: bool,
) -> str:
    lines = [missing_records_text(len(missing), len(wanted), waited_s)]
    if not group_exists:
        lines.append(
            f"The log group {log_group!r} does not exist: check the function's "
            "LoggingConfig.LogGroup (default /aws/lambda/<function name>)."
        )
    for rid in missing:
        problem = unreadable.get(rid)
        lines.append(
            f"  {rid}: "
            + (
                f"its REPORT line is malformed ({problem.reason})"
                if problem
                else "no REPORT record arrived"
            )
        )
    lines.append(
        "(From code: call again with a larger timeout_s, or pass allow_missing=True to "
        "analyse what has arrived; the figures then leave those invocations out.)"
    )
    return "\n".join(lines)


def function_of(execution_arn: str) -> tuple[str, str | None]:
    """The function name and qualifier of an execution ARN:
    ``arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER/durable-execution/NAME/ID``."""
    head = execution_arn.split("/durable-execution/", 1)[0]
    parts = head.split(":")
    if len(parts) < 7 or parts[5] != "function":
        raise CostAnalysisError(
            f"{execution_arn!r} is not a durable execution ARN (arn:aws:lambda:REGION:ACCOUNT:"
            "function:NAME:QUALIFIER/durable-execution/...): pass log_group= explicitly"
        )
    return parts[6], parts[7] if len(parts) > 7 else None


def function_log_group(lambda_client: Any, function_name: str, qualifier: str | None = None) -> str:
    """The function's log group: ``LoggingConfig.LogGroup``, else ``/aws/lambda/<name>``."""
    kwargs = {"FunctionName": function_name}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    config = lambda_client.get_function_configuration(**kwargs)
    return str(
        (config.get("LoggingConfig") or {}).get("LogGroup")
        or f"/aws/lambda/{function_name.split(':')[-1]}"
    )


def _with_retention(lambda_client: Any, execution: dict[str, Any]) -> dict[str, Any]:
    """The execution with its function's DurableConfig: GetDurableExecution does not carry
    the retention period, the function's configuration does (None once it is deleted)."""
    if execution.get("DurableConfig"):
        return execution
    try:
        name, qualifier = function_of(str(execution.get("DurableExecutionArn", "")))
        kwargs = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
        config = lambda_client.get_function_configuration(**kwargs).get("DurableConfig")
    except (ClientError, CostAnalysisError):
        return execution
    return {**execution, "DurableConfig": config} if config else execution


# Events are stamped when Lambda writes them; allow for clock skew between services.
_SKEW_MS = 5_000


def _build(
    execution: dict[str, Any],
    history: Sequence[dict[str, Any]],
    reports: dict[str, Report],
    parse: ParseReport,
    prices: PriceTable,
    invocations: list[Invocation] | None = None,
) -> ExecutionCost:
    invocations = invocations if invocations is not None else invocations_from_history(history)
    joined = [
        InvocationCost(i + 1, inv, reports.get(inv.request_id)) for i, inv in enumerate(invocations)
    ]
    ours = {inv.request_id for inv in invocations}
    parse = replace(parse, foreign=sum(1 for rid in reports if rid not in ours))
    arn = str(execution.get("DurableExecutionArn", ""))
    end = execution.get("EndTimestamp")
    retention = (execution.get("DurableConfig") or {}).get("RetentionPeriodInDays")
    return ExecutionCost(
        execution_arn=arn,
        name=str(execution.get("DurableExecutionName") or arn.rsplit("/", 1)[-1]),
        status=str(execution.get("Status", "UNKNOWN")),
        start=epoch_seconds(execution["StartTimestamp"]),
        end=epoch_seconds(end) if end is not None else None,
        invocations=joined,
        gaps=_gaps(invocations, history),
        operations=count_operations(history),
        data_bytes=data_written_bytes(history),
        retention_days=int(retention) if retention is not None else None,
        parse=parse,
        missing=[c.invocation.request_id for c in joined if c.report is None],
        prices=prices,
    )


def analyse_records(
    execution: dict[str, Any],
    history: Sequence[dict[str, Any]],
    messages: Iterable[str],
    *,
    prices: PriceTable = PRICES,
) -> ExecutionCost:
    """The analysis from data already in hand (no AWS calls): ``execution`` as
    get_durable_execution returns it, its history events, the log group's messages."""
    reports, parse = parse_reports(messages)
    return _build(execution, history, reports, parse, prices)


def analyse_execution(
    lambda_client: Any,
    logs_client: Any,
    execution_arn: str,
    log_group: str | None = None,
    *,
    prices: PriceTable = PRICES,
    timeout_s: float = LOG_WAIT_S,
    backoff: Backoff = LOG_BACKOFF,
    allow_missing: bool = False,
) -> ExecutionCost:
    """Billed versus wall-clock for one durable execution.

    ``log_group``: where the function logs (default: its ``LoggingConfig.LogGroup``, else
    ``/aws/lambda/<name>``). Waits up to ``timeout_s`` for the REPORT records of every
    invocation (see ``wait_for_reports``).
    """
    execution = lambda_client.get_durable_execution(DurableExecutionArn=execution_arn)
    execution = _with_retention(lambda_client, execution)
    history = execution_history(lambda_client, execution_arn)
    invocations = invocations_from_history(history)
    if log_group is None:
        log_group = function_log_group(lambda_client, *function_of(execution_arn))
    start_ms = int(epoch_seconds(execution["StartTimestamp"]) * 1000) - _SKEW_MS
    reports, parse, _ = wait_for_reports(
        logs_client,
        log_group,
        [i.request_id for i in invocations],
        start_ms=start_ms,
        timeout_s=timeout_s,
        backoff=backoff,
        allow_missing=allow_missing,
    )
    return _build(execution, history, reports, parse, prices, invocations)


# --------------------------------------------------------------------------------------
# Many executions of one function
# --------------------------------------------------------------------------------------


@dataclass
class FunctionCost:
    """Billed versus wall-clock for many executions of one function."""

    function_name: str
    executions: list[ExecutionCost]
    parse: ParseReport  # of the whole log group; foreign: records of no listed execution

    def table(self) -> list[dict[str, Any]]:
        """One row per execution (see ``ExecutionCost.row``), oldest first."""
        return [e.row() for e in self.executions]

    def summary(self) -> str:
        rows = self.table()
        if not rows:
            return f"{self.function_name}: no durable executions found"
        head = [
            "execution",
            "status",
            "wall-clock",
            "invocations",
            "billed",
            "billed %",
            "cost",
            "blocking Lambda",
        ]
        body = [
            [
                r["execution"][:18],
                r["status"],
                duration_text(r["wall_clock_s"]),
                str(r["invocations"]),
                f"{r['billed_s']:.3f} s",
                f"{r['billed_pct_of_wall_clock']} %",
                usd(r["cost_usd"]),
                usd(r["blocking_cost_usd"]) + ("" if r["blocking_possible"] else " (>15 min!)"),
            ]
            for r in rows
        ]
        widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        out = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
        out += [fmt.format(*line) for line in body]
        total = sum(r["cost_usd"] for r in rows)
        blocking = sum(r["blocking_cost_usd"] for r in rows)
        out += [
            "",
            f"{len(rows)} executions: {usd(total)} durable, {usd(blocking)} if a plain "
            f"Lambda had blocked through each conversation",
            "",
            self.parse.summary(),
        ]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.summary()


_VERSION = re.compile(r"(\$LATEST|\d+)\Z")


def version_qualifiers(
    lambda_client: Any, function_name: str, qualifier: str | None = None
) -> list[str]:
    """The versions to list executions of: ``qualifier`` itself if it is a version or
    ``$LATEST``; the versions an alias routes to; with no qualifier, ``$LATEST`` and every
    published version.

    ListDurableExecutionsByFunction without a Qualifier lists ``$LATEST``'s executions
    only (Lambda API reference, ListDurableExecutionsByFunction: Qualifier), and an
    execution is filed under the version it ran on (its ARN reads ``NAME:VERSION/...``),
    so every listing names its versions.
    """
    if qualifier and _VERSION.match(qualifier):
        return [qualifier]
    if qualifier:
        alias = lambda_client.get_alias(FunctionName=function_name, Name=qualifier)
        extra = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        return list(dict.fromkeys([str(alias["FunctionVersion"]), *map(str, extra)]))
    pages = lambda_client.get_paginator("list_versions_by_function").paginate(
        FunctionName=function_name
    )
    versions = [str(v["Version"]) for page in pages for v in page.get("Versions", [])]
    return list(dict.fromkeys(["$LATEST", *versions]))


def list_executions(
    lambda_client: Any,
    function_name: str,
    qualifier: str | None = None,
    statuses: Sequence[str] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Up to ``limit`` durable executions of the function on ``qualifier`` (a version, an
    alias, or None: every version), newest first; one listing per version (see
    ``version_qualifiers``), each through botocore's paginator."""
    paginator = lambda_client.get_paginator("list_durable_executions_by_function")
    found: list[dict[str, Any]] = []
    for version in version_qualifiers(lambda_client, function_name, qualifier):
        kwargs: dict[str, Any] = {
            "FunctionName": function_name,
            "Qualifier": version,
            "ReverseOrder": True,
            "PaginationConfig": {"MaxItems": limit, "PageSize": min(limit, 1000)},
        }
        if statuses:
            kwargs["Statuses"] = list(statuses)
        for page in paginator.paginate(**kwargs):
            found.extend(page.get("DurableExecutions", []))
    # One entry per execution, even where two listings overlap (an alias's versions).
    unique = {str(e["DurableExecutionArn"]): e for e in found}
    ordered = sorted(unique.values(), key=lambda e: epoch_seconds(e["StartTimestamp"]))
    return ordered[::-1][:limit]


def analyse_function(
    lambda_client: Any,
    logs_client: Any,
    function_name: str,
    qualifier: str | None = None,
    log_group: str | None = None,
    *,
    statuses: Sequence[str] | None = ("SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"),
    limit: int = 50,
    prices: PriceTable = PRICES,
    timeout_s: float = LOG_WAIT_S,
    backoff: Backoff = LOG_BACKOFF,
    allow_missing: bool = False,
    started_after: float | None = None,
) -> FunctionCost:
    """Billed versus wall-clock for the function's last ``limit`` finished executions
    (only those started at or after ``started_after``, epoch seconds, if given).

    The log group is read once for all of them (from the oldest execution's start).
    """
    summaries = list_executions(lambda_client, function_name, qualifier, statuses, limit)
    if started_after is not None:
        summaries = [s for s in summaries if epoch_seconds(s["StartTimestamp"]) >= started_after]
    if log_group is None:
        log_group = function_log_group(lambda_client, function_name, qualifier)
    loaded = []
    for summary in sorted(summaries, key=lambda s: epoch_seconds(s["StartTimestamp"])):
        arn = summary["DurableExecutionArn"]
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        history = execution_history(lambda_client, arn)
        loaded.append((execution, history, invocations_from_history(history)))
    if not loaded:
        return FunctionCost(function_name, [], ParseReport())
    start_ms = int(epoch_seconds(loaded[0][0]["StartTimestamp"]) * 1000) - _SKEW_MS
    wanted = [inv.request_id for _, _, invs in loaded for inv in invs]
    reports, parse, _ = wait_for_reports(
        logs_client,
        log_group,
        wanted,
        start_ms=start_ms,
        timeout_s=timeout_s,
        backoff=backoff,
        allow_missing=allow_missing,
    )
    # Each execution's parse report is the log group's: its foreign count is the records
    # of the other executions (and of anything else logging there).
    costs = [
        _build(execution, history, reports, parse, prices, invocations)
        for execution, history, invocations in loaded
    ]
    everyone = set(wanted)
    parse = replace(parse, foreign=sum(1 for rid in reports if rid not in everyone))
    return FunctionCost(function_name, costs, parse)
