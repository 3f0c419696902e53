"""helpers.cost.breakeven: the three designs priced against think-time, and where the
blocking Lambda crosses the durable function, checked by hand from the price pages."""

from __future__ import annotations

import dataclasses
import math

import cost_samples as s
import pytest

from helpers.cost import PRICES, ExecutionCost, analyse_records
from helpers.cost.breakeven import (
    TALK_APPROVALS,
    TALK_BILLED_MS,
    TALK_INVOCATIONS,
    BreakEven,
    Conversation,
    break_even,
)
from helpers.durable import Gap
from helpers.i18n import use_language

# Typed from the price pages, not read from helpers.cost.prices: a wrong table fails here.
REQUEST = 0.20 / 1e6
GB_S_X86 = 0.0000166667
OPERATION = 8.00 / 1e6
TRANSITION = 0.025 / 1000


def conversation(**changes: object) -> Conversation:
    base = Conversation(
        label="by hand",
        approvals=3,
        invocations=4,
        billed_ms=52_101,
        work_s=52.101,
        memory_mb=1024,
        operations=16,
        transitions=14,
        data_bytes=0,
        retention_days=14,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def cost() -> ExecutionCost:
    return analyse_records(s.execution(), s.history(), s.json_log())


def test_break_even_by_hand() -> None:
    conv = conversation()
    # durable(t) = 4 requests + 52.101 s x 1 GB + 16 operations (flat: no data);
    # blocking(t) = 1 request + (52.101 + 3 t) s x 1 GB. Equal where
    # 3 t x 1 GB x GB-s = 3 requests + 16 operations.
    by_hand = (3 * REQUEST + 16 * OPERATION) / (3 * 1.0 * GB_S_X86)
    assert by_hand == pytest.approx(2.572, abs=1e-3)
    at = conv.break_even_s(PRICES)
    assert at == pytest.approx(by_hand, rel=1e-9)
    assert conv.durable_usd(0, PRICES) == pytest.approx(
        4 * REQUEST + 52.101 * GB_S_X86 + 16 * OPERATION, rel=1e-9
    )
    assert conv.blocking_usd(at, PRICES) == pytest.approx(conv.durable_usd(at, PRICES), rel=1e-9)
    assert conv.blocking_usd(at * 0.9, PRICES) < conv.durable_usd(at * 0.9, PRICES)
    assert conv.blocking_usd(at * 1.1, PRICES) > conv.durable_usd(at * 1.1, PRICES)
    assert conv.step_functions_usd(PRICES) == pytest.approx(
        14 * TRANSITION + 4 * REQUEST + 52.101 * GB_S_X86, rel=1e-9
    )


def test_break_even_scales_with_memory_and_approvals() -> None:
    # Half the memory: each second of waiting costs half as much, so blocking pays for
    # twice the think-time before it reaches the (unchanged) operations charge.
    full, half = conversation(), conversation(memory_mb=512)
    assert half.break_even_s(PRICES) == pytest.approx(
        (3 * REQUEST + 16 * OPERATION) / (3 * 0.5 * GB_S_X86), rel=1e-9
    )
    assert half.break_even_s(PRICES) == pytest.approx(2 * (full.break_even_s(PRICES) or 0), 1e-3)


def test_checkpoint_data_counts_and_the_lines_still_meet() -> None:
    conv = conversation(data_bytes=50 * 1024**2, retention_days=7)
    at = conv.break_even_s(PRICES)
    assert at is not None and at > conversation().break_even_s(PRICES)  # type: ignore[operator]
    assert conv.blocking_usd(at, PRICES) == pytest.approx(conv.durable_usd(at, PRICES), rel=1e-9)


def test_nothing_to_break_even_without_an_approval() -> None:
    conv = conversation(approvals=0)
    assert conv.break_even_s(PRICES) is None and conv.limit_s(PRICES) is None
    assert conv.blocking_usd(0, PRICES) == conv.blocking_usd(3600, PRICES)


def test_blocking_always_dearer_gives_zero() -> None:
    # No operations, one invocation: durable is never dearer than blocking.
    conv = conversation(operations=0, invocations=1)
    assert conv.break_even_s(PRICES) == 0.0


def test_fifteen_minute_limit() -> None:
    conv = conversation()
    limit = conv.limit_s(PRICES)
    assert limit == pytest.approx((900 - 52.101) / 3)
    assert conv.blocking_possible(limit - 0.01, PRICES)  # type: ignore[operator]
    assert not conv.blocking_possible(limit + 0.01, PRICES)  # type: ignore[operator]


def test_this_run_as_measured_matches_the_alternatives(cost: ExecutionCost) -> None:
    run = Conversation.from_execution(cost)
    waited = (48.100 - 2.560) + (150.050 - 49.310) + (369.350 - 151.040)
    assert run.approvals == 3 and run.invocations == 4 and run.billed_ms == 7756
    assert run.think_s == pytest.approx(waited / 3)
    assert run.work_s == pytest.approx(372.5 - waited)
    assert run.memory_mb == 512 and run.operations == cost.operations.total == 17
    # At the run's own think-time the curves give the figures of the analysis.
    think = run.think_s or 0
    assert run.durable_usd(think, PRICES) == pytest.approx(cost.durable.total_usd, rel=1e-9)
    assert run.blocking_usd(think, PRICES) == pytest.approx(cost.blocking.cost_usd, rel=1e-4)
    assert run.step_functions_usd(PRICES) == pytest.approx(cost.step_functions.cost_usd, 1e-9)


def test_the_talks_conversation(cost: ExecutionCost) -> None:
    even = break_even(cost)
    talk = even.talk
    assert (talk.approvals, talk.invocations, talk.billed_ms) == (3, 4, 52_101)
    assert (TALK_APPROVALS, TALK_INVOCATIONS, TALK_BILLED_MS) == (3, 4, 52_101)
    assert talk.memory_mb == even.run.memory_mb == 512
    # Its work is its billed time, so the crossing depends on requests and operations only
    # (and the tiny checkpoint data).
    by_hand = (3 * REQUEST + 17 * OPERATION) / (3 * 0.5 * GB_S_X86)
    assert talk.break_even_s(PRICES) == pytest.approx(by_hand, rel=0.02)


def test_per_1000(cost: ExecutionCost) -> None:
    even = BreakEven.of(cost)
    at = even.per_1000(even.run, 300)
    assert at["durable"] == pytest.approx(1000 * even.run.durable_usd(300, PRICES))
    assert at["blocking"] == pytest.approx(
        1000 * (REQUEST + (even.run.work_s + 900) * 0.5 * GB_S_X86), rel=1e-6
    )


def test_summary_in_both_languages(cost: ExecutionCost) -> None:
    even = break_even(cost)
    text = even.summary()
    at = even.run.break_even_s(PRICES)
    assert at is not None and f"{at:.2f} s" in text
    assert "52.1 s billed" in text and "3 approvals, 4 invocations" in text
    assert "us-east-1" in text and "2026-11" in text
    try:
        use_language("ja")
        ja = even.summary()
    finally:
        use_language(None)
    assert "損益分岐点" in ja and "承認 3 回" in ja and "billed" not in ja


def test_summary_without_approvals(cost: ExecutionCost) -> None:
    even = BreakEven(conversation(approvals=0), conversation(), PRICES)
    assert "no approval" in even.summary()


def quick(cost: ExecutionCost, think_s: float) -> ExecutionCost:
    """The sample conversation with a reviewer taking ``think_s`` per approval."""
    shift, gaps = 0.0, []
    for g in cost.gaps:
        gaps.append(Gap(g.start - shift, g.start - shift + think_s, g.label))
        shift += g.seconds - think_s
    assert cost.end is not None
    return dataclasses.replace(cost, gaps=gaps, end=cost.end - shift)


def test_quick_reviewer(cost: ExecutionCost) -> None:
    fast = quick(cost, 3.0)
    run = Conversation.from_execution(fast)
    assert run.think_s == pytest.approx(3.0)
    assert math.isclose(run.work_s, Conversation.from_execution(cost).work_s, rel_tol=1e-9)
