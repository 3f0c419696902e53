"""The execution role: trusted by Lambda, its inline policy, the managed durable policy,
and in a shared account the permissions boundary.

``ensure_role`` does it all in one call; notebook 03 makes the calls itself
(``iam.create_role(**role_request)``) and hands a refusal to ``on_role_error``.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from botocore.exceptions import ClientError

from ..i18n import tr
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


class RoleError(RuntimeError):
    """A role of the kit's name that is not the kit's execution role; the message says what
    to do."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: one line, and what to do."""
        return [f"RoleError: {self}"]


def _create_denied(role: str, boundary: str | None, auto_policy: str = "") -> BoundaryError:
    if boundary is None:
        said = tr(
            f"IAM denied CreateRole for {role}: in a shared workshop account, set "
            f"{BOUNDARY_ENV}=auto (README, 'Running on a shared AWS account') and run this "
            "cell again; otherwise this identity may not create IAM roles.",
            f"IAM が {role} の CreateRole を拒否しました。共有のワークショップアカウント"
            f"なら {BOUNDARY_ENV}=auto を設定して（README.ja.md の「共有の AWS アカウントで"
            "動かすには」）このセルをもう一度実行してください。そうでなければ、"
            "この ID には IAM ロールを作る権限がありません。",
        )
    else:
        auto = tr(f" ('auto' means {auto_policy})", f"（'auto' は {auto_policy} のことです）")
        said = tr(
            f"IAM denied CreateRole for {role} with the permissions boundary {boundary}: "
            f"check that {BOUNDARY_ENV} names the boundary your facilitator created{auto}.",
            f"IAM がアクセス許可の境界 {boundary} 付きの {role} の CreateRole を拒否しました。"
            f"{BOUNDARY_ENV} がファシリテーターの作った境界を指しているか確かめてください{auto}。",
        )
    return BoundaryError(redact_account(said))


def _boundary_denied(role: str, boundary: str, current: str | None) -> BoundaryError:
    has = "no permissions boundary" if current is None else "another permissions boundary"
    return BoundaryError(
        redact_account(
            f"role {role} has {has} and this identity may not set {boundary}: ask the "
            f"facilitator to run 'aws iam put-role-permissions-boundary --role-name "
            f"{role} --permissions-boundary {boundary}' (or to delete the role), "
            "then run this cell again."
        )
    )


def _put_boundary(iam: Any, role: dict[str, Any], boundary: str | None) -> list[str]:
    """Give an existing role the boundary it must carry (a role made before the boundary
    was configured, or one an admin took it from): until it does, the attendee's policy
    refuses every change to it (its policy, cleanup's too). What changed."""
    carried = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if not boundary or carried == boundary:
        return []
    name = str(role["RoleName"])
    try:
        iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
    except ClientError as exc:
        if error_code(exc) not in ACCESS_DENIED:
            raise
        raise _boundary_denied(name, boundary, carried) from exc
    return [f"permissions boundary {boundary.rsplit('/', 1)[-1]} set"]


def trusts_lambda(document: Any) -> bool:
    """Whether a role's trust policy (get_role's ``AssumeRolePolicyDocument``: decoded by
    boto3, or the URL-encoded JSON the IAM API sends) lets Lambda assume the role."""
    if isinstance(document, str):
        try:
            document = json.loads(urllib.parse.unquote(document))
        except ValueError:
            return False
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        principal = statement.get("Principal")  # "*" names no service in particular
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        if "sts:AssumeRole" in ([actions] if isinstance(actions, str) else actions) and (
            "lambda.amazonaws.com" in ([services] if isinstance(services, str) else services)
        ):
            return True
    return False


def on_role_error(target: Target, request: dict[str, Any], error: ClientError) -> dict[str, Any]:
    """What notebook 03's ``iam.create_role(**role_request)`` cell does when IAM refused it.

    ``EntityAlreadyExists`` (a rerun: the role is there) checks that it is the kit's
    execution role, one Lambda may assume (a role of that name that is not: ``RoleError``,
    which says what to do), and gives it back the request's permissions boundary and tags
    if it lost them. ``AccessDenied`` (a shared account without the boundary setting):
    ``BoundaryError``, one sentence on what to set. Any other error is raised as it is.
    Returns the role, as ``create_role`` does (its ``Role``).
    """
    iam = target.client("iam")
    name = str(request["RoleName"])
    boundary = request.get("PermissionsBoundary")
    if error_code(error) in ACCESS_DENIED:
        raise _create_denied(name, boundary) from error
    if error_code(error) != "EntityAlreadyExists":
        raise error
    role: dict[str, Any] = iam.get_role(RoleName=name)["Role"]
    if not trusts_lambda(role.get("AssumeRolePolicyDocument")):
        raise RoleError(
            tr(
                f"role {name} exists, but its trust policy does not let lambda.amazonaws.com "
                "assume it: it is not this kit's execution role. Delete it, or choose another "
                "PREFIX, then run this cell again.",
                f"ロール {name} はありますが、信頼ポリシーで lambda.amazonaws.com に引き受けを"
                "許していません。キットの実行ロールではありません。削除するか別の PREFIX を選んで、"
                "このセルをもう一度実行してください。",
            )
        )
    print(
        tr(
            f"{name} already exists, and Lambda may assume it: the kit's execution role",
            f"{name} はすでにあり、Lambda が引き受けられます（キットの実行ロールです）",
        )
    )
    changes = _put_boundary(iam, role, boundary)
    tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
    wanted = request.get("Tags", [])
    if any(tags.get(t["Key"]) != t["Value"] for t in wanted):
        iam.tag_role(RoleName=name, Tags=wanted)
        changes.append("tags restored")
    say("role", name, ", ".join(changes) if changes else "already there")
    return dict(iam.get_role(RoleName=name)["Role"]) if changes else role


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
            raise _create_denied(names.role, boundary, names.boundary_policy) from exc
        iam.get_waiter("role_exists").wait(
            RoleName=names.role, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        changes.append("created")
        if boundary:
            changes.append(f"permissions boundary {boundary.rsplit('/', 1)[-1]}")
    else:
        changes += _put_boundary(iam, role, boundary)
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
