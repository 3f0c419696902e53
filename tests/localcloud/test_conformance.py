"""The local cloud against the official conformance requirements of durable executions.

The PyPI package ``aws-durable-execution-conformance-tests`` holds, per operation, one YAML
requirement per case: the handler described in prose (no code ships for it), the input,
the callback answers to send, the expected result and the expected execution history.
The kit's handlers for the operations the workshop teaches (step, wait, callback,
wait_for_callback, parallel; map and child context too) are in ``conformance/``, one
``case_<suite>_<n>`` per requirement.

Each case deploys its handler as a zip to an in-process local cloud, starts it with plain
boto3 (Invoke, qualified, InvocationType=Event), and hands it to the package's own
``PollingValidator``: it polls GetDurableExecutionHistory(IncludeExecutionData=True),
answers callbacks found in the history as the requirement says (each answer also waits
until no invocation is running: see PatientCallbackSender), and compares history
(``EventHistoryMatcher``: events by EventId, placeholders, wildcards) and result, as the
package does against AWS. The requirements' ExpectedLogs are not checked here.

Cases mostly wait (timers, retries, callback delays), so they run concurrently, once, in
a module fixture; each test then reports its own case. All of them pass: where the testing
SDK's runner records less than AWS (see helpers/localcloud/patches/testing_sdk.py), the
local cloud fills it in.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.config import Config
from conftest import create_function_when_role_ready

from helpers.deploy import trust_policy
from helpers.localcloud import LocalCloud

pytest.importorskip(
    "aws_durable_execution_conformance_tests",
    reason="make setup installs aws-durable-execution-conformance-tests",
)

from aws_durable_execution_conformance_tests.callback import (
    CallbackAction,
    CallbackResult,
    CallbackSender,
)
from aws_durable_execution_conformance_tests.validate import (
    AsyncValidationConfig,
    PollingValidator,
)
from aws_durable_execution_conformance_tests.variables import PlaceholderContext

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

HANDLERS = Path(__file__).with_name("conformance")
REQUIREMENTS = Path(str(files("aws_durable_execution_conformance_tests"))) / "test_requirements"
# The suites (folders of requirements) of the operations the kit covers; their requirement
# ids start 1, 2, 3, 4, 7, 8, 9. Left out: invoke (5), wait_for_condition (6), plugin (10).
SUITES = ("step", "wait", "child", "callback", "wait_for_callback", "parallel", "map")
# Cases run side by side in one account, so their history reads share its quota
# (GetDurableExecutionHistory: 15 per second): a validator and a callback sender per case,
# each reading once a second, stay under it, as well-behaved clients in one account must.
# Faster polling gets throttled, and the retries' backoff can then make a callback answer
# miss the few seconds' window that some requirements give it.
CONCURRENCY = 6
POLL_SECONDS = 1.0
NO_PROGRESS_SECONDS = 60.0  # a safety net: a crashed invocation alone costs 5 s + 2 cold starts
QUIET_SECONDS = 15.0
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}


@dataclass(frozen=True)
class Case:
    id: str
    suite: str
    spec: dict[str, Any]

    @property
    def handler(self) -> str:
        return f"{self.suite}_cases.case_{self.id.replace('-', '_')}"


def _cases() -> list[Case]:
    found = []
    for suite in SUITES:
        for path in (REQUIREMENTS / suite).glob("*.yaml"):
            found.append(Case(path.stem, suite, yaml.safe_load(path.read_text())))
    return sorted(found, key=lambda c: tuple(int(part) for part in c.id.split("-")))


CASES = _cases()


# -- running the cases ------------------------------------------------------------------


@dataclass
class Outcome:
    errors: list[str]
    seconds: float = 0.0


def _handler_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(HANDLERS.glob("*.py")):
            archive.write(path, path.name)
    return buf.getvalue()


class PatientCallbackSender(CallbackSender):
    """Answers a callback only when no invocation of the execution is running.

    A requirement's ``Delay`` before an answer stands for "once the invocation that
    suspended has finished": on AWS it has long finished by then, on a busy two-core machine
    it may not have, and an answer that lands first puts Callback* before that
    InvocationCompleted in the history. So the answer also waits (up to QUIET_SECONDS) until
    the history's last event is an InvocationCompleted.
    """

    def __init__(self, client: Any, execution_arn: str) -> None:
        super().__init__(client=client)
        self._lam = client
        self._arn = execution_arn

    def send(self, callback_id: str, action: CallbackAction) -> CallbackResult:
        deadline = time.monotonic() + QUIET_SECONDS
        while time.monotonic() < deadline:
            events = self._lam.get_durable_execution_history(DurableExecutionArn=self._arn)
            if events["Events"] and events["Events"][-1]["EventType"] == "InvocationCompleted":
                break
            time.sleep(POLL_SECONDS)
        return super().send(callback_id, action)


def _context(bindings: dict[str, Any]) -> PlaceholderContext:
    context = PlaceholderContext()
    for name, value in bindings.items():
        context.bind(name, value)
    return context


def _run_or_report(case: Case, *args: Any) -> Outcome:
    try:
        return _run(case, *args)
    except Exception as exc:  # one broken case must not hide the others' outcomes
        return Outcome([f"the case could not run: {type(exc).__name__}: {exc}"])


def _run(case: Case, lam: Any, role: str, code: bytes, markers: Path) -> Outcome:
    started = time.monotonic()
    spec = case.spec
    name = f"conformance-{case.id}"
    create_function_when_role_ready(
        lam,
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler=case.handler,
        Code={"ZipFile": code},
        Timeout=30,
        DurableConfig={"ExecutionTimeout": 7200, "RetentionPeriodInDays": 1},
        Environment={"Variables": {"CONFORMANCE_MARKERS": str(markers)}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    variables = PlaceholderContext()
    variables.resolve_variables(spec.get("Variables"))  # ${GEN_STR:n}: fresh random values
    context = _context(variables.bindings)
    payload = json.dumps(context.substitute(spec.get("Input"))).encode()
    arn = lam.invoke(
        FunctionName=name, Qualifier="$LATEST", InvocationType="Event", Payload=payload
    )["DurableExecutionArn"]
    expected = spec.get("ExpectedExecutionHistory") or []
    validator = PollingValidator(
        lambda_client=lam,
        context=context,
        config=AsyncValidationConfig(
            poll_interval_seconds=POLL_SECONDS, no_progress_timeout_seconds=NO_PROGRESS_SECONDS
        ),
    )
    validator._callback_sender = PatientCallbackSender(lam, arn)
    result = validator.validate(
        execution_arn=arn,
        expected_events=expected,
        expected_result=spec.get("ExpectedResult"),
        callback_actions=[CallbackAction.from_dict(a) for a in spec.get("CallbackActions", [])],
    )
    outcome = Outcome(result.errors)
    # Cases that stop at a matched history (a one-hour wait) or failed leave the execution
    # running: stop it, and retire the function's warm worker.
    if lam.get_durable_execution(DurableExecutionArn=arn)["Status"] not in TERMINAL:
        lam.stop_durable_execution(DurableExecutionArn=arn)
    lam.delete_function(FunctionName=name)
    outcome.seconds = time.monotonic() - started
    return outcome


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest,
    cloud: LocalCloud,  # conftest's: module-scoped, so this module's own
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Outcome]:
    """Runs every selected case at once; case id -> outcome."""
    selected = {
        item.callspec.params["case"].id
        for item in request.session.items
        if item.path == Path(__file__)
        and hasattr(item, "callspec")
        and "case" in item.callspec.params
    }
    config = Config(
        # Twelve cases polling history at once exceed its quota (15/s): retry as a real client.
        retries={"mode": "standard", "max_attempts": 10},
        max_pool_connections=CONCURRENCY * 2,
        connect_timeout=5,
        read_timeout=60,
    )
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    lam = session.client("lambda", endpoint_url=cloud.endpoint, config=config)
    iam = session.client("iam", endpoint_url=cloud.endpoint, config=config)
    role = iam.create_role(
        RoleName="conformance",
        AssumeRolePolicyDocument=json.dumps(trust_policy()),
    )["Role"]["Arn"]
    code = _handler_zip()
    markers = tmp_path_factory.mktemp("conformance-markers")
    cases = [case for case in CASES if case.id in selected]
    # The validator prints its progress; the outcome carries what matters.
    with ThreadPoolExecutor(CONCURRENCY) as pool, contextlib.redirect_stdout(io.StringIO()):
        futures = {
            case.id: pool.submit(_run_or_report, case, lam, role, code, markers) for case in cases
        }
        return {cid: future.result() for cid, future in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_requirement(case: Case, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    report = f"{case.id} ({case.spec.get('description', '')}):\n  " + "\n  ".join(outcome.errors)
    assert not outcome.errors, report


def _handler_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("case_")
    }


def test_every_requirement_has_a_handler_and_every_handler_a_requirement() -> None:
    handlers = {
        f"{path.stem}.{name}"
        for path in HANDLERS.glob("*_cases.py")
        for name in _handler_names(path)
    }
    wanted = {case.handler for case in CASES}
    assert len(CASES) == 119
    assert handlers == wanted
