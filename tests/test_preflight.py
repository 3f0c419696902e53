"""helpers.preflight: every service answers, and the chatbot's model answers once.

The model's refusals are Bedrock's own answers (status, ``x-amzn-ErrorType`` header and
message, as in the Bedrock Runtime API reference for Converse), served by a small HTTP
server in this test and read by the very client the notebooks use: a real ClientError,
parsed by botocore, on the same code path as on either target.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from helpers import preflight, regions
from helpers.localcloud import LocalCloud
from helpers.target import Target, connect

CHECKS = ["identity", "lambda", "durable executions", "s3", "sqs", "logs", "model"]
ANSWER = {
    "output": {"message": {"role": "assistant", "content": [{"text": "OK"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 12, "outputTokens": 1, "totalTokens": 13},
    "metrics": {"latencyMs": 210},
}


# -- Bedrock's answers, served ----------------------------------------------------------------
@dataclass
class Bedrock:
    """Answers each Converse call with the next of ``replies`` (status, error code or None
    for a success, message), then with success; records the model ids asked for."""

    replies: list[tuple[int, str | None, str]] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        bedrock = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                bedrock.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
                bedrock.asked.append(unquote(self.path.split("/")[2]))
                status, code, message = (
                    bedrock.replies.pop(0) if bedrock.replies else (200, None, "")
                )
                body = json.dumps(ANSWER if code is None else {"message": message}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if code is not None:
                    self.send_header("x-amzn-ErrorType", f"{code}:http://internal.amazon.com/")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bedrock]:
    fake = Bedrock()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def tokyo() -> Target:
    return connect("local", "ap-northeast-1")


# -- the model check --------------------------------------------------------------------------
def test_the_model_is_called_once_with_a_few_tokens(bedrock: Bedrock) -> None:
    check = preflight.check_model(tokyo())
    assert check.ok and check.name == "model"
    assert check.detail.startswith("apac.amazon.nova-lite-v1:0 answers (12 tokens in, 1 out")
    assert bedrock.asked == ["apac.amazon.nova-lite-v1:0"]  # the Region's, when none given
    (body,) = bedrock.bodies
    assert body["inferenceConfig"] == {"maxTokens": preflight.PROBE_MAX_TOKENS}
    assert body["messages"] == [{"role": "user", "content": [{"text": preflight.PROBE_PROMPT}]}]


REFUSALS = [
    pytest.param(
        "us.amazon.nova-lite-v1:0",
        (400, "ValidationException", "The provided model identifier is invalid."),
        "FAIL model: this model id does not exist in ap-northeast-1; use "
        'apac.amazon.nova-lite-v1:0 (MODEL_ID = "" picks it).',
        id="wrong-geography",
    ),
    pytest.param(
        "apac.amazon.nova-lite-v1:0",
        (400, "ValidationException", "The provided model identifier is invalid."),
        "FAIL model: the workshop's model apac.amazon.nova-lite-v1:0 does not answer in "
        "ap-northeast-1: choose another REGION",
        id="the-regions-own-model-missing",
    ),
    pytest.param(
        "apac.amazon.nova-lite-v1:0",
        (
            403,
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
        ),
        "FAIL model: enable model access for apac.amazon.nova-lite-v1:0 in the Bedrock "
        "console of ap-northeast-1",
        id="no-model-access",
    ),
    pytest.param(
        "apac.amazon.nova-lite-v1:0",
        (
            403,
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
            "bedrock:InvokeModel on resource: arn:aws:bedrock:ap-northeast-1:111122223333:"
            "inference-profile/apac.amazon.nova-lite-v1:0 because no identity-based policy "
            "allows the bedrock:InvokeModel action",
        ),
        "FAIL model: your identity may not call bedrock:InvokeModel on "
        "apac.amazon.nova-lite-v1:0 in ap-northeast-1",
        id="iam-denied",
    ),
    pytest.param(
        "apac.anthropic.claude-sonnet-4-20250514-v1:0",
        (404, "ResourceNotFoundException", "Model use case details have not been submitted."),
        "FAIL model: Bedrock does not offer apac.anthropic.claude-sonnet-4-20250514-v1:0 to "
        "this account in ap-northeast-1",
        id="use-case-form",
    ),
]


@pytest.mark.parametrize(("model_id", "reply", "says"), REFUSALS)
def test_a_refusal_reads_as_what_to_do(
    bedrock: Bedrock, model_id: str, reply: tuple[int, str, str], says: str
) -> None:
    bedrock.replies.append(reply)
    check = preflight.check_model(tokyo(), model_id)
    assert not check.ok
    assert str(check).startswith(says)
    assert bedrock.asked == [model_id]  # refused at once: not retried


def test_throttling_is_absorbed_by_the_clients_retries(bedrock: Bedrock) -> None:
    """Three ThrottlingExceptions in a row (a room calling at once), then an answer: the
    kit's clients wait and retry; botocore's default of 3 attempts would have given up."""
    throttled = (429, "ThrottlingException", "Too many requests, please wait before trying again.")
    bedrock.replies.extend([throttled] * 3)
    check = preflight.check_model(tokyo())
    assert check.ok, check
    assert len(bedrock.asked) == 4


def test_throttling_past_the_retries_says_to_run_again(
    bedrock: Bedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    bedrock.replies.append((429, "ThrottlingException", "Too many requests."))
    check = preflight.check_model(tokyo())
    assert not check.ok and "run this cell again in a minute" in check.detail


# -- the whole preflight ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with LocalCloud(tmp_path_factory.mktemp("preflight-cloud")) as cloud:
        yield cloud.endpoint


@pytest.mark.parametrize("region", ["us-east-1", "ap-northeast-1"])
def test_preflight_passes_on_the_local_cloud(
    endpoint: str, monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    target = connect("local", region)
    checks = preflight.run(target, "dfw")
    assert [c.name for c in checks] == CHECKS
    assert all(c.ok for c in checks), [str(c) for c in checks]
    model = regions.default_model_id(region)
    assert checks[-1].detail.startswith(f"{model} answers")
    preflight.require(checks)  # nothing failed: nothing raised
    said = preflight.summary(target, "", checks).splitlines()
    assert said == [
        f"Where: the local cloud at {endpoint}, Region {region}, which offers Lambda "
        f"durable functions (Regions list as of {regions.AS_OF}).",
        f"Model: the chatbot will call {model}.",
        "All 7 checks passed: the workshop can run here.",
    ]


@pytest.mark.parametrize(
    ("region", "model_id", "advice"),
    [
        # A US profile from Tokyo: Bedrock (and the local cloud) answer ValidationException.
        (
            "ap-northeast-1",
            "us.amazon.nova-lite-v1:0",
            "does not exist in ap-northeast-1; use apac.amazon.nova-lite-v1:0",
        ),
        # An Anthropic model the local account has no access to: AccessDeniedException.
        ("us-east-1", "us.anthropic.claude-haiku-4-5-20251001-v1:0", "enable model access"),
    ],
)
def test_the_local_clouds_refusals_read_as_what_to_do(
    endpoint: str, monkeypatch: pytest.MonkeyPatch, region: str, model_id: str, advice: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.delenv("LOCALCLOUD_MODEL_ACCESS", raising=False)
    check = preflight.check_model(connect("local", region), model_id)
    assert not check.ok
    assert advice in check.detail


def test_preflight_reports_a_dead_endpoint_with_a_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: refused
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    target = connect("local")
    checks = preflight.run(target)
    assert [c.name for c in checks] == CHECKS
    assert not any(c.ok for c in checks)
    assert "TARGET='local'" in str(checks[0]) or "Configure credentials" in str(checks[0])
    assert "Check the endpoint and the network" in checks[-1].detail
    assert "7 of 7 checks failed" in preflight.summary(target, None, checks)
    with pytest.raises(preflight.PreflightFailed) as failed:
        preflight.require(checks)
    shown = failed.value._render_traceback_()  # what Jupyter prints instead of a traceback
    assert shown[0] == (
        "PreflightFailed: 7 checks failed: fix what each says, then run this cell again."
    )
    assert shown[1:] == [str(c) for c in checks]
    assert not any("Traceback" in line for line in shown)
