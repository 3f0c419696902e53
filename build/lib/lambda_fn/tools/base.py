"""What every tool is made of: a name, a description, a JSON schema and a small function.

A tool function takes the model's input (a dict) and returns a JSON object. It raises
``ToolInputError`` for input it cannot use; the registry turns that into an error result
for the model, so a bad input never fails the execution.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

JsonObject = dict[str, Any]


class ToolInputError(ValueError):
    """The model's input does not fit the tool; the message says what is wrong."""


class ToolResult(TypedDict):
    """A tool's outcome, as the handler checkpoints it and hands it to the model."""

    status: Literal["success", "error"]
    content: JsonObject


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    input_schema: JsonObject
    run: Callable[[Mapping[str, Any]], JsonObject]

    def spec(self) -> JsonObject:
        """The tool as Bedrock Converse's ``toolConfig.tools[]`` entry."""
        return {
            "toolSpec": {
                "name": self.name,
                "description": self.description,
                "inputSchema": {"json": self.input_schema},
            }
        }


def only_keys(args: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise ToolInputError(f"unknown input field(s): {', '.join(unknown)}")


def text(args: Mapping[str, Any], key: str, *, max_length: int) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(f"{key} must be a non-empty string")
    if len(value) > max_length:
        raise ToolInputError(f"{key} is longer than {max_length} characters")
    return value.strip()


def number(
    args: Mapping[str, Any],
    key: str,
    *,
    low: float,
    high: float,
    default: float | None = None,
    whole: bool = False,
) -> float:
    value = args.get(key, default)
    if value is None:
        raise ToolInputError(f"{key} is required")
    # bool is an int in Python; a model sending true for a count is a bad input.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ToolInputError(f"{key} must be a number")
    if whole and value != int(value):
        raise ToolInputError(f"{key} must be a whole number")
    if not low <= value <= high:
        raise ToolInputError(f"{key} must be between {low:g} and {high:g}")
    return float(value)
