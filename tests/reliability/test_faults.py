"""Faults inside a tool step, on the local cloud: retried by the step's strategy, never silent.

The chatbot is deployed with one extra module, ``faulty.py``, whose handler is the real one
with a calculator that fails its first ``FAULT_TIMES`` runs: by raising (a throttled or
unreachable service) or by killing the Lambda process mid-step (``os._exit``: what an
out-of-memory kill or a segfault does). Runs are counted in a directory, because each
attempt may run in a different worker process. A person approves the calculation through
SQS and the callback API, as the panel does; then the execution's result, its history, its
report (fetched by the presigned URL) and its CloudWatch logs must tell the same story.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers.localcloud import LocalCloud
from lambda_fn.app import TOOL_ATTEMPTS

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "What is 52.1 divided by 4?"

FAULTY = '''
"""The chatbot, with a calculator that fails its first FAULT_TIMES runs (FAULT: raise|exit)."""
import os
from dataclasses import replace
from pathlib import Path

from lambda_fn import tools
from lambda_fn.app import handler  # noqa: F401  (the function's handler: faulty.handler)

REAL = tools.TOOLS["calculate"]


def calculate(args):
    runs = Path(os.environ["FAULT_DIR"])
    earlier = len(list(runs.iterdir()))
    (runs / f"run-{earlier + 1}").touch()
    if earlier < int(os.environ["FAULT_TIMES"]):
        if os.environ["FAULT"] == "exit":
            os._exit(1)  # the process dies mid-step: no exception, no checkpoint
        raise TimeoutError("the calculator service did not answer")
    return REAL.run(args)


tools.TOOLS["calculate"] = replace(REAL, run=calculate)
'''


def kit_sources() -> dict[str, str]:
    """lambda_fn as the deploy zips it (code and documents), plus faulty.py."""
    files = {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "lambda_fn").rglob("*"))
        if path.is_file() and path.suffix in {".py", ".md"} and "__pycache__" not in path.parts
    }
    return {**files, "faulty.py": FAULTY}


Deploy = Callable[[str, int], tuple[str, Path]]
Converse = Callable[[str], dict[str, Any]]


@pytest.fixture(scope="module")
def chatbot(
    cloud: LocalCloud,
    client: Callable[[str], Any],
    deploy_with: Callable[..., str],
    name: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deploy]:
    """``chatbot(fault, times) -> (function name, runs dir)``: one function per case."""
    queue_url = client("sqs").create_queue(QueueName=name("faults"))["QueueUrl"]
    bucket = name("faults")
    client("s3").create_bucket(Bucket=bucket)

    def deploy(fault: str, times: int) -> tuple[str, Path]:
        function = name(f"faulty-{fault}")
        runs = tmp_path_factory.mktemp(function)
        env = {
            "MODEL_ID": "us.amazon.nova-lite-v1:0",  # checked per Region, as Bedrock does
            "QUEUE_URL": queue_url,
            "BUCKET": bucket,
            "APPROVAL_TIMEOUT_SECONDS": "120",
            "FAULT": fault,
            "FAULT_TIMES": str(times),
            "FAULT_DIR": str(runs),
        }
        deploy_with(
            client,
            function,
            kit_sources(),
            Handler="faulty.handler",
            Timeout=60,
            Environment={"Variables": env},
        )
        return function, runs

    yield deploy


@pytest.fixture
def converse(
    client: Callable[[str], Any],
    name: Callable[[str], str],
    callback_id: Callable[..., str],
    wait_done: Callable[..., dict[str, Any]],
) -> Converse:
    """``converse(function)``: ask QUESTION, approve the one request as the panel would (take
    the SQS message, answer its callback, delete it) and return the ended execution."""

    def run(function: str) -> dict[str, Any]:
        lam, sqs = client("lambda"), client("sqs")
        variables = lam.get_function_configuration(FunctionName=function)["Environment"]
        queue_url = variables["Variables"]["QUEUE_URL"]
        reply = lam.invoke(
            FunctionName=f"{function}:1",
            InvocationType="Event",
            DurableExecutionName=name("chat"),
            Payload=json.dumps({"query": QUESTION}).encode(),
        )
        arn = reply["DurableExecutionArn"]
        (message,) = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20)["Messages"]
        request = json.loads(message["Body"])
        assert request["callback_id"] == callback_id(arn, timeout=60)
        lam.send_durable_execution_callback_success(
            CallbackId=request["callback_id"], Result=json.dumps({"decision": "APPROVE"}).encode()
        )
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return wait_done(arn, timeout=120)

    return run


def report(details: dict[str, Any]) -> str:
    url = json.loads(details["Result"])["report_url"]
    with urllib.request.urlopen(url, timeout=10) as reply:
        return str(reply.read().decode("utf-8"))


def tool_events(client: Callable[[str], Any], arn: str) -> list[dict[str, Any]]:
    events = client("lambda").get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    return [e for e in events if e.get("Name") == "tool #1"]


def log_text(client: Callable[[str], Any], function: str, needle: str, timeout: float = 15) -> str:
    """The function's log lines, once one of them contains ``needle`` (delivery lags)."""
    logs = client("logs")
    deadline = time.monotonic() + timeout
    while True:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
        text = "\n".join(e["message"] for e in events)
        if needle in text or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def test_a_tool_that_raises_once_is_retried_and_the_report_says_so(
    chatbot: Deploy, converse: Converse, client: Callable[[str], Any]
) -> None:
    function, runs = chatbot("raise", 1)

    details = converse(function)

    assert details["Status"] == "SUCCEEDED", details.get("Error")
    assert len(list(runs.iterdir())) == 2  # one crash, one retry that worked
    result = json.loads(details["Result"])
    assert "52.1 / 4 = 13.025" in result["answer"]
    assert "it ran on attempt 2, after 1 crashed attempt" in report(details)
    logs = log_text(client, function, "calculate crashed on attempt 1")
    assert "calculate crashed on attempt 1: TimeoutError" in logs
    events = tool_events(client, details["DurableExecutionArn"])
    assert [e["EventType"] for e in events] == [
        "StepStarted",
        "StepFailed",
        "StepStarted",
        "StepSucceeded",
    ]


