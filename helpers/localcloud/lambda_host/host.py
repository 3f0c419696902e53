"""`LambdaHost`: one invocation of a handler, run and reported as Lambda runs and reports it."""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .code import CodeStore, lambda_environment
from .function import FunctionVersion, InvokeResult
from .logs import Invocation, LogShipper, iso_time, log_stream_name, now_ms, platform_records
from .workers import Worker, WorkerDied, WorkerPool


class LambdaHost:
    """Runs handlers for the Invoke API."""

    def __init__(
        self,
        state_dir: Path,
        endpoint: str,
        resolve: Callable[..., FunctionVersion],
        logs_for: Callable[[str], Any],
        log_delay: Callable[[], float] | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._resolve = resolve
        self._code = CodeStore(state_dir / "code")
        self._worker_logs = state_dir / "workers"
        self._worker_logs.mkdir(parents=True, exist_ok=True)
        self.pool = WorkerPool(self._spawn)
        self.logs = LogShipper(logs_for, log_delay)

    def stop(self) -> None:
        self.pool.retire()
        self.logs.stop()

    def _spawn(self, fn: FunctionVersion) -> Worker:
        code_dir = self._code.unpacked(fn)
        env = lambda_environment(fn, code_dir, log_stream_name(fn.version), self._endpoint)
        return Worker(fn, code_dir, env, self._worker_logs / f"{fn.name}.log")

    # -- invocations ---------------------------------------------------------------------
    def run(
        self,
        fn: FunctionVersion,
        invoked_arn: str,
        payload: bytes,
        tenant_id: str | None = None,
        request_id: str | None = None,
    ) -> InvokeResult:
        """One synchronous invocation of the handler, reported as Lambda reports it.

        ``request_id``: the id an Event invoke already answered with (the one its REPORT
        and the handler's context must carry, as on AWS); a fresh one otherwise.
        """
        request_id = request_id or str(uuid.uuid4())
        inv = Invocation(request_id, fn, now_ms())
        headers = {"X-Amzn-RequestId": request_id, "X-Amz-Executed-Version": fn.version}
        started = time.perf_counter()
        try:
            worker = self.pool.acquire(fn)
        except (TimeoutError, WorkerDied) as exc:
            return self._failed_init(inv, headers, f"Runtime failed to start: {exc}")
        init_logs = ""
        if worker.cold:
            inv.init_ms = worker.init_ms
            init_logs = worker.init_reply.get("logs", "")
            if worker.init_reply["type"] == "init_error":
                self.pool.release(worker, keep=False)
                error = worker.init_reply["error"]
                inv.status = "error"
                inv.duration_ms = (time.perf_counter() - started) * 1000 - (inv.init_ms or 0)
                inv.duration_ms = max(inv.duration_ms, 0.0)
                self._ship(inv, init_logs, [json.dumps(error)])
                return self._error_result(headers, error, request_id)
        invoke = {
            "request_id": request_id,
            "payload": payload.decode() if payload else "",
            "invoked_function_arn": invoked_arn,
            "deadline_epoch_ms": inv.started_ms + fn.timeout * 1000,
            "tenant_id": tenant_id,
        }
        call_started = time.perf_counter()
        keep = True
        try:
            reply = worker.call(invoke, timeout=fn.timeout)
        except TimeoutError:
            keep = False
            reply = {
                "type": "timeout",
                "error": {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                    f"{fn.timeout:.2f} seconds",
                },
            }
        except WorkerDied as exc:
            keep = False
            reply = {
                "type": "error",
                "error": {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": (
                        f"RequestId: {request_id} Error: Runtime exited with error: {exc}"
                    ),
                },
            }
        inv.duration_ms = (time.perf_counter() - call_started) * 1000
        # A timed-out worker never answered: read its peak from /proc before it is killed,
        # so the REPORT shows its memory as Lambda's does, not 0 MB.
        peak_kb = reply.get("max_rss_kb") or worker.peak_rss_kb()
        inv.max_memory_mb = math.ceil(peak_kb / 1024)
        self.pool.release(worker, keep=keep)
        lines = reply.get("logs", "").splitlines()
        if reply["type"] == "result":
            self._ship(inv, init_logs, lines, worker.log_stream)
            return InvokeResult(200, reply["payload"].encode(), headers)
        inv.status = "timeout" if reply["type"] == "timeout" else "error"
        if reply["type"] == "timeout":
            lines.append(
                f"{iso_time(now_ms())} {request_id} Task timed out after {fn.timeout:.2f} seconds"
            )
        elif reply["error"]["errorType"] == "Runtime.ExitError":  # as Lambda logs a dead runtime
            lines += [reply["error"]["errorMessage"], "Runtime.ExitError"]
        self._ship(inv, init_logs, lines, worker.log_stream)
        return self._error_result(headers, reply["error"], request_id)

    def _failed_init(self, inv: Invocation, headers: dict[str, str], message: str) -> InvokeResult:
        error = {"errorType": "Runtime.Unknown", "errorMessage": message}
        inv.status = "error"
        self._ship(inv, "", [message])
        return self._error_result(headers, error, inv.request_id)

    @staticmethod
    def _error_result(
        headers: dict[str, str], error: dict[str, Any], request_id: str
    ) -> InvokeResult:
        body = {
            "errorMessage": error.get("errorMessage", ""),
            "errorType": error.get("errorType", "Error"),
            "requestId": request_id,
            "stackTrace": error.get("stackTrace", []),
        }
        return InvokeResult(
            200, json.dumps(body).encode(), {**headers, "X-Amz-Function-Error": "Unhandled"}
        )

    def _ship(
        self, inv: Invocation, init_logs: str, lines: list[str], stream: str | None = None
    ) -> None:
        ts = now_ms()
        records = [(ts, line) for line in platform_records(inv, init_logs, lines)]
        self.logs.put(
            inv.fn.region, inv.fn.log_group, stream or log_stream_name(inv.fn.version), records
        )
