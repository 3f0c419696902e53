"""Execution environments: one worker process per environment, kept warm per version."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .bootstrap import write_frame
from .function import FunctionVersion

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
# Workers per function version: calls beyond this wait their turn, as under a
# concurrency limit; two cores do not run more than a few handlers at once anyway.
MAX_WORKERS_PER_VERSION = 8
# Lambda's Init phase limit for on-demand functions ("Lambda execution environment
# lifecycle", Init phase): past it the init is retried at the invoke, within its timeout.
INIT_LIMIT = 10.0
# Marks every process a worker starts (its environment is inherited), so children that
# leave the worker's process group (setsid) are still found and killed with it.
MARKER_ENV = "LOCALCLOUD_WORKER_ID"
_POLL = 0.05  # how often a waiting call looks at the worker's memory
_HEADER = struct.Struct(">I")


class WorkerDied(Exception):
    pass


def exit_reason(status: int) -> str:
    """How Lambda words a runtime process's end (its REPORT and errorMessage): the exit
    status, or the signal as Go names it ("signal: killed", "signal: segmentation fault")."""
    if status < 0:
        try:
            name = signal.strsignal(-status) or f"signal {-status}"
        except ValueError:
            name = f"signal {-status}"
        return f"signal: {name.split(':', 1)[0].lower()}"
    return f"exit status {status}"


class InitTimedOut(TimeoutError):
    pass


class OutOfMemory(Exception):
    pass


class Worker:
    """One execution environment: a Python process with the function's code imported.

    Starting it runs the Init phase; on any failure the process (and its group) is
    killed before the exception leaves, so a failed init holds nothing.
    """

    def __init__(
        self,
        fn: FunctionVersion,
        code_dir: Path,
        env: dict[str, str],
        stderr_path: Path,
        init_limit: float = INIT_LIMIT,
    ) -> None:
        self.fn = fn
        self.log_stream = env["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.marker = uuid.uuid4().hex
        self.idle_since = 0.0
        self.init_retried = False  # set by the host when this is Init's second try
        self._peak_seen_kb = 0  # VmHWM as last read: a process that died has no /proc
        self._kill_lock = threading.Lock()
        self._closed = False
        req_r, req_w = os.pipe()
        self._replies, rep_w = os.pipe()
        started = time.perf_counter()
        with stderr_path.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(BOOTSTRAP), str(req_r), str(rep_w)],
                cwd=code_dir,
                env={**env, MARKER_ENV: self.marker},
                pass_fds=(req_r, rep_w),
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,  # its own process group: killed as one
            )
        os.close(req_r)
        os.close(rep_w)
        self._requests = os.fdopen(req_w, "wb")
        try:
            self.init_reply = self._receive(time.monotonic() + init_limit)
        except TimeoutError as exc:
            self.kill()
            raise InitTimedOut(f"init did not finish within {init_limit:g} seconds") from exc
        except BaseException:
            self.kill()
            raise
        # Init Duration as Lambda reports it: from starting the environment to ready.
        self.init_ms = (time.perf_counter() - started) * 1000
        self.cold = True

    def _read(self, size: int, deadline: float) -> bytes:
        """Exactly ``size`` bytes of the reply pipe, all before ``deadline``."""
        data = b""
        limit_kb = self.fn.memory_size * 1024
        while len(data) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._replies], [], [], min(left, _POLL))
            if not ready:
                if self.rss_kb() > limit_kb:
                    raise OutOfMemory
                self.peak_rss_kb()
                continue
            chunk = os.read(self._replies, size - len(data))
            if not chunk:
                raise WorkerDied(exit_reason(self.proc.wait()))
            data += chunk
        return data

    def _receive(self, deadline: float) -> dict[str, Any]:
        """One reply frame; the deadline bounds all of it, not only its first byte."""
        (size,) = _HEADER.unpack(self._read(_HEADER.size, deadline))
        try:
            reply: dict[str, Any] = json.loads(self._read(size, deadline))
        except ValueError as exc:
            raise WorkerDied(f"malformed reply: {exc}") from exc
        if not isinstance(reply, dict) or "type" not in reply:
            raise WorkerDied("malformed reply")
        return reply

    def call(self, invoke: dict[str, Any], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        self.peak_rss_kb()  # read while it lives
        try:
            write_frame(self._requests, invoke)
        except OSError as exc:  # BrokenPipeError: it is gone already
            raise WorkerDied(exit_reason(self.proc.wait())) from exc
        return self._receive(deadline)

    def terminate(self) -> None:
        """SIGKILL the process, its group, and whatever it started that left the group.

        Safe while another thread is in ``call``: that call then sees the pipe close
        (WorkerDied), and its ``kill`` reaps the process and closes the pipes.
        """
        with self._kill_lock:
            if self.proc.returncode is not None:  # reaped: its pid may be another's now
                return
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        kill_marked(self.marker)

    def kill(self) -> None:
        """terminate(), reap, close the pipes: only by the worker's current holder."""
        self.terminate()
        with self._kill_lock:  # reaped under the lock: terminate() never signals a reused pid
            self.proc.wait()
        kill_marked(self.marker)  # anything started in the instant before it died
        with self._kill_lock:
            if self._closed:
                return
            self._closed = True
        with contextlib.suppress(OSError):
            self._requests.close()
        with contextlib.suppress(OSError):
            os.close(self._replies)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def _status_kb(self, field: str) -> int:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(field):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def peak_rss_kb(self) -> int:
        """The process's peak resident memory so far (once it is gone: as last read, so
        that a crashed invocation's REPORT shows its memory, as Lambda's does)."""
        self._peak_seen_kb = max(self._peak_seen_kb, self._status_kb("VmHWM:"))
        return self._peak_seen_kb

    def rss_kb(self) -> int:
        return self._status_kb("VmRSS:")


