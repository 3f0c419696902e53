"""The Lambda control plane's refusals, as Lambda answers them (gateway/control_plane.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import ASSUME_LAMBDA, DEFAULT_DURABLE_CONFIG, create_function_when_role_ready
from gateway_cases import Client

SOURCE = "def handler(event, context):\n    return event\n"


@pytest.fixture(name="spec")
def spec_fixture(client: Client, name: Callable[..., str], zip_of: Callable[..., bytes]) -> Any:
    """``spec(**overrides)``: a CreateFunction request of a fresh name, its role ready."""
    role = client("iam").create_role(RoleName=name("role"), AssumeRolePolicyDocument=ASSUME_LAMBDA)

    def make(**overrides: Any) -> dict[str, Any]:
        request = {
            "FunctionName": name("fn"),
            "Runtime": "python3.13",
            "Role": role["Role"]["Arn"],
            "Handler": "app.handler",
            "Code": {"ZipFile": zip_of(SOURCE)},
        }
        return {**request, **overrides}

    return make


def refusal(call: Callable[..., Any], **request: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as info:
        call(**request)
    error = info.value.response
    return (
        error["ResponseMetadata"]["HTTPStatusCode"],
        error["Error"]["Code"],
        error["Error"]["Message"],
    )


def test_every_conflict_is_a_resource_conflict(client: Client, spec: Any) -> None:
    """CreateFunction, CreateAlias and AddPermission of something that exists: Lambda's
    ResourceConflictException, 409 (moto said ConflictException for the alias, and
    accepted a second statement of the same id)."""
    lam = client("lambda")
    request = spec()
    fn = request["FunctionName"]
    create_function_when_role_ready(lam, **request)
    lam.get_waiter("function_active_v2").wait(
        FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    assert refusal(lam.create_function, **request) == (
        409,
        "ResourceConflictException",
        f"Function already exist: {fn}",
    )
    version = lam.publish_version(FunctionName=fn)["Version"]
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=version)
    status, code, message = refusal(
        lam.create_alias, FunctionName=fn, Name="live", FunctionVersion=version
    )
    assert (status, code) == (409, "ResourceConflictException")
    alias_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{fn}:live"
    assert message == f"Alias already exists: {alias_arn}"
    permission = {
        "FunctionName": fn,
        "StatementId": "from-s3",
        "Action": "lambda:InvokeFunction",
        "Principal": "s3.amazonaws.com",
    }
    lam.add_permission(**permission)
    status, code, message = refusal(lam.add_permission, **permission)
    assert (status, code) == (409, "ResourceConflictException")
    assert "(from-s3) provided already exists" in message
    statements = json.loads(lam.get_policy(FunctionName=fn)["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["from-s3"]


@pytest.mark.parametrize("runtime", ["python2.7", "python3.6", "python3.7"])
def test_a_blocked_runtime_is_refused(client: Client, spec: Any, runtime: str) -> None:
    status, code, message = refusal(client("lambda").create_function, **spec(Runtime=runtime))
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message.startswith(f"The runtime parameter of {runtime} is no longer supported")


def test_an_unknown_runtime_is_a_validation_error(client: Client, spec: Any) -> None:
    status, code, message = refusal(client("lambda").create_function, **spec(Runtime="python9"))
    assert (status, code) == (400, "ValidationException")
    assert "Value 'python9' at 'runtime' failed to satisfy constraint" in message
    assert "python3.13, python3.14" in message  # the enum, listed


def test_durable_functions_need_a_durable_runtime(client: Client, spec: Any) -> None:
    lam = client("lambda")
    old = spec(Runtime="python3.12", DurableConfig=DEFAULT_DURABLE_CONFIG)
    status, code, message = refusal(lam.create_function, **old)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert "python3.12" in message and "python3.13" in message
    with pytest.raises(ClientError):
        lam.get_function(FunctionName=old["FunctionName"])  # nothing was created
    created = create_function_when_role_ready(
        lam, **spec(Runtime="python3.14", DurableConfig=DEFAULT_DURABLE_CONFIG)
    )
    assert created["Runtime"] == "python3.14"
    lam.get_waiter("function_active_v2").wait(
        FunctionName=created["FunctionName"], WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    # Nor can an update move a durable function to a runtime without durable support.
    status, code, _ = refusal(
        lam.update_function_configuration,
        FunctionName=created["FunctionName"],
        Runtime="python3.11",
    )
    assert (status, code) == (400, "InvalidParameterValueException")
    plain = create_function_when_role_ready(lam, **spec(Runtime="python3.11"))
    assert plain["Runtime"] == "python3.11"  # not durable: any supported runtime
