"""The workshop model answers by its rules (model/rules.py, model/workshop.py)."""

from __future__ import annotations

from typing import Any

import pytest
from model_cases import (  # noqa: F401  (fixtures)
    NUMBER_AND_FACT,
    TOOL_CONFIG,
    ask,
    bedrock_fixture,
    conversation,
    fake_tool,
    success,
    tool_use,
    workshop_model_fixture,
)

# -- the rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("What is a durable execution?", "search_docs"),
        ("Why do replays need deterministic code?", "search_docs"),
        ("How do I send a heartbeat to a callback?", "search_docs"),
        ("What is 2 + 2?", "calculate"),
        ("How much do 1000 invocations cost?", "estimate_lambda_cost"),
        ("Is $5 a month enough for 1000 executions?", "estimate_lambda_cost"),
    ],
)
def test_the_first_proposal_follows_the_rules(question: str, name: str) -> None:
    assert tool_use(ask(question))["name"] == name


@pytest.mark.parametrize(
    ("question", "expression"),
    [
        ("What is 52.1 divided by 4?", "52.1 / 4"),
        ("Compute (15 * 60) - 120 please.", "(15 * 60) - 120"),
        ("what's 3 x (2 + 1)?", "3 * (2 + 1)"),
        ("2^10?", "2 ** 10"),
        ("What is 1,000 times 3?", "1000 * 3"),
        ("12 plus 30 minus 2", "12 + 30 - 2"),
        ("What is 10 ** 1000?", "10 ** 1000"),  # bad for the tool, but the model asks
    ],
)
def test_arithmetic_is_read_from_the_question(question: str, expression: str) -> None:
    assert tool_use(ask(question))["input"] == {"expression": expression}


@pytest.mark.parametrize(
    "question", ["Explain python3.13 on us-east-2", "What changed in 2025?", "Hello"]
)
def test_numbers_without_operators_are_not_arithmetic(question: str) -> None:
    reply = ask(question)
    assert all(
        b.get("toolUse", {}).get("name") != "calculate"
        for b in reply["output"]["message"]["content"]
    )


def test_cost_figures_are_read_from_the_question() -> None:
    use = tool_use(
        ask(
            "What do 1,000 executions cost at 1 GB with 52.1 s billed over 4 "
            "invocations and 16 operations on arm64?"
        )
    )

    assert use["input"] == {
        "memory_mb": 1024,
        "billed_duration_ms": 52100,
        "invocations": 4,
        "durable_operations": 16,
        "executions": 1000,
        "architecture": "arm64",
    }


@pytest.mark.parametrize(("said", "ms"), [("250 ms", 250), ("2 minutes", 120000), ("3s", 3000)])
def test_cost_durations_and_defaults(said: str, ms: int) -> None:
    use = tool_use(ask(f"What does a run of {said} cost?"))

    assert use["input"] == {"memory_mb": 128, "billed_duration_ms": ms}


def test_a_search_gets_the_questions_content_words() -> None:
    use = tool_use(ask("How long can a callback wait?"))

    assert use["input"] == {"query": "long callback wait"}


def test_a_named_tool_is_proposed_even_when_not_offered() -> None:
    use = tool_use(ask("Please use the tool get_weather for Tokyo"))

    assert use == {
        "toolUseId": use["toolUseId"],
        "name": "get_weather",
        "input": {"query": "Please use the tool get_weather for Tokyo"},
    }


def test_tools_not_offered_are_not_proposed() -> None:
    only_search = {"tools": [TOOL_CONFIG["tools"][0]]}

    reply = ask("What is 2 + 2?", only_search)

    assert reply["stopReason"] == "end_turn"
    assert "not offered" in reply["output"]["message"]["content"][0]["text"]


def test_a_number_and_a_fact_take_two_proposals_then_a_real_answer() -> None:
    messages, answer = conversation(NUMBER_AND_FACT, fake_tool)

    proposals = [b["toolUse"]["name"] for m in messages if m["role"] == "assistant"
                 for b in m["content"] if "toolUse" in b]  # fmt: skip
    assert proposals == ["search_docs", "calculate"]
    assert answer.startswith(f"Here is what I found for “{NUMBER_AND_FACT}”")
    assert "From the notes on *Callbacks*: Up to one year." in answer
    assert "15 * 60 = 900." in answer


def test_the_answer_says_which_tools_gave_no_answer_and_why() -> None:
    question = "How are callbacks billed, and what is the cost of 10 runs?"

    def deny_the_estimate(use: dict[str, Any]) -> dict[str, Any]:
        if use["name"] == "estimate_lambda_cost":
            return {
                "status": "error",
                "content": [
                    {
                        "json": {
                            "error": "the person reviewing tool calls denied this call",
                            "comment": "too costly",
                        }
                    }
                ],
            }
        return fake_tool(use)

    _, answer = conversation(question, deny_the_estimate)

    assert (
        "estimate_lambda_cost gave no answer: the person reviewing tool calls denied this "
        "call (comment: too costly)"
    ) in answer


def test_a_cost_result_is_written_out() -> None:
    def estimate(use: dict[str, Any]) -> dict[str, Any]:
        return success({
            "per_execution": {"memory_mb": 1024, "billed_duration_ms": 52100, "invocations": 4,
                              "durable_operations": 16},
            "executions": 1, "architecture": "x86_64", "gb_seconds": 52.1,
            "cost_usd": {"requests": 0.0000008, "compute": 0.000868, "durable_operations": 0.000128,
                         "total": 0.000997},
        })  # fmt: skip

    _, answer = conversation("What does one run cost?", estimate)

    assert "cost about $0.0010 in all: compute $0.0009" in answer


def test_an_unknown_result_shape_is_shown_as_it_came() -> None:
    def odd(use: dict[str, Any]) -> dict[str, Any]:
        return {"status": "success", "content": [{"text": "forty-two"}]}

    _, answer = conversation("What is 6 * 7?", odd)

    assert 'calculate returned "forty-two".' in answer
