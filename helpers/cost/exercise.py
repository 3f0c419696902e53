"""Notebook 05's exercise: price N conversations at a think-time yourself, then compare
with the break-even chart. ``check_cost_exercise`` says whether the learner's figures
match the kit's, and if not, which part to look at again.

``RUN_EXERCISES`` goes through the gate of the other notebooks' exercises
(``helpers.exercises.exercises_on``): ``"auto"`` checks in JupyterLab (a kernel
jupyter_server started) and skips headless runs (papermill, ``make workshop``) in one line;
``True`` and ``False`` force it; anything else is a ParameterError that says what to write.
"""

from __future__ import annotations

import math

from ..durable import duration_text
from ..exercises.checks import Verdict, exercises_on, skipped, verdict
from ..i18n import tr
from .breakeven import BreakEven
from .text import usd

# Within 5 %: the checkpoint data the exercise leaves out is under 2 % of the durable
# cost, and a learner rounding the GB or a price a little still gets it.
TOLERANCE = 0.05


def _close(mine: float, kit: float) -> bool:
    return math.isclose(mine, kit, rel_tol=TOLERANCE, abs_tol=1e-9)


def check_cost_exercise(
    even: BreakEven,
    conversations: int,
    think_s: float,
    my_durable_usd: object,
    my_blocking_usd: object,
    run_exercises: object = True,
) -> Verdict:
    """Whether the learner's two totals match the kit's (``ok``: both do; None if
    ``run_exercises`` says not to check, in one line; see ``exercises.exercises_on``)."""
    if not exercises_on(run_exercises):
        return skipped(run_exercises)
    answers = {"my_durable_usd": my_durable_usd, "my_blocking_usd": my_blocking_usd}
    for name, value in answers.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            return verdict(
                False,
                tr(
                    f"{name} is {value!r}: set it to a number of US dollars (for example "
                    "0.42), then run this cell again.",
                    f"{name} が {value!r} です。米ドルの数値 (例: 0.42) を入れてから、この"
                    "セルをもう一度実行してください。",
                ),
            )
    run, p = even.run, even.prices
    kit = {
        "my_durable_usd": conversations * run.durable_usd(think_s, p),
        "my_blocking_usd": conversations * run.blocking_usd(think_s, p),
    }
    hints = {
        "my_durable_usd": tr(
            "durable = invocations x request price + billed s x GB x GB-s price + "
            "operations x operation price (checkpoint data: a few cents at most)",
            "durable = 呼び出し回数 x リクエスト単価 + 課金秒 x GB x GB 秒単価 + "
            "operation 数 x operation 単価 (チェックポイントデータはごくわずか)",
        ),
        "my_blocking_usd": tr(
            "blocking = 1 request + (work_s + approvals x think_s) x GB x GB-s price",
            "blocking = リクエスト 1 回 + (work_s + 承認回数 x think_s) x GB x GB 秒単価",
        ),
    }
    right, lines = True, list[str]()
    for name, value in answers.items():
        assert isinstance(value, int | float)
        if _close(float(value), kit[name]):
            lines.append(
                tr(
                    f"{name}: {usd(float(value))}, right.",
                    f"{name}: {usd(float(value))}、正解です。",
                )
            )
        else:
            right = False
            lines.append(
                tr(
                    f"{name}: {usd(float(value))}, the kit gets {usd(kit[name])}. Hint: "
                    f"{hints[name]}.",
                    f"{name}: {usd(float(value))}、キットの計算では {usd(kit[name])} です。"
                    f"ヒント: {hints[name]}。",
                )
            )
    if right:
        at = run.break_even_s(p)
        cheaper = (
            tr("durable", "durable")
            if kit["my_durable_usd"] < kit["my_blocking_usd"]
            else tr("blocking", "ブロック")
        )
        lines.append(
            tr(
                f"Both right. At {duration_text(think_s)} per approval the {cheaper} design is "
                f"cheaper; the chart's break-even is at {duration_text(at or 0)}.",
                f"両方とも正解です。承認 1 回あたり {duration_text(think_s)} では {cheaper} の方が"
                f"安く、グラフの損益分岐点は {duration_text(at or 0)} です。",
            )
        )
        if not run.blocking_possible(think_s, p):
            lines.append(
                tr(
                    "And the blocking design could not even run: one invocation would pass "
                    "15 minutes.",
                    "しかもブロックする設計は実行すらできません。1 回の呼び出しが 15 分を"
                    "超えるからです。",
                )
            )
    return verdict(right, "\n".join(lines))
