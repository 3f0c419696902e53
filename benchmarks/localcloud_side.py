"""The local cloud side: the CLI as a subprocess, driven over boto3 like a notebook does."""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import signal
import socket
import subprocess
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

from helpers.deploy import trust_policy
from helpers.localcloud.background import command

from .common import (
    ANSWER,
    EXECUTION_TIMEOUT_S,
    POLL_S,
    Progress,
    Results,
    Sizes,
    callback_ready,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
HANDLERS_SOURCE = Path(__file__).with_name("handlers.py")
READY_TIMEOUT_S = 60
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "localcloud", "aws_secret_access_key": "localcloud"}

KIT_ZIP_BYTES = 17_700_000  # what helpers/deploy/bundle.py builds: SDK and boto3 beside lambda_fn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it (the Lambda host's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after it.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


class CloudProcess:
    """``python -m helpers.localcloud`` in a subprocess, as ``make localcloud`` runs it.

    Realism ``off`` unless asked: the figures measure the emulator, not AWS's delays
    (``realism_side`` measures what the ``fast`` profile adds)."""

    def __init__(self, state_dir: Path, realism: str = "off") -> None:
        self.state_dir = state_dir
        self.realism = realism
        self.endpoint = ""
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start it; the seconds from spawning the process to its ``ready`` line."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        log = (self.state_dir / "cli.log").open("ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            command(port, self.state_dir, self.realism),
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        assert self.proc.stdout is not None
        deadline = started + READY_TIMEOUT_S
        while True:
            left = deadline - time.perf_counter()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if not ready:
                self.stop()
                raise TimeoutError(f"local cloud not ready after {READY_TIMEOUT_S} s")
            line = self.proc.stdout.readline().decode().strip()
            if line.startswith("ready "):
                elapsed = time.perf_counter() - started
                self.endpoint = line.split(None, 1)[1]
                return elapsed
            if not line and self.proc.poll() is not None:
                raise RuntimeError(
                    f"local cloud exited ({self.proc.returncode}); see {self.state_dir / 'cli.log'}"
                )

    def memory_mb(self) -> float:
        """Resident memory of the local cloud and all its worker processes, in MB."""
        assert self.proc is not None
        return sum(_rss_kb(pid) for pid in _descendants(self.proc.pid)) / 1024

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None