def test_a_tool_that_keeps_raising_fails_visibly_and_the_conversation_ends(
    chatbot: Deploy, converse: Converse, client: Callable[[str], Any]
) -> None:
    function, runs = chatbot("raise", 100)

    details = converse(function)

    assert details["Status"] == "SUCCEEDED", details.get("Error")
    assert len(list(runs.iterdir())) == TOOL_ATTEMPTS
    result = json.loads(details["Result"])
    assert result["decisions"][0]["decision"] == "APPROVE"
    assert "calculate" in result["answer"]
    text = report(details)
    assert f"approved; it crashed on all {TOOL_ATTEMPTS} attempts" in text
    assert "TimeoutError: the calculator service did not answer" in text
    logs = log_text(client, function, f"failed {TOOL_ATTEMPTS} times")
    for attempt in range(1, TOOL_ATTEMPTS + 1):
        assert f"calculate crashed on attempt {attempt}: TimeoutError" in logs
    events = tool_events(client, details["DurableExecutionArn"])
    assert any(e["EventType"] == "StepFailed" for e in events), events


def test_a_process_killed_mid_step_is_invoked_again_and_the_tool_runs(
    chatbot: Deploy, converse: Converse, client: Callable[[str], Any]
) -> None:
    function, runs = chatbot("exit", 1)

    details = converse(function)

    assert details["Status"] == "SUCCEEDED", details.get("Error")
    assert len(list(runs.iterdir())) == 2  # killed once, then run again by a new invocation
    assert "52.1 / 4 = 13.025" in json.loads(details["Result"])["answer"]
    # Lambda's record of the dead process is in the logs, as on AWS.
    logs = log_text(client, function, "Runtime.ExitError")
    assert "Runtime.ExitError" in logs
    # The dead attempt was START-checkpointed (at most once per attempt), so the retry knows
    # it is attempt 2, and the report shows the crash instead of hiding it.
    assert "it ran on attempt 2, after 1 crashed attempt" in report(details)
    # The dead invocation is in the history, with its error, as AWS records it: it was
    # billed, and the cost lesson joins it to its REPORT record.
    history = client("lambda").get_durable_execution_history(
        DurableExecutionArn=details["DurableExecutionArn"]
    )["Events"]
    died = [
        e["InvocationCompletedDetails"]
        for e in history
        if e["EventType"] == "InvocationCompleted" and "Error" in e["InvocationCompletedDetails"]
    ]
    assert [d["Error"]["Payload"]["ErrorType"] for d in died] == ["Runtime.ExitError"]
    assert died[0]["RequestId"] in logs  # its START/END/REPORT records
