"""The durable runner in several Regions at once, through plain boto3 per Region."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from conftest import (
    ASSUME_LAMBDA,
    DEFAULT_DURABLE_CONFIG,
    DURABLE_POLICY_ARN,
    create_function_when_role_ready,
    make_zip,
    report_records,
)

from helpers.localcloud import LocalCloud

STEP_WAIT_CALLBACK = """
import json
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def handler(event, context: DurableContext):
    where = context.step(lambda _: context_region(), name="where")
    context.wait(Duration.from_seconds(1), name="pause")
    answer = context.wait_for_callback(lambda callback_id, ctx: None, name="approve")
    return {"where": where, "answer": json.loads(answer)}


def context_region():
    import os
    return os.environ["AWS_REGION"]
"""

REGIONS = ("us-east-1", "us-east-2", "ap-northeast-1")


def clients_in(endpoint: str, region: str) -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in cache:
            cache[service] = boto3.client(
                service,
                endpoint_url=endpoint,
                region_name=region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(retries={"max_attempts": 1}, read_timeout=60),
            )
        return cache[service]

    return make


def deploy_in(regions: tuple[str, ...], endpoint: str, fn: str) -> dict[str, str]:
    """One role (IAM is global), then ``fn`` created in each Region; version per Region."""
    iam = clients_in(endpoint, regions[0])("iam")
    role = iam.create_role(RoleName=f"{fn}-role", AssumeRolePolicyDocument=ASSUME_LAMBDA)
    iam.attach_role_policy(RoleName=f"{fn}-role", PolicyArn=DURABLE_POLICY_ARN)
    versions = {}
    for region in regions:
        lam = clients_in(endpoint, region)("lambda")
        create_function_when_role_ready(
            lam,
            FunctionName=fn,
            Runtime="python3.13",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": make_zip(STEP_WAIT_CALLBACK)},
            Timeout=30,
            DurableConfig=DEFAULT_DURABLE_CONFIG,
        )
        lam.get_waiter("function_active_v2").wait(
            FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
        )
        versions[region] = str(lam.publish_version(FunctionName=fn)["Version"])
    return versions


def test_one_local_cloud_runs_executions_in_several_regions(
    cloud: LocalCloud,
    name: Callable[..., str],
    wait_done: Callable[..., dict[str, Any]],
    callback_id: Callable[..., str],
) -> None:
    """Regression: the runner signed every handler invocation for its one Region, so an
    execution of a function deployed in us-east-2 or ap-northeast-1 FAILED at once with
    "Function not found"; and its ARN named the runner's Region."""
    fn = name("regional")  # the same name in every Region: three different functions
    arns: dict[str, str] = {}
    for region, version in deploy_in(REGIONS, cloud.endpoint, fn).items():
        reply = clients_in(cloud.endpoint, region)("lambda").invoke(
            FunctionName=fn, Qualifier=version, InvocationType="Event", Payload=b"{}"
        )
        arns[region] = reply["DurableExecutionArn"]
    for region, arn in arns.items():
        lam = clients_in(cloud.endpoint, region)("lambda")
        assert arn.startswith(f"arn:aws:lambda:{region}:"), arn
        lam.send_durable_execution_callback_success(
            CallbackId=callback_id(arn, via=lam), Result=json.dumps(region).encode()
        )
        done = wait_done(arn, via=lam)
        assert done["Status"] == "SUCCEEDED", done
        assert done["FunctionArn"].startswith(f"arn:aws:lambda:{region}:")
        assert json.loads(done["Result"]) == {"where": region, "answer": region}
        events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        kinds = [e["EventType"] for e in events]
        assert kinds[0] == "ExecutionStarted" and "ExecutionSucceeded" in kinds
        assert {"StepSucceeded", "WaitSucceeded", "CallbackSucceeded"} <= set(kinds)
        assert all(
            e["InvocationCompletedDetails"]["RequestId"]
            for e in events
            if e["EventType"] == "InvocationCompleted"
        )
        # Each Region lists its own function's executions, not the namesakes'.
        listed = lam.list_durable_executions_by_function(
            FunctionName=fn, Qualifier=done["Version"]
        )["DurableExecutions"]
        assert [e["DurableExecutionArn"] for e in listed] == [arn]
        # Each invocation's REPORT is in the function's own Region's log group (regression:
        # every record went to the local cloud's default Region, and 02 and 05 found none).
        request_ids = {
            e["InvocationCompletedDetails"]["RequestId"]
            for e in events
            if e["EventType"] == "InvocationCompleted"
        }
        found = report_records(
            clients_in(cloud.endpoint, region)("logs"), f"/aws/lambda/{fn}", request_ids
        )
        assert found.keys() == request_ids, region


def test_an_execution_is_not_found_from_another_region(
    cloud: LocalCloud, name: Callable[..., str]
) -> None:
    """An execution lives in its function's Region: another Region's endpoint does not know
    its ARN (inferred from Lambda being a Regional service; ResourceNotFoundException)."""
    fn = name("elsewhere")
    ohio = clients_in(cloud.endpoint, "us-east-2")
    version = deploy_in(("us-east-2",), cloud.endpoint, fn)["us-east-2"]
    arn = ohio("lambda").invoke(
        FunctionName=fn, Qualifier=version, InvocationType="Event", Payload=b"{}"
    )["DurableExecutionArn"]
    assert ohio("lambda").get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    tokyo = clients_in(cloud.endpoint, "ap-northeast-1")("lambda")
    with pytest.raises(tokyo.exceptions.ResourceNotFoundException):
        tokyo.get_durable_execution(DurableExecutionArn=arn)
    ohio("lambda").stop_durable_execution(DurableExecutionArn=arn)


def test_a_restart_keeps_each_execution_in_its_region(
    tmp_path: Any,
    name: Callable[..., str],
    wait_done: Callable[..., dict[str, Any]],
    callback_id: Callable[..., str],
) -> None:
    """The Region is stored with the execution: after a restart (on another port), its
    replay is still signed for, and found in, its own Region. Last in this module: a
    second in-process cloud resets moto's process-wide state."""
    fn = name("tokyo")
    with LocalCloud(tmp_path / "state") as first:
        version = deploy_in(("ap-northeast-1",), first.endpoint, fn)["ap-northeast-1"]
        lam = clients_in(first.endpoint, "ap-northeast-1")("lambda")
        arn = lam.invoke(FunctionName=fn, Qualifier=version, InvocationType="Event", Payload=b"{}")[
            "DurableExecutionArn"
        ]
        callback = callback_id(arn, via=lam)
    with LocalCloud(tmp_path / "state") as second:
        lam = clients_in(second.endpoint, "ap-northeast-1")("lambda")
        lam.send_durable_execution_callback_success(CallbackId=callback, Result=b'"later"')
        done = wait_done(arn, via=lam)
        assert done["Status"] == "SUCCEEDED", done
        assert json.loads(done["Result"]) == {"where": "ap-northeast-1", "answer": "later"}
