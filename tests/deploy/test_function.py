"""The durable function (helpers.deploy.function): configuration changes, durability at
creation only, and the placeholder that stands in while a new role propagates (the
local cloud's fast realism: the deploy waits as AWS requires)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from deploying import REGION, deploy_steps, printed

from helpers import deploy
from helpers.deploy import Bundle, Names
from helpers.localcloud import LocalCloud
from helpers.target import Target, connect
from helpers.teardown import cleanup


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


def recorder(target: Target) -> list[tuple[str, int]]:
    """(operation, request body bytes) of every Lambda call this target's clients make."""
    calls: list[tuple[str, int]] = []

    def record(request: Any, operation_name: str = "", **_: Any) -> None:
        calls.append((operation_name, len(request.body or b"")))

    target._session.events.register("request-created.lambda", record)
    return calls


def test_the_zip_goes_up_once_while_the_role_propagates(
    tmp_path: Path, fake_bundles: list[Bundle], capsys: Any
) -> None:
    # AWS's figure for a new role (10 s), not the fast profile's 0.6 s: on a loaded machine
    # ensure_role alone can outlast 0.6 s, and then nothing is retried for the test to see.
    with (
        LocalCloud(tmp_path / "cloud", realism="aws") as cloud,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        target = connect("local", REGION)
        zip_goes_up_once(target, fake_bundles, capsys)


def zip_goes_up_once(target: Target, fake_bundles: list[Bundle], capsys: Any) -> None:
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


def test_the_placeholder_fails_clearly_if_invoked() -> None:
    placeholder = deploy.placeholder_zip("lambda_fn.app.handler")
    with zipfile.ZipFile(__import__("io").BytesIO(placeholder)) as archive:
        assert sorted(archive.namelist()) == ["lambda_fn/__init__.py", "lambda_fn/app.py"]
        namespace: dict[str, Any] = {}
        exec(archive.read("lambda_fn/app.py"), namespace)  # our own placeholder
    with pytest.raises(RuntimeError, match="its code is not in yet"):
        namespace["handler"]({}, None)
    assert deploy.placeholder_zip("lambda_fn.app.handler") == placeholder  # same bytes, same sha
