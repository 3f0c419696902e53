"""The Lambda host under broken handlers: every path releases its slot and kills what it
started, the Timeout bounds the whole invocation, idle workers and memory are bounded.

These drive `LambdaHost` directly (no gateway): the host is what is under test, and a
handful of seconds per case keeps the shared machine free. Zip checks: test_code_bounds.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from host_cases import FakeLogs, version
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers.localcloud.lambda_host import FunctionVersion, InvokeResult, LambdaHost

DEADLINE = 60.0  # seconds: a call not back by then hangs


HostFactory = Callable[..., tuple[LambdaHost, FakeLogs]]


@pytest.fixture
def make_host(tmp_path: Path) -> Iterator[HostFactory]:
    hosts: list[LambdaHost] = []

    def make(**options: Any) -> tuple[LambdaHost, FakeLogs]:
        logs = FakeLogs()
        host = LambdaHost(
            tmp_path / f"host{len(hosts)}",
            "http://127.0.0.1:9",
            lambda _: None,
            lambda _: logs,
            **options,
        )
        hosts.append(host)
        return host, logs

    yield make
    for host in hosts:
        host.stop()


def call(host: LambdaHost, fn: FunctionVersion, event: Any = None) -> tuple[InvokeResult, Any]:
    """One invocation, on a thread: a hang fails the test instead of blocking it."""
    with ThreadPoolExecutor(1) as runner:
        result = runner.submit(host.run, fn, fn.arn, json.dumps(event or {}).encode()).result(
            timeout=DEADLINE
        )
    return result, json.loads(result.payload)


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent is dead: it runs nothing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_dead(pids: list[int], timeout: float = 15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


# A handler that starts a child outside its process group (setsid), as a handler that
# "detaches" a helper would; it records both pids in the folder the event names.
SPAWNS = """
import os, subprocess, sys

def handler(event, context):
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)
    with open(os.path.join(event["dir"], "pids"), "a") as f:
        f.write(f"{os.getpid()} {child.pid}\\n")
    {after}
    return "ok"
"""


def recorded_pids(folder: Path) -> list[int]:
    return [int(p) for p in (folder / "pids").read_text().split()]


def test_a_worker_dying_mid_reply_is_an_exit_error_and_frees_its_slot(
    make_host: HostFactory,
) -> None:
    source = """
import os, struct, sys

def handler(event, context):
    if event.get("die"):
        # Half a reply frame on the runtime's reply pipe, then the process is gone.
        os.write(int(sys.argv[2]), struct.pack(">I", 1000) + b'{"type": "res')
        os._exit(1)
    return "served"
"""
    host, _ = make_host()
    fn = version(source)
    for _ in range(10):  # more than MAX_WORKERS_PER_VERSION (8): a leaked slot would hang
        result, body = call(host, fn, {"die": True})
        assert result.headers.get("X-Amz-Function-Error") == "Unhandled", body
        assert body["errorType"] == "Runtime.ExitError", body
        assert body["errorMessage"].startswith(f"RequestId: {body['requestId']} Error: ")
    assert host.pool.busy_pids() == []
    result, body = call(host, fn)
    assert "X-Amz-Function-Error" not in result.headers and body == "served"


def test_a_reply_header_then_silence_is_timed_out_and_killed(
    make_host: HostFactory, tmp_path: Path
) -> None:
    after = (
        "os.write(int(sys.argv[2]), (1000).to_bytes(4, 'big'))\n    import time; time.sleep(300)"
    )
    host, _logs = make_host()
    fn = version(SPAWNS.replace("{after}", after), timeout=1)
    _result, body = call(host, fn, {"dir": str(tmp_path)})
    assert body["errorType"] == "Sandbox.Timedout", body
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    # The worker and the child it detached from its process group are both gone.
    assert wait_dead(recorded_pids(tmp_path)) == []
    assert host.pool.busy_pids() == [] and host.pool.pids() == []


def test_an_init_that_never_finishes_is_ended_and_the_version_recovers(
    make_host: HostFactory, tmp_path: Path
) -> None:
    flag = tmp_path / "hang"
    flag.touch()
    source = f"""
import os, time
with open({str(tmp_path / "pids")!r}, "a") as f:
    f.write(f"{{os.getpid()}}\\n")
while os.path.exists({str(flag)!r}):
    time.sleep(0.05)

def handler(event, context):
    return "ready"
"""
    # Lambda's init limit is 10 s, then one retry within the function's timeout; short
    # limits here keep the case quick.
    host, logs = make_host(init_limit=1.0)
    fn = version(source, timeout=2)
    with ThreadPoolExecutor(10) as callers:  # more callers than worker slots
        results = list(callers.map(lambda _: call(host, fn), range(10)))
    for result, body in results:
        assert result.headers.get("X-Amz-Function-Error") == "Unhandled", body
        assert body["errorType"] == "Sandbox.Timedout", body
        assert body["errorMessage"].endswith("Task timed out after 2.00 seconds"), body
    host.logs.flush()
    assert any("Phase: init\tStatus: timeout" in m for m in logs.messages), logs.messages
    assert any("Phase: invoke\tStatus: timeout" in m for m in logs.messages)
    pids = recorded_pids(tmp_path)
    assert 10 <= len(pids) <= 20  # each call: the init, then its retry (if it got going)
    assert wait_dead(pids) == []
    assert host.pool.busy_pids() == []
    flag.unlink()
    result, body = call(host, fn)
    assert body == "ready"


def test_idle_workers_are_reaped_after_the_ttl(make_host: HostFactory) -> None:
    host, _ = make_host(idle_ttl=0.5)
    fn = version("def handler(event, context):\n    return 1\n")
    with ThreadPoolExecutor(4) as callers:
        list(callers.map(lambda _: call(host, fn), range(8)))
    warm = host.pool.pids()
    assert warm
    deadline = time.monotonic() + 20
    while host.pool.pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert host.pool.pids() == []
    assert wait_dead(warm) == []
    assert call(host, fn)[1] == 1  # a new cold start serves


def test_memory_over_memory_size_ends_the_invocation(make_host: HostFactory) -> None:
    source = """
