"""What the deploy and cleanup tests share: a small durable app to deploy, every deploy
step in order, and the lines the steps print."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import deploy
from helpers.deploy import Bundle, Names, build_zip
from helpers.deploy.bundle import BUNDLED, install_deps
from helpers.target import Target

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


def fake_source(root: Path, version: int) -> Path:
    package = root / f"v{version}" / "lambda_fn"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text(FAKE_APP.format(version=version))
    return package


def own_build_dir(shared: Path, where: Path) -> Path:
    """A build dir for the zip of another ``lambda_fn/`` (every such zip is named
    ``lambda_fn.zip``, and the session's real one must stay as built), reusing the packages
    already installed in ``shared``. Tests on other xdist workers, or later on this one,
    would otherwise find the real zip replaced."""
    deps = install_deps(BUNDLED, shared)
    own = where / "build"
    own.mkdir(parents=True, exist_ok=True)
    if not (own / deps.name).exists():
        (own / deps.name).symlink_to(deps, target_is_directory=True)
    return own


def build_fake_bundles(build_dir: Path, root: Path) -> list[Bundle]:
    """Two versions of the small handler, zipped with the real bundled packages."""
    return [
        build_zip(fake_source(root, v), own_build_dir(build_dir, root / f"v{v}"), quiet=True)
        for v in (1, 2)
    ]


def printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines the steps printed, without the indented progress lines of their waits
    (a role propagating, a name being released), which depend on timing."""
    return [line for line in capsys.readouterr().out.splitlines() if not line.startswith("  ")]


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
