"""helpers.approvals against an in-process local cloud and a tiny durable function.

The function waits for two approvals with ``context.wait_for_callback``; its submitter
sends contract-shaped requests to the SQS queue named in the event (``copies`` of each, to
play the at-least-once submitter) and it returns the decisions. Loops that wait for
something have a deadline only to fail instead of hanging; nothing asserts on timing.
"""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import create_function_when_role_ready

from helpers.approvals import (
    ApprovalConfigError,
    ApprovalPanel,
    AutoDecider,
    Inbox,
    Request,
    Waiting,
    approval_requests,
    check_mode,
    open_callbacks,
    parse_message,
    running_executions,
    short_id,
    tool_uses_by_turn,
    waiting_for_approval,
)
from helpers.localcloud import LocalCloud

HANDLER = """
import json

import boto3
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def handler(event, context: DurableContext) -> dict:
    arn = context.execution_context.durable_execution_arn
    decisions = []
    for turn, tool in enumerate(event["tools"], 1):
        def submit(callback_id, _ctx, tool=tool, turn=turn):
            body = json.dumps({"execution_arn": arn, "callback_id": callback_id, "tool": tool,
                               "input": {"query": event["question"], "turn": turn},
                               "turn": turn, "question": event["question"]})
            sqs = boto3.client("sqs")
            for _ in range(event.get("copies", 1)):
                sqs.send_message(QueueUrl=event["queue_url"], MessageBody=body)

        answer = json.loads(context.wait_for_callback(submit, name=f"approve #{turn}"))
        decisions.append({"tool": tool, "decision": answer["decision"],
                          "comment": answer.get("comment", "")})
    return {"answer": f"{len(decisions)} decisions", "report_url": REPORT_URL,
            "decisions": decisions}


REPORT_URL = "https://reports.example/r.md?X-Amz-Signature=abc&x=1"
"""
REPORT_URL = "https://reports.example/r.md?X-Amz-Signature=abc&x=1"
TOOLS = ("search_docs", "calculator")
DEADLINE = 60.0  # seconds before a wait fails the test (never reached when things work)


def _zip(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", source)
    return buf.getvalue()


@pytest.fixture(scope="module")
def approvals_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(tmp_path_factory.mktemp("approvals")) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def lam(approvals_cloud: LocalCloud) -> Any:
    return approvals_cloud.client("lambda")


@pytest.fixture(scope="module")
def sqs(approvals_cloud: LocalCloud) -> Any:
    return approvals_cloud.client("sqs")


@pytest.fixture(scope="module")
def function(approvals_cloud: LocalCloud, lam: Any) -> tuple[str, str]:
    """The approval function, deployed as smoke.py does; returns (name, version)."""
    iam = approvals_cloud.client("iam")
    name = f"approvals-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    create_function_when_role_ready(  # a new role: Lambda may refuse it for a moment
        lam,
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": _zip(HANDLER)},
        DurableConfig={"ExecutionTimeout": 600, "RetentionPeriodInDays": 1},
        Timeout=30,
    )
    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    return name, str(lam.publish_version(FunctionName=name)["Version"])


@pytest.fixture
def queue(sqs: Any) -> str:
    return str(sqs.create_queue(QueueName=f"approvals-{uuid.uuid4().hex[:8]}")["QueueUrl"])


@pytest.fixture
def start(lam: Any, function: tuple[str, str], queue: str) -> Callable[..., str]:
    """``start(question, copies=1) -> execution_arn``: what notebook 04 passes the panel."""
    name, version = function

    def run(question: str = "What does a wait cost?", copies: int = 1) -> str:
        event = {"question": question, "queue_url": queue, "tools": TOOLS, "copies": copies}
        reply = lam.invoke(
            FunctionName=name,
            Qualifier=version,
            InvocationType="Event",
            Payload=json.dumps(event).encode(),
        )
        return str(reply["DurableExecutionArn"])

    return run


def until(condition: Callable[[], Any], step: Callable[[], Any] = lambda: None) -> Any:
    """Run ``step`` until ``condition()`` is truthy; return that value."""
    deadline = time.monotonic() + DEADLINE
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {DEADLINE} s")
        step() or time.sleep(0.05)
    return value


