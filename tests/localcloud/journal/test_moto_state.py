"""The moto journal: state survives a restart (and a SIGKILL) with the same state dir.

Real moto behind a real loopback HTTP server, driven by real boto3 clients.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from journal_cases import (  # noqa: F401  (fixtures)
    DURABLE_POLICY,
    REPO,
    TRUST,
    Cloud,
    aws_env_fixture,
    make_client,
    start_fixture,
    zip_bytes,
)

from helpers.localcloud.journal import JOURNAL_NAME


def test_iam_role_and_managed_durable_policy_survive(start: Callable[[], Cloud]) -> None:
    iam = start().client("iam")
    # A read before the first write: the IAM backend gets created outside a journaled
    # call here, inside one at replay; ids must not depend on that.
    with pytest.raises(ClientError):
        iam.get_role(RoleName="durable-role")
    role = iam.create_role(RoleName="durable-role", AssumeRolePolicyDocument=TRUST)["Role"]
    iam.attach_role_policy(RoleName="durable-role", PolicyArn=DURABLE_POLICY)

    cloud = start()
    iam = cloud.client("iam")
    assert cloud.replayed == 2
    again = iam.get_role(RoleName="durable-role")["Role"]
    assert (again["Arn"], again["RoleId"]) == (role["Arn"], role["RoleId"])
    attached = iam.list_attached_role_policies(RoleName="durable-role")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [DURABLE_POLICY]


def test_s3_objects_survive_byte_for_byte(start: Callable[[], Cloud]) -> None:
    cloud = start()
    s3 = cloud.client("s3")
    big = os.urandom(300 * 1024)  # over the blob threshold: stored in blobs/
    s3.create_bucket(Bucket="kit-bucket")
    s3.put_object(Bucket="kit-bucket", Key="big.bin", Body=big)
    s3.put_object(
        Bucket="kit-bucket",
        Key="report.md",
        Body=b"# report\n",
        ContentType="text/markdown",
        Metadata={"run": "1"},
    )
    s3.put_object(Bucket="kit-bucket", Key="gone.txt", Body=b"x")
    s3.delete_object(Bucket="kit-bucket", Key="gone.txt")
    assert any((cloud.state_dir / "blobs").iterdir())

    s3 = start().client("s3")
    assert s3.get_object(Bucket="kit-bucket", Key="big.bin")["Body"].read() == big
    report = s3.get_object(Bucket="kit-bucket", Key="report.md")
    assert report["Body"].read() == b"# report\n"
    assert (report["ContentType"], report["Metadata"]) == ("text/markdown", {"run": "1"})
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="kit-bucket")["Contents"]]
    assert keys == ["big.bin", "report.md"]


def test_s3_multipart_upload_continues_across_restart(start: Callable[[], Cloud]) -> None:
    s3 = start().client("s3")
    s3.create_bucket(Bucket="kit-bucket")
    part1, part2 = os.urandom(5 * 1024 * 1024), b"tail"
    upload_id = s3.create_multipart_upload(Bucket="kit-bucket", Key="k")["UploadId"]
    etag1 = s3.upload_part(
        Bucket="kit-bucket", Key="k", UploadId=upload_id, PartNumber=1, Body=part1
    )["ETag"]

    s3 = start().client("s3")  # the client still holds the original upload id
    etag2 = s3.upload_part(
        Bucket="kit-bucket", Key="k", UploadId=upload_id, PartNumber=2, Body=part2
    )["ETag"]
    s3.complete_multipart_upload(
        Bucket="kit-bucket",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": etag1}, {"PartNumber": 2, "ETag": etag2}]
        },
    )

    s3 = start().client("s3")
    assert s3.get_object(Bucket="kit-bucket", Key="k")["Body"].read() == part1 + part2


def test_sqs_undeleted_messages_survive_with_same_ids(start: Callable[[], Cloud]) -> None:
    sqs = start().client("sqs")
    url = sqs.create_queue(QueueName="approvals")["QueueUrl"]
    sent = {
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")["MessageId"]: f"m{i}" for i in range(4)
    }
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=600
    )
    deleted = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": "0", "ReceiptHandle": second["ReceiptHandle"]}]
    )
    assert [s["Id"] for s in deleted["Successful"]] == ["0"]
    # Received but not deleted: visible again after a restart (at-least-once).
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)

    sqs = start().client("sqs")
    url = sqs.get_queue_url(QueueName="approvals")["QueueUrl"]
    left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    expected = {k: v for k, v in sent.items() if k not in {first["MessageId"], second["MessageId"]}}
    assert {m["MessageId"]: m["Body"] for m in left} == expected


def test_logs_survive(start: Callable[[], Cloud]) -> None:
    logs = start().client("logs")
    group, stream = "/aws/lambda/kit-fn", "2026/11/25/[$LATEST]abc"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    messages = ["START RequestId: r1", "hello", "END RequestId: r1", "REPORT RequestId: r1"]
    for i, message in enumerate(messages):
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": now + i, "message": message}],
        )

    logs = start().client("logs")
    assert [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]] == [group]
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [stream]
    events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    assert [(e["timestamp"], e["message"]) for e in events["events"]] == [
        (now + i, m) for i, m in enumerate(messages)
    ]


def test_the_journal_keeps_no_credentials_and_replays_under_the_same_account(
    start: Callable[[], Cloud], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A user's own (here: canary) credentials signed the calls; none of it may reach the disk.
    # A fresh, random key id each run: no key-shaped literal sits in the repository.
    key = "AKIA" + secrets.token_hex(8).upper()
    secret, token = "journal/canary+secret", "journal-canary-token"
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "210987654321")
    session = boto3.Session(
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name="us-east-1",
    )
    cloud = start()
    sqs = session.client("sqs", endpoint_url=cloud.endpoint)
    url = sqs.create_queue(QueueName="approvals")["QueueUrl"]
    assert "/210987654321/" in url

    journal = (cloud.state_dir / JOURNAL_NAME).read_text()
    for secret_part in (key, secret, token):
        assert secret_part not in journal
    records = [json.loads(line) for line in journal.splitlines()]
    headers = records[-1]["headers"]
    assert "Signature=journal" in headers["HTTP_AUTHORIZATION"]
    assert "HTTP_X_AMZ_SECURITY_TOKEN" not in headers
    assert headers["HTTP_X_MOTO_ACCOUNT_ID"] == "210987654321"

    sqs = session.client("sqs", endpoint_url=start().endpoint)
    assert sqs.get_queue_url(QueueName="approvals")["QueueUrl"].endswith("/210987654321/approvals")


def test_lambda_versions_and_aliases_survive(start: Callable[[], Cloud]) -> None:
    cloud = start()
    role = cloud.client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)
    lam = cloud.client("lambda")
    code1 = zip_bytes({"app.py": b"def handler(event, context):\n    return 1\n"})
    code2 = zip_bytes(
        {
            "app.py": b"def handler(event, context):\n    return 2\n",
            "data.bin": os.urandom(200 * 1024),
        }
    )
    created = lam.create_function(
        FunctionName="kit-fn",
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": code1},
        Environment={"Variables": {"MODE": "test"}},
    )
    v1 = lam.publish_version(FunctionName="kit-fn")
    lam.update_function_code(FunctionName="kit-fn", ZipFile=code2)
    v2 = lam.publish_version(FunctionName="kit-fn")
    lam.create_alias(FunctionName="kit-fn", Name="live", FunctionVersion=v2["Version"])
    before = lam.get_function(FunctionName="kit-fn")["Configuration"]

    lam = start().client("lambda")
    after = lam.get_function(FunctionName="kit-fn")["Configuration"]
    assert (v1["Version"], v2["Version"]) == ("1", "2")
    assert created["CodeSha256"] != before["CodeSha256"]
    for key in ("FunctionArn", "CodeSha256", "CodeSize", "RevisionId", "Environment", "Role"):
        assert after.get(key) == before.get(key), key
    versions = lam.list_versions_by_function(FunctionName="kit-fn")["Versions"]
    assert [(v["Version"], v["CodeSha256"]) for v in versions] == [
        ("$LATEST", before["CodeSha256"]),
        ("1", v1["CodeSha256"]),
        ("2", v2["CodeSha256"]),
    ]
    assert lam.get_alias(FunctionName="kit-fn", Name="live")["FunctionVersion"] == "2"


SERVER = """
import sys
from pathlib import Path
from werkzeug.serving import make_server
from helpers.localcloud.journal import MotoState

