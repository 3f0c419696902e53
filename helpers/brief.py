"""A conversation in brief: its history as one table, and in figures.

``brief_history`` keeps one row per top-level operation and per Lambda invocation;
``figures_of`` counts turns, tools, approvals, invocations and operations, all read from
the execution's history and its result.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from IPython.display import Markdown

from .approvals.recovery import tool_uses_by_turn
from .cost import (
    CostAnalysisError,
    count_operations,
    epoch_seconds,
    execution_history,
    invocations_from_history,
)
from .outcome import Outcome
from .show import no_math, table
from .target import Target


def timestamp_seconds(value: Any) -> float | None:
    """``cost.epoch_seconds``, or None for a missing or unreadable timestamp."""
    try:
        return epoch_seconds(value)
    except (CostAnalysisError, ValueError):
        return None


def _decision(event: dict[str, Any]) -> str | None:
    """APPROVE/DENY from a wait_for_callback context's result, if it holds one."""
    details = event.get("ContextSucceededDetails") or {}
    payload = (details.get("Result") or {}).get("Payload")
    value: Any = payload
    for _ in range(2):  # the callback's JSON string, serialised once more by the SDK
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value.get("decision") if isinstance(value, dict) else None


_KINDS = {
    "Step": "step",
    "WaitForCallback": "wait_for_callback",
    "Wait": "wait",
    "Callback": "callback",
    "Parallel": "parallel",
    "Map": "map",
    "RunInChildContext": "child context",
}


def brief_history(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per top-level operation and per Lambda invocation, in time order.

    Columns: ``at_s`` (seconds since the execution started), ``what``, ``kind``,
    ``took_s`` and ``outcome``. Nested operations (the submitter step and the callback
    inside a wait_for_callback) are left out: their parent's row says what happened.
    """
    start: float | None = None
    ops: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    invocations = 0
    for event in events:
        kind = str(event.get("EventType", ""))
        when = timestamp_seconds(event.get("EventTimestamp"))
        if kind == "ExecutionStarted":
            start = when
            continue
        if kind == "InvocationCompleted":
            details = event.get("InvocationCompletedDetails") or {}
            began = timestamp_seconds(details.get("StartTimestamp")) or when
            ended = timestamp_seconds(details.get("EndTimestamp")) or when
            invocations += 1
            rows.append(
                {
                    "_t": began,
                    "what": f"Lambda invocation #{invocations}",
                    "kind": "invocation" if invocations == 1 else "invocation (replay)",
                    "took_s": ended - began if began is not None and ended is not None else None,
                    "outcome": "error" if details.get("Error") else "returned",
                }
            )
            continue
        if kind.startswith("Execution") or event.get("ParentId"):
            continue
        op_id = str(event.get("Id", ""))
        row = ops.get(op_id)
        if row is None:
            sub = str(event.get("SubType") or "")
            row = ops[op_id] = {
                "_t": when,
                "what": event.get("Name") or "(unnamed)",
                "kind": _KINDS.get(sub, sub.lower() or "operation"),
                "took_s": None,
                "outcome": "running",
            }
            rows.append(row)
        for suffix in ("Succeeded", "Failed", "TimedOut", "Stopped"):
            if kind.endswith(suffix):
                row["outcome"] = _decision(event) or suffix.lower()
                if row["_t"] is not None and when is not None:
                    row["took_s"] = when - row["_t"]
    origin = start if start is not None else min((r["_t"] for r in rows if r["_t"]), default=0)
    rows.sort(key=lambda r: r["_t"] if r["_t"] is not None else float("inf"))
    for row in rows:
        t = row.pop("_t")
        row["at_s"] = round(t - origin, 3) if t is not None else None
        row["took_s"] = round(row["took_s"], 3) if row["took_s"] is not None else None
    return [{k: row[k] for k in ("at_s", "what", "kind", "took_s", "outcome")} for row in rows]


def history_brief(target: Target, execution_arn: str | None) -> Markdown:
    """The execution's history in brief (see ``brief_history``) as a table."""
    if not execution_arn:
        return Markdown("*No execution yet: nothing to show.*")
    return table(brief_history(execution_history(target.client("lambda"), execution_arn)))


def figures_of(target: Target, outcome: Outcome) -> Markdown:
    """This conversation in figures, all read from its history and its result: the model's
    turns and the tools it asked for, the approval requests and their decisions, what the
    answer lacks, the Lambda invocations, the durable operations and the wall-clock time."""
    if not outcome.finished or outcome.execution_arn is None:
        return Markdown(f"*No figures yet. {html.escape(outcome.headline(), quote=False)}*")
    events = execution_history(target.client("lambda"), outcome.execution_arn)
    turns = tool_uses_by_turn(events)
    invocations = invocations_from_history(events)
    operations = count_operations(events)
    asked = sum(len(turn) for turn in turns)
    together = [turn for turn in turns if len(turn) > 1]
    lines = [
        f"- **Model turns:** {len(turns)}; "
        + (
            f"the model asked for {asked} tool call(s)"
            + "".join(f", {len(t)} in one turn ({', '.join(t)})" for t in together)
            + "."
            if asked
            else "the model asked for no tool: it answered directly."
        ),
        f"- **Approval requests:** {len(outcome.decisions)}"
        + (
            ": " + ", ".join(f"`{d.get('tool')}` → {d.get('decision')}" for d in outcome.decisions)
            if outcome.decisions
            else " (nobody was asked)"
        ),
    ]
    denied = [str(d.get("tool")) for d in outcome.decisions if d.get("decision") != "APPROVE"]
    if denied:
        lines.append(
            f"- **Denied, so not run:** {', '.join(f'`{t}`' for t in denied)}: the answer has "
            "no result from it and says so."
        )
    busy = sum(i.seconds for i in invocations)
    lines += [
        f"- **Lambda invocations:** {len(invocations)} "
        + (
            "(the first run, then one each time the execution woke up)"
            if len(invocations) > 1
            else "(the first run did everything: nothing woke the execution up again)"
        )
        + f", {busy:.2f} s of running in all.",
        f"- **Durable operations:** {operations.describe()}.",
    ]
    if outcome.seconds is not None and len(invocations) > 1:
        lines.append(
            f"- **Wall-clock:** {outcome.seconds:.1f} s from start to end; the execution ran "
            f"for {busy:.2f} s of it and waited, at no compute cost, for the rest."
        )
    elif outcome.seconds is not None:
        lines.append(
            f"- **Wall-clock:** {outcome.seconds:.2f} s from start to end, all of it in its one "
            "invocation: it never waited."
        )
    if not asked:
        lines.append(
            "\n*Nobody was in the loop this time: the model chose to answer by itself, as a "
            "real model may. To see the approvals, send the question again (the panel's Send, "
            "or run the conversation cell again), or ask for something only a tool can do: "
            "a search of the notes, a calculation, a cost estimate.*"
        )
    return Markdown(no_math("\n".join(lines)))