def next_open(inbox: Inbox, tool: str | None = None) -> Request:
    """The first open request (of ``tool``), polling until there is one."""
    return until(
        lambda: next((r for r in inbox.pending() if tool in (None, r.tool)), None),
        lambda: inbox.poll(wait_seconds=1),
    )


def finish(inbox: Inbox, arn: str) -> Any:
    """Poll until the execution ends; its result."""

    def step() -> None:
        inbox.poll(wait_seconds=1)
        inbox.refresh()

    until(lambda: inbox.executions[arn].done, step)
    assert inbox.executions[arn].status == "SUCCEEDED", inbox.status_text
    return inbox.executions[arn].result


def queue_count(sqs: Any, queue: str) -> int:
    """Messages on the queue, visible or held by a reader."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def body_of(request: Request, **changes: Any) -> str:
    data = {
        "execution_arn": request.execution_arn,
        "callback_id": request.callback_id,
        "tool": request.tool,
        "input": request.input,
        **request.extra,
    }
    return json.dumps({**data, **changes})


# --- parameters and parsing (no cloud) ---------------------------------------------------


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


def test_parse_message_names_what_is_wrong() -> None:
    good = {"execution_arn": "arn:aws:lambda:x", "callback_id": "c", "tool": "t", "input": {}}
    assert parse_message(json.dumps(good))["tool"] == "t"
    for body, reason in [
        ("hello", "not JSON"),
        ("[1, 2]", "JSON list, not an object"),
        (json.dumps({"callback_id": "c"}), "lacks execution_arn, tool, input"),
        (json.dumps({**good, "callback_id": 7}), "callback_id is 7"),
        (json.dumps({**good, "execution_arn": "exec-1"}), "not an ARN"),
    ]:
        with pytest.raises(ValueError, match=reason):
            parse_message(body)


def test_short_id() -> None:
    base = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution"
    assert short_id(f"{base}/6b3e7163-124a-449d-b1cf-4c8831654f02/998be70f") == "6b3e7163"
    assert short_id(f"{base}/chat-42/998be70f") == "chat-42"
    long_name = "chatbot-20261125T234500-1a2b3c4d"
    assert short_id(f"{base}/{long_name}/998be70f") == "chatbot-20…1a2b3c4d"


# --- against the local cloud -------------------------------------------------------------


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
    assert panel_a.answer(first.callback_id, "APPROVE").level == "ok"

    # Another panel gets a stale copy and answers it: Lambda says CallbackTimeoutException.
    panel_b = Inbox(lam, sqs, queue)
    sqs.send_message(QueueUrl=queue, MessageBody=body_of(first))
    stale = next_open(panel_b)
    assert not stale.mine and "did not start" in panel_b.status_text
    line = panel_b.answer(stale.callback_id, "DENY")
    assert line.level == "warn"
    assert "already answered, from another panel" in line.text and "timed out" in line.text
    assert stale.state == "closed"
    assert panel_b.answer(stale.callback_id, "DENY").text.endswith("nothing sent.")

    second = next_open(panel_a, "calculator")
    panel_a.answer(second.callback_id, "APPROVE")
    finish(panel_a, arn)

    # A stale copy after the execution has ended.
    sqs.send_message(QueueUrl=queue, MessageBody=body_of(second))
    late = next_open(panel_b)
    line = panel_b.answer(late.callback_id, "APPROVE")
    assert "its execution has already ended (SUCCEEDED)" in line.text
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

    shown = Inbox(lam, sqs, queue)  # others="show": a card marked as someone else's
    sqs.send_message(QueueUrl=queue, MessageBody=body)
    request = next_open(shown)
    assert not request.mine and "this panel did not start it" in shown.status_text
    line = shown.answer(request.callback_id, "APPROVE")
    assert line.level == "warn" and "does not know its callback id" in line.text
    assert queue_count(sqs, queue) == 0

    hidden = Inbox(lam, sqs, queue, others="hide")  # left on the queue for its owner
    sqs.send_message(QueueUrl=queue, MessageBody=body)
    until(lambda: "left on the queue" in hidden.status_text, lambda: hidden.poll(1))
    assert hidden.requests == {} and queue_count(sqs, queue) == 1
    hidden.track(ghost)  # adopting the execution shows the request at the next poll
    assert [r.callback_id for r in hidden.poll()] == ["bm90LWEtY2FsbGJhY2s="]
    assert hidden.requests["bm90LWEtY2FsbGJhY2s="].mine


def test_pickup_after_a_kernel_restart(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str], function: tuple[str, str]
) -> None:
    old = Inbox(lam, sqs, queue)
    arn = start()
    old.track(arn)
    held = next_open(old)  # the old kernel holds the message (invisible to others) and dies

    new = Inbox(lam, sqs, queue)
    name, version = function
    found = new.recover(function_name=name, qualifier=version)
    picked = next(r for r in found if r.execution_arn == arn)
    assert (picked.callback_id, picked.source, picked.label) == (
        held.callback_id,
        "history",
        "approve #1",
    )
    assert picked.tool is None and picked.mine and "Recovered" in new.status_text
    assert [c.name for c in open_callbacks(lam, arn)] == ["approve #1"]
    assert new.answer(picked.callback_id, "APPROVE", "after restart").level == "ok"

    # The second request reaches the old panel first; it hands its messages back (release),
    # so the new panel gets them at once, including the first one, already answered.
    second = next_open(old, "calculator")
    assert old.release() == 2
    request = next_open(new, "calculator")
    until(lambda: picked.tool == "search_docs", lambda: new.poll(1))  # the message fills in
    assert request.callback_id == second.callback_id
    new.answer(request.callback_id, "DENY")
    result = finish(new, arn)
    assert [d["decision"] for d in result["decisions"]] == ["APPROVE", "DENY"]
    assert result["decisions"][0]["comment"] == "after restart"
    assert open_callbacks(lam, arn) == []
    until(lambda: queue_count(sqs, queue) == 0, lambda: new.poll(wait_seconds=1))


def test_recover_by_alias_and_wait_for_the_held_message(
    lam: Any, sqs: Any, queue: str, function: tuple[str, str]
) -> None:
    """Notebook 04's recovery after a real restart: no release(), the dead panel's message
    stays in flight. recover() by alias finds the execution (filed under its version), and
    the panel polls on after the execution ended until that message is back, then deletes it:
    left on the queue, a later panel would show it as another execution's new request."""
    name, version = function
    for leftover in running_executions(lam, name):  # recover() adopts every running one
        lam.stop_durable_execution(DurableExecutionArn=leftover)
    alias = f"live-{uuid.uuid4().hex[:6]}"
    lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
    event = {"question": "After a restart?", "queue_url": queue, "tools": TOOLS}
    reply = lam.invoke(
        FunctionName=name, Qualifier=alias, InvocationType="Event", Payload=json.dumps(event)
    )
    arn = str(reply["DurableExecutionArn"])
    assert f":{version}/durable-execution/" in arn  # a version, never the alias
    old = Inbox(lam, sqs, queue, visibility_timeout=5)
    old.track(arn)
    held = next_open(old)  # received, never deleted: the kernel dies with it

    panel = ApprovalPanel(
        Inbox(lam, sqs, queue, visibility_timeout=5), start=lambda _q: arn, poll_seconds=1
    )
    found = panel.recover(function_name=name, qualifier=alias)
    assert [(r.callback_id, r.execution_arn) for r in found] == [(held.callback_id, arn)]
    panel.cards[held.callback_id].approve.click()
    second = until(lambda: len(panel.cards) == 2 and list(panel.cards.values())[1])
    second.deny.click()
    until(lambda: panel.inbox.executions[arn].done)  # the poller refreshes the status

    until(lambda: queue_count(sqs, queue) == 0)  # nobody polls here but the panel's thread
    until(lambda: panel._thread is None or not panel._thread.is_alive())  # then it stops
    assert [c.request.tool for c in panel.cards.values()] == list(TOOLS)  # filled in
    assert "duplicate" not in panel.status_text and "New request #3" not in panel.status_text