def handlers_zip(padding: int = 0) -> bytes:
    """The handlers; ``padding`` bytes of incompressible data make it as big as the kit's."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("bench_handlers.py", HANDLERS_SOURCE.read_text())
        if padding:
            archive.writestr("padding.bin", os.urandom(padding), zipfile.ZIP_STORED)
    return buf.getvalue()


class Driver:
    """The client side: deploys the handlers and times invocations and callbacks."""

    def __init__(self, endpoint: str, threads: int) -> None:
        config = Config(retries={"max_attempts": 2}, max_pool_connections=threads + 4)
        self.lam = boto3.client(
            "lambda", endpoint_url=endpoint, region_name=REGION, config=config, **CREDENTIALS
        )
        self.iam = boto3.client(
            "iam", endpoint_url=endpoint, region_name=REGION, config=config, **CREDENTIALS
        )
        self._zip = handlers_zip()
        self._role = ""

    def deploy(self, name: str, handler: str, code: bytes | None = None) -> str:
        """A durable function running ``bench_handlers.<handler>``; its published version."""
        if not self._role:
            self._role = self.iam.create_role(
                RoleName="bench-durable",
                AssumeRolePolicyDocument=json.dumps(trust_policy()),
            )["Role"]["Arn"]
        self.lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=self._role,
            Handler=f"bench_handlers.{handler}",
            Code={"ZipFile": code or self._zip},
            Timeout=30,
            DurableConfig={"ExecutionTimeout": 600, "RetentionPeriodInDays": 1},
        )
        return str(self.lam.publish_version(FunctionName=name)["Version"])

    def start(self, name: str, version: str, n: int) -> str:
        reply = self.lam.invoke(
            FunctionName=name,
            Qualifier=version,
            InvocationType="Event",
            Payload=json.dumps({"n": n}).encode(),
        )
        return str(reply["DurableExecutionArn"])

    def status(self, arn: str) -> str:
        return str(self.lam.get_durable_execution(DurableExecutionArn=arn)["Status"])

    def wait_done(self, arn: str) -> str:
        """Poll every POLL_S until the execution leaves RUNNING; its final status."""
        deadline = time.monotonic() + EXECUTION_TIMEOUT_S
        while (status := self.status(arn)) == "RUNNING":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{arn} still RUNNING after {EXECUTION_TIMEOUT_S} s")
            time.sleep(POLL_S)
        return status

    def callback_id(self, arn: str) -> str | None:
        events = self.lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        return callback_ready(events)

    def wait_callback(self, arn: str) -> str:
        deadline = time.monotonic() + EXECUTION_TIMEOUT_S
        while (callback := self.callback_id(arn)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{arn} never waited on its callback")
            time.sleep(POLL_S)
        return callback

    def answer(self, callback_id: str) -> None:
        self.lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=ANSWER)


def _invoke_latency(driver: Driver, name: str, version: str, n: int) -> float:
    started = time.perf_counter()
    arn = driver.start(name, version, n)
    status = driver.wait_done(arn)
    elapsed = time.perf_counter() - started
    if status != "SUCCEEDED":
        raise RuntimeError(f"{name}:{version} ended {status}")
    return elapsed


def _callback_latency(driver: Driver, name: str, version: str, n: int) -> float:
    arn = driver.start(name, version, n)
    callback = driver.wait_callback(arn)
    started = time.perf_counter()
    driver.answer(callback)
    status = driver.wait_done(arn)
    elapsed = time.perf_counter() - started
    if status != "SUCCEEDED":
        raise RuntimeError(f"{arn} ended {status} after its callback")
    return elapsed


def _burst(driver: Driver, name: str, version: str, sizes: Sizes, out: Results) -> None:
    size = sizes.burst
    out.burst_size = size
    with ThreadPoolExecutor(sizes.burst_threads) as pool:
        started = time.perf_counter()
        arns = list(pool.map(lambda n: driver.start(name, version, n), range(size)))
        callbacks: dict[str, str] = {}
        deadline = time.monotonic() + EXECUTION_TIMEOUT_S * 2
        while len(callbacks) < size:
            waiting = [arn for arn in arns if arn not in callbacks]
            for arn, callback in zip(waiting, pool.map(driver.callback_id, waiting), strict=True):
                if callback is not None:
                    callbacks[arn] = callback
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(callbacks)} of {size} reached their callback")
            time.sleep(0.02)
        out.burst_park_s = time.perf_counter() - started
        answered = time.perf_counter()
        list(pool.map(driver.answer, [callbacks[arn] for arn in arns]))
        statuses = dict(zip(arns, pool.map(driver.wait_done, arns), strict=True))
        out.burst_answer_s = time.perf_counter() - answered
    out.burst_succeeded = sum(status == "SUCCEEDED" for status in statuses.values())
    # None lost: every execution we started is listed, answered once, and SUCCEEDED.
    results = [
        json.loads(driver.lam.get_durable_execution(DurableExecutionArn=arn)["Result"])
        for arn in arns
    ]
    assert all(r.get("decision") == "APPROVE" for r in results), "a burst result is wrong"
    assert out.burst_succeeded == size, f"{size - out.burst_succeeded} of {size} did not succeed"


def run(sizes: Sizes, state_dir: Path, progress: Progress = lambda _: None) -> Results:
    """Every local cloud figure, on a fresh local cloud in ``state_dir``."""
    out = Results()
    cloud = CloudProcess(state_dir)
    try:
        progress("local cloud: starting the CLI")
        out.ready_s = cloud.start()
        out.idle_mb = cloud.memory_mb()
        driver = Driver(cloud.endpoint, sizes.burst_threads)

        progress(f"local cloud: {sizes.cold} cold invoke(s)")
        trivial = [
            (f"bench-trivial-{i}", driver.deploy(f"bench-trivial-{i}", "trivial"))
            for i in range(max(sizes.cold, 1))
        ]
        for i, (name, version) in enumerate(trivial[: sizes.cold]):
            out.cold_s.append(_invoke_latency(driver, name, version, i))
        name, version = trivial[0]
        if not sizes.cold:
            _invoke_latency(driver, name, version, 0)  # the cold start nobody measured
        progress(f"local cloud: {sizes.warm} warm invokes")
        out.warm_s = [_invoke_latency(driver, name, version, i) for i in range(sizes.warm)]

        progress(f"local cloud: {sizes.callback} callback -> completed")
        name, version = "bench-approval", driver.deploy("bench-approval", "approval")
        _callback_latency(driver, name, version, -1)  # warm-up: the cold start
        out.callback_s = [
            _callback_latency(driver, name, version, i) for i in range(sizes.callback)
        ]

        progress(f"local cloud: burst of {sizes.burst}")
        _burst(driver, name, version, sizes, out)
        out.after_burst_mb = cloud.memory_mb()

        # A day of workshop runs: deploy the kit's zip, clean it up, again and again. The
        # next start replays what is left of the journal (the compaction drops the zips).
        progress(f"local cloud: {sizes.cycles} deploy/delete cycles of a 17 MB zip, restart")
        big = handlers_zip(KIT_ZIP_BYTES)
        for i in range(sizes.cycles):
            driver.deploy(f"bench-cycle-{i}", "trivial", big)
            driver.lam.delete_function(FunctionName=f"bench-cycle-{i}")
        cloud.stop()
        out.restart_ready_s = cloud.start()
    finally:
        with contextlib.suppress(Exception):
            cloud.stop()
    return out
