"""The Converse request and response shapes the local model reads and writes.

Like Bedrock, it refuses (``ValidationException``) an empty conversation, one that does not
start with the user or does not alternate roles, ``toolUse``/``toolResult`` blocks without a
``toolConfig``, and a tool use that the next user message does not answer.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from ..errors import AwsError


def max_tokens(request: dict[str, Any]) -> int | None:
    """``inferenceConfig.maxTokens``, or None; a ValidationException for a bad one."""
    config = request.get("inferenceConfig")
    limit = config.get("maxTokens") if isinstance(config, dict) else None
    if limit is None:
        return None
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        # The Converse API reference: maxTokens is an integer, at least 1.
        raise AwsError(
            400, "ValidationException", "inferenceConfig.maxTokens must be an integer >= 1."
        )
    return limit


def texts(content: list[dict[str, Any]]) -> list[str]:
    """The text blocks of a message content."""
    return [str(block["text"]) for block in content if "text" in block]


def asked_tools(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The toolUse blocks of the assistant's messages, in order."""
    return [
        block["toolUse"]
        for message in messages
        if message["role"] == "assistant"
        for block in message["content"]
        if "toolUse" in block
    ]


def _invalid(message: str) -> AwsError:
    return AwsError(400, "ValidationException", message)


# Inferred: Bedrock refuses a request whose JSON nests deeper than any Converse shape
# needs; the local model reads nothing nested this deep, and Python's own limits are near.
MAX_DEPTH = 64
_OPTIONAL_OBJECTS = ("inferenceConfig", "toolConfig", "additionalModelRequestFields")


def _depth(value: Any) -> int:
    """How deep ``value`` nests (iteratively: the check itself must not recurse)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _check_shapes(request: dict[str, Any]) -> None:
    """The Converse request's JSON types (Converse API reference: Message, ContentBlock,
    SystemContentBlock, InferenceConfiguration, ToolConfiguration)."""
    if _depth(request) > MAX_DEPTH:
        raise _invalid(f"The request nests deeper than {MAX_DEPTH} levels.")
    for key in _OPTIONAL_OBJECTS:
        if key in request and not isinstance(request[key], dict):
            raise _invalid(f"{key} must be an object.")
    system = request.get("system", [])
    if not isinstance(system, list) or any(
        not isinstance(b, dict) or not isinstance(b.get("text", ""), str) for b in system
    ):
        raise _invalid("system must be a list of content blocks with string text.")
    for i, message in enumerate(request.get("messages") or []):
        content = message.get("content") if isinstance(message, dict) else None
        for j, block in enumerate(content if isinstance(content, list) else []):
            if not isinstance(block, dict):
                continue
            if "text" in block and not isinstance(block["text"], str):
                raise _invalid(f"messages.{i}.content.{j}.text must be a string.")
            for kind in ("toolUse", "toolResult"):
                if kind in block and (
                    not isinstance(block[kind], dict)
                    or not isinstance(block[kind].get("toolUseId"), str)
                ):
                    raise _invalid(f"messages.{i}.content.{j}.{kind} needs a string toolUseId.")
            result = block.get("toolResult")
            if isinstance(result, dict) and not isinstance(result.get("content", []), list):
                raise _invalid(f"messages.{i}.content.{j}.toolResult.content must be a list.")


def validated(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's messages, checked as Bedrock checks them (non-object blocks dropped)."""
    _check_shapes(request)
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid("messages: at least one message is required.")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("content"), list):
            raise _invalid(f"messages.{i}: a message needs a role and a content list.")
        if message.get("role") != ("user" if i % 2 == 0 else "assistant"):
            raise _invalid(
                "A conversation must start with a user message and alternate between user "
                "and assistant roles."
            )
        # Blocks that are not objects carry nothing this model reads: drop them here once.
        message["content"] = [b for b in message["content"] if isinstance(b, dict)]
    uses_tools = any("toolUse" in b or "toolResult" in b for m in messages for b in m["content"])
    if uses_tools and not request.get("toolConfig"):
        raise _invalid(
            "The toolConfig field must be defined when using toolUse and toolResult content blocks."
        )
    for i, (message, reply) in enumerate(itertools.pairwise(messages)):
        wanted = {b["toolUse"].get("toolUseId") for b in message["content"] if "toolUse" in b}
        answered = {b["toolResult"].get("toolUseId") for b in reply["content"] if "toolResult" in b}
        if not wanted <= answered:
            missing = ", ".join(sorted(str(x) for x in wanted - answered))
            raise _invalid(
                f"Expected toolResult blocks at messages.{i + 1}.content for the following "
                f"Ids: {missing}"
            )
    return messages


def offered_tools(tool_config: Any) -> set[str]:
    """The names of the tools a ``toolConfig`` offers."""
    tools = tool_config.get("tools", []) if isinstance(tool_config, dict) else []
    specs = [t.get("toolSpec") for t in tools if isinstance(t, dict)]
    return {spec["name"] for spec in specs if isinstance(spec, dict) and "name" in spec}


def question_of(messages: list[dict[str, Any]]) -> tuple[int, str]:
    """Index and text of the last user message with text."""
    for i in range(len(messages) - 1, -1, -1):
        texts = [b["text"] for b in messages[i]["content"] if "text" in b]
        if messages[i]["role"] == "user" and texts:
            return i, " ".join(texts).strip()
    return 0, ""


def tool_results(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The toolResult blocks by toolUseId."""
    return {
        block["toolResult"].get("toolUseId", ""): block["toolResult"]
        for message in messages
        if message["role"] == "user"
        for block in message["content"]
        if "toolResult" in block
    }


def count_words(text: str) -> int:
    """Words in ``text``: the stand-in for tokens in ``usage``."""
    return len(re.findall(r"\w+", text))


def result_content(result: dict[str, Any]) -> Any:
    """A toolResult's content: its json block, or its text blocks joined."""
    blocks = [b for b in result.get("content") or [] if isinstance(b, dict)]
    for block in blocks:
        if "json" in block:
            return block["json"]
    return " ".join(str(b["text"]) for b in blocks if "text" in b)
