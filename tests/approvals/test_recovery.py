"""helpers.approvals.recovery: open callbacks from the history, and requests picked up
after a kernel restart, against an in-process local cloud (``approval_cloud``)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from approval_cloud import (  # noqa: F401 (the *_fixture names are fixtures)
    DEADLINE,
    TOOLS,
    approvals_cloud_fixture,
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

from helpers.approvals.cards import countdown
from helpers.approvals.inbox import Inbox
from helpers.approvals.panel import ApprovalPanel
from helpers.approvals.recovery import (
    Waiting,
    approval_requests,
    open_callbacks,
    running_executions,
    tool_uses_by_turn,
    waiting_for_approval,
)
from helpers.durable import Operation


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
    assert picked.deadline is None  # its callback has no timeout: no countdown
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
    assert new.recovery.adopt_overdue(after_s=0) == []  # nothing else is waiting yet
    new.answer(first.callback_id, "APPROVE")
    second = until(  # ...and its last poll, still running, takes the next one
        lambda: next((r for r in dead.pending() if r.callback_id != first.callback_id), None),
        lambda: dead.poll(wait_seconds=1),
    )

    assert new.recovery.adopt_overdue(after_s=60) == []  # not overdue yet: the message may come
    shown = until(lambda: new.recovery.adopt_overdue(after_s=0.5), lambda: time.sleep(0.2))

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


# --- a conversation waiting on an approval, recognised and answered by hand ----------------


def test_a_request_recovered_from_history_counts_down_to_its_callback_timeout(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    """Recovered before (or without) its message, a request has no requested_at: its
    deadline is its callback's start plus its timeout, read from the history, and its card
    counts down as a message's card does. The message, when it comes, keeps that clock."""
    arn = start("Countdown after a restart?", timeout=900)
    dead = Inbox(lam, sqs, queue, visibility_timeout=5)
    dead.track(arn)
    held = next_open(dead)  # the old kernel holds the message and dies

    panel = ApprovalPanel(Inbox(lam, sqs, queue, visibility_timeout=5), start=lambda _q: arn)
    (picked,) = panel.recover([arn])
    assert (picked.callback_id, picked.tool, picked.extra) == (held.callback_id, None, {})
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    (callback,) = [e for e in events if e["EventType"] == "CallbackStarted"]
    assert callback["CallbackStartedDetails"]["Timeout"] == 900
    assert picked.deadline == callback["EventTimestamp"].timestamp() + 900
    assert countdown(picked, now=picked.deadline - 75) == "answer within 1:15"
    assert "timeout has passed" in countdown(picked, now=picked.deadline + 1)
    state = panel.cards[picked.callback_id].state.value
    assert "approval-countdown" in state and "answer within 1" in state  # 14:xx or 15:00

    until(lambda: picked.tool == TOOLS[0], lambda: panel.poll(1))  # the message is back
    assert picked.deadline == callback["EventTimestamp"].timestamp() + 900
    panel.stop_polling()
    for tool in TOOLS:
        request = next_open(panel.inbox, tool)
        assert request.tool == tool
        panel.inbox.answer(request.callback_id, "APPROVE")
    finish(panel.inbox, arn)


def test_tool_uses_by_turn_reads_the_think_steps_in_either_encoding() -> None:
    plain = {"message": {"content": [{"text": "hi"}, {"toolUse": {"name": "calculate"}}]}}
    enveloped = {"t": "m", "v": {"message": {"t": "m", "v": {"content": {"t": "l", "v": [
        {"t": "m", "v": {"toolUse": {"t": "m", "v": {"name": {"t": "s", "v": "search_docs"}}}}},
        {"t": "m", "v": {"toolUse": {"t": "m", "v": {"name": {"t": "s", "v": "calculate"}}}}},
    ]}}}}}  # fmt: skip

    def think(n: int, result: Any) -> Operation:
        return Operation("Step", f"think #{n}", n, n, "SUCCEEDED", result=json.dumps(result))

    events = [
        think(1, enveloped),
        Operation("Step", "tool #1", 1.5, 1.6, "SUCCEEDED"),
        think(2, plain),
        Operation("Step", "think #3", 3, 3.1, "SUCCEEDED"),  # no data: read as no tool
    ]
    assert tool_uses_by_turn(events) == [["search_docs", "calculate"], ["calculate"], []]


def test_a_waiting_execution_is_recognised_and_its_requests_taken_from_the_queue(
    lam: Any, sqs: Any, queue: str, start: Callable[..., str]
) -> None:
    other = start("Somebody else's question")
    arn = start(copies=2)  # the submitter delivered twice
    until(lambda: open_callbacks(lam, arn) and open_callbacks(lam, other))
    # The submitter sends its copies after the callback opens: read once all three are in.
    until(lambda: queue_count(sqs, queue) == 3)

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
    until(lambda: queue_count(sqs, queue) == 3)  # the other's, and the second request twice
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
