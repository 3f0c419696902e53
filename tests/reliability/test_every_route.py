"""Every route answers like AWS or not at all: malformed requests, sent raw (no botocore
validation in between), to each route of the local cloud.

Each case names the route, the request and the status and error code AWS answers; every
answer must be JSON (or S3's XML) with an error code, never a 500 without one and never an
HTML page. ``ROUTE_CASES`` is shared with the fuzzing test (test_fuzz.py).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers.localcloud import LocalCloud
from helpers.localcloud.gateway.control_store import LambdaConfigStore
from tests.conftest import make_zip, unique

REGION = "us-east-1"
DEADLINE_S = 30.0  # a hang detector, far above any answer here


def auth(service: str, region: str = REGION) -> dict[str, str]:
    """An Authorization header of the SigV4 shape (moto routes on its credential scope)."""
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=localcloud/20260101/"
        f"{region}/{service}/aws4_request, SignedHeaders=host, Signature=00"
    }


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def error_code(self) -> str | None:
        """The AWS error code the reply carries (header, JSON ``__type``/``code``, S3 XML)."""
        if code := self.headers.get("x-amzn-errortype"):
            return code.split(":")[0]
        try:
            data = json.loads(self.body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            for key in ("__type", "code", "Code"):
                if isinstance(data.get(key), str):
                    return str(data[key]).rsplit("#", 1)[-1]
        if self.body.lstrip().startswith(b"<?xml") or b"<ErrorResponse" in self.body:
            start = self.body.find(b"<Code>")
            if start >= 0:
                return self.body[start + 6 : self.body.find(b"</Code>")].decode()
        return None

    def is_html(self) -> bool:
        # By the body: moto labels its JSON answers text/html too.
        head = self.body.lstrip()[:64].lower()
        return head.startswith((b"<!doctype html", b"<html"))


def send(
    endpoint: str,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    timeout: float = DEADLINE_S,
) -> Reply:
    host, port = endpoint.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


@dataclass
class Case:
    route: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 400  # 0: any error status, as long as it is AWS-shaped (moto's choice)
    code: str | None = None  # None: any AWS error code of that status


LAMBDA = auth("lambda")
BEDROCK = auth("bedrock")
FN = "/2015-03-31/functions"
EXEC = "/2025-12-01/durable-executions"
CALLBACKS = "/2025-12-01/durable-execution-callbacks"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SQS_FORM = {**auth("sqs"), **FORM}
IAM_FORM = {**auth("iam"), **FORM}
SQS_SEND = {
    **auth("sqs"),
    "X-Amz-Target": "AmazonSQS.SendMessage",
    "Content-Type": "application/x-amz-json-1.0",
}


def logs_json(operation: str) -> dict[str, str]:
    return {
        **auth("logs"),
        "X-Amz-Target": f"Logs_20140328.{operation}",
        "Content-Type": "application/x-amz-json-1.1",
    }


MODEL = "/model/us.amazon.nova-micro-v1:0/converse"


def _deep(n: int) -> bytes:
    return b'{"a":' * n + b"1" + b"}" * n


def _converse(body: Any) -> bytes:
    return json.dumps(body).encode()


ROUTE_CASES: list[Case] = [
    # -- Lambda control plane -------------------------------------------------------------
    Case("lambda-control", "POST", FN, b"not json", LAMBDA, 400),
    Case("lambda-control", "POST", FN, b"[1,2]", LAMBDA, 400),
    Case("lambda-control", "POST", FN, _deep(5000), LAMBDA, 400),
    Case("lambda-control", "GET", f"{FN}/..%2F..%2Fx", b"", LAMBDA, 400, "ValidationException"),
    Case("lambda-control", "GET", f"{FN}/a%20b%3Cscript%3E", b"", LAMBDA, 400),
    Case("lambda-control", "GET", f"{FN}/{'x' * 300}", b"", LAMBDA, 400, "ValidationException"),
    Case("lambda-control", "GET", f"{FN}/nosuchfn", b"", LAMBDA, 404),
    Case("lambda-control", "PATCH", f"{FN}/nosuchfn", b"", LAMBDA, 404),
    Case("lambda-control", "GET", f"{FN}/nosuchfn/nothing/here", b"", LAMBDA, 404),
    Case("lambda-control", "PUT", f"{FN}/nosuchfn/configuration", b"{", LAMBDA, 400),
    Case(
        "lambda-control",
        "PUT",
        f"{FN}/nosuchfn/configuration",
        b'{"LoggingConfig": {"LogFormat": "XML"}}',
        LAMBDA,
        400,
        "ValidationException",
    ),
    # -- Invoke -------------------------------------------------------------------------
    Case("invoke", "POST", f"{FN}/nosuchfn/invocations", b"{}", LAMBDA, 404),
    Case("invoke", "POST", f"{FN}/..%2F..%2Fx/invocations", b"{}", LAMBDA, 400),
    Case("invoke", "POST", f"{FN}/a%20b%3Cscript%3E/invocations", b"{}", LAMBDA, 400),
    Case("invoke", "GET", f"{FN}/nosuchfn/invocations", b"", LAMBDA, 404),
    # -- durable APIs ---------------------------------------------------------------------
    Case("durable", "GET", f"{EXEC}/not-an-arn", b"", LAMBDA, 404),
    Case("durable", "GET", f"{EXEC}/not-an-arn/history", b"", LAMBDA, 404),
    Case("durable", "POST", f"{EXEC}/not-an-arn/stop", b"{", LAMBDA, 0),
    Case("durable", "GET", "/2025-12-01/no/such/route", b"", LAMBDA, 404),
    Case("durable", "PATCH", f"{EXEC}/x", b"", LAMBDA, 404),
    Case("durable", "DELETE", "/2025-12-01/", b"", LAMBDA, 404),
    Case("durable", "POST", f"{CALLBACKS}/nope/succeed", b"x", LAMBDA, 0),
    Case("durable", "POST", f"{CALLBACKS}/nope/fail", b"[", LAMBDA, 0),
    Case("durable", "GET", "/2025-12-01/functions/a%20b/durable-executions", b"", LAMBDA, 400),
    # -- Converse -------------------------------------------------------------------------
    Case("converse", "POST", MODEL, b"[1,2,3]", BEDROCK, 400, "ValidationException"),
    Case("converse", "POST", MODEL, b'"text"', BEDROCK, 400, "ValidationException"),
    Case("converse", "POST", MODEL, b"not json", BEDROCK, 400, "ValidationException"),
    Case(
        "converse",
        "POST",
        MODEL,
        _converse({"messages": [{"role": "user", "content": [{"text": 5}]}]}),
        BEDROCK,
        400,
        "ValidationException",
    ),
    Case(
        "converse",
        "POST",
        MODEL,
        _converse({"messages": [{"role": "user", "content": [{"text": ["a"]}]}]}),
        BEDROCK,
        400,
        "ValidationException",
    ),
    Case("converse", "POST", MODEL, _deep(5000), BEDROCK, 400, "ValidationException"),
    Case(
        "converse",
        "POST",
        MODEL,
        b'{"messages": [{"role": "user", "content": [{"text": "hi"}], "x": '
        + _deep(3000)
        + b"}]}",
        BEDROCK,
        400,
        "ValidationException",
    ),
    Case(
        "converse",
        "POST",
        MODEL,
        _converse({"messages": [{"role": "user", "content": "hi"}], "toolConfig": []}),
        BEDROCK,
        400,
        "ValidationException",
    ),
    Case(
        "converse",
        "POST",
        MODEL,
        _converse({"messages": [{"role": "user", "content": [{"text": "hi"}]}], "system": 5}),
        BEDROCK,
        400,
        "ValidationException",
    ),
    Case(
        "converse",
        "POST",
        MODEL,
        _converse(
            {"messages": [{"role": "user", "content": [{"text": "hi"}]}], "inferenceConfig": 7}
        ),
        BEDROCK,
        400,
        "ValidationException",
    ),
    Case("converse", "GET", MODEL, b"", BEDROCK, 404),
    # -- moto: SQS, S3, Logs, IAM ---------------------------------------------------------
    Case("sqs", "POST", "/", b"Action=NoSuchAction", SQS_FORM, 400),
    Case("sqs", "POST", "/", b"{", SQS_SEND, 400),
    Case("sqs", "POST", "/", b'{"QueueUrl": 5}', SQS_SEND, 0),
    Case("logs", "POST", "/", b"{", logs_json("PutLogEvents"), 400),
    Case("logs", "POST", "/", b'{"logGroupName": []}', logs_json("CreateLogGroup"), 0),
    Case("logs", "POST", "/", b"{}", logs_json("NoSuchOp"), 400),
    Case("iam", "POST", "/", b"Action=GetRole&RoleName=", IAM_FORM, 0),
    Case("s3", "GET", "/no-such-bucket-x/key", b"", auth("s3"), 404),
    Case("s3", "PATCH", "/no-such-bucket-x", b"", auth("s3"), 405, "MethodNotAllowed"),
    # S3's own 4xx for junk bodies (S3 API reference, "List of error codes"), not 500s.
    Case("s3", "PUT", "/junk-bucket-x/", b'{"a": 1}', auth("s3"), 400, "MalformedXML"),
    Case("s3", "POST", "/junk-bucket-x/key", b"junk", auth("s3"), 405, "MethodNotAllowed"),
    Case("s3", "POST", "/junk-bucket-x", b"[" * 100, auth("s3"), 400, "InvalidArgument"),
    Case("s3", "DELETE", "/junk-bucket-x/k", b'{"a":' * 5000, auth("s3"), 404, "NoSuchBucket"),
    Case("s3", "PUT", "/", b"[" * 3000, auth("s3"), 0),
    # -- no service at all ----------------------------------------------------------------
    Case("root", "POST", "/", b"arbitrary bytes \x00\x01", {}, 400),
    Case("root", "POST", "/", b"Action=Nope", FORM, 400),
    Case("root", "GET", "/../../etc/passwd", b"", {}, 404),
]  # fmt: skip


def check_reply(case: Case, reply: Reply) -> list[str]:
    """What is wrong with ``reply`` for ``case`` (empty: it answers as AWS does)."""
    problems = []
    where = f"{case.method} {case.path[:60]} -> {reply.status} {reply.body[:120]!r}"
    if reply.is_html():
        problems.append(f"HTML page: {where}")
    if reply.status >= 500 and reply.error_code() is None:
        problems.append(f"500 without an AWS error body: {where}")
    if reply.status < 400:
        problems.append(f"malformed request accepted: {where}")
    elif reply.error_code() is None:
        problems.append(f"error without an AWS error code: {where}")
    return problems


def test_every_route_answers_malformed_requests_like_aws(cloud: LocalCloud) -> None:
    problems = []
    for case in ROUTE_CASES:
        reply = send(cloud.endpoint, case.method, case.path, case.body, case.headers)
        problems += check_reply(case, reply)
        if (case.status and reply.status != case.status) or (
            case.code and reply.error_code() != case.code
        ):
            problems.append(
                f"{case.route} {case.method} {case.path[:60]}: want {case.status} {case.code}, "
                f"got {reply.status} {reply.error_code()} {reply.body[:160]!r}"
            )
    assert not problems, "\n".join(problems)
    assert send(cloud.endpoint, "GET", "/_localcloud/health").status == 200


def test_a_very_long_expression_is_answered_not_crashed(cloud: LocalCloud) -> None:
    """100 KB of arithmetic is a valid Converse request (far inside the model's context
    window): Bedrock answers it, so the local model does too, where it used to crash."""
    for text in ("calculate " + "1+" * 50000 + "1", "calculate " + "(" * 5000 + "1" + ")" * 5000):
        body = _converse({"messages": [{"role": "user", "content": [{"text": text}]}]})
        reply = send(cloud.endpoint, "POST", MODEL, body, BEDROCK)
        assert reply.status == 200, reply
        assert json.loads(reply.body)["output"]["message"]["role"] == "assistant"


# -- LoggingConfig ---------------------------------------------------------------------------
BAD_LOGGING = [
    ({"LogFormat": "XML"}, "ValidationException"),
    ({"LogFormat": 5}, None),
    ({"ApplicationLogLevel": "LOUD", "LogFormat": "JSON"}, "ValidationException"),
    ({"SystemLogLevel": "TRACE", "LogFormat": "JSON"}, "ValidationException"),
    ({"LogGroup": "bad group name!"}, "ValidationException"),
    ({"LogGroup": ""}, "ValidationException"),
    ({"LogGroup": "x" * 513}, "ValidationException"),
    ({"LogGroup": ["a"]}, None),
    ("Text", None),
    ([{"LogFormat": "JSON"}], None),
]


def create_body(name: str, role: str, zip_b64: str, **extra: Any) -> bytes:
    spec = {
        "FunctionName": name,
        "Runtime": "python3.13",
        "Role": role,
        "Handler": "app.handler",
        "Code": {"ZipFile": zip_b64},
        **extra,
    }
    return json.dumps(spec).encode()


def test_malformed_logging_config_is_refused_at_the_edge(
    cloud: LocalCloud,
    deploy: Callable[..., str],
) -> None:
    name = unique("logcfg")
    deploy(name, "def handler(event, context):\n    return {'ok': True}\n", DurableConfig=None)
    lam = cloud.client("lambda")
    role = lam.get_function(FunctionName=name)["Configuration"]["Role"]
    zip_b64 = base64.b64encode(make_zip("def handler(e, c):\n    return 1\n")).decode()
    problems = []
    for i, (config, code) in enumerate(BAD_LOGGING):
        for method, path, body in (
            ("POST", FN, create_body(f"{name}-bad{i}", role, zip_b64, LoggingConfig=config)),
            ("PUT", f"{FN}/{name}/configuration", json.dumps({"LoggingConfig": config}).encode()),
        ):
            reply = send(cloud.endpoint, method, path, body, LAMBDA)
            got = reply.error_code()
            if reply.status != 400 or got not in (code or got, "InvalidParameterValueException"):
                problems.append(f"{method} {config!r}: {reply.status} {reply.body[:200]!r}")
    assert not problems, "\n".join(problems)
    # Nothing reached moto or the config store: every function still lists and invokes.
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert name in names and not any("-bad" in n for n in names)
    assert lam.get_function(FunctionName=name)["Configuration"]["LoggingConfig"]["LogFormat"] == (
        "Text"
    )
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == {"ok": True}


def test_a_bad_stored_logging_config_is_skipped_at_load(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An older kit may have stored a bad LoggingConfig: the entry is dropped with a
    warning, the good ones kept, so a restart lists and invokes every function again."""
    path = tmp_path / "lambda-config.json"
    path.write_text(
        json.dumps(
            {
                "us-east-1/good": {"LoggingConfig": {"LogFormat": "JSON", "LogGroup": "/g"}},
                "us-east-1/bad": {"LoggingConfig": {"LogFormat": 5, "LogGroup": ["x"]}},
                "us-east-1/worse": "not an object",
                "us-east-1/durable": {"DurableConfig": {"ExecutionTimeout": "soon"}},
            }
        )
    )
    with caplog.at_level(logging.WARNING):
        store = LambdaConfigStore(path)
    assert store.get("us-east-1", "good") == {
        "LoggingConfig": {"LogFormat": "JSON", "LogGroup": "/g"}
    }
    assert store.get("us-east-1", "bad") == {}
    assert store.get("us-east-1", "worse") == {}
    assert store.get("us-east-1", "durable") == {}
    assert "us-east-1/bad" in caplog.text and "us-east-1/worse" in caplog.text


