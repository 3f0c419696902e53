"""Durable functions only where AWS offers them (gateway/scope.py, helpers/regions.py)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from conftest import create_function_when_role_ready
from gateway_cases import Client, in_region

# -- durable functions only where AWS offers them (helpers/regions.py) -----------------


def test_durable_functions_are_refused_outside_their_regions(
    cloud: Any, client: Client, name: Callable[..., str]
) -> None:
    region = "ca-west-1"  # a commercial Region without durable functions (regions.py)
    lam = in_region(cloud, "lambda", region)
    role = client("iam").create_role(RoleName=name("r"), AssumeRolePolicyDocument="{}")
    spec: dict[str, Any] = {
        "Runtime": "python3.13",
        "Role": role["Role"]["Arn"],
        "Handler": "app.handler",
        "Code": {"ZipFile": base64.b64decode(b"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==")},
    }
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as err:
        lam.create_function(
            FunctionName=name("durable"), DurableConfig={"ExecutionTimeout": 60}, **spec
        )
    assert region in str(err.value)
    plain = name("plain")
    create_function_when_role_ready(lam, FunctionName=plain, **spec)  # an ordinary one is fine
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.list_durable_executions_by_function(FunctionName=plain)
    arn = f"arn:aws:lambda:{region}:123456789012:function:{plain}:1/durable-execution/a/b"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.get_durable_execution(DurableExecutionArn=arn)
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.send_durable_execution_callback_success(CallbackId="abc", Result=b"{}")
