"""The workshop model answers bedrock-runtime Converse calls on the local cloud."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from helpers.localcloud import LocalCloud, model


@pytest.fixture(scope="module")
def bedrock(tmp_path_factory: pytest.TempPathFactory):
    with LocalCloud(tmp_path_factory.mktemp("model-cloud")) as cloud:
        yield cloud.client("bedrock-runtime")


def test_converse_returns_the_bedrock_shape(bedrock) -> None:
    reply = bedrock.converse(
        modelId="us.anthropic.claude-sonnet-4-v1:0",
        messages=[{"role": "user", "content": [{"text": "What is a durable execution?"}]}],
    )
    assert reply["stopReason"] == "end_turn"
    text = reply["output"]["message"]["content"][0]["text"]
    assert "What is a durable execution?" in text
    assert (
        reply["usage"]["totalTokens"]
        == reply["usage"]["inputTokens"] + reply["usage"]["outputTokens"]
    )


def test_same_question_same_answer() -> None:
    request = {"messages": [{"role": "user", "content": [{"text": "hello"}]}]}
    first, second = model.answer("m", request), model.answer("m", request)
    assert first["output"] == second["output"]


def test_empty_messages_are_a_validation_error(bedrock) -> None:
    with pytest.raises(ClientError) as err:
        bedrock.converse(modelId="m", messages=[])
    assert err.value.response["Error"]["Code"] == "ValidationException"
