"""The execution role's policies: who may assume it, what it may do, and its boundary.

``execution_policy`` grants only the actions the function uses, on its own resources
(``model_statements`` narrows Bedrock to the one model in use); ``trust_policy`` lets
Lambda assume the role. In a shared account a permissions boundary caps every role
(``permissions_boundary``: the setting; ``helpers.permissions``: the policies).
"""

from __future__ import annotations

import os
import re
from typing import Any

from .names import Names, redact_account

DURABLE_POLICY_ARN = (
    "arn:{partition}:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
)
DURABLE_ACTIONS = ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"]
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
# Geography prefixes of Bedrock's system-defined (cross-Region) inference profiles.
PROFILE_GEOS = ("us", "eu", "apac", "jp", "au", "ca", "us-gov", "global")
# In a shared account the facilitator's permissions boundary caps every execution role
# (helpers.permissions): the ARN of that policy, or "auto" for the prefix's own
# (``Names.boundary_arn``). Unset, roles get no boundary, as in a personal account.
BOUNDARY_ENV = "WORKSHOP_PERMISSIONS_BOUNDARY"
BOUNDARY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:policy/[\w+=,.@/-]{1,512}$")


class BoundaryError(RuntimeError):
    """The permissions boundary setting cannot work; the message says what to do."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: one line, and what to do."""
        return [f"BoundaryError: {self}"]


def permissions_boundary(names: Names) -> str | None:
    """The boundary ARN the execution roles must carry (from ``WORKSHOP_PERMISSIONS_BOUNDARY``),
    or None when it is unset. The one place the setting is read, for both targets."""
    value = os.environ.get(BOUNDARY_ENV, "").strip()
    if not value:
        return None
    if value == "auto":
        return names.boundary_arn
    if not BOUNDARY_ARN.match(value):
        raise BoundaryError(
            redact_account(
                f"{BOUNDARY_ENV}={value!r} is neither 'auto' nor a policy ARN such as "
                f"{names.boundary_arn}: set one of those, then run the cell again."
            )
        )
    return value


def trust_policy() -> dict[str, Any]:
    """Who may assume the execution role: the Lambda service."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def model_statements(names: Names, model_id: str) -> list[dict[str, Any]]:
    """bedrock:InvokeModel (the permission Converse needs) on exactly the model in use.

    A foundation model id (``amazon.nova-lite-v1:0``) is one ARN in this region. A
    cross-Region inference profile id (``us.amazon.nova-lite-v1:0``) needs the profile and
    the foundation model in every Region the profile routes to; the Region part of that
    ARN is ``*``, fenced by a condition so that the model is reachable only through this
    profile. A global profile also routes to the Region-less model ARN.
    """
    p = names.partition
    geo, _, base = model_id.partition(".")
    if geo not in PROFILE_GEOS or not base:
        return [
            {
                "Sid": "InvokeTheModel",
                "Effect": "Allow",
                "Action": "bedrock:InvokeModel",
                "Resource": f"arn:{p}:bedrock:{names.region}::foundation-model/{model_id}",
            }
        ]
    profile = f"arn:{p}:bedrock:{names.region}:{names.account}:inference-profile/{model_id}"
    models = [f"arn:{p}:bedrock:*::foundation-model/{base}"]
    if geo == "global":
        models.append(f"arn:{p}:bedrock:::foundation-model/{base}")
    return [
        {
            "Sid": "InvokeTheInferenceProfile",
            "Effect": "Allow",
            "Action": "bedrock:InvokeModel",
            "Resource": profile,
        },
        {
            "Sid": "InvokeItsModelOnlyThroughTheProfile",
            "Effect": "Allow",
            "Action": "bedrock:InvokeModel",
            "Resource": models,
            "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": profile}},
        },
    ]


def chatbot_statements(names: Names) -> list[dict[str, Any]]:
    """What the chatbot does besides checkpoints, logs and the model: SQS send on the
    approval queue, S3 put/get on the report objects (get: the presigned URL is signed
    with the function's role)."""
    return [
        {
            "Sid": "SendApprovalRequests",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": names.queue_arn,
        },
        {
            "Sid": "WriteAndShareReports",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": f"{names.bucket_arn}/*",
        },
    ]


def execution_policy(names: Names, model_id: str | None = None) -> dict[str, Any]:
    """The role's inline policy: only the actions the function uses, on its own resources.

    The first two statements are what the managed durable policy grants on every
    resource, scoped to this function: checkpoints act on execution ARNs, which always
    carry a qualifier (``function:NAME:*``); logs go to the function's own log group,
    which ``ensure_log_group`` creates. With a ``model_id`` (the chatbot), the policy
    adds SQS send on the approval queue, S3 put/get on the report objects (get: the
    presigned URL is signed with the function's role) and Bedrock invoke on the model.
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "CheckpointItsOwnExecutions",
            "Effect": "Allow",
            "Action": DURABLE_ACTIONS,
            "Resource": names.executions_arn,
        },
        {
            "Sid": "WriteItsOwnLogs",
            "Effect": "Allow",
            "Action": LOG_ACTIONS,
            "Resource": f"{names.log_group_arn}:*",
        },
    ]
    if model_id is not None:
        statements += [
            *chatbot_statements(names),
            *model_statements(names, model_id),
        ]
    return {"Version": "2012-10-17", "Statement": statements}
