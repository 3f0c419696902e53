"""The gateway's durable paths and the moto services the kit uses, through plain boto3."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import create_function_when_role_ready

from helpers.deploy import trust_policy

Client = Callable[[str], Any]

DURABLE = """
import json
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.exceptions import CallbackError
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def quick(event, context: DurableContext):
    doubled = context.step(lambda _: event.get("n", 0) * 2, name="double")
    return {"doubled": doubled}


@durable_execution
def failing(event, context: DurableContext):
    context.step(lambda _: 1, name="ok")
    raise RuntimeError("the handler gave up")


@durable_execution
def full(event, context: DurableContext):
    first = context.step(lambda _: "stepped", name="first")
    context.wait(Duration.from_seconds(1), name="pause")
    answer = context.wait_for_callback(lambda callback_id, ctx: None, name="approve")
    fan = context.parallel(
        [lambda c: c.step(lambda _: "a", name="branch a"),
         lambda c: c.step(lambda _: "b", name="branch b")],
        name="fan",
    )
    return {"first": first, "answer": json.loads(answer), "branches": fan.get_results()}


@durable_execution
def approval(event, context: DurableContext):
    try:
        answer = context.wait_for_callback(lambda callback_id, ctx: None, name="approve")
    except CallbackError as exc:
        return {"failed": type(exc).__name__, "message": exc.message}
    return {"answer": json.loads(answer)}
