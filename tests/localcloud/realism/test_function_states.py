"""Lambda's function states and a new role Lambda cannot assume yet (realism/functions.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from realism_cases import (
    HANDLER,
    code,
    create_when_role_ready,
    function_spec,
    make_zip,
    message,
    new_role,
)

from helpers.localcloud.realism import FAST


# -- 1. Pending before Active -----------------------------------------------------------------
def test_a_new_function_is_pending_and_refuses_invokes_until_active(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    fn, lam = name("pending"), client("lambda")
    created = create_when_role_ready(lam, **function_spec(fn, new_role(client, f"{fn}-role")))
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    assert lam.get_function(FunctionName=fn)["Configuration"]["State"] == "Pending"
    assert lam.get_function_configuration(FunctionName=fn)["State"] == "Pending"
    with pytest.raises(ClientError) as refused:
        lam.invoke(FunctionName=fn, Payload=b"{}")
    assert code(refused.value) == "ResourceConflictException"
    assert message(refused.value).endswith("currently in the following state: Pending")
    lam.get_waiter("function_active_v2").wait(
        FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    assert lam.get_function(FunctionName=fn)["Configuration"]["State"] == "Active"
    assert json.loads(lam.invoke(FunctionName=fn, Payload=b"{}")["Payload"].read()) == {"ok": True}


# -- 2. LastUpdateStatus InProgress -----------------------------------------------------------
def test_an_update_is_in_progress_until_successful(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    fn, lam = name("update"), client("lambda")
    create_when_role_ready(lam, **function_spec(fn, new_role(client, f"{fn}-role")))
    lam.get_waiter("function_active_v2").wait(FunctionName=fn, WaiterConfig={"Delay": 1})
    updated = lam.update_function_configuration(FunctionName=fn, MemorySize=256)
    assert updated["LastUpdateStatus"] == "InProgress"
    assert lam.get_function(FunctionName=fn)["Configuration"]["LastUpdateStatus"] == "InProgress"
    for call in (
        lambda: lam.update_function_code(FunctionName=fn, ZipFile=make_zip(HANDLER + "# 2\n")),
        lambda: lam.publish_version(FunctionName=fn),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert code(refused.value) == "ResourceConflictException"
        assert "An update is in progress for resource: arn:aws:lambda:" in message(refused.value)
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    assert lam.get_function(FunctionName=fn)["Configuration"]["LastUpdateStatus"] == "Successful"
    assert lam.publish_version(FunctionName=fn)["Version"] == "1"


# -- 3. a new role --------------------------------------------------------------------------
def test_a_new_role_cannot_be_assumed_by_lambda_at_once(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    fn, lam = name("role"), client("lambda")
    role = new_role(client, f"{fn}-role")
    with pytest.raises(ClientError) as refused:
        lam.create_function(**function_spec(fn, role))
    assert code(refused.value) == "InvalidParameterValueException"
    assert (
        message(refused.value) == "The role defined for the function cannot be assumed by Lambda."
    )
    time.sleep(FAST.role_propagation_s)
    assert lam.create_function(**function_spec(fn, role))["FunctionName"] == fn
