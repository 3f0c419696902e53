"""The patches of the testing SDK's runner: where what it does differs from AWS.

The runner does the real work (checkpoints, history, timers, callbacks, its sqlite
store). The kit only corrects places where what it does differs from AWS:

* history events lose ``InvocationCompletedDetails`` (RequestId, start, end) because
  ``Event.from_event_with_id`` rebuilds the event field by field and forgets it; the
  cost lesson joins exactly that RequestId to the REPORT log records;
* execution ARNs are opaque uuids, where AWS uses
  ``arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER/durable-execution/NAME/ID``,
  the shape that least-privilege IAM policies and the notebooks show;
* the runner emulates one Region, fixed at start: every execution reports it, and its
  handler invocations are signed for it, so a function deployed in another Region is
  "not found". On AWS an execution lives in its function's Region; here each execution
  carries its own (``Region`` in the start request), which names its ARN and signs its
  invocations, so one local cloud serves executions in several Regions at once;
* a finished (e.g. stopped) execution still takes callback answers, recording events
  after its end; AWS refuses them;
* an invocation that failed (an unhandled error, a dead process, a timeout reported by
  the Lambda host) leaves no ``InvocationCompleted`` event, where AWS records one with
  the error: it was billed, and the cost lesson must count it;
* history events leave out a callback's timeouts and a retried step's attempt.

Upstream also opens a sqlite connection per store call; `OneConnectionStore` keeps one.
All patches are process-wide; tests/localcloud/test_foundations.py names every internal
they rely on.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from aws_durable_execution_sdk_python.lambda_service import CallbackOptions, ErrorObject, Operation
from aws_durable_execution_sdk_python_testing import execution as _execution
from aws_durable_execution_sdk_python_testing import model as _model
from aws_durable_execution_sdk_python_testing.exceptions import (
    DurableFunctionsTestError,
    IllegalStateException,
)
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.invoker import LambdaInvoker
from aws_durable_execution_sdk_python_testing.stores.sqlite import SQLiteExecutionStore

# The runner's default Region: for executions whose start request names none (set by
# apply). Each execution the gateway starts names its function's Region.
_REGION = {"name": "us-east-1"}
_Parsed = TypeVar("_Parsed")


@dataclasses.dataclass(frozen=True)
class _RegionalStart(_model.StartDurableExecutionInput):
    """A start request that names the execution's Region (the function's), kept in the
    store with the execution so that its replays after a restart run in it too."""

    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.region:
            data["Region"] = self.region
        return data


def _parsed_then(
    cls: type[_Parsed], parser: str, extend: Callable[[_Parsed, dict[str, Any]], _Parsed]
) -> classmethod[Any, Any, Any]:
    """A replacement for the classmethod ``cls.<parser>`` (``from_dict``...): upstream's
    parse (taken now, before any patch), then ``extend(parsed, data)``."""
    upstream = getattr(cls, parser).__func__

    def parse(_: type[_Parsed], data: dict[str, Any]) -> _Parsed:
        parsed: _Parsed = upstream(cls, data)
        return extend(parsed, data)

    return classmethod(parse)


def _regional(
    plain: _model.StartDurableExecutionInput, data: dict[str, Any]
) -> _model.StartDurableExecutionInput:
    if not data.get("Region"):
        return plain
    return _RegionalStart(**{**dataclasses.asdict(plain), "region": str(data["Region"])})


_start_from_dict = _parsed_then(_model.StartDurableExecutionInput, "from_dict", _regional)


def _execution_region(self: _execution.Execution) -> str | None:
    """An execution's Region: the one its start named, else the one its ARN names (our ARNs
    always carry it), else what upstream stored (the runner's)."""
    named = getattr(self.start_input, "region", None)
    if named:
        return str(named)
    arn = self.durable_execution_arn
    if arn.startswith("arn:aws:lambda:"):
        return arn.split(":")[3]
    return self.__dict__.get("_stored_region")


def _set_execution_region(self: _execution.Execution, value: str | None) -> None:
    # Upstream assigns the runner's one Region on creation and on load; the execution's
    # own (above) wins, this is only the fallback.
    self.__dict__["_stored_region"] = value


def _event_with_id(cls: type[_model.Event], event: _model.Event, event_id: int) -> _model.Event:
    # The upstream copy lists fields by hand and drops invocation_completed_details.
    return dataclasses.replace(event, event_id=event_id)


def _new_execution(input: _model.StartDurableExecutionInput) -> _execution.Execution:
    invocation_id = input.invocation_id or str(uuid.uuid4())
    qualifier = input.function_qualifier or "$LATEST"
    region = getattr(input, "region", None) or _REGION["name"]
    arn = (
        f"arn:aws:lambda:{region}:{input.account_id}:function:"
        f"{input.function_name}:{qualifier}/durable-execution/"
        f"{input.execution_name}/{invocation_id}"
    )
    return _execution.Execution(durable_execution_arn=arn, start_input=input, operations=[])


_upstream_find_callback = _execution.Execution.find_callback_operation


def _find_open_callback(self: _execution.Execution, callback_id: str) -> tuple[int, Operation]:
    # Upstream lets a stopped (or otherwise finished) execution take a callback answer and
    # appends CallbackSucceeded after ExecutionStopped. On AWS a finished execution's
    # callbacks are closed: the gateway answers this message with CallbackTimeoutException.
    found = _upstream_find_callback(self, callback_id)
    if self.is_complete:
        raise IllegalStateException(
            f"Callback operation [{callback_id}] is not in STARTED state: "
            "its execution has already completed"
        )
    return found


@dataclasses.dataclass(frozen=True)
class _FailedInvocation(_model.InvocationCompletedDetails):
    """An ``InvocationCompleted`` that carries the invocation's error, as AWS's does."""

    error: ErrorObject | None = None

    def _with_error(self, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "Error": {"Payload": self.error.to_dict()}} if self.error else data

    def to_dict(self) -> dict[str, Any]:
        return self._with_error(super().to_dict())

    def to_json_dict(self) -> dict[str, Any]:  # the store's form: the error survives restarts
        return self._with_error(super().to_json_dict())


def _failed_if_error(
    plain: _model.InvocationCompletedDetails, data: dict[str, Any]
) -> _model.InvocationCompletedDetails:
    if "Error" not in data:
        return plain
    error = ErrorObject.from_dict(data["Error"]["Payload"])
    return _FailedInvocation(**{**dataclasses.asdict(plain), "error": error})


_completion_from_json = _parsed_then(
    _model.InvocationCompletedDetails, "from_json_dict", _failed_if_error
)


# The invocation that just failed, per execution: the invoker sees its times and error, the
# executor's retry path (which only gets an ErrorObject) records it.
_failed: dict[str, _FailedInvocation] = {}
_upstream_invoke = LambdaInvoker.invoke


def _invoke(
    self: LambdaInvoker,
    function_name: str,
    input: Any,
    endpoint_url: str | None = None,
    **kwargs: Any,
) -> Any:
    started = datetime.now(UTC)
    region = kwargs.get("region_name")
    if not endpoint_url and region:
        # Upstream signs an execution without an endpoint of its own in the runner's one
        # Region; the gateway finds functions in the Region of the request's credential
        # scope, as Lambda does, so sign in the execution's Region (same endpoint).
        endpoint_url = self._current[0] or None
    try:
        return _upstream_invoke(self, function_name, input, endpoint_url, **kwargs)
    except DurableFunctionsTestError as exc:
        # Upstream's message ends with the function's error payload (Lambda's JSON error
        # document, which names the request id); anything else failed before Lambda ran.
        message = str(exc)
        try:
            document = json.loads(message[message.find("{") :])
        except ValueError:
            raise exc from None
        if not isinstance(document, dict) or "requestId" not in document:
            raise
        _failed[input.durable_execution_arn] = _FailedInvocation(
            start_timestamp=started,
            end_timestamp=datetime.now(UTC),
            request_id=str(document["requestId"]),
            error=ErrorObject(
                message=document.get("errorMessage"),
                type=document.get("errorType"),
                data=None,
                stack_trace=None,
            ),
        )
        raise


_upstream_retry_after_error = Executor._retry_after_error


def _retry_after_error(self: Executor, execution_arn: str, error: ErrorObject) -> None:
    failed = _failed.pop(execution_arn, None)
    if failed is not None:
        execution = self._store.load(execution_arn)
        # A dying process's last checkpoints can land a moment after the invoker saw it die;
        # the invocation ended after everything it checkpointed, as the history must show.
        last = max(execution.update_timestamps, default=failed.end_timestamp)
        if last > failed.end_timestamp:
            failed = dataclasses.replace(failed, end_timestamp=last)
        execution.invocation_completions.append(failed)
        self._store.save(execution)
    _upstream_retry_after_error(self, execution_arn, error)


_upstream_history = Executor.get_execution_history
_upstream_get_execution = Executor.get_execution
# The execution upstream's history call loaded: reused, not loaded (and parsed) twice.
_loaded = threading.local()


def _get_execution(self: Executor, execution_arn: str) -> _execution.Execution:
    execution = _upstream_get_execution(self, execution_arn)
    if getattr(_loaded, "keep", False):
        _loaded.execution = execution
    return execution


def _history(self: Executor, execution_arn: str, *args: Any, **kwargs: Any) -> Any:
    """Upstream's history, with the details it leaves out and AWS records.

    * an ``InvocationCompleted`` of a failed invocation carries its error;
    * ``CallbackStarted`` carries the callback's ``Timeout``/``HeartbeatTimeout``;
    * ``StepSucceeded`` after retries carries ``RetryDetails.CurrentAttempt``.
    All three are in the store (the failed invocations, the START updates); upstream's
    event builders take only some of their fields.
    """
    _loaded.keep = True
    try:
        response = _upstream_history(self, execution_arn, *args, **kwargs)
    finally:
        _loaded.keep = False
    execution = _loaded.__dict__.pop("execution", None) or self.get_execution(execution_arn)
    errors = {
        c.request_id: c.error
        for c in execution.invocation_completions
        if isinstance(c, _FailedInvocation)
    }
    # operation id -> START updates: one per attempt
    starts = Counter(u.operation_id for u in execution.updates if u.action.value == "START")
    options = callback_options(execution)
    return dataclasses.replace(
        response,
        events=[_completed(e, errors, starts, options) for e in response.events],
    )


def callback_options(execution: _execution.Execution) -> dict[str, CallbackOptions]:
    """Each callback's options (timeouts), by operation id, from the START updates."""
    return {
        update.operation_id: update.callback_options
        for update in execution.updates
        if update.action.value == "START" and update.callback_options is not None
    }


def _completed(
    event: _model.Event,
    errors: dict[str, ErrorObject | None],
    starts: dict[str, int],
    callback_options: dict[str, CallbackOptions],
) -> _model.Event:
    invocation = event.invocation_completed_details
    if invocation is not None and invocation.request_id in errors:
        failed = _FailedInvocation(
            **dataclasses.asdict(invocation), error=errors[invocation.request_id]
        )
        return dataclasses.replace(event, invocation_completed_details=failed)
    callback = event.callback_started_details
    options = callback_options.get(event.operation_id or "")
    if callback is not None and options is not None:
        details = dataclasses.replace(
            callback,
            timeout=options.timeout_seconds or None,  # 0: no timeout, and none shown
            heartbeat_timeout=options.heartbeat_timeout_seconds or None,
        )
        return dataclasses.replace(event, callback_started_details=details)
    step = event.step_succeeded_details
    attempts = starts.get(event.operation_id or "", 0)
    if step is not None and step.retry_details is None and attempts > 1:
        retried = dataclasses.replace(
            step, retry_details=_model.RetryDetails(current_attempt=attempts)
        )
        return dataclasses.replace(event, step_succeeded_details=retried)
    return event


def apply(region: str) -> None:
    """Install every fix into the testing SDK (process-wide); ``region`` is the runner's default."""
    _REGION["name"] = region
    _model.Event.from_event_with_id = classmethod(_event_with_id)  # type: ignore[method-assign,assignment]
    _execution.Execution.new = staticmethod(_new_execution)  # type: ignore[method-assign]
    _model.StartDurableExecutionInput.from_dict = _start_from_dict  # type: ignore[method-assign,assignment]
    _execution.Execution.region = property(_execution_region, _set_execution_region)  # type: ignore[assignment]
    _execution.Execution.find_callback_operation = _find_open_callback  # type: ignore[method-assign]
    _model.InvocationCompletedDetails.from_json_dict = _completion_from_json  # type: ignore[method-assign,assignment]
    LambdaInvoker.invoke = _invoke  # type: ignore[method-assign,assignment]
    Executor._retry_after_error = _retry_after_error  # type: ignore[method-assign]
    Executor.get_execution_history = _history  # type: ignore[method-assign]
    Executor.get_execution = _get_execution  # type: ignore[method-assign]


class OneConnectionStore(SQLiteExecutionStore):
    """The runner's sqlite store on one long-lived connection instead of one per call.

    Upstream opens a connection (and sets its PRAGMAs) for every load and save, some 20 per
    execution on the path from Invoke or callback to SUCCEEDED: about 1 ms each when idle,
    several under load, and each new connection starts with a cold page cache. One
    connection behind a lock does the same statements; every ``with`` block still commits
    on exit (WAL, synchronous=NORMAL, as upstream), so what was acknowledged is on disk.
    """

    _lock: threading.RLock
    _conn: sqlite3.Connection | None

    @classmethod
    def adopt(cls, store: SQLiteExecutionStore) -> OneConnectionStore:
        # WebRunner.start builds its store itself; the instance the executor, checkpoint
        # processor and web handlers share changes class in place (no new state but these).
        store.__class__ = cls
        assert isinstance(store, cls)
        store._lock = threading.RLock()
        store._conn = None
        return store

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                self._conn = sqlite3.connect(self.db_path, timeout=30.0, check_same_thread=False)
                self._conn.execute("PRAGMA journal_mode=WAL;")
                self._conn.execute("PRAGMA synchronous=NORMAL;")
            with self._conn:
                yield self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
