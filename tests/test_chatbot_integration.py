"""The chatbot end to end on the local cloud, with boto3 only, as a workshop attendee runs it.

Deploy with the helpers, ask a question that needs three tools, read each approval request
from SQS and answer its callback (APPROVE, DENY, APPROVE, as in the talk), fetch the report
by its presigned URL, clean up, and check that nothing with the prefix is left.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from helpers import deploy
from helpers.deploy import Bundle, Names
from helpers.localcloud import model
from helpers.target import Target
from helpers.teardown import cleanup, leftovers

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (ROOT / "lambda_fn" / "app.py").exists(),
        reason="lambda_fn/app.py (the chatbot's handler) is not written yet",
    ),
]

PREFIX = "it-chat"
# A document fact, a number and a price: search_docs, calculate, estimate_lambda_cost.
QUERY = (
    "What happens to a durable execution while a callback waits for approval, "
    "what is 3 * 17.5, and what would 1000 executions at 512 MB cost?"
)
DECISIONS = ["APPROVE", "DENY", "APPROVE"]
REQUIRED = {"execution_arn", "callback_id", "tool", "input"}


def answer_approvals(
    target: Target,
    queue_url: str,
    execution_arn: str,
    decisions: list[str] | dict[str, str],
    timeout: float = 60,
) -> list[dict[str, Any]]:
    """Answer each approval request of the execution in order (a list) or by its tool (a
    mapping; unnamed tools approved), until it ends.

    The submitter is at least once: a second message with a known callback id is dropped.
    """
    sqs, lam = target.client("sqs"), target.client("lambda")
    answered: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while lam.get_durable_execution(DurableExecutionArn=execution_arn)["Status"] == "RUNNING":
        assert time.monotonic() < deadline, f"still RUNNING after {timeout} s: {answered}"
        reply = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in reply.get("Messages", []):
            request = json.loads(message["Body"])
            assert request.keys() >= REQUIRED, request
            assert request["execution_arn"] == execution_arn
            if all(a["callback_id"] != request["callback_id"] for a in answered):
                if isinstance(decisions, dict):
                    decision = decisions.get(request["tool"], "APPROVE")
                else:
                    decision = (
                        decisions[len(answered)] if len(answered) < len(decisions) else "APPROVE"
                    )
                result = {"decision": decision, "comment": f"{decision.lower()}d by the test"}
                lam.send_durable_execution_callback_success(
                    CallbackId=request["callback_id"], Result=json.dumps(result).encode()
                )
                answered.append({**request, "decision": decision})
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return answered


def step_names(lam: Any, execution_arn: str) -> list[str]:
    events = lam.get_durable_execution_history(DurableExecutionArn=execution_arn)["Events"]
    return [e["Name"] for e in events if e.get("EventType") == "StepStarted" and e.get("Name")]


def test_a_conversation_with_approvals_end_to_end(target: Target, real_bundle: Bundle) -> None:
    names = Names.for_target(target, PREFIX)
    lam = target.client("lambda")
    try:
        deployment = deploy.deploy_chatbot(target, names, bundle=real_bundle)
        arn = deploy.start_execution(target, names, {"query": QUERY})

        answered = answer_approvals(target, deployment.queue_url, arn, DECISIONS)
        details = lam.get_durable_execution(DurableExecutionArn=arn)
        assert details["Status"] == "SUCCEEDED", details.get("Error")
        result = json.loads(details["Result"])

        assert set(result) >= {"answer", "report_url", "decisions"}
        assert [a["tool"] for a in answered] == [
            "search_docs", "calculate", "estimate_lambda_cost",
        ]  # fmt: skip
        assert [(d["tool"], d["decision"]) for d in result["decisions"]] == [
            (a["tool"], a["decision"]) for a in answered
        ]
        assert "52.5" not in result["answer"]  # the calculation was denied: no value for it

        # The denied tool never ran: no "tool #2" step, the approved ones did run.
        steps = step_names(lam, arn)
        assert "tool #1" in steps and "tool #3" in steps and "tool #2" not in steps

        # The private bucket's report, through the presigned URL the handler returned.
        with urllib.request.urlopen(result["report_url"], timeout=10) as response:
            report = response.read().decode()
        assert "3 * 17.5" in report
        for tool in ("search_docs", "calculate", "estimate_lambda_cost"):
            assert tool in report
        assert "DENY" in report and "APPROVE" in report

        # JSON logs (LoggingConfig) in the log group the deploy created.
        logs = target.client("logs")
        deadline = time.monotonic() + 10
        while True:
            events = logs.filter_log_events(logGroupName=names.log_group)["events"]
            reports = [e for e in events if '"platform.report"' in e["message"]]
            if reports or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert reports, "no JSON platform.report record in the function's log group"
    finally:
        cleanup(target, PREFIX)
    assert leftovers(target, PREFIX) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_live_model_conversation_holds_by_tool_name(
    target: Target, real_bundle: Bundle, seed: int
) -> None:
    """The local cloud's live model (as LOCALCLOUD_MODEL=live LOCALCLOUD_MODEL_SEED=seed):
    whatever it proposes, in whatever order or grouping, the calculation is denied and
    never runs, and the result's decisions are the ones the requests got."""
    previous = model.configure(model.ModelSettings(model.LIVE, seed))
    names = Names.for_target(target, f"it-live{seed}")
    lam = target.client("lambda")
    try:
        deployment = deploy.deploy_chatbot(target, names, bundle=real_bundle)
        arn = deploy.start_execution(target, names, {"query": QUERY})

        answered = answer_approvals(target, deployment.queue_url, arn, {"calculate": "DENY"})
        details = lam.get_durable_execution(DurableExecutionArn=arn)
        assert details["Status"] == "SUCCEEDED", details.get("Error")
        result = json.loads(details["Result"])
        assert [(d["tool"], d["decision"]) for d in result["decisions"]] == [
            (a["tool"], a["decision"]) for a in answered
        ]
        assert all(a["decision"] == ("DENY" if a["tool"] == "calculate" else "APPROVE")
                   for a in answered)  # fmt: skip
        steps = step_names(lam, arn)
        for a in answered:
            assert (f"tool #{a['proposal']}" in steps) == (a["decision"] == "APPROVE")
        if any(a["tool"] == "calculate" for a in answered):
            assert "52.5" not in result["answer"]
    finally:
        model.configure(previous)
        cleanup(target, f"it-live{seed}")
    assert leftovers(target, f"it-live{seed}") == []