"""


@pytest.fixture
def durable(
    deploy: Callable[..., str], name: Callable[..., str]
) -> Callable[[str], tuple[str, str]]:
    """Deploys DURABLE with ``app.<entry>`` as handler; returns (name, version)."""

    def run(entry: str) -> tuple[str, str]:
        fn = name(entry)
        return fn, deploy(fn, DURABLE, Handler=f"app.{entry}")

    return run


Waiting = Callable[[], tuple[Any, str, str]]


@pytest.fixture
def waiting(
    client: Client, durable: Callable[..., Any], callback_id: Callable[..., str]
) -> Waiting:
    """``waiting()``: a fresh "approval" execution parked on its callback, as
    (lambda client, execution arn, callback id)."""

    def run() -> tuple[Any, str, str]:
        fn, version = durable("approval")
        lam = client("lambda")
        arn = _start(lam, fn, version)
        return lam, arn, callback_id(arn)

    return run


def _start(lam: Any, fn: str, version: str, payload: Any = None, **kwargs: Any) -> str:
    reply = lam.invoke(
        FunctionName=fn,
        Qualifier=version,
        InvocationType="Event",
        Payload=json.dumps(payload or {}).encode(),
        **kwargs,
    )
    assert reply["StatusCode"] == 202
    return str(reply["DurableExecutionArn"])


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def test_unqualified_invoke_of_durable_function_is_refused(
    client: Client, durable: Callable[..., Any]
) -> None:
    fn, _ = durable("quick")
    lam = client("lambda")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.invoke(FunctionName=fn, Payload=b"{}")
    # $LATEST is a qualifier: allowed, as on AWS.
    reply = lam.invoke(FunctionName=fn, Qualifier="$LATEST", Payload=b'{"n": 1}')
    assert json.loads(reply["Payload"].read()) == {"doubled": 2}


def test_event_invoke_returns_execution_arn(
    client: Client, durable: Callable[..., Any], wait_done: Callable[..., Any]
) -> None:
    fn, version = durable("quick")
    lam = client("lambda")
    reply = lam.invoke(
        FunctionName=fn, Qualifier=version, InvocationType="Event", Payload=b'{"n": 4}'
    )
    assert reply["StatusCode"] == 202
    arn = reply["DurableExecutionArn"]
    assert arn.startswith(
        f"arn:aws:lambda:us-east-1:123456789012:function:{fn}:{version}/durable-execution/"
    )
    done = wait_done(arn)
    assert done["Status"] == "SUCCEEDED"
    assert json.loads(done["Result"]) == {"doubled": 8}
    assert done["FunctionArn"].endswith(f":function:{fn}:{version}") or done[
        "FunctionArn"
    ].endswith(f":function:{fn}")


def test_request_response_waits_for_result(client: Client, durable: Callable[..., Any]) -> None:
    fn, version = durable("quick")
    reply = client("lambda").invoke(FunctionName=fn, Qualifier=version, Payload=b'{"n": 21}')
    assert reply["StatusCode"] == 200
    assert "FunctionError" not in reply
    assert reply["DurableExecutionArn"]
    assert json.loads(reply["Payload"].read()) == {"doubled": 42}


def test_request_response_reports_a_failed_execution(
    client: Client, durable: Callable[..., Any]
) -> None:
    fn, version = durable("failing")
    reply = client("lambda").invoke(FunctionName=fn, Qualifier=version, Payload=b"{}")
    assert reply["FunctionError"] == "Unhandled"
    body = json.loads(reply["Payload"].read())
    assert "the handler gave up" in body["errorMessage"]
    done = client("lambda").get_durable_execution(DurableExecutionArn=reply["DurableExecutionArn"])
    assert done["Status"] == "FAILED"


def test_durable_invoke_through_an_alias(
    client: Client, durable: Callable[..., Any], wait_done: Callable[..., Any]
) -> None:
    fn, version = durable("quick")
    lam = client("lambda")
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=version)
    reply = lam.invoke(FunctionName=fn, Qualifier="live", Payload=b'{"n": 5}')
    assert "FunctionError" not in reply
    assert reply["ExecutedVersion"] == version
    assert json.loads(reply["Payload"].read()) == {"doubled": 10}
    arn = lam.invoke(FunctionName=f"{fn}:live", InvocationType="Event", Payload=b'{"n": 6}')[
        "DurableExecutionArn"
    ]
    assert json.loads(wait_done(arn)["Result"]) == {"doubled": 12}


def test_step_wait_callback_parallel_and_cost_join(
    client: Client,
    durable: Callable[..., Any],
    callback_id: Callable[..., str],
    wait_done: Callable[..., Any],
    reports: Callable[..., dict[str, str]],
) -> None:
    fn, version = durable("full")
    lam = client("lambda")
    arn = _start(lam, fn, version, {"q": 1})
    cb = callback_id(arn)
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    lam.send_durable_execution_callback_success(
        CallbackId=cb, Result=json.dumps({"decision": "APPROVE"}).encode()
    )
    done = wait_done(arn)
    assert done["Status"] == "SUCCEEDED", done
    assert json.loads(done["Result"]) == {
        "first": "stepped",
        "answer": {"decision": "APPROVE"},
        "branches": ["a", "b"],
    }

    events = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)[
        "Events"
    ]
    kinds = [e["EventType"] for e in events]
    assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionSucceeded"
    names = {e.get("Name") for e in events}
    assert {"first", "pause", "approve", "fan", "branch a", "branch b"} <= names
    assert {"StepSucceeded", "WaitSucceeded", "CallbackSucceeded", "ContextSucceeded"} <= set(kinds)
    callbacks = [e for e in events if e["EventType"] == "CallbackStarted"]
    assert [e["CallbackStartedDetails"]["CallbackId"] for e in callbacks] == [cb]

    # The cost lesson: every invocation is one InvocationCompleted, joined by RequestId to
    # exactly one REPORT record of the function's log group.
    completed = [e for e in events if e["EventType"] == "InvocationCompleted"]
    assert len(completed) >= 3  # first run, after the wait, after the callback
    request_ids = [e["InvocationCompletedDetails"]["RequestId"] for e in completed]
    assert all(request_ids) and len(set(request_ids)) == len(request_ids)
    for event in completed:
        details = event["InvocationCompletedDetails"]
        assert details["StartTimestamp"] <= details["EndTimestamp"]
    found = reports(f"/aws/lambda/{fn}", request_ids)
    assert set(found) == set(request_ids)
    group_reports = [
        e["message"]
        for e in client("logs").filter_log_events(
            logGroupName=f"/aws/lambda/{fn}", filterPattern="REPORT"
        )["events"]
    ]
    assert len(group_reports) == len(request_ids)
    # Only the first invocation of the version is a cold start.
    assert "Init Duration" in found[request_ids[0]]
    assert all("Init Duration" not in found[rid] for rid in request_ids[1:])


def test_durable_execution_name_is_an_idempotency_key(
    client: Client, durable: Callable[..., Any], name: Callable[..., str]
) -> None:
    fn, version = durable("quick")
    lam = client("lambda")
    execution = name("run").replace("-", "_")
    first = _start(lam, fn, version, {"n": 1}, DurableExecutionName=execution)
    again = _start(lam, fn, version, {"n": 1}, DurableExecutionName=execution)
    assert again == first
    assert f"/durable-execution/{execution}/" in first
    with pytest.raises(lam.exceptions.DurableExecutionAlreadyStartedException):
        _start(lam, fn, version, {"n": 2}, DurableExecutionName=execution)
    listed = lam.list_durable_executions_by_function(
        FunctionName=fn, Qualifier=version, DurableExecutionName=execution
    )
    assert [e["DurableExecutionArn"] for e in listed["DurableExecutions"]] == [first]
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        _start(lam, fn, version, {}, DurableExecutionName="not a valid name!")


def test_callback_errors(waiting: Waiting, wait_done: Callable[..., Any]) -> None:
    lam, arn, cb = waiting()
    with pytest.raises(ClientError) as err:
        lam.send_durable_execution_callback_success(CallbackId="bogus", Result=b"{}")
    assert _code(err) in ("InvalidParameterValueException", "ResourceNotFoundException")

    with pytest.raises(ClientError) as err:  # over the 256 KB result limit; nothing stored
        lam.send_durable_execution_callback_success(CallbackId=cb, Result=b"x" * (256 * 1024 + 1))
    assert _code(err) == "InvalidParameterValueException"
    lam.send_durable_execution_callback_heartbeat(CallbackId=cb)  # still open: accepted
    lam.send_durable_execution_callback_success(CallbackId=cb, Result=b'{"decision": "DENY"}')
    assert json.loads(wait_done(arn)["Result"]) == {"answer": {"decision": "DENY"}}
    with pytest.raises(lam.exceptions.CallbackTimeoutException):
        lam.send_durable_execution_callback_success(CallbackId=cb, Result=b"{}")
    with pytest.raises(lam.exceptions.CallbackTimeoutException):
        lam.send_durable_execution_callback_failure(CallbackId=cb, Error={"ErrorMessage": "x"})
    with pytest.raises(lam.exceptions.CallbackTimeoutException):
        lam.send_durable_execution_callback_heartbeat(CallbackId=cb)


def test_well_formed_callback_id_of_unknown_execution(
    waiting: Waiting, wait_done: Callable[..., Any]
) -> None:
    lam, arn, cb = waiting()
    # A real id with its execution swapped for one that does not exist.
    text = base64.b64decode(cb).decode()
    forged_text = text.replace(arn.rsplit("/", 1)[1], "00000000-dead-beef-0000-000000000000")
    assert forged_text != text
    forged = base64.b64encode(forged_text.encode()).decode()
    with pytest.raises(ClientError) as err:
        lam.send_durable_execution_callback_success(CallbackId=forged, Result=b"{}")
    assert _code(err) in ("InvalidParameterValueException", "ResourceNotFoundException")
    lam.send_durable_execution_callback_success(CallbackId=cb, Result=b'"done"')
    assert wait_done(arn)["Status"] == "SUCCEEDED"


def test_callback_failure_reaches_the_handler(
    waiting: Waiting, wait_done: Callable[..., Any]
) -> None:
    lam, arn, cb = waiting()
    lam.send_durable_execution_callback_failure(
        CallbackId=cb,
        Error={"ErrorMessage": "the reviewer said no", "ErrorType": "Rejected"},
    )
    done = wait_done(arn)
    assert done["Status"] == "SUCCEEDED", done
    result = json.loads(done["Result"])
    assert result["failed"] in ("CallbackExternalError", "CallbackError")
    assert result["message"] == "the reviewer said no"
    kinds = [
        e["EventType"] for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    ]
    assert "CallbackFailed" in kinds


def test_list_durable_executions_by_function(
    client: Client,
    durable: Callable[..., Any],
    callback_id: Callable[..., str],
    wait_done: Callable[..., Any],
) -> None:
    fn, version = durable("approval")
    lam = client("lambda")
    waiting = _start(lam, fn, version, {"i": 1})
    finished = _start(lam, fn, version, {"i": 2})
    lam.send_durable_execution_callback_success(CallbackId=callback_id(finished), Result=b"1")
    assert wait_done(finished)["Status"] == "SUCCEEDED"
    callback_id(waiting)

    def listed(**kwargs: Any) -> list[str]:
        page = lam.list_durable_executions_by_function(FunctionName=fn, **kwargs)
        return [e["DurableExecutionArn"] for e in page["DurableExecutions"]]

    page = lam.list_durable_executions_by_function(FunctionName=fn, Qualifier=version)
    by_arn = {e["DurableExecutionArn"]: e for e in page["DurableExecutions"]}
    assert set(by_arn) == {waiting, finished}
    assert by_arn[waiting]["Status"] == "RUNNING"
    assert by_arn[finished]["Status"] == "SUCCEEDED"
    assert listed(Qualifier=version, Statuses=["RUNNING"]) == [waiting]
    assert len(listed(Qualifier=version, Statuses=["RUNNING", "SUCCEEDED"])) == 2
    assert listed(Qualifier=version, Statuses=["FAILED"]) == []
    function_arn = lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    qualified_arn = lam.list_durable_executions_by_function(
        FunctionName=f"{function_arn}:{version}"
    )
    assert len(qualified_arn["DurableExecutions"]) == 2
    first_page = lam.list_durable_executions_by_function(
        FunctionName=fn, Qualifier=version, MaxItems=1
    )
    assert len(first_page["DurableExecutions"]) == 1
    second_page = lam.list_durable_executions_by_function(
        FunctionName=fn, Qualifier=version, MaxItems=1, Marker=first_page["NextMarker"]
    )
    assert {
        first_page["DurableExecutions"][0]["DurableExecutionArn"],
        second_page["DurableExecutions"][0]["DurableExecutionArn"],
    } == {waiting, finished}
    assert "NextMarker" not in second_page
    other, other_version = durable("quick")
    assert listed() == []  # nothing ran on $LATEST
    assert (
        lam.list_durable_executions_by_function(FunctionName=other, Qualifier=other_version)[
            "DurableExecutions"
        ]
        == []
    )


def test_listing_without_qualifier_lists_latest_only(
    client: Client, durable: Callable[..., Any], wait_done: Callable[..., Any]
) -> None:
    """As on AWS (API reference, ListDurableExecutionsByFunction: "If not specified, lists
    executions for the $LATEST version"): each qualifier lists its own executions; an
    alias lists those of the version it points to; an execution ARN names the version."""
    fn, version = durable("quick")
    lam = client("lambda")
    on_latest = _start(lam, fn, "$LATEST", {"n": 1})
    on_version = _start(lam, fn, version, {"n": 2})
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=version)
    via_alias = _start(lam, fn, "live", {"n": 3})
    for arn in (on_latest, on_version, via_alias):
        wait_done(arn)
    assert f":function:{fn}:$LATEST/durable-execution/" in on_latest
    assert f":function:{fn}:{version}/durable-execution/" in via_alias  # never the alias

    def listed(**kwargs: Any) -> set[str]:
        page = lam.list_durable_executions_by_function(FunctionName=fn, **kwargs)
        return {e["DurableExecutionArn"] for e in page["DurableExecutions"]}

    assert listed() == {on_latest}
    assert listed(Qualifier="$LATEST") == {on_latest}
    assert listed(Qualifier=version) == {on_version, via_alias}
    assert listed(Qualifier="live") == {on_version, via_alias}
    for missing in ({"Qualifier": "99"}, {"Qualifier": "nope"}):
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            listed(**missing)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.list_durable_executions_by_function(FunctionName=f"{fn}-missing")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        listed(MaxItems=1001)


def test_stop_durable_execution(waiting: Waiting) -> None:
    lam, arn, cb = waiting()
    stopped = lam.stop_durable_execution(DurableExecutionArn=arn)
    assert "StopTimestamp" in stopped
    details = lam.get_durable_execution(DurableExecutionArn=arn)
    assert details["Status"] == "STOPPED"
    assert "EndTimestamp" in details
    with pytest.raises(ClientError) as err:
        lam.send_durable_execution_callback_success(CallbackId=cb, Result=b"{}")
    assert _code(err) in (
        "CallbackTimeoutException",
        "ResourceNotFoundException",
        "InvalidParameterValueException",
    )
    kinds = [
        e["EventType"] for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    ]
    # The stop ends the execution; only the invocation it cut short may still report after.
    after_stop = kinds[kinds.index("ExecutionStopped") + 1 :]
    assert set(after_stop) <= {"InvocationCompleted"}, kinds


def test_unknown_execution_is_resource_not_found(
    client: Client, durable: Callable[..., Any]
) -> None:
    fn, version = durable("quick")
    lam = client("lambda")
    arn = (
        f"arn:aws:lambda:us-east-1:123456789012:function:{fn}:{version}/durable-execution/"
        "nope/00000000-0000-0000-0000-000000000000"
    )
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_durable_execution(DurableExecutionArn=arn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_durable_execution_history(DurableExecutionArn=arn)


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


def _in_region(cloud: Any, service: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=cloud.endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


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
    s3 = _in_region(cloud, "s3", region)
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
    assert _code(err) == error


# -- durable functions only where AWS offers them (helpers/regions.py) -----------------


def test_durable_functions_are_refused_outside_their_regions(
    cloud: Any, client: Client, name: Callable[..., str]
) -> None:
    region = "ca-west-1"  # a commercial Region without durable functions (regions.py)
    lam = _in_region(cloud, "lambda", region)
    role = client("iam").create_role(RoleName=name("r"), AssumeRolePolicyDocument="{}")
    spec: dict[str, Any] = {
        "Runtime": "python3.13",
        "Role": role["Role"]["Arn"],
        "Handler": "app.handler",
        "Code": {"ZipFile": base64.b64decode(b"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==")},
    }
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as err:
        lam.create_function(
            FunctionName=name("durable"), DurableConfig={"ExecutionTimeout": 60}, **spec
        )
    assert region in str(err.value)
    plain = name("plain")
    create_function_when_role_ready(lam, FunctionName=plain, **spec)  # an ordinary one is fine
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.list_durable_executions_by_function(FunctionName=plain)
    arn = f"arn:aws:lambda:{region}:123456789012:function:{plain}:1/durable-execution/a/b"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.get_durable_execution(DurableExecutionArn=arn)
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.send_durable_execution_callback_success(CallbackId="abc", Result=b"{}")
