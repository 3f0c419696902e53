"""Handlers for the wait_for_callback requirements (7-N) of
aws-durable-execution-conformance-tests.

``wait_for_callback`` is the workshop's approval pattern: a child context holding a
callback and a submitter step that hands the callback id to someone (here: nobody, the
test finds the id in the history), then a suspension until the answer comes.
"""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python.config import (
    Duration,
    JitterStrategy,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.exceptions import CallbackError
from aws_durable_execution_sdk_python.execution import durable_execution
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.serdes import JsonSerDes
from aws_durable_execution_sdk_python.types import WaitForCallbackContext


def submit(callback_id: str, context: WaitForCallbackContext) -> None:
    """Hand the callback id over; the answer comes back through the Lambda API."""
    context.logger.info(f"waiting on callback {callback_id}")


@durable_execution
def case_7_1(event: Any, context: DurableContext) -> Any:
    """7-1: named by the input; the answer is the result."""
    return context.wait_for_callback(submit, name=event)


@durable_execution
def case_7_2(event: Any, context: DurableContext) -> Any:
    """7-2: named "approval"."""
    return context.wait_for_callback(submit, name="approval")


@durable_execution
def case_7_3(event: Any, context: DurableContext) -> Any:
    """7-3: an anonymous inline submitter and no name."""
    return context.wait_for_callback(lambda callback_id, ctx: None)


@durable_execution
def case_7_4(event: Any, context: DurableContext) -> Any:
    """7-4: the answer is a failure, not caught: the execution fails."""
    return context.wait_for_callback(submit, name=event)


@durable_execution
def case_7_5(event: Any, context: DurableContext) -> Any:
    """7-5: nobody answers within 3 s: the execution fails."""
    config = WaitForCallbackConfig(timeout=Duration.from_seconds(3))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_execution
def case_7_6(event: Any, context: DurableContext) -> Any:
    """7-6: the failure answer is caught: "recovered"."""
    try:
        return context.wait_for_callback(submit, name=event)
    except CallbackError:
        return "recovered"


def submit_fails(callback_id: str, context: WaitForCallbackContext) -> None:
    raise RuntimeError("the approval queue is down")


@durable_execution
def case_7_7(event: Any, context: DurableContext) -> Any:
    """7-7: the submitter fails twice (one retry after 1 s): the execution fails."""
    retry = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=2,
            initial_delay=Duration.from_seconds(1),
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    config = WaitForCallbackConfig(retry_strategy=retry)
    return context.wait_for_callback(submit_fails, name=event, config=config)


@durable_execution
def case_7_8(event: Any, context: DurableContext) -> Any:
    """7-8: inside a child context "wrapper"."""
    return context.run_in_child_context(
        lambda child: child.wait_for_callback(submit, name=event), name="wrapper"
    )


@durable_execution
def case_7_9(event: Any, context: DurableContext) -> Any:
    """7-9: two in a row, "first" then "second"; the second answer is the result."""
    context.wait_for_callback(submit, name="first")
    return context.wait_for_callback(submit, name="second")


@durable_execution
def case_7_10(event: Any, context: DurableContext) -> Any:
    """7-10: a 1 s wait and a step come first."""
    context.wait(Duration.from_seconds(1))
    context.step(lambda _: {"ticket": 1}, name="prepare")
    return context.wait_for_callback(submit, name=event)


@durable_execution
def case_7_11(event: Any, context: DurableContext) -> Any:
    """7-11: the answer is read as JSON; its "status" is the result."""
    config = WaitForCallbackConfig(serdes=JsonSerDes())
    return context.wait_for_callback(submit, name=event, config=config)["status"]


@durable_execution
def case_7_12(event: Any, context: DurableContext) -> Any:
    """7-12: no heartbeat within 5 s: the execution fails."""
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(5))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_execution
def case_7_13(event: Any, context: DurableContext) -> Any:
    """7-13: a heartbeat, then the answer, within the 10 s heartbeat timeout."""
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(10))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_execution
def case_7_14(event: Any, context: DurableContext) -> Any:
    """7-14: the 3 s timeout is caught: "timed-out-handled"."""
    config = WaitForCallbackConfig(timeout=Duration.from_seconds(3))
    try:
        return context.wait_for_callback(submit, name=event, config=config)
    except CallbackError:
        return "timed-out-handled"


@durable_execution
def case_7_15(event: Any, context: DurableContext) -> Any:
    """7-15: the answer carries no payload: the result is empty."""
    return context.wait_for_callback(submit, name=event)
