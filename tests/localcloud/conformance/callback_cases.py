"""Handlers for the callback requirements (4-N) of aws-durable-execution-conformance-tests.

``create_callback`` returns at once with a callback id; ``result()`` suspends the
execution until someone answers with SendDurableExecutionCallbackSuccess/Failure (the
test answers as each requirement's CallbackActions say), or the callback times out.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aws_durable_execution_sdk_python.config import CallbackConfig, Duration
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.exceptions import CallbackError
from aws_durable_execution_sdk_python.execution import durable_execution
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


def timeout_after(seconds: int) -> CallbackConfig:
    return CallbackConfig(timeout=Duration.from_seconds(seconds))


def heartbeat_within(seconds: int) -> CallbackConfig:
    return CallbackConfig(heartbeat_timeout=Duration.from_seconds(seconds))


@durable_execution
def case_4_1(event: Any, context: DurableContext) -> Any:
    """4-1: a callback named by the input; its answer is the result."""
    return context.create_callback(name=event).result()


@durable_execution
def case_4_2(event: Any, context: DurableContext) -> Any:
    """4-2: a callback named "approval"."""
    return context.create_callback(name="approval").result()


@durable_execution
def case_4_3(event: Any, context: DurableContext) -> Any:
    """4-3: nobody answers within the 5 s timeout: the execution fails."""
    return context.create_callback(name=event, config=timeout_after(5)).result()


@durable_execution
def case_4_4(event: Any, context: DurableContext) -> Any:
    """4-4: no heartbeat within 5 s: the callback times out, the execution fails."""
    return context.create_callback(name=event, config=heartbeat_within(5)).result()


@durable_execution
def case_4_5(event: Any, context: DurableContext) -> Any:
    """4-5: a heartbeat keeps the callback alive until the answer comes."""
    return context.create_callback(name=event, config=heartbeat_within(10)).result()


@durable_execution
def case_4_6(event: Any, context: DurableContext) -> Any:
    """4-6: the answer is a failure, not caught: the execution fails."""
    return context.create_callback(name=event).result()


@durable_execution
def case_4_7(event: Any, context: DurableContext) -> Any:
    """4-7: create the callback, run a step, then wait on the callback (answered: failure)."""
    callback = context.create_callback(name=event)
    context.step(lambda _: "prepared", name="prepare")
    return callback.result()


@durable_execution
def case_4_8(event: Any, context: DurableContext) -> Any:
    """4-8: as 4-7, but nobody answers within 5 s."""
    callback = context.create_callback(name=event, config=timeout_after(5))
    context.step(lambda _: "prepared", name="prepare")
    return callback.result()


@durable_execution
def case_4_9(event: Any, context: DurableContext) -> Any:
    """4-9: the answer arrives during a 5 s wait; the result is read after it."""
    callback = context.create_callback(name=event)
    context.wait(Duration.from_seconds(5))
    return callback.result()


@durable_execution
def case_4_10(event: Any, context: DurableContext) -> Any:
    """4-10: as 4-9, but the answer is a failure."""
    callback = context.create_callback(name=event)
    context.wait(Duration.from_seconds(5))
    return callback.result()


@durable_execution
def case_4_11(event: Any, context: DurableContext) -> Any:
    """4-11: the callback times out (3 s) during a 6 s wait; reading it then fails."""
    callback = context.create_callback(name=event, config=timeout_after(3))
    context.wait(Duration.from_seconds(6))
    return callback.result()


@durable_execution
def case_4_12(event: Any, context: DurableContext) -> Any:
    """4-12: wait on the callback, then a 2 s wait, then return the answer."""
    answer = context.create_callback(name=event).result()
    context.wait(Duration.from_seconds(2))
    return answer


@durable_execution
def case_4_13(event: Any, context: DurableContext) -> str:
    """4-13: the failure answer is caught; a 2 s wait; its message is the result."""
    try:
        message = str(context.create_callback(name=event).result())
    except CallbackError as error:
        message = f"callback failed: {error}"
    context.wait(Duration.from_seconds(2))
    return message


@durable_execution
def case_4_14(event: Any, context: DurableContext) -> str:
    """4-14: the timeout (3 s) is caught; a 2 s wait; the execution succeeds."""
    try:
        message = str(context.create_callback(name=event, config=timeout_after(3)).result())
    except CallbackError as error:
        message = f"callback timed out: {error}"
    context.wait(Duration.from_seconds(2))
    return message


class EventSerDes(SerDes[dict[str, Any]]):
    """Reads the answer {id, message, timestamp: ISO 8601} into a dict with epoch seconds."""

    def serialize(self, value: dict[str, Any], serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> dict[str, Any]:
        answer = json.loads(data)
        when = datetime.fromisoformat(answer["timestamp"].replace("Z", "+00:00"))
        return {
            "id": answer["id"],
            "message": answer["message"],
            "timestamp": int(when.timestamp()),
        }


@durable_execution
def case_4_15(event: Any, context: DurableContext) -> dict[str, Any]:
    """4-15: a custom deserializer turns the answer into a typed object."""
    received = context.create_callback(name=event, config=CallbackConfig(serdes=EventSerDes()))
    return {"received": received.result()}


class NumberSerDes(SerDes[int]):
    def serialize(self, value: int, serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> int:
        return int(json.loads(data))


@durable_execution
def case_4_16(event: Any, context: DurableContext) -> dict[str, int]:
    """4-16: a custom deserializer reads the answer as a number."""
    count = context.create_callback(name=event, config=CallbackConfig(serdes=NumberSerDes()))
    value = count.result()
    return {"count": value, "doubled": value * 2}


@durable_execution
def case_4_17(event: Any, context: DurableContext) -> list[Any]:
    """4-17: callback A is awaited before callback B is even created."""
    first = context.create_callback(name=event[0]).result()
    second = context.create_callback(name=event[1]).result()
    return [first, second]


@durable_execution
def case_4_18(event: Any, context: DurableContext) -> list[Any]:
    """4-18: A and B created together, awaited A then B."""
    a = context.create_callback(name=event[0])
    b = context.create_callback(name=event[1])
    return [a.result(), b.result()]


@durable_execution
def case_4_19(event: Any, context: DurableContext) -> list[Any]:
    """4-19: A and B created together, awaited B first."""
    a = context.create_callback(name=event[0])
    b = context.create_callback(name=event[1])
    second = b.result()
    return [a.result(), second]
