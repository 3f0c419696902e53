"""A bounded, seeded fuzzing run against every route of the local cloud.

Acknowledged writes first (a function, a queue with a message, a bucket with an object, a
log group with an event, a role), then ``ROUNDS`` malformed requests drawn by a seeded
generator over every route (Lambda control plane, Invoke, the durable APIs, Converse, SQS,
S3, CloudWatch Logs and IAM through moto, and paths no service has): wrong methods,
mangled names and ARNs, bodies that are no JSON, JSON of the wrong shape, deep nesting,
long strings, random bytes. Every answer must come before a deadline and carry an AWS
error (never HTML, never a 5xx: a malformed request is the caller's fault, answered with
an AWS 4xx and its error body); afterwards the server still serves
and every acknowledged write is intact. The same seed draws the same requests every run.
"""

from __future__ import annotations

import collections
import json
import random
import string
import time
from collections.abc import Callable
from typing import Any

import pytest
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers.localcloud import LocalCloud
from tests.conftest import unique
from tests.reliability.test_every_route import LAMBDA, Case, auth, check_reply, send

SEED = 20261202
ROUNDS = 600
DEADLINE_S = 20.0  # per request: far above any answer; a hang fails the test

pytestmark = pytest.mark.slow


def _junk_text(rng: random.Random, limit: int = 40) -> str:
    alphabet = string.printable + "äé✓\u202e<>\"'%/\\:$*"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, limit)))


def _token(rng: random.Random) -> str:
    """Junk that fits in a header."""
    return "".join(rng.choice(string.ascii_letters + string.punctuation) for _ in range(8))


def _junk_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randint(0, 7 if depth < 4 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False, 0, -1, 2**63, 1.5e308, -0.0])
    if kind == 2:
        return _junk_text(rng)
    if kind == 3:
        return "x" * rng.choice([0, 1, 300, 70_000])
    if kind == 4:
        return rng.randint(-(10**6), 10**6)
    if kind == 5:
        return [_junk_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["FunctionName", "Code", "LoggingConfig", "messages", "content", "text", "role",
            "QueueUrl", "logGroupName", "Result", "Error", "toolUse", "toolConfig", "system",
            _junk_text(rng, 8)]  # fmt: skip
    return {rng.choice(keys): _junk_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _body(rng: random.Random) -> bytes:
    kind = rng.randint(0, 6)
    if kind == 0:
        return b""
    if kind == 1:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200)))
    if kind == 2:
        depth = rng.choice([50, 999, 5000])
        return b'{"a":' * depth + b"1" + b"}" * depth
    if kind == 3:
        return b"[" * rng.randint(1, 3000)
    if kind == 4:
        return _junk_text(rng, 200).encode()
    return json.dumps(_junk_json(rng)).encode()


def _name(rng: random.Random) -> str:
    from urllib.parse import quote

    choices = [
        "../../x",
        "a b<script>",
        "x" * rng.choice([65, 141, 257, 4000]),
        "arn:aws:lambda:us-east-1:123456789012:function:nosuch",
        "nosuch:$LATEST",
        "nosuch:%00",
        _junk_text(rng, 20),
        "",
    ]
    return quote(rng.choice(choices), safe=rng.choice(["", "/", ":"]))


def _case(rng: random.Random, executions: tuple[str, ...] = ()) -> Case:
    """One malformed request on a route the generator picks (``executions``: ARNs of real
    executions, which the durable routes pick too: an operation the runner lacks on a
    real one was a 500)."""
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
    body = _body(rng)
    route = rng.choice(
        ["lambda-control", "invoke", "durable", "converse", "sqs", "s3", "logs", "iam", "other"]
    )
    fn = _name(rng)
    if route == "lambda-control":
        rest = rng.choice(["", "/configuration", "/code", "/versions", "/aliases", "/policy", "/x"])
        path = rng.choice(["/2015-03-31/functions", f"/2015-03-31/functions/{fn}{rest}"])
        return Case(route, method, path, body, LAMBDA)
    if route == "invoke":
        headers = {**LAMBDA, "X-Amz-Invocation-Type": rng.choice(["Event", "DryRun", "X", ""])}
        return Case(route, "POST", f"/2015-03-31/functions/{fn}/invocations", body, headers)
    if route == "durable":
        arn = _name(rng)
        if executions and rng.random() < 0.4:
            from urllib.parse import quote

            arn = quote(rng.choice(executions), safe="")
        on_execution = rng.choice(
            ["history", "state", "stop", "checkpoint", "pause", "resume", "x"]
        )
        on_callback = rng.choice(["succeed", "fail", "heartbeat", "x"])
        path = rng.choice(
            [
                f"/2025-12-01/durable-executions/{arn}",
                f"/2025-12-01/durable-executions/{arn}/{on_execution}",
                f"/2025-12-01/durable-execution-callbacks/{arn}/{on_callback}",
                f"/2025-12-01/functions/{fn}/durable-executions",
                f"/2025-12-01/{_name(rng)}",
            ]
        )
        return Case(route, method, path, body, LAMBDA)
    if route == "converse":
        model = rng.choice(["us.amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0", _name(rng)])
        if rng.random() < 0.5:
            body = json.dumps({"messages": _junk_json(rng), "system": _junk_json(rng)}).encode()
        return Case(
            route, rng.choice(["POST", method]), f"/model/{model}/converse", body, auth("bedrock")
        )
    if route in ("sqs", "logs"):
        target = {"sqs": "AmazonSQS", "logs": "Logs_20140328"}[route]
        operations = ["SendMessage", "ReceiveMessage", "CreateQueue", "PutLogEvents",
                      "CreateLogGroup", "FilterLogEvents", "NoSuchOp", _token(rng)]  # fmt: skip
        operation = rng.choice(operations)
        headers = {**auth(route), "X-Amz-Target": f"{target}.{operation}",
                   "Content-Type": "application/x-amz-json-1.0"}  # fmt: skip
        return Case(route, "POST", "/", body, headers)
    if route == "iam":
        action = rng.choice(
            ["GetRole", "CreateRole", "AttachRolePolicy", "Nope", _junk_text(rng, 8)]
        )
        form = f"Action={action}&RoleName={_name(rng)}&{_junk_text(rng, 30)}".encode()
        headers = {**auth("iam"), "Content-Type": "application/x-www-form-urlencoded"}
        return Case(route, "POST", "/", rng.choice([form, body]), headers)
    if route == "s3":
        path = f"/{rng.choice(['fuzz-bucket-x', _name(rng)])}/{_name(rng)}"
        return Case(route, method, path, body, auth("s3"))
    return Case(route, method, rng.choice(["/", f"/{_name(rng)}", "/_localcloud/x"]), body, {})


