"""The handlers both sides of the benchmark run: the very same code.

This file is imported by the in-process runner and, unchanged, zipped as
``bench_handlers.py`` for the local cloud, so it imports nothing but the durable SDK
(which the local cloud's Lambda host provides, as the managed runtime does).
"""

from __future__ import annotations

import json
from typing import Any

from aws_durable_execution_sdk_python.context import DurableContext, StepContext, durable_step
from aws_durable_execution_sdk_python.execution import durable_execution

CALLBACK_NAME = "approve"


@durable_step
def prepare(step_context: StepContext, value: int) -> int:
    return value + 1


@durable_step
def finish(step_context: StepContext, value: int, answer: str) -> dict[str, Any]:
    return {"value": value, "decision": json.loads(answer).get("decision")}


@durable_execution
def trivial(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    """The smallest useful durable function: one step, then the result."""
    return {"value": context.step(prepare(int(event.get("n", 0))))}


def _submit(callback_id: str, ctx: Any) -> None:
    # The benchmark reads the callback id from the execution's history, as a test would.
    pass


@durable_execution
def approval(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    """step -> wait_for_callback -> step: one human approval in the middle."""
    value = context.step(prepare(int(event.get("n", 0))))
    answer = context.wait_for_callback(_submit, name=CALLBACK_NAME)
    return context.step(finish(value, answer))