import time

def handler(event, context):
    hog = b"x" * (event["mb"] << 20)  # written, so resident
    time.sleep(event.get("hold", 0))
    return len(hog)
"""
    host, logs = make_host()
    fn = version(source, timeout=30, memory_size=128)
    _result, body = call(host, fn, {"mb": 300, "hold": 25})
    assert body["errorType"] == "Runtime.OutOfMemory", body
    assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    host.logs.flush()
    report = [m for m in logs.messages if m.startswith(f"REPORT RequestId: {body['requestId']}")]
    assert report and "\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t" in report[0]
    assert report[0].endswith("\tStatus: error\tError Type: Runtime.OutOfMemory\t"), report
    assert host.pool.pids() == []
    assert call(host, fn, {"mb": 1})[1] == 1 << 20  # within its memory it still serves


def test_event_invokes_run_on_a_bounded_pool(make_host: HostFactory) -> None:
    host, _ = make_host()
    fn = version("import time\ndef handler(event, context):\n    time.sleep(0.5)\n")
    before = threading.active_count()
    for n in range(30):
        host.submit_event(fn, fn.arn, b"{}", None, f"rid-{n}")
    assert threading.active_count() - before <= 8


@pytest.mark.parametrize("how", ["DeleteFunction", "stop"])
def test_detached_children_die_with_the_function(
    make_host: HostFactory, tmp_path: Path, how: str
) -> None:
    host, _ = make_host()
    fn = version(SPAWNS.replace("{after}", "pass"))
    assert call(host, fn, {"dir": str(tmp_path)})[1] == "ok"
    pids = recorded_pids(tmp_path)
    assert wait_dead(pids, timeout=0.5) == pids  # warm, and its child still running
    if how == "DeleteFunction":
        host.function_deleted(fn.name, fn.region)
    else:
        host.stop()
    assert wait_dead(pids) == []


def test_delete_function_ends_a_busy_invocation_and_what_it_started(
    make_host: HostFactory, tmp_path: Path
) -> None:
    host, _ = make_host()
    fn = version(SPAWNS.replace("{after}", "import time; time.sleep(300)"), timeout=120)
    with ThreadPoolExecutor(1) as runner:
        running = runner.submit(host.run, fn, fn.arn, json.dumps({"dir": str(tmp_path)}).encode())
        deadline = time.monotonic() + DEADLINE
        while not (tmp_path / "pids").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = recorded_pids(tmp_path)
        host.function_deleted(fn.name, fn.region)
        body = json.loads(running.result(timeout=DEADLINE).payload)
    assert body["errorType"] == "Runtime.ExitError", body
    assert wait_dead(pids) == []
    assert host.pool.busy_pids() == []


def test_a_handler_that_exits_is_a_runtime_exit_error_in_the_reply_and_the_report(
    make_host: HostFactory,
) -> None:
    """os._exit / sys.exit in the handler: Lambda answers FunctionError Unhandled with
    Runtime.ExitError, says why the runtime ended (exit status N; no reason for status 0;
    the signal), and writes ``Status: error`` and ``Error Type: Runtime.ExitError`` in
    the invocation's REPORT."""
    source = """
import os, signal, sys

def handler(event, context):
    how = event["how"]
    if how == "os._exit":
        os._exit(3)
    if how == "sys.exit":
        sys.exit(2)
    if how == "sys.exit(0)":
        sys.exit(0)
    os.kill(os.getpid(), signal.SIGKILL)
"""
    host, logs = make_host()
    fn = version(source)
    reasons = {
        "os._exit": "Runtime exited with error: exit status 3",
        "sys.exit": "Runtime exited with error: exit status 2",
        "sys.exit(0)": "Runtime exited without providing a reason",
        "kill": "Runtime exited with error: signal: killed",
    }
    for how, reason in reasons.items():
        result, body = call(host, fn, {"how": how})
        assert result.status == 200 and result.headers.get("X-Amz-Function-Error") == "Unhandled"
        rid = body["requestId"]
        assert body["errorType"] == "Runtime.ExitError", body
        assert body["errorMessage"] == f"RequestId: {rid} Error: {reason}", body
        host.logs.flush()
        report = [m for m in logs.messages if m.startswith(f"REPORT RequestId: {rid}")]
        assert len(report) == 1, logs.messages
        assert report[0].endswith("\tStatus: error\tError Type: Runtime.ExitError\t"), report
        assert "\tMax Memory Used: 0 MB\t" not in report[0], report  # it used some
        assert f"RequestId: {rid} Error: {reason}" in logs.messages, logs.messages
    assert host.pool.busy_pids() == []
