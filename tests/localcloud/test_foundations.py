"""What the local cloud relies on inside moto and the testing SDK, stated where it fails loudly.

``helpers/localcloud/patches/`` (``testing_sdk.py``, ``moto.py``, ``log_filter.py``)
corrects the runner and moto where they differ from AWS by replacing a few of their private
functions. Private names can change in any release, so both packages are pinned exactly in
pyproject.toml, and this test names every internal the patches need: after an upgrade it
says which one moved, instead of the local cloud misbehaving quietly.
"""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {}
    for dep in deps:
        name, sep, pinned = dep.partition("==")
        if sep:
            pins[name.split("[")[0].strip()] = pinned.strip()
    return pins


@pytest.mark.parametrize("package", ["moto", "aws-durable-execution-sdk-python-testing"])
def test_patched_packages_are_pinned_exactly_and_installed_at_the_pin(package: str) -> None:
    pins = _pins()
    assert package in pins, f"{package} must be pinned with == (its internals are patched)"
    assert version(package) == pins[package], (
        f"{package} {version(package)} is installed, the kit is tested with {pins[package]}: "
        "run `make setup`, or check this file's internals before moving the pin."
    )


def _params(func: object) -> list[str]:
    return list(inspect.signature(func).parameters)  # type: ignore[arg-type]


def test_the_runner_internals_the_fixes_replace_are_there() -> None:
    from aws_durable_execution_sdk_python_testing import execution, model
    from aws_durable_execution_sdk_python_testing.executor import Executor
    from aws_durable_execution_sdk_python_testing.invoker import LambdaInvoker
    from aws_durable_execution_sdk_python_testing.runner import WebRunner
    from aws_durable_execution_sdk_python_testing.stores.sqlite import SQLiteExecutionStore

    # Replaced by patches.testing_sdk.apply, with these parameters.
    assert _params(model.Event.from_event_with_id) == ["event", "event_id"]
    assert _params(execution.Execution.new) == ["input"]
    assert _params(execution.Execution.find_callback_operation)[:2] == ["self", "callback_id"]
    assert _params(model.InvocationCompletedDetails.from_json_dict) == ["data"]
    assert _params(model.StartDurableExecutionInput.from_dict) == ["data"]
    assert _params(LambdaInvoker.invoke)[:3] == ["self", "function_name", "input"]
    assert _params(Executor._retry_after_error) == ["self", "execution_arn", "error"]
    assert _params(Executor.get_execution_history)[:2] == ["self", "execution_arn"]
    assert _params(Executor.get_execution) == ["self", "execution_arn"]
    # Read by runner.DurableService (recovery after a restart, the one-connection store).
    for name in ("_completion_events", "_scheduler", "_execution_timeouts", "_store"):
        assert name in inspect.getsource(Executor), f"Executor.{name} is gone"
    for name in ("_schedule_earliest_pending", "_invoke_execution", "on_timed_out"):
        assert callable(getattr(Executor, name, None)), f"Executor.{name} is gone"
    assert callable(getattr(Executor, "_schedule_callback_timeouts", None))
    for name in ("_store", "_executor", "_server"):
        assert name in inspect.getsource(WebRunner), f"WebRunner.{name} is gone"
    assert "_connection" in vars(SQLiteExecutionStore)
    assert "db_path" in inspect.getsource(SQLiteExecutionStore)
    # Fields the fixes copy or extend.
    fields = {f.name for f in model.InvocationCompletedDetails.__dataclass_fields__.values()}
    assert {"start_timestamp", "end_timestamp", "request_id"} <= fields
    assert "invocation_completed_details" in model.Event.__dataclass_fields__
    assert "invocation_completions" in inspect.getsource(execution.Execution)


def test_the_moto_internals_the_journal_relies_on_are_there() -> None:
    from moto.core.base_backend import AccountSpecificBackend
    from moto.moto_api._internal import MotoRandom, mock_random

    # patches/moto.py swaps mock_random's class for a per-thread seeded one (replayed calls draw
    # the same ids), and wraps AccountSpecificBackend.__getitem__ (seeded backend creation).
    assert isinstance(mock_random, MotoRandom)
    assert _params(AccountSpecificBackend.__getitem__) == ["self", "region_name"]
    from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY  # noqa: F401
    from moto.iam.models import IAMBackend, get_account_id_from  # noqa: F401
    from moto.moto_server.werkzeug_app import (  # noqa: F401
        DomainDispatcherApplication,
        create_backend_app,
    )

    # patches/moto.py: one IAM partition's policies, and a cached host lookup.
    assert _params(IAMBackend._init_aws_policies) == ["self"]
    assert _params(DomainDispatcherApplication.get_backend_for_host) == ["self", "host"]
    # patches/log_filter.py subclasses the filter moto's FilterLogEvents builds.
    from moto.logs import models as logs_models

    event_filter = logs_models.EventMessageFilter  # type: ignore[attr-defined]
    assert _params(event_filter.__init__) == ["self", "pattern"]
    assert _params(event_filter.matches) == ["self", "message"]
