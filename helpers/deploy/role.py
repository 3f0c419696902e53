"""The execution role: trusted by Lambda, its inline policy, the managed durable policy,
and in a shared account the permissions boundary."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from ..target import Target
from .names import Names, redact_account
from .policies import (
    BOUNDARY_ENV,
    DURABLE_POLICY_ARN,
    BoundaryError,
    permissions_boundary,
    trust_policy,
)
from .steps import ACCESS_DENIED, error_code, say


def _create_denied(names: Names, boundary: str | None) -> BoundaryError:
    if boundary is None:
        said = (
            f"IAM denied CreateRole for {names.role}: in a shared workshop account, set "
            f"{BOUNDARY_ENV}=auto (README, 'Running on a shared AWS account') and run this "
            "cell again; otherwise this identity may not create IAM roles."
        )
    else:
        said = (
            f"IAM denied CreateRole for {names.role} with the permissions boundary {boundary}: "
            f"check that {BOUNDARY_ENV} names the boundary your facilitator created "
            f"('auto' means {names.boundary_policy})."
        )
    return BoundaryError(redact_account(said))


def _boundary_denied(names: Names, boundary: str, current: str | None) -> BoundaryError:
    has = "no permissions boundary" if current is None else "another permissions boundary"
    return BoundaryError(
        redact_account(
            f"role {names.role} has {has} and this identity may not set {boundary}: ask the "
            f"facilitator to run 'aws iam put-role-permissions-boundary --role-name "
            f"{names.role} --permissions-boundary {boundary}' (or to delete the role), "
            "then run this cell again."
        )
    )


def ensure_role(
    target: Target, names: Names, policy: dict[str, Any], managed_policy: bool = True
) -> str:
    """The execution role with ``policy`` inline and, unless ``managed_policy`` is False,
    AWS's managed ``AWSLambdaBasicDurableExecutionRolePolicy``; returns its ARN.

    The inline policy covers everything the function does, so a team that forbids
    managed policies with ``*`` resources can pass ``managed_policy=False``.

    With ``WORKSHOP_PERMISSIONS_BOUNDARY`` set (a shared account: ``helpers.permissions``)
    the role carries that permissions boundary, from its creation or put on an existing
    role that lacks it: the attendee's policy allows role changes only on such roles.
    """
    iam = target.client("iam")
    managed_arn = DURABLE_POLICY_ARN.format(partition=names.partition)
    boundary = permissions_boundary(names)
    changes: list[str] = []
    try:
        role = iam.get_role(RoleName=names.role)["Role"]
    except iam.exceptions.NoSuchEntityException:
        try:
            role = iam.create_role(
                RoleName=names.role,
                AssumeRolePolicyDocument=json.dumps(trust_policy()),
                Description=f"Execution role of {names.function} (durable-hitl workshop)",
                Tags=names.tag_list(),
                **({"PermissionsBoundary": boundary} if boundary else {}),
            )["Role"]
        except ClientError as exc:
            if error_code(exc) not in ACCESS_DENIED:
                raise
            raise _create_denied(names, boundary) from exc
        iam.get_waiter("role_exists").wait(
            RoleName=names.role, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        changes.append("created")
        if boundary:
            changes.append(f"permissions boundary {boundary.rsplit('/', 1)[-1]}")
    else:
        carried = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary and carried != boundary:
            # A role made before the boundary was configured: until it carries the boundary,
            # the attendee's policy refuses every change to it (its policy, cleanup's too).
            try:
                iam.put_role_permissions_boundary(RoleName=names.role, PermissionsBoundary=boundary)
            except ClientError as exc:
                if error_code(exc) not in ACCESS_DENIED:
                    raise
                raise _boundary_denied(names, boundary, carried) from exc
            changes.append(f"permissions boundary {boundary.rsplit('/', 1)[-1]} set")
    attached = {
        p["PolicyArn"]
        for p in iam.list_attached_role_policies(RoleName=names.role)["AttachedPolicies"]
    }
    if managed_policy and managed_arn not in attached:
        iam.attach_role_policy(RoleName=names.role, PolicyArn=managed_arn)
        changes.append("attached the managed durable policy")
    if not managed_policy and managed_arn in attached:
        iam.detach_role_policy(RoleName=names.role, PolicyArn=managed_arn)
        changes.append("detached the managed durable policy")
    try:
        current = iam.get_role_policy(RoleName=names.role, PolicyName=names.inline_policy)[
            "PolicyDocument"
        ]
    except iam.exceptions.NoSuchEntityException:
        current = None
    if current != policy:
        iam.put_role_policy(
            RoleName=names.role, PolicyName=names.inline_policy, PolicyDocument=json.dumps(policy)
        )
        changes.append(
            f"inline policy {names.inline_policy} " + ("written" if current is None else "updated")
        )
    tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
    if "created" not in changes and not tags.items() >= names.tags.items():
        iam.tag_role(RoleName=names.role, Tags=names.tag_list())
    say("role", names.role, ", ".join(changes) if changes else "already there")
    return str(role["Arn"])
