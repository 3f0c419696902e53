"""The local cloud as a process: the CLI contract, restarts on the same state dir, loopback."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.localcloud import LocalCloud
from helpers.localcloud.background import command
from helpers.localcloud.runner import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15

APPROVAL = """
import json
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_execution
def handler(event, context: DurableContext):
    first = context.step(lambda _: "before the restart", name="first")
    answer = context.wait_for_callback(lambda callback_id, ctx: None, name="approve")
    return {"first": first, "answer": json.loads(answer)}


@durable_execution
def sleeper(event, context: DurableContext):
    from aws_durable_execution_sdk_python.config import Duration

    context.step(lambda _: "before", name="before")
    context.wait(Duration.from_seconds(2), name="nap")
    return context.step(lambda _: "woke up", name="after")


@durable_execution
def impatient(event, context: DurableContext):
    from aws_durable_execution_sdk_python import CallbackTimeoutError
    from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig

    config = WaitForCallbackConfig(timeout=Duration.from_seconds(6))
    try:
        context.wait_for_callback(lambda callback_id, ctx: None, name="approve", config=config)
    except CallbackTimeoutError:
        return "nobody answered in time"
    return "answered"
"""


class CloudProcess:
    """``python -m helpers.localcloud`` in a subprocess, started from the repo root."""

    def __init__(self, port: int, state_dir: Path) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            command(port, state_dir),
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.ready_line = self.readline(START_TIMEOUT_S)
        self.endpoint = self.ready_line.removeprefix("ready ").strip()

    def readline(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise AssertionError(f"no output from the local cloud within {timeout} s")
        line = self.proc.stdout.readline().decode()
        if not line:
            raise AssertionError(f"the local cloud exited ({self.proc.wait()}): {self.stderr()}")
        return line

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode(errors="replace")

    def workers(self) -> list[int]:
        """Pids of the Lambda host's worker processes (the children of the cloud)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                # "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(stat.parent.name))
        return pids

    def signal(self, sig: int) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=STOP_TIMEOUT_S)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def processes() -> Iterator[Callable[[int, Path], CloudProcess]]:
    started: list[CloudProcess] = []

    def start(port: int, state_dir: Path) -> CloudProcess:
        process = CloudProcess(port, state_dir)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()


def _pid_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with contextlib.suppress(OSError):  # a zombie of ours counts as gone
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        time.sleep(0.05)
    return False


def _completed_invocations(lam: Any, arn: str, at_least: int, timeout: float = 10) -> list[str]:
    """RequestIds of the execution's InvocationCompleted events, once there are enough."""
    deadline = time.monotonic() + timeout
    while True:
        events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        ids = [
            e["InvocationCompletedDetails"]["RequestId"]
            for e in events
            if e["EventType"] == "InvocationCompleted"
        ]
        if len(ids) >= at_least or time.monotonic() > deadline:
            assert len(ids) >= at_least, f"{len(ids)} invocations completed, not {at_least}"
            return ids
        time.sleep(0.1)  # GetDurableExecutionHistory's quota is 15 per second


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_cli_prints_ready_and_stops_cleanly(
    processes: Callable[..., CloudProcess],
    tmp_path: Path,
    sig: int,
    clients_at: Callable[..., Any],
    deploy_with: Callable[..., str],
    name: Callable[..., str],
) -> None:
    port = free_port()
    cloud = processes(port, tmp_path / "state")
    assert cloud.ready_line == f"ready http://127.0.0.1:{port}\n"
    assert cloud.proc.stdout is not None  # the profile, on the next line (already buffered)
    assert cloud.proc.stdout.readline().decode().startswith("realism fast: ")
    # It accepts calls as soon as it says so.
    client = clients_at(cloud.endpoint)
    assert client("sqs").list_queues().get("QueueUrls", []) == []
    fn = name("warm")
    deploy_with(client, fn, "def handler(event, context):\n    return 1\n", DurableConfig=None)
    assert client("lambda").invoke(FunctionName=fn, Payload=b"{}")["StatusCode"] == 200
    workers = cloud.workers()
    assert workers, "a warm worker should be running"
    started = time.monotonic()
    assert cloud.signal(sig) == 0
    assert time.monotonic() - started < 10
    assert cloud.readline(1) == "stopped\n"
    assert cloud.stderr() == ""
    assert all(_pid_gone(pid, 5) for pid in workers)  # no execution environment left over


def test_stop_delivers_pending_logs(
    tmp_path: Path,
    clients_at: Callable[..., Any],
    deploy_with: Callable[..., str],
    reports: Callable[..., dict[str, str]],
    name: Callable[..., str],
) -> None:
    # In-process, so that stop() comes right after the last invocation: its REPORT and
    # others are still queued for delivery then. (The SIGTERM handler calls the same stop.)
    fn = name("chatty")
    with LocalCloud(tmp_path / "state") as first:
        client = clients_at(first.endpoint)
        deploy_with(
            client, fn, "def handler(event, context):\n    print('hi')\n", DurableConfig=None
        )
        ids = [
            client("lambda").invoke(FunctionName=fn, Payload=b"{}")["ResponseMetadata"]["RequestId"]
            for _ in range(5)
        ]
    with LocalCloud(tmp_path / "state") as second:
        logs = clients_at(second.endpoint)("logs")
        assert set(reports(f"/aws/lambda/{fn}", ids, timeout=2, via=logs)) == set(ids)