def test_a_request_whose_message_a_dead_panel_took_shows_from_history(
    lam: Any, sqs: Any, queue: str, function: tuple[str, str]
) -> None:
    """The dead kernel's last long poll takes the next request's message after the restart:
    it would stay hidden a whole visibility timeout. The history knows the callback, so a
    recovered execution's request shows from there once its message is overdue."""
    name, version = function
    event = {"question": "Overdue?", "queue_url": queue, "tools": TOOLS[:2]}
    reply = lam.invoke(
        FunctionName=name, Qualifier=version, InvocationType="Event", Payload=json.dumps(event)
    )
    arn = str(reply["DurableExecutionArn"])
    dead = Inbox(lam, sqs, queue, visibility_timeout=60)
    dead.track(arn)
    first = next_open(dead)  # the kernel dies holding this message...
    new = Inbox(lam, sqs, queue, visibility_timeout=60)
    assert [r.callback_id for r in new.recover([arn])] == [first.callback_id]
    assert new.adopt_overdue(after_s=0) == []  # nothing else is waiting yet
    new.answer(first.callback_id, "APPROVE")
    second = until(  # ...and its last poll, still running, takes the next one
        lambda: next((r for r in dead.pending() if r.callback_id != first.callback_id), None),
        lambda: dead.poll(wait_seconds=1),
    )

    assert new.adopt_overdue(after_s=60) == []  # not overdue yet: the message may come
    shown = until(lambda: new.adopt_overdue(after_s=0.5), lambda: time.sleep(0.2))

    assert [(r.callback_id, r.source, r.tool) for r in shown] == [
        (second.callback_id, "history", None)
    ]
    assert "its message has not come for 0 s" in new.status_text
    new.answer(second.callback_id, "DENY")
    decisions = finish(new, arn)["decisions"]
    assert [(d["tool"], d["decision"]) for d in decisions] == [
        (TOOLS[0], "APPROVE"),
        (TOOLS[1], "DENY"),
    ]


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


