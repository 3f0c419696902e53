"""Execution environments: one worker process per environment, kept warm per version."""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .bootstrap import read_frame, write_frame
from .function import FunctionVersion

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
# Workers per function version: calls beyond this wait their turn, as under a
# concurrency limit; two cores do not run more than a few handlers at once anyway.
MAX_WORKERS_PER_VERSION = 8


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
