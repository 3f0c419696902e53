"""helpers.approvals.modes: APPROVAL_MODE, DECISIONS and auto mode's deciders."""

from __future__ import annotations

import pytest

from helpers.approvals.inbox import Inbox
from helpers.approvals.modes import ApprovalConfigError, AutoDecider, PacedDecider, check_mode
from helpers.approvals.panel import ApprovalPanel


def test_check_mode_normalises_and_says_what_to_fix() -> None:
    assert check_mode("widget") == ("widget", [])
    assert check_mode(" AUTO ", ["deny", "Approve"]) == ("auto", ["DENY", "APPROVE"])
    assert check_mode("auto", '["DENY"]') == ("auto", ["DENY"])  # papermill -p passes text
    assert check_mode("auto", "DENY, APPROVE") == ("auto", ["DENY", "APPROVE"])
    assert check_mode("auto", None) == ("auto", [])
    with pytest.raises(ApprovalConfigError, match=r"APPROVAL_MODE must be 'widget'.*'manual'"):
        check_mode("manual")
    with pytest.raises(ApprovalConfigError, match=r"DECISIONS\[1\] is 'YES'.*'APPROVE' or 'DENY'"):
        check_mode("auto", ["DENY", "YES"])
    with pytest.raises(ApprovalConfigError, match="must be a list"):
        check_mode("auto", 3)  # type: ignore[arg-type]
    with pytest.raises(ApprovalConfigError, match="not valid JSON"):
        check_mode("auto", '["DENY"')
    with pytest.raises(ApprovalConfigError, match="APPROVAL_MODE"):
        ApprovalPanel(Inbox(None, None, "http://q"), start=str, approval_mode="robot")


def test_auto_decider_uses_decisions_then_approve() -> None:
    decider = AutoDecider(["DENY"])
    assert [decider.next()[0] for _ in range(3)] == ["DENY", "APPROVE", "APPROVE"]


def test_decisions_by_tool_name_in_every_form() -> None:
    expected = ("auto", {"calculate": "DENY", "search_docs": "APPROVE"})
    assert check_mode("auto", {"calculate": "deny", "search_docs": "Approve"}) == expected
    assert check_mode("auto", '{"calculate": "DENY", "search_docs": "APPROVE"}') == expected
    assert check_mode("auto", "calculate=DENY, search_docs=approve") == expected
    assert check_mode("auto", {}) == ("auto", {})
    with pytest.raises(
        ApprovalConfigError, match=r"'calculator', which is not a tool.*'calculate'"
    ):
        check_mode("auto", {"calculator": "DENY"})
    with pytest.raises(ApprovalConfigError, match=r"DECISIONS\['calculate'\] is 'NO'"):
        check_mode("auto", {"calculate": "NO"})
    with pytest.raises(ApprovalConfigError, match="mixes 'tool=DECISION' pairs"):
        check_mode("auto", "DENY, calculate=DENY")
    with pytest.raises(ApprovalConfigError, match="not valid JSON"):
        check_mode("auto", '{"calculate": DENY}')


def test_auto_decider_by_tool_ignores_the_order_and_approves_unnamed_tools() -> None:
    decider = AutoDecider({"calculate": "DENY"})

    said = [decider.next(tool) for tool in ("estimate_lambda_cost", "calculate", "search_docs")]

    assert said == [
        ("APPROVE", "auto: estimate_lambda_cost not named in DECISIONS, default APPROVE"),
        ("DENY", "auto: DECISIONS['calculate']"),
        ("APPROVE", "auto: search_docs not named in DECISIONS, default APPROVE"),
    ]
    assert decider.next("calculate")[0] == "DENY"  # asked again: the same answer
    assert decider.describe() == "by tool: calculate DENY; any other tool APPROVE"


def test_paced_decider_waits_before_each_decision() -> None:
    slept: list[float] = []
    decider = PacedDecider(["DENY"], 2.5, sleep=slept.append)
    assert decider.next() == ("DENY", "auto: DECISIONS[0] (after 2.5 s of review)")
    assert decider.next()[0] == "APPROVE"  # DECISIONS used up
    assert slept == [2.5, 2.5]


def test_paced_decider_by_tool() -> None:
    decider = PacedDecider({"calculate": "DENY"}, 0, sleep=lambda _s: None)
    assert decider.next("calculate")[0] == "DENY"
    assert decider.next("search_docs")[0] == "APPROVE"
