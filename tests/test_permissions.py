"""The notebook user's least-privilege policy and its roles' boundary (helpers.permissions).

Static: no "*" resource where AWS accepts a narrower one, every resource is the prefix's,
durable actions only on qualified ARNs, PassRole only to Lambda and only the prefix's roles,
another prefix (even one that starts alike) out of reach; every role change only with the
prefix's permissions boundary on the role, and that boundary exactly what the roles use.

Dynamic: the notebooks run in this process against the local cloud, while every call the
helpers make is mapped to its IAM action and resource and decided under the policy (a
denied call gets AWS's AccessDenied): the whole series must work, and every action the
policy grants must have been used. An attendee whose prefix extends ours shares the
account, so cleanup meets resources it may not read.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from deploying import own_build_dir
from iam_eval import (
    Request,
    actions_of,
    allows,
    as_list,
    attendee_recorder,
    carried_boundary,
    matches,
    resources_of,
    statements,
    wildcard_resources,
)

from helpers import deploy, permissions, samples, state
from helpers.approvals import Inbox
from helpers.chatbot import chat_starter
from helpers.deploy import (
    BOUNDARY_ENV,
    BoundaryError,
    Bundle,
    Names,
    PrefixError,
    build_zip,
    permissions_boundary,
    validate_prefix,
)
from helpers.deploy import bundle as bundling
from helpers.deploy import chatbot as chatbot_deploy
from helpers.localcloud import LocalCloud
from helpers.regions import default_model_id
from helpers.samples import FIRST_DURABLE, deploy_sample
from helpers.target import Target
from helpers.teardown import cleanup

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "111122223333"
NAMES = Names("hitl-alice", ACCOUNT, "us-east-2")
POLICY = permissions.user_policy(NAMES)
BOUNDARY = permissions.boundary_policy(NAMES)
APPS = [NAMES.for_app(app) for app in permissions.APPS]
EXECUTION = f"{NAMES.function_arn}:3/durable-execution/chat-1/0f3c9a"
MANAGED_DURABLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
WITH_BOUNDARY = (("iam:PermissionsBoundary", NAMES.boundary_arn),)
# Calls that change what a role may do: each only with the prefix's boundary on the role.
ROLE_CHANGES = {
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
}


# -- static -------------------------------------------------------------------------------
def test_star_only_for_actions_aws_authorizes_on_star_alone() -> None:
    for statement in statements(POLICY):
        if "*" in as_list(statement["Resource"]):
            assert as_list(statement["Resource"]) == ["*"]
            assert set(as_list(statement["Action"])) == set(permissions.ACCOUNT_WIDE)
        else:
            assert not set(as_list(statement["Action"])) & set(permissions.ACCOUNT_WIDE)
    assert all(reason.strip() for reason in permissions.ACCOUNT_WIDE.values())
    assert not [a for a in actions_of(POLICY) if "*" in a or "?" in a]
    assert all(s["Effect"] == "Allow" and s["Sid"].isalnum() for s in statements(POLICY))
    assert len({s["Sid"] for s in statements(POLICY)}) == len(statements(POLICY))


PROFILE = f"arn:aws:bedrock:us-east-2:{ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0"
ROUTED_MODEL = "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0"


def test_every_resource_is_one_of_the_prefixs_arns() -> None:
    mine = {NAMES.queue_arn, NAMES.bucket_arn, f"{NAMES.bucket_arn}/*"}
    for n in APPS:
        mine |= {n.function_arn, n.executions_arn, n.role_arn}
        mine |= {n.log_group_arn, f"{n.log_group_arn}:*"}
    # ... but the model, shared by the room: the Region's profile of the workshop's model.
    assert default_model_id(NAMES.region) == "us.amazon.nova-lite-v1:0"
    assert {r for r in resources_of(POLICY) if r != "*"} == mine | {PROFILE, ROUTED_MODEL}
    # Each pattern is the narrowest form of what it stands for (as in the execution role):
    assert wildcard_resources(POLICY) == {
        *(n.executions_arn for n in APPS),  # versions, aliases and their executions
        *(f"{n.log_group_arn}:*" for n in APPS),  # the group, as DescribeLogGroups spells it
        f"{NAMES.bucket_arn}/*",  # the report objects
        ROUTED_MODEL,  # any Region the profile routes to, only through the profile
    }


@pytest.mark.parametrize(
    ("region", "model_id", "profile"),
    [
        ("us-east-2", "", "us.amazon.nova-lite-v1:0"),
        ("ap-northeast-1", "", "apac.amazon.nova-lite-v1:0"),
        ("eu-central-1", "", "eu.amazon.nova-lite-v1:0"),
        ("ap-northeast-1", "apac.anthropic.claude-x-v1:0", "apac.anthropic.claude-x-v1:0"),
    ],
)
def test_the_attendee_may_call_the_chatbots_model_once_and_no_other(
    region: str, model_id: str, profile: str
) -> None:
    """Notebook 00's preflight calls the model the chatbot will use: the Region's (or the
    room's --model-id), through the profile of the Region's geography, and no other."""
    names = Names("hitl-alice", ACCOUNT, region)
    policy = permissions.user_policy(names, model_id)
    arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:inference-profile/{profile}"
    base = profile.split(".", 1)[1]
    routed = (("bedrock:InferenceProfileArn", arn),)
    assert allows(policy, Request("bedrock:InvokeModel", arn))
    assert allows(
        policy,
        Request(
            "bedrock:InvokeModel", f"arn:aws:bedrock:{region}::foundation-model/{base}", routed
        ),
    )
    # The same grant as the chatbot's role, and nothing around it:
    chatbot = deploy.execution_policy(names, model_id or default_model_id(region))
    granted = [s for s in statements(policy) if "bedrock:InvokeModel" in as_list(s["Action"])]
    assert [{k: v for k, v in s.items() if k != "Sid"} for s in granted] == [
        {k: v for k, v in s.items() if k != "Sid"}
        for s in statements(chatbot)
        if "bedrock:InvokeModel" in as_list(s["Action"])
    ]
    other_geo = f"arn:aws:bedrock:{region}:{ACCOUNT}:inference-profile/global.{base}"
    other_model = f"arn:aws:bedrock:{region}::foundation-model/amazon.nova-pro-v1:0"
    for request in (
        Request("bedrock:InvokeModel", f"arn:aws:bedrock:{region}::foundation-model/{base}"),
        Request("bedrock:InvokeModel", other_model, routed),
        Request("bedrock:InvokeModel", other_geo),
        Request("bedrock:InvokeModelWithResponseStream", arn),
    ):
        assert not allows(policy, request), request


def test_durable_actions_are_granted_on_qualified_arns_only() -> None:
    for statement in statements(POLICY):
        if set(as_list(statement["Action"])) & set(permissions.EXECUTION_ACTIONS):
            assert all(re.search(r":function:[^:]+:\*$", r) for r in statement["Resource"])
    for action in permissions.EXECUTION_ACTIONS:
        assert allows(
            POLICY,
            Request(action, EXECUTION if "Durable" in action else f"{NAMES.function_arn}:live"),
        )
        # The unqualified ARN is what such a grant would wrongly name; never needed.
        assert not allows(POLICY, Request(action, NAMES.function_arn))


def test_pass_role_goes_to_lambda_only_and_only_the_prefixs_roles() -> None:
    passing = [s for s in statements(POLICY) if "iam:PassRole" in as_list(s["Action"])]
    assert len(passing) == 1
    assert passing[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }
    assert passing[0]["Resource"] == [n.role_arn for n in APPS]
    to = (("iam:PassedToService", "lambda.amazonaws.com"),)
    assert allows(POLICY, Request("iam:PassRole", NAMES.role_arn, to))
    assert not allows(POLICY, Request("iam:PassRole", NAMES.role_arn))
    ec2 = (("iam:PassedToService", "ec2.amazonaws.com"),)
    assert not allows(POLICY, Request("iam:PassRole", NAMES.role_arn, ec2))
    admin = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"
    assert not allows(POLICY, Request("iam:PassRole", admin, to))


def test_only_the_managed_durable_policy_can_be_attached() -> None:
    def attach(policy_arn: str) -> Request:
        context = (("iam:PolicyARN", policy_arn), *WITH_BOUNDARY)
        return Request("iam:AttachRolePolicy", NAMES.role_arn, context)

    assert allows(POLICY, attach(MANAGED_DURABLE))
    assert not allows(POLICY, attach("arn:aws:iam::aws:policy/AdministratorAccess"))


@pytest.mark.parametrize("other", ["hitl-alice-2", "hitl", "alice", "hitl-alicex"])
def test_another_prefix_is_out_of_reach(other: str) -> None:
    """Names that start alike ("hitl-alice-2" vs "hitl-alice") must not match."""
    theirs = Names(other, ACCOUNT, "us-east-2")
    arns = [theirs.queue_arn, theirs.bucket_arn, f"{theirs.bucket_arn}/reports/a.md"]
    for n in (theirs.for_app(app) for app in (*permissions.APPS, "other")):
        arns += [n.function_arn, f"{n.function_arn}:live", n.role_arn, n.log_group_arn]
        arns += [f"{n.function_arn}:1/durable-execution/x/y", f"{n.log_group_arn}:*"]
    arns.append(theirs.boundary_arn)
    granted = actions_of(POLICY) - set(permissions.ACCOUNT_WIDE)
    context = (  # every condition met, our boundary included: still out of reach
        ("iam:PassedToService", "lambda.amazonaws.com"),
        ("iam:PolicyARN", MANAGED_DURABLE),
        *WITH_BOUNDARY,
    )
    reachable = [
        f"{action} on {arn}"
        for action in sorted(granted)
        for arn in arns
        if allows(POLICY, Request(action, arn, context))
    ]
    assert reachable == []


def test_the_policies_fit_a_managed_policy_even_for_the_longest_names() -> None:
    # 6,144 characters (whitespace not counted) is IAM's limit for a managed policy; 128
    # that of its name.
    for region in ("us-gov-west-1", "ap-southeast-5"):
        names = Names("a" * 20, ACCOUNT, region)
        for policy in (permissions.user_policy(names), permissions.boundary_policy(names)):
            assert len(json.dumps(policy, separators=(",", ":"))) <= 6144
        assert len(names.boundary_policy) <= 128


# -- the permissions boundary -------------------------------------------------------------
def test_every_role_change_needs_the_prefixs_boundary() -> None:
    """Without the condition an attendee could write "Action": "*" into a role of theirs
    and run code with it: the boundary caps such a role, and no role goes without it."""
    changing = [s for s in statements(POLICY) if set(as_list(s["Action"])) & ROLE_CHANGES]
    never = {"iam:DeleteRolePermissionsBoundary", "iam:UpdateAssumeRolePolicy"}
    assert actions_of(POLICY) & ROLE_CHANGES == ROLE_CHANGES - never
    for statement in changing:
        if statement["Effect"] == "Allow":
            assert statement["Condition"]["StringEquals"] == {
                "iam:PermissionsBoundary": NAMES.boundary_arn
            }, statement["Sid"]
    # Role actions granted without it cannot widen what a role may do.
    role_actions = {
        a
        for s in statements(POLICY)
        if s["Effect"] == "Allow" and any(":role/" in r for r in as_list(s["Resource"]))
        for a in as_list(s["Action"])
    }
    assert role_actions - ROLE_CHANGES == {
        "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies", "iam:ListRoleTags", "iam:TagRole", "iam:DeleteRole",
        "iam:PassRole",  # to Lambda only (test above); the role it passes is capped
    }  # fmt: skip
    managed = (("iam:PolicyARN", MANAGED_DURABLE),)
    others = [
        (),  # no boundary: a role made before the boundary, or CreateRole without one
        (("iam:PermissionsBoundary", Names("hitl-alice-2", ACCOUNT, "us-east-2").boundary_arn),),
        (("iam:PermissionsBoundary", "arn:aws:iam::aws:policy/AdministratorAccess"),),
    ]
    for action in ROLE_CHANGES - {
        "iam:DeleteRolePermissionsBoundary",
        "iam:UpdateAssumeRolePolicy",
    }:
        assert allows(POLICY, Request(action, NAMES.role_arn, (*managed, *WITH_BOUNDARY)))
        for other in others:
            assert not allows(POLICY, Request(action, NAMES.role_arn, (*managed, *other)))


def test_the_attendee_can_neither_remove_nor_write_the_boundary() -> None:
    for context in ((), WITH_BOUNDARY):
        request = Request("iam:DeleteRolePermissionsBoundary", NAMES.role_arn, context)
        assert not allows(POLICY, request)
    for action in permissions.BOUNDARY_EDIT_ACTIONS:
        assert not allows(POLICY, Request(action, NAMES.boundary_arn))
    assert not set(permissions.BOUNDARY_EDIT_ACTIONS) & actions_of(POLICY)
    # Nor any other policy: no statement names a policy ARN.
    assert not [r for r in resources_of(POLICY) if ":policy/" in r]


def managed_durable_actions() -> set[str]:
    """The actions of AWSLambdaBasicDurableExecutionRolePolicy, as moto ships AWS's copy."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    document = json.loads(aws_managed_policies_data)["AWSLambdaBasicDurableExecutionRolePolicy"]
    return actions_of(document["Document"])


MODEL_IDS = ["amazon.nova-lite-v1:0", "us.amazon.nova-lite-v1:0", "global.anthropic.x-v1:0"]


def test_the_boundary_grants_exactly_the_actions_the_roles_use() -> None:
    assert set(permissions.MANAGED_DURABLE_ACTIONS) == managed_durable_actions()
    used = actions_of(deploy.execution_policy(NAMES, default_model_id(NAMES.region)))
    assert actions_of(BOUNDARY) == used | managed_durable_actions()
    assert all(s["Effect"] == "Allow" and s["Sid"].isalnum() for s in statements(BOUNDARY))
    assert len({s["Sid"] for s in statements(BOUNDARY)}) == len(statements(BOUNDARY))


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_the_boundary_lets_every_role_do_what_its_policy_grants(model_id: str) -> None:
    """Whatever model the deploy chooses: the boundary must never block the kit."""
    for n in APPS:
        policy = deploy.execution_policy(n, model_id if n.app == "chatbot" else None)
        for statement in statements(policy):
            context = tuple(
                (key, value)
                for tests in statement.get("Condition", {}).values()
                for key, value in tests.items()
            )
            for action in as_list(statement["Action"]):
                for resource in as_list(statement["Resource"]):
                    # Each pattern of the role's policy lies inside one of the boundary's.
                    assert allows(BOUNDARY, Request(action, resource, context)), (
                        f"{action} on {resource}"
                    )
        # ... and so do the ARNs AWS checks, and the managed policy's grants on them.
        execution = f"{n.function_arn}:live/durable-execution/x/y"
        stream = f"{n.log_group_arn}:log-stream:2026/11/01/[$LATEST]abc"
        for request in (
            Request("lambda:CheckpointDurableExecution", execution),
            Request("lambda:GetDurableExecutionState", execution),
            Request("logs:CreateLogGroup", n.log_group_arn),
            Request("logs:CreateLogGroup", f"{n.log_group_arn}:*"),
            Request("logs:CreateLogStream", stream),
            Request("logs:PutLogEvents", stream),
            Request("sqs:SendMessage", NAMES.queue_arn),
            Request("s3:PutObject", f"{NAMES.bucket_arn}/reports/a.md"),
            Request("s3:GetObject", f"{NAMES.bucket_arn}/reports/a.md"),
        ):
            assert allows(BOUNDARY, request), request


def test_the_boundary_blocks_everything_else() -> None:
    assert "*" not in resources_of(BOUNDARY)
    profiles = f"arn:aws:bedrock:us-east-2:{ACCOUNT}:inference-profile/*"
    # Each wildcard is the narrowest form of what it stands for:
    assert wildcard_resources(BOUNDARY) == {
        *(n.executions_arn for n in APPS),  # versions, aliases and their executions
        *(f"{n.log_group_arn}:*" for n in APPS),  # the groups' streams
        f"{NAMES.bucket_arn}/*",  # the report objects
        # The model is chosen per deploy, after the boundary is made: any model, but in
        # this Region and account, or elsewhere only through this account's profiles.
        "arn:aws:bedrock:us-east-2::foundation-model/*",
        profiles,
        "arn:aws:bedrock:*::foundation-model/*",
    }
    fenced = [s for s in statements(BOUNDARY) if "Condition" in s]
    assert [s["Condition"] for s in fenced] == [
        {"StringLike": {"bedrock:InferenceProfileArn": profiles}}
    ]
    theirs = Names("hitl-alice-2", ACCOUNT, "us-east-2")
    model = "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0"
    foreign = "arn:aws:bedrock:us-east-2:444455556666:inference-profile/us.amazon.nova-lite-v1:0"
    for request in (
        Request("iam:PutRolePolicy", NAMES.role_arn),
        Request("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/mallory"),
        Request("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"),
        Request("lambda:InvokeFunction", f"{NAMES.function_arn}:live"),
        Request(
            "lambda:CheckpointDurableExecution", f"{theirs.function_arn}:1/durable-execution/x/y"
        ),
        Request("logs:PutLogEvents", f"{theirs.log_group_arn}:log-stream:s"),
        Request("logs:CreateLogGroup", "arn:aws:logs:us-east-2:111122223333:log-group:/other"),
        Request("sqs:SendMessage", theirs.queue_arn),
        Request("sqs:ReceiveMessage", NAMES.queue_arn),
        Request("s3:GetObject", f"{theirs.bucket_arn}/reports/a.md"),
        Request("s3:DeleteObject", f"{NAMES.bucket_arn}/reports/a.md"),
        Request("s3:ListBucket", NAMES.bucket_arn),
        Request("bedrock:InvokeModel", model),  # another Region, not through a profile
        Request("bedrock:InvokeModel", model, (("bedrock:InferenceProfileArn", foreign),)),
        Request("bedrock:InvokeModel", foreign),
        Request("bedrock:CreateModelCustomizationJob", "*"),
    ):
        assert not allows(BOUNDARY, request), request


def test_the_apps_are_the_functions_the_notebooks_deploy() -> None:
    sources = [p.read_text() for p in (ROOT / "notebooks").glob("*.ipynb")]
    sources += [p.read_text() for p in (ROOT / "helpers").glob("*.py")]
    named = {m for s in sources for m in re.findall(r'app=\\?"([a-z0-9-]+)\\?"', s)}
    assert named | {"chatbot"} == set(permissions.APPS)  # the chatbot: Names' default app


def test_the_evaluator_follows_iam_wildcards_and_denies() -> None:
    assert matches("arn:aws:lambda:*:function:f:*", "arn:aws:lambda:r:1:function:f:3/d/x/y")
    assert not matches("arn:aws:lambda:r:1:function:f:*", "arn:aws:lambda:r:1:function:f")
    assert matches("s3:Get?bject", "s3:GetObject") and not matches("s3:Get?bject", "s3:Getbject")
    assert matches("S3:getobject", "s3:GetObject", ignore_case=True)
    deny = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::b"},
        ]
    }
    assert allows(deny, Request("s3:PutObject", "arn:aws:s3:::b/k"))
    assert not allows(deny, Request("s3:DeleteBucket", "arn:aws:s3:::b"))
    odd = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                          "Condition": {"StringEquals": {"aws:SourceIp": "1.2.3.4"}}}]}  # fmt: skip
    with pytest.raises(AssertionError, match="condition key"):
        allows(odd, Request("s3:GetObject", "arn:aws:s3:::b/k"))


