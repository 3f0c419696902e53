"""The step-by-step deploy: names, policies, the zip and its cache, each step twice, cleanup.

The deploy steps run against an in-process local cloud through boto3, as the notebooks
call them. The zip bundles the real durable SDK and boto3 (pip, once per session).
"""

from __future__ import annotations

import json
import re
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from iam_eval import actions_of, resources_of, statements, wildcard_resources

from helpers import bundle as bundling
from helpers import deploy
from helpers.bundle import Bundle, build_zip
from helpers.cleanup import cleanup, leftovers
from helpers.localcloud import LocalCloud
from helpers.naming import Names, PrefixError, redact_account, validate_prefix
from helpers.target import Target, connect

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
ACCOUNT = "123456789012"

# A small durable handler with the chatbot's layout (lambda_fn/app.py): it waits for one
# callback, so an execution stays RUNNING until answered or stopped.
FAKE_APP = """
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution

VERSION = {version}


@durable_execution
def handler(event, context: DurableContext):
    answer = context.wait_for_callback(lambda callback_id, ctx: None, name="approve")
    return {{"answer": answer, "version": VERSION}}
"""


# -- fixtures -----------------------------------------------------------------------------
def fake_source(root: Path, version: int) -> Path:
    package = root / f"v{version}" / "lambda_fn"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text(FAKE_APP.format(version=version))
    return package


@pytest.fixture(scope="module")
def fake_bundles(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Bundle]:
    """Two versions of the small handler, zipped with the real bundled packages."""
    root = tmp_path_factory.mktemp("fake-src")
    return [build_zip(fake_source(root, v), build_dir, quiet=True) for v in (1, 2)]


_count = iter(range(1000))


@pytest.fixture
def names(target: Target) -> Iterator[Names]:
    """Fresh names per test; whatever the test leaves is removed afterwards."""
    prefix = f"dt-{next(_count)}-{int(time.time()) % 10000}"
    yield Names.for_target(target, prefix)
    cleanup(target, prefix)


def printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines the steps printed, without the indented progress lines of their waits
    (a role propagating, a name being released), which depend on timing."""
    return [line for line in capsys.readouterr().out.splitlines() if not line.startswith("  ")]


# -- names --------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["abc", "hitl-alice", "ws-2", "a" * 20, "0day"])
def test_valid_prefixes_pass(prefix: str) -> None:
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize(
    "prefix",
    ["ab", "a" * 21, "Hitl", "hitl_alice", "-hitl", "hitl-", "hitl alice", "", "xn--abc", None, 3],
)
def test_invalid_prefixes_are_refused_with_what_to_use(prefix: object) -> None:
    with pytest.raises(PrefixError, match=r"PREFIX"):
        validate_prefix(prefix)


def test_a_bad_prefix_fails_before_any_call() -> None:
    class NoCalls:
        region = REGION

        def client(self, service: str) -> Any:
            raise AssertionError("no call may go out")

    with pytest.raises(PrefixError, match="3 to 20 lowercase"):
        Names.for_target(NoCalls(), "Bad_Prefix")  # type: ignore[arg-type]


def test_names_derive_from_the_prefix_and_fit_aws_limits() -> None:
    names = Names("a" * 20, ACCOUNT, "ap-southeast-5")
    assert len(names.bucket) <= 63 and re.match(r"^[a-z0-9][a-z0-9.-]+[a-z0-9]$", names.bucket)
    assert len(names.role) <= 64 and len(names.function) <= 64 and len(names.queue) <= 80
    for name in (names.function, names.role, names.queue, names.bucket, names.inline_policy):
        assert name.startswith(f"{names.prefix}-")
    assert names.log_group == f"/aws/lambda/{names.function}"
    assert names.tags == {"workshop": "durable-hitl", "prefix": "a" * 20}

    n = Names("hitl-alice", ACCOUNT, "us-east-2")
    assert n.function == "hitl-alice-chatbot" and n.alias == "live"
    assert n.executions_arn == "arn:aws:lambda:us-east-2:123456789012:function:hitl-alice-chatbot:*"
    assert n.queue_arn == "arn:aws:sqs:us-east-2:123456789012:hitl-alice-approvals"
    assert n.bucket_arn == "arn:aws:s3:::hitl-alice-reports-123456789012-us-east-2"
    assert n.for_app("first").function == "hitl-alice-first"
    assert Names("hitl-alice", ACCOUNT, "us-gov-west-1").queue_arn.startswith("arn:aws-us-gov:")


def test_account_ids_are_masked_in_display_only(capsys: pytest.CaptureFixture[str]) -> None:
    from helpers import preflight
    from helpers.show import json_block, table

    n = Names("hitl-alice", ACCOUNT, "us-east-2")
    queue_url = f"https://sqs.us-east-2.amazonaws.com/{ACCOUNT}/{n.queue}"
    shown = redact_account(f"{n.role_arn} {queue_url} {n.bucket} {n.executions_arn}")
    assert ACCOUNT not in shown and shown.count("************") == 4
    assert n.describe() == (
        "function hitl-alice-chatbot, queue hitl-alice-approvals, "
        "bucket hitl-alice-reports-************-us-east-2"
    )
    assert ACCOUNT in n.bucket and ACCOUNT in n.role_arn  # the data keeps it
    # Not an account id: a uuid's last group, epoch milliseconds, a fraction's digits.
    others = f"req 0b5f3c8e-1d2a-4f7b-9a51-{ACCOUNT} at 1764118088123 ms, 0.{ACCOUNT}"
    assert redact_account(others) == others

    data = {"Role": n.role_arn}
    assert ACCOUNT not in json_block(data).data and data["Role"] == n.role_arn
    assert ACCOUNT not in table([data]).data
    assert ACCOUNT not in str(preflight.Check("identity", True, f"arn:aws:sts::{ACCOUNT}:user/u"))
    deploy.say("bucket", n.bucket, "created")
    assert capsys.readouterr().out == "bucket hitl-alice-reports-************-us-east-2: created\n"


# -- policies -----------------------------------------------------------------------------
NAMES = Names("hitl-alice", ACCOUNT, "us-east-2")
# Every action the chatbot's code path uses, and the call that needs it.
USED = {
    "lambda:CheckpointDurableExecution": "the SDK checkpoints each operation",
    "lambda:GetDurableExecutionState": "the SDK reads the checkpoints on replay",
    "logs:CreateLogStream": "the runtime's log stream",
    "logs:PutLogEvents": "the runtime's log records",
    "sqs:SendMessage": "the approval request",
    "s3:PutObject": "the report",
    "s3:GetObject": "the presigned report URL",
    "bedrock:InvokeModel": "Converse",
}
# Where lambda_fn/ makes those calls itself (the others are the SDK's and the runtime's).
CALLS = {
    "sqs:SendMessage": r"\.send_message\(",
    "s3:PutObject": r"\.put_object\(",
    "s3:GetObject": r"generate_presigned_url\(\s*[\"']get_object",
    "bedrock:InvokeModel": r"\.converse\(",
}


@pytest.mark.parametrize(
    "model_id", ["us.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", "global.anthropic.x-v1:0"]
)
def test_the_policy_grants_only_used_actions(model_id: str) -> None:
    policy = deploy.execution_policy(NAMES, model_id)
    assert actions_of(policy) == set(USED)
    assert all(s["Effect"] == "Allow" for s in statements(policy))
    assert "*" not in json.dumps([s["Action"] for s in statements(policy)])


def test_no_resource_is_wider_than_aws_allows() -> None:
    policy = deploy.execution_policy(NAMES, "us.amazon.nova-lite-v1:0")
    by_sid = {s["Sid"]: s for s in statements(policy)}
    assert "*" not in resources_of(policy)
    # Each wildcard is the narrowest form of its resource, for a reason:
    assert wildcard_resources(policy) == {
        # execution ARNs always carry a qualifier (aws-facts: function:NAME:*)
        "arn:aws:lambda:us-east-2:123456789012:function:hitl-alice-chatbot:*",
        # the log streams of the function's own group
        "arn:aws:logs:us-east-2:123456789012:log-group:/aws/lambda/hitl-alice-chatbot:*",
        # the objects of the kit's bucket
        "arn:aws:s3:::hitl-alice-reports-123456789012-us-east-2/*",
        # the model in the Regions the profile routes to ...
        "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0",
    }
    # ... reachable only through that profile
    fenced = by_sid["InvokeItsModelOnlyThroughTheProfile"]
    profile = by_sid["InvokeTheInferenceProfile"]["Resource"]
    assert fenced["Condition"] == {"StringEquals": {"bedrock:InferenceProfileArn": profile}}
    assert profile == (
        "arn:aws:bedrock:us-east-2:123456789012:inference-profile/us.amazon.nova-lite-v1:0"
    )
    assert by_sid["SendApprovalRequests"]["Resource"] == NAMES.queue_arn


def test_model_arns_follow_the_model_id() -> None:
    plain = deploy.model_statements(NAMES, "amazon.nova-lite-v1:0")
    assert [s["Resource"] for s in plain] == [
        "arn:aws:bedrock:us-east-2::foundation-model/amazon.nova-lite-v1:0"
    ]
    worldwide = deploy.model_statements(NAMES, "global.anthropic.claude-x-v1:0")
    assert worldwide[1]["Resource"] == [
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-x-v1:0",
        "arn:aws:bedrock:::foundation-model/anthropic.claude-x-v1:0",
    ]


def test_a_function_without_the_chatbot_gets_durable_and_log_grants_only() -> None:
    policy = deploy.execution_policy(NAMES.for_app("first"))
    assert actions_of(policy) == set(deploy.DURABLE_ACTIONS + deploy.LOG_ACTIONS)
    assert "function:hitl-alice-first:*" in json.dumps(policy)


def test_the_policy_matches_what_lambda_fn_calls() -> None:
    sources = "\n".join(p.read_text() for p in (ROOT / "lambda_fn").rglob("*.py"))
    if not (ROOT / "lambda_fn" / "app.py").exists():
        pytest.skip("lambda_fn/app.py is not written yet")
    called = {action for action, pattern in CALLS.items() if re.search(pattern, sources)}
    assert called == set(CALLS), f"granted but never called: {set(CALLS) - called}"
    # ... and no client of a service the policy does not grant anything on.
    services = set(re.findall(r"client\(\s*[\"']([a-z0-9-]+)[\"']", sources))
    assert services <= {"sqs", "s3", "bedrock-runtime"}, services


def test_execution_timeout_outlasts_every_approval_wait() -> None:
    settings = deploy.ChatbotSettings.for_region(NAMES.region, approval_timeout_s=600, max_turns=4)
    assert settings.execution_timeout_s > settings.max_turns * settings.approval_timeout_s
    config = deploy.chatbot_config(NAMES, "https://queue", settings)
    spec = config.spec(NAMES, NAMES.role_arn)
    assert spec["DurableConfig"]["ExecutionTimeout"] == settings.execution_timeout_s
    assert spec["Handler"] == "lambda_fn.app.handler" and spec["Runtime"] == "python3.13"
    assert spec["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": NAMES.log_group}
    assert set(spec["Environment"]["Variables"]) == {
        "MODEL_ID", "QUEUE_URL", "BUCKET", "APPROVAL_TIMEOUT_SECONDS", "MAX_TURNS",
        "REPORT_URL_EXPIRES",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("region", "model_id"),
    [
        ("us-east-2", "us.amazon.nova-lite-v1:0"),
        ("ap-northeast-1", "apac.amazon.nova-lite-v1:0"),
        ("eu-west-1", "eu.amazon.nova-lite-v1:0"),
    ],
)
def test_the_chatbot_calls_the_model_of_its_region(region: str, model_id: str) -> None:
    """No US-only default: settings made without a model take the Region's profile."""
    names = Names("hitl-alice", ACCOUNT, region)
    with pytest.raises(TypeError):
        deploy.ChatbotSettings()  # type: ignore[call-arg]
    environment = deploy.chatbot_config(names, "https://queue").environment
    assert environment["MODEL_ID"] == model_id
    assert deploy.ChatbotSettings.for_region(region).model_id == model_id
    chosen = deploy.ChatbotSettings.for_region(region, "amazon.nova-micro-v1:0", max_turns=2)
    assert (chosen.model_id, chosen.max_turns) == ("amazon.nova-micro-v1:0", 2)


