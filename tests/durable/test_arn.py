"""helpers.durable.arn: an execution ARN in parts, and a clear error for anything else."""

from __future__ import annotations

import pytest

from helpers.durable import ExecutionArn, execution_name

ARN = (
    "arn:aws:lambda:us-east-2:123456789012:function:dfw-chat:3/durable-execution/"
    "chat-20261125-abcdef12/5f0c3a1e-0000-4000-8000-000000000001"
)


def test_parts_of_an_execution_arn() -> None:
    arn = ExecutionArn.parse(ARN)
    assert (arn.partition, arn.region, arn.account) == ("aws", "us-east-2", "123456789012")
    assert (arn.function_name, arn.qualifier) == ("dfw-chat", "3")
    assert arn.execution_name == "chat-20261125-abcdef12"
    assert arn.execution_id == "5f0c3a1e-0000-4000-8000-000000000001"
    assert arn.function_arn == "arn:aws:lambda:us-east-2:123456789012:function:dfw-chat:3"
    assert str(arn) == ARN


def test_latest_and_no_qualifier() -> None:
    latest = ExecutionArn.parse(ARN.replace(":3/", ":$LATEST/"))
    assert latest.qualifier == "$LATEST"
    bare = ExecutionArn.parse(ARN.replace(":3/", "/"))
    assert bare.qualifier is None
    assert bare.function_arn.endswith(":function:dfw-chat")
    assert str(bare) == ARN.replace(":3/", "/")


@pytest.mark.parametrize(
    "name, short",
    [
        ("first-run", "first-run"),
        ("5f0c3a1e-1111-4000-8000-000000000001", "5f0c3a1e"),
        ("chat-20261125-120000-abcdef12", "chat-20261…abcdef12"),
    ],
)
def test_short_id_is_readable(name: str, short: str) -> None:
    arn = ExecutionArn.parse(ARN.replace("chat-20261125-abcdef12", name))
    assert arn.short_id == short


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not an arn",
        "arn:aws:lambda:us-east-2:123456789012:function:dfw-chat:3",  # a function ARN
        "arn:aws:states:us-east-2:1:function:f:1/durable-execution/n/i",  # not lambda
        "arn:aws:lambda:us-east-2:1:function:f:1/durable-execution/n",  # no id
        "arn:aws:lambda:us-east-2:1:function:f:1/durable-execution/n/i/extra",
        "arn:aws:lambda:us-east-2:1:layer:f:1/durable-execution/n/i",
    ],
)
def test_anything_else_is_a_clear_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a durable execution ARN"):
        ExecutionArn.parse(bad)


def test_execution_name_is_lenient() -> None:
    assert execution_name(ARN) == "chat-20261125-abcdef12"
    assert execution_name("x") == "x"
