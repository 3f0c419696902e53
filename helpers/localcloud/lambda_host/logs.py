"""An invocation's log records (START, END, REPORT, text or JSON) and their late delivery."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .function import FunctionVersion

log = logging.getLogger(__name__)


class LogShipper:
    """Delivers log records to CloudWatch Logs in the background, as Lambda does: late.

    ``delay()`` gives each batch its lag (the realism profile's): a batch becomes visible
    only once it is due, batches of one stream stay in order, and batches of different
    streams (execution environments) overtake each other, as on AWS. Records go to the
    function's own Region (``logs_for(region)`` is that Region's client). The group and
    stream are created when the invocation writes, as Lambda does; a batch still on its
    way when its group is deleted is lost, not written into a group created anew.
    """

    def __init__(
        self, logs_for: Callable[[str], Any], delay: Callable[[], float] | None = None
    ) -> None:
        self._logs_for = logs_for
        self._delay = delay or (lambda: 0.0)
        self._due: list[tuple[float, int, str, str, str, list[tuple[int, str]]]] = []
        self._last_due: dict[tuple[str, str, str], float] = {}
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._unfinished = 0
        self._draining = False  # stop(): deliver whatever is left now
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
        self._thread.start()

    def put(self, region: str, group: str, stream: str, lines: list[tuple[int, str]]) -> None:
        """Create the group and stream now (the invocation writes), deliver the lines later."""
        client = self._logs_for(region)
        exists = client.exceptions.ResourceAlreadyExistsException
        with contextlib.suppress(exists):
            client.create_log_group(logGroupName=group)
        with contextlib.suppress(exists):
            client.create_log_stream(logGroupName=group, logStreamName=stream)
        with self._cond:
            now = time.monotonic()
            key = (region, group, stream)
            due = max(now + self._delay(), self._last_due.get(key, 0.0))
            self._last_due[key] = due
            heapq.heappush(self._due, (due, next(self._seq), region, group, stream, lines))
            self._unfinished += 1
            self._cond.notify_all()

    def flush(self, timeout: float = 10) -> None:
        """Wait until every batch put so far is delivered (each after its lag)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._unfinished and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)

    def stop(self) -> None:
        with self._cond:
            self._draining = True
            self._cond.notify_all()
        self.flush()
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def _next(self) -> tuple[str, str, str, list[tuple[int, str]]] | None:
        with self._cond:
            while True:
                now = time.monotonic()
                if self._due and (self._draining or self._due[0][0] <= now):
                    _, _, region, group, stream, lines = heapq.heappop(self._due)
                    return region, group, stream, lines
                if self._stopped and not self._due:
                    return None
                self._cond.wait(self._due[0][0] - now if self._due else None)

    def _run(self) -> None:
        while (item := self._next()) is not None:
            try:
                self._deliver(*item)
            except Exception:
                log.exception("log delivery failed")
            finally:
                with self._cond:
                    self._unfinished -= 1
                    self._cond.notify_all()

    def _deliver(self, region: str, group: str, stream: str, lines: list[tuple[int, str]]) -> None:
        # PutLogEvents rejects an empty message, and with it the whole batch: the blank
        # lines of a chained traceback (or a bare print()) would lose the invocation's
        # START/END/REPORT records too. They carry nothing, so they are dropped.
        events = [{"timestamp": ts, "message": msg} for ts, msg in lines if msg]
        if not events:
            return
        client = self._logs_for(region)
        try:
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        except client.exceptions.ResourceNotFoundException:
            log.info("log group %s was deleted before its records arrived: dropped", group)


def now_ms() -> int:
    """Wall-clock time in epoch milliseconds, as log events carry it."""
    return int(time.time() * 1000)


def log_stream_name(version: str) -> str:
    """A new execution environment's log stream name, as Lambda names it."""
    return f"{datetime.now(UTC).strftime('%Y/%m/%d')}/[{version}]{uuid.uuid4().hex}"


def iso_time(ms: int) -> str:
    """Epoch milliseconds as the ISO time of a JSON platform record."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Invocation:
    """The facts one invocation reports in its REPORT record."""

    request_id: str
    fn: FunctionVersion
    started_ms: int
    duration_ms: float = 0.0
    init_ms: float | None = None
    max_memory_mb: int = 0
    status: str = "success"  # success | error | timeout
    error_type: str | None = None  # what the REPORT names, as Lambda's does for OOM

    @property
    def billed_ms(self) -> int:
        # Lambda bills the init phase of managed runtimes too, ceiling to 1 ms.
        return math.ceil(self.duration_ms + (self.init_ms or 0))


def platform_records(inv: Invocation, init_logs: str, stream_lines: list[str]) -> list[str]:
    """START / function output / END / REPORT lines, in the function's log format."""
    fn, rid = inv.fn, inv.request_id
    metrics: dict[str, Any] = {
        "durationMs": round(inv.duration_ms, 2),
        "billedDurationMs": inv.billed_ms,
        "memorySizeMB": fn.memory_size,
        "maxMemoryUsedMB": inv.max_memory_mb,
    }
    if inv.init_ms is not None:
        metrics["initDurationMs"] = round(inv.init_ms, 2)
    if fn.log_format == "JSON":

        def platform(kind: str, record: dict[str, Any]) -> str:
            return json.dumps({"time": iso_time(now_ms()), "type": kind, "record": record})

        out = []
        if inv.init_ms is not None:
            out.append(
                platform(
                    "platform.initStart",
                    {
                        "initializationType": "on-demand",
                        "phase": "init",
                        "runtimeVersion": "python:3.13.localcloud",
                        "functionName": fn.name,
                        "functionVersion": fn.version,
                    },
                )
            )
            out.extend(init_logs.splitlines())
        out.append(platform("platform.start", {"requestId": rid, "version": fn.version}))
        out.extend(stream_lines)
        out.append(
            platform(
                "platform.runtimeDone",
                {
                    "requestId": rid,
                    "status": inv.status,
                    "metrics": {"durationMs": round(inv.duration_ms, 2)},
                },
            )
        )
        out.append(
            platform(
                "platform.report",
                {
                    "requestId": rid,
                    "metrics": metrics,
                    "status": inv.status,
                    **({"errorType": inv.error_type} if inv.error_type else {}),
                },
            )
        )
        return out
    out = []
    if inv.init_ms is not None:
        out.append(
            "INIT_START Runtime Version: python:3.13.localcloud\t"
            "Runtime Version ARN: arn:aws:lambda:::runtime:localcloud"
        )
        out.extend(init_logs.splitlines())
    out.append(f"START RequestId: {rid} Version: {fn.version}")
    out.extend(stream_lines)
    out.append(f"END RequestId: {rid}")
    report = (
        f"REPORT RequestId: {rid}\tDuration: {metrics['durationMs']:.2f} ms\t"
        f"Billed Duration: {inv.billed_ms} ms\tMemory Size: {fn.memory_size} MB\t"
        f"Max Memory Used: {inv.max_memory_mb} MB\t"
    )
    if inv.init_ms is not None:
        report += f"Init Duration: {inv.init_ms:.2f} ms\t"
    if inv.status != "success":
        report += f"Status: {inv.status}\t"
    if inv.error_type:
        report += f"Error Type: {inv.error_type}\t"
    out.append(report)
    return out