# -- the zip ------------------------------------------------------------------------------
def test_the_zip_bundles_the_sdk_and_boto3_beside_lambda_fn(real_bundle: Bundle) -> None:
    with zipfile.ZipFile(real_bundle.path) as archive:
        names = archive.namelist()
    assert "lambda_fn/__init__.py" in names  # the package at the root: lambda_fn.app.handler
    for package in ("aws_durable_execution_sdk_python", "boto3", "botocore"):
        assert f"{package}/__init__.py" in names
    for pin in bundling.BUNDLED:
        dist, version = pin.split("==")
        assert f"{dist.replace('-', '_')}-{version}.dist-info/METADATA" in names
    assert not [
        n for n in names if n.endswith(".pyc") or "__pycache__" in n or n.startswith("bin/")
    ]
    assert real_bundle.size == real_bundle.path.stat().st_size < bundling.DIRECT_UPLOAD_LIMIT


def test_a_second_build_is_a_cache_hit(real_bundle: Bundle, build_dir: Path, capsys: Any) -> None:
    again = build_zip(bundling.SOURCE, build_dir)
    assert again.cached and again.key == real_bundle.key
    assert again.code_sha256 == real_bundle.code_sha256
    assert again.seconds < 2
    assert re.match(r"^zip lambda_fn\.zip: cached \(\d+\.\d MB, inputs [0-9a-f]{12}\)$",
                    printed(capsys)[-1])  # fmt: skip