state = MotoState(Path(sys.argv[1]))
replayed = state.replay()
server = make_server("127.0.0.1", 0, state.app, threaded=True)
print(server.server_port, replayed, flush=True)
server.serve_forever()
"""


def _spawn(state_dir: Path) -> tuple[subprocess.Popen[str], str, int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(state_dir)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, "server subprocess died before it was ready"
    port, replayed = line.split()
    return proc, f"http://127.0.0.1:{port}", int(replayed)


def test_sigkill_loses_no_acknowledged_call(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    proc, endpoint, replayed = _spawn(state_dir)
    try:
        assert replayed == 0
        sqs = make_client(endpoint, "sqs")
        url = sqs.create_queue(QueueName="approvals")["QueueUrl"]
        message_id = sqs.send_message(QueueUrl=url, MessageBody="approve?")["MessageId"]
    finally:
        proc.kill()  # SIGKILL: no cleanup, no close, no flush at exit
        proc.wait()

    proc, endpoint, replayed = _spawn(state_dir)
    try:
        assert replayed == 2
        sqs = make_client(endpoint, "sqs")
        url = sqs.get_queue_url(QueueName="approvals")["QueueUrl"]
        [message] = sqs.receive_message(QueueUrl=url)["Messages"]
        assert (message["MessageId"], message["Body"]) == (message_id, "approve?")
    finally:
        proc.kill()
        proc.wait()
