"""The Lambda host: runs deployed zips the way Lambda does, where the workshop can see it.

moto keeps the control plane (functions, versions, aliases, code) but cannot run code
without Docker, so Invoke comes here. Each function version gets warm worker processes
(execution environments) running ``bootstrap.py``; every invocation writes START, END
and REPORT records to CloudWatch Logs with Lambda's billing rule.

A caller's Invoke of a durable function starts a durable execution in the runner; the
runner's own handler calls carry ``X-Dex-Handler-Invoke: true`` and run the handler.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import itertools
import json
import logging
import math
import os
import select
import shutil
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .bootstrap import read_frame, write_frame
from .errors import AwsError

log = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
MARKER_HEADER = "X-Dex-Handler-Invoke"
MAX_PAYLOAD = 6 * 1024 * 1024  # synchronous invocation payload limit
MAX_ASYNC_PAYLOAD = 1024 * 1024  # Event invocation payload limit
# Workers per function version: calls beyond this wait their turn, as under a
# concurrency limit; two cores do not run more than a few handlers at once anyway.
MAX_WORKERS_PER_VERSION = 8


@dataclass(frozen=True)
class FunctionVersion:
    """What an invocation needs to know about one resolved function version."""

    name: str
    arn: str  # unqualified
    version: str  # "$LATEST" or a number
    handler: str
    runtime: str
    timeout: int
    memory_size: int
    environment: dict[str, str]
    code_sha: str
    region: str
    account: str
    durable: dict[str, Any] | None
    log_format: str
    log_group: str
    code: bytes = field(repr=False, compare=False)

    @property
    def key(self) -> tuple[str, ...]:
        # A worker bakes in its handler, environment and limits at start, so they are part
        # of the key: after UpdateFunctionConfiguration no older warm worker serves $LATEST
        # (on Lambda, too, an update means new execution environments).
        config = json.dumps(
            [
                self.handler,
                self.runtime,
                self.timeout,
                self.memory_size,
                sorted(self.environment.items()),
                self.log_format,
                self.log_group,
            ]
        )
        return (self.region, self.name, self.version, self.code_sha, config)


@dataclass
class InvokeResult:
    status: int
    payload: bytes
    headers: dict[str, str]


class WorkerDied(Exception):
    pass


class Worker:
    """One execution environment: a Python process with the function's code imported."""

    def __init__(
        self, fn: FunctionVersion, code_dir: Path, env: dict[str, str], stderr_path: Path
    ) -> None:
        self.fn = fn
        self.log_stream = env["AWS_LAMBDA_LOG_STREAM_NAME"]
        req_r, self._req_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        started = time.perf_counter()
        with stderr_path.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(BOOTSTRAP), str(req_r), str(rep_w)],
                cwd=code_dir,
                env=env,
                pass_fds=(req_r, rep_w),
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
            )
        os.close(req_r)
        os.close(rep_w)
        self._requests = os.fdopen(self._req_w, "wb")
        self._replies = os.fdopen(self._rep_r, "rb")
        self.init_reply = self._receive(timeout=max(fn.timeout, 10))
        # Init Duration as Lambda reports it: from starting the environment to ready.
        self.init_ms = (time.perf_counter() - started) * 1000
        self.cold = True

    def _receive(self, timeout: float) -> dict[str, Any]:
        ready, _, _ = select.select([self._replies], [], [], timeout)
        if not ready:
            raise TimeoutError
        reply = read_frame(self._replies)
        if reply is None:
            raise WorkerDied(f"exit status {self.proc.wait()}")
        return reply

    def call(self, invoke: dict[str, Any], timeout: float) -> dict[str, Any]:
        try:
            write_frame(self._requests, invoke)
        except BrokenPipeError as exc:
            raise WorkerDied(f"exit status {self.proc.wait()}") from exc
        return self._receive(timeout)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait()
        for stream in (self._requests, self._replies):
            with contextlib.suppress(OSError):
                stream.close()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def peak_rss_kb(self) -> int:
        """The process's peak resident memory so far (0 once it is gone)."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0


class WorkerPool:
    """Warm workers per function version; at most MAX_WORKERS_PER_VERSION busy at once."""

    def __init__(self, spawn: Callable[[FunctionVersion], Worker]) -> None:
        self._spawn = spawn
        self._idle: dict[tuple[str, ...], list[Worker]] = {}
        self._slots: dict[tuple[str, ...], threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def acquire(self, fn: FunctionVersion) -> Worker:
        with self._lock:
            slots = self._slots.setdefault(
                fn.key, threading.BoundedSemaphore(MAX_WORKERS_PER_VERSION)
            )
        slots.acquire()
        with self._lock:
            idle = self._idle.get(fn.key, [])
            while idle:
                worker = idle.pop()
                if worker.alive:
                    worker.cold = False
                    return worker
        try:
            return self._spawn(fn)
        except BaseException:
            slots.release()
            raise

    def release(self, worker: Worker, keep: bool) -> None:
        if keep and worker.alive:
            with self._lock:
                self._idle.setdefault(worker.fn.key, []).append(worker)
        else:
            worker.kill()
        self._slots[worker.fn.key].release()

    def retire(self, name: str | None = None, version: str | None = None) -> None:
        """Stop idle workers (of one function, or one of its versions, or all), as Lambda
        does after an update: an update changes $LATEST only, published versions keep
        theirs warm."""
        with self._lock:
            keys = [
                k
                for k in self._idle
                if (name is None or k[1] == name) and (version is None or k[2] == version)
            ]
            workers = [w for k in keys for w in self._idle.pop(k)]
        for worker in workers:
            worker.kill()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.proc.pid for v in self._idle.values() for w in v]


class LogShipper:
    """Delivers log records to CloudWatch Logs in the background, as Lambda does: late.

    ``delay()`` gives each batch its lag (the realism profile's): a batch becomes visible
    only once it is due, batches of one stream stay in order, and batches of different
    streams (execution environments) overtake each other, as on AWS. Records go to the
    function's own Region (``logs_for(region)`` is that Region's client). The group and
    stream are created when the invocation writes, as Lambda does; a batch still on its
    way when its group is deleted is lost, not written into a group created anew.
    """

    def __init__(
        self, logs_for: Callable[[str], Any], delay: Callable[[], float] | None = None
    ) -> None:
        self._logs_for = logs_for
        self._delay = delay or (lambda: 0.0)
        self._due: list[tuple[float, int, str, str, str, list[tuple[int, str]]]] = []
        self._last_due: dict[tuple[str, str, str], float] = {}
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._unfinished = 0
        self._draining = False  # stop(): deliver whatever is left now
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
        self._thread.start()

    def put(self, region: str, group: str, stream: str, lines: list[tuple[int, str]]) -> None:
        """Create the group and stream now (the invocation writes), deliver the lines later."""
        client = self._logs_for(region)
        exists = client.exceptions.ResourceAlreadyExistsException
        with contextlib.suppress(exists):
            client.create_log_group(logGroupName=group)
        with contextlib.suppress(exists):
            client.create_log_stream(logGroupName=group, logStreamName=stream)
        with self._cond:
            now = time.monotonic()
            key = (region, group, stream)
            due = max(now + self._delay(), self._last_due.get(key, 0.0))
            self._last_due[key] = due
            heapq.heappush(self._due, (due, next(self._seq), region, group, stream, lines))
            self._unfinished += 1
            self._cond.notify_all()

    def flush(self, timeout: float = 10) -> None:
        """Wait until every batch put so far is delivered (each after its lag)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._unfinished and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)

    def stop(self) -> None:
        with self._cond:
            self._draining = True
            self._cond.notify_all()
        self.flush()
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def _next(self) -> tuple[str, str, str, list[tuple[int, str]]] | None:
        with self._cond:
            while True:
                now = time.monotonic()
                if self._due and (self._draining or self._due[0][0] <= now):
                    _, _, region, group, stream, lines = heapq.heappop(self._due)
                    return region, group, stream, lines
                if self._stopped and not self._due:
                    return None
                self._cond.wait(self._due[0][0] - now if self._due else None)

    def _run(self) -> None:
        while (item := self._next()) is not None:
            try:
                self._deliver(*item)
            except Exception:
                log.exception("log delivery failed")
            finally:
                with self._cond:
                    self._unfinished -= 1
                    self._cond.notify_all()

    def _deliver(self, region: str, group: str, stream: str, lines: list[tuple[int, str]]) -> None:
        # PutLogEvents rejects an empty message, and with it the whole batch: the blank
        # lines of a chained traceback (or a bare print()) would lose the invocation's
        # START/END/REPORT records too. They carry nothing, so they are dropped.
        events = [{"timestamp": ts, "message": msg} for ts, msg in lines if msg]
        if not events:
            return
        client = self._logs_for(region)
        try:
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        except client.exceptions.ResourceNotFoundException:
            log.info("log group %s was deleted before its records arrived: dropped", group)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _log_stream(version: str) -> str:
    """A new execution environment's log stream name, as Lambda names it."""
    return f"{datetime.now(UTC).strftime('%Y/%m/%d')}/[{version}]{uuid.uuid4().hex}"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class _Invocation:
    """The facts one invocation reports in its REPORT record."""

    request_id: str
    fn: FunctionVersion
    started_ms: int
    duration_ms: float = 0.0
    init_ms: float | None = None
    max_memory_mb: int = 0
    status: str = "success"  # success | error | timeout

    @property
    def billed_ms(self) -> int:
        # Lambda bills the init phase of managed runtimes too, ceiling to 1 ms.
        return math.ceil(self.duration_ms + (self.init_ms or 0))


