"""The talk's first sample: a step, then a wait that uses no compute.

Deployed in the chatbot's zip with handler ``lambda_fn.first_durable.lambda_handler``.
The wait is the talk's 10 s unless the event says ``{"wait_seconds": n}`` (tests use 1).
"""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import StepContext
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.context import DurableContext, durable_step
from aws_durable_execution_sdk_python.execution import durable_execution

DEFAULT_WAIT_SECONDS = 10


@durable_step
def my_step(step_context: StepContext, my_arg: int) -> str:
    step_context.logger.info("Hello from my_step")
    return f"from my_step: {my_arg}"


@durable_execution
def lambda_handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    seconds = int(event.get("wait_seconds", DEFAULT_WAIT_SECONDS))
    msg: str = context.step(my_step(123))
    # The invocation ends here and Lambda bills nothing; a new one replays up to this point.
    context.wait(Duration.from_seconds(seconds))
    context.logger.info(f"Waited for {seconds} seconds without consuming CPU.")
    return {"statusCode": 200, "body": msg}