def _acknowledged_writes(cloud: LocalCloud, deploy: Callable[..., str]) -> dict[str, Any]:
    """Resources created and acknowledged before the fuzzing starts."""
    name = unique("fuzzfn")
    deploy(name, "def handler(event, context):\n    return {'echo': event}\n", DurableConfig=None)
    sqs, s3, logs = cloud.client("sqs"), cloud.client("s3"), cloud.client("logs")
    queue = sqs.create_queue(QueueName=unique("fuzzq"))["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="kept")
    bucket = unique("fuzzbucket")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"kept")
    group = f"/fuzz/{unique('g')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "kept"}],
    )
    # Two durable executions, one finished and one waiting on its callback.
    durable = unique("fuzzdx")
    version = deploy(
        durable,
        "from aws_durable_execution_sdk_python.execution import durable_execution\n"
        "@durable_execution\n"
        "def handler(event, context):\n"
        "    if event.get('wait'):\n"
        "        context.wait_for_callback(lambda callback_id, ctx: None, name='approve')\n"
        "    return 'done'\n",
    )
    lam = cloud.client("lambda")
    executions = tuple(
        lam.invoke(FunctionName=durable, Qualifier=version, InvocationType="Event", Payload=p)[
            "DurableExecutionArn"
        ]
        for p in (b"{}", b'{"wait": true}')
    )
    return {"function": name, "queue": queue, "bucket": bucket, "group": group,
            "executions": executions}  # fmt: skip


def _writes_intact(cloud: LocalCloud, kept: dict[str, Any]) -> None:
    lam, sqs, s3, logs = (cloud.client(s) for s in ("lambda", "sqs", "s3", "logs"))
    reply = lam.invoke(FunctionName=kept["function"], Payload=b'{"a": 1}')
    assert json.loads(reply["Payload"].read()) == {"echo": {"a": 1}}
    assert kept["function"] in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    bodies: list[str] = []
    deadline = time.monotonic() + 30
    while not bodies and time.monotonic() < deadline:  # a receive may sample no server
        reply = sqs.receive_message(QueueUrl=kept["queue"], WaitTimeSeconds=2)
        bodies = [m["Body"] for m in reply.get("Messages", [])]
    assert bodies == ["kept"], sqs.get_queue_attributes(
        QueueUrl=kept["queue"], AttributeNames=["All"]
    )
    assert s3.get_object(Bucket=kept["bucket"], Key="k")["Body"].read() == b"kept"
    events = logs.get_log_events(logGroupName=kept["group"], logStreamName="s", startFromHead=True)[
        "events"
    ]
    assert [e["message"] for e in events] == ["kept"]


def run_fuzz(
    endpoint: str, rounds: int = ROUNDS, seed: int = SEED, executions: tuple[str, ...] = ()
) -> tuple[dict, list[str]]:
    """Send ``rounds`` generated requests: (status tally by route, problems found)."""
    rng = random.Random(seed)
    tally: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    problems: list[str] = []
    for _ in range(rounds):
        case = _case(rng, executions)
        try:
            reply = send(endpoint, case.method, case.path, case.body, case.headers, DEADLINE_S)
        except TimeoutError:
            problems.append(f"no answer within {DEADLINE_S}s: {case.method} {case.path[:80]}")
            continue
        tally[case.route][reply.status] += 1
        if reply.status >= 500:
            # A malformed request is the caller's fault: AWS answers it with a 4xx. A 5xx
            # here is a part behind the gateway failing on it (the boundary's
            # InternalError/ServiceException is an AWS error body, but not AWS's answer).
            problems.append(
                f"{reply.status} for a malformed request: {case.method} {case.path[-60:]} "
                f"{case.body[:60]!r} -> {reply.body[:160]!r}"
            )
        if case.method == "HEAD":
            continue  # HEAD answers carry no body: the status tells
        # Accepted requests are fine (a fuzzed body can be valid); errors must be AWS's.
        problems += [p for p in check_reply(case, reply) if "accepted" not in p]
    return tally, problems


def test_fuzzing_every_route(cloud: LocalCloud, deploy: Callable[..., str]) -> None:
    kept = _acknowledged_writes(cloud, deploy)
    tally, problems = run_fuzz(cloud.endpoint, executions=kept["executions"])
    print("fuzz status codes by route:", {r: dict(c) for r, c in sorted(tally.items())})
    assert not problems, "\n".join(problems[:30])
    assert sum(sum(c.values()) for c in tally.values()) == ROUNDS
    assert send(cloud.endpoint, "GET", "/_localcloud/health").status == 200
    _writes_intact(cloud, kept)
