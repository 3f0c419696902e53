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
from .i18n import tr
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


# The table's headings and words in Japanese; the rows' keys and values stay as code reads
# them (``brief_history``), only the table shown is translated.
_JA_HEADINGS = {
    "at_s": "開始 (秒)",
    "what": "内容",
    "kind": "種類",
    "took_s": "所要 (秒)",
    "outcome": "結果",
}
_JA_WORDS = {
    "invocation": "呼び出し",
    "invocation (replay)": "呼び出し（リプレイ）",
    "returned": "終了",
    "error": "エラー",
    "step": "ステップ",
    "wait": "待機",
    "callback": "コールバック",
    "child context": "子コンテキスト",
    "succeeded": "成功",
    "failed": "失敗",
    "timedout": "タイムアウト",
    "stopped": "停止",
    "running": "実行中",
    "(unnamed)": "（名前なし）",
}


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A row of ``brief_history`` as the learner reads it."""
    shown = {}
    for key, value in row.items():
        if key == "what" and isinstance(value, str) and value.startswith("Lambda invocation #"):
            value = tr(value, "Lambda の呼び出し #" + value.rsplit("#", 1)[1])
        elif isinstance(value, str):
            value = tr(value, _JA_WORDS.get(value, value))
        shown[tr(key, _JA_HEADINGS[key])] = value
    return shown


def history_brief(target: Target, execution_arn: str | None) -> Markdown:
    """The execution's history in brief (see ``brief_history``) as a table."""
    if not execution_arn:
        return Markdown(
            no_math(tr("*No execution yet: nothing to show.*", "*まだ実行がありません。*"))
        )
    rows = brief_history(fetch_history(target.client("lambda"), execution_arn))
    return table([_shown(row) for row in rows])


def figures_of(target: Target, outcome: Outcome) -> Markdown:
    """This conversation in figures, all read from its history and its result: the model's
    turns and the tools it asked for, the approval requests and their decisions, what the
    answer lacks, the Lambda invocations, the durable operations and the wall-clock time."""
    if not outcome.finished or outcome.execution_arn is None:
        headline = html.escape(outcome.headline(), quote=False)
        return Markdown(
            no_math(tr(f"*No figures yet. {headline}*", f"*数値はまだありません。{headline}*"))
        )
    history = fetch_history(target.client("lambda"), outcome.execution_arn)
    turns = tool_uses_by_turn(history.rows)
    invocations = history.billed_invocations
    operations = history.operation_count
    asked = sum(len(turn) for turn in turns)
    together = [turn for turn in turns if len(turn) > 1]
    if asked:
        tools = tr(
            f"the model asked for {asked} tool call(s)"
            + "".join(f", {len(t)} in one turn ({', '.join(t)})" for t in together)
            + ".",
            f"モデルはツール呼び出しを {asked} 回求めました"
            + "".join(f"、1 ターンで {len(t)} 件（{'、'.join(t)}）" for t in together)
            + "。",
        )
    else:
        tools = tr(
            "the model asked for no tool: it answered directly.",
            "モデルはツールを求めず、直接答えました。",
        )
    asked_of = ", ".join(f"`{d.get('tool')}` → {d.get('decision')}" for d in outcome.decisions)
    lines = [
        tr(f"- **Model turns:** {len(turns)}; ", f"- **モデルのターン:** {len(turns)}。") + tools,
        tr(
            f"- **Approval requests:** {len(outcome.decisions)}",
            f"- **承認リクエスト:** {len(outcome.decisions)}",
        )
        + (
            ": " + asked_of
            if outcome.decisions
            else tr(" (nobody was asked)", "（誰にも尋ねていません）")
        ),
    ]
    denied = [str(d.get("tool")) for d in outcome.decisions if d.get("decision") != "APPROVE"]
    if denied:
        listed = ", ".join(f"`{t}`" for t in denied)
        lines.append(
            tr(
                f"- **Denied, so not run:** {listed}: the answer has no result from it and "
                "says so.",
                f"- **却下されたので実行されず:** {listed}。回答にはその結果がなく、回答もそう"
                "伝えています。",
            )
        )
    busy = sum(i.seconds for i in invocations)
    n = len(invocations)
    if n > 1:
        why = tr(
            "(the first run, then one each time the execution woke up)",
            "（初回実行と、実行が再開するたびに 1 回ずつ）",
        )
    else:
        why = tr(
            "(the first run did everything: nothing woke the execution up again)",
            "（初回実行ですべて終わり、実行が再開することはありませんでした）",
        )
    lines += [
        tr(f"- **Lambda invocations:** {n} ", f"- **Lambda の呼び出し:** {n} 回")
        + why
        + tr(f", {busy:.2f} s of running in all.", f"、実行時間は合計 {busy:.2f} 秒。"),
        tr(
            f"- **Durable operations:** {operations.describe()}.",
            f"- **durable オペレーション:** {operations.describe()}。",
        ),
    ]
    if outcome.seconds is not None and n > 1:
        lines.append(
            tr(
                f"- **Wall-clock:** {outcome.seconds:.1f} s from start to end; the execution "
                f"ran for {busy:.2f} s of it and waited, at no compute cost, for the rest.",
                f"- **実時間:** 開始から終了まで {outcome.seconds:.1f} 秒。そのうち実行が"
                f"動いていたのは {busy:.2f} 秒で、残りはコンピューティングの費用なしで"
                "待っていました。",
            )
        )
    elif outcome.seconds is not None:
        lines.append(
            tr(
                f"- **Wall-clock:** {outcome.seconds:.2f} s from start to end, all of it in its "
                "one invocation: it never waited.",
                f"- **実時間:** 開始から終了まで {outcome.seconds:.2f} 秒。すべて 1 回の呼び出しの"
                "中で、一度も待ちませんでした。",
            )
        )
    if not asked:
        lines.append(
            tr(
                "\n*Nobody was in the loop this time: the model chose to answer by itself, as "
                "a real model may. To see the approvals, send the question again (the panel's "
                "Send, or run the conversation cell again), or ask for something only a tool "
                "can do: a search of the notes, a calculation, a cost estimate.*",
                "\n*今回は人が関わりませんでした。本物のモデルと同じように、モデルが自分で答える"
                "ことを選んだのです。承認を見るには、質問をもう一度送るか（パネルの Send、または"
                "会話のセルをもう一度実行）、ツールにしかできないこと（ノートの検索、計算、費用の"
                "見積もり）を頼んでください。*",
            )
        )
    return Markdown(no_math("\n".join(lines)))
