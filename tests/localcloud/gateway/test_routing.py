"""The moto services the kit uses, through the gateway (gateway/app.py)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from gateway_cases import Client, error_code, in_region

from helpers.deploy import trust_policy

# -- the moto services the kit uses ------------------------------------------------------


def test_s3_presigned_get(client: Client, name: Callable[..., str]) -> None:
    s3 = client("s3")
    bucket = name("reports")
    s3.create_bucket(Bucket=bucket)
    body = "# Report\n\n日本語も大丈夫。\n".encode()
    s3.put_object(Bucket=bucket, Key="runs/report.md", Body=body, ContentType="text/markdown")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "runs/report.md"}, ExpiresIn=300
    )
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as reply:
        assert reply.status == 200
        assert reply.read() == body
        assert reply.headers["Content-Type"] == "text/markdown"


def test_sqs_send_receive_delete(client: Client, name: Callable[..., str]) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=name("approvals"))["QueueUrl"]
    message = {"execution_arn": "arn:x", "callback_id": "cb", "tool": "search", "input": {}}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message))
    received = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=30
    )["Messages"]
    assert [json.loads(m["Body"]) for m in received] == [message]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"])
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []


def test_iam_role_and_managed_policy(client: Client, name: Callable[..., str]) -> None:
    iam = client("iam")
    role = name("role")
    trust = json.dumps(trust_policy())
    created = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]
    assert created["Arn"] == f"arn:aws:iam::123456789012:role/{role}"
    policy = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
    iam.attach_role_policy(RoleName=role, PolicyArn=policy)
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [policy]
    version = iam.get_policy(PolicyArn=policy)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=policy, VersionId=version)["PolicyVersion"]
    actions = json.dumps(document["Document"])
    assert "lambda:CheckpointDurableExecution" in actions
    assert "lambda:GetDurableExecutionState" in actions
    iam.get_waiter("role_exists").wait(RoleName=role, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")


@pytest.mark.parametrize(
    ("region", "constraint", "error"),
    [
        # S3 API reference, CreateBucket / Error responses (LocationConstraint rules):
        ("ap-northeast-1", None, "IllegalLocationConstraintException"),  # outside us-east-1
        ("us-east-1", "us-east-1", "InvalidLocationConstraint"),  # us-east-1 takes none
        ("ap-northeast-1", "us-east-2", "IllegalLocationConstraintException"),  # not this one
        ("us-east-2", "us-east-2", None),
        ("us-east-1", None, None),
    ],
)
def test_s3_location_constraint_rules(
    cloud: Any, name: Callable[..., str], region: str, constraint: str | None, error: str | None
) -> None:
    """moto enforces these already (no gateway code); the test keeps it so."""
    s3 = in_region(cloud, "s3", region)
    kwargs: dict[str, Any] = {"Bucket": name("located")}
    if constraint:
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": constraint}
    if error is None:
        s3.create_bucket(**kwargs)
        located = s3.get_bucket_location(Bucket=kwargs["Bucket"])["LocationConstraint"]
        assert located == (None if region == "us-east-1" else region)
        return
    with pytest.raises(ClientError) as err:
        s3.create_bucket(**kwargs)
    assert error_code(err) == error
