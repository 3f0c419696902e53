"""The talk's parallel sample, with a wait after it so that replay shows.

Deployed in the chatbot's zip with handler ``lambda_fn.parallel_replay.lambda_handler``.
The wait ends the first invocation; the next one runs the handler again from the top (a
replay): the parallel and the steps return their checkpointed results without running,
while the plain code between them runs again. In the logs:

- ``print`` outside a step appears once per invocation, ``context.logger`` once in all;
- a side effect outside a step (an "e-mail" about a fresh ticket id) happens on every
  invocation, each time with another id; the same in a step happens once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from aws_durable_execution_sdk_python import StepContext
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution

DEFAULT_WAIT_SECONDS = 3


def send_email(where: str) -> str:
    """Stands for any side effect: a payment, a message, a row written elsewhere."""
    ticket = uuid.uuid4().hex[:8]
    print(f"E-MAIL sent about ticket {ticket} ({where})")
    return ticket


def task(n: int) -> Callable[[DurableContext], str]:
    def run(_: StepContext) -> str:
        print(f"task{n} runs")  # in a step: once; a replay reads the checkpoint instead
        return f"Task {n} complete"

    return lambda ctx: ctx.step(run, name=f"task{n}")


@durable_execution
def lambda_handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    print("print: the handler starts")  # on every invocation
    context.logger.info("logger: the handler starts")  # not while replaying
    result = context.parallel([task(1), task(2), task(3)], name="tasks")

    # WRONG: outside a step this runs again on every replay, with a new ticket each time.
    ticket_outside = send_email("outside a step")
    # RIGHT: in a step it runs once; replays take the ticket from the checkpoint.
    ticket_in_step = context.step(lambda _: send_email("in a step"), name="send e-mail")

    context.wait(Duration.from_seconds(int(event.get("wait_seconds", DEFAULT_WAIT_SECONDS))))
    context.logger.info("logger: after the wait")
    return {
        "results": result.get_results(),
        "ticket_outside_step": ticket_outside,
        "ticket_in_step": ticket_in_step,
    }
