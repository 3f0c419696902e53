"""The live model (``LOCALCLOUD_MODEL=live``), seeded like a real one (model/live.py)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from model_cases import (  # noqa: F401  (fixtures)
    MODEL_ID,
    NUMBER_AND_FACT,
    REPO_ROOT,
    TOOL_CONFIG,
    TOOL_NAMES,
    bedrock_fixture,
    fake_tool,
    tool_use,
    user,
    workshop_model_fixture,
)

from helpers.localcloud import model
from helpers.localcloud.runner import free_port

# -- the live model ---------------------------------------------------------------------------
THREE_TOOLS = (
    "How are callbacks billed, what is 52.1 / 4, and what would 1000 executions at 1 GB "
    "and 13 s cost?"
)
GREETING = "Hello! What can you do?"
SEEDS = range(60)


def live(seed: int) -> model.ModelSettings:
    return model.ModelSettings(model.LIVE, seed)


def live_conversation(
    seed: int, question: str, answer_tool: Any = fake_tool
) -> tuple[list[dict[str, Any]], list[list[str]], str]:
    """Run the live model to its answer, every request validated as Bedrock would; returns
    the messages, the tool names proposed per turn, and the answer."""
    messages = [user(question)]
    turns: list[list[str]] = []
    for _ in range(6):
        reply = model.answer(
            MODEL_ID, {"messages": copy.deepcopy(messages), "toolConfig": TOOL_CONFIG}, live(seed)
        )
        message = reply["output"]["message"]
        messages.append(message)
        uses = [b["toolUse"] for b in message["content"] if "toolUse" in b]
        if not uses:
            assert reply["stopReason"] == "end_turn"
            return messages, turns, message["content"][0]["text"]
        assert reply["stopReason"] == "tool_use"
        turns.append([u["name"] for u in uses])
        messages.append(
            {
                "role": "user",
                "content": [
                    {"toolResult": {"toolUseId": u["toolUseId"], **answer_tool(u)}} for u in uses
                ],
            }
        )
    raise AssertionError("the live model never answered")


def test_settings_come_from_the_environment() -> None:
    assert model.ModelSettings.from_env({}) == model.ModelSettings("workshop", 0)
    assert model.ModelSettings.from_env(
        {"LOCALCLOUD_MODEL": "Live", "LOCALCLOUD_MODEL_SEED": " 7 "}
    ) == model.ModelSettings("live", 7)
    drawn = model.ModelSettings.from_env({"LOCALCLOUD_MODEL": "live"})
    assert drawn.kind == "live" and isinstance(drawn.seed, int)
    with pytest.raises(model.ModelSettingsError, match=r"use 'workshop'.*or 'live'"):
        model.ModelSettings.from_env({"LOCALCLOUD_MODEL": "claude"})
    with pytest.raises(model.ModelSettingsError, match="give an integer"):
        model.ModelSettings.from_env({"LOCALCLOUD_MODEL": "live", "LOCALCLOUD_MODEL_SEED": "x"})


def test_the_same_conversation_gets_the_same_answer_per_seed() -> None:
    for seed in range(10):
        first, words, _ = live_conversation(seed, THREE_TOOLS)
        again, words_again, _ = live_conversation(seed, THREE_TOOLS)
        assert first == again and words == words_again


def test_seeds_give_what_a_real_model_does() -> None:
    plans = {seed: live_conversation(seed, THREE_TOOLS)[1] for seed in SEEDS}
    orders = {tuple(name for turn in turns for name in turn) for turns in plans.values()}
    rules_order = ("search_docs", "calculate", "estimate_lambda_cost")
    assert rules_order in orders and len(orders - {(), rules_order}) >= 3  # other orders
    assert any(len(turn) > 1 for turns in plans.values() for turn in turns)  # several per turn
    assert any(turns == [] for turns in plans.values())  # answers without any tool
    assert any(len(turns) == 3 for turns in plans.values())  # one at a time
    greetings = [live_conversation(seed, GREETING)[1] for seed in SEEDS]
    assert [["search_docs"]] in greetings and [] in greetings  # a tool for a greeting, or not
    answers = {live_conversation(seed, GREETING)[2] for seed in SEEDS}
    assert len(answers) > 1  # worded differently


def test_every_planned_tool_is_proposed_once_then_the_answer_uses_the_results() -> None:
    for seed in SEEDS:
        _, turns, answer = live_conversation(seed, NUMBER_AND_FACT)
        names = [name for turn in turns for name in turn]
        assert len(names) == len(set(names)) and set(names) <= {"search_docs", "calculate"}
        if names:
            assert ("Up to one year." in answer) == ("search_docs" in names)
            assert ("= 900" in answer) == ("calculate" in names)


def test_a_refusal_answers_directly_and_does_the_arithmetic() -> None:
    seed = next(
        s for s in SEEDS if model.live_plan(s, "What is 52.1 / 4?", set(TOOL_NAMES)).refuses
    )

    messages, turns, answer = live_conversation(seed, "What is 52.1 / 4?")

    assert turns == [] and len(messages) == 2
    assert "52.1 / 4 is about 13.025" in answer


def test_a_denied_call_is_not_asked_again_and_the_answer_says_so() -> None:
    def deny_all(use: dict[str, Any]) -> dict[str, Any]:
        return {"status": "error", "content": [{"json": {"error": "denied by the reviewer"}}]}

    for seed in SEEDS:
        _, turns, answer = live_conversation(seed, THREE_TOOLS, deny_all)
        names = [name for turn in turns for name in turn]
        assert len(names) == len(set(names))
        for name in names:
            assert name in answer and "denied by the reviewer" in answer


def test_tool_use_ids_look_like_bedrocks_and_differ() -> None:
    def first_turn(seed: int) -> list[model.Call]:
        turns = model.live_plan(seed, THREE_TOOLS, set(TOOL_NAMES)).turns
        return turns[0] if turns else []

    seed = next(s for s in SEEDS if len(first_turn(s)) > 1)
    request = {"messages": [user(THREE_TOOLS)], "toolConfig": TOOL_CONFIG}
    content = model.answer(MODEL_ID, request, live(seed))["output"]["message"]["content"]
    ids = [b["toolUse"]["toolUseId"] for b in content if "toolUse" in b]
    assert len(ids) > 1 and len(set(ids)) == len(ids)
    assert all(i.startswith("tooluse_") and len(i) == len("tooluse_") + 22 for i in ids)


def test_live_validates_like_bedrock(bedrock) -> None:
    model.configure(live(1))
    with pytest.raises(ClientError) as err:
        bedrock.converse(modelId=MODEL_ID, messages=[user("a"), user("b")])
    assert err.value.response["Error"]["Code"] == "ValidationException"
    reply = bedrock.converse(modelId=MODEL_ID, messages=[user(THREE_TOOLS)], toolConfig=TOOL_CONFIG)
    assert reply["stopReason"] in ("tool_use", "end_turn")
    assert set(reply) >= {"output", "stopReason", "usage", "metrics"}


def start_cloud(tmp_path: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers.localcloud", "--port", str(port),
         "--state-dir", str(tmp_path / "state")],
        cwd=REPO_ROOT, env={**os.environ, **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    return proc, line


def test_python_m_localcloud_reads_the_model_from_the_environment(tmp_path: Path) -> None:
    proc, line = start_cloud(tmp_path, LOCALCLOUD_MODEL="live", LOCALCLOUD_MODEL_SEED="2")
    try:
        assert line.startswith("ready "), line
        bedrock = boto3.client(
            "bedrock-runtime", endpoint_url=line.split()[1], region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
        reply = bedrock.converse(modelId=MODEL_ID, messages=[user(GREETING)],
                                 toolConfig=TOOL_CONFIG)  # fmt: skip
        # Seed 2 searches the notes for a greeting; the workshop model never does.
        expected = model.answer(MODEL_ID, {"messages": [user(GREETING)],
                                           "toolConfig": TOOL_CONFIG}, live(2))  # fmt: skip
        assert reply["output"] == json.loads(json.dumps(expected["output"]))
        assert tool_use(reply)["name"] == "search_docs"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_bad_model_setting_stops_the_local_cloud_with_a_clear_message(tmp_path: Path) -> None:
    proc, line = start_cloud(tmp_path, LOCALCLOUD_MODEL="gpt")
    _, err = proc.communicate(timeout=60)
    assert not line.startswith("ready") and proc.returncode != 0
    assert "LOCALCLOUD_MODEL is 'gpt': use 'workshop'" in err.decode()


def test_a_greeting_is_answered_with_what_the_model_can_do_even_when_its_search_is_denied() -> None:
    def deny_all(use: dict[str, Any]) -> dict[str, Any]:
        return {"status": "error", "content": [{"json": {"error": "denied"}}]}

    for seed in SEEDS:
        _, turns, answer = live_conversation(seed, GREETING, deny_all)
        assert "durable functions" in answer and "approv" in answer
        if turns:
            assert "I wanted to use search_docs first, but it gave me no result." in answer


def test_a_japanese_question_is_answered_in_japanese_by_every_seed() -> None:
    from test_rules import JA_QUESTION, english_words

    def deny_cost(use: dict[str, Any]) -> dict[str, Any]:
        return fake_tool(use)  # the cost estimate is denied, the others answer

    for seed in range(20):
        messages, turns, answer = live_conversation(seed, JA_QUESTION, deny_cost)
        said = [b["text"] for m in messages[1::2] for b in m["content"] if "text" in b]
        assert said[-1] == answer and any("\u3040" <= ch <= "\u30ff" for ch in answer)
        for text in said:
            assert not english_words(
                text, JA_QUESTION, "Up to one year.", "denied by the reviewer", *TOOL_NAMES
            ), (seed, text)
        names = [n for t in turns for n in t]  # the same tools as in English, each once
        assert len(names) == len(set(names)) and set(names) <= set(TOOL_NAMES)
    greeting = {live_conversation(s, "こんにちは。何ができますか？")[2] for s in SEEDS}
    assert len(greeting) > 1 and all(
        not english_words(g, "Up to one year.", "Lambda durable functions", *TOOL_NAMES)
        for g in greeting
    )
    refusing = next(s for s in SEEDS if model.live_plan(s, JA_QUESTION, set(TOOL_NAMES)).refuses)
    assert "52.1 / 4 はおよそ 13.025 です。" in live_conversation(refusing, JA_QUESTION)[2]
