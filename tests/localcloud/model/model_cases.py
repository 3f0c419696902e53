"""What the local model tests share: a model id, tools, and a conversation driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.localcloud import LocalCloud, model

REPO_ROOT = Path(__file__).resolve().parents[3]

# A model id Bedrock knows from the client's Region (us-east-1): the local cloud checks it.
MODEL_ID = "us.amazon.nova-lite-v1:0"
TOOL_NAMES = ("search_docs", "calculate", "estimate_lambda_cost")
TOOL_CONFIG = {"tools": [
    {"toolSpec": {"name": name, "description": f"the {name} tool",
                  "inputSchema": {"json": {"type": "object", "properties": {}}}}}
    for name in TOOL_NAMES
]}  # fmt: skip
NUMBER_AND_FACT = "How long can a callback wait, and what is 15 * 60?"


def ask(question: str, tool_config: dict[str, Any] | None = TOOL_CONFIG) -> dict[str, Any]:
    request: dict[str, Any] = {"messages": [user(question)]}
    if tool_config is not None:
        request["toolConfig"] = tool_config
    return model.answer(MODEL_ID, request)


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"text": text}]}


def tool_use(reply: dict[str, Any]) -> dict[str, Any]:
    (block,) = [b for b in reply["output"]["message"]["content"] if "toolUse" in b]
    return block["toolUse"]


def conversation(question: str, answer_tool: Any) -> tuple[list[dict[str, Any]], str]:
    """Run the model to its answer; ``answer_tool(tool_use)`` gives each toolResult."""
    messages = [user(question)]
    for _ in range(6):
        reply = model.answer(MODEL_ID, {"messages": messages, "toolConfig": TOOL_CONFIG})
        message = reply["output"]["message"]
        messages.append(message)
        if reply["stopReason"] == "end_turn":
            return messages, message["content"][0]["text"]
        use = tool_use(reply)
        messages.append(
            {
                "role": "user",
                "content": [{"toolResult": {"toolUseId": use["toolUseId"], **answer_tool(use)}}],
            }
        )
    raise AssertionError("the model never answered")


def success(data: dict[str, Any]) -> dict[str, Any]:
    return {"status": "success", "content": [{"json": data}]}


def fake_tool(use: dict[str, Any]) -> dict[str, Any]:
    if use["name"] == "search_docs":
        return success(
            {
                "query": use["input"]["query"],
                "results": [
                    {
                        "doc": "04-callbacks",
                        "title": "Callbacks",
                        "text": "Up to one year.",
                        "score": 2.0,
                    }
                ],
            }
        )
    if use["name"] == "calculate":
        return success({"expression": use["input"]["expression"], "result": 900})
    return {"status": "error", "content": [{"json": {"error": "denied by the reviewer"}}]}


@pytest.fixture(autouse=True, name="workshop_model")
def workshop_model_fixture() -> Iterator[None]:
    """The workshop model, whatever LOCALCLOUD_MODEL the test process was started with."""
    previous = model.configure(model.ModelSettings())
    yield
    model.configure(previous)


@pytest.fixture(scope="module", name="bedrock")
def bedrock_fixture(tmp_path_factory: pytest.TempPathFactory):
    with LocalCloud(tmp_path_factory.mktemp("model-cloud")) as cloud:
        yield cloud.client("bedrock-runtime")