# -- the command line ---------------------------------------------------------------------
def test_an_attendee_recorder_decides_under_the_policy_it_is_given() -> None:
    """iam_eval.attendee_recorder, shared with the room of thirty: the prefix's attendee
    policy, or the one a test gives (the room takes an action out of it). A call the
    policy lacks gets AccessDenied before it leaves; an allowed one goes out (here to a
    closed port)."""
    lacking = json.loads(json.dumps(POLICY))
    for statement in lacking["Statement"]:
        if isinstance(statement["Action"], list):
            statement["Action"] = [a for a in statement["Action"] if a != "lambda:GetFunction"]

    def closed() -> Any:  # a client of its own per recorder: hooks stay on a client
        return boto3.client(
            "lambda",
            endpoint_url="http://127.0.0.1:9",
            region_name=NAMES.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}, connect_timeout=2),
        )

    iam = None  # asked only about a role's boundary, which GetFunction does not carry
    denied = attendee_recorder(NAMES, iam, lacking)
    with pytest.raises(ClientError, match=r"AccessDenied.*lambda:GetFunction on"):
        denied.hook(closed()).get_function(FunctionName=NAMES.function)
    assert [call for call, _ in denied.denied()] == ["lambda.GetFunction"]
    allowed = attendee_recorder(NAMES, iam)  # the prefix's own policy grants it
    assert allowed.policy == POLICY
    with pytest.raises(EndpointConnectionError):
        allowed.hook(closed()).get_function(FunctionName=NAMES.function)
    assert allowed.denied() == [] and allowed.used_actions() >= {"lambda:GetFunction"}


