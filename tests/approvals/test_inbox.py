"""helpers.approvals.inbox against an in-process local cloud (``approval_cloud``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from approval_cloud import (  # noqa: F401 (the *_fixture names are fixtures)
    REPORT_URL,
    approvals_cloud_fixture,
    body_of,
    finish,
    function_fixture,
    lam_fixture,
    next_open,
    queue_count,
    queue_fixture,
    sqs_fixture,
    start_fixture,
    until,
)
from botocore.exceptions import ClientError

from helpers.approvals.contract import short_id
from helpers.approvals.inbox import Inbox


def test_approve_then_deny(lam: Any, sqs: Any, queue: str, start: Callable[..., str]) -> None:
    inbox = Inbox(lam, sqs, queue)
    arn = start()
    inbox.track(arn)

    first = next_open(inbox)
    assert (first.tool, first.input, first.extra["turn"], first.mine) == (
        "search_docs",
        {"query": "What does a wait cost?", "turn": 1},
        1,
        True,
    )
    line = inbox.answer(first.callback_id, "APPROVE", "looks fine")
    assert line.level == "ok" and "APPROVE sent" in line.text, inbox.status_text
    # A double click: no second call to Lambda, one clear line.
    again = inbox.answer(first.callback_id, "APPROVE")
    assert "already answered APPROVE" in again.text and "second click" in again.text

    second = next_open(inbox)
    assert second.tool == "calculator"
    assert inbox.answer(second.callback_id, "deny", "not now").level == "ok"

    result = finish(inbox, arn)
    assert result == {
        "answer": "2 decisions",
        "report_url": REPORT_URL,
        "decisions": [
            {"tool": "search_docs", "decision": "APPROVE", "comment": "looks fine"},
            {"tool": "calculator", "decision": "DENY", "comment": "not now"},
        ],
    }
    assert queue_count(sqs, queue) == 0  # answered messages are deleted
    assert "Traceback" not in inbox.status_text


def test_duplicates_are_answered_once(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    inbox = Inbox(lam, sqs, queue)
    arn = start(copies=2)  # every request arrives twice
    inbox.track(arn)

    first = next_open(inbox)
    until(lambda: "duplicate" in inbox.status_text, lambda: inbox.poll(wait_seconds=1))
    assert len(inbox.requests) == 1
    assert "Ignored a duplicate of request #1 (search_docs)" in inbox.status_text
    assert inbox.answer(first.callback_id, "APPROVE").level == "ok"

    # A copy that comes late, after the answer: recognised, deleted, not answered again.
    sqs.send_message(QueueUrl=queue, MessageBody=body_of(first))
    until(lambda: "already answered APPROVE" in inbox.status_text, lambda: inbox.poll(1))

    second = next_open(inbox, "calculator")
    assert inbox.answer(second.callback_id, "APPROVE").level == "ok"
    result = finish(inbox, arn)
    assert len(result["decisions"]) == 2
    assert len(inbox.requests) == 2
    until(lambda: queue_count(sqs, queue) == 0, lambda: inbox.poll(wait_seconds=1))


def test_an_answer_refused_by_lambda_is_one_clear_line(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    panel_a = Inbox(lam, sqs, queue)
    arn = start()
    panel_a.track(arn)
    first = next_open(panel_a)

    # Another panel gets a copy while the callback waits, and answers it after panel A
    # did: Lambda says CallbackTimeoutException.
    panel_b = Inbox(lam, sqs, queue)
    sqs.send_message(QueueUrl=queue, MessageBody=body_of(first))
    stale = next_open(panel_b)
    assert not stale.mine and "did not start" in panel_b.status_text
    assert panel_a.answer(first.callback_id, "APPROVE").level == "ok"
    line = panel_b.answer(stale.callback_id, "DENY")
    assert line.level == "warn"
    assert "already answered, from another panel" in line.text and "timed out" in line.text
    assert stale.state == "closed"
    assert panel_b.answer(stale.callback_id, "DENY").text.endswith("nothing sent.")

    second = next_open(panel_a, "calculator")
    panel_a.answer(second.callback_id, "APPROVE")
    finish(panel_a, arn)

    # A stale copy after the execution has ended: its history says the callback no
    # longer waits, so the card is closed on arrival and nothing is sent.
    sqs.send_message(QueueUrl=queue, MessageBody=body_of(second))
    until(lambda: "Refused request #2" in panel_b.status_text, lambda: panel_b.poll(1))
    late = panel_b.requests[second.callback_id]
    assert late.state == "closed" and "no longer waiting (succeeded)" in late.note
    assert panel_b.answer(late.callback_id, "APPROVE").text.endswith("nothing sent.")
    assert queue_count(sqs, queue) == 0
    assert "Traceback" not in panel_b.status_text


def test_malformed_messages_are_reported_and_deleted(lam: Any, sqs: Any, queue: str) -> None:
    inbox = Inbox(lam, sqs, queue)
    bodies = [
        "approve please",
        "[1, 2]",
        json.dumps({"callback_id": "abc", "tool": "search_docs"}),
        json.dumps({"execution_arn": "arn:x", "callback_id": 7, "tool": "t", "input": {}}),
    ]
    for body in bodies:
        sqs.send_message(QueueUrl=queue, MessageBody=body)

    until(lambda: inbox.status_text.count("malformed") == len(bodies), lambda: inbox.poll(1))
    text = inbox.status_text
    assert "body is not JSON" in text and "'approve please'" in text
    assert "lacks execution_arn, input" in text
    assert "callback_id is 7" in text
    assert inbox.requests == {}
    assert queue_count(sqs, queue) == 0  # the documented choice: deleted


def test_requests_of_unknown_executions(lam: Any, sqs: Any, queue: str) -> None:
    ghost = "arn:aws:lambda:us-east-1:123456789012:function:nope:1/durable-execution/ghost/x1"
    body = json.dumps(
        {"execution_arn": ghost, "callback_id": "bm90LWEtY2FsbGJhY2s=", "tool": "t", "input": 1}
    )

    shown = Inbox(lam, sqs, queue)  # others="show": checked, refused, never answered
    sqs.send_message(QueueUrl=queue, MessageBody=body)
    until(lambda: "Refused request #1" in shown.status_text, lambda: shown.poll(1))
    request = shown.requests["bm90LWEtY2FsbGJhY2s="]
    assert not request.mine and request.state == "closed"
    assert "Lambda knows no such execution" in request.note
    line = shown.answer(request.callback_id, "APPROVE")
    assert line.level == "warn" and line.text.endswith("nothing sent.")
    assert queue_count(sqs, queue) == 0

    hidden = Inbox(lam, sqs, queue, others="hide")  # left on the queue for its owner
    sqs.send_message(QueueUrl=queue, MessageBody=body)
    until(lambda: "left on the queue" in hidden.status_text, lambda: hidden.poll(1))
    assert hidden.requests == {} and queue_count(sqs, queue) == 1
    hidden.track(ghost)  # adopting the execution checks the request at the next poll
    assert [r.callback_id for r in hidden.poll()] == ["bm90LWEtY2FsbGJhY2s="]
    adopted = hidden.requests["bm90LWEtY2FsbGJhY2s="]
    assert adopted.mine and adopted.state == "closed" and adopted.refused
    assert queue_count(sqs, queue) == 0


def test_requests_of_an_execution_that_ended(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    inbox = Inbox(lam, sqs, queue)
    arn = start()
    inbox.track(arn)
    first = next_open(inbox)
    lam.stop_durable_execution(DurableExecutionArn=arn)

    line = inbox.answer(first.callback_id, "APPROVE")  # the card was still open
    assert line.level == "warn" and "its execution has already ended (STOPPED)" in line.text
    inbox.refresh()
    assert inbox.executions[arn].status == "STOPPED"
    assert f"Execution {short_id(arn)} ended STOPPED" in inbox.status_text
    assert queue_count(sqs, queue) == 0

    # A request that arrives after its execution ended is dropped at once.
    sqs.send_message(QueueUrl=queue, MessageBody=body_of(first, callback_id="late-one"))
    until(lambda: "Dropped request #2" in inbox.status_text, lambda: inbox.poll(1))
    assert inbox.pending() == [] and queue_count(sqs, queue) == 0

    # The status refresh closes the open card of an execution stopped meanwhile.
    other = start()
    inbox.track(other)
    waiting = next_open(inbox)
    lam.stop_durable_execution(DurableExecutionArn=other)
    inbox.refresh()
    assert f"Closed {waiting.describe()}: the execution ended STOPPED" in inbox.status_text
    line = inbox.answer(waiting.callback_id, "DENY")
    assert line.text.endswith("is closed (its execution ended STOPPED); nothing sent.")
    assert queue_count(sqs, queue) == 0


class _ThrottledThenRunning:
    """GetDurableExecution answering TooManyRequestsException once (the account's quota,
    shared by a room), then RUNNING."""

    def __init__(self) -> None:
        self.calls = 0

    def get_durable_execution(self, DurableExecutionArn: str) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 1:
            raise ClientError(
                {
                    "Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"},
                    "ResponseMetadata": {"HTTPStatusCode": 429},
                },
                "GetDurableExecution",
            )
        return {"Status": "RUNNING", "StartTimestamp": None}


def test_a_throttled_status_read_waits_for_the_next_poll_without_an_error_line() -> None:
    lam = _ThrottledThenRunning()
    inbox = Inbox(lam, object(), "https://sqs.local/q")
    inbox.track("arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/n/i")
    assert inbox.refresh() == [] and lam.calls == 1
    assert not [line for line in inbox.lines if line.level == "error"]
    inbox.refresh()  # the next poll reads it
    assert lam.calls == 2
