"""The model: Bedrock Converse with tool use, through boto3 ``bedrock-runtime``.

On the ``aws`` target this reaches Bedrock; on ``local`` the same call reaches the local
cloud's deterministic workshop model. ``converse`` returns only what the conversation needs
next, as plain JSON, because its result is a step's checkpoint.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

from . import aws
from .tools import ToolResult

SYSTEM_PROMPT = (
    "You are the assistant of a hands-on workshop about AWS Lambda durable functions. "
    "Answer briefly and concretely. Use the tools for facts about durable functions, for "
    "arithmetic and for cost estimates instead of guessing. A person approves every tool "
    "call; when a call is denied, do not ask for it again: answer with what you have and "
    "say what is missing."
)
MAX_TOKENS = 1024

ContentBlock = dict[str, Any]


class Message(TypedDict):
    role: Literal["user", "assistant"]
    content: list[ContentBlock]


class ToolUse(TypedDict):
    toolUseId: str
    name: str
    input: Any


class ModelTurn(TypedDict):
    """One answer of the model, as the "think #n" step checkpoints it."""

    message: Message
    stop_reason: str
    usage: NotRequired[dict[str, int]]


def converse(model_id: str, messages: list[Message], tool_config: dict[str, Any]) -> ModelTurn:
    reply = aws.client("bedrock-runtime").converse(
        modelId=model_id,
        system=[{"text": SYSTEM_PROMPT}],
        messages=messages,
        toolConfig=tool_config,
        inferenceConfig={"maxTokens": MAX_TOKENS, "temperature": 0},
    )
    # Text and tool calls are all the loop uses; other blocks (reasoning, citations) may
    # carry bytes that a JSON checkpoint cannot hold.
    content = [b for b in reply["output"]["message"]["content"] if "text" in b or "toolUse" in b]
    usage = reply.get("usage", {})
    return {
        "message": {"role": "assistant", "content": content or [{"text": "(no text)"}]},
        "stop_reason": reply["stopReason"],
        "usage": {k: usage[k] for k in ("inputTokens", "outputTokens") if k in usage},
    }


def user_text(text: str) -> Message:
    return {"role": "user", "content": [{"text": text}]}


def tool_uses(message: Message) -> list[ToolUse]:
    return [block["toolUse"] for block in message["content"] if "toolUse" in block]


def text_of(message: Message) -> str:
    return "\n".join(b["text"] for b in message["content"] if "text" in b).strip()


def tool_result_block(tool_use_id: str, result: ToolResult) -> ContentBlock:
    """A ``toolResult`` content block answering the ``toolUse`` with ``tool_use_id``."""
    return {
        "toolResult": {
            "toolUseId": tool_use_id,
            "content": [{"json": result["content"]}],
            "status": result["status"],
        }
    }
