"""Poison messages and forged requests never break the approval panel (issue 12, item 6).

A message that can never be answered (too deep for ``json.loads``, too big, not UTF-8, not
an object, fields missing or of the wrong type, an ARN that is not an execution's) is
reported once in plain words and deleted, the rest of its batch is handled in the same
poll, and ``run_until_done`` finishes. A second message under a callback id already shown
never replaces the first; a request that does not match its execution's history is shown
closed, saying why, and never answered. Malformed answers of Lambda (describe, history)
end in a status line, never a traceback. Against an in-process local cloud, with the
approvals tests' function (``tests/approvals/approval_cloud.py``) and one that plays the
chatbot's "think #n" / "approve #k" history.
"""

from __future__ import annotations

import io
import json
import sys
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))
from approval_cloud import (  # noqa: F401 (the *_fixture names are fixtures)
    DEADLINE,
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
from conftest import create_function_when_role_ready

from helpers.approvals.contract import MAX_BODY_CHARS, parse_message
from helpers.approvals.inbox import Inbox
from helpers.approvals.panel import ApprovalPanel
from helpers.approvals.recovery import approval_requests
from helpers.localcloud import LocalCloud

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/chat-1/e1"
GOOD = {"execution_arn": ARN, "callback_id": "Y2I=", "tool": "calculate", "input": {}}
DEEP = "[" * 100_000 + "]" * 100_000  # json.loads raises RecursionError on this
POISON = {
    "deeply nested": DEEP,
    "deep inside an object": json.dumps({**GOOD, "input": "x"}).replace('"x"', DEEP),
    "not an object": "[1, 2]",
    "null": "null",
    "base64": "eyJleGVjdXRpb25fYXJuIjogMX0=",
    "lone surrogate": json.dumps({**GOOD, "tool": "\udc80"}),
    "missing fields": json.dumps({"callback_id": "Y2I="}),
    "callback id a list": json.dumps({**GOOD, "callback_id": ["Y2I="]}),
    "not an execution ARN": json.dumps({**GOOD, "execution_arn": "arn:aws:s3:::bucket"}),
}


def malformed_lines(inbox: Inbox) -> int:
    return sum("malformed" in line.text for line in inbox.lines)


def test_parse_message_refuses_every_poison_with_a_value_error() -> None:
    too_big = json.dumps({**GOOD, "pad": "x" * MAX_BODY_CHARS})
    for body in [*POISON.values(), too_big, b"\xff" + json.dumps(GOOD).encode()]:
        with pytest.raises(ValueError):  # nothing else: not RecursionError, not UnicodeError
            parse_message(body)
    assert parse_message(json.dumps(GOOD))["tool"] == "calculate"
    assert parse_message(json.dumps({**GOOD, "input": "[[[[" + "]" * 60}))  # inside a string


def test_poison_messages_are_reported_once_deleted_and_the_batch_goes_on(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    inbox = Inbox(lam, sqs, queue)
    arn = start()
    inbox.track(arn)
    until(lambda: queue_count(sqs, queue) == 1)  # the first request is on the queue
    for body in POISON.values():
        sqs.send_message(QueueUrl=queue, MessageBody=body)

    new = inbox.poll()  # one ReceiveMessage: all ten messages in one batch
    assert [r.tool for r in new] == ["search_docs"], inbox.status_text
    assert malformed_lines(inbox) == len(POISON), inbox.status_text
    text = inbox.status_text
    assert "nests JSON deeper than 32 levels" in text
    assert "is JSON list, not an object" in text and "not valid UTF-8" in text
    assert "not a durable execution's ARN" in text and "callback_id is ['Y2I=']" in text
    assert "Traceback" not in text and "RecursionError" not in text
    assert queue_count(sqs, queue) == 1  # only the request's own message, held by its card

    inbox.answer(new[0].callback_id, "APPROVE")
    inbox.answer(next_open(inbox, "calculator").callback_id, "DENY")
    assert finish(inbox, arn)["answer"] == "2 decisions"
    assert malformed_lines(inbox) == len(POISON)  # reported once: deleted, never back
    assert queue_count(sqs, queue) == 0


def test_run_until_done_finishes_through_poison(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    for body in POISON.values():
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    panel = ApprovalPanel(Inbox(lam, sqs, queue), start=start, approval_mode="auto")
    panel.question.value = "Poisoned?"
    result = panel.run_if_auto(timeout=DEADLINE)
    assert [d["decision"] for d in result["decisions"]] == ["APPROVE", "APPROVE"]
    assert malformed_lines(panel.inbox) == len(POISON)
    assert "Traceback" not in panel.status_text and queue_count(sqs, queue) == 0


class _OddQueue:
    """An SQS client whose ReceiveMessage answers what no SQS sends (and records deletes)."""

    def __init__(self, messages: list[Any]) -> None:
        self.messages: list[Any] | None = messages
        self.deleted: list[str] = []

    def receive_message(self, **_: Any) -> Any:
        if self.messages is None:  # what a broken endpoint might send instead of a reply
            raise ValueError("not an SQS reply")
        messages, self.messages = self.messages, []
        return {"Messages": messages} if messages else "garbage"

    def delete_message(self, QueueUrl: str, ReceiptHandle: str) -> None:
        self.deleted.append(ReceiptHandle)


def test_messages_no_sqs_sends_are_lines_too() -> None:
    odd = [
        {"MessageId": "1", "ReceiptHandle": "r1", "Body": None},
        {"MessageId": "2", "ReceiptHandle": "r2"},  # no Body
        {"MessageId": "3", "Body": json.dumps(GOOD)},  # no receipt: cannot be deleted
        "not a message",
        {"MessageId": "4", "ReceiptHandle": "r4", "Body": b"\xff\xfe"},
    ]
    queue = _OddQueue(odd)
    inbox = Inbox(None, queue, "https://sqs.example/q")
    assert inbox.poll() == []
    assert malformed_lines(inbox) == len(odd), inbox.status_text
    assert queue.deleted == ["r1", "r2", "r4"]
    assert inbox.poll() == []  # a reply that is not an object: nothing taken
    queue.messages = None
    assert inbox.poll() == []
    assert "Could not read the approval queue" in inbox.lines[-1].text
    assert "Traceback" not in inbox.status_text


# A function whose history carries the proposal, as the chatbot's does: "think #1" asks
# for a tool (a toolUse block), "approve #1" waits for the person.
CHATBOT_LIKE = """
import json

import boto3
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def handler(event, context: DurableContext) -> dict:
    arn = context.execution_context.durable_execution_arn
    use = {"toolUseId": "tu-1", "name": "calculate", "input": {"expression": "6*7"}}
    context.step(lambda _: {"message": {"role": "assistant", "content": [{"toolUse": use}]}},
                 name="think #1")

    def submit(callback_id, _ctx):
        body = {"execution_arn": arn, "callback_id": callback_id, "tool": use["name"],
                "input": use["input"], "tool_use_id": "tu-1", "proposal": 1}
        if event.get("forge_first"):  # a forgery gets there first
            forged = {**body, "tool": "delete_everything", "input": {"path": "/"}}
            boto3.client("sqs").send_message(QueueUrl=event["queue_url"],
                                             MessageBody=json.dumps(forged))
        boto3.client("sqs").send_message(QueueUrl=event["queue_url"],
                                         MessageBody=json.dumps(body))

    answer = json.loads(context.wait_for_callback(submit, name="approve #1"))
    return {"answer": answer["decision"], "decisions": [answer]}
"""


@pytest.fixture(scope="module", name="chatbot_like")
def chatbot_like_fixture(approvals_cloud: LocalCloud, lam: Any) -> str:
    iam = approvals_cloud.client("iam")
    name = f"poison-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", CHATBOT_LIKE)
    create_function_when_role_ready(
        lam,
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
        DurableConfig={"ExecutionTimeout": 600, "RetentionPeriodInDays": 1},
        Timeout=30,
    )
    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    lam.publish_version(FunctionName=name)  # version 1, which _start invokes
    return name


def _start(lam: Any, name: str, queue: str, **event: Any) -> str:
    reply = lam.invoke(
        FunctionName=name,
        Qualifier="1",
        InvocationType="Event",
        Payload=json.dumps({"queue_url": queue, **event}).encode(),
    )
    return str(reply["DurableExecutionArn"])


def test_a_second_message_for_a_shown_callback_never_replaces_it(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    inbox = Inbox(lam, sqs, queue)
    arn = start()
    inbox.track(arn)
    first = next_open(inbox)
    forged = body_of(first, tool="delete_everything", input={"path": "/"})
    sqs.send_message(QueueUrl=queue, MessageBody=forged)
    until(lambda: "Refused a second message" in inbox.status_text, lambda: inbox.poll(1))
    shown = inbox.requests[first.callback_id]
    assert shown is first and (shown.tool, shown.input["turn"]) == ("search_docs", 1)
    assert len(inbox.requests) == 1 and queue_count(sqs, queue) == 1  # the forgery: deleted

    # A made-up callback id in a real execution: shown closed, never answered.
    sqs.send_message(QueueUrl=queue, MessageBody=body_of(first, callback_id="bWFkZS11cA=="))
    until(lambda: "bWFkZS11cA==" in inbox.requests, lambda: inbox.poll(1))
    made_up = inbox.requests["bWFkZS11cA=="]
    assert made_up.state == "closed" and "waits on no callback with this id" in made_up.note
    assert inbox.answer("bWFkZS11cA==", "APPROVE").text.endswith("nothing sent.")

    assert inbox.answer(first.callback_id, "APPROVE").level == "ok"
    inbox.answer(next_open(inbox, "calculator").callback_id, "APPROVE")
    decisions = finish(inbox, arn)["decisions"]
    assert [d["tool"] for d in decisions] == ["search_docs", "calculator"]


def test_a_request_is_checked_against_the_tool_use_in_the_history(
    lam: Any, sqs: Any, queue: str, chatbot_like: str
) -> None:
    panel = ApprovalPanel(Inbox(lam, sqs, queue), start=lambda _q: "", approval_mode="auto")
    arn = _start(lam, chatbot_like, queue, forge_first=True)
    panel.inbox.track(arn)
    panel.last_arn = arn
    result = panel.run_until_done(arn, timeout=DEADLINE)

    # The forgery came first: refused (its tool is not the model's), never answered; the
    # real message took the card and auto mode approved it.
    assert result["answer"] == "APPROVE"
    text = panel.status_text
    assert "it asks for delete_everything, but the model's tool use #1 in the history is " in text
    assert [(c.request.tool, c.request.state) for c in panel.cards.values()] == [
        ("calculate", "answered")
    ]
    assert panel.clicks == [(next(iter(panel.cards)), "APPROVE")]
    assert queue_count(sqs, queue) == 0


def test_approval_requests_takes_only_what_the_history_records(
    lam: Any, sqs: Any, queue: str, chatbot_like: str
) -> None:
    arn = _start(lam, chatbot_like, queue, forge_first=True)
    until(lambda: queue_count(sqs, queue) == 2)  # the forgery, then the real request
    (request,) = approval_requests(lam, sqs, queue, arn, wait_s=DEADLINE)
    assert (request.tool, request.input) == ("calculate", {"expression": "6*7"})
    assert queue_count(sqs, queue) == 1  # the forgery deleted; the request's message held
    lam.send_durable_execution_callback_success(
        CallbackId=request.callback_id, Result=b'{"decision": "DENY", "comment": ""}'
    )
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=next(iter(request.receipts.values())))
    until(lambda: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED")


class _OddLambda:
    """A Lambda client whose describe and history answers are malformed."""

    status = "RUNNING"

    def get_durable_execution(self, DurableExecutionArn: str) -> Any:
        return {"Status": self.status, "Result": DEEP, "Error": "not a dict"}

    def get_paginator(self, _name: str) -> Any:
        raise KeyError("Events")


def test_malformed_lambda_answers_end_in_status_lines() -> None:
    lam = _OddLambda()
    inbox = Inbox(lam, _OddQueue([]), "https://sqs.example/q")
    panel = ApprovalPanel(inbox, start=lambda _q: ARN)
    assert panel.recover([ARN]) == []  # the history read raises KeyError: a line
    panel.stop_polling()
    assert "Could not read the history of execution chat-1: KeyError: 'Events'" in (
        panel.status_text
    )
    lam.status = "SUCCEEDED"
    inbox.refresh()  # a result json.loads cannot read (RecursionError): shown as is
    assert inbox.executions[ARN].status == "SUCCEEDED"
    assert "not the chatbot's" in panel.status_text
    lam.status = "FAILED"
    inbox.executions[ARN].status = "RUNNING"
    inbox.refresh()  # an Error that is not an object
    assert inbox.executions[ARN].status == "FAILED"
    assert "Traceback" not in panel.status_text
