"""helpers.durable.events: what raw history events say (invocations, operation counts)."""

from __future__ import annotations

import cost_samples as s
import pytest

from helpers.durable import HistoryError, count_operations, invocations_from_history


# --- history ---------------------------------------------------------------------------
def test_invocations_come_from_invocation_completed_events() -> None:
    invocations = invocations_from_history(s.history())
    assert [i.request_id for i in invocations] == [s.R1, s.R2, s.R3, s.R4]
    assert invocations[0].seconds == pytest.approx(2.51)


def test_operations_are_counted_per_operation_id() -> None:
    ops = count_operations(s.history())
    # 4 think + 3 tool + 1 report + 3 submitters; each wait_for_callback = context +
    # callback + submitter step.
    assert (ops.steps, ops.callbacks, ops.contexts, ops.waits) == (11, 3, 3, 0)
    assert ops.approvals == 3 and ops.submitter_steps == 3
    assert ops.total == 17


def test_history_without_invocation_details_is_a_clear_error() -> None:
    events = [e for e in s.history() if e["EventType"] != "InvocationCompleted"]
    events.append({"EventType": "InvocationCompleted", "EventId": 99, "EventTimestamp": s.at(1)})
    with pytest.raises(HistoryError, match="InvocationCompletedDetails"):
        invocations_from_history(events)