def test_the_command_prints_the_policy(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--prefix", "hitl-alice", "--region", "us-east-2", "--account", ACCOUNT]
    assert permissions.main(argv) == 0
    assert json.loads(capsys.readouterr().out) == POLICY  # one document: scripts save it
    assert permissions.main(["--boundary", *argv]) == 0
    assert json.loads(capsys.readouterr().out) == BOUNDARY
    other = "amazon.nova-micro-v1:0"  # the room's MODEL_ID, a model in the Region
    assert permissions.main([*argv, "--model-id", other]) == 0
    assert json.loads(capsys.readouterr().out) == permissions.user_policy(NAMES, other)


def test_the_docs_create_the_boundary_under_the_name_the_kit_expects() -> None:
    # The facilitator creates it (FACILITATOR.md); the attendee names it (README.md).
    for page in ("FACILITATOR.md", "FACILITATOR.ja.md"):
        text = (ROOT / page).read_text(encoding="utf-8")
        assert f"--policy-name {NAMES.boundary_policy} " in text, page
        assert "helpers.permissions --boundary --prefix hitl-alice" in text, page
    for page in ("README.md", "README.ja.md", "FACILITATOR.md", "FACILITATOR.ja.md"):
        text = (ROOT / page).read_text(encoding="utf-8")
        assert f"export {BOUNDARY_ENV}=auto" in text, page


def test_the_boundary_setting_is_read_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BOUNDARY_ENV, raising=False)
    assert permissions_boundary(NAMES) is None  # a personal account: as before
    monkeypatch.setenv(BOUNDARY_ENV, " ")
    assert permissions_boundary(NAMES) is None
    monkeypatch.setenv(BOUNDARY_ENV, "auto")
    assert permissions_boundary(NAMES) == f"arn:aws:iam::{ACCOUNT}:policy/hitl-alice-boundary"
    arn = f"arn:aws:iam::{ACCOUNT}:policy/workshop/Boundary_1"
    monkeypatch.setenv(BOUNDARY_ENV, arn)
    assert permissions_boundary(NAMES) == arn
    monkeypatch.setenv(BOUNDARY_ENV, "hitl-alice-boundary")
    with pytest.raises(BoundaryError, match="neither 'auto' nor a policy ARN") as refused:
        permissions_boundary(NAMES)
    assert len(refused.value._render_traceback_()) == 1  # in Jupyter: one line, no traceback
    assert ACCOUNT not in str(refused.value)


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--prefix", "Hitl_Alice", None),  # the kit's own message, see below
        ("--prefix", "xn--alice", None),
        ("--region", "mars", "is not a region name"),
        ("--account", "1234", "is not a 12-digit AWS account id"),
        ("--model-id", "apac.amazon.nova-lite-v1:0", "--model-id is 'apac.amazon.nova-lite-v1:0'"),
        ("--model-id", "arn:aws:bedrock:x", "the id, not an ARN"),
    ],
)
def test_the_command_refuses_bad_values(
    flag: str, value: str, says: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {"--prefix": "hitl-alice", "--region": "us-east-2", "--account": ACCOUNT, flag: value}
    with pytest.raises(SystemExit) as exit_:
        permissions.main([part for pair in args.items() for part in pair])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    if says is None:
        with pytest.raises(PrefixError) as refused:
            validate_prefix(value)
        says = str(refused.value)
    assert says in err


# -- dynamic: the notebooks under the policy ---------------------------------------------
PREFIX = "pt-alice"
NEIGHBOR = "pt-alice-2"  # another attendee, whose names start like ours
FIRST_HOUR = (
    "00_setup.ipynb",
    "01_first_durable_function.ipynb",
    "02_parallel_and_replay.ipynb",
    "03_deploy.ipynb",
    "04_chatbot_with_approvals.ipynb",
    "05_billed_vs_wallclock.ipynb",
)


@contextlib.contextmanager
def facilitated(iam: Any, names: Names) -> Iterator[None]:
    """The facilitator's first step: the prefix's boundary policy exists, until the end."""
    document = json.dumps(permissions.boundary_policy(names))
    iam.create_policy(PolicyName=names.boundary_policy, PolicyDocument=document)
    try:
        yield
    finally:
        iam.delete_policy(PolicyArn=names.boundary_arn)


def role_lines(out: str, names: Names) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"role {names.role}:")]


