"""The Converse shapes and their validation, as Bedrock does it (model/converse.py)."""

from __future__ import annotations

import copy

import pytest
from botocore.exceptions import ClientError
from model_cases import (  # noqa: F401  (fixtures)
    MODEL_ID,
    NUMBER_AND_FACT,
    TOOL_CONFIG,
    bedrock_fixture,
    tool_use,
    user,
    workshop_model_fixture,
)

from helpers.localcloud import model

# -- the Converse shapes ------------------------------------------------------------------


def test_converse_returns_the_bedrock_shape(bedrock) -> None:
    reply = bedrock.converse(
        modelId=MODEL_ID,
        messages=[{"role": "user", "content": [{"text": "Hello there"}]}],
    )
    assert reply["stopReason"] == "end_turn"
    text = reply["output"]["message"]["content"][0]["text"]
    assert "Hello there" in text
    assert reply["output"]["message"]["role"] == "assistant"
    assert (
        reply["usage"]["totalTokens"]
        == reply["usage"]["inputTokens"] + reply["usage"]["outputTokens"]
    )
    assert isinstance(reply["metrics"]["latencyMs"], int)


def test_a_tool_use_through_bedrock_runtime(bedrock) -> None:
    reply = bedrock.converse(
        modelId=MODEL_ID,
        messages=[user("What is 52.1 divided by 4?")],
        toolConfig=TOOL_CONFIG,
        system=[{"text": "Be brief."}],
        inferenceConfig={"maxTokens": 512, "temperature": 0},
    )

    assert reply["stopReason"] == "tool_use"
    text, block = reply["output"]["message"]["content"]
    assert text["text"] == "Let me calculate 52.1 / 4."
    use = block["toolUse"]
    assert set(use) == {"toolUseId", "name", "input"}
    assert use["name"] == "calculate" and use["input"] == {"expression": "52.1 / 4"}
    assert use["toolUseId"].startswith("tooluse_")


def test_the_chatbots_own_tool_config_is_accepted(bedrock) -> None:
    from lambda_fn.tools import tool_config  # the very toolConfig the handler sends

    reply = bedrock.converse(
        modelId=MODEL_ID, messages=[user(NUMBER_AND_FACT)], toolConfig=tool_config()
    )

    assert tool_use(reply)["name"] == "search_docs"


def test_same_conversation_same_reply() -> None:
    request = {"messages": [user(NUMBER_AND_FACT)], "toolConfig": TOOL_CONFIG}
    first, second = model.answer("m", request), model.answer("m", copy.deepcopy(request))
    assert first["output"] == second["output"]
    assert first["usage"] == second["usage"]


# -- validation, as Bedrock does it ---------------------------------------------------------


def test_empty_messages_are_a_validation_error(bedrock) -> None:
    with pytest.raises(ClientError) as err:
        bedrock.converse(modelId=MODEL_ID, messages=[])
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_tool_blocks_need_a_tool_config(bedrock) -> None:
    messages = [
        user("What is 2 + 2?"),
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "calculate",
                                                       "input": {"expression": "2 + 2"}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1",
                                                     "content": [{"json": {"result": 4}}]}}]},
    ]  # fmt: skip
    with pytest.raises(ClientError, match="toolConfig field must be defined"):
        bedrock.converse(modelId=MODEL_ID, messages=messages)


def test_a_tool_use_must_be_answered(bedrock) -> None:
    messages = [
        user("What is 2 + 2?"),
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "calculate",
                                                       "input": {}}}]},
        user("never mind"),
    ]  # fmt: skip
    with pytest.raises(ClientError, match=r"Expected toolResult blocks at messages\.2\.content"):
        bedrock.converse(modelId=MODEL_ID, messages=messages, toolConfig=TOOL_CONFIG)


def test_roles_must_alternate(bedrock) -> None:
    with pytest.raises(ClientError, match="alternate between user and assistant"):
        bedrock.converse(modelId=MODEL_ID, messages=[user("a"), user("b")])


def test_max_tokens_stops_the_answer_as_bedrock_does(bedrock) -> None:
    reply = bedrock.converse(
        modelId=MODEL_ID,
        messages=[user("Hello! What can you do? Tell me everything about durable functions.")],
        inferenceConfig={"maxTokens": 5},
    )
    assert reply["stopReason"] == "max_tokens"
    assert reply["usage"]["outputTokens"] == 5
    (block,) = reply["output"]["message"]["content"]
    assert len(block["text"].split()) == 5
