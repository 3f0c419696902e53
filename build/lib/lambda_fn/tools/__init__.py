"""The chatbot's tools, offered to the model by name, and the one way to run them.

``tool_config()`` is the ``toolConfig`` of a Converse call. ``run_tool(name, input)`` returns
a ``ToolResult``: an unknown name, an input that is not an object, an input the tool refuses
come back as ``status: "error"`` for the model to read. Anything else a tool raises means it
crashed (a throttled API, a flaky network, a bug): the exception goes on up, so the durable
step that runs the tool retries it, and the handler reports a crash that outlasts the retries.
"""

from __future__ import annotations

import json
from typing import Any

from .base import JsonObject, Tool, ToolInputError, ToolResult
from .calculator import CALCULATE
from .cost import ESTIMATE_LAMBDA_COST
from .search import SEARCH_DOCS

# A tool's output is checkpointed, sent to the model and put in the report: a runaway output
# (a tool someone adds that returns a whole file) is refused here, far below the limits of
# a checkpoint (256 KB) and of the model's context, with a message the model can act on.
MAX_RESULT_BYTES = 32 * 1024

TOOLS: dict[str, Tool] = {
    tool.name: tool for tool in (SEARCH_DOCS, CALCULATE, ESTIMATE_LAMBDA_COST)
}

__all__ = [
    "MAX_RESULT_BYTES",
    "TOOLS",
    "Tool",
    "ToolInputError",
    "ToolResult",
    "error",
    "is_known",
    "run_tool",
    "tool_config",
    "unknown",
]


def tool_config() -> JsonObject:
    return {"tools": [tool.spec() for tool in TOOLS.values()]}


def is_known(name: str) -> bool:
    return name in TOOLS


def error(message: str, **details: Any) -> ToolResult:
    return {"status": "error", "content": {"error": message, **details}}


def unknown(name: str) -> ToolResult:
    return error(f"unknown tool {name!r}; the tools are {', '.join(TOOLS)}")


def run_tool(name: str, tool_input: Any) -> ToolResult:
    tool = TOOLS.get(name)
    if tool is None:
        return unknown(name)
    if not isinstance(tool_input, dict):
        return error(f"the input of {name} must be a JSON object")
    try:
        content = tool.run(tool_input)
    except ToolInputError as exc:  # retrying the same input would fail the same way
        return error(f"bad input for {name}: {exc}")
    size = len(json.dumps(content, ensure_ascii=False).encode())
    if size > MAX_RESULT_BYTES:
        return error(
            f"{name} returned {size:,} bytes, more than the {MAX_RESULT_BYTES:,} a tool "
            "result may hold; ask for less (a narrower query, fewer results)"
        )
    return {"status": "success", "content": content}
