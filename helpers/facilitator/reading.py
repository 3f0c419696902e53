"""What each attendee of the room has now, read from the account with the calls the rest
of the kit makes: their functions (one ListFunctions for the room), each function's
executions and histories (``helpers.durable``), its log group read once, and the cost of
each execution from its REPORT records (``cost.analyse_records``, the kit's own analysis).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..cost import ExecutionCost, analyse_records, list_executions
from ..deploy import Names
from ..durable import (
    RUNNING,
    WAITING_FOR_CALLBACK,
    DurableReadError,
    execution_history,
    log_events,
    phase_of,
)
from ..permissions import APPS
from ..target import Target
from .provisioning import account_of
from .room import Room

# Which notebook deploys which app's function (helpers.permissions.APPS).
NOTEBOOK_OF_APP = {"first": "01", "replay": "02", "chatbot": "03"}
# The most executions read per function: a room's evening is far fewer.
EXECUTIONS_PER_FUNCTION = 200
ERROR_LEVELS = ("ERROR", "CRITICAL", "FATAL")


def error_in(message: str) -> str | None:
    """The error a log record reports, in one line, or None: a JSON record at an error
    level, a JSON platform.report whose status is not success, a text ``[ERROR]`` line, a
    traceback or a timeout."""
    text = message.strip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict):
            if str(record.get("level", "")).upper() in ERROR_LEVELS:
                # logger.exception's record: its message, then the exception (Lambda's JSON
                # log format puts it in errorType and errorMessage).
                parts = [record.get(k) for k in ("message", "errorType", "errorMessage")]
                said = ": ".join(dict.fromkeys(str(p) for p in parts if p)) or text
                return one_line(said)
            if record.get("type") == "platform.report":
                status = (record.get("record") or {}).get("status", "success")
                if status != "success":
                    kind = (record.get("record") or {}).get("errorType") or status
                    return f"invocation {status}: {kind}"
            return None
    if "[ERROR]" in text or text.startswith("Traceback") or "Task timed out" in text:
        return one_line(text)
    return None


def one_line(text: str, limit: int = 200) -> str:
    """A record in one line: with a traceback, its first line and the exception (its last)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    if len(lines) > 1 and any(line.startswith("Traceback") for line in lines):
        first = "" if lines[0].startswith("Traceback") else f"{lines[0]}: "
        return f"{first}{lines[-1]}"[:limit]
    return lines[0][:limit]


@dataclass
class AttendeeState:
    """One attendee, now."""

    prefix: str
    notebooks: list[str] = field(default_factory=list)  # whose resources exist
    statuses: dict[str, int] = field(default_factory=dict)  # executions by status
    waiting: int = 0  # running executions suspended for an approval
    last_error: str = ""
    costs: list[ExecutionCost] = field(default_factory=list)
    unreadable: int = 0  # executions whose history could not be costed

    @property
    def running(self) -> int:
        return self.statuses.get(RUNNING, 0)

    @property
    def succeeded(self) -> int:
        return self.statuses.get("SUCCEEDED", 0)

    @property
    def cost_usd(self) -> float:
        return sum(c.durable.total_usd for c in self.costs)

    @property
    def missing_reports(self) -> int:
        return sum(len(c.missing) for c in self.costs)


def _function_state(
    lam: Any, logs: Any, config: dict[str, Any], state: AttendeeState, with_costs: bool
) -> None:
    function = str(config["FunctionName"])
    group = (config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{function}"
    events = sorted(log_events(logs, group) or [], key=lambda e: e.get("timestamp", 0))
    messages = [str(e.get("message", "")) for e in events]
    for message in reversed(messages):
        if (error := error_in(message)) is not None:
            state.last_error = state.last_error or error
            break
    summaries = list_executions(lam, function, limit=EXECUTIONS_PER_FUNCTION)
    failed = [s for s in summaries if s.get("Status") in ("FAILED", "TIMED_OUT")]
    if failed and not state.last_error:
        # A handler's exception ends a durable execution FAILED without an error record
        # in the logs: its error is the execution's (newest first).
        error = lam.get_durable_execution(DurableExecutionArn=failed[0]["DurableExecutionArn"])
        said = error.get("Error") or {}
        parts = (said.get("ErrorType"), said.get("ErrorMessage"))
        state.last_error = (": ".join(p for p in parts if p) or failed[0]["Status"])[:200]
    retention = config.get("DurableConfig")
    for summary in summaries:
        status = str(summary.get("Status", "UNKNOWN"))
        state.statuses[status] = state.statuses.get(status, 0) + 1
        if status != RUNNING and not with_costs:
            continue
        history = execution_history(lam, str(summary["DurableExecutionArn"]))
        if status == RUNNING and phase_of(history) == WAITING_FOR_CALLBACK:
            state.waiting += 1
        try:
            execution = {**summary, **({"DurableConfig": retention} if retention else {})}
            state.costs.append(analyse_records(execution, history, messages))
        except DurableReadError:
            state.unreadable += 1


def read_room(target: Target, room: Room, with_costs: bool = True) -> list[AttendeeState]:
    """Every attendee's state, in the room's order (``with_costs=False``: skip the cost of
    finished executions, for a quicker look)."""
    lam, logs = target.client("lambda"), target.client("logs")
    account = account_of(target)
    functions = {
        str(fn["FunctionName"]): fn
        for page in lam.get_paginator("list_functions").paginate()
        for fn in page["Functions"]
    }
    states = []
    for attendee in room.attendees:
        names = Names(attendee.prefix, account, target.region)
        state = AttendeeState(attendee.prefix)
        for app in APPS:
            config = functions.get(names.for_app(app).function)
            if config is None:
                continue
            state.notebooks.append(NOTEBOOK_OF_APP.get(app, app))
            # The listing's configuration may leave DurableConfig out; the function's has it.
            if "DurableConfig" not in config:
                config = lam.get_function_configuration(FunctionName=config["FunctionName"])
            _function_state(lam, logs, config, state, with_costs)
        state.notebooks.sort()
        states.append(state)
    return states
