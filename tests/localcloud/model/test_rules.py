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


# -- the question's language (rule 6) -------------------------------------------------------
# Notebook 04's Japanese question: English tool words in brackets, the rest Japanese.
JA_QUESTION = (
    "コールバック (callback) はどう課金されますか？ 52.1 / 4 はいくつですか？ "
    "1 GB、13 s の実行を 1000 executions 行うと費用 (cost) はいくらですか？"
)
# Three English words in a row: a sentence, not a tool name or a figure.
ENGLISH_RUN = r"[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}"


def english_words(text: str, *keep: str) -> list[str]:
    """The runs of English words left in ``text`` once ``keep`` (data, names) is removed."""
    import re

    for part in keep:
        text = text.replace(part, "")
    return re.findall(ENGLISH_RUN, text)


def cost_tool(use: dict[str, Any]) -> dict[str, Any]:
    if use["name"] != "estimate_lambda_cost":
        return fake_tool(use)
    return success(
        {
            "executions": 1000,
            "per_execution": {
                "memory_mb": 1024,
                "billed_duration_ms": 13000,
                "invocations": 1,
                "durable_operations": 3,
            },
            "cost_usd": {
                "total": 0.2215,
                "compute": 0.2167,
                "requests": 0.0002,
                "durable_operations": 0.0046,
            },
        }
    )


def test_a_japanese_question_gets_japanese_sentences_and_the_same_tool_calls() -> None:
    from helpers.localcloud.model.rules import planned_calls

    calls = planned_calls(JA_QUESTION)
    # The contract: the same tools and inputs the English words of the question give.
    assert [(c.name, c.input) for c in calls] == [
        ("search_docs", {"query": "callback executions cost"}),
        ("calculate", {"expression": "52.1 / 4"}),
        (
            "estimate_lambda_cost",
            {"memory_mb": 1024, "billed_duration_ms": 13000, "executions": 1000},
        ),
    ]
    for call in calls:
        assert not english_words(call.why, call.name), call.why
    messages, answer = conversation(JA_QUESTION, cost_tool)
    proposals = [b["text"] for m in messages[1::2] for b in m["content"] if "text" in b]
    assert proposals[:3] == [c.why for c in calls]
    assert answer.startswith(f"「{JA_QUESTION}」について分かったこと:")
    assert "Up to one year." in answer and "52.1 / 4 = 900。" in answer
    assert "約 $0.2215" in answer and "13000 ミリ秒" in answer
    assert not english_words(answer, JA_QUESTION, "Up to one year."), answer


def test_a_japanese_question_without_a_plan_gets_a_japanese_answer() -> None:
    reply = ask("こんにちは。何ができますか？")
    (block,) = reply["output"]["message"]["content"]
    assert reply["stopReason"] == "end_turn" and block["text"].startswith("ご質問:")
    assert not english_words(block["text"]), block["text"]
    denied = ask("52.1 / 4 を計算して (use the tool calculate)", tool_config=TOOL_CONFIG)
    assert tool_use(denied)["input"] == {"expression": "52.1 / 4"}


def test_an_english_question_is_answered_in_english_as_before() -> None:
    _, answer = conversation(NUMBER_AND_FACT, fake_tool)
    assert answer == (
        f"Here is what I found for “{NUMBER_AND_FACT}”:\n\n"
        "- From the notes on *Callbacks*: Up to one year.\n- 15 * 60 = 900."
    )
