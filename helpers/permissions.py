"""The IAM policies of one attendee in a shared AWS account: a permissions boundary that
caps the attendee's execution roles, and the attendee's own policy.

The attendee creates execution roles and writes their inline policies; without a cap, a
role could be given ``"Action": "*"`` and passed to Lambda. So the facilitator first
creates the prefix's boundary (``boundary_policy``, named ``Names.boundary_policy``), and
the attendee's policy (``user_policy``) allows creating or changing a role's permissions
only while that boundary is on it (``iam:PermissionsBoundary``). Both are customer managed
policies (the user-inline limit of 2,048 characters is too small), printed by this module:

    .venv/bin/python -m helpers.permissions --boundary --prefix alice --region us-east-2 \\
        --account 111122223333 > alice-boundary.json
    .venv/bin/python -m helpers.permissions --prefix alice --region us-east-2 \\
        --account 111122223333 > alice.json

The attendee's policy lets notebook 00's preflight call the chatbot's model once: the
workshop's model in the Region (``helpers.regions.default_model_id``), or ``--model-id``
when the room uses another MODEL_ID.

The attendee then sets ``WORKSHOP_PERMISSIONS_BOUNDARY=auto`` so that ``deploy.ensure_role``
puts the boundary on every role it creates.

Every action is one the kit calls (``tests/test_permissions.py`` runs the notebooks'
flow and checks both ways: each call is allowed, each action is used), and every resource
is one of the prefix's ARNs (``Names``) for the functions the notebooks deploy. ``*``
appears only for the list actions in ``ACCOUNT_WIDE``, which AWS authorizes on ``*``
alone. Two attendees' policies never overlap: ``alice`` cannot touch ``alice-2``'s
resources, although the names start alike (cleanup skips what it may not read).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from .deploy import (
    DURABLE_ACTIONS,
    DURABLE_POLICY_ARN,
    LOG_ACTIONS,
    Names,
    PrefixError,
    chatbot_statements,
    model_statements,
    validate_prefix,
)
from .params import model_problem
from .regions import default_model_id

# The functions the notebooks deploy under one prefix: 03-05 the chatbot, 01 and 02 a
# sample each. Each gets its own function, version, alias, role and log group.
APPS = ("chatbot", "first", "replay")

# Actions with no resource type in the Service Authorization Reference: AWS authorizes
# them on "*" only, so no narrower Resource can work. They show every attendee's names
# and settings (ListFunctions: each function's configuration, environment variables
# included), never data. What each is for:
ACCOUNT_WIDE: dict[str, str] = {
    "lambda:ListFunctions": "preflight; cleanup finds the prefix's functions by name",
    "iam:ListRoles": "cleanup finds the prefix's execution roles by name",
    "s3:ListAllMyBuckets": "preflight; the leftover check after cleanup (ListBuckets)",
    "sqs:ListQueues": "preflight; the leftover check after cleanup",
    "logs:DescribeLogGroups": "preflight; deploy and cleanup look log groups up by name",
}

# Role actions that cannot widen what a role may do. TagRole and DeleteRole could not carry
# the boundary condition anyway: IAM sets iam:PermissionsBoundary for neither (Service
# Authorization Reference), so such a condition would always deny them.
ROLE_ACTIONS = [
    "iam:TagRole",  # CreateRole with Tags needs it too
    "iam:GetRole",
    "iam:DeleteRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListRoleTags",
]
# Role actions that change what a role may do: only on a role that carries (or, for
# CreateRole and PutRolePermissionsBoundary, is given) the prefix's boundary. The put lets
# deploy.ensure_role add the boundary to a role made before it was configured.
BOUNDED_ROLE_ACTIONS = [
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
]
# Only ever with the managed durable policy (iam:PolicyARN below): never AdministratorAccess;
# and only on a role with the boundary too.
ATTACH_ACTIONS = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
# Never granted: removing a role's boundary, and writing any policy, the boundary included
# (the facilitator creates it). Not explicit Denies: the policy must stay within 6,144
# characters for the longest names; a facilitator who gives attendees other IAM rights
# denies these in that other policy.
BOUNDARY_REMOVAL_ACTIONS = ["iam:DeleteRolePermissionsBoundary"]
BOUNDARY_EDIT_ACTIONS = [
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
]
FUNCTION_ACTIONS = [
    "lambda:CreateFunction",
    "lambda:TagResource",  # CreateFunction with Tags needs it too
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:DeleteFunction",
    "lambda:PublishVersion",
    "lambda:ListVersionsByFunction",
    "lambda:CreateAlias",
    "lambda:GetAlias",
    "lambda:UpdateAlias",
    "lambda:DeleteAlias",
    "lambda:ListAliases",
    "lambda:ListTags",
    # The Service Authorization Reference gives the function resource type; which ARN AWS
    # checks when the call carries a Qualifier (cleanup and recovery list per version) was
    # not verified on AWS: the statement grants both forms.
    "lambda:ListDurableExecutionsByFunction",
]
# Authorized against the durable execution's ARN, function:NAME:QUALIFIER/durable-execution/
# NAME/ID, and (Invoke) against the qualified function ARN: a durable function is only
# invoked qualified. Only function:NAME:* matches them; the unqualified ARN never does.
EXECUTION_ACTIONS = [
    "lambda:InvokeFunction",
    "lambda:GetDurableExecution",
    "lambda:GetDurableExecutionHistory",
    "lambda:SendDurableExecutionCallbackSuccess",
    "lambda:StopDurableExecution",
]
QUEUE_ACTIONS = [
    "sqs:CreateQueue",
    "sqs:TagQueue",  # CreateQueue with tags needs it too
    "sqs:GetQueueUrl",
    "sqs:GetQueueAttributes",
    "sqs:SetQueueAttributes",
    "sqs:ListQueueTags",
    "sqs:DeleteQueue",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",  # a re-run panel hands held requests back at once
]
BUCKET_ACTIONS = [
    "s3:CreateBucket",
    "s3:ListBucket",  # HeadBucket
    "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock",
    "s3:GetEncryptionConfiguration",  # GetBucketEncryption
    "s3:PutEncryptionConfiguration",  # PutBucketEncryption
    "s3:GetBucketTagging",
    "s3:PutBucketTagging",
    "s3:ListBucketVersions",  # ListObjectVersions, to empty it
    "s3:DeleteBucket",
]
# DeleteObjects always needs DeleteObject, and DeleteObjectVersion for the VersionIds that
# cleanup passes. The user never reads a report through S3: its link is presigned by the
# function's role.
OBJECT_ACTIONS = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
LOG_GROUP_ACTIONS = [
    "logs:CreateLogGroup",
    # CreateLogGroup with tags: AWS lists both tagging actions for it, the newer
    # TagResource and the older TagLogGroup; which one it checks was not verified here.
    "logs:TagResource",
    "logs:TagLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteLogGroup",
    "logs:ListTagsForResource",
    "logs:FilterLogEvents",  # the REPORT records of notebooks 02 and 05
]


# What the managed AWSLambdaBasicDurableExecutionRolePolicy, which ensure_role attaches,
# grants on "*": the boundary keeps these to the prefix's functions and log groups.
MANAGED_DURABLE_ACTIONS = ["logs:CreateLogGroup", *LOG_ACTIONS, *DURABLE_ACTIONS]
MODEL_ACTION = "bedrock:InvokeModel"  # what Converse needs


def boundary_policy(names: Names) -> dict[str, Any]:
    """The permissions boundary of every execution role of ``names.prefix``: the most any
    of them may ever do, whatever its inline policy says.

    It is the union of what the kit's roles use (``deploy.execution_policy`` of each app,
    the chatbot's included, and the managed durable policy), each on the prefix's own
    resources. The model is the exception: it is chosen per deploy (``ChatbotSettings``)
    after the facilitator made the boundary, so any model may be invoked, but only in the
    workshop's Region and account: foundation models there, the account's inference
    profiles there, and a foundation model elsewhere only through one of those profiles
    (the cross-Region profiles route to other Regions). The role's inline policy then
    narrows it to the one model in use (``deploy.model_statements``).
    """
    p, region, account = names.partition, names.region, names.account
    apps = [names.for_app(app) for app in APPS]
    # With and without ":*": the group (CreateLogGroup) and its streams (the others).
    log_groups = [arn for n in apps for arn in (n.log_group_arn, f"{n.log_group_arn}:*")]
    profiles = f"arn:{p}:bedrock:{region}:{account}:inference-profile/*"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "CheckpointTheirOwnExecutions",
            "Effect": "Allow",
            "Action": DURABLE_ACTIONS,
            "Resource": [n.executions_arn for n in apps],
        },
        {
            "Sid": "WriteTheirOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", *LOG_ACTIONS],
            "Resource": log_groups,
        },
        *chatbot_statements(names),
        {
            "Sid": "InvokeModelsInTheRegion",
            "Effect": "Allow",
            "Action": MODEL_ACTION,
            "Resource": [f"arn:{p}:bedrock:{region}::foundation-model/*", profiles],
        },
        {
            # "*" for the Region: a profile routes to the Regions of its geography (and a
            # global one to the Region-less ARN, which "*" matches too).
            "Sid": "InvokeOtherRegionsModelsOnlyThroughAProfile",
            "Effect": "Allow",
            "Action": MODEL_ACTION,
            "Resource": f"arn:{p}:bedrock:*::foundation-model/*",
            "Condition": {"StringLike": {"bedrock:InferenceProfileArn": profiles}},
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def user_policy(names: Names, model_id: str = "") -> dict[str, Any]:
    """The policy that lets one attendee run every notebook with ``names.prefix``, and
    nothing more: the prefix's functions (``APPS``), their roles and log groups, its
    approval queue and its report bucket, in ``names.region`` of ``names.account``, and the
    preflight's one call to the chatbot's model (``model_id``, or the workshop's model in
    the Region). Roles are created and changed only with the prefix's boundary
    (``boundary_policy``) on them."""
    model = model_id or default_model_id(names.region)
    apps = [names.for_app(app) for app in APPS]
    with_boundary = {"iam:PermissionsBoundary": names.boundary_arn}
    roles = [n.role_arn for n in apps]
    functions = [n.function_arn for n in apps]
    qualified = [n.executions_arn for n in apps]  # function:NAME:* (versions, aliases)
    log_groups = [arn for n in apps for arn in (n.log_group_arn, f"{n.log_group_arn}:*")]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ListNamesAccountWide",
            "Effect": "Allow",
            "Action": sorted(ACCOUNT_WIDE),
            "Resource": "*",
        },
        {
            "Sid": "ManageTheExecutionRoles",
            "Effect": "Allow",
            "Action": ROLE_ACTIONS,
            "Resource": roles,
        },
        {
            "Sid": "ChangeTheRolesOnlyWithinTheBoundary",
            "Effect": "Allow",
            "Action": BOUNDED_ROLE_ACTIONS,
            "Resource": roles,
            "Condition": {"StringEquals": with_boundary},
        },
        {
            "Sid": "AttachOnlyTheManagedDurablePolicy",
            "Effect": "Allow",
            "Action": ATTACH_ACTIONS,
            "Resource": roles,
            "Condition": {
                "ArnEquals": {
                    "iam:PolicyARN": DURABLE_POLICY_ARN.format(partition=names.partition)
                },
                "StringEquals": with_boundary,
            },
        },
        {
            "Sid": "PassTheExecutionRolesToLambdaOnly",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": roles,
            "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        },
        {
            # Unqualified ARNs for the function itself, function:NAME:* for the calls that
            # name a version or alias (a Qualifier, the published-version waiter).
            "Sid": "DeployAndRemoveTheFunctions",
            "Effect": "Allow",
            "Action": FUNCTION_ACTIONS,
            "Resource": functions + qualified,
        },
        {
            "Sid": "StartFollowAnswerAndStopExecutions",
            "Effect": "Allow",
            "Action": EXECUTION_ACTIONS,
            "Resource": qualified,
        },
        {
            "Sid": "TheApprovalQueue",
            "Effect": "Allow",
            "Action": QUEUE_ACTIONS,
            "Resource": names.queue_arn,
        },
        {
            "Sid": "TheReportBucket",
            "Effect": "Allow",
            "Action": BUCKET_ACTIONS,
            "Resource": names.bucket_arn,
        },
        {
            "Sid": "EmptyTheReportBucketAtCleanup",
            "Effect": "Allow",
            "Action": OBJECT_ACTIONS,
            "Resource": f"{names.bucket_arn}/*",
        },
        {
            # Both spellings of a log group's ARN: with ":*" (how DescribeLogGroups' "arn"
            # and AWS's examples write it) and without (its "logGroupArn", what cleanup
            # passes to ListTagsForResource).
            "Sid": "TheFunctionsLogGroups",
            "Effect": "Allow",
            "Action": LOG_GROUP_ACTIONS,
            "Resource": log_groups,
        },
        # The preflight's Converse call: exactly what the chatbot's role may invoke.
        *({**s, "Sid": f"Preflight{s['Sid']}"} for s in model_statements(names, model)),
    ]
    return {"Version": "2012-10-17", "Statement": statements}


# -- command line -------------------------------------------------------------------------
ACCOUNT_PATTERN = re.compile(r"^\d{12}$")
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.permissions",
        description="Print the IAM policy (JSON) one attendee needs to run every notebook "
        "with PREFIX in a shared AWS account; create it as a customer managed policy. "
        "With --boundary, print the permissions boundary of that attendee's execution "
        "roles instead: create it first, named PREFIX-boundary.",
    )
    parser.add_argument(
        "--boundary",
        action="store_true",
        help="print the permissions boundary (policy PREFIX-boundary) instead",
    )
    parser.add_argument("--prefix", required=True, help="the attendee's PREFIX, e.g. hitl-alice")
    parser.add_argument("--region", required=True, help="the workshop's REGION, e.g. us-east-2")
    parser.add_argument("--account", required=True, help="the 12-digit AWS account id")
    parser.add_argument(
        "--model-id",
        default="",
        help="the room's MODEL_ID (default: the workshop's model in --region)",
    )
    args = parser.parse_args(argv)
    try:
        validate_prefix(args.prefix)
    except PrefixError as exc:
        parser.error(str(exc))
    if not REGION_PATTERN.match(args.region):
        parser.error(f"REGION {args.region!r} is not a region name such as 'us-east-2'.")
    if not ACCOUNT_PATTERN.match(args.account):
        parser.error(f"--account {args.account!r} is not a 12-digit AWS account id.")
    if problem := model_problem(args.model_id, args.region):
        parser.error(problem.replace("MODEL_ID", "--model-id", 1))
    return args


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    names = Names(args.prefix, args.account, args.region)
    policy = boundary_policy(names) if args.boundary else user_policy(names, args.model_id)
    json.dump(policy, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
