"""Handlers for the child context requirements (3-N) of
aws-durable-execution-conformance-tests.

A child context groups operations under one parent operation; its result is
checkpointed like a step's, so a replay skips the whole group.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path
from typing import Any

from aws_durable_execution_sdk_python.config import (
    ChildConfig,
    Duration,
    JitterStrategy,
    StepConfig,
)
from aws_durable_execution_sdk_python.context import (
    DurableContext,
    StepContext,
    durable_step,
    durable_with_child_context,
)
from aws_durable_execution_sdk_python.exceptions import ChildContextError
from aws_durable_execution_sdk_python.execution import durable_execution
from aws_durable_execution_sdk_python.retries import (
    RetryPresets,
    RetryStrategyConfig,
    create_retry_strategy,
)
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())
LARGE = 300 * 1024  # above the 256 KB a checkpointed result may hold


def every_second(max_attempts: int) -> StepConfig:
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


@durable_step
def echo(step_context: StepContext, value: Any) -> Any:
    return value


@durable_step
def always_fail(step_context: StepContext) -> str:
    raise RuntimeError(f"attempt {step_context.attempt} failed")


@durable_execution
def case_3_1(event: Any, context: DurableContext) -> Any:
    """3-1: a child context with one step; the step's result is the child's."""
    return context.run_in_child_context(lambda child: child.step(echo(event)))


@durable_execution
def case_3_2(event: Any, context: DurableContext) -> Any:
    """3-2: the child context is named by the input."""
    return context.run_in_child_context(
        lambda child: child.step(echo(event["value"])), name=event["name"]
    )


@durable_with_child_context
def pass_along(child: DurableContext, value: Any) -> Any:
    first = child.step(echo(value), name="first")
    return child.step(echo(first), name="second")


@durable_execution
def case_3_3(event: Any, context: DurableContext) -> Any:
    """3-3: two steps in a child, the second fed by the first."""
    return context.run_in_child_context(pass_along(event))


@durable_with_child_context
def failing_group(child: DurableContext) -> Any:
    return child.step(always_fail(), config=NO_RETRY)


@durable_execution
def case_3_4(event: Any, context: DurableContext) -> Any:
    """3-4: the step in the child fails, nobody catches it: the execution fails."""
    return context.run_in_child_context(failing_group())


@durable_execution
def case_3_5(event: Any, context: DurableContext) -> Any:
    """3-5: the child's failure is caught; a recovery step follows."""
    with contextlib.suppress(ChildContextError):
        context.run_in_child_context(failing_group())
    return context.step(echo(event), name="recover")


@durable_with_child_context
def inner_group(child: DurableContext, value: Any) -> Any:
    return child.step(echo(value), name="inner step")


@durable_with_child_context
def outer_group(child: DurableContext, value: Any) -> Any:
    child.step(echo(value), name="outer step")
    return child.run_in_child_context(inner_group(value))


@durable_execution
def case_3_6(event: Any, context: DurableContext) -> Any:
    """3-6: a child context inside a child context, each with a step."""
    return context.run_in_child_context(outer_group(event))


@durable_step
def fail_first_attempt(step_context: StepContext, value: Any) -> Any:
    if step_context.attempt == 1:
        raise RuntimeError("first attempt failed")
    return value


@durable_with_child_context
def retrying_group(child: DurableContext, value: Any) -> Any:
    return child.step(fail_first_attempt(value), config=every_second(3))


@durable_execution
def case_3_7(event: Any, context: DurableContext) -> Any:
    """3-7: the step in the child fails once and succeeds on its retry."""
    return context.run_in_child_context(retrying_group(event))


@durable_with_child_context
def exhausted_group(child: DurableContext) -> Any:
    return child.step(always_fail(), config=every_second(2))


@durable_execution
def case_3_8(event: Any, context: DurableContext) -> Any:
    """3-8: the step in the child fails both its attempts: the child fails."""
    return context.run_in_child_context(exhausted_group())


@durable_with_child_context
def one_step_group(child: DurableContext, value: Any) -> Any:
    return child.step(echo(value))


@durable_execution
def case_3_9(event: Any, context: DurableContext) -> Any:
    """3-9: a child, then a wait; the replay reads the child's result from its checkpoint."""
    result = context.run_in_child_context(lambda child: child.step(echo(event)))
    context.wait(Duration.from_seconds(1))
    return result


