"""Handlers for the step requirements (1-N) of aws-durable-execution-conformance-tests.

The requirements describe each handler in prose; ``case_1_N`` is the kit's reading of
requirement 1-N. Step functions are small and named for what they do, as in the workshop.
"""

from __future__ import annotations

import json
import os
from typing import Any

from aws_durable_execution_sdk_python.config import (
    Duration,
    JitterStrategy,
    StepConfig,
    StepSemantics,
)
from aws_durable_execution_sdk_python.context import DurableContext, StepContext, durable_step
from aws_durable_execution_sdk_python.exceptions import StepError
from aws_durable_execution_sdk_python.execution import durable_execution
from aws_durable_execution_sdk_python.retries import (
    RetryDecision,
    RetryPresets,
    RetryStrategyConfig,
    create_retry_strategy,
)
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


def every_second(max_attempts: int) -> StepConfig:
    """Retry after exactly 1 s (no backoff, no jitter), up to ``max_attempts`` in all."""
    return StepConfig(
        retry_strategy=create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=max_attempts,
                initial_delay=Duration.from_seconds(1),
                backoff_rate=1,
                jitter_strategy=JitterStrategy.NONE,
            )
        )
    )


class TransientError(Exception):
    """An error worth retrying."""


@durable_step
def greet(step_context: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_execution
def case_1_1(event: Any, context: DurableContext) -> str:
    """1-1: one step, first attempt succeeds."""
    return context.step(greet(event))


@durable_execution
def case_1_2(event: Any, context: DurableContext) -> str:
    """1-2: a step with an explicit name."""
    return context.step(lambda _: f"Hello, {event}!", name="custom_step_name")


@durable_execution
def case_1_3(event: Any, context: DurableContext) -> str:
    """1-3: the second step uses the first one's result."""
    first = context.step(lambda _: "first", name="step_one")
    return context.step(lambda _: f"{first}_second", name="step_two")


@durable_step
def build_response(step_context: StepContext, user: dict[str, Any]) -> dict[str, Any]:
    return {"user": {"name": user["name"], "tags": list(user["tags"])}, "count": len(user["tags"])}


@durable_execution
def case_1_4(event: Any, context: DurableContext) -> dict[str, Any]:
    """1-4: a nested result survives the round trip through the checkpoint."""
    return context.step(build_response(event))


@durable_execution
def case_1_5(event: Any, context: DurableContext) -> None:
    """1-5: a step that returns None."""
    return context.step(lambda _: None, name="do_nothing")


class UppercaseSerDes(SerDes[str]):
    """Stores strings upper-cased; reads them back as stored."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return json.dumps(value.upper())

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return str(json.loads(data))


@durable_execution
def case_1_6(event: Any, context: DurableContext) -> str:
    """1-6: a step with a custom serdes; the result comes back as the serdes stored it."""
    return context.step(
        lambda _: event, name="return_input", config=StepConfig(serdes=UppercaseSerDes())
    )


@durable_step
def greet_with_logs(step_context: StepContext, name: str) -> str:
    step_context.logger.info(f"Greeting step started for: {name}")
    greeting = f"Hello, {name}!"
    step_context.logger.info(f"Greeting step completed with: {greeting}")
    return greeting


@durable_execution
def case_1_7(event: Any, context: DurableContext) -> str:
    """1-7: the step logs through step_context.logger."""
    return context.step(greet_with_logs(event))


@durable_execution
def case_1_8(event: Any, context: DurableContext) -> str:
    """1-8: step, then a 2 s wait; the replay skips the step."""
    result = context.step(lambda _: "computed", name="compute")
    context.wait(Duration.from_seconds(2))
    return result


@durable_step
def compute_once(step_context: StepContext) -> str:
    step_context.logger.info("step executed")
    return "cached_value"


@durable_execution
def case_1_9(event: Any, context: DurableContext) -> str:
    """1-9: the replay returns the checkpointed result without running the step."""
    result = context.step(compute_once())
    context.wait(Duration.from_seconds(1))
    return result


@durable_step
def fail_once_for_all(step_context: StepContext) -> str:
    step_context.logger.info("step executed")
    raise RuntimeError("permanent failure")


@durable_execution
def case_1_10(event: Any, context: DurableContext) -> str:
    """1-10: a caught permanent failure is raised again, from the checkpoint, on replay."""
    try:
        context.step(fail_once_for_all(), config=NO_RETRY)
    except StepError:
        outcome = "caught"
    context.wait(Duration.from_seconds(1))
    return outcome


@durable_step
def fails_before_attempt(step_context: StepContext, succeed_on: int, result: str) -> str:
    if step_context.attempt < succeed_on:
        raise RuntimeError(f"attempt {step_context.attempt} failed")
    return result


@durable_execution
def case_1_11(event: Any, context: DurableContext) -> str:
    """1-11: the first attempt fails, the retry 1 s later succeeds."""
    return context.step(fails_before_attempt(2, "Operation succeeded"), config=every_second(3))


@durable_step
def always_fail(step_context: StepContext) -> str:
    raise RuntimeError(f"attempt {step_context.attempt} failed")


@durable_execution
def case_1_12(event: Any, context: DurableContext) -> str:
    """1-12: four attempts, all failing; the execution fails."""
    return context.step(always_fail(), config=every_second(4))


@durable_execution
def case_1_13(event: Any, context: DurableContext) -> str:
    """1-13: the default retry strategy (5 s then 10 s, full jitter); third attempt succeeds."""
    return context.step(fails_before_attempt(3, "third time lucky"))


@durable_execution
def case_1_14(event: Any, context: DurableContext) -> str:
    """1-14: 2 s initial delay, backoff 3x, no jitter: retries after 2 s and 6 s."""
    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=5,
            initial_delay=Duration.from_seconds(2),
            backoff_rate=3,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    return context.step(
        fails_before_attempt(3, "third time lucky"), config=StepConfig(retry_strategy=strategy)
    )


@durable_step
def transient_then_fine(step_context: StepContext) -> str:
    if step_context.attempt == 1:
        raise TransientError("temporary failure")
    return "recovered"


def retry_on_transient(error: Exception, attempts_made: int) -> RetryDecision:
    if isinstance(error, TransientError) and attempts_made < 3:
        return RetryDecision.retry(Duration.from_seconds(1))
    return RetryDecision.no_retry()


@durable_execution
def case_1_15(event: Any, context: DurableContext) -> str:
    """1-15: the strategy retries TransientError only; the retry succeeds."""
    return context.step(transient_then_fine(), config=StepConfig(retry_strategy=retry_on_transient))


@durable_step
def transient_always(step_context: StepContext) -> str:
    raise TransientError("temporary failure")


def never_retry_transient(error: Exception, attempts_made: int) -> RetryDecision:
    if isinstance(error, TransientError):
        return RetryDecision.no_retry()
    return RetryDecision.retry(Duration.from_seconds(1))


@durable_execution
def case_1_16(event: Any, context: DurableContext) -> str:
    """1-16: the strategy does not retry TransientError; the step fails at once."""
    return context.step(transient_always(), config=StepConfig(retry_strategy=never_retry_transient))


@durable_step
def log_then_crash(step_context: StepContext, text: str, crash_on: int) -> str:
    step_context.logger.info(text)
    if step_context.attempt <= crash_on:
        os._exit(1)  # the Lambda runtime process dies mid-step
    return "succeeded on second attempt"


@durable_execution
def case_1_17(event: Any, context: DurableContext) -> str:
    """1-17: at-most-once step, no retry: the process dies; the replay fails the step."""
    return context.step(
        log_then_crash(str(event), crash_on=1),
        name="at_most_once_flaky_step",
        config=StepConfig(
            retry_strategy=RetryPresets.none(), step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY
        ),
    )


@durable_execution
def case_1_18(event: Any, context: DurableContext) -> str:
    """1-18: at-most-once step with retries: the process dies once, the retry succeeds."""
    strategy = every_second(3).retry_strategy
    return context.step(
        log_then_crash(str(event), crash_on=1),
        name="at_most_once_flaky_step",
        config=StepConfig(
            retry_strategy=strategy, step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY
        ),
    )


@durable_execution
def case_1_19(event: Any, context: DurableContext) -> str:
    """1-19: a failing step with no retries fails the execution."""
    return context.step(always_fail(), config=NO_RETRY)


@durable_execution
def case_1_20(event: Any, context: DurableContext) -> str:
    """1-20: the handler catches the step's error and goes on with a fallback."""
    try:
        value = context.step(always_fail(), config=NO_RETRY)
    except StepError:
        value = "fallback"
    return context.step(lambda _: f"{value}_result", name="use_value")
