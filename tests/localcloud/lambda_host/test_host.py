"""The Lambda host, through plain boto3: Invoke, errors, config, versions (lambda_host/host.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambda_host_cases import ECHO, Client, invoke, plain_fixture, report_of  # noqa: F401  (fixtures)


def test_request_response_returns_payload(client: Client, plain: Callable[..., Any]) -> None:
    fn, version = plain()
    reply, body = invoke(client("lambda"), fn, {"hello": "world"}, Qualifier=version)
    assert reply["StatusCode"] == 200
    assert "FunctionError" not in reply
    assert reply["ExecutedVersion"] == version
    assert body["echo"] == {"hello": "world"}
    # The request id the caller sees is the one the handler's context carries.
    assert body["request_id"] == reply["ResponseMetadata"]["RequestId"]


def test_unqualified_invoke_of_plain_function_runs_latest(
    client: Client, plain: Callable[..., Any]
) -> None:
    fn, _ = plain()
    reply, body = invoke(client("lambda"), fn, {"n": 1})
    assert reply["StatusCode"] == 200
    assert reply["ExecutedVersion"] == "$LATEST"
    assert body["echo"] == {"n": 1}


def test_event_invoke_returns_202_and_runs(
    client: Client, plain: Callable[..., Any], reports: Callable[..., dict[str, str]]
) -> None:
    source = (
        ECHO
        + """
import boto3

def event_handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=event["queue"], MessageBody=context.aws_request_id)
"""
    )
    fn, version = plain(source, Handler="app.event_handler")
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=f"{fn}-q")["QueueUrl"]
    reply = client("lambda").invoke(
        FunctionName=fn,
        Qualifier=version,
        InvocationType="Event",
        Payload=json.dumps({"queue": url}).encode(),
    )
    assert reply["StatusCode"] == 202
    assert reply["Payload"].read() == b""
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    assert len(messages) == 1
    rid = messages[0]["Body"]
    # As on AWS, the id the 202 answer carries is the invocation's own request id.
    assert rid == reply["ResponseMetadata"]["RequestId"]
    assert rid in reports(f"/aws/lambda/{fn}", [rid])


def test_cold_then_warm(
    client: Client, plain: Callable[..., Any], reports: Callable[..., dict[str, str]]
) -> None:
    fn, version = plain()
    lam = client("lambda")
    ids = [
        invoke(lam, fn, {}, Qualifier=version)[0]["ResponseMetadata"]["RequestId"] for _ in range(2)
    ]
    found = reports(f"/aws/lambda/{fn}", ids)
    first, second = report_of(found[ids[0]]), report_of(found[ids[1]])
    assert first["init"] is not None and float(first["init"]) > 0
    assert second["init"] is None
    assert first["status"] is None and second["status"] is None


def test_handler_exception_is_unhandled_error(client: Client, plain: Callable[..., Any]) -> None:
    source = "def handler(event, context):\n    raise ValueError('boom ' + event['x'])\n"
    fn, version = plain(source)
    reply, body = invoke(client("lambda"), fn, {"x": "now"}, Qualifier=version)
    assert reply["StatusCode"] == 200
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "boom now"
    assert isinstance(body.get("stackTrace"), list)


def test_timeout(
    client: Client, plain: Callable[..., Any], reports: Callable[..., dict[str, str]]
) -> None:
    fn, version = plain(Timeout=1)
    lam = client("lambda")
    reply, body = invoke(lam, fn, {"sleep": 3}, Qualifier=version)
    assert reply["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    rid = reply["ResponseMetadata"]["RequestId"]
    record = report_of(reports(f"/aws/lambda/{fn}", [rid])[rid])
    assert record["status"] == "timeout"
    assert int(record["used"]) > 0
    assert 1000 <= float(record["duration"]) < 3000
    # The environment was torn down: the next invocation is a fresh, working cold start.
    reply, body = invoke(lam, fn, {"after": True}, Qualifier=version)
    assert "FunctionError" not in reply and body["echo"] == {"after": True}
    rid = reply["ResponseMetadata"]["RequestId"]
    assert report_of(reports(f"/aws/lambda/{fn}", [rid])[rid])["init"] is not None


def test_process_crash_is_runtime_exit_error(client: Client, plain: Callable[..., Any]) -> None:
    source = ECHO + "\ndef crash(event, context):\n    os._exit(3)\n"
    fn, version = plain(source, Handler="app.crash")
    reply, body = invoke(client("lambda"), fn, {}, Qualifier=version)
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert "exit" in body["errorMessage"].lower()


def test_missing_handler_module(
    client: Client, deploy: Callable[..., str], name: Callable[..., str]
) -> None:
    fn = name("nomod")
    version = deploy(fn, {"other.py": "def handler(e, c):\n    return 1\n"}, DurableConfig=None)
    reply, body = invoke(client("lambda"), fn, {}, Qualifier=version)
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "app" in body["errorMessage"]


def test_missing_handler_function(client: Client, plain: Callable[..., Any]) -> None:
    fn, version = plain(Handler="app.nowhere")
    reply, body = invoke(client("lambda"), fn, {}, Qualifier=version)
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.HandlerNotFound"


def test_unserializable_result_is_marshal_error(client: Client, plain: Callable[..., Any]) -> None:
    fn, version = plain("def handler(event, context):\n    return {1, 2}\n")
    reply, body = invoke(client("lambda"), fn, {}, Qualifier=version)
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.MarshalError"
    assert "Unable to marshal response" in body["errorMessage"]


def test_malformed_payload(client: Client, plain: Callable[..., Any]) -> None:
    fn, version = plain()
    lam = client("lambda")
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName=fn, Qualifier=version, Payload=b"{not json")
    assert err.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert isinstance(err.value, lam.exceptions.InvalidRequestContentException)


def test_unknown_function(client: Client, name: Callable[..., str]) -> None:
    lam = client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=name("missing"), Payload=b"{}")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name("missing"))


def test_get_function_returns_config(
    client: Client, deploy: Callable[..., str], name: Callable[..., str]
) -> None:
    fn = name("conf")
    durable = {"ExecutionTimeout": 900, "RetentionPeriodInDays": 3}
    version = deploy(
        fn,
        ECHO,
        DurableConfig=durable,
        LoggingConfig={"LogFormat": "JSON"},
        Timeout=7,
        MemorySize=256,
        Environment={"Variables": {"A": "1"}},
    )
    lam = client("lambda")
    for qualifier in (None, version):
        kwargs = {"Qualifier": qualifier} if qualifier else {}
        conf = lam.get_function(FunctionName=fn, **kwargs)["Configuration"]
        assert conf["DurableConfig"] == durable
        assert conf["LoggingConfig"]["LogFormat"] == "JSON"
        assert conf["LoggingConfig"]["LogGroup"] == f"/aws/lambda/{fn}"
        assert conf["Timeout"] == 7
        assert conf["MemorySize"] == 256
        assert conf["Environment"]["Variables"] == {"A": "1"}
        assert conf["Handler"] == "app.handler"
        assert conf["Version"] == (version if qualifier else "$LATEST")
    listed = {f["FunctionName"]: f for f in lam.list_functions()["Functions"]}
    assert listed[fn]["DurableConfig"] == durable


def test_plain_function_has_no_durable_config(client: Client, plain: Callable[..., Any]) -> None:
    fn, _ = plain()
    conf = client("lambda").get_function(FunctionName=fn)["Configuration"]
    assert "DurableConfig" not in conf
    assert conf["LoggingConfig"]["LogFormat"] == "Text"


def test_update_code_and_publish_keeps_old_version(
    client: Client,
    plain: Callable[..., Any],
    zip_of: Callable[..., bytes],
    reports: Callable[..., dict[str, str]],
) -> None:
    fn, v1 = plain("def handler(event, context):\n    return 'one'\n")
    lam = client("lambda")
    assert invoke(lam, fn, {}, Qualifier=v1)[1] == "one"  # warms v1
    lam.update_function_code(
        FunctionName=fn, ZipFile=zip_of("def handler(event, context):\n    return 'two'\n")
    )
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    v2 = lam.publish_version(FunctionName=fn)["Version"]
    assert v2 != v1
    assert invoke(lam, fn, {}, Qualifier=v2)[1] == "two"
    reply, body = invoke(lam, fn, {}, Qualifier=v1)
    assert body == "one"
    # The update changed $LATEST only: v1's environment stayed warm (no Init Duration).
    rid = reply["ResponseMetadata"]["RequestId"]
    assert report_of(reports(f"/aws/lambda/{fn}", [rid])[rid])["init"] is None
    assert invoke(lam, fn, {}, Qualifier="$LATEST")[1] == "two"
    assert invoke(lam, fn, {})[1] == "two"


def test_configuration_update_reaches_warm_latest(
    client: Client, plain: Callable[..., Any]
) -> None:
    source = (
        ECHO
        + """
