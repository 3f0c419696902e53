"""The execution role's policies (helpers.deploy.policies): only what the function uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from deploying import ACCOUNT
from iam_eval import actions_of, resources_of, statements, wildcard_resources

from helpers import deploy
from helpers.deploy import Names

ROOT = Path(__file__).resolve().parents[2]
NAMES = Names("hitl-alice", ACCOUNT, "us-east-2")
# Every action the chatbot's code path uses, and the call that needs it.
USED = {
    "lambda:CheckpointDurableExecution": "the SDK checkpoints each operation",
    "lambda:GetDurableExecutionState": "the SDK reads the checkpoints on replay",
    "logs:CreateLogStream": "the runtime's log stream",
    "logs:PutLogEvents": "the runtime's log records",
    "sqs:SendMessage": "the approval request",
    "s3:PutObject": "the report",
    "s3:GetObject": "the presigned report URL",
    "bedrock:InvokeModel": "Converse",
}
# Where lambda_fn/ makes those calls itself (the others are the SDK's and the runtime's).
CALLS = {
    "sqs:SendMessage": r"\.send_message\(",
    "s3:PutObject": r"\.put_object\(",
    "s3:GetObject": r"generate_presigned_url\(\s*[\"']get_object",
    "bedrock:InvokeModel": r"\.converse\(",
}


@pytest.mark.parametrize(
    "model_id", ["us.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", "global.anthropic.x-v1:0"]
)
def test_the_policy_grants_only_used_actions(model_id: str) -> None:
    policy = deploy.execution_policy(NAMES, model_id)
    assert actions_of(policy) == set(USED)
    assert all(s["Effect"] == "Allow" for s in statements(policy))
    assert "*" not in json.dumps([s["Action"] for s in statements(policy)])


def test_no_resource_is_wider_than_aws_allows() -> None:
    policy = deploy.execution_policy(NAMES, "us.amazon.nova-lite-v1:0")
    by_sid = {s["Sid"]: s for s in statements(policy)}
    assert "*" not in resources_of(policy)
    # Each wildcard is the narrowest form of its resource, for a reason:
    assert wildcard_resources(policy) == {
        # execution ARNs always carry a qualifier (aws-facts: function:NAME:*)
        "arn:aws:lambda:us-east-2:123456789012:function:hitl-alice-chatbot:*",
        # the log streams of the function's own group
        "arn:aws:logs:us-east-2:123456789012:log-group:/aws/lambda/hitl-alice-chatbot:*",
        # the objects of the kit's bucket
        "arn:aws:s3:::hitl-alice-reports-123456789012-us-east-2/*",
        # the model in the Regions the profile routes to ...
        "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0",
    }
    # ... reachable only through that profile
    fenced = by_sid["InvokeItsModelOnlyThroughTheProfile"]
    profile = by_sid["InvokeTheInferenceProfile"]["Resource"]
    assert fenced["Condition"] == {"StringEquals": {"bedrock:InferenceProfileArn": profile}}
    assert profile == (
        "arn:aws:bedrock:us-east-2:123456789012:inference-profile/us.amazon.nova-lite-v1:0"
    )
    assert by_sid["SendApprovalRequests"]["Resource"] == NAMES.queue_arn


def test_model_arns_follow_the_model_id() -> None:
    plain = deploy.model_statements(NAMES, "amazon.nova-lite-v1:0")
    assert [s["Resource"] for s in plain] == [
        "arn:aws:bedrock:us-east-2::foundation-model/amazon.nova-lite-v1:0"
    ]
    worldwide = deploy.model_statements(NAMES, "global.anthropic.claude-x-v1:0")
    assert worldwide[1]["Resource"] == [
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-x-v1:0",
        "arn:aws:bedrock:::foundation-model/anthropic.claude-x-v1:0",
    ]


def test_a_function_without_the_chatbot_gets_durable_and_log_grants_only() -> None:
    policy = deploy.execution_policy(NAMES.for_app("first"))
    assert actions_of(policy) == set(deploy.DURABLE_ACTIONS + deploy.LOG_ACTIONS)
    assert "function:hitl-alice-first:*" in json.dumps(policy)


def test_the_policy_matches_what_lambda_fn_calls() -> None:
    sources = "\n".join(p.read_text() for p in (ROOT / "lambda_fn").rglob("*.py"))
    if not (ROOT / "lambda_fn" / "app.py").exists():
        pytest.skip("lambda_fn/app.py is not written yet")
    called = {action for action, pattern in CALLS.items() if re.search(pattern, sources)}
    assert called == set(CALLS), f"granted but never called: {set(CALLS) - called}"
    # ... and no client of a service the policy does not grant anything on.
    services = set(re.findall(r"client\(\s*[\"']([a-z0-9-]+)[\"']", sources))
    assert services <= {"sqs", "s3", "bedrock-runtime"}, services
