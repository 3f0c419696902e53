"""helpers.cost.model and alternatives: the join of invocations to REPORT records, the
arithmetic, the words, the comparisons (offline, from tests/cost_samples.py)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import cost_samples as s
import pytest

from helpers.cost import (
    FunctionCost,
    analyse_records,
    execution_label,
)


# --- the join and the arithmetic -------------------------------------------------------
@pytest.mark.parametrize("log", [s.text_log, s.json_log], ids=["text", "json"])
def test_three_approvals_four_invocations_arithmetic_by_hand(log: Callable[[], list[str]]) -> None:
    lines = [*log(), s.FOREIGN_TEXT, *s.MALFORMED[:2]]
    cost = analyse_records(s.execution(), s.history(), lines)

    assert len(cost.invocations) == 4
    assert [c.report.request_id for c in cost.invocations if c.report] == [s.R1, s.R2, s.R3, s.R4]
    assert cost.complete and cost.missing == []
    assert cost.parse.foreign == 1 and len(cost.parse.malformed) == 2

    assert cost.wall_clock_s == pytest.approx(372.5)
    assert cost.billed_ms == 2456 + 1205 + 988 + 3107 == 7756
    assert cost.cold_starts == 1 and cost.init_ms == pytest.approx(612.40)
    assert cost.gb_seconds == pytest.approx(7.756 * 0.5)  # 512 MB = 0.5 GB
    assert cost.operations.total == 17

    d = cost.durable
    assert d.requests_usd == pytest.approx(4 * 0.20 / 1e6)
    assert d.compute_usd == pytest.approx(3.878 * 0.0000166667)
    assert d.operations_usd == pytest.approx(17 * 8.00 / 1e6)
    data = 11 * 4 + 3 * 23  # step results and callback answers, bytes
    assert cost.data_bytes == data
    assert d.data_written_usd == pytest.approx(data / 1024**3 * 0.25)
    # Stored from the start: 372.5 s while it ran and waited, then 7 days of retention.
    assert cost.retained_days == pytest.approx(7 + 372.5 / 86_400)
    assert d.data_retained_usd == pytest.approx(data / 1024**3 * 0.15 * (7 + 372.5 / 86_400) / 30)
    assert d.total_usd == pytest.approx(0.0000008 + 0.0000646335 + 0.000136, rel=1e-3)

    # A plain Lambda blocking for the whole conversation: 372.5 s at 512 MB, one request.
    b = cost.blocking
    assert b.possible and b.billed_s == pytest.approx(372.5)
    assert b.cost_usd == pytest.approx(0.2e-6 + 372.5 * 0.5 * 0.0000166667)
    assert b.cost_usd / d.total_usd > 10

    # Step Functions: 8 Task states, 3 x (Task + Choice), 1 Succeed = 15 transitions.
    sf = cost.step_functions
    assert "15 state transitions" in sf.assumptions[0]
    assert sf.cost_usd == pytest.approx(15 * 0.025 / 1000 + d.requests_usd + d.compute_usd)


def test_the_run_is_told_in_words_from_its_own_figures() -> None:
    cost = analyse_records(s.execution(), s.history(), s.text_log())
    # 512 MB = 0.5 GB; 7.756 s billed; 0.5 x 7.756 = 3.878 GB-s; x 0.0000166667 = $0.0000646
    assert cost.compute_text() == (
        "This execution: 512 MB = 0.5 GB, billed 7.756 s in all, is 3.8780 GB-s; at the "
        "x86_64 list price of $0.0000166667 per GB-s that is $0.0000646."
    )
    # Blocking: 372.5 s x 0.5 GB x 0.0000166667 + $0.0000002 = $0.00310, 15.4x $0.000201.
    assert cost.verdict() == (
        "This conversation took 6 min 12 s: a plain Lambda blocking through it would cost "
        "$0.00310, 15.4x the durable estimate ($0.000201)."
    )
    short = analyse_records(s.execution(end_s=3), s.history(), s.text_log())
    assert "less than the durable estimate" in short.verdict()
    assert (
        "could not have waited"
        in analyse_records(s.execution(end_s=3600), s.history(), s.text_log()).verdict()
    )


def test_retention_is_billed_while_suspended_too() -> None:
    # Three days waiting for an approval, then 7 days of retention: 10 days of storage.
    # 113 bytes (11 step results of 4 B, 3 answers of 23 B) at $0.15 per GB-month, a month
    # of 30 days: 113 / 1024^3 GB x 0.15 x 10 / 30 = 113 / 1024^3 x 0.05 USD.
    cost = analyse_records(s.execution(end_s=3 * 86_400), s.history(), s.text_log())
    assert cost.data_bytes == 113
    assert cost.retained_days == pytest.approx(10.0)
    assert cost.durable.data_retained_usd == pytest.approx(113 / 1024**3 * 0.05)
    # Only the retention after the end, as the kit used to price it, would be 7 days:
    assert cost.durable.data_retained_usd > 113 / 1024**3 * 0.15 * 7 / 30 * 1.4
    assert "stored 3 days" not in cost.summary()  # durations read as hours and minutes
    assert "72 h 00 min while it ran or waited, then 7 days after the end" in cost.summary()
    assert cost.retention_sentence() == (
        "Checkpoint data, ~113 B: written once ($0.0000000263 at $0.25 per GB), stored "
        "72 h 00 min while it ran or waited, then 7 days after the end: 10.00 days "
        "($0.00000000526 at $0.15 per GB-month)."
    )


def test_retention_of_a_suspended_execution_counts_so_far() -> None:
    cost = analyse_records(s.execution(end_s=None, status="RUNNING"), s.history(), [])
    so_far = (time.time() - s.T0.timestamp()) / 86_400
    assert cost.retained_days == pytest.approx(so_far + 7, abs=0.01)
    assert "while it ran or waited so far" in cost.retention_text()


def test_unknown_retention_assumes_the_default() -> None:
    execution = {**s.execution(end_s=86_400), "DurableConfig": None}
    cost = analyse_records(execution, s.history(), s.text_log())
    assert cost.retained_days == pytest.approx(1 + 14)
    assert "14 days after the end assumed" in cost.summary()


def test_waits_between_invocations_are_labelled() -> None:
    cost = analyse_records(s.execution(), s.history(), s.text_log())
    assert [g.label for g in cost.gaps] == [f"waiting for approve #{n}" for n in (1, 2, 3)]
    assert [round(g.seconds, 2) for g in cost.gaps] == [45.54, 100.74, 218.31]


def test_timers_and_retries_label_their_gaps() -> None:
    def event(event_type: str, when: float, **fields: Any) -> dict[str, Any]:
        return {"EventType": event_type, "EventTimestamp": s.at(when), **fields}

    def invocation(rid: str, start: float, end: float) -> dict[str, Any]:
        return event(
            "InvocationCompleted",
            end,
            InvocationCompletedDetails={
                "RequestId": rid,
                "StartTimestamp": s.at(start),
                "EndTimestamp": s.at(end),
            },
        )

    history = [
        event("WaitStarted", 0.5, Id="w1", WaitStartedDetails={"Duration": 10}),  # unnamed
        invocation("a", 0.0, 0.6),
        event("WaitSucceeded", 10.5, Id="w1"),
        event("StepStarted", 10.7, Id="s1", Name="fetch"),
        event(
            "StepFailed",
            10.8,
            Id="s1",
            Name="fetch",
            StepFailedDetails={"RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 5}},
        ),
        invocation("b", 10.6, 10.9),
        event("StepStarted", 16.0, Id="s1", Name="fetch"),
        event("StepSucceeded", 16.1, Id="s1", Name="fetch"),
        invocation("c", 15.9, 16.2),
    ]
    cost = analyse_records({**s.execution(end_s=17)}, history, [])
    assert [g.label for g in cost.gaps] == ["durable wait (timer)", "retry delay of fetch"]
    assert cost.operations.step_retries == 1 and cost.operations.total == 2


def test_blocking_lambda_is_impossible_past_15_minutes() -> None:
    cost = analyse_records(s.execution(end_s=20 * 60), s.history(), s.text_log())
    assert not cost.blocking.possible
    assert any("15 minutes" in a for a in cost.blocking.assumptions)
    assert "IMPOSSIBLE past 15 minutes" in cost.summary()


def test_summary_states_figures_assumptions_and_prices() -> None:
    text = analyse_records(s.execution(), s.history(), s.json_log()).summary()
    for expected in (
        "6 min 12 s",
        "4 (the first run and 3 replays)",
        "4 of 4 joined",
        "7.756 s",
        "17 (11 steps, 3 callbacks, 3 child contexts)",
        "plain Lambda, blocking",
        "Step Functions standard",
        "(verify)",
        "as of 2026-11",
        "Log parsing",
    ):
        assert expected in text, expected


# --- names a person can tell apart --------------------------------------------------------
# Notebook 05's costs_since_deploy: runs of one function differ in their stamp and tail.
NAMES = ["chatbot-20261203T065501-6f2a9c1d", "chat-1203T070344-6ab12c", "chat-1203T070512-9fe001"]


def test_the_executions_table_shows_names_whole() -> None:
    one = analyse_records(s.execution(), s.history(), s.text_log())
    costs = [dataclasses.replace(one, name=name) for name in NAMES]
    lines = FunctionCost(s.FUNCTION, costs, one.parse).summary().splitlines()
    # Cut at 18 characters they read "chatbot-20261203T0" and "chat-1203T070344-6".
    assert [line.split("  ")[0] for line in lines[2:5]] == NAMES


def test_a_name_too_long_for_the_column_keeps_its_tail() -> None:
    long = "my-application-with-a-long-name-20261203T070344-6f2a9c1d"
    label = execution_label(long)
    assert len(label) == 40 and label.startswith("my-applicati…")
    assert label.endswith("-20261203T070344-6f2a9c1d")
    assert execution_label(NAMES[0]) == NAMES[0]