def env_handler(event, context):
    return {"greeting": os.environ.get("GREETING"), "memory": context.memory_limit_in_mb}

def other_handler(event, context):
    return "other"
"""
    )
    fn, _ = plain(
        source, Handler="app.env_handler", Environment={"Variables": {"GREETING": "before"}}
    )
    lam = client("lambda")
    assert invoke(lam, fn, {})[1]["greeting"] == "before"  # a warm $LATEST worker now
    lam.update_function_configuration(
        FunctionName=fn, MemorySize=256, Environment={"Variables": {"GREETING": "after"}}
    )
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    body = invoke(lam, fn, {})[1]
    assert body == {"greeting": "after", "memory": "256"}
    lam.update_function_configuration(FunctionName=fn, Handler="app.other_handler")
    assert invoke(lam, fn, {})[1] == "other"


def test_alias_invoke(client: Client, plain: Callable[..., Any]) -> None:
    fn, version = plain()
    lam = client("lambda")
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=version)
    reply, body = invoke(lam, fn, {"via": "alias"}, Qualifier="live")
    assert "FunctionError" not in reply, body
    assert reply["ExecutedVersion"] == version
    assert body["echo"] == {"via": "alias"}
    reply, _ = invoke(lam, f"{fn}:live", {})
    assert reply["ExecutedVersion"] == version


def test_delete_and_recreate_forgets_the_old_function(
    client: Client, deploy: Callable[..., str], name: Callable[..., str]
) -> None:
    fn = name("reborn")
    deploy(fn, ECHO, LoggingConfig={"LogFormat": "JSON"})  # durable, JSON logs
    lam = client("lambda")
    lam.delete_function(FunctionName=fn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=fn, Payload=b"{}")
    client("iam").detach_role_policy(
        RoleName=f"{fn}-role",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy",
    )
    client("iam").delete_role(RoleName=f"{fn}-role")
    version = deploy(fn, ECHO, DurableConfig=None)  # same name, same code, plain now
    conf = lam.get_function(FunctionName=fn)["Configuration"]
    assert "DurableConfig" not in conf
    assert conf["LoggingConfig"]["LogFormat"] == "Text"
    reply, body = invoke(lam, fn, {"again": 1})  # unqualified: fine for a plain function
    assert "FunctionError" not in reply and body["echo"] == {"again": 1}
    assert version == "1"