def kill_marked(marker: str) -> None:
    """SIGKILL every process of ours whose environment carries this worker's marker."""
    needle = f"{MARKER_ENV}={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            with contextlib.suppress(OSError):
                os.kill(int(entry.name), signal.SIGKILL)


class WorkerPool:
    """Warm workers per function version; at most MAX_WORKERS_PER_VERSION busy at once.

    Idle workers older than ``idle_ttl`` seconds are stopped by a reaper thread: Lambda,
    too, shuts idle execution environments down, and each one here holds a process.
    """

    def __init__(self, spawn: Callable[[FunctionVersion], Worker], idle_ttl: float) -> None:
        self._spawn = spawn
        self._idle: dict[tuple[str, ...], list[Worker]] = {}
        self._busy: set[Worker] = set()
        self._slots: dict[tuple[str, ...], threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self._ttl = idle_ttl
        self._stopped = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="worker-reaper", daemon=True)
        self._reaper.start()

    def acquire(self, fn: FunctionVersion) -> Worker:
        with self._lock:
            slots = self._slots.setdefault(
                fn.key, threading.BoundedSemaphore(MAX_WORKERS_PER_VERSION)
            )
        slots.acquire()
        try:
            worker = self._warm(fn.key)
            if worker is None:
                worker = self._spawn(fn)
                with self._lock:
                    self._busy.add(worker)
            return worker
        except BaseException:
            slots.release()
            raise

    def _warm(self, key: tuple[str, ...]) -> Worker | None:
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                worker = idle.pop()
                if worker.alive:
                    worker.cold = False
                    self._busy.add(worker)
                    return worker
        return None

    def release(self, worker: Worker, keep: bool) -> None:
        with self._lock:
            self._busy.discard(worker)
            keep = keep and worker.alive and not self._stopped.is_set()
            if keep:
                worker.idle_since = time.monotonic()
                self._idle.setdefault(worker.fn.key, []).append(worker)
        if not keep:
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

    def kill_function(self, name: str, region: str) -> None:
        """DeleteFunction: its workers, busy ones too, and all they started, end now."""
        self.retire(name)
        with self._lock:
            busy = [w for w in self._busy if w.fn.name == name and w.fn.region == region]
        for worker in busy:
            worker.terminate()  # its call ends as WorkerDied; release() then frees the slot

    def stop(self) -> None:
        """Cloud stop: every worker, idle or busy, and everything they started."""
        self._stopped.set()
        self.retire()
        with self._lock:
            busy = list(self._busy)
        for worker in busy:
            worker.terminate()

    def _reap(self) -> None:
        while not self._stopped.wait(min(self._ttl / 2, 30.0)):
            now = time.monotonic()
            with self._lock:
                stale = [
                    w for v in self._idle.values() for w in v if now - w.idle_since > self._ttl
                ]
                for key in self._idle:
                    self._idle[key] = [w for w in self._idle[key] if w not in stale]
            for worker in stale:
                worker.kill()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.proc.pid for v in self._idle.values() for w in v]

    def busy_pids(self) -> list[int]:
        with self._lock:
            return [w.proc.pid for w in self._busy]
