"""Notebook 03's visible ``iam.create_role(**role_request)`` and what its cell does when IAM
refuses it (``on_role_error``): a rerun finds the kit's role and puts back what it lost, a
role Lambda may not assume is refused in one line, anything else is raised."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from botocore.exceptions import ClientError
from deploying import printed

from helpers import deploy, permissions
from helpers.deploy import BOUNDARY_ENV, BoundaryError, Names, RoleError
from helpers.target import Target


def role_request(names: Names) -> dict[str, Any]:
    """The request as notebook 03's cell writes it."""
    request: dict[str, Any] = {
        "RoleName": names.role,
        "AssumeRolePolicyDocument": json.dumps(deploy.trust_policy()),
        "Description": f"Execution role of {names.function} (durable-hitl workshop)",
        "Tags": names.tag_list(),
    }
    boundary = deploy.permissions_boundary(names)
    if boundary:
        request["PermissionsBoundary"] = boundary
    return request


def create(target: Target, request: dict[str, Any]) -> dict[str, Any]:
    """The notebook's cell: create (and wait until IAM shows it), or on_role_error."""
    iam = target.client("iam")
    try:
        role = dict(iam.create_role(**request)["Role"])
        iam.get_waiter("role_exists").wait(RoleName=request["RoleName"])
        return role
    except ClientError as error:
        return deploy.on_role_error(target, request, error)


def refused(code: str, message: str = "refused") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateRole")


def test_a_rerun_finds_the_kits_role_and_changes_nothing(
    target: Target, names: Names, capsys: Any
) -> None:
    request = role_request(names)
    created = create(target, request)
    capsys.readouterr()

    again = create(target, request)
    assert again["Arn"] == created["Arn"] == names.role_arn
    assert printed(capsys) == [
        f"{names.role} already exists, and Lambda may assume it: the kit's execution role",
        f"role {names.role}: already there",
    ]


def test_a_rerun_puts_back_the_boundary_and_tags_an_admin_took_away(
    target: Target, names: Names, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = target.client("iam")
    iam.create_policy(
        PolicyName=names.boundary_policy,
        PolicyDocument=json.dumps(permissions.boundary_policy(names)),
    )
    try:
        monkeypatch.setenv(BOUNDARY_ENV, "auto")
        request = role_request(names)
        assert request["PermissionsBoundary"] == names.boundary_arn
        create(target, request)
        iam.delete_role_permissions_boundary(RoleName=names.role)
        iam.untag_role(RoleName=names.role, TagKeys=list(names.tags))
        capsys.readouterr()

        role = create(target, request)
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == names.boundary_arn
        assert {t["Key"]: t["Value"] for t in role["Tags"]} == names.tags
        assert printed(capsys)[-1] == (
            f"role {names.role}: permissions boundary {names.boundary_policy} set, tags restored"
        )
    finally:
        iam.delete_role(RoleName=names.role)
        iam.delete_policy(PolicyArn=names.boundary_arn)


def test_a_role_of_that_name_that_lambda_may_not_assume_is_not_the_kits(
    target: Target, names: Names
) -> None:
    ec2_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    target.client("iam").create_role(
        RoleName=names.role, AssumeRolePolicyDocument=json.dumps(ec2_trust)
    )
    with pytest.raises(RoleError, match="not this kit's execution role") as error:
        create(target, role_request(names))
    assert len(error.value._render_traceback_()) == 1  # one line in the notebook


def test_access_denied_says_what_to_set_and_other_errors_are_raised(
    target: Target, names: Names
) -> None:
    request = role_request(names)
    with pytest.raises(BoundaryError, match=f"set {BOUNDARY_ENV}=auto"):
        deploy.on_role_error(target, request, refused("AccessDenied"))
    with pytest.raises(BoundaryError, match="names the boundary your facilitator created"):
        deploy.on_role_error(
            target, {**request, "PermissionsBoundary": names.boundary_arn}, refused("AccessDenied")
        )
    limit = refused("LimitExceeded", "Cannot exceed quota for RolesPerAccount")
    with pytest.raises(ClientError, match="RolesPerAccount"):
        deploy.on_role_error(target, request, limit)


def test_trusts_lambda_reads_every_form_of_a_trust_policy() -> None:
    trust = deploy.trust_policy()
    assert deploy.trusts_lambda(trust)
    assert deploy.trusts_lambda(urllib.parse.quote(json.dumps(trust)))  # as the IAM API sends it
    listed = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": ["edgelambda.amazonaws.com", "lambda.amazonaws.com"]},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    }
    assert deploy.trusts_lambda(listed)
    denied = {"Statement": [{**trust["Statement"][0], "Effect": "Deny"}]}
    assert not deploy.trusts_lambda(denied)
    anyone = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    assert not deploy.trusts_lambda({"Statement": [anyone]})
    assert not deploy.trusts_lambda("not json") and not deploy.trusts_lambda(None)