# --- a conversation waiting on an approval, recognised and answered by hand ----------------


def test_tool_uses_by_turn_reads_the_think_steps_in_either_encoding() -> None:
    plain = {"message": {"content": [{"text": "hi"}, {"toolUse": {"name": "calculate"}}]}}
    enveloped = {"t": "m", "v": {"message": {"t": "m", "v": {"content": {"t": "l", "v": [
        {"t": "m", "v": {"toolUse": {"t": "m", "v": {"name": {"t": "s", "v": "search_docs"}}}}},
        {"t": "m", "v": {"toolUse": {"t": "m", "v": {"name": {"t": "s", "v": "calculate"}}}}},
    ]}}}}}  # fmt: skip

    def think(n: int, result: Any) -> dict[str, Any]:
        details = {"Result": {"Payload": json.dumps(result)}}
        return {
            "EventType": "StepSucceeded",
            "Name": f"think #{n}",
            "StepSucceededDetails": details,
        }

    events = [
        think(1, enveloped),
        {"EventType": "StepSucceeded", "Name": "tool #1"},
        think(2, plain),
        {"EventType": "StepSucceeded", "Name": "think #3"},  # no data: read as no tool
    ]
    assert tool_uses_by_turn(events) == [["search_docs", "calculate"], ["calculate"], []]


def test_a_waiting_execution_is_recognised_and_its_requests_taken_from_the_queue(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    other = start("Somebody else's question")
    arn = start(copies=2)  # the submitter delivered twice
    until(lambda: open_callbacks(lam, arn) and open_callbacks(lam, other))

    waiting = waiting_for_approval(lam, arn)

    assert isinstance(waiting, Waiting) and [c.name for c in waiting.callbacks] == ["approve #1"]
    assert "waiting for a person to approve or deny (approve #1)" in str(waiting)
    (request,) = approval_requests(lam, sqs, queue, arn, wait_s=DEADLINE)
    assert (request.tool, request.label, request.number) == ("search_docs", "approve #1", 1)
    assert len(request.receipts) == 1
    # Answered by hand, as notebook 03 does: the callback, then the message.
    lam.send_durable_execution_callback_success(
        CallbackId=request.callback_id, Result=json.dumps({"decision": "DENY"})
    )
    for receipt in request.receipts.values():
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=receipt)
    (second,) = until(lambda: approval_requests(lam, sqs, queue, arn, wait_s=1) or None)
    assert second.tool == "calculator"
    lam.send_durable_execution_callback_success(
        CallbackId=second.callback_id, Result=json.dumps({"decision": "APPROVE"})
    )
    for receipt in second.receipts.values():
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=receipt)
    until(lambda: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED")
    assert waiting_for_approval(lam, arn) is None  # ended: nothing to wait for
    # The duplicate was deleted; the other execution's request is still there for its owner.
    inbox = Inbox(lam, sqs, queue)
    inbox.track(other)
    assert next_open(inbox).execution_arn == other
    assert [r.execution_arn for r in inbox.all_requests()] == [other]
