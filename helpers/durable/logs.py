"""An execution's log records in CloudWatch Logs: fetched with the FilterLogEvents
paginator, its REPORT records waited for (one bounded wait, for late delivery), and its
lines split by Lambda invocation (START … REPORT of each request id, text or JSON format).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from tqdm.auto import tqdm

from ..i18n import tr
from ..polling import Backoff, poll
from .errors import MissingReportsError
from .reports import ParseReport, Problem, Report, parse_reports
from .times import CLOCK_SKEW_MS, duration_text

# Library loggers that write at INFO under Lambda's JSON log format; not the lesson.
LIBRARY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


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
    return tr(
        f"{wanted - missing} of {wanted} REPORT records have arrived in CloudWatch Logs after "
        f"{duration_text(waited_s)}; {missing} {'is' if missing == 1 else 'are'} still "
        "missing. Log delivery can lag by minutes on AWS: run this cell again in a minute.",
        f"{duration_text(waited_s)}待って、CloudWatch Logs に届いた REPORT レコードは "
        f"{wanted} 件中 {wanted - missing} 件です。{missing} 件がまだ届いていません。AWS では"
        "ログの配信が数分遅れることがあります。"
        "1 分ほどしてからこのセルをもう一度実行してください。",
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
            tr(
                f"The log group {log_group!r} does not exist: check the function's "
                "LoggingConfig.LogGroup (default /aws/lambda/<function name>).",
                f"ロググループ {log_group!r} がありません。関数の LoggingConfig.LogGroup "
                "（既定は /aws/lambda/<関数名>）を確認してください。",
            )
        )
    for rid in missing:
        problem = unreadable.get(rid)
        lines.append(
            f"  {rid}: "
            + (
                tr(
                    f"its REPORT line is malformed ({problem.reason})",
                    f"REPORT 行の形式が正しくありません（{problem.reason}）",
                )
                if problem
                else tr("no REPORT record arrived", "REPORT レコードが届いていません")
            )
        )
    lines.append(
        tr(
            "(From code: call again with a larger timeout_s, or pass allow_missing=True to "
            "analyse what has arrived; the figures then leave those invocations out.)",
            "（コードからは: timeout_s を大きくしてもう一度呼ぶか、allow_missing=True を渡して"
            "届いた分だけを分析してください。"
            "その場合、数値には届いていない呼び出しが含まれません。）",
        )
    )
    return "\n".join(lines)


def watch_reports(
    logs_client: Any,
    log_group: str,
    request_ids: Sequence[str],
    *,
    start_ms: int | None,
    timeout_s: float = LOG_WAIT_S,
    backoff: Backoff = LOG_BACKOFF,
) -> list[str]:
    """``wait_for_reports`` with a progress bar, one step per REPORT record (a widget in
    Jupyter, text elsewhere), that never raises: the request ids still without a usable
    record when it stops."""
    desc, unit = tr("REPORT records", "REPORT レコード"), tr("record", "件")
    with tqdm(total=len(request_ids), desc=desc, unit=unit) as bar:

        def step(found: int, _wanted: int) -> None:
            bar.update(found - bar.n)

        _, _, missing = wait_for_reports(
            logs_client,
            log_group,
            request_ids,
            start_ms=start_ms,
            timeout_s=timeout_s,
            backoff=backoff,
            allow_missing=True,
            progress=step,
        )
    return missing


def log_start_ms(start: float) -> int:
    """Where to start reading an execution's log records: its start (epoch seconds) less
    the clock-skew allowance (``times.CLOCK_SKEW_S``), in epoch milliseconds."""
    return int(start * 1000) - CLOCK_SKEW_MS


# -- lines per invocation -----------------------------------------------------------------
_TEXT_LOG = re.compile(r"^\[(?P<level>[A-Z]+)\]\t\S+\t\S+\t(?P<message>.*)$", re.S)
_TEXT_PLATFORM = ("START RequestId:", "END RequestId:", "REPORT RequestId:", "INIT_START")


@dataclass(frozen=True)
class LogLine:
    kind: str  # "print" (stdout) or "logger" (the logging module, context.logger)
    text: str
    level: str = ""


@dataclass
class InvocationLog:
    number: int
    request_id: str
    lines: list[LogLine] = field(default_factory=list)
    complete: bool = False  # its REPORT record has arrived

    @property
    def label(self) -> str:
        run = tr("first run", "初回実行") if self.number == 1 else tr("replay", "リプレイ")
        return tr(f"invocation {self.number} ({run})", f"呼び出し {self.number}（{run}）")


def _platform(message: str) -> tuple[str, str] | None:
    """(kind, request id) of a START/REPORT record in either log format, else None."""
    if message.startswith("{"):
        try:
            record = json.loads(message)
        except ValueError:
            return None
        kind = record.get("type") if isinstance(record, dict) else None
        if isinstance(kind, str) and kind.startswith("platform."):
            return kind, str((record.get("record") or {}).get("requestId", ""))
        return None
    for prefix in _TEXT_PLATFORM:
        if message.startswith(prefix):
            rid = message[len(prefix) :].split()[0] if prefix != "INIT_START" else ""
            return {"START": "platform.start", "REPORT": "platform.report"}.get(
                prefix.split()[0], "platform.other"
            ), rid
    return None


def _app_line(message: str) -> LogLine | None:
    """The function's own line, or None for a library's log record."""
    if message.startswith("{"):
        try:
            record = json.loads(message)
        except ValueError:
            record = None
        if isinstance(record, dict) and "message" in record and "level" in record:
            if str(record.get("logger", "")).startswith(LIBRARY_LOGGERS):
                return None
            return LogLine("logger", str(record["message"]), str(record["level"]))
    match = _TEXT_LOG.match(message)
    if match:
        return LogLine("logger", match["message"], match["level"])
    return LogLine("print", message.rstrip("\n"))


def split_by_invocation(
    events: Iterable[dict[str, Any]], request_ids: Sequence[str]
) -> list[InvocationLog]:
    """The function's own lines of each invocation, in order. An execution environment
    (one log stream) runs one invocation at a time, between its START and REPORT records;
    init lines before a START belong to the invocation that follows."""
    logs = {rid: InvocationLog(n, rid) for n, rid in enumerate(request_ids, 1)}
    streams: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        streams.setdefault(str(event.get("logStreamName", "")), []).append(event)
    for stream in streams.values():
        # In time order: records can be delivered late and out of order; FilterLogEvents
        # sorts by timestamp, and a sort that keeps ties in place does the same here.
        stream.sort(key=lambda e: int(e.get("timestamp") or 0))
        messages = [str(e.get("message", "")) for e in stream]
        pending: list[LogLine] = []
        current: InvocationLog | None = None
        for message in messages:
            platform = _platform(message)
            if platform is not None:
                kind, rid = platform
                if kind == "platform.start":
                    current = logs.get(rid)
                    if current is not None:
                        current.lines.extend(pending)
                    pending = []
                elif kind == "platform.report":
                    if current is not None and current.request_id == rid:
                        current.complete = True
                    current = None
                continue
            line = _app_line(message)
            if line is None:
                continue
            if current is not None:
                current.lines.append(line)
            else:
                pending.append(line)
    return list(logs.values())
