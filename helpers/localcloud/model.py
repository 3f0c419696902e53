"""The workshop model behind ``POST /model/{modelId}/converse`` on the local cloud.

It answers with the request and response shapes of Bedrock Converse, so the very same
``bedrock-runtime`` call works on both targets. This first version is deliberately
simple and deterministic: it answers the last user text in plain words and never asks
for a tool. The chatbot's rule-based planner replaces ``answer`` later.
"""

from __future__ import annotations

import time
from typing import Any

from .errors import AwsError


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            texts = [c["text"] for c in message.get("content", []) if "text" in c]
            if texts:
                return " ".join(texts)
    return ""


def answer(model_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """A Converse response for ``request`` (already parsed JSON)."""
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise AwsError(400, "ValidationException", "messages: at least one message is required.")
    started = time.perf_counter()
    question = _last_user_text(messages)
    text = (
        f"(workshop model {model_id}) You asked: {question!r}. "
        "I am the local cloud's deterministic stand-in for a Bedrock model."
    )
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {
            "inputTokens": len(question.split()),
            "outputTokens": len(text.split()),
            "totalTokens": len(question.split()) + len(text.split()),
        },
        "metrics": {"latencyMs": int((time.perf_counter() - started) * 1000)},
    }