def platform_records(inv: _Invocation, init_logs: str, stream_lines: list[str]) -> list[str]:
    """START / function output / END / REPORT lines, in the function's log format."""
    fn, rid = inv.fn, inv.request_id
    metrics: dict[str, Any] = {
        "durationMs": round(inv.duration_ms, 2),
        "billedDurationMs": inv.billed_ms,
        "memorySizeMB": fn.memory_size,
        "maxMemoryUsedMB": inv.max_memory_mb,
    }
    if inv.init_ms is not None:
        metrics["initDurationMs"] = round(inv.init_ms, 2)
    if fn.log_format == "JSON":

        def platform(kind: str, record: dict[str, Any]) -> str:
            return json.dumps({"time": _iso(_now_ms()), "type": kind, "record": record})

        out = []
        if inv.init_ms is not None:
            out.append(
                platform(
                    "platform.initStart",
                    {
                        "initializationType": "on-demand",
                        "phase": "init",
                        "runtimeVersion": "python:3.13.localcloud",
                        "functionName": fn.name,
                        "functionVersion": fn.version,
                    },
                )
            )
            out.extend(init_logs.splitlines())
        out.append(platform("platform.start", {"requestId": rid, "version": fn.version}))
        out.extend(stream_lines)
        out.append(
            platform(
                "platform.runtimeDone",
                {
                    "requestId": rid,
                    "status": inv.status,
                    "metrics": {"durationMs": round(inv.duration_ms, 2)},
                },
            )
        )
        out.append(
            platform(
                "platform.report", {"requestId": rid, "metrics": metrics, "status": inv.status}
            )
        )
        return out
    out = []
    if inv.init_ms is not None:
        out.append(
            "INIT_START Runtime Version: python:3.13.localcloud\t"
            "Runtime Version ARN: arn:aws:lambda:::runtime:localcloud"
        )
        out.extend(init_logs.splitlines())
    out.append(f"START RequestId: {rid} Version: {fn.version}")
    out.extend(stream_lines)
    out.append(f"END RequestId: {rid}")
    report = (
        f"REPORT RequestId: {rid}\tDuration: {metrics['durationMs']:.2f} ms\t"
        f"Billed Duration: {inv.billed_ms} ms\tMemory Size: {fn.memory_size} MB\t"
        f"Max Memory Used: {inv.max_memory_mb} MB\t"
    )
    if inv.init_ms is not None:
        report += f"Init Duration: {inv.init_ms:.2f} ms\t"
    if inv.status != "success":
        report += f"Status: {inv.status}\t"
    out.append(report)
    return out


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
        self._code_root = state_dir / "code"
        self._worker_logs = state_dir / "workers"
        self._worker_logs.mkdir(parents=True, exist_ok=True)
        self.pool = WorkerPool(self._spawn)
        self.logs = LogShipper(logs_for, log_delay)
        self._unpack_lock = threading.Lock()

    def stop(self) -> None:
        self.pool.retire()
        self.logs.stop()

    # -- execution environments -------------------------------------------------------
    def _code_dir(self, fn: FunctionVersion) -> Path:
        target = self._code_root / fn.code_sha.replace("/", "_").replace("+", "-")
        with self._unpack_lock:
            if not target.exists():
                partial = target.with_suffix(".partial")
                shutil.rmtree(partial, ignore_errors=True)
                try:
                    with zipfile.ZipFile(io.BytesIO(fn.code)) as archive:
                        archive.extractall(partial)
                except zipfile.BadZipFile as exc:
                    raise AwsError(
                        400,
                        "InvalidZipFileException",
                        f"Could not unzip uploaded file of {fn.name}.",
                    ) from exc
                partial.rename(target)
        return target

    def _environment(self, fn: FunctionVersion, code_dir: Path, stream: str) -> dict[str, str]:
        env = dict(fn.environment)
        env.update(
            {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "AWS_REGION": fn.region,
                "AWS_DEFAULT_REGION": fn.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": fn.name,
                "AWS_LAMBDA_FUNCTION_VERSION": fn.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
                "AWS_LAMBDA_LOG_GROUP_NAME": fn.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": stream,
                "AWS_LAMBDA_LOG_FORMAT": fn.log_format,
                "LAMBDA_TASK_ROOT": str(code_dir),
                "_HANDLER": fn.handler,
                # The function's own AWS calls (checkpoints included) reach the local cloud.
                "AWS_ENDPOINT_URL": self._endpoint,
                "AWS_ACCESS_KEY_ID": "localcloud",
                "AWS_SECRET_ACCESS_KEY": "localcloud",
                "AWS_SESSION_TOKEN": "localcloud",
            }
        )
        return env

    def _spawn(self, fn: FunctionVersion) -> Worker:
        code_dir = self._code_dir(fn)
        env = self._environment(fn, code_dir, _log_stream(fn.version))
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
        inv = _Invocation(request_id, fn, _now_ms())
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
                f"{_iso(_now_ms())} {request_id} Task timed out after {fn.timeout:.2f} seconds"
            )
        elif reply["error"]["errorType"] == "Runtime.ExitError":  # as Lambda logs a dead runtime
            lines += [reply["error"]["errorMessage"], "Runtime.ExitError"]
        self._ship(inv, init_logs, lines, worker.log_stream)
        return self._error_result(headers, reply["error"], request_id)

    def _failed_init(self, inv: _Invocation, headers: dict[str, str], message: str) -> InvokeResult:
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
        self, inv: _Invocation, init_logs: str, lines: list[str], stream: str | None = None
    ) -> None:
        ts = _now_ms()
        records = [(ts, line) for line in platform_records(inv, init_logs, lines)]
        self.logs.put(
            inv.fn.region, inv.fn.log_group, stream or _log_stream(inv.fn.version), records
        )
