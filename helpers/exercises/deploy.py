"""Notebook 03's exercise: keep the chatbot's execution histories longer, and verify it."""

from __future__ import annotations

from ..deploy import Names
from ..i18n import tr
from ..target import Target
from .checks import Verdict, exercises_on, skipped, verdict


def check_retention(target: Target, names: Names, days: int, run: object = "auto") -> Verdict:
    """Whether the function's ``DurableConfig`` keeps histories ``days`` days, as
    ``get_function_configuration`` reads it; ``ok`` None when not checked (``exercises_on``)."""
    if not exercises_on(run):
        return skipped(run)
    lam = target.client("lambda")
    durable = lam.get_function_configuration(FunctionName=names.function).get("DurableConfig", {})
    kept = durable.get("RetentionPeriodInDays")
    if kept == days:
        return verdict(
            True,
            tr(
                f"Right: {names.function} keeps each execution's history {days} days "
                f"(ExecutionTimeout {durable.get('ExecutionTimeout')} s). New executions "
                "of the alias keep theirs as the version says: publish a version and move "
                "the alias to apply it to them.",
                f"正解です。{names.function} は各実行の履歴を {days} 日保持します"
                f"（ExecutionTimeout {durable.get('ExecutionTimeout')} 秒）。エイリアス経由の"
                "新しい実行にはバージョンの設定が使われるので、反映するにはバージョンを"
                "発行してエイリアスを移してください。",
            ),
        )
    return verdict(
        False,
        tr(
            f"{names.function} keeps histories {kept} days, not {days}. Call "
            "lam.update_function_configuration(FunctionName=..., DurableConfig={...}) with "
            f"RetentionPeriodInDays={days} and the same ExecutionTimeout, then run this "
            "cell again.",
            f"{names.function} の履歴の保持期間は {days} 日ではなく {kept} 日です。"
            "lam.update_function_configuration(FunctionName=..., DurableConfig={...}) を "
            f"RetentionPeriodInDays={days} と同じ ExecutionTimeout で呼び出してから、"
            "このセルをもう一度実行してください。",
        ),
    )
