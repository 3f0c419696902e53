"""The realism profiles: AWS's delays and quotas, each behaviour seen through boto3.

The module's local cloud runs the default profile (``fast``); each test would pass against
moto alone only if the behaviour were missing, and fails when it is removed.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers.deploy import trust_policy
from helpers.localcloud import LocalCloud, local_client, realism
from helpers.localcloud.background import command, health
from helpers.localcloud.lambda_host import LogShipper
from helpers.localcloud.realism import FAST, Realism, RealismError, profile_named

REGION = "us-east-1"
ASSUME_LAMBDA = json.dumps(trust_policy())
DURABLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"


def make_zip(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", source)
    return buf.getvalue()


HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def message(exc: ClientError) -> str:
    return str(exc.response["Error"]["Message"])


def retrying(endpoint: str, service: str) -> Any:
    """A client as the kit makes them: botocore's standard retries (throttles included)."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 10}),
    )


def new_role(client: Callable[[str], Any], name: str) -> str:
    iam = client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ASSUME_LAMBDA)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=DURABLE_POLICY_ARN)
    return str(arn)


def create_when_role_ready(lam: Any, **spec: Any) -> dict[str, Any]:
    """create_function, retried while Lambda cannot assume the new role yet (as on AWS)."""
    for _ in range(100):
        try:
            return dict(lam.create_function(**spec))
        except ClientError as exc:
            if "cannot be assumed" not in message(exc):
                raise
            time.sleep(0.1)
    raise AssertionError("the role never became assumable")


def function_spec(name: str, role: str, **extra: Any) -> dict[str, Any]:
    return {
        "FunctionName": name,
        "Runtime": "python3.13",
        "Role": role,
        "Handler": "app.handler",
        "Code": {"ZipFile": make_zip(HANDLER)},
        **extra,
    }


# -- profiles -------------------------------------------------------------------------------
def test_profiles_by_flag_then_environment_then_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(realism.ENV, raising=False)
    assert profile_named().name == "fast"
    monkeypatch.setenv(realism.ENV, "aws")
    assert profile_named().name == "aws"
    assert profile_named("off").name == "off"
    monkeypatch.setenv(realism.ENV, "slow")
    with pytest.raises(RealismError, match="fast, aws, off"):
        profile_named()


def test_fast_is_short_and_aws_uses_aws_figures() -> None:
    aws = realism.AWS
    assert aws.queue_name_reserved_s == aws.queue_linger_s == 60  # SQS API reference
    assert aws.quotas["FilterLogEvents"] == 5 and aws.quotas["GetDurableExecutionHistory"] == 15
    for figure in ("function_pending_s", "update_in_progress_s", "role_propagation_s"):
        assert 0 < getattr(FAST, figure) < getattr(aws, figure)
    assert realism.OFF.quotas == {} and realism.OFF.function_pending_s == 0


