"""The moto journal: state survives a restart (and a SIGKILL) with the same state dir.

Real moto behind a real loopback HTTP server, driven by real boto3 clients.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from helpers.deploy import trust_policy
from helpers.localcloud.journal import JOURNAL_NAME, MotoState

REPO = Path(__file__).resolve().parents[2]
DURABLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
TRUST = json.dumps(trust_policy())


def make_client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


class Cloud:
    """MotoState replayed from `state_dir` and served on 127.0.0.1 in a thread."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.state = MotoState(state_dir)
        self.replayed = self.state.replay()
        self.server = make_server("127.0.0.1", 0, self.state.app, threaded=True)
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def client(self, service: str) -> Any:
        return make_client(self.endpoint, service)

    def journal_lines(self) -> int:
        return len((self.state_dir / JOURNAL_NAME).read_bytes().splitlines())

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()
            self.state.close()


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[], Cloud]]:
    """start() brings up the cloud on one state dir, stopping the previous one: a restart."""
    running: list[Cloud] = []

    def _start() -> Cloud:
        for cloud in running:
            cloud.stop()
        running.append(Cloud(tmp_path / "state"))
        return running[-1]

    yield _start
    for cloud in running:
        cloud.stop()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


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


def functions_of(cloud: Cloud) -> Callable[[str, bytes], None]:
    """``create(name, zip)`` on ``cloud``, with one role for all of them."""
    role = cloud.client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)
    lam = cloud.client("lambda")

    def create(name: str, code: bytes) -> None:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": code},
        )

    return create


def big_zip(value: int) -> bytes:
    handler = f"def handler(e, c):\n    return {value}\n".encode()
    return zip_bytes({"app.py": handler, "padding": os.urandom(100_000)})  # > BLOB_THRESHOLD


def test_a_deleted_function_leaves_the_journal_and_its_zip_the_disk(
    start: Callable[[], Cloud],
) -> None:
    cloud = start()
    create, lam = functions_of(cloud), cloud.client("lambda")
    shared, own = big_zip(1), big_zip(2)

    create("kept", shared)
    create("gone", shared)
    lam.update_function_code(FunctionName="gone", ZipFile=own)
    version = lam.publish_version(FunctionName="gone")["Version"]
    lam.create_alias(FunctionName="gone", Name="live", FunctionVersion=version)
    arn = lam.get_function(FunctionName="gone")["Configuration"]["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"kit": "yes"})
    lam.delete_function(FunctionName="gone", Qualifier=version)  # one version: no compaction
    assert "gone" in (cloud.state_dir / JOURNAL_NAME).read_text()
    blobs = cloud.state_dir / "blobs"
    assert len(list(blobs.iterdir())) == 3  # the request bodies of two creates and an update

    lam.delete_function(FunctionName=arn)  # by ARN, as cleanup code may

    records = [
        json.loads(line) for line in (cloud.state_dir / JOURNAL_NAME).read_text().splitlines()
    ]
    assert not [r for r in records if r.get("function") == "gone"]
    assert [r["function"] for r in records if "function" in r] == ["kept"]
    assert len(list(blobs.iterdir())) == 1  # only the other function's create is needed
    create("gone", own)  # a new function of the same name: after the compaction, kept

    lam = start().client("lambda")
    assert lam.get_function(FunctionName="kept")["Configuration"]["CodeSize"] == len(shared)
    again = lam.get_function(FunctionName="gone")["Configuration"]
    assert again["CodeSize"] == len(own)
    assert [
        v["Version"] for v in lam.list_versions_by_function(FunctionName="gone")["Versions"]
    ] == ["$LATEST"]


def test_a_journal_from_before_compaction_is_compacted_at_start(
    start: Callable[[], Cloud],
) -> None:
    cloud = start()
    create, code = functions_of(cloud), big_zip(1)
    for name in ("old", "other"):
        create(name, code)
    cloud.stop()
    # As an older kit wrote it: no record names its function, and the delete was journaled.
    journal = cloud.state_dir / JOURNAL_NAME
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    for record in records:
        record.pop("function", None)
    delete = {**records[-1], "method": "DELETE", "path": "/2015-03-31/functions/old"}
    for key in ("body", "blob"):
        delete.pop(key, None)
    journal.write_text("".join(json.dumps(r) + "\n" for r in [*records, delete]))

    lam = start().client("lambda")

    with pytest.raises(ClientError, match="ResourceNotFound"):
        lam.get_function(FunctionName="old")
    assert lam.get_function(FunctionName="other")["Configuration"]["CodeSize"] == len(code)
    kept = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r.get("function") for r in kept if r["path"].startswith("/2015")] == ["other"]
    assert len(list((cloud.state_dir / "blobs").iterdir())) == 1


def test_torn_last_line_is_dropped_with_a_warning(
    start: Callable[[], Cloud], caplog: pytest.LogCaptureFixture
) -> None:
    cloud = start()
    cloud.client("sqs").create_queue(QueueName="q1")
    cloud.stop()
    journal = cloud.state_dir / JOURNAL_NAME
    with journal.open("ab") as f:  # what a kill in the middle of a write leaves
        f.write(b'{"kind":"http","seed":1,"method":"POST","pa')

    with caplog.at_level(logging.WARNING, logger="helpers.localcloud.journal"):
        cloud = start()
    assert cloud.replayed == 1
    assert "torn" in caplog.text
    sqs = cloud.client("sqs")
    sqs.create_queue(QueueName="q2")  # appended after the cut, on a line of its own

    cloud = start()
    assert cloud.replayed == 2
    assert cloud.journal_lines() == 2
    assert sorted(u.rsplit("/", 1)[1] for u in cloud.client("sqs").list_queues()["QueueUrls"]) == [
        "q1",
        "q2",
    ]


def test_corrupt_record_is_skipped(start: Callable[[], Cloud]) -> None:
    cloud = start()
    cloud.client("sqs").create_queue(QueueName="q1")
    cloud.stop()
    journal = cloud.state_dir / JOURNAL_NAME
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"not json\n" + b"".join(lines))
    cloud = start()
    assert cloud.replayed == 1
    assert cloud.client("sqs").get_queue_url(QueueName="q1")["QueueUrl"]


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
