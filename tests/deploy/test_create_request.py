"""Notebook 03's visible ``lam.create_function(**request)`` and what its cell does when
Lambda refuses it (``on_create_error``): a rerun updates what differs, a brand-new role is
waited for, anything else is raised."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from deploying import printed

from helpers import deploy
from helpers.deploy import Bundle, Names
from helpers.target import Target


def request_for(names: Names, role_arn: str, bundle: Bundle, **changes: Any) -> dict[str, Any]:
    """A request as notebook 03 writes it, from a sample's configuration."""
    config = deploy.FunctionConfig(timeout_s=30, memory_mb=128, execution_timeout_s=300)
    return {
        "FunctionName": names.function,
        "Architectures": ["x86_64"],
        "Code": {"ZipFile": bundle.read()},
        "Tags": names.tags,
        **config.spec(names, role_arn),
        **changes,
    }


def create(target: Target, request: dict[str, Any]) -> dict[str, Any]:
    """The notebook's cell: create, or on_create_error."""
    try:
        return dict(target.client("lambda").create_function(**request))
    except ClientError as error:
        return deploy.on_create_error(target, request, error)


def test_a_brand_new_role_is_waited_for_and_a_rerun_changes_nothing(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any
) -> None:
    role_arn = deploy.ensure_role(target, names, deploy.execution_policy(names))
    lam = target.client("lambda")
    request = request_for(names, role_arn, fake_bundles[0])
    # What Lambda answers while IAM propagates a new role (whether the local cloud's realism
    # still says so by now depends on timing): the cell hands it to on_create_error.
    propagating = ClientError(
        {
            "Error": {
                "Code": "InvalidParameterValueException",
                "Message": "The role defined for the function cannot be assumed by Lambda.",
            }
        },
        "CreateFunction",
    )
    created = deploy.on_create_error(target, request, propagating)
    assert created["FunctionArn"].endswith(f":function:{names.function}")
    said = printed(capsys)
    assert said[-1] == f"function {names.function}: created", said  # as a first try says
    assert not any("placeholder" in line for line in said), said  # the request is sent whole
    lam.get_waiter("function_active_v2").wait(FunctionName=names.function)
    before = lam.get_function_configuration(FunctionName=names.function)
    capsys.readouterr()

    again = create(target, request)
    assert printed(capsys) == [
        f"{names.function} already exists: updating code and configuration",
        f"function {names.function}: already there",
    ]
    assert again["LastModified"] == before["LastModified"]
    assert again["CodeSha256"] == fake_bundles[0].code_sha256


def test_a_changed_request_updates_code_configuration_and_tags(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any
) -> None:
    role_arn = deploy.ensure_role(target, names, deploy.execution_policy(names))
    create(target, request_for(names, role_arn, fake_bundles[0]))
    lam = target.client("lambda")
    lam.get_waiter("function_active_v2").wait(FunctionName=names.function)
    capsys.readouterr()

    changed = request_for(
        names,
        role_arn,
        fake_bundles[1],
        MemorySize=512,
        DurableConfig={"ExecutionTimeout": 300, "RetentionPeriodInDays": 14},
        Tags={**names.tags, "owner": "learner"},
    )
    after = create(target, changed)
    assert printed(capsys)[-1] == (
        f"function {names.function}: updated code and configuration "
        "(MemorySize, DurableConfig) and tags"
    )
    assert after["CodeSha256"] == fake_bundles[1].code_sha256
    assert after["MemorySize"] == 512
    assert after["DurableConfig"]["RetentionPeriodInDays"] == 14
    assert lam.get_function(FunctionName=names.function)["Tags"]["owner"] == "learner"
    # What the notebook's next cells do works at once: the updates were waited for.
    assert lam.publish_version(FunctionName=names.function)["Version"] == "1"


def test_another_refusal_is_raised_as_lambda_said_it(
    target: Target, names: Names, fake_bundles: list[Bundle]
) -> None:
    role_arn = deploy.ensure_role(target, names, deploy.execution_policy(names))
    bad = request_for(names, role_arn, fake_bundles[0], Code={"ZipFile": b"not a zip"})
    with pytest.raises(ClientError) as raised:
        create(target, bad)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "cannot be assumed" not in str(raised.value)


def test_an_existing_function_without_durability_is_refused(
    target: Target, names: Names, fake_bundles: list[Bundle], create_function: Any
) -> None:
    role_arn = deploy.ensure_role(target, names, deploy.execution_policy(names))
    durable = request_for(names, role_arn, fake_bundles[0])
    plain = {k: v for k, v in durable.items() if k != "DurableConfig"}
    create_function(target.client("lambda"), **plain)
    with pytest.raises(RuntimeError, match="only be chosen at creation"):
        create(target, durable)
