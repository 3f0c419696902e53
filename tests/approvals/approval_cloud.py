"""The approvals tests' local cloud: an in-process one and a tiny durable function.

The function waits for two approvals with ``context.wait_for_callback``; its submitter
sends contract-shaped requests to the SQS queue named in the event (``copies`` of each, to
play the at-least-once submitter) and it returns the decisions. Loops that wait for
something have a deadline only to fail instead of hanging; nothing asserts on timing.

A test module takes the fixtures by importing them (``lam_fixture`` is the fixture ``lam``).
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
from conftest import create_function_when_role_ready

from helpers.approvals import Inbox, Request
from helpers.localcloud import LocalCloud

HANDLER = """
import json

import boto3
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def handler(event, context: DurableContext) -> dict:
    arn = context.execution_context.durable_execution_arn
    decisions = []
    timeout = event.get("timeout")  # seconds; none: the callbacks never time out
    config = WaitForCallbackConfig(timeout=Duration.from_seconds(timeout)) if timeout else None
    for turn, tool in enumerate(event["tools"], 1):
        def submit(callback_id, _ctx, tool=tool, turn=turn):
            body = json.dumps({"execution_arn": arn, "callback_id": callback_id, "tool": tool,
                               "input": {"query": event["question"], "turn": turn},
                               "turn": turn, "question": event["question"]})
            sqs = boto3.client("sqs")
            for _ in range(event.get("copies", 1)):
                sqs.send_message(QueueUrl=event["queue_url"], MessageBody=body)

        answer = json.loads(
            context.wait_for_callback(submit, name=f"approve #{turn}", config=config)
        )
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


@pytest.fixture(scope="module", name="approvals_cloud")
def approvals_cloud_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(tmp_path_factory.mktemp("approvals")) as cloud:
        yield cloud


@pytest.fixture(scope="module", name="lam")
def lam_fixture(approvals_cloud: LocalCloud) -> Any:
    return approvals_cloud.client("lambda")


@pytest.fixture(scope="module", name="sqs")
def sqs_fixture(approvals_cloud: LocalCloud) -> Any:
    return approvals_cloud.client("sqs")


@pytest.fixture(scope="module", name="function")
def function_fixture(approvals_cloud: LocalCloud, lam: Any) -> tuple[str, str]:
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


@pytest.fixture(name="queue")
def queue_fixture(sqs: Any) -> str:
    return str(sqs.create_queue(QueueName=f"approvals-{uuid.uuid4().hex[:8]}")["QueueUrl"])


@pytest.fixture(name="start")
def start_fixture(lam: Any, function: tuple[str, str], queue: str) -> Callable[..., str]:
    """``start(question, copies=1, timeout=None) -> execution_arn``: what notebook 04
    passes the panel (``timeout``: each approval's callback timeout, seconds)."""
    name, version = function

    def run(
        question: str = "What does a wait cost?", copies: int = 1, timeout: int | None = None
    ) -> str:
        event = {"question": question, "queue_url": queue, "tools": TOOLS, "copies": copies}
        if timeout:
            event["timeout"] = timeout
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