def test_ensure_role_gives_every_role_the_boundary(
    target: Target,
    client: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(BOUNDARY_ENV, "auto")
    names, iam = Names.for_target(target, "pb-one"), client("iam")
    recorder = attendee_recorder(names, iam)
    policy = deploy.execution_policy(names)
    try:
        with facilitated(iam, names), recorder.installed(monkeypatch):
            deploy.ensure_role(target, names, policy)
            assert iam.get_role(RoleName=names.role)["Role"]["PermissionsBoundary"] == {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": names.boundary_arn,
            }
            # Gone behind the kit's back (an admin, a role from before): the next deploy
            # puts it back, and the attendee can write the role's policy again.
            iam.delete_role_permissions_boundary(RoleName=names.role)
            deploy.ensure_role(target, names, {**policy, "Statement": policy["Statement"][:1]})
            assert carried_boundary(iam)(names.role) == names.boundary_arn
            deploy.ensure_role(target, names, policy)
            deploy.ensure_role(target, names, policy)
    finally:
        cleanup(target, names.prefix)  # as admin
    assert recorder.problems() == [] and recorder.denied() == []
    [create] = recorder.requests("iam:CreateRole")
    assert create.context == (("iam:PermissionsBoundary", names.boundary_arn),)
    assert role_lines(capsys.readouterr().out, names) == [
        f"role {names.role}: created, permissions boundary {names.boundary_policy}, "
        f"attached the managed durable policy, inline policy {names.inline_policy} written",
        f"role {names.role}: permissions boundary {names.boundary_policy} set, "
        f"inline policy {names.inline_policy} updated",
        f"role {names.role}: inline policy {names.inline_policy} updated",
        f"role {names.role}: already there",
    ]


def test_without_the_boundary_no_role_is_made_or_changed(
    target: Target,
    client: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names, iam = Names.for_target(target, "pb-two"), client("iam")
    recorder = attendee_recorder(names, iam)
    policy = deploy.execution_policy(names)
    everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    anything = {"Version": "2012-10-17", "Statement": [everything]}
    other = Names.for_target(target, "pb-other").boundary_arn
    try:
        with facilitated(iam, names), recorder.installed(monkeypatch):
            # The variable forgotten: CreateRole without the boundary is denied, and the
            # attendee reads what to do, in one line.
            monkeypatch.delenv(BOUNDARY_ENV, raising=False)
            with pytest.raises(BoundaryError, match=f"set {BOUNDARY_ENV}=auto") as refused:
                deploy.ensure_role(target, names, policy)
            assert len(refused.value._render_traceback_()) == 1
            # Another boundary than the prefix's: denied too.
            monkeypatch.setenv(BOUNDARY_ENV, other)
            with pytest.raises(BoundaryError, match="names the boundary your facilitator"):
                deploy.ensure_role(target, names, policy)
            assert carried_boundary(iam)(names.role) is None  # no role was made
            # A role without the boundary (an admin made it): nothing can be written into
            # it, and it cannot be given another boundary than the prefix's.
            iam.create_role(
                RoleName=names.role,
                AssumeRolePolicyDocument=json.dumps(deploy.trust_policy()),
                Tags=names.tag_list(),
            )
            with pytest.raises(ClientError, match="AccessDenied"):
                target.client("iam").put_role_policy(
                    RoleName=names.role, PolicyName="anything", PolicyDocument=json.dumps(anything)
                )
            with pytest.raises(BoundaryError, match="put-role-permissions-boundary"):
                deploy.ensure_role(target, names, policy)
    finally:
        cleanup(target, names.prefix)  # as admin
    assert recorder.problems() == []
    assert [(call, str(r)) for call, r in recorder.denied()] == [
        ("iam.CreateRole", f"iam:CreateRole on {names.role_arn}"),
        ("iam.CreateRole", f"iam:CreateRole on {names.role_arn} [iam:PermissionsBoundary={other}]"),
        ("iam.PutRolePolicy", f"iam:PutRolePolicy on {names.role_arn}"),
        (
            "iam.PutRolePermissionsBoundary",
            f"iam:PutRolePermissionsBoundary on {names.role_arn} [iam:PermissionsBoundary={other}]",
        ),
    ]


def run_notebook(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The notebook's code cells, in order, in this process (papermill's way: its
    parameters are set right after the cell tagged ``parameters``); returns its names."""
    notebook = json.loads((ROOT / "notebooks" / name).read_text())
    namespace: dict[str, Any] = {"__name__": "__notebook__"}
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(cells):
        lines = "".join(cell["source"]).splitlines()
        code = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
        exec(compile(code, f"{name} cell {number}", "exec"), namespace)
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            namespace.update({k: v for k, v in parameters.items() if k in namespace})
    return namespace


def changed_bundle(build_dir: Path, tmp: Path) -> Bundle:
    """lambda_fn/ with one more file: what an attendee's edit looks like to deploy."""
    source = tmp / "edited" / "lambda_fn"
    shutil.copytree(bundling.SOURCE, source, ignore=shutil.ignore_patterns("__pycache__"))
    (source / "edited.py").write_text("EDITED = True\n")
    return build_zip(source, own_build_dir(build_dir, tmp / "edited"), quiet=True)


def second_session(
    target: Target,
    names: Names,
    queue_url: str,
    run: Callable[[str], dict[str, Any]],
    admin: Callable[[str], Any],
    callback_id: Callable[..., str],
) -> dict[str, Any]:
    """What a workshop's second hour looks like: things changed behind the kit's back (the
    role's boundary among them), the attendee edits lambda_fn/ and runs 03 again, then a
    conversation whose kernel restarts while a request waits (the old panel hands its
    message back, a new one recovers it), and loose ends for cleanup."""
    admin("iam").untag_role(RoleName=names.role, TagKeys=["workshop", "prefix"])
    admin("iam").delete_role_permissions_boundary(RoleName=names.role)
    admin("sqs").set_queue_attributes(
        QueueUrl=queue_url, Attributes={"SqsManagedSseEnabled": "false"}
    )
    lam = admin("lambda")
    lam.update_function_configuration(FunctionName=names.function, MemorySize=512)
    lam.get_waiter("function_updated_v2").wait(FunctionName=names.function)
    rerun = run("03_deploy.ipynb")
    carried = carried_boundary(admin("iam"))
    boundaries = {n.role: carried(n.role) for n in (names.for_app(a) for a in permissions.APPS)}

    arn = chat_starter(target, names)("What is 6 * 7?")
    before = Inbox.for_target(target, queue_url)
    before.track(arn)
    deadline = time.monotonic() + 120
    while not before.pending():
        assert time.monotonic() < deadline, before.status_text
        before.poll(wait_seconds=1)
    handed_back = before.release()  # the kernel is about to restart

    after = Inbox.for_target(target, queue_url)
    after.recover(function_name=names.function, qualifier=names.alias)
    while not after.executions[arn].done:
        assert time.monotonic() < deadline, after.status_text
        for request in after.pending():
            if request.state == "open":
                after.answer(request.callback_id, "APPROVE", "approved after a restart")
        after.poll(wait_seconds=1)
        after.refresh()
    # The end of the hour: a question left unanswered (cleanup must stop it), and the
    # replay sample's function already gone, as if an earlier cleanup had been cut short
    # (its log group is then known by its tags only).
    waiting = chat_starter(target, names)("What is 2 + 2?")
    callback_id(waiting, timeout=60)  # it waits for the person now
    lam.delete_function(FunctionName=names.for_app("replay").function)
    return {
        "rerun": rerun,
        "boundaries": boundaries,
        "handed_back": handed_back,
        "outcome": after.executions[arn],
        "waiting": waiting,
    }


@pytest.mark.slow
def test_every_notebook_runs_under_the_user_policy_and_uses_all_of_it(
    cloud: LocalCloud,
    target: Target,
    client: Callable[[str], Any],
    callback_id: Callable[..., str],
    real_bundle: Bundle,
    build_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    names = Names.for_target(target, PREFIX)
    neighbor = Names.for_target(target, NEIGHBOR, app="first")
    deploy_sample(target, neighbor, FIRST_DURABLE, bundle=real_bundle)  # theirs, as admin
    edited = changed_bundle(build_dir, tmp_path)

    bundles = [real_bundle]
    for module in (bundling, deploy, chatbot_deploy, samples):
        monkeypatch.setattr(module, "build_zip", lambda *a, **k: bundles[-1])
    monkeypatch.setattr(state, "STATE_DIR", tmp_path / "state")
    monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
    parameters = {
        "TARGET": "local",
        "REGION": cloud.region,
        "PREFIX": PREFIX,
        "OUTPUT_DIR": str(tmp_path / "outputs"),
        "WAIT_SECONDS": 1,
        "APPROVAL_MODE": "auto",
        "DECISIONS": ["APPROVE", "DENY", "APPROVE"],
        "REVIEW_SECONDS": 0,
        "EXECUTION_ARN": "",
        "STOP_LOCAL_CLOUD": False,
    }

    def run(name: str) -> dict[str, Any]:
        return run_notebook(name, parameters)

    # A shared account's setup: the facilitator made the boundary, the attendee set the
    # variable before starting Jupyter.
    monkeypatch.setenv(BOUNDARY_ENV, "auto")
    policy = permissions.user_policy(names)
    recorder = attendee_recorder(names, client("iam"))
    try:
        with facilitated(client("iam"), names), recorder.installed(monkeypatch):
            seen = {notebook: run(notebook) for notebook in FIRST_HOUR}
            bundles.append(edited)
            queue_url = seen["03_deploy.ipynb"]["queue_url"]
            again = second_session(target, names, queue_url, run, client, callback_id)
            seen["99_cleanup.ipynb"] = run("99_cleanup.ipynb")
    finally:
        cleanup(target, NEIGHBOR)
        cleanup(target, PREFIX)  # as admin, if the run stopped half-way

    # The series worked: every notebook, the re-deploy, the recovered conversation.
    assert all(c.ok for c in seen["00_setup.ipynb"]["checks"])
    chat = seen["04_chatbot_with_approvals.ipynb"]["result"]
    assert [d["decision"] for d in chat["decisions"]] == ["APPROVE", "DENY", "APPROVE"]
    assert seen["05_billed_vs_wallclock.ipynb"]["cost"].complete
    assert again["rerun"]["version"] == "2"  # the edited code, published and aliased
    assert again["handed_back"] >= 1 and again["outcome"].status == "SUCCEEDED"
    # Every role was made with the boundary, and the one that lost it got it back.
    assert set(again["boundaries"].values()) == {names.boundary_arn}, again["boundaries"]
    creates = recorder.requests("iam:CreateRole")
    # Three roles; 03's rerun asks for its role again (IAM answers EntityAlreadyExists).
    assert sorted(r.resource for r in creates) == sorted(
        [names.for_app(a).role_arn for a in permissions.APPS] + [names.role_arn]
    ), creates
    assert {r.context for r in creates} == {(("iam:PermissionsBoundary", names.boundary_arn),)}
    assert [r.context for r in recorder.requests("iam:PutRolePermissionsBoundary")] == [
        (("iam:PermissionsBoundary", names.boundary_arn),)
    ]
    removed = seen["99_cleanup.ipynb"]["removed"]
    assert Counter(r.split()[0] for r in removed) == Counter(
        {"function": 2, "log": 3, "role": 3, "queue": 1, "bucket": 1}
    ), removed
    assert f"function {names.function} (1 running execution(s) stopped;" in "\n".join(removed)
    assert (
        client("lambda").get_durable_execution(DurableExecutionArn=again["waiting"])["Status"]
        == "STOPPED"
    )
    # The neighbor's resources were out of reach, and are what is left under our prefix.
    assert sorted(seen["99_cleanup.ipynb"]["left"]) == sorted(
        [
            f"function {neighbor.function}",
            f"log group {neighbor.log_group}",
            f"role {neighbor.role}",
        ]
    )

    # Every call was mapped; the only refusals were the neighbor's tags, which cleanup reads
    # to tell whose a resource is, and skips.
    assert recorder.problems() == []
    denied = recorder.denied()
    assert {(call, r.action) for call, r in denied} == {
        ("lambda.ListTags", "lambda:ListTags"),
        ("logs.ListTagsForResource", "logs:ListTagsForResource"),
        ("iam.ListRoleTags", "iam:ListRoleTags"),
    }
    assert all(NEIGHBOR in r.resource for _, r in denied), denied
    # Durable calls named executions (qualified ARNs), never a bare function.
    durable = [
        r
        for c in recorder.calls
        for r in c.requests
        if r.action in permissions.EXECUTION_ACTIONS and r.action != "lambda:InvokeFunction"
    ]
    assert durable and all(
        re.search(r":function:[a-z0-9-]+:[^:/]+/durable-execution/", r.resource) for r in durable
    )
    # ... and the policy has no action the series did not use.
    assert recorder.used_actions() == actions_of(policy)

    calls = Counter(c.name for c in recorder.calls)
    print(
        f"\n{sum(calls.values())} calls, {len(calls)} operations, "
        f"{len(recorder.used_actions())} IAM actions, {len(denied)} denied "
        f"(the neighbor's tags), {time.monotonic() - started:.0f} s"
    )
