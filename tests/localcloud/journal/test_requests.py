"""Which calls are journaled: no reads, no failures (journal/requests.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError
from journal_cases import DURABLE_POLICY, TRUST, Cloud, aws_env_fixture, start_fixture, zip_bytes  # noqa: F401  (fixtures)


def test_reads_and_failures_are_not_journaled(start: Callable[[], Cloud]) -> None:
    cloud = start()
    iam, s3, sqs, logs, lam, sts = (
        cloud.client(s) for s in ("iam", "s3", "sqs", "logs", "lambda", "sts")
    )
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)["Role"]
    s3.create_bucket(Bucket="kit-bucket")
    s3.put_object(Bucket="kit-bucket", Key="k", Body=b"v")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    code = zip_bytes({"app.py": b"def handler(e, c):\n    return 1\n"})
    lam.create_function(
        FunctionName="f",
        Runtime="python3.13",
        Role=role["Arn"],
        Handler="app.handler",
        Code={"ZipFile": code},
    )
    lines = cloud.journal_lines()
    assert lines == 8

    iam.get_role(RoleName="r")
    iam.list_roles()
    iam.list_attached_role_policies(RoleName="r")
    iam.get_policy(PolicyArn=DURABLE_POLICY)
    sts.get_caller_identity()
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="session")
    s3.head_object(Bucket="kit-bucket", Key="k")
    s3.get_object(Bucket="kit-bucket", Key="k")["Body"].read()
    s3.list_objects_v2(Bucket="kit-bucket")
    s3.list_buckets()
    sqs.list_queues()
    sqs.get_queue_url(QueueName="q")
    sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    [msg] = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=0
    )
    logs.describe_log_groups()
    logs.describe_log_streams(logGroupName="g")
    logs.get_log_events(logGroupName="g", logStreamName="s")
    logs.filter_log_events(logGroupName="g")
    lam.get_function(FunctionName="f")
    lam.list_functions()
    lam.list_versions_by_function(FunctionName="f")
    # Failed calls change nothing either.
    for call in (
        lambda: s3.create_bucket(Bucket="x"),  # invalid name
        lambda: sqs.delete_queue(QueueUrl=url + "-missing"),
        lambda: iam.attach_role_policy(RoleName="nobody", PolicyArn=DURABLE_POLICY),
        lambda: logs.create_log_group(logGroupName="g"),  # exists
    ):
        with pytest.raises(ClientError):
            call()
    assert cloud.journal_lines() == lines