def test_a_source_change_rebuilds_the_zip_but_not_the_packages(
    real_bundle: Bundle, build_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "lambda_fn"
    shutil.copytree(bundling.SOURCE, source, ignore=shutil.ignore_patterns("__pycache__"))
    copy = build_zip(source, build_dir, quiet=True)
    assert copy.key == real_bundle.key  # the same inputs: where they live does not matter

    def no_pip(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the pinned packages are already installed")

    monkeypatch.setattr(bundling.subprocess, "run", no_pip)
    (source / "extra.py").write_text("X = 1\n")
    changed = build_zip(source, build_dir, quiet=True)
    assert not changed.cached and changed.key != real_bundle.key
    assert "lambda_fn/extra.py" in zipfile.ZipFile(changed.path).namelist()
    # Reproducible: the same inputs give the same bytes, so the same CodeSha256.
    (changed.path.with_name("lambda_fn.zip.key")).unlink()
    assert build_zip(source, build_dir, quiet=True).code_sha256 == changed.code_sha256


def test_the_pins_are_part_of_the_key() -> None:
    other = ("aws-durable-execution-sdk-python==3.0.0", "boto3==1.44.7")
    assert bundling.inputs_key(requirements=other) != bundling.inputs_key()


# -- each step, twice, against the local cloud ---------------------------------------------
def deploy_steps(target: Target, names: Names, code: Bundle) -> str:
    role_arn = deploy.ensure_role(target, names, deploy.execution_policy(names, "us.m.x-v1:0"))
    queue_url = deploy.ensure_queue(target, names)
    deploy.ensure_bucket(target, names)
    deploy.ensure_log_group(target, names)
    config = deploy.chatbot_config(names, queue_url)
    deploy.ensure_function(target, names, code, role_arn, config)
    version = deploy.publish_version(target, names)
    deploy.point_alias(target, names, version)
    return version


def test_every_step_is_idempotent(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any
) -> None:
    assert deploy_steps(target, names, fake_bundles[0]) == "1"
    first = printed(capsys)
    assert len(first) == 7, first  # one line per step
    assert [re.findall(r"\w+", line.split(":")[-1])[0] for line in first] == [
        "created", "created", "created", "created", "created", "published", "created",
    ]  # fmt: skip
    assert deploy_steps(target, names, fake_bundles[0]) == "1"
    second = printed(capsys)
    assert len(second) == 7, second
    assert all(line.endswith(("already there", "already on version 1")) for line in second)


def test_the_resources_are_configured_as_asked(
    target: Target, names: Names, fake_bundles: list[Bundle]
) -> None:
    deploy_steps(target, names, fake_bundles[0])
    iam, lam = target.client("iam"), target.client("lambda")
    attached = iam.list_attached_role_policies(RoleName=names.role)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSLambdaBasicDurableExecutionRolePolicy"]
    inline = iam.get_role_policy(RoleName=names.role, PolicyName=names.inline_policy)
    assert inline["PolicyDocument"] == deploy.execution_policy(names, "us.m.x-v1:0")
    trust = iam.get_role(RoleName=names.role)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}

    sqs = target.client("sqs")
    url = sqs.get_queue_url(QueueName=names.queue)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == names.tags

    s3 = target.client("s3")
    block = s3.get_public_access_block(Bucket=names.bucket)["PublicAccessBlockConfiguration"]
    assert block == deploy.PUBLIC_ACCESS_BLOCK
    rule = s3.get_bucket_encryption(Bucket=names.bucket)["ServerSideEncryptionConfiguration"]
    assert rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    fn = lam.get_function(FunctionName=names.function)
    conf = fn["Configuration"]
    assert conf["Runtime"] == "python3.13" and conf["Handler"] == "lambda_fn.app.handler"
    assert conf["DurableConfig"] == {
        "ExecutionTimeout": deploy.ChatbotSettings.for_region(names.region).execution_timeout_s,
        "RetentionPeriodInDays": 7,
    }
    assert conf["LoggingConfig"]["LogFormat"] == "JSON"
    assert conf["Role"] == names.role_arn and conf["CodeSha256"] == fake_bundles[0].code_sha256
    assert fn["Tags"].items() >= names.tags.items()
    assert lam.get_alias(FunctionName=names.function, Name="live")["FunctionVersion"] == "1"


def test_update_code_publishes_and_moves_the_alias(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any
) -> None:
    deploy_steps(target, names, fake_bundles[0])
    capsys.readouterr()
    assert deploy.update_code(target, names, fake_bundles[1]) == "2"
    assert printed(capsys)[-1] == f"alias {names.function}:live: moved version 1 -> 2"
    assert deploy.update_code(target, names, fake_bundles[1]) == "2"
    assert printed(capsys) == [
        f"function {names.function}: code unchanged",
        f"version {names.function}:2: already there",
        f"alias {names.function}:live: already on version 2",
    ]
    lam = target.client("lambda")
    versions = lam.list_versions_by_function(FunctionName=names.function)["Versions"]
    by_version = {v["Version"]: v["CodeSha256"] for v in versions}
    assert by_version["1"] == fake_bundles[0].code_sha256
    assert by_version["2"] == by_version["$LATEST"] == fake_bundles[1].code_sha256


def test_a_configuration_change_is_applied_and_published(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any
) -> None:
    deploy_steps(target, names, fake_bundles[0])
    capsys.readouterr()
    role_arn = names.role_arn
    queue_url = deploy.ensure_queue(target, names)
    settings = deploy.ChatbotSettings.for_region(names.region, max_turns=3)
    deploy.ensure_function(
        target, names, fake_bundles[0], role_arn, deploy.chatbot_config(names, queue_url, settings)
    )
    assert printed(capsys)[-1] == (
        f"function {names.function}: updated configuration (Environment, DurableConfig)"
    )
    assert deploy.publish_version(target, names) == "2"
    conf = target.client("lambda").get_function_configuration(FunctionName=names.function)
    assert conf["Environment"]["Variables"]["MAX_TURNS"] == "3"


def test_a_bucket_outside_us_east_1_names_its_region(cloud: LocalCloud, capsys: Any) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        frankfurt = connect("local", "eu-central-1")
    names = Names.for_target(frankfurt, "dt-eu")
    try:
        assert deploy.ensure_bucket(frankfurt, names) == names.bucket
        assert names.bucket.endswith("-eu-central-1")
        location = frankfurt.client("s3").get_bucket_location(Bucket=names.bucket)
        assert location["LocationConstraint"] == "eu-central-1"
        deploy.ensure_bucket(frankfurt, names)
        # Printed with the account masked (notebooks get shared).
        assert printed(capsys)[-1] == f"bucket {redact_account(names.bucket)}: already there"
    finally:
        cleanup(frankfurt, "dt-eu")
    assert leftovers(frankfurt, "dt-eu") == []


def test_a_function_that_is_not_durable_is_refused(
    target: Target, names: Names, fake_bundles: list[Bundle], create_function: Any
) -> None:
    role_arn = deploy.ensure_role(target, names, deploy.execution_policy(names))
    create_function(
        target.client("lambda"),
        FunctionName=names.function, Runtime="python3.13", Role=role_arn,
        Handler="lambda_fn.app.handler", Code={"ZipFile": fake_bundles[0].read()},
        Tags=names.tags,
    )  # fmt: skip
    with pytest.raises(RuntimeError, match="only be chosen at creation"):
        deploy.ensure_function(target, names, fake_bundles[0], role_arn, deploy.FunctionConfig())


def test_start_execution_runs_live_with_a_fresh_name(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any
) -> None:
    deploy_steps(target, names, fake_bundles[0])
    first = deploy.start_execution(target, names, {"query": "hello"})
    second = deploy.start_execution(target, names, {"query": "hello"})
    assert first != second  # a fresh DurableExecutionName each time
    again = deploy.start_execution(target, names, {"query": "hello"}, "fixed-name")
    assert deploy.start_execution(target, names, {"query": "hello"}, "fixed-name") == again
    assert printed(capsys)[-1] == "execution fixed-name: started (Event, status 202)"
    details = target.client("lambda").get_durable_execution(DurableExecutionArn=first)
    assert details["Status"] == "RUNNING"
    assert details["DurableExecutionName"].startswith("chatbot-")
    assert json.loads(details["InputPayload"]) == {"query": "hello"}


# -- cleanup ------------------------------------------------------------------------------
def test_cleanup_removes_everything_and_is_idempotent(
    target: Target, fake_bundles: list[Bundle], capsys: Any
) -> None:
    names = Names.for_target(target, "dt-gone")
    deploy_steps(target, names, fake_bundles[0])
    deploy.update_code(target, names, fake_bundles[1])
    target.client("s3").put_object(Bucket=names.bucket, Key="reports/a.md", Body=b"# report")
    running = deploy.start_execution(target, names, {"query": "wait"})
    lam = target.client("lambda")
    deadline = time.monotonic() + 60
    # Suspended on its callback: its first invocation (a cold start) has ended and written
    # its records. One still running when its function goes writes them later, and Lambda
    # recreates the group for them (cleanup's last sweep catches it only if it is done by then).
    while not any(
        event["EventType"] == "InvocationCompleted"
        for event in lam.get_durable_execution_history(DurableExecutionArn=running)["Events"]
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    capsys.readouterr()

    removed = cleanup(target, "dt-gone")
    assert [r.split()[0] for r in removed] == ["function", "log", "queue", "bucket", "role"]
    assert "1 running execution(s) stopped" in removed[0] and "version(s) 1, 2" in removed[0]
    assert "1 object version(s)" in removed[3]
    assert lam.get_durable_execution(DurableExecutionArn=running)["Status"] == "STOPPED"
    assert leftovers(target, "dt-gone") == []
    printed(capsys)
    assert cleanup(target, "dt-gone") == []
    assert printed(capsys) == ["cleanup dt-gone in us-east-1: nothing left to remove"]


def test_cleanup_never_touches_another_prefix(
    target: Target, fake_bundles: list[Bundle], capsys: Any
) -> None:
    # "dt-a" is a prefix of "dt-a-b": names alone would mix them up, the tags do not.
    mine, theirs = Names.for_target(target, "dt-a"), Names.for_target(target, "dt-a-b")
    deploy_steps(target, theirs, fake_bundles[0])
    deploy.ensure_queue(target, mine)
    try:
        cleanup(target, "dt-a")
        left = leftovers(target, "dt-a-b")
        assert len(left) == 5, left  # function, log group, queue, bucket, role
        assert leftovers(target, "dt-a") == left
    finally:
        cleanup(target, "dt-a-b")
    assert leftovers(target, "dt-a") == []


def test_cleanup_keeps_what_it_did_not_tag(target: Target, capsys: Any) -> None:
    names = Names.for_target(target, "dt-untagged")
    target.client("s3").create_bucket(Bucket=names.bucket)
    try:
        assert cleanup(target, "dt-untagged") == []
        expected = f"kept bucket {names.bucket}: it is not tagged prefix=dt-untagged"
        assert redact_account(expected) in printed(capsys)
    finally:
        target.client("s3").delete_bucket(Bucket=names.bucket)


# -- AWS's delays: the deploy waits as AWS requires (the local cloud's fast realism) -------
def recorder(target: Target) -> list[tuple[str, int]]:
    """(operation, request body bytes) of every Lambda call this target's clients make."""
    calls: list[tuple[str, int]] = []

    def record(request: Any, operation_name: str = "", **_: Any) -> None:
        calls.append((operation_name, len(request.body or b"")))

    target._session.events.register("request-created.lambda", record)
    return calls


def test_the_zip_goes_up_once_while_the_role_propagates(
    cloud: LocalCloud, fake_bundles: list[Bundle], capsys: Any
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        target = connect("local", REGION)
    calls = recorder(target)
    names = Names.for_target(target, "dt-once")
    try:
        role_arn = deploy.ensure_role(target, names, deploy.execution_policy(names))
        # Straight after the role: Lambda cannot assume it yet, so create_function is retried.
        deploy.ensure_function(target, names, fake_bundles[0], role_arn, deploy.FunctionConfig())
        out = capsys.readouterr().out
        assert "the new role is not visible to Lambda yet" in out
        creates = [size for op, size in calls if op == "CreateFunction"]
        uploads = [size for op, size in calls if op == "UpdateFunctionCode"]
        assert len(creates) >= 2 and max(creates) < 10_000  # retried, with the placeholder
        assert len(uploads) == 1 and uploads[0] > fake_bundles[0].size  # the zip, once
        version = deploy.publish_version(target, names)
        lam = target.client("lambda")
        published = lam.get_function_configuration(FunctionName=names.function, Qualifier=version)
        assert published["CodeSha256"] == fake_bundles[0].code_sha256
    finally:
        cleanup(target, "dt-once")


def test_no_version_is_published_of_the_placeholder(
    target: Target, names: Names, create_function: Any
) -> None:
    role_arn = deploy.ensure_role(target, names, deploy.execution_policy(names))
    config = deploy.FunctionConfig()
    lam = target.client("lambda")
    create_function(  # a deploy cut off between the creation and the upload
        lam,
        FunctionName=names.function,
        Code={"ZipFile": deploy.placeholder_zip(config.handler)},
        **config.spec(names, role_arn),
    )
    with pytest.raises(RuntimeError, match="still holds the placeholder code"):
        deploy.publish_version(target, names)
    assert [
        v["Version"] for v in lam.list_versions_by_function(FunctionName=names.function)["Versions"]
    ] == ["$LATEST"]


def test_the_placeholder_fails_clearly_if_invoked() -> None:
    placeholder = deploy.placeholder_zip("lambda_fn.app.handler")
    with zipfile.ZipFile(__import__("io").BytesIO(placeholder)) as archive:
        assert sorted(archive.namelist()) == ["lambda_fn/__init__.py", "lambda_fn/app.py"]
        namespace: dict[str, Any] = {}
        exec(archive.read("lambda_fn/app.py"), namespace)  # our own placeholder
    with pytest.raises(RuntimeError, match="its code is not in yet"):
        namespace["handler"]({}, None)
    assert deploy.placeholder_zip("lambda_fn.app.handler") == placeholder  # same bytes, same sha


def test_a_queue_being_deleted_is_not_already_there(
    target: Target, names: Names, capsys: Any
) -> None:
    sqs = target.client("sqs")
    url = deploy.ensure_queue(target, names)
    sqs.delete_queue(QueueUrl=url)
    assert sqs.get_queue_url(QueueName=names.queue)["QueueUrl"] == url  # SQS still finds it
    capsys.readouterr()
    assert deploy.ensure_queue(target, names) == url
    out = capsys.readouterr().out
    assert "already there" not in out
    assert "SQS keeps its name for 60 s" in out and "or stop and use another PREFIX" in out
    assert out.splitlines()[-1].startswith(f"queue {names.queue}: created")
    assert (
        "SqsManagedSseEnabled"
        in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    )


def test_a_name_still_held_stops_with_what_to_do(
    target: Target, names: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "QUEUE_NAME_WAIT_S", 0)
    monkeypatch.setattr(deploy, "BUCKET_NAME_WAIT_S", 0)
    monkeypatch.setattr(deploy, "WAIT_POLL_S", (0.01,))
    sqs, s3 = target.client("sqs"), target.client("s3")
    sqs.delete_queue(QueueUrl=deploy.ensure_queue(target, names))
    with pytest.raises(deploy.NameNotReleasedError) as queue_held:
        deploy.ensure_queue(target, names)
    assert "wait 60 s and run this cell again, or use another PREFIX" in str(queue_held.value)
    assert queue_held.value._render_traceback_() == [f"NameNotReleasedError: {queue_held.value}"]
    deploy.ensure_bucket(target, names)
    s3.delete_bucket(Bucket=names.bucket)
    with pytest.raises(deploy.NameNotReleasedError, match="or use another PREFIX"):
        deploy.ensure_bucket(target, names)


def test_cleanup_waits_until_gone_then_a_deploy_goes_through(
    target: Target, fake_bundles: list[Bundle], capsys: Any
) -> None:
    names = Names.for_target(target, "dt-again")
    try:
        deploy_steps(target, names, fake_bundles[0])
        capsys.readouterr()
        cleanup(target, "dt-again")
        out = capsys.readouterr().out
        assert f"waiting until queue {names.queue} is really gone" in out
        assert f"queue {names.queue} is gone after" in out
        sqs = target.client("sqs")
        with pytest.raises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName=names.queue)
        assert deploy_steps(target, names, fake_bundles[0]) == "1"  # the same names again
    finally:
        cleanup(target, "dt-again")
