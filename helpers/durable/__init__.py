"""The one read model of a durable execution: what every other part of ``helpers`` reads
an execution through (nothing else parses an ARN or walks raw history events).

- ``arn``: ``ExecutionArn``, an execution ARN in parts;
- ``times``: ``epoch_seconds``, ``duration_text``, the one clock-skew allowance;
- ``status``: the ended statuses, RUNNING, the phases of a running execution;
- ``events`` and ``history``: the history (botocore's paginator) as typed invocations,
  operations and callbacks (``fetch_history``, ``ExecutionHistory``);
- ``reports`` and ``logs``: START/REPORT records (text and JSON) from CloudWatch Logs,
  one bounded wait for late delivery (``wait_for_reports``), lines per invocation.
"""

from .arn import ExecutionArn, execution_name
from .errors import DurableReadError, HistoryError, MissingReportsError, TimestampError
from .events import (
    Gap,
    Invocation,
    OperationCount,
    count_operations,
    data_written_bytes,
    gaps,
    invocations_from_history,
    split_event_type,
)
from .history import (
    Callback,
    ExecutionHistory,
    Operation,
    callbacks_of,
    execution_history,
    fetch_history,
    open_callbacks,
    operation_rows,
    phase_of,
    read_phase,
)
from .logs import (
    LOG_BACKOFF,
    LOG_WAIT_S,
    REPORT_FILTER_PATTERN,
    InvocationLog,
    LogLine,
    log_events,
    log_messages,
    log_start_ms,
    missing_records_text,
    report_messages,
    split_by_invocation,
    wait_for_reports,
    watch_reports,
)
from .reports import ParseReport, Problem, Report, parse_reports
from .status import (
    ENDED_STATUSES,
    PHASE_RUNNING,
    RUNNING,
    SUSPENDED_IN_WAIT,
    WAITING_FOR_CALLBACK,
    has_ended,
    phase_text,
)
from .times import (
    CLOCK_SKEW_MS,
    CLOCK_SKEW_S,
    display_width,
    duration_text,
    epoch_or_none,
    epoch_seconds,
    execution_seconds,
    pad,
)

__all__ = [
    "CLOCK_SKEW_MS",
    "CLOCK_SKEW_S",
    "ENDED_STATUSES",
    "LOG_BACKOFF",
    "LOG_WAIT_S",
    "PHASE_RUNNING",
    "REPORT_FILTER_PATTERN",
    "RUNNING",
    "SUSPENDED_IN_WAIT",
    "WAITING_FOR_CALLBACK",
    "Callback",
    "DurableReadError",
    "ExecutionArn",
    "ExecutionHistory",
    "Gap",
    "HistoryError",
    "Invocation",
    "InvocationLog",
    "LogLine",
    "MissingReportsError",
    "Operation",
    "OperationCount",
    "ParseReport",
    "Problem",
    "Report",
    "TimestampError",
    "callbacks_of",
    "count_operations",
    "data_written_bytes",
    "display_width",
    "duration_text",
    "epoch_or_none",
    "epoch_seconds",
    "execution_history",
    "execution_name",
    "execution_seconds",
    "fetch_history",
    "gaps",
    "has_ended",
    "invocations_from_history",
    "log_events",
    "log_messages",
    "log_start_ms",
    "missing_records_text",
    "open_callbacks",
    "operation_rows",
    "pad",
    "parse_reports",
    "phase_of",
    "phase_text",
    "read_phase",
    "report_messages",
    "split_by_invocation",
    "split_event_type",
    "wait_for_reports",
    "watch_reports",
]
