"""A conversation in brief: its history as one table, and in figures.

``brief_history`` keeps one row per top-level operation and per Lambda invocation;
``figures_of`` counts turns, tools, approvals, invocations and operations, all read from
the execution's history and its result.
"""

from __future__ import annotations

import html
import json
from typing import Any

from IPython.display import Markdown

from .approvals.recovery import tool_uses_by_turn
from .durable import ExecutionHistory, fetch_history
from .outcome import Outcome
from .show import no_math, table
from .target import Target


def _decision(payload: str | None) -> str | None:
    """APPROVE/DENY from a wait_for_callback context's result, if it holds one."""
    value: Any = payload
    for _ in range(2):  # the callback's JSON string, serialised once more by the SDK
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value.get("decision") if isinstance(value, dict) else None


# What the table calls an operation (by its SubType) and an ended one's outcome.
_KINDS = {
    "Step": "step",
    "WaitForCallback": "wait_for_callback",
    "Wait": "wait",
    "Callback": "callback",
    "Parallel": "parallel",
    "Map": "map",
    "RunInChildContext": "child context",
}
_ENDED = {
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "TIMED_OUT": "timedout",
    "STOPPED": "stopped",
}


def brief_history(history: ExecutionHistory) -> list[dict[str, Any]]:
    """One row per top-level operation and per Lambda invocation, in time order.

    Columns: ``at_s`` (seconds since the execution started), ``what``, ``kind``,
    ``took_s`` and ``outcome``. Nested operations (the submitter step and the callback
    inside a wait_for_callback) are left out: their parent's row says what happened.
    """
    rows: list[tuple[float, dict[str, Any]]] = []
    for number, run in enumerate(history.invocations, 1):
        rows.append(
            (
                run.start,
                {
                    "what": f"Lambda invocation #{number}",
                    "kind": "invocation" if number == 1 else "invocation (replay)",
                    "took_s": run.seconds,
                    "outcome": "error" if run.status == "ERROR" else "returned",
                },
            )
        )
    for op in history.operations:
        if op.parent:
            continue
        ended = op.status in _ENDED
        rows.append(
            (
                op.start,
                {
                    "what": op.name or "(unnamed)",
                    "kind": _KINDS.get(op.subtype, op.subtype.lower() or "operation"),
                    "took_s": op.seconds if ended else None,
                    "outcome": (_decision(op.result) or _ENDED[op.status]) if ended else "running",
                },
            )
        )
    rows.sort(key=lambda row: row[0])
    return [
        {
            "at_s": round(t - history.start, 3),
            "what": row["what"],
            "kind": row["kind"],
            "took_s": round(row["took_s"], 3) if row["took_s"] is not None else None,
            "outcome": row["outcome"],
        }
        for t, row in rows
    ]


def history_brief(target: Target, execution_arn: str | None) -> Markdown:
    """The execution's history in brief (see ``brief_history``) as a table."""
    if not execution_arn:
        return Markdown("*No execution yet: nothing to show.*")
    return table(brief_history(fetch_history(target.client("lambda"), execution_arn)))


def figures_of(target: Target, outcome: Outcome) -> Markdown:
    """This conversation in figures, all read from its history and its result: the model's
    turns and the tools it asked for, the approval requests and their decisions, what the
    answer lacks, the Lambda invocations, the durable operations and the wall-clock time."""
    if not outcome.finished or outcome.execution_arn is None:
        return Markdown(
            no_math(f"*No figures yet. {html.escape(outcome.headline(), quote=False)}*")
        )
    history = fetch_history(target.client("lambda"), outcome.execution_arn)
    turns = tool_uses_by_turn(history.rows)
    invocations = history.billed_invocations
    operations = history.operation_count
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
