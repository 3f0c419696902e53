"""`LambdaHost`: one invocation of a handler, run and reported as Lambda runs and reports it."""

from __future__ import annotations

import json
import logging
import math
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .code import CodeStore, lambda_environment
from .function import FunctionVersion, InvokeResult
from .logs import Invocation, LogShipper, iso_time, log_stream_name, now_ms, platform_records
from .workers import INIT_LIMIT, InitTimedOut, OutOfMemory, Worker, WorkerDied, WorkerPool

log = logging.getLogger(__name__)
# Idle execution environments are stopped after this many seconds (Lambda reclaims idle
# ones after some minutes; here each holds a Python process of ~20-40 MB on a laptop).
IDLE_TTL = float(os.environ.get("LOCALCLOUD_IDLE_TTL", "300"))
# Event invokes run on this many threads; more wait in the queue, as in Lambda's own
# asynchronous queue, instead of one thread each.
EVENT_THREADS = 8


class LambdaHost:
    """Runs handlers for the Invoke API."""

    def __init__(
        self,
        state_dir: Path,
        endpoint: str,
        resolve: Callable[..., FunctionVersion],
        logs_for: Callable[[str], Any],
        log_delay: Callable[[], float] | None = None,
        *,
        idle_ttl: float = IDLE_TTL,
        init_limit: float = INIT_LIMIT,
    ) -> None:
        self._endpoint = endpoint
        self._init_limit = init_limit
        self._resolve = resolve
        self._code = CodeStore(state_dir / "code")
        self._worker_logs = state_dir / "workers"
        self._worker_logs.mkdir(parents=True, exist_ok=True)
        self.pool = WorkerPool(self._spawn, idle_ttl)
        self.logs = LogShipper(logs_for, log_delay)
        self._events = ThreadPoolExecutor(EVENT_THREADS, thread_name_prefix="event-invoke")

    def stop(self) -> None:
        self._events.shutdown(wait=False, cancel_futures=True)
        self.pool.stop()
        self.logs.stop()

    def submit_event(
        self, fn: FunctionVersion, invoked_arn: str, payload: bytes, tenant: str | None, rid: str
    ) -> None:
        """An Event invoke: queued, run by the bounded pool of event threads."""
        self._events.submit(self.run, fn, invoked_arn, payload, tenant, rid)

    def function_deleted(self, name: str, region: str) -> None:
        """DeleteFunction: its workers and what they started end, its unused code goes."""
        self.pool.kill_function(name, region)
        self._code.forget(region, name)

    def _spawn(self, fn: FunctionVersion) -> Worker:
        code_dir = self._code.unpacked(fn)
        env = lambda_environment(fn, code_dir, log_stream_name(fn.version), self._endpoint)
        stderr = self._worker_logs / f"{fn.name}.log"
        try:
            return Worker(fn, code_dir, env, stderr, self._init_limit)
        except InitTimedOut as exc:
            # Lambda retries a timed-out Init at the invoke, within the function's timeout.
            log.info("%s: %s; retrying within the invoke's timeout", fn.name, exc)
            worker = Worker(fn, code_dir, env, stderr, fn.timeout)
            worker.init_retried = True
            return worker

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
        except InitTimedOut:  # the retry within the invoke's timeout failed too
            inv.status = "timeout"
            lines = [  # as Lambda reports both tries
                f"INIT_REPORT Init Duration: {limit * 1000:.2f} ms\tPhase: {phase}\tStatus: timeout"
                for limit, phase in ((self._init_limit, "init"), (fn.timeout, "invoke"))
            ]
            return self._timed_out(inv, headers, "", lines)
        except (TimeoutError, WorkerDied, OutOfMemory, OSError, ValueError) as exc:
            reason = str(exc) or type(exc).__name__
            return self._failed_init(inv, headers, f"Runtime failed to start: {reason}")
        # Every path releases the slot; a worker is kept only after a clean answer.
        keep = False
        try:
            result, keep = self._run_on(
                worker, inv, headers, started, invoked_arn, payload, tenant_id
            )
            return result
        except Exception:  # anything unforeseen: the caller still gets Lambda's shape
            log.exception("invocation %s failed in the host", request_id)
            error = {"errorType": "Runtime.Unknown", "errorMessage": "Internal error"}
            return self._error_result(headers, error, request_id)
        finally:
            self.pool.release(worker, keep=keep)

    def _run_on(
        self,
        worker: Worker,
        inv: Invocation,
        headers: dict[str, str],
        started: float,
        invoked_arn: str,
        payload: bytes,
        tenant_id: str | None,
    ) -> tuple[InvokeResult, bool]:
        """The invocation on an acquired worker; also whether the worker stays warm."""
        fn, request_id = inv.fn, inv.request_id
        init_logs = ""
        timeout = float(fn.timeout)
        if worker.cold:
            inv.init_ms = worker.init_ms
            init_logs = worker.init_reply.get("logs", "")
            if worker.init_retried:  # the retried Init ran inside this invoke's time
                timeout = max(timeout - worker.init_ms / 1000, 0.001)
            if worker.init_reply["type"] == "init_error":
                error = worker.init_reply["error"]
                inv.status = "error"
                inv.duration_ms = (time.perf_counter() - started) * 1000 - (inv.init_ms or 0)
                inv.duration_ms = max(inv.duration_ms, 0.0)
                self._ship(inv, init_logs, [json.dumps(error)])
                return self._error_result(headers, error, request_id), False
        invoke = {
            "request_id": request_id,
            "payload": payload.decode() if payload else "",
            "invoked_function_arn": invoked_arn,
            "deadline_epoch_ms": inv.started_ms + fn.timeout * 1000,
            "tenant_id": tenant_id,
        }
        call_started = time.perf_counter()
        try:
            reply = worker.call(invoke, timeout=timeout)
        except TimeoutError:
            reply = {"type": "timeout"}
        except OutOfMemory:
            # Lambda kills an environment over its MemorySize: Runtime.OutOfMemory.
            reply = self._exit_error(request_id, "Runtime.OutOfMemory", "signal: killed")
        except WorkerDied as exc:
            reply = self._exit_error(request_id, "Runtime.ExitError", str(exc))
        inv.duration_ms = (time.perf_counter() - call_started) * 1000
        # A timed-out worker never answered: read its peak from /proc before it is killed,
        # so the REPORT shows its memory as Lambda's does, not 0 MB.
        peak_kb = reply.get("max_rss_kb") or worker.peak_rss_kb()
        inv.max_memory_mb = math.ceil(peak_kb / 1024)
        if reply.get("error", {}).get("errorType") == "Runtime.OutOfMemory":
            # As Lambda reports it: all of its memory used, and why it ended.
            inv.max_memory_mb, inv.error_type = fn.memory_size, "Runtime.OutOfMemory"
        lines = reply.get("logs", "").splitlines()
        if reply["type"] == "result":
            self._ship(inv, init_logs, lines, worker.log_stream)
            return InvokeResult(200, reply["payload"].encode(), headers), True
        if reply["type"] == "timeout":
            inv.status = "timeout"
            return self._timed_out(inv, headers, init_logs, lines, worker.log_stream), False
        inv.status = "error"
        exited = bool(reply.get("exited"))
        if exited:  # as Lambda logs a dead runtime, and names it in the REPORT
            lines += [reply["error"]["errorMessage"], reply["error"]["errorType"]]
            inv.error_type = reply["error"]["errorType"]
        self._ship(inv, init_logs, lines, worker.log_stream)
        return self._error_result(headers, reply["error"], request_id), not exited

    @staticmethod
    def _exit_error(request_id: str, error_type: str, reason: str) -> dict[str, Any]:
        # Lambda: a runtime that exits with status 0 gave no reason; any other, its status.
        if reason == "exit status 0":
            message = f"RequestId: {request_id} Error: Runtime exited without providing a reason"
        else:
            message = f"RequestId: {request_id} Error: Runtime exited with error: {reason}"
        return {
            "type": "error",
            "exited": True,
            "error": {"errorType": error_type, "errorMessage": message},
        }

    def _timed_out(
        self,
        inv: Invocation,
        headers: dict[str, str],
        init_logs: str,
        lines: list[str],
        stream: str | None = None,
    ) -> InvokeResult:
        timeout = inv.fn.timeout
        message = f"Task timed out after {timeout:.2f} seconds"
        lines = [*lines, f"{iso_time(now_ms())} {inv.request_id} {message}"]
        self._ship(inv, init_logs, lines, stream)
        error = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {inv.request_id} Error: {message}",
        }
        return self._error_result(headers, error, inv.request_id)

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
