"""Shared fixtures: one in-process local cloud, plain boto3 clients, deploy helpers.

Tests talk to the local cloud only through boto3 pointed at its endpoint, exactly as the
notebooks do; nothing in the local cloud is mocked. The cloud is module-scoped: moto's
state is process-global and other modules start clouds of their own (each resets moto).

``make test`` runs the suite on several pytest-xdist workers (``--dist loadgroup``), each a
process of its own, so each with its own moto. The hooks at the end of this file keep the
tests that share a module-scoped fixture (a cloud, a deployment, a notebook run) on one
worker, so it is set up once, and send the longest work out first.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import state
from helpers.deploy import Bundle, build_zip, trust_policy
from helpers.deploy import bundle as bundling
from helpers.localcloud import LocalCloud, background
from helpers.localcloud.runner import free_port
from helpers.target import Target, connect

REGION = "us-east-1"
DURABLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
DEFAULT_DURABLE_CONFIG = {"ExecutionTimeout": 300, "RetentionPeriodInDays": 1}
ASSUME_LAMBDA = json.dumps(trust_policy())
REPORT_RE = re.compile(r"^REPORT RequestId: (?P<rid>[0-9a-f-]+)\t")
# The local cloud's default realism (fast) enforces AWS's quotas: the polls below stay under
# them (FilterLogEvents 5/s, GetDurableExecutionHistory 15/s) and back off when throttled.
THROTTLES = ("ThrottlingException", "TooManyRequestsException")


def throttled(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in THROTTLES


def create_function_when_role_ready(lam: Any, timeout: float = 30.0, **spec: Any) -> dict[str, Any]:
    """create_function, retried while Lambda cannot assume a role just created (as on AWS,
    and in the local cloud's realism profiles)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return dict(lam.create_function(**spec))
        except ClientError as exc:
            message = exc.response.get("Error", {}).get("Message", "")
            if "cannot be assumed" not in message or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def unique(prefix: str = "t") -> str:
    """A fresh resource name, so that tests never share functions, queues or buckets."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_zip(source: str | dict[str, str], module: str = "app") -> bytes:
    """A deployment zip: ``source`` as ``{module}.py``, or a {path: text} mapping."""
    files = source if isinstance(source, dict) else {f"{module}.py": source}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return buf.getvalue()


def boto_client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        # No silent retries: a test must see the first answer. Timeouts stay bounded.
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60),
    )


def deploy_function(
    client: Callable[[str], Any], name: str, source: str | dict[str, str], **config: Any
) -> str:
    """Role + managed policy, CreateFunction (durable unless DurableConfig=None), wait
    until active, publish a version; returns the version."""
    iam, lam = client("iam"), client("lambda")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=ASSUME_LAMBDA)
    iam.attach_role_policy(RoleName=f"{name}-role", PolicyArn=DURABLE_POLICY_ARN)
    spec: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "python3.13",
        "Role": role["Role"]["Arn"],
        "Handler": "app.handler",
        "Code": {"ZipFile": make_zip(source)},
        "Timeout": 30,
        "DurableConfig": DEFAULT_DURABLE_CONFIG,
    }
    spec.update(config)
    if spec["DurableConfig"] is None:
        del spec["DurableConfig"]
    create_function_when_role_ready(lam, **spec)
    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    return str(lam.publish_version(FunctionName=name)["Version"])


def report_records(
    logs: Any, group: str, request_ids: list[str] | set[str], timeout: float = 10.0
) -> dict[str, str]:
    """REPORT lines (text or JSON platform.report) per request id, polling until all of
    ``request_ids`` have one; log delivery lags, as on AWS."""
    wanted = set(request_ids)
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while True:
        try:
            events = []
            kwargs: dict[str, Any] = {"logGroupName": group}
            while True:
                page = logs.filter_log_events(**kwargs)
                events.extend(page["events"])
                if not page.get("nextToken"):
                    break
                kwargs["nextToken"] = page["nextToken"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        except ClientError as exc:
            if not throttled(exc):
                raise
            events = []
        for event in events:
            message = event["message"]
            if (match := REPORT_RE.match(message)) is not None:
                found.setdefault(match.group("rid"), message)
            elif message.startswith("{"):
                try:
                    record = json.loads(message)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("type") == "platform.report":
                    found.setdefault(record["record"]["requestId"], message)
        if wanted <= found.keys() or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    local = LocalCloud(tmp_path_factory.mktemp("localcloud")).start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def target(cloud: LocalCloud) -> Target:
    """The notebooks' own way to reach a local cloud: connect() with AWS_ENDPOINT_URL set."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        return connect("local", cloud.region)


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One per session: the pinned packages are installed once, every build reuses them.
    return tmp_path_factory.getbasetemp() / "lambda-build"


@pytest.fixture(scope="session")
def real_bundle(build_dir: Path) -> Bundle:
    """The zip of the repository's lambda_fn/, built cold in this session."""
    return build_zip(bundling.SOURCE, build_dir, quiet=True)


@pytest.fixture(scope="module")
def client(cloud: LocalCloud) -> Callable[[str], Any]:
    """``client("lambda")``: a plain boto3 client on the local cloud (cached per service)."""
    cache: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in cache:
            cache[service] = boto_client(cloud.endpoint, service)
        return cache[service]

    return make


@pytest.fixture(scope="session")
def clients_at() -> Callable[[str], Callable[[str], Any]]:
    """``clients_at(endpoint)("s3")``: client factories for another local cloud."""

    def at(endpoint: str) -> Callable[[str], Any]:
        cache: dict[str, Any] = {}

        def make(service: str) -> Any:
            if service not in cache:
                cache[service] = boto_client(endpoint, service)
            return cache[service]

        return make

    return at


@pytest.fixture(scope="session")
def deploy_with() -> Callable[..., str]:
    """``deploy_with(client, name, source, **config) -> version`` (see deploy_function)."""
    return deploy_function


@pytest.fixture
def deploy(client: Callable[[str], Any]) -> Callable[..., str]:
    """``deploy(name, source, **config) -> version``."""

    def run(name: str, source: str | dict[str, str], **config: Any) -> str:
        return deploy_function(client, name, source, **config)

    return run


@pytest.fixture(scope="module")
def zip_of() -> Callable[..., bytes]:
    """``zip_of(source, module="app")``: a deployment zip (see make_zip)."""
    return make_zip


@pytest.fixture(scope="module")
def name() -> Callable[..., str]:
    """``name("prefix")``: a unique resource name."""
    return unique


@pytest.fixture(scope="module")
def reports(client: Callable[[str], Any]) -> Callable[..., dict[str, str]]:
    """``reports(group, request_ids, timeout=10, via=logs_client)``: REPORT records by
    request id (``via``: a client of another local cloud)."""

    def run(
        group: str, request_ids: list[str] | set[str], timeout: float = 10.0, via: Any = None
    ) -> dict[str, str]:
        return report_records(via or client("logs"), group, request_ids, timeout)

    return run


@pytest.fixture(scope="module")
def wait_done(client: Callable[[str], Any]) -> Callable[..., dict[str, Any]]:
    """``wait_done(arn, timeout=15, via=lambda_client)``: GetDurableExecution once it is
    no longer RUNNING."""

    def run(arn: str, timeout: float = 15.0, via: Any = None) -> dict[str, Any]:
        return wait_execution_done(via or client("lambda"), arn, timeout)

    return run


@pytest.fixture(scope="module")
def callback_id(client: Callable[[str], Any]) -> Callable[..., str]:
    """``callback_id(arn, timeout=15, via=lambda_client)``: the id of the execution's
    first started callback."""

    def run(arn: str, timeout: float = 15.0, via: Any = None) -> str:
        return find_callback_id(via or client("lambda"), arn, timeout)

    return run


def wait_execution_done(lam: Any, arn: str, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            details: dict[str, Any] = lam.get_durable_execution(DurableExecutionArn=arn)
        except ClientError as exc:
            if not throttled(exc):
                raise
            details = {"Status": "RUNNING"}
        if details["Status"] != "RUNNING":
            return details
        if time.monotonic() > deadline:
            raise AssertionError(f"execution still RUNNING after {timeout} s: {arn}")
        time.sleep(0.05)


def find_callback_id(lam: Any, arn: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        except ClientError as exc:
            if not throttled(exc):
                raise
            events = []
        for event in events:
            if event.get("CallbackStartedDetails"):
                return str(event["CallbackStartedDetails"]["CallbackId"])
        if time.monotonic() > deadline:
            raise AssertionError(f"no callback started within {timeout} s: {arn}")
        time.sleep(0.1)


# What a learner must never see in an executed notebook.
NEVER_SHOWN = ("Traceback (most recent call last)", "ThrottlingException", "TooManyRequests")


def learner_visible_problems(executed: dict[str, object]) -> list[str]:
    """Error outputs and tracebacks or throttling errors anywhere a learner reads."""
    problems = []
    for cell in executed["cells"]:  # type: ignore[union-attr]
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"error output: {output.get('ename')}: {output.get('evalue')}")
                continue
            text = output.get("text") or "".join(
                str(v) for v in (output.get("data") or {}).values()
            )
            text = "".join(text) if isinstance(text, list) else str(text)
            problems += [f"{word!r} shown" for word in NEVER_SHOWN if word in text]
    return problems


@dataclass
class ServedCloud:
    endpoint: str
    process: subprocess.Popen[bytes]
    log: Path


@contextlib.contextmanager
def local_cloud_process(state_dir: Path, env: dict[str, str]) -> Iterator[ServedCloud]:
    """``python -m helpers.localcloud`` on a free loopback port with ``env`` added (for
    example ``LOCALCLOUD_REALISM``), as an attendee's shell runs it. Its output goes to a
    file: a pipe nobody reads would block it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir.parent / f"{state_dir.name}.out"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            background.command(free_port(), state_dir),
            cwd=background.REPO_ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + background.START_TIMEOUT_S
        ready: list[str] = []
        while not ready and time.monotonic() < deadline and proc.poll() is None:
            ready = [x for x in log_path.read_text().splitlines() if x.startswith("ready ")]
            time.sleep(0.1)
        assert ready, log_path.read_text()[-2000:]
        yield ServedCloud(ready[0].split()[1], proc, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What the notebooks save (helpers.state), kept in this test's own folder."""
    monkeypatch.setattr(state, "STATE_DIR", tmp_path / "state")
    return tmp_path / "state"


@pytest.fixture(scope="session")
def create_function() -> Callable[..., dict[str, Any]]:
    """``create_function(lam, **spec)``: create_function retried while the role propagates."""
    return create_function_when_role_ready


# -- running on several workers (pytest-xdist, ``make test``) ----------------------------------
def pytest_sessionstart(session: pytest.Session) -> None:
    # Notebook 03 builds the chatbot's zip into the repository's .build/ (cached by its
    # inputs); notebooks running at once on several workers would race to build it cold.
    # Built once here, in the controller of an xdist run, before any worker starts.
    if session.config.getoption("numprocesses", None):
        bundling.build_zip(quiet=True)


def longest_first(unit: list[pytest.Item]) -> tuple[float, bool, int]:
    """Sort key of a work unit: the longest timeout a test of it asks for (a whole room or a
    whole series of notebooks asks for more than the default), then the ``slow`` ones, then
    the units of more tests."""
    asked = [float(m.args[0]) for i in unit if (m := i.get_closest_marker("timeout")) and m.args]
    slow = any(i.get_closest_marker("slow") for i in unit)
    return -max(asked, default=0.0), not slow, -len(unit)


@pytest.hookimpl(wrapper=True)  # around xdist's own hook, which reads the xdist_group marks
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """On xdist workers: one work unit per module for the tests that share a module-scoped
    fixture (set up once, on one worker); every other test a unit of its own. The longest
    units first (see longest_first), so that no long one starts last."""
    if not getattr(config, "workerinput", None):
        return (yield)
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        definitions = item._fixtureinfo.name2fixturedefs.values()
        shares = any(d.scope in ("module", "class", "package") for ds in definitions for d in ds)
        if shares and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
        units.setdefault(item.nodeid.split("::")[0] if shares else item.nodeid, []).append(item)
    items[:] = [item for unit in sorted(units.values(), key=longest_first) for item in unit]
    yield
    # xdist groups a test by suffixing its node id with "@group"; should a pytest release
    # stop honouring that (pytest-xdist#1386), every test would run anywhere and each
    # module-scoped cloud be set up on every worker: slow, not wrong. Said at the end.
    grouped = [i.nodeid for i in items if i.get_closest_marker("xdist_group")]
    if config.getvalue("loadgroup") and grouped and not any("@" in n for n in grouped):
        config.workeroutput["groups_lost"] = True  # type: ignore[attr-defined]


GROUPS_LOST = pytest.StashKey[bool]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    if getattr(node, "workeroutput", {}).get("groups_lost"):
        node.config.stash[GROUPS_LOST] = True


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.stash.get(GROUPS_LOST, False):
        session.exitstatus = pytest.ExitCode.USAGE_ERROR


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if config.stash.get(GROUPS_LOST, False):
        terminalreporter.write_sep(
            "=",
            "pytest-xdist did not keep the tests of a module-scoped fixture together "
            "(pytest-xdist#1386): make setup installs the pytest pyproject.toml pins",
            red=True,
        )
