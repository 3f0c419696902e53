"""The durable execution service: the testing SDK's own ``WebRunner``, with fixes.

Where what it does differs from AWS the kit patches it: ``patches/testing_sdk.py``.
"""

from __future__ import annotations

import functools
import socket
from datetime import UTC, datetime
from pathlib import Path

from aws_durable_execution_sdk_python.lambda_service import (
    CallbackOptions,
    ErrorObject,
    OperationStatus,
    OperationType,
)
from aws_durable_execution_sdk_python_testing import execution as _execution
from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
from aws_durable_execution_sdk_python_testing.stores.base import StoreType
from aws_durable_execution_sdk_python_testing.stores.sqlite import SQLiteExecutionStore
from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig

from .patches import callback_ids, testing_sdk


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DurableService:
    """The runner on a private loopback port, with its sqlite store in ``state_dir``."""

    def __init__(self, state_dir: Path, lambda_endpoint: str, region: str) -> None:
        testing_sdk.apply(region)
        callback_ids.install(state_dir)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        config = WebRunnerConfig(
            web_service=WebServiceConfig(host="127.0.0.1", port=self.port),
            lambda_endpoint=lambda_endpoint,
            local_runner_endpoint=self.endpoint,
            local_runner_region=region,
            store_type=StoreType.SQLITE,
            store_path=str(state_dir / "durable-executions.db"),
        )
        self._runner = WebRunner(config)
        self._runner.start()
        assert isinstance(self._runner._store, SQLiteExecutionStore)
        self._store = testing_sdk.OneConnectionStore.adopt(self._runner._store)

    def delete_execution(self, execution_arn: str) -> bool:
        """Remove a finished execution and its data from the store (DeleteDurableExecution);
        False if the store does not hold it. The caller checks that it is finished."""
        with self._store._connection() as conn:
            deleted = conn.execute(
                "DELETE FROM executions WHERE durable_execution_arn = ?", (execution_arn,)
            ).rowcount
        return bool(deleted)

    def recover(self) -> int:
        """Re-arm what a restart lost for executions still running in the store.

        The store keeps every execution, but timers live in memory: the execution timeout,
        open callbacks' timeouts, due waits and step retries are armed again; an execution
        whose invocation was cut off by the stop (nothing pending) is invoked again, as
        Lambda retries it.
        Returns how many executions were recovered.
        """
        executor = self._runner._executor
        store = self._runner._store
        assert executor is not None and store is not None
        recovered = 0
        for execution in store.list_all():
            if execution.is_complete:
                continue
            arn = execution.durable_execution_arn
            executor._completion_events[arn] = executor._scheduler.create_event()
            timeout = execution.start_input.execution_timeout_seconds
            started = execution.operations[0].start_timestamp if execution.operations else None
            if timeout > 0 and started is not None:
                left = timeout - (datetime.now(UTC) - started).total_seconds()
                error = ErrorObject.from_message(f"Execution timed out after {timeout} seconds.")
                executor._execution_timeouts[arn] = executor._scheduler.call_later(
                    functools.partial(executor.on_timed_out, arn, error),
                    delay=max(left, 0),
                    completion_event=executor._completion_events[arn],
                )
            self._rearm_callback_timeouts(execution)
            pending = any(
                op.status in (OperationStatus.STARTED, OperationStatus.PENDING)
                and op.operation_type != OperationType.EXECUTION
                for op in execution.operations
            )
            if pending:
                executor._schedule_earliest_pending(arn)
            else:
                executor._invoke_execution(arn)
            recovered += 1
        return recovered

    def _rearm_callback_timeouts(self, execution: _execution.Execution) -> None:
        """Arm each open callback's timeout for the time it has left.

        The callback's options are in the START update the store keeps; the time left runs
        from the callback's start, as on AWS. A heartbeat timeout starts afresh: the
        restart counts as a heartbeat, so no callback times out for the cloud's downtime.
        """
        executor = self._runner._executor
        assert executor is not None
        options = testing_sdk.callback_options(execution)
        now = datetime.now(UTC)
        for op in execution.operations:
            wanted = options.get(op.operation_id)
            if (
                op.operation_type != OperationType.CALLBACK
                or op.status != OperationStatus.STARTED
                or op.callback_details is None
                or wanted is None
            ):
                continue
            left: float = wanted.timeout_seconds
            if left > 0 and op.start_timestamp is not None:
                # Overdue: still > 0, since 0 means "no timeout" to the runner.
                left = max(left - (now - op.start_timestamp).total_seconds(), 0.001)
            executor._schedule_callback_timeouts(
                execution.durable_execution_arn,
                # Annotated int, but the runner only compares it with 0 and sleeps that long:
                # the fraction of a second left is kept.
                CallbackOptions(left, wanted.heartbeat_timeout_seconds),  # type: ignore[arg-type]
                op.callback_details.callback_id,
            )

    def serve_forever(self) -> None:
        self._runner.serve_forever()

    def stop(self) -> None:
        server = self._runner._server  # shutdown() is the only way to end serve_forever
        if server is not None:
            server.shutdown()
        self._runner.stop()
        self._store.close()
