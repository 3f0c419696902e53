"""Notebook 04's flow around the panel: a cell answers the first request, the panel the
rest; Send waits for the running conversation; cards numbered per conversation; a clear
next step once the chatbot is gone. Against the in-process local cloud (``approval_cloud``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from approval_cloud import (  # noqa: F401 (the *_fixture names are fixtures)
    DEADLINE,
    approvals_cloud_fixture,
    function_fixture,
    lam_fixture,
    queue_count,
    queue_fixture,
    sqs_fixture,
    start_fixture,
    until,
)

from helpers.approvals.cards import Card, countdown, render_result
from helpers.approvals.contract import ExecutionInfo, Request
from helpers.approvals.first import wait_for_request
from helpers.approvals.inbox import Inbox
from helpers.approvals.panel import ApprovalPanel
from helpers.i18n import use_language


def target_of(lam: Any, sqs: Any) -> Any:
    """What ``wait_for_request`` takes of a helpers.target.Target: its clients."""
    return SimpleNamespace(client=lambda service: {"lambda": lam, "sqs": sqs}[service])


def test_the_cell_answers_the_first_decision_and_the_panel_the_next(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    panel = ApprovalPanel(
        Inbox(lam, sqs, queue), start=start, approval_mode="auto", decisions=["DENY", "APPROVE"]
    )
    arn = start("Should I approve?")

    # Notebook 04's cells, as a learner types them.
    message = wait_for_request(target_of(lam, sqs), queue, arn)
    assert message is not None
    request = json.loads(message["Body"])
    decision, comment = panel.decision_for(request["tool"])
    lam.send_durable_execution_callback_success(
        CallbackId=request["callback_id"],
        Result=json.dumps({"decision": decision, "comment": comment}),
    )
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    result = panel.follow(arn, timeout=DEADLINE)

    assert (decision, comment) == ("DENY", "auto: DECISIONS[0]")
    assert [(d["tool"], d["decision"]) for d in result["decisions"]] == [
        ("search_docs", "DENY"),  # the cell's
        ("calculator", "APPROVE"),  # the panel's first click: DECISIONS[1]
    ]
    assert [d for _, d in panel.clicks] == ["APPROVE"]
    assert [c.comment.value for c in panel.cards.values()] == ["auto: DECISIONS[1]"]
    assert panel.last_arn == arn and panel.result() == result
    assert not panel.send_button.disabled  # the conversation ended: Send is back


def test_wait_for_request_leaves_other_executions_messages_and_sees_an_answer_without_tools(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str], function: tuple[str, str]
) -> None:
    other = start("someone else's question")
    until(lambda: queue_count(sqs, queue) >= 1, lambda: time.sleep(0.2))
    name, version = function
    silent = lam.invoke(  # asks for no tool: it ends without a request
        FunctionName=name,
        Qualifier=version,
        InvocationType="Event",
        Payload=json.dumps({"question": "hi", "queue_url": queue, "tools": []}).encode(),
    )["DurableExecutionArn"]

    assert wait_for_request(target_of(lam, sqs), queue, silent, timeout=DEADLINE) is None

    mine = wait_for_request(target_of(lam, sqs), queue, other, timeout=DEADLINE)
    assert mine is not None and json.loads(mine["Body"])["execution_arn"] == other


def test_send_is_disabled_while_a_conversation_runs(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    started: list[str] = []

    def starter(question: str) -> str:
        started.append(question)
        return start(question)

    panel = ApprovalPanel(Inbox(lam, sqs, queue), start=starter, poll_seconds=1)
    panel.question.value = "How much does waiting cost?"
    panel.send_button.click()
    panel.send_button.click()  # a double click: the second one arrives after the first
    assert len(started) == 1
    assert panel.send_button.disabled
    assert "A conversation is running" in panel.status_text

    for number in (1, 2):
        card = until(lambda n=number: len(panel.cards) >= n and list(panel.cards.values())[-1])
        assert f"<b>#{number} " in card.header.value
        card.approve.click()
        assert panel.send_button.disabled or panel.inbox.executions[panel.last_arn].done
    panel.run_until_done(timeout=DEADLINE)
    assert not panel.send_button.disabled

    # The next conversation numbers its cards from #1 again.
    panel.send_button.click()
    assert len(started) == 2
    first = until(
        lambda: next(
            (c for c in panel.cards.values() if c.request.execution_arn == panel.last_arn), None
        )
    )
    assert "<b>#1 " in first.header.value
    first.approve.click()
    until(lambda: len(panel.cards) == 4)
    list(panel.cards.values())[-1].deny.click()
    panel.run_until_done(timeout=DEADLINE)


def test_send_after_cleanup_says_what_to_run(lam: Any, sqs: Any, queue: str) -> None:
    def gone(question: str) -> str:  # 99 deleted the function: the same call 04 makes
        reply = lam.invoke(
            FunctionName="dfw-chatbot-deleted", Qualifier="live", InvocationType="Event"
        )
        return str(reply["DurableExecutionArn"])

    panel = ApprovalPanel(Inbox(lam, sqs, queue), start=gone)
    panel.question.value = "Still there?"
    panel.send_button.click()
    assert "The chatbot is gone" in panel.status_text and "run 03 again" in panel.status_text
    assert not panel.send_button.disabled  # nothing runs: Send works again after 03
    use_language("ja")
    try:
        panel.send_button.click()
        assert "チャットボットがありません" in panel.status_text
    finally:
        use_language(None)


def request_with(**extra: Any) -> Request:
    return Request(
        callback_id="cb-1",
        execution_arn="arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/x/y",
        tool="calculate",
        input={"expression": "52.1 / 4"},
        extra=extra,
        number=2,
    )


def test_a_card_shows_the_reason_and_input_first_the_rest_folded_and_a_countdown() -> None:
    now = datetime.now(UTC).replace(microsecond=0)  # requested_at is in whole seconds
    request = request_with(
        explanation="I need to divide $52.1 by 4 <b>exactly</b>.",
        proposal=2,
        turn=2,
        timeout_seconds=900,
        requested_at=now.isoformat(timespec="seconds"),
    )
    card = Card(request, lambda _id, _decision: None)
    body = card.body.value
    assert "tex2jax_ignore mathjax_ignore" in body
    assert body.index("The model says") < body.index("52.1 / 4") < body.index("<details")
    assert "&#36;52.1" in body and "$" not in body and "<b>exactly" not in body
    assert "turn: 2" in body.split("<details")[1]  # the metadata, folded
    assert "answer within 14:" in card.state.value or "answer within 15:00" in card.state.value
    assert countdown(request, now=now.timestamp() + 890) == "answer within 0:10"
    assert "timeout has passed" in countdown(request, now=now.timestamp() + 901)
    assert countdown(request_with()) == ""  # a request that does not say: no countdown


def test_the_history_deadline_counts_first_and_needs_no_message() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    recovered = Request("cb-9", request_with().execution_arn, None, None, source="history")
    assert countdown(recovered) == ""  # neither a history deadline nor a message
    recovered.deadline = now.timestamp() + 300
    assert countdown(recovered, now=now.timestamp()) == "answer within 5:00"
    assert "answer within" in Card(recovered, lambda _id, _d: None).state.value
    # The callback's own clock (the history) wins over the message's requested_at, which
    # the submitter stamps a moment after the callback started.
    message = request_with(timeout_seconds=300, requested_at=now.isoformat(timespec="seconds"))
    message.deadline = now.timestamp() + 298
    assert countdown(message, now=now.timestamp()) == "answer within 4:58"


def test_the_answer_is_rendered_markdown_without_html_or_math() -> None:
    info = ExecutionInfo("arn:x", status="SUCCEEDED")
    info.result = {
        "answer": "**Billed:** $0.2169 in all: compute $0.2167\n\n- one\n- <script>x()</script>",
        "report_url": "https://example.com/r.md",
        "decisions": [{"tool": "calculate", "decision": "DENY"}],
    }
    shown = render_result(info)
    assert "<strong>Billed:</strong>" in shown and "<li>one</li>" in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "$" not in shown and "&#36;0.2169" in shown
    assert "tex2jax_ignore mathjax_ignore" in shown


def test_a_card_speaks_japanese_when_the_learner_does() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    request = request_with(timeout_seconds=60, requested_at=now.isoformat(timespec="seconds"))
    use_language("ja")
    try:
        card = Card(request, lambda _id, _decision: None)
        assert card.approve.description == "承認" and card.deny.description == "却下"
        assert "判断をお待ちしています" in card.state.value
        assert "以内に回答してください" in card.state.value
        assert "リクエストの詳細" in card.body.value
    finally:
        use_language(None)
    assert Card(request, lambda _id, _decision: None).approve.description == "Approve"
