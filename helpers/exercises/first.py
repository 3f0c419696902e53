"""Notebook 01's exercise: how long did the execution sleep, read from the raw events."""

from __future__ import annotations

from ..durable import ExecutionHistory
from ..i18n import tr
from .checks import Verdict, exercises_on, skipped, verdict

# The events' timestamps are kept to the millisecond; an answer read from them matches.
TOLERANCE_S = 0.01


def check_wait_gap(
    history: ExecutionHistory, waited_seconds: object, run: object = "auto"
) -> Verdict:
    """Whether ``waited_seconds`` is the time between the wait's ``WaitStarted`` and
    ``WaitSucceeded`` events in ``history``; ``ok`` None when not checked (see ``exercises_on``)."""
    if not exercises_on(run):
        return skipped(run)
    waits = [op for op in history.operations if op.kind == "Wait" and op.end is not None]
    if not waits:
        return verdict(
            False,
            tr(
                "This execution has no finished wait: run the cells above first (the wait "
                "cell until SUCCEEDED), then this one.",
                "この実行には終わった wait がありません。先に上のセルを（待機のセルが "
                "SUCCEEDED になるまで）実行してから、このセルを実行してください。",
            ),
        )
    gap = waits[0].seconds or 0.0
    if waited_seconds is None:
        return verdict(
            False,
            tr(
                "waited_seconds is still None: set it to your answer, computed from "
                'response["Events"].',
                'waited_seconds がまだ None です。response["Events"] から計算した答えを'
                "代入してください。",
            ),
        )
    if isinstance(waited_seconds, bool) or not isinstance(waited_seconds, int | float):
        return verdict(
            False,
            tr(
                f"waited_seconds is {waited_seconds!r}: give a number of seconds, for example "
                "(end - start).total_seconds().",
                f"waited_seconds が {waited_seconds!r} です。秒数を数値で入れてください"
                "（例: (end - start).total_seconds()）。",
            ),
        )
    if abs(waited_seconds - gap) <= TOLERANCE_S:
        return verdict(
            True,
            tr(
                f"Right: the execution slept {gap:.3f} s between the two wait events, and no "
                "invocation ran meanwhile. It asked for whole seconds; the rest is the "
                "service's scheduling.",
                f"正解です。実行は 2 つの wait イベントの間 {gap:.3f} 秒眠り、その間 "
                "Lambda の呼び出しはありませんでした。指定は秒単位で、差分はサービスの"
                "スケジューリングによるものです。",
            ),
        )
    return verdict(
        False,
        tr(
            f"Not quite: you found {waited_seconds:.3f} s. Take the EventTimestamp of the event "
            'whose EventType is "WaitStarted" and of the one whose EventType is '
            '"WaitSucceeded", and subtract: (end - start).total_seconds().',
            f"惜しいです。答えは {waited_seconds:.3f} 秒でした。EventType が "
            '"WaitStarted" のイベントと "WaitSucceeded" のイベントの EventTimestamp を取り、'
            "差を計算してください: (end - start).total_seconds()。",
        ),
    )
