"""The same conversation run another way: one plain Lambda that blocks while the person
decides, or a Step Functions standard workflow. Each is a ``Comparison`` with the
assumptions it rests on, in words."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..durable import OperationCount, duration_text
from ..i18n import tr
from .prices import PriceTable


@dataclass(frozen=True)
class Comparison:
    """The same conversation run another way."""

    name: str
    billed_s: float | None  # Lambda billed duration in that design
    cost_usd: float
    possible: bool
    assumptions: tuple[str, ...]


@dataclass(frozen=True)
class CostBreakdown:
    requests_usd: float
    compute_usd: float
    operations_usd: float
    data_written_usd: float
    data_retained_usd: float

    @property
    def total_usd(self) -> float:
        return (
            self.requests_usd
            + self.compute_usd
            + self.operations_usd
            + self.data_written_usd
            + self.data_retained_usd
        )


def blocking_lambda(wall_clock_s: float, memory_mb: int | None, prices: PriceTable) -> Comparison:
    """The same conversation in one plain Lambda invocation that blocks while the person
    decides: billed for the whole wall-clock, and impossible past 15 minutes."""
    p = prices
    memory = memory_mb
    assumptions = [
        tr(
            "one plain (not durable) Lambda invocation runs the whole conversation and "
            "sleeps while the person decides, so it is billed for the whole wall-clock",
            "durable ではない通常の Lambda 呼び出し 1 回が会話全体を実行し、人が判断する間は"
            "スリープするため、実時間のすべてが課金されます",
        ),
    ]
    if memory is None:
        memory = 128
        assumptions.append(
            tr(
                "memory unknown (no REPORT record): 128 MB assumed",
                "メモリが不明 (REPORT レコードなし) なため 128 MB と仮定",
            )
        )
    else:
        assumptions.append(
            tr(
                f"same memory as the durable function ({memory} MB)",
                f"メモリは durable function と同じ ({memory} MB)",
            )
        )
    billed = math.ceil(wall_clock_s * 1000) / 1000
    limit = p.lambda_max_invocation_s
    possible = billed <= limit
    if not possible:
        assumptions.append(
            tr(
                f"impossible as such: a Lambda invocation stops at {limit // 60} minutes "
                f"({limit} s) and this conversation took {duration_text(billed)}; the "
                "figure is what it would cost if it could",
                f"このままでは実行できません。Lambda の呼び出しは {limit // 60} 分 ({limit} 秒) "
                f"で停止しますが、この会話には {duration_text(billed)}かかりました。"
                "金額は仮に実行できた場合の費用です",
            )
        )
    else:
        assumptions.append(
            tr(
                f"possible only because it ended within {limit // 60} minutes "
                "(the longest a Lambda invocation may run)",
                f"実行できたのは {limit // 60} 分 (Lambda 呼び出しの最大実行時間) 以内に"
                "終わったからにすぎません",
            )
        )
    cost = p.lambda_requests_per_million / 1e6 + billed * memory / 1024 * p.lambda_gb_second
    name = tr("plain Lambda, blocking", "ブロックする通常の Lambda")
    return Comparison(name, billed, cost, possible, tuple(assumptions))


def step_functions_transitions(ops: OperationCount) -> int:
    """State transitions of the same conversation as a Step Functions standard workflow:
    a Task per step, a Task with .waitForTaskToken plus a Choice on the answer per
    callback (a bare ``create_callback`` the same), a Wait per wait, a final Succeed."""
    callbacks = ops.approvals + max(0, ops.callbacks - ops.approvals)
    return ops.steps - ops.submitter_steps + 2 * callbacks + ops.waits + 1


def step_functions(
    ops: OperationCount, billed_s: float, durable: CostBreakdown, prices: PriceTable
) -> Comparison:
    """The same conversation as a Step Functions standard workflow whose Task states run
    the same Lambda code, waiting for each answer with a task token."""
    p = prices
    tasks = ops.steps - ops.submitter_steps
    callbacks = ops.approvals + max(0, ops.callbacks - ops.approvals)
    transitions = step_functions_transitions(ops)
    per_1000 = p.step_functions_standard_per_1000_transitions
    assumptions = (
        tr(
            f"a Step Functions standard workflow with one Task state per step ({tasks}), "
            f"a Task state with .waitForTaskToken and a Choice state per callback "
            f"({callbacks} x 2), a Wait state per wait ({ops.waits}) and a final Succeed "
            f"state: {transitions} state transitions at ${per_1000} per 1,000",
            f"Step Functions の Standard ワークフローで、ステップごとに Task ステート 1 つ "
            f"({tasks})、コールバックごとに .waitForTaskToken 付きの Task ステートと Choice "
            f"ステート ({callbacks} x 2)、待機ごとに Wait ステート ({ops.waits})、最後に "
            f"Succeed ステート: 状態遷移 {transitions} 回、1,000 回あたり ${per_1000}",
        ),
        tr(
            "its Task states run the same Lambda code: the same requests and GB-seconds as "
            "this execution (an approximation: they would not replay)",
            "Task ステートは同じ Lambda コードを実行: リクエスト数と GB 秒はこの実行と同じ "
            "(近似です。実際にはリプレイしません)",
        ),
        tr(
            "waiting for a task token costs nothing; free tiers (4,000 transitions a month) "
            "ignored; parallel and map contexts not modelled",
            "タスクトークンを待つ間は無料。無料利用枠 (月 4,000 回の状態遷移) は考慮せず、"
            "parallel と map のコンテキストはモデル化していません",
        ),
    )
    cost = (
        transitions * p.step_functions_standard_per_1000_transitions / 1000
        + durable.requests_usd
        + durable.compute_usd
    )
    name = tr("Step Functions standard", "Step Functions Standard")
    return Comparison(name, billed_s, cost, True, assumptions)
