"""The chatbot handler, run in-process by the testing SDK's ``DurableFunctionTestRunner``.

The handler's own AWS calls (Bedrock Converse, SQS, S3) go to an in-process local cloud
through ``AWS_ENDPOINT_URL``, so the workshop model answers and the approval requests are
real SQS messages: each test reads them as a person would and answers the callback with
the id the message carries. Spies on the model and the tools count what really ran.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python.serdes import ExtendedTypeSerDes
from aws_durable_execution_sdk_python_testing.runner import (
    ContextOperation,
    DurableFunctionTestResult,
    DurableFunctionTestRunner,
    StepOperation,
)

import lambda_fn.model_client
import lambda_fn.tools
from helpers.localcloud import LocalCloud, model
from lambda_fn.app import TOOL_ATTEMPTS, handler

ARITHMETIC = "What is 52.1 divided by 4?"
# A document fact, a number and a price: three proposals, as in the talk.
THREE_TOOLS = (
    "How are callbacks billed, what is 52.1 / 4, and what would 1000 executions at 1 GB "
    "and 13 s cost?"
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Conversation:
    arn: str
    result: DurableFunctionTestResult
    requests: list[dict[str, Any]]  # the approval messages read from SQS, in order

    @property
    def output(self) -> dict[str, Any]:
        assert self.result.result is not None, self.result.error
        return json.loads(self.result.result)

    @property
    def names(self) -> list[str | None]:
        return [op.name for op in self.result.operations]

    def step(self, name: str) -> Any:
        op = self.result.get_step(name)
        assert isinstance(op, StepOperation) and op.result is not None
        return ExtendedTypeSerDes().deserialize(op.result)  # the SDK's checkpoint encoding


@dataclass
class Chatbot:
    runner: DurableFunctionTestRunner
    sqs: Any
    queue_url: str
    tool_runs: list[tuple[str, Any]] = field(default_factory=list)
    model_requests: list[dict[str, Any]] = field(default_factory=list)
    invocations: int = 0

    def talk(self, query: str, answers: list[str | Callable[[str], None] | None]) -> Conversation:
        """Start a conversation and answer its approval requests in order: a decision
        string, a function of the callback id, or None to let the approval time out."""
        arn = self.runner.run_async(
            input=json.dumps({"query": query}), execution_timeout=120, execution_name=unique("chat")
        )
        requests = []
        for answer in answers:
            request = self.next_request()
            requests.append(request)
            # Answer once the execution sleeps, as a person would: the testing runner hands
            # out a callback id only after the invocation that created it has ended.
            name = f"approve #{request['proposal']} create callback id"
            assert self.runner.wait_for_callback(arn, name=name) == request["callback_id"]
            if callable(answer):
                answer(request["callback_id"])
            elif answer is not None:
                body = {"decision": answer, **({"comment": "not now"} if answer == "DENY" else {})}
                self.runner.send_callback_success(request["callback_id"], json.dumps(body).encode())
        result = self.runner.wait_for_result(arn, timeout=60)
        leftover = self.sqs.receive_message(QueueUrl=self.queue_url, WaitTimeSeconds=0)
        assert not leftover.get("Messages"), "an approval request nobody expected"
        return Conversation(arn, result, requests)

    def next_request(self, timeout: int = 15) -> dict[str, Any]:
        for _ in range(timeout):
            reply = self.sqs.receive_message(QueueUrl=self.queue_url, WaitTimeSeconds=1)
            for message in reply.get("Messages", []):
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
                return json.loads(message["Body"])
        raise AssertionError(f"no approval request on SQS within {timeout} s")


@pytest.fixture
def chatbot(
    cloud: LocalCloud, client: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Chatbot]:
    queue_url = client("sqs").create_queue(QueueName=unique("approvals"))["QueueUrl"]
    bucket = unique("reports")
    client("s3").create_bucket(Bucket=bucket)
    env = {
        "AWS_ENDPOINT_URL": cloud.endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "MODEL_ID": "us.amazon.nova-lite-v1:0",  # the local cloud checks ids per Region
        "QUEUE_URL": queue_url,
        "BUCKET": bucket,
        "APPROVAL_TIMEOUT_SECONDS": "60",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "MAX_TURNS", "REPORT_URL_EXPIRES"):
        monkeypatch.delenv(name, raising=False)

    def counted_handler(event: Any, context: Any) -> Any:
        bot.invocations += 1
        return handler(event, context)

    runner = DurableFunctionTestRunner(handler=counted_handler, poll_interval=0.05)
    bot = Chatbot(runner, client("sqs"), queue_url)
    run_tool, answer = lambda_fn.tools.run_tool, model.answer

    def spy_tool(name: str, tool_input: Any) -> Any:
        bot.tool_runs.append((name, tool_input))
        return run_tool(name, tool_input)

    def spy_model(model_id: str, request: dict[str, Any]) -> dict[str, Any]:
        bot.model_requests.append(json.loads(json.dumps(request)))
        return answer(model_id, request)

    monkeypatch.setattr(lambda_fn.tools, "run_tool", spy_tool)
    monkeypatch.setattr(model, "answer", spy_model)
    try:
        yield bot
    finally:
        runner.close()


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.read().decode("utf-8")


def test_approved_tool_runs_and_the_model_answers_with_its_result(chatbot: Chatbot) -> None:
    talk = chatbot.talk(ARITHMETIC, ["APPROVE"])

    assert talk.result.status.value == "SUCCEEDED"
    assert talk.names == ["think #1", "approve #1", "tool #1", "think #2", "report"]
    assert talk.step("tool #1") == {
        "result": {"status": "success", "content": {"expression": "52.1 / 4", "result": 13.025}},
        "attempt": 1,
    }
    assert chatbot.tool_runs == [("calculate", {"expression": "52.1 / 4"})]
    output = talk.output
    assert set(output) == {"answer", "report_url", "decisions"}
    assert "52.1 / 4 = 13.025" in output["answer"]
    assert output["decisions"] == [
        {"tool": "calculate", "decision": "APPROVE", "comment": None, "timed_out": False}
    ]


def test_the_approval_request_on_sqs_carries_the_callback_of_the_history(chatbot: Chatbot) -> None:
    talk = chatbot.talk(ARITHMETIC, ["APPROVE"])

    (request,) = talk.requests
    approve = talk.result.get_context("approve #1")
    assert isinstance(approve, ContextOperation)
    callback = approve.get_callback("approve #1 create callback id")
    assert request["callback_id"] == callback.callback_id
    assert request["execution_arn"] == talk.arn
    assert request["tool"] == "calculate"
    assert request["input"] == {"expression": "52.1 / 4"}
    assert (request["proposal"], request["turn"]) == (1, 1)
    assert request["query"] == ARITHMETIC
    assert request["timeout_seconds"] == 60
    assert request["tool_use_id"].startswith("tooluse_")
    assert request["explanation"] and request["requested_at"]


def test_denied_tool_never_runs_and_the_model_is_told(chatbot: Chatbot) -> None:
    talk = chatbot.talk(ARITHMETIC, ["DENY"])

    assert talk.result.status.value == "SUCCEEDED"
    assert talk.names == ["think #1", "approve #1", "think #2", "report"]
    assert chatbot.tool_runs == []
    told = chatbot.model_requests[-1]["messages"][-1]["content"][0]["toolResult"]
    assert told["status"] == "error"
    assert "denied" in told["content"][0]["json"]["error"]
    output = talk.output
    assert output["decisions"] == [
        {"tool": "calculate", "decision": "DENY", "comment": "not now", "timed_out": False}
    ]
    assert "denied" in output["answer"] and "13.025" not in output["answer"]
    report = fetch(output["report_url"])
    assert "denied; it did not run" in report and "not now" in report


def test_a_japanese_question_hears_the_refusal_and_gets_the_report_in_japanese(
    chatbot: Chatbot,
) -> None:
    talk = chatbot.talk("52.1 / 4 はいくつですか？", ["DENY"])

    assert talk.result.status.value == "SUCCEEDED"
    told = chatbot.model_requests[-1]["messages"][-1]["content"][0]["toolResult"]
    refusal = "ツール呼び出しのレビュー担当者がこの呼び出しを却下したため、実行されていません"
    assert told["content"][0]["json"] == {"error": refusal, "comment": "not now"}
    assert refusal in talk.output["answer"]  # the workshop model quotes what it heard
    report = fetch(talk.output["report_url"])
    assert report.startswith("# チャットボットのレポート\n")
    assert "| 1 | 1 | `calculate` | DENY | 却下され、実行されませんでした |" in report


def test_approve_deny_approve_like_the_talk(chatbot: Chatbot) -> None:
    talk = chatbot.talk(THREE_TOOLS, ["APPROVE", "DENY", "APPROVE"])

    assert talk.names == [
        "think #1", "approve #1", "tool #1",
        "think #2", "approve #2",
        "think #3", "approve #3", "tool #3",
        "think #4", "report",
    ]  # fmt: skip
    assert [r["tool"] for r in talk.requests] == [
        "search_docs",
        "calculate",
        "estimate_lambda_cost",
    ]
    assert [r["proposal"] for r in talk.requests] == [1, 2, 3]
    assert [name for name, _ in chatbot.tool_runs] == ["search_docs", "estimate_lambda_cost"]
    output = talk.output
    assert [(d["tool"], d["decision"]) for d in output["decisions"]] == [
        ("search_docs", "APPROVE"),
        ("calculate", "DENY"),
        ("estimate_lambda_cost", "APPROVE"),
    ]
    assert "From the notes on" in output["answer"]
    assert "$0.2169" in output["answer"]  # 1000 x 13 s at 1 GB
    report = fetch(output["report_url"])
    assert THREE_TOOLS in report
    for line in (
        "| 1 | 1 | `search_docs` | APPROVE |",
        "| 2 | 2 | `calculate` | DENY |",
        "| 3 | 3 | `estimate_lambda_cost` | APPROVE |",
    ):
        assert line in report


def test_no_answer_in_time_counts_as_denied(
    chatbot: Chatbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROVAL_TIMEOUT_SECONDS", "1")

    talk = chatbot.talk(ARITHMETIC, [None])

    assert talk.result.status.value == "SUCCEEDED"
    assert talk.requests[0]["timeout_seconds"] == 1
    assert talk.names == ["think #1", "approve #1", "think #2", "report"]
    assert chatbot.tool_runs == []
    output = talk.output
    assert output["decisions"] == [
        {"tool": "calculate", "decision": "DENY", "comment": None, "timed_out": True}
    ]
    assert "nobody approved this call within 1 s" in output["answer"]
    assert "no answer within 1 s, so it counts as denied" in fetch(output["report_url"])


@pytest.mark.parametrize("answer", ["APPROVE please", json.dumps({"decision": "yes"})])
def test_an_unreadable_answer_counts_as_denied(chatbot: Chatbot, answer: str) -> None:
    def send(callback_id: str) -> None:
        chatbot.runner.send_callback_success(callback_id, answer.encode())

    talk = chatbot.talk(ARITHMETIC, [send])

    assert chatbot.tool_runs == []
    (decision,) = talk.output["decisions"]
    assert decision["decision"] == "DENY" and "unreadable answer" in decision["comment"]


def test_a_callback_failure_counts_as_denied(chatbot: Chatbot) -> None:
    def fail(callback_id: str) -> None:
        chatbot.runner.send_callback_failure(
            callback_id,
            ErrorObject(message="reviewer offline", type="Offline", data=None, stack_trace=None),
        )

    talk = chatbot.talk(ARITHMETIC, [fail])

    assert talk.result.status.value == "SUCCEEDED"
    assert chatbot.tool_runs == []
    (decision,) = talk.output["decisions"]
    assert decision["decision"] == "DENY" and "reviewer offline" in decision["comment"]


def test_unknown_tool_is_an_error_result_without_asking_anybody(chatbot: Chatbot) -> None:
    talk = chatbot.talk("Please use the tool get_weather for Tokyo", [])

    assert talk.result.status.value == "SUCCEEDED"
    assert talk.names == ["think #1", "think #2", "report"]
    assert chatbot.tool_runs == []
    output = talk.output
    assert output["decisions"] == []
    assert "unknown tool 'get_weather'" in output["answer"]
    assert "not a tool of this chatbot" in fetch(output["report_url"])


def test_bad_tool_input_is_an_error_result_not_a_failure(chatbot: Chatbot) -> None:
    talk = chatbot.talk("What is 10 ** 1000?", ["APPROVE"])

    assert talk.result.status.value == "SUCCEEDED"
    assert talk.step("tool #1")["result"]["status"] == "error"
    assert len(chatbot.tool_runs) == 1  # a bad input is not retried: it would fail the same way
    assert "exponent larger than 64" in talk.output["answer"]


def crash_calculator(monkeypatch: pytest.MonkeyPatch, times: int) -> None:
    """The calculator raises (as a throttled or unreachable API would) its first ``times`` runs."""
    real = lambda_fn.tools.TOOLS["calculate"]
    crashes = iter(range(times))

    def flaky(args: Any) -> Any:
        if next(crashes, None) is not None:
            raise TimeoutError("the calculator service did not answer")
        return real.run(args)

    monkeypatch.setitem(lambda_fn.tools.TOOLS, "calculate", replace(real, run=flaky))


def test_a_tool_crash_is_retried_and_the_report_tells(
    chatbot: Chatbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_calculator(monkeypatch, times=1)

    talk = chatbot.talk(ARITHMETIC, ["APPROVE"])

    assert talk.result.status.value == "SUCCEEDED"
    assert len(chatbot.tool_runs) == 2  # the step's retry strategy ran it again
    assert talk.step("tool #1")["attempt"] == 2
    assert "52.1 / 4 = 13.025" in talk.output["answer"]
    assert "it ran on attempt 2, after 1 crashed attempt" in fetch(talk.output["report_url"])


def test_a_tool_that_keeps_crashing_is_reported_and_the_model_is_told(
    chatbot: Chatbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_calculator(monkeypatch, times=100)

    talk = chatbot.talk(ARITHMETIC, ["APPROVE"])

    # The conversation goes on without the tool: a crash is not a failed execution...
    assert talk.result.status.value == "SUCCEEDED"
    assert len(chatbot.tool_runs) == TOOL_ATTEMPTS
    assert talk.names == ["think #1", "approve #1", "tool #1", "think #2", "report"]
    # ...and it is not silent: the model hears it, the report shows the last error.
    (said,) = [
        block["toolResult"]
        for block in chatbot.model_requests[-1]["messages"][-1]["content"]
        if "toolResult" in block
    ]
    assert said["status"] == "error"
    assert "crashed on each of its 3 attempts" in said["content"][0]["json"]["error"]
    report = fetch(talk.output["report_url"])
    assert "approved; it crashed on all 3 attempts" in report
    assert "TimeoutError: the calculator service did not answer" in report
    assert talk.output["decisions"] == [
        {"tool": "calculate", "decision": "APPROVE", "comment": None, "timed_out": False}
    ]


def test_turns_are_bounded(chatbot: Chatbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_TURNS", "2")

    talk = chatbot.talk(THREE_TOOLS, ["APPROVE"])  # the second proposal is never asked

    assert talk.result.status.value == "SUCCEEDED"
    assert talk.names == ["think #1", "approve #1", "tool #1", "think #2", "report"]
    assert len(chatbot.model_requests) == 2
    output = talk.output
    assert [d["tool"] for d in output["decisions"]] == ["search_docs"]
    assert output["answer"].startswith("No final answer")
    assert "limit of 2 model turn(s)" in output["answer"]
    assert "not asked; it did not run" in fetch(output["report_url"])


def test_replays_take_results_from_checkpoints(chatbot: Chatbot) -> None:
    chatbot.talk(THREE_TOOLS, ["APPROVE", "DENY", "APPROVE"])

    # The handler ran again after each of the three answers, from the top each time (the
    # talk's 3 approvals, 4 invocations)...
    assert chatbot.invocations == 4
    # ...yet every model call and tool ran once, and every approval was asked once.
    assert len(chatbot.model_requests) == 4
    assert len(chatbot.tool_runs) == 2


def test_the_same_conversation_gives_the_same_steps_and_results(chatbot: Chatbot) -> None:
    def record(talk: Conversation) -> list[tuple[str | None, Any]]:
        return [
            (op.name, op.result)
            for op in talk.result.get_all_operations()
            if isinstance(op, StepOperation)
            and op.name not in ("report",)
            and not (op.name or "").endswith("submitter")
        ]

    first = chatbot.talk(THREE_TOOLS, ["APPROVE", "DENY", "APPROVE"])
    second = chatbot.talk(THREE_TOOLS, ["APPROVE", "DENY", "APPROVE"])

    assert first.names == second.names
    assert record(first) == record(second)
    assert first.output["answer"] == second.output["answer"]
    assert first.output["decisions"] == second.output["decisions"]


def test_the_report_link_is_presigned_and_short_lived(
    chatbot: Chatbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORT_URL_EXPIRES", "300")

    url = chatbot.talk(ARITHMETIC, ["APPROVE"]).output["report_url"]

    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    assert fetch(url).startswith("# Chatbot report")


def test_an_event_without_a_query_fails_the_execution(chatbot: Chatbot) -> None:
    arn = chatbot.runner.run_async(input=json.dumps({"question": "hi"}), execution_timeout=30)
    result = chatbot.runner.wait_for_result(arn, timeout=30)

    assert result.status.value == "FAILED"
    assert result.error is not None and "query" in (result.error.message or "")


# -- a model that decides for itself (the local cloud's live model, and a fickle one) ------
TOOLS = set(lambda_fn.tools.TOOLS)
GREETING = "Hello! What can you do?"


@pytest.fixture
def live_model() -> Iterator[Callable[[int], None]]:
    """Switch the in-process local cloud to the live model with a given seed."""
    previous = model.ACTIVE

    def use(seed: int) -> None:
        model.configure(model.ModelSettings(model.LIVE, seed))

    yield use
    model.configure(previous)


def seed_where(question: str, wanted: Callable[[model.LivePlan], bool]) -> int:
    return next(s for s in range(200) if wanted(model.live_plan(s, question, TOOLS)))


def test_several_tool_uses_in_one_turn_are_asked_one_by_one_then_answered_together(
    chatbot: Chatbot, live_model: Callable[[int], None]
) -> None:
    seed = seed_where(THREE_TOOLS, lambda p: len(p.turns) == 1 and len(p.turns[0]) == 3)
    live_model(seed)
    order = [c.name for c in model.live_plan(seed, THREE_TOOLS, TOOLS).turns[0]]
    decisions = ["DENY" if name == "calculate" else "APPROVE" for name in order]

    talk = chatbot.talk(THREE_TOOLS, decisions)

    assert talk.result.status.value == "SUCCEEDED"
    assert [r["tool"] for r in talk.requests] == order
    assert [(r["proposal"], r["turn"]) for r in talk.requests] == [(1, 1), (2, 1), (3, 1)]
    assert [n for n in talk.names if n.startswith("think")] == ["think #1", "think #2"]
    # The model heard all three results in one user message, each for its own toolUseId.
    (last,) = chatbot.model_requests[1:]
    results = [b["toolResult"] for b in last["messages"][-1]["content"]]
    first = talk.step("think #1")["message"]["content"]
    asked = [b["toolUse"]["toolUseId"] for b in first if "toolUse" in b]
    assert [r["toolUseId"] for r in results] == asked
    assert [r["status"] for r in results] == [
        "error" if name == "calculate" else "success" for name in order
    ]
    assert sorted(name for name, _ in chatbot.tool_runs) == ["estimate_lambda_cost", "search_docs"]
    assert [(d["tool"], d["decision"]) for d in talk.output["decisions"]] == list(
        zip(order, decisions, strict=True)
    )
    assert chatbot.invocations == 4  # the first run, then one after each answer
    assert "13.025" not in talk.output["answer"]


def test_a_direct_answer_without_tools_asks_nobody(
    chatbot: Chatbot, live_model: Callable[[int], None]
) -> None:
    live_model(seed_where(THREE_TOOLS, lambda p: p.refuses))

    talk = chatbot.talk(THREE_TOOLS, [])

    assert talk.result.status.value == "SUCCEEDED"
    assert talk.names == ["think #1", "report"]
    assert chatbot.tool_runs == [] and chatbot.invocations == 1
    assert talk.output["decisions"] == []
    assert "52.1 / 4 is about 13.025" in talk.output["answer"]
    assert "The model answered without asking for a tool." in fetch(talk.output["report_url"])


def test_a_tool_proposed_for_a_greeting_waits_for_its_approval(
    chatbot: Chatbot, live_model: Callable[[int], None]
) -> None:
    live_model(seed_where(GREETING, lambda p: bool(p.turns)))

    talk = chatbot.talk(GREETING, ["DENY"])

    assert talk.result.status.value == "SUCCEEDED"
    assert [r["tool"] for r in talk.requests] == ["search_docs"]
    assert talk.names == ["think #1", "approve #1", "think #2", "report"]
    assert chatbot.tool_runs == []
    assert "search_docs" in talk.output["answer"]  # it says which tool gave no result


def test_a_lost_model_answer_is_asked_again_and_the_new_answer_is_the_one_kept(
    chatbot: Chatbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real model is not deterministic: a "think" step retried after its answer was lost
    (a connection reset while reading it) may get another answer. The conversation goes on
    from the answer that was checkpointed, and replays never ask the model again."""

    def use(tool_use_id: str, name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        return {"toolUse": {"toolUseId": tool_use_id, "name": name, "input": tool_input}}

    replies = [
        [{"text": "Let me calculate."}, use("tooluse_first", "calculate", {"expression": "1+1"})],
        [use("tooluse_second", "search_docs", {"query": "callback billing"})],
        [{"text": "Callbacks bill nothing while they wait."}],
    ]
    calls: list[dict[str, Any]] = []

    def fickle(model_id: str, request: dict[str, Any]) -> dict[str, Any]:
        calls.append(request)
        content = replies[min(len(calls), len(replies)) - 1]
        return {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": "tool_use" if any("toolUse" in b for b in content) else "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
            "metrics": {"latencyMs": 1},
        }

    real_converse = lambda_fn.model_client.converse
    lost: list[Any] = []

    def converse_losing_the_first_answer(*args: Any) -> Any:
        answer = real_converse(*args)
        if not lost:
            lost.append(answer)
            raise ConnectionResetError("the connection was reset while reading the answer")
        return answer

    monkeypatch.setattr(model, "answer", fickle)
    monkeypatch.setattr(lambda_fn.model_client, "converse", converse_losing_the_first_answer)

    talk = chatbot.talk("How are callbacks billed?", ["APPROVE"])

    assert talk.result.status.value == "SUCCEEDED"
    assert lost and proposed_names(lost[0]) == ["calculate"]
    kept = talk.step("think #1")
    assert proposed_names(kept) == ["search_docs"]  # the retry's answer, not the lost one
    assert [r["tool"] for r in talk.requests] == ["search_docs"]
    assert [name for name, _ in chatbot.tool_runs] == ["search_docs"]
    assert len(calls) == 3  # the lost answer, think #1's retry, think #2: no replay asked
    assert talk.output["answer"] == "Callbacks bill nothing while they wait."


def proposed_names(turn: dict[str, Any]) -> list[str]:
    return [b["toolUse"]["name"] for b in turn["message"]["content"] if "toolUse" in b]