def test_cli_refuses_a_busy_port(processes: Callable[..., CloudProcess], tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(AssertionError, match=r"(?s)exited \(2\).*Pick another --port"):
            processes(port, tmp_path / "state")


def test_restart_keeps_everything(
    processes: Callable[..., CloudProcess],
    tmp_path: Path,
    clients_at: Callable[..., Any],
    deploy_with: Callable[..., str],
    callback_id: Callable[..., str],
    wait_done: Callable[..., Any],
    reports: Callable[..., dict[str, str]],
    name: Callable[..., str],
) -> None:
    port, state = free_port(), tmp_path / "state"
    first = processes(port, state)
    client = clients_at(first.endpoint)
    lam, sqs, s3, logs = client("lambda"), client("sqs"), client("s3"), client("logs")

    fn = name("survivor")
    version = deploy_with(client, fn, APPROVAL)
    arn = lam.invoke(
        FunctionName=fn, Qualifier=version, InvocationType="Event", Payload=b'{"order": 7}'
    )["DurableExecutionArn"]
    callback = callback_id(arn, via=lam)
    queue_url = sqs.create_queue(QueueName=f"{fn}-approvals")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"callback_id": callback}))
    bucket = f"{fn}-reports"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="report.md", Body=b"# kept\n")
    group = f"/aws/lambda/{fn}"
    before = _completed_invocations(lam, arn, at_least=1)
    assert set(reports(group, before, via=logs)) == set(before)

    # A second execution is in a durable wait when the cloud dies: its timer lives in
    # memory, so the restarted cloud must re-arm it.
    napper = name("napper")
    nap_version = deploy_with(client, napper, APPROVAL, Handler="app.sleeper")
    napping = lam.invoke(
        FunctionName=napper, Qualifier=nap_version, InvocationType="Event", Payload=b"{}"
    )["DurableExecutionArn"]
    _completed_invocations(lam, napping, at_least=1)
    # A third waits for an answer that never comes: its callback timeout is a timer too.
    waiter = name("waiter")
    wait_version = deploy_with(client, waiter, APPROVAL, Handler="app.impatient")
    waiting = lam.invoke(
        FunctionName=waiter, Qualifier=wait_version, InvocationType="Event", Payload=b"{}"
    )["DurableExecutionArn"]
    callback_id(waiting, via=lam)
    workers = first.workers()
    assert workers, "a warm worker should be running"
    first.proc.kill()  # SIGKILL: nothing gets to flush or say goodbye
    first.proc.wait(timeout=STOP_TIMEOUT_S)
    # The orphaned execution environments notice and exit on their own.
    assert all(_pid_gone(pid, 5) for pid in workers)

    second = processes(port, state)
    assert second.endpoint == first.endpoint
    conf = lam.get_function(FunctionName=fn, Qualifier=version)["Configuration"]
    assert conf["Version"] == version
    assert conf["DurableConfig"]["ExecutionTimeout"] > 0
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=fn)["Versions"]] == [
        "$LATEST",
        version,
    ]
    assert sqs.get_queue_url(QueueName=f"{fn}-approvals")["QueueUrl"] == queue_url
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    assert [json.loads(m["Body"]) for m in messages] == [{"callback_id": callback}]
    assert s3.get_object(Bucket=bucket, Key="report.md")["Body"].read() == b"# kept\n"
    assert [
        g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    ] == [group]
    assert set(reports(group, before, timeout=0, via=logs)) == set(before)
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    listed = lam.list_durable_executions_by_function(FunctionName=fn, Qualifier=version)[
        "DurableExecutions"
    ]
    assert [e["DurableExecutionArn"] for e in listed] == [arn]

    # The callback answered after the restart completes the execution started before it.
    lam.send_durable_execution_callback_success(
        CallbackId=callback, Result=b'{"decision": "APPROVE"}'
    )
    done = wait_done(arn, via=lam)
    assert done["Status"] == "SUCCEEDED", done
    assert json.loads(done["Result"]) == {
        "first": "before the restart",
        "answer": {"decision": "APPROVE"},
    }
    after = _completed_invocations(lam, arn, at_least=len(before) + 1)
    assert after[: len(before)] == before
    # Every invocation, before and after the restart, has its REPORT record.
    assert set(reports(group, after, via=logs)) == set(after)
    nap = wait_done(napping, via=lam)
    assert nap["Status"] == "SUCCEEDED" and json.loads(nap["Result"]) == "woke up"
    waited = wait_done(waiting, timeout=30, via=lam)
    assert waited["Status"] == "SUCCEEDED", waited
    assert json.loads(waited["Result"]) == "nobody answered in time"
    assert second.signal(signal.SIGTERM) == 0


def _other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        found.add(socket.gethostbyname(socket.gethostname()))
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5)
        found.update(a for a in out.stdout.split() if "." in a)
    return sorted(a for a in found if not a.startswith("127."))


def test_binds_loopback_only(cloud: LocalCloud) -> None:
    addresses = _other_addresses()
    if not addresses:
        pytest.skip("this machine has no non-loopback IPv4 address")
    ports = [cloud.port, cloud.durable.port]  # the gateway and the runner's private port
    for port in ports:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        for address in addresses:
            with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
                pass