def test_a_corrupt_config_store_does_not_stop_the_cloud(tmp_path: Path) -> None:
    (tmp_path / "lambda-config.json").write_text("{not json")
    store = LambdaConfigStore(tmp_path / "lambda-config.json")
    assert store.get("us-east-1", "x") == {}


# -- bodies ----------------------------------------------------------------------------------
def _declared_only(endpoint: str, path: str, length: int, headers: dict[str, str]) -> Reply:
    """Declare a body of ``length`` bytes and send only 1 MB of it: a server that reads the
    whole body before refusing never answers (the deadline catches that)."""
    host, port = endpoint.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=DEADLINE_S)
    try:
        conn.putrequest("POST", path)
        for key, value in {**headers, "Content-Length": str(length)}.items():
            conn.putheader(key, value)
        conn.endheaders()
        with contextlib.suppress(OSError):  # the server answered and closed early: fine
            conn.send(b"{" + b" " * (1 << 20))
        response = conn.getresponse()
        return Reply(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()


def test_oversized_bodies_are_refused_before_they_are_read(
    cloud: LocalCloud, deploy: Callable[..., str]
) -> None:
    name = unique("big")
    deploy(name, "def handler(event, context):\n    return 1\n", DurableConfig=None)
    invoke = _declared_only(cloud.endpoint, f"{FN}/{name}/invocations", 200 * 1024 * 1024, LAMBDA)
    assert invoke.status == 413 and invoke.error_code() == "RequestTooLargeException"
    create = _declared_only(cloud.endpoint, FN, 69_905_068, LAMBDA)
    assert create.status == 413 and create.error_code() == "RequestEntityTooLargeException"
    assert b"69905067 bytes for the CreateFunction operation" in create.body
    assert send(cloud.endpoint, "GET", "/_localcloud/health").status == 200


def test_post_root_without_a_service_is_refused_and_never_journaled(cloud: LocalCloud) -> None:
    journal = cloud.state_dir / "moto-journal.jsonl"
    before = journal.read_bytes() if journal.exists() else b""
    marker = b"unjournaled-marker-7f3a"
    for headers in ({}, FORM, auth("nothing")):
        reply = send(cloud.endpoint, "POST", "/", b"Action=Nope&x=" + marker, headers)
        assert reply.status == 400 and reply.error_code(), reply
    after = journal.read_bytes() if journal.exists() else b""
    assert marker not in after[len(before) :]
    blobs = cloud.state_dir / "blobs"
    if blobs.exists():
        assert not any(marker in p.read_bytes() for p in blobs.iterdir() if p.is_file())


def test_a_restart_over_a_bad_stored_config_keeps_every_function(tmp_path: Path) -> None:
    """lambda-config.json written by an older kit with a bad LoggingConfig: after a
    restart ListFunctions, GetFunction and Invoke work for every function."""
    from tests.conftest import deploy_function

    state = tmp_path / "state"
    with LocalCloud(state, port=0) as first:
        name = unique("restart")
        deploy_function(
            first.client, name, "def handler(e, c):\n    return 7\n", DurableConfig=None
        )
    stored = json.loads((state / "lambda-config.json").read_text() or "{}")
    stored[f"{REGION}/{name}"] = {"LoggingConfig": "JSON"}  # what an unchecked kit kept
    (state / "lambda-config.json").write_text(json.dumps(stored))
    with LocalCloud(state, port=0) as again:
        lam = again.client("lambda")
        assert name in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
        config = lam.get_function(FunctionName=name)["Configuration"]
        assert config["LoggingConfig"]["LogFormat"] == "Text"
        assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == 7
