"""Handlers for the wait requirements (2-N) of aws-durable-execution-conformance-tests."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def case_2_1(event: Any, context: DurableContext) -> None:
    """2-1: one 2 s wait: suspend, then a replay completes it."""
    context.wait(Duration.from_seconds(2))


@durable_execution
def case_2_2(event: Any, context: DurableContext) -> None:
    """2-2: a named wait."""
    context.wait(Duration.from_seconds(2), name="custom_wait_name")


@durable_execution
def case_2_3(event: Any, context: DurableContext) -> dict[str, int]:
    """2-3: two waits in a row, each a suspension and a replay."""
    context.wait(Duration.from_seconds(2), name="wait-1")
    context.wait(Duration.from_seconds(2), name="wait-2")
    return {"completedWaits": 2}


@durable_execution
def case_2_4(event: Any, context: DurableContext) -> None:
    """2-4: a one-minute wait is checkpointed as 60 seconds."""
    context.wait(Duration.from_minutes(1))


@durable_execution
def case_2_5(event: Any, context: DurableContext) -> None:
    """2-5: a one-hour wait is checkpointed as 3600 seconds."""
    context.wait(Duration.from_hours(1))
