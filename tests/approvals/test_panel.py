"""helpers.approvals.panel: the widgets, in auto mode and clicked, against an in-process
local cloud (``approval_cloud``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from approval_cloud import (  # noqa: F401 (the *_fixture names are fixtures)
    DEADLINE,
    REPORT_URL,
    approvals_cloud_fixture,
    function_fixture,
    lam_fixture,
    queue_fixture,
    sqs_fixture,
    start_fixture,
    until,
)

from helpers.approvals.contract import short_id
from helpers.approvals.inbox import Inbox
from helpers.approvals.modes import ApprovalConfigError, PacedDecider
from helpers.approvals.panel import ApprovalPanel


def test_auto_mode_clicks_the_buttons_with_decisions_then_approve(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    panel = ApprovalPanel(
        Inbox(lam, sqs, queue), start=start, approval_mode="auto", decisions=["DENY"]
    )
    panel.question.value = "Should I approve?"  # notebook 04 passes QUERY as question=

    result = panel.run_if_auto(timeout=DEADLINE)  # send, then block until the end

    assert [(d["tool"], d["decision"]) for d in result["decisions"]] == [
        ("search_docs", "DENY"),
        ("calculator", "APPROVE"),
    ]
    # Both went through the cards' buttons: the panel's click handler recorded them.
    assert [decision for _, decision in panel.clicks] == ["DENY", "APPROVE"]
    comments = [card.comment.value for card in panel.cards.values()]
    assert comments == ["auto: DECISIONS[0]", "auto: DECISIONS used up, default APPROVE"]
    assert [d["comment"] for d in result["decisions"]] == comments
    assert all(card.approve.disabled for card in panel.cards.values())
    assert f'href="{REPORT_URL.replace("&", "&amp;")}"' in panel.result_html.value
    assert "SUCCEEDED" in panel.execution_html.value


def test_auto_mode_by_tool_name(lam: Any, sqs: Any, queue: str, start: Callable[..., str]) -> None:
    panel = ApprovalPanel(
        Inbox(lam, sqs, queue),
        start=start,
        approval_mode="auto",
        decisions='{"search_docs": "DENY"}',  # as papermill passes it
    )
    panel.question.value = "Should I approve?"

    result = panel.run_if_auto(timeout=DEADLINE)

    assert [(d["tool"], d["decision"]) for d in result["decisions"]] == [
        ("search_docs", "DENY"),
        ("calculator", "APPROVE"),
    ]
    assert "by tool: search_docs DENY" in panel.mode_label.value


def test_panel_buttons(lam: Any, sqs: Any, queue: str, start: Callable[..., str]) -> None:
    def starter(question: str) -> str:
        if question == "boom":
            raise RuntimeError("the function is not deployed yet")
        return start(question)

    panel = ApprovalPanel(Inbox(lam, sqs, queue), start=starter, poll_seconds=1)
    assert "application/vnd.jupyter.widget-view+json" in panel._repr_mimebundle_()

    assert panel.run_if_auto() is None  # widget mode: a person drives it
    assert "Widget mode: type a question" in panel.status_text
    panel.send_button.click()
    assert "Type a question first" in panel.status_text
    panel.question.value = "boom"
    panel.send_button.click()
    assert "Could not start the chatbot: RuntimeError: the function is not deployed" in (
        panel.status_text
    )
    panel.question.value = "How much does waiting cost?"
    panel.send_button.click()  # starts the execution and the background poller
    assert "Started execution" in panel.status_text
    arn = panel.last_arn
    assert arn is not None

    first = until(lambda: next(iter(panel.cards.values()), None))
    assert "search_docs" in first.header.value and short_id(arn) in first.header.value
    assert "&quot;query&quot;: &quot;How much does waiting cost?&quot;" in first.body.value
    first.comment.value = "fine"
    first.approve.click()
    assert "APPROVE</b> sent · fine" in first.state.value and first.approve.disabled
    first.approve.click()  # a double click
    assert "already answered APPROVE; the second click was ignored" in panel.status_text

    second = until(lambda: len(panel.cards) == 2 and list(panel.cards.values())[1])
    second.deny.click()
    assert "DENY</b> sent" in second.state.value

    result = panel.run_until_done(arn, timeout=DEADLINE)
    assert [d["decision"] for d in result["decisions"]] == ["APPROVE", "DENY"]
    assert panel.result(arn) == result
    assert "Open the report" in panel.result_html.value and "2 decisions" in panel.result_html.value
    assert "SUCCEEDED" in panel.execution_html.value
    assert "SUCCEEDED" in panel.log_html.value
    assert "Traceback" not in panel.status_text

    # Re-running the cell makes a new panel on the same queue: the old one stops polling.
    panel.start_polling()
    ApprovalPanel(Inbox(lam, sqs, queue), start=starter)
    assert panel._stop.is_set()


def test_the_paced_reviewer_is_an_argument_of_auto_mode_only() -> None:
    paced = ApprovalPanel(
        Inbox(None, None, "http://q"),
        start=str,
        approval_mode="auto",
        decisions=["DENY", "APPROVE"],
        review_seconds=3,
    )
    assert "after 3 s" in paced.describe_reviewer()
    assert isinstance(paced.auto, PacedDecider)
    assert paced.auto.used == 0 and paced.auto.decisions == ["DENY", "APPROVE"]
    widget = ApprovalPanel(Inbox(None, None, "http://q"), start=str, review_seconds=3)
    assert "Widget mode" in widget.describe_reviewer()
    assert widget.auto is None
    with pytest.raises(ApprovalConfigError, match="REVIEW_SECONDS"):
        ApprovalPanel(Inbox(None, None, "http://q"), start=str, review_seconds="3")  # type: ignore[arg-type]


def test_the_no_math_classes_are_added_one_by_one(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    # The browser adds each entry with DOMTokenList.add, which throws on a space.
    panel = ApprovalPanel(Inbox(lam, sqs, queue), start=start, approval_mode="widget")
    classes = panel.mode_label._dom_classes
    assert "tex2jax_ignore" in classes and "mathjax_ignore" in classes
    assert not any(" " in name for name in classes)
