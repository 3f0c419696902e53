"""The model behind ``POST /model/{modelId}/converse`` on the local cloud.

It speaks Bedrock Converse with tool use (the same request and response shapes, the same
validation), so the chatbot's very same ``bedrock-runtime`` call works on both targets. It
is not a language model. It comes in two kinds, chosen when the local cloud starts by
``LOCALCLOUD_MODEL`` (the background cloud inherits the notebook kernel's environment):

- ``workshop`` (the default): it follows the rules (``rules.py``), always the same way, so that a
  workshop (and its tests) can tell in advance what every turn will do.
- ``live``, with ``LOCALCLOUD_MODEL_SEED`` (an integer; without one it draws a seed and
  logs it): it plans from the same rules, then decides the way a real model does, and the
  kit must hold whatever it decides (``live.py``).

Any model id is accepted (which ids exist in which Region is the gateway's business).

Parts: ``settings`` (which model), ``converse`` (the request and response shapes and their
validation), ``rules`` (the plan both models start from), ``workshop`` and ``live`` (the two
models).
"""

from __future__ import annotations

import json
import time
from typing import Any

from .converse import count_words, max_tokens, offered_tools, question_of, texts, validated
from .live import LivePlan, live_plan, live_turn
from .rules import Call, named_tool
from .settings import LIVE, MODEL_KINDS, WORKSHOP, ModelSettings, ModelSettingsError
from .workshop import workshop_turn

__all__ = [
    "ACTIVE",
    "LIVE",
    "MODEL_KINDS",
    "WORKSHOP",
    "Call",
    "LivePlan",
    "ModelSettings",
    "ModelSettingsError",
    "answer",
    "configure",
    "live_plan",
]

# Read once, when the local cloud process starts (its gateway imports this module).
ACTIVE = ModelSettings.from_env()


def configure(settings: ModelSettings) -> ModelSettings:
    """Make ``settings`` the model of this process (in-process clouds in tests); returns
    the one it replaces."""
    global ACTIVE
    previous, ACTIVE = ACTIVE, settings
    return previous


def answer(
    model_id: str, request: dict[str, Any], settings: ModelSettings | None = None
) -> dict[str, Any]:
    """A Converse response for ``request`` (already parsed JSON), from the model that
    ``settings`` names (by default the one ``LOCALCLOUD_MODEL`` chose at start)."""
    started = time.perf_counter()
    chosen = settings or ACTIVE
    messages = validated(request)
    start, question = question_of(messages)
    named = named_tool(question)
    offered = offered_tools(request.get("toolConfig")) | ({named} if named else set())
    if chosen.kind == LIVE:
        content, stop = live_turn(chosen.seed, messages, start, question, offered)
    else:
        content, stop = workshop_turn(messages, start, question, offered)
    read = count_words(json.dumps([messages, request.get("system", [])]))
    written = count_words(json.dumps(content))
    limit = max_tokens(request)
    if limit is not None and written > limit:
        # Bedrock stops generating at inferenceConfig.maxTokens: the text so far, no tool
        # use (an unfinished one is not returned), stopReason "max_tokens" (Converse API).
        text = " ".join(" ".join(texts(content)).split()[:limit])
        content, stop, written = [{"text": text}], "max_tokens", limit
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {"inputTokens": read, "outputTokens": written, "totalTokens": read + written},
        "metrics": {"latencyMs": int((time.perf_counter() - started) * 1000)},
    }