@durable_with_child_context
def step_then_wait(child: DurableContext, value: Any) -> Any:
    result = child.step(echo(value))
    child.wait(Duration.from_seconds(1))
    return result


@durable_execution
def case_3_10(event: Any, context: DurableContext) -> Any:
    """3-10: a step and a wait inside the child."""
    return context.run_in_child_context(step_then_wait(event))


@durable_with_child_context
def large_result(child: DurableContext, value: Any) -> str:
    child.logger.info(f"building a large result for {value}")
    seed = child.step(echo(value))
    return str(seed) * (LARGE // max(len(str(seed)), 1) + 1)


@durable_execution
def case_3_11(event: Any, context: DurableContext) -> int:
    """3-11: the child's result is too large to checkpoint: the replay rebuilds it."""
    result = context.run_in_child_context(large_result(event))
    context.wait(Duration.from_seconds(1))
    return len(result)


def first_run(execution_arn: str) -> bool:
    """True once per execution: a marker in CONFORMANCE_MARKERS records that it ran.

    A stand-in for the external attempt store of the upstream suite: the process that
    crashes cannot remember anything itself.
    """
    marker = (
        Path(os.environ["CONFORMANCE_MARKERS"]) / hashlib.sha256(execution_arn.encode()).hexdigest()
    )
    if marker.exists():
        return False
    marker.touch()
    return True


@durable_step
def crash_once(step_context: StepContext, value: Any, crash: bool) -> Any:
    if crash:
        # The requirement has the process die *after* StepStarted is checkpointed; that START
        # is sent in the background (at least once per retry), so give it time to land.
        time.sleep(1)
        os._exit(1)
    return value


@durable_execution
def case_3_12(event: Any, context: DurableContext) -> Any:
    """3-12: the process dies inside the child's step; the replay runs the step again."""
    crash = first_run(context.execution_context.durable_execution_arn)
    return context.run_in_child_context(lambda child: child.step(crash_once(event, crash)))


@durable_with_child_context
def only_a_wait(child: DurableContext, value: Any) -> Any:
    child.wait(Duration.from_seconds(1))
    return value


@durable_execution
def case_3_13(event: Any, context: DurableContext) -> Any:
    """3-13: a child holding only a wait, then a step outside it."""
    value = context.run_in_child_context(only_a_wait(event))
    return context.step(echo(value), name="after")


class UppercaseSerDes(SerDes[str]):
    """Stores the string upper-cased, as is (not JSON); reads it back unchanged."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return value.upper()

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return data


@durable_execution
def case_3_14(event: Any, context: DurableContext) -> Any:
    """3-14: the child's result goes through a custom serdes."""
    return context.run_in_child_context(
        one_step_group(event), config=ChildConfig(serdes=UppercaseSerDes())
    )


@durable_with_child_context
def raises_directly(child: DurableContext) -> Any:
    raise ValueError("the child gave up before any durable operation")


@durable_execution
def case_3_15(event: Any, context: DurableContext) -> Any:
    """3-15: the child raises without any durable operation: the execution fails."""
    return context.run_in_child_context(raises_directly())


@durable_with_child_context
def nothing(child: DurableContext) -> None:
    return None


@durable_execution
def case_3_16(event: Any, context: DurableContext) -> Any:
    """3-16: the child returns None without any durable operation."""
    return context.run_in_child_context(nothing())


@durable_with_child_context
def log_only(child: DurableContext, value: Any) -> Any:
    child.logger.info(f"child context got {value}")
    return value


@durable_execution
def case_3_17(event: Any, context: DurableContext) -> Any:
    """3-17: a child that only logs; the replay after the wait does not run it again."""
    value = context.run_in_child_context(log_only(event))
    context.wait(Duration.from_seconds(1))
    return value


@durable_execution
def case_3_18(event: Any, context: DurableContext) -> Any:
    """3-18: step + wait inside the child, then step + wait outside: three invocations."""
    value = context.run_in_child_context(step_then_wait(event))
    result = context.step(echo(value), name="after")
    context.wait(Duration.from_seconds(1))
    return result
