"""What the gateway tests share: durable handlers, executions parked on a callback."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

Client = Callable[[str], Any]

DURABLE = """
import json
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.exceptions import CallbackError
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def quick(event, context: DurableContext):
    doubled = context.step(lambda _: event.get("n", 0) * 2, name="double")
    return {"doubled": doubled}


@durable_execution
def failing(event, context: DurableContext):
    context.step(lambda _: 1, name="ok")
    raise RuntimeError("the handler gave up")


@durable_execution
def full(event, context: DurableContext):
    first = context.step(lambda _: "stepped", name="first")
    context.wait(Duration.from_seconds(1), name="pause")
    answer = context.wait_for_callback(lambda callback_id, ctx: None, name="approve")
    fan = context.parallel(
        [lambda c: c.step(lambda _: "a", name="branch a"),
         lambda c: c.step(lambda _: "b", name="branch b")],
        name="fan",
    )
    return {"first": first, "answer": json.loads(answer), "branches": fan.get_results()}


@durable_execution
def approval(event, context: DurableContext):
    try:
        answer = context.wait_for_callback(lambda callback_id, ctx: None, name="approve")
    except CallbackError as exc:
        return {"failed": type(exc).__name__, "message": exc.message}
    return {"answer": json.loads(answer)}
"""


@pytest.fixture(name="durable")
def durable_fixture(
    deploy: Callable[..., str], name: Callable[..., str]
) -> Callable[[str], tuple[str, str]]:
    """Deploys DURABLE with ``app.<entry>`` as handler; returns (name, version)."""

    def run(entry: str) -> tuple[str, str]:
        fn = name(entry)
        return fn, deploy(fn, DURABLE, Handler=f"app.{entry}")

    return run


Waiting = Callable[[], tuple[Any, str, str]]


@pytest.fixture(name="waiting")
def waiting_fixture(
    client: Client, durable: Callable[..., Any], callback_id: Callable[..., str]
) -> Waiting:
    """``waiting()``: a fresh "approval" execution parked on its callback, as
    (lambda client, execution arn, callback id)."""

    def run() -> tuple[Any, str, str]:
        fn, version = durable("approval")
        lam = client("lambda")
        arn = start_execution(lam, fn, version)
        return lam, arn, callback_id(arn)

    return run


def start_execution(lam: Any, fn: str, version: str, payload: Any = None, **kwargs: Any) -> str:
    reply = lam.invoke(
        FunctionName=fn,
        Qualifier=version,
        InvocationType="Event",
        Payload=json.dumps(payload or {}).encode(),
        **kwargs,
    )
    assert reply["StatusCode"] == 202
    return str(reply["DurableExecutionArn"])


def error_code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def in_region(cloud: Any, service: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=cloud.endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
