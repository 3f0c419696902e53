"""Break-even against the reviewer's think-time: when does waiting durably pay?

One conversation, priced three ways for any time ``t`` the reviewer takes over each
approval:

- durable: its invocations, billed milliseconds, durable operations and checkpoint data;
  nothing while it waits (the stored data's retention grows with the wall-clock, barely);
- a plain Lambda that blocks: one request, billed for the work plus every wait, and
  impossible once that passes 15 minutes;
- Step Functions standard: its state transitions plus the same Lambda work; waiting for a
  task token costs nothing.

The durable and Step Functions costs are (nearly) flat in ``t``; the blocking one rises
by ``approvals * t`` billed seconds, so it crosses the durable cost once, at
``break_even_s``. A headless run's automatic reviewer answers in seconds (left of the
crossing); a person takes minutes (right of it).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..durable import duration_text
from ..i18n import tr
from .alternatives import step_functions_transitions
from .model import ExecutionCost
from .prices import DAYS_PER_MONTH, DEFAULT_RETENTION_DAYS, GIB, PriceTable
from .text import usd

# The talk this kit reproduces: matsukada, "AI Chatbot with Human-in-the-Loop Using Lambda
# ..." (Speaker Deck, 2025-12-23), slide 11: three callbacks
# (APPROVE, DENY, APPROVE), "4度のLambda invokeが発生", "billedDurationMSの合計:52,101".
TALK_SOURCE = "matsukada, Speaker Deck, 2025-12-23, slide 11"
TALK_APPROVALS = 3
TALK_INVOCATIONS = 4
TALK_BILLED_MS = 52_101
# A reviewer quicker than this per approval is taken for an automatic one: the figures
# then carry the caveat that a person takes minutes.
QUICK_REVIEW_S = 60.0


@dataclass(frozen=True)
class Conversation:
    """What one conversation is made of, as far as its price depends on it."""

    label: str
    approvals: int  # waits for a person
    invocations: int  # durable: the first run and one replay per resumption
    billed_ms: int  # durable: the sum of Billed Duration
    work_s: float  # the time something ran: what a blocking Lambda bills besides the waits
    memory_mb: int
    operations: int  # durable operations
    transitions: int  # the same conversation as a Step Functions standard workflow
    data_bytes: int  # checkpoint data written
    retention_days: float
    think_s: float | None = None  # measured: the mean wait per approval (None: not measured)

    @classmethod
    def from_execution(cls, cost: ExecutionCost, label: str = "this run") -> Conversation:
        """This run's conversation as measured: its invocations, billed ms, operations and
        the waits between its invocations (the think-time of its reviewer)."""
        waited = sum(g.seconds for g in cost.gaps)
        ops = cost.operations
        return cls(
            label=label,
            approvals=ops.approvals,
            invocations=len(cost.invocations),
            billed_ms=cost.billed_ms,
            work_s=max(cost.wall_clock_s - waited, 0.0),
            memory_mb=cost.memory_mb or 128,
            operations=ops.total,
            transitions=step_functions_transitions(ops),
            data_bytes=cost.data_bytes,
            retention_days=(
                cost.retention_days if cost.retention_days is not None else DEFAULT_RETENTION_DAYS
            ),
            think_s=waited / ops.approvals if ops.approvals else None,
        )

    @classmethod
    def talk(cls, like: Conversation) -> Conversation:
        """The talk's conversation: its approvals, invocations and billed ms; the slides do
        not give memory, operations or checkpoint data, so ``like``'s (this run's) are used.
        Its work is taken as its billed time (replays of finished steps are short)."""
        return cls(
            label="the talk",
            approvals=TALK_APPROVALS,
            invocations=TALK_INVOCATIONS,
            billed_ms=TALK_BILLED_MS,
            work_s=TALK_BILLED_MS / 1000,
            memory_mb=like.memory_mb,
            operations=like.operations,
            transitions=like.transitions,
            data_bytes=like.data_bytes,
            retention_days=like.retention_days,
        )

    def wall_clock_s(self, think_s: float) -> float:
        return self.work_s + self.approvals * think_s

    # -- cost of one conversation at a think-time (USD) ---------------------------------
    def durable_usd(self, think_s: float, prices: PriceTable) -> float:
        p, gib = prices, self.data_bytes / GIB
        retained_days = self.wall_clock_s(think_s) / 86_400 + self.retention_days
        return (
            self.invocations * p.lambda_requests_per_million / 1e6
            + self.billed_ms / 1000 * self.memory_mb / 1024 * p.lambda_gb_second
            + self.operations * p.durable_operations_per_million / 1e6
            + gib * p.durable_data_written_per_gb
            + gib * p.durable_data_retained_per_gb_month * retained_days / DAYS_PER_MONTH
        )

    def blocking_usd(self, think_s: float, prices: PriceTable) -> float:
        p = prices
        return (
            p.lambda_requests_per_million / 1e6
            + self.wall_clock_s(think_s) * self.memory_mb / 1024 * p.lambda_gb_second
        )

    def step_functions_usd(self, prices: PriceTable) -> float:
        p = prices
        return (
            self.transitions * p.step_functions_standard_per_1000_transitions / 1000
            + self.invocations * p.lambda_requests_per_million / 1e6
            + self.billed_ms / 1000 * self.memory_mb / 1024 * p.lambda_gb_second
        )

    def blocking_possible(self, think_s: float, prices: PriceTable) -> bool:
        return self.wall_clock_s(think_s) <= prices.lambda_max_invocation_s

    # -- where the lines cross -----------------------------------------------------------
    def break_even_s(self, prices: PriceTable) -> float | None:
        """The think-time per approval at which a blocking Lambda costs what the durable
        function costs: 0 if blocking never costs less, None if nothing waits."""
        if self.approvals == 0:
            return None
        slope_blocking = self.approvals * self.memory_mb / 1024 * prices.lambda_gb_second
        gib = self.data_bytes / GIB
        slope_durable = (
            gib * prices.durable_data_retained_per_gb_month * self.approvals / 86_400
        ) / DAYS_PER_MONTH
        gap = self.durable_usd(0.0, prices) - self.blocking_usd(0.0, prices)
        return max(gap / (slope_blocking - slope_durable), 0.0)

    def limit_s(self, prices: PriceTable) -> float | None:
        """The think-time per approval past which one blocking invocation would pass 15
        minutes (impossible); None if nothing waits."""
        if self.approvals == 0:
            return None
        return max((prices.lambda_max_invocation_s - self.work_s) / self.approvals, 0.0)


@dataclass(frozen=True)
class BreakEven:
    """This run's conversation and the talk's, priced against think-time."""

    run: Conversation
    talk: Conversation
    prices: PriceTable

    @classmethod
    def of(cls, cost: ExecutionCost) -> BreakEven:
        run = Conversation.from_execution(cost)
        return cls(run, Conversation.talk(run), cost.prices)

    def per_1000(self, conversation: Conversation, think_s: float) -> dict[str, float]:
        """USD per 1,000 conversations at ``think_s`` seconds per approval."""
        p = self.prices
        return {
            "durable": 1000 * conversation.durable_usd(think_s, p),
            "blocking": 1000 * conversation.blocking_usd(think_s, p),
            "step_functions": 1000 * conversation.step_functions_usd(p),
        }

    def prices_text(self) -> str:
        """Which prices, and which Region's, in one line."""
        p = self.prices
        return tr(
            f"list prices as of {p.as_of}, us-east-1 (N. Virginia), {p.architecture}, no free "
            f"tier; durable operations ${p.durable_operations_per_million:g} per million (verify)",
            f"{p.as_of} 時点の定価、us-east-1 (バージニア北部)、{p.architecture}、無料利用枠なし。"
            f"durable operation は 100 万件あたり ${p.durable_operations_per_million:g} (要確認)",
        )

    def summary(self) -> str:
        """The break-even in words, worked out from this run's figures and the talk's."""
        p, run, talk = self.prices, self.run, self.talk
        at_run, at_talk = run.break_even_s(p), talk.break_even_s(p)
        if at_run is None or at_talk is None:
            return tr(
                "This conversation waited for no approval: nothing to break even.",
                "この会話は承認を待ちませんでした。損益分岐点はありません。",
            )
        limit = run.limit_s(p) or 0.0
        lines = [
            tr(
                f"This run: {run.approvals} approvals, {run.invocations} invocations, "
                f"{run.billed_ms / 1000:.3f} s billed at {run.memory_mb} MB, {run.operations} "
                "durable operations.",
                f"今回の実行: 承認 {run.approvals} 回、呼び出し {run.invocations} 回、"
                f"{run.memory_mb} MB で課金時間 {run.billed_ms / 1000:.3f} 秒、"
                f"durable operation {run.operations} 件。",
            ),
            tr(
                f"Break-even: a plain Lambda blocking through the waits costs as much as the "
                f"durable function when the reviewer takes {duration_text(at_run)} per "
                f"approval. Quicker, blocking is cheaper; slower, durable is; past "
                f"{duration_text(limit)} per approval one blocking invocation would pass 15 "
                "minutes: impossible.",
                f"損益分岐点: レビュー担当者が 1 回の承認に {duration_text(at_run)} かけると、"
                "待つ間ブロックする通常の Lambda と durable function の費用が等しくなります。"
                "それより速ければブロックする方が安く、遅ければ durable の方が安くなります。"
                f"1 回あたり {duration_text(limit)} を超えると、ブロックする呼び出しは 15 分を"
                "超えるため実行できません。",
            ),
        ]
        if run.think_s is not None:
            lines.append(
                tr(
                    f"This run's reviewer took {duration_text(run.think_s)} per approval"
                    + (
                        " (an automatic one: a person takes minutes)."
                        if run.think_s < QUICK_REVIEW_S
                        else "."
                    ),
                    f"今回のレビュー担当者は承認 1 回あたり {duration_text(run.think_s)} でした"
                    + (
                        " (自動応答です。人なら数分かかります)。"
                        if run.think_s < QUICK_REVIEW_S
                        else "。"
                    ),
                )
            )
        five = self.per_1000(run, 300.0)
        lines += [
            tr(
                f"The talk ({TALK_SOURCE}): {talk.approvals} approvals, {talk.invocations} "
                f"invocations, {talk.billed_ms / 1000:.1f} s billed (memory, operations and "
                f"checkpoint data taken as this run's): break-even at {duration_text(at_talk)} "
                "per approval.",
                f"講演 ({TALK_SOURCE}): 承認 {talk.approvals} 回、呼び出し {talk.invocations} 回、"
                f"課金時間 {talk.billed_ms / 1000:.1f} 秒 (メモリ、operation 数、チェックポイント"
                f"データは今回の実行の値を仮定): 損益分岐点は承認 1 回あたり "
                f"{duration_text(at_talk)} です。",
            ),
            tr(
                f"At 5 min per approval, per 1,000 conversations: durable {usd(five['durable'])}, "
                f"blocking Lambda {usd(five['blocking'])}"
                + ("" if run.blocking_possible(300.0, p) else " (impossible: over 15 min)")
                + f", Step Functions standard {usd(five['step_functions'])}.",
                f"承認 1 回に 5 分かかる場合、1,000 会話あたり: durable {usd(five['durable'])}、"
                f"ブロックする Lambda {usd(five['blocking'])}"
                + ("" if run.blocking_possible(300.0, p) else " (15 分を超えるため実行不可)")
                + f"、Step Functions Standard {usd(five['step_functions'])}。",
            ),
            tr("Prices: ", "価格: ") + self.prices_text() + tr(".", "。"),
        ]
        return "\n".join(lines)


def break_even(cost: ExecutionCost) -> BreakEven:
    """This run's conversation and the talk's, priced against the reviewer's think-time."""
    return BreakEven.of(cost)