def test_the_command_line_and_health_name_the_profile(cloud: LocalCloud, tmp_path: Path) -> None:
    assert health(cloud.endpoint)["realism"] == "fast"
    assert command(4566, tmp_path, "aws")[-2:] == ["--realism", "aws"]
    bad = subprocess.run(
        [*command(0, tmp_path), "--realism", "slow"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_off_has_no_delays(tmp_path: Path) -> None:
    with LocalCloud(tmp_path, realism="off") as off:
        lam, iam = off.client("lambda"), off.client("iam")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=ASSUME_LAMBDA)["Role"]
        created = lam.create_function(**function_spec("f", role["Arn"]))  # no propagation
        assert created["State"] == "Active"
        assert health(off.endpoint) == {"status": "ok", "realism": "off", "throttled": 0}


# -- 1. Pending before Active -----------------------------------------------------------------
def test_a_new_function_is_pending_and_refuses_invokes_until_active(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    fn, lam = name("pending"), client("lambda")
    created = create_when_role_ready(lam, **function_spec(fn, new_role(client, f"{fn}-role")))
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    assert lam.get_function(FunctionName=fn)["Configuration"]["State"] == "Pending"
    assert lam.get_function_configuration(FunctionName=fn)["State"] == "Pending"
    with pytest.raises(ClientError) as refused:
        lam.invoke(FunctionName=fn, Payload=b"{}")
    assert code(refused.value) == "ResourceConflictException"
    assert message(refused.value).endswith("currently in the following state: Pending")
    lam.get_waiter("function_active_v2").wait(
        FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    assert lam.get_function(FunctionName=fn)["Configuration"]["State"] == "Active"
    assert json.loads(lam.invoke(FunctionName=fn, Payload=b"{}")["Payload"].read()) == {"ok": True}


# -- 2. LastUpdateStatus InProgress -----------------------------------------------------------
def test_an_update_is_in_progress_until_successful(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    fn, lam = name("update"), client("lambda")
    create_when_role_ready(lam, **function_spec(fn, new_role(client, f"{fn}-role")))
    lam.get_waiter("function_active_v2").wait(FunctionName=fn, WaiterConfig={"Delay": 1})
    updated = lam.update_function_configuration(FunctionName=fn, MemorySize=256)
    assert updated["LastUpdateStatus"] == "InProgress"
    assert lam.get_function(FunctionName=fn)["Configuration"]["LastUpdateStatus"] == "InProgress"
    for call in (
        lambda: lam.update_function_code(FunctionName=fn, ZipFile=make_zip(HANDLER + "# 2\n")),
        lambda: lam.publish_version(FunctionName=fn),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert code(refused.value) == "ResourceConflictException"
        assert "An update is in progress for resource: arn:aws:lambda:" in message(refused.value)
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    assert lam.get_function(FunctionName=fn)["Configuration"]["LastUpdateStatus"] == "Successful"
    assert lam.publish_version(FunctionName=fn)["Version"] == "1"


# -- 3. a new role --------------------------------------------------------------------------
def test_a_new_role_cannot_be_assumed_by_lambda_at_once(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    fn, lam = name("role"), client("lambda")
    role = new_role(client, f"{fn}-role")
    with pytest.raises(ClientError) as refused:
        lam.create_function(**function_spec(fn, role))
    assert code(refused.value) == "InvalidParameterValueException"
    assert (
        message(refused.value) == "The role defined for the function cannot be assumed by Lambda."
    )
    time.sleep(FAST.role_propagation_s)
    assert lam.create_function(**function_spec(fn, role))["FunctionName"] == fn


# -- 4. late, out-of-order log delivery -------------------------------------------------------
class RecordingLogs:
    """A CloudWatch Logs client that records what it was given, in order."""

    class exceptions:
        ResourceAlreadyExistsException = KeyError
        ResourceNotFoundException = LookupError

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def create_log_group(self, **_: Any) -> None:
        pass

    def create_log_stream(self, **_: Any) -> None:
        pass

    def put_log_events(self, logGroupName: str, logStreamName: str, logEvents: Any) -> None:
        with self.lock:
            self.delivered.append((logStreamName, logEvents[0]["message"]))


def test_log_batches_arrive_late_in_order_per_stream_but_not_across_streams() -> None:
    delays = iter([0.4, 0.0, 0.0])  # first batch of stream a is slow, b's is fast
    logs = RecordingLogs()
    shipper = LogShipper(lambda region: logs, lambda: next(delays))
    shipper.put("us-east-1", "g", "a", [(1, "a1")])
    shipper.put("us-east-1", "g", "b", [(2, "b1")])
    shipper.put("us-east-1", "g", "a", [(3, "a2")])  # due at once, but never before a1
    time.sleep(0.2)
    assert logs.delivered == [("b", "b1")]  # a1 is not visible yet; b1 overtook it
    shipper.flush()
    assert logs.delivered == [("b", "b1"), ("a", "a1"), ("a", "a2")]
    shipper.stop()


def test_stop_delivers_what_is_still_on_its_way() -> None:
    logs = RecordingLogs()
    shipper = LogShipper(lambda region: logs, lambda: 60.0)
    shipper.put("us-east-1", "g", "a", [(1, "late")])
    shipper.stop()
    assert logs.delivered == [("a", "late")]


def test_records_late_for_a_deleted_group_are_lost_not_written_to_a_new_group(
    cloud: LocalCloud, name: Callable[..., str]
) -> None:
    """Lambda creates the group when the function writes; a batch still on its way when the
    group is deleted (notebook 99 right after a run) does not bring the group back."""
    logs, group = cloud.client("logs"), f"/aws/lambda/{name('late')}"
    shipper = LogShipper(lambda region: local_client("logs", cloud.endpoint, region), lambda: 0.5)
    shipper.put(cloud.region, group, "s", [(int(time.time() * 1000), "REPORT RequestId: x")])
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]  # created at once
    logs.delete_log_group(logGroupName=group)
    shipper.stop()  # delivers what is left
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_the_profile_draws_each_batch_its_delay() -> None:
    drawn = [Realism(FAST, seed=7).log_delay() for _ in range(3)]
    low, high = FAST.log_delay_s
    assert all(low <= d <= high for d in drawn)
    assert Realism(realism.OFF).log_delay() == 0


# -- 5. quotas --------------------------------------------------------------------------------
def test_token_buckets_per_account_region_and_operation() -> None:
    now = [0.0]
    model = Realism(FAST, clock=lambda: now[0])
    refused = [model._wait_for_token("a", "us-east-1", "FilterLogEvents") for _ in range(6)]
    assert refused[:5] == [0.0] * 5 and refused[5] > 0  # 5 per second, a burst of 5
    assert model._wait_for_token("b", "us-east-1", "FilterLogEvents") == 0  # another account
    assert model._wait_for_token("a", "us-east-2", "FilterLogEvents") == 0  # another Region
    now[0] += 0.2  # one token back
    assert model._wait_for_token("a", "us-east-1", "FilterLogEvents") == 0
    assert model._wait_for_token("a", "us-east-1", "FilterLogEvents") > 0
    assert model.throttled == 2


def test_filter_log_events_is_throttled_as_cloudwatch_logs_answers(
    client: Callable[[str], Any], cloud: LocalCloud, name: Callable[..., str]
) -> None:
    logs, group = client("logs"), f"/aws/lambda/{name('quota')}"
    logs.create_log_group(logGroupName=group)

    def read(_: int) -> ClientError | None:
        try:
            logs.filter_log_events(logGroupName=group)
        except ClientError as exc:
            return exc
        return None

    with ThreadPoolExecutor(8) as pool:  # far over 5 per second
        errors = [e for e in pool.map(read, range(40)) if e is not None]
    assert errors, "40 FilterLogEvents at once were never throttled"
    assert health(cloud.endpoint)["throttled"] >= len(errors)  # counted for the figures
    assert {code(e) for e in errors} == {"ThrottlingException"}
    assert {e.response["ResponseMetadata"]["HTTPStatusCode"] for e in errors} == {400}
    # botocore's standard retries take it as a throttle and absorb it.
    kit = retrying(cloud.endpoint, "logs")
    for _ in range(12):
        kit.filter_log_events(logGroupName=group)


def test_durable_reads_are_throttled_as_lambda_answers(
    client: Callable[[str], Any], cloud: LocalCloud
) -> None:
    lam = client("lambda")
    arn = f"arn:aws:lambda:{REGION}:123456789012:function:f:1/durable-execution/x/y"

    def read(_: int) -> ClientError | None:
        try:
            lam.get_durable_execution_history(DurableExecutionArn=arn)
        except ClientError as exc:
            return exc
        return None

    with ThreadPoolExecutor(8) as pool:  # far over 15 per second
        errors = [e for e in pool.map(read, range(80)) if e is not None]
    throttled = [e for e in errors if code(e) == "TooManyRequestsException"]
    assert throttled, "80 GetDurableExecutionHistory at once were never throttled"
    reply = throttled[0].response
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert reply["Error"]["Message"] == "Rate exceeded" and int(reply["retryAfterSeconds"]) >= 1
    assert isinstance(throttled[0], lam.exceptions.TooManyRequestsException)


# -- 6. a deleted queue lingers ---------------------------------------------------------------
def test_a_deleted_queue_lingers_and_its_name_is_reserved(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    sqs, queue = client("sqs"), name("lingers")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    assert sqs.get_queue_url(QueueName=queue)["QueueUrl"] == url  # still found for a while
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="{}")  # but it is on its way out
    with pytest.raises(sqs.exceptions.QueueDeletedRecently) as refused:
        sqs.create_queue(QueueName=queue)
    assert "wait 60 seconds" in message(refused.value)
    time.sleep(FAST.queue_linger_s)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=queue)
    time.sleep(FAST.queue_name_reserved_s - FAST.queue_linger_s)
    assert sqs.create_queue(QueueName=queue)["QueueUrl"] == url


# -- 7. a deleted bucket's name ---------------------------------------------------------------
def test_a_deleted_bucket_name_cannot_be_taken_back_at_once(
    client: Callable[[str], Any], name: Callable[..., str]
) -> None:
    s3, bucket = client("s3"), name("bucket")
    s3.create_bucket(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as refused:
        s3.create_bucket(Bucket=bucket)
    assert code(refused.value) == "OperationAborted"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert message(refused.value).startswith("A conflicting conditional operation")
    time.sleep(FAST.bucket_name_reserved_s)
    s3.create_bucket(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)


def test_the_cli_says_its_profile_just_after_ready(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*command(0, tmp_path, "aws")], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert first.startswith("ready http://127.0.0.1:")  # the contract's line, first
    assert second.startswith("realism aws: function Pending 3 s")
    assert sys.executable  # the same interpreter runs the CLI
