"""The kernel restarted while the approval panel waits: a real IPython kernel, restarted.

A local cloud runs as its own process (as ``make lab`` has it: it outlives kernels). A
kernel started with jupyter_client, in ``notebooks/`` and pointed at that cloud through
``AWS_ENDPOINT_URL``, runs notebook 04's own code cells (widget mode) and sends the
question that needs three tools. Then the kernel is restarted:

1. while the panel holds the first request's SQS message (received, not deleted: in
   flight for the panel's visibility timeout), or
2. before the panel received it (the message is still on the queue).

The new kernel runs the cells again and, as notebook 04 says, calls ``panel.recover(...)``.
The test clicks each card's own button (Approve, Deny, Approve) until the execution ends,
then checks from outside with plain boto3: SUCCEEDED, the result's decisions are the
clicks in order, each callback answered once, and the queue empty: the message the dead
kernel held comes back after its visibility timeout and is matched by callback id and
deleted, never shown as a new request. A later request can take a visibility timeout as
well: the dead kernel's unfinished long poll may still receive it, server side, for nobody
(the figures say when each card appeared). Figures are printed, not asserted.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers import state
from helpers.localcloud import background
from helpers.target import Target, connect
from helpers.teardown import cleanup

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_04 = NOTEBOOKS / "04_chatbot_with_approvals.ipynb"
REGION = "us-east-1"
PREFIX = "kernel-restart"  # fixed: a rerun overwrites its state file instead of adding one
PLAN = ["APPROVE", "DENY", "APPROVE"]  # the clicks, card after card (then APPROVE)
# Notebook 04's default QUERY: the workshop model proposes these, one at a time.
TOOLS = ["search_docs", "calculate", "estimate_lambda_cost"]
START_S = 60  # local cloud or kernel start
WAIT_S = 120  # any one wait; generous for a shared, noisy machine, never reached when fine
RESULT = "@@result "  # marks the kernel's JSON answer among whatever else it prints

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


# ---------------------------------------------------------------------------------------
# The local cloud, as a process of its own


@dataclass(frozen=True)
class Cloud:
    endpoint: str
    target: Target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def process_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """``python -m helpers.localcloud`` in its own session: kernels come and go, it stays."""
    state_dir = tmp_path_factory.mktemp("kernel-restart-cloud")
    log_path = state_dir / "localcloud.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            background.command(_free_port(), state_dir),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        endpoint = _ready_line(process, log_path)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL", endpoint)
            target = connect("local", REGION)
        yield Cloud(endpoint, target)
        with contextlib.suppress(Exception):  # the cloud goes away with its state dir anyway
            cleanup(target, PREFIX)
    finally:
        state.forget(PREFIX)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _ready_line(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline and process.poll() is None:
        for line in log_path.read_bytes().splitlines():
            if line.startswith(b"ready "):
                return line.split()[1].decode()
        time.sleep(0.1)
    tail = log_path.read_bytes()[-2000:].decode(errors="replace")
    pytest.fail(f"the local cloud did not print 'ready' within {START_S} s:\n{tail}")


# ---------------------------------------------------------------------------------------
# A real kernel


class Kernel:
    """An IPython kernel in notebooks/, as JupyterLab or papermill starts one."""

    def __init__(self, endpoint: str, home: Path) -> None:
        # ipc sockets, not TCP: no free-port race between picking the ports and the kernel
        # binding them, on first start or on restart (the same connection file is reused).
        self.manager = KernelManager(
            kernel_name="python3",
            transport="ipc",
            ip=str(home / "k"),
            connection_file=str(home / "kernel.json"),
        )
        self.env = {
            **os.environ,
            "AWS_ENDPOINT_URL": endpoint,
            "IPYTHONDIR": str(home / "ipython"),  # no shared history database
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        }
        self.manager.start_kernel(
            cwd=str(NOTEBOOKS), env=self.env, extra_arguments=["--IPKernelApp.log_level=CRITICAL"]
        )
        self.client: BlockingKernelClient = self.manager.blocking_client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=START_S)

    def restart(self) -> None:
        """What Kernel > Restart does: the process is killed, nothing in it runs again."""
        self.manager.restart_kernel(now=True, env=self.env)
        self.client.wait_for_ready(timeout=START_S)

    def run(self, code: str, timeout: float = WAIT_S) -> str:
        """Execute ``code`` like a cell; its stdout. A traceback fails the test."""
        printed: list[str] = []
        errors: list[str] = []

        def hook(message: dict[str, Any]) -> None:
            kind, content = message["msg_type"], message["content"]
            if kind == "stream" and content["name"] == "stdout":
                printed.append(content["text"])
            elif kind == "error":
                errors.append("\n".join(content["traceback"]))

        reply = self.client.execute_interactive(
            code, timeout=timeout, output_hook=hook, allow_stdin=False
        )
        assert reply["content"]["status"] == "ok" and not errors, (
            f"the cell failed:\n{code}\n" + "\n".join(errors)
        )
        return "".join(printed)

    def value(self, code: str, timeout: float = WAIT_S) -> Any:
        """Run ``code``, whose last line is an expression; its value, through JSON."""
        *body, last = code.strip().splitlines()
        show = f"import json as _json; print({RESULT!r} + _json.dumps({last}))"
        out = self.run("\n".join([*body, show]), timeout)
        lines = [line for line in out.splitlines() if line.startswith(RESULT)]
        assert lines, f"no result printed by:\n{code}\n{out}"
        return json.loads(lines[-1].removeprefix(RESULT))

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel(process_cloud: Cloud) -> Iterator[Kernel]:
    # A short directory: a unix socket path must stay under about 100 characters.
    home = Path(tempfile.mkdtemp(prefix="kr-"))
    started = Kernel(process_cloud.endpoint, home)
    try:
        yield started
    finally:
        started.shutdown()
        shutil.rmtree(home, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# Notebook 04's cells


def notebook_cells(output_dir: Path) -> list[str]:
    """Notebook 04's code cells in widget mode (papermill's parameter injection), up to the
    panel and its reviewer cell, before the cell that starts a conversation: what a person
    runs before pressing Send."""
    nb = parameterize_notebook(
        load_notebook_node(str(NOTEBOOK_04)),
        {
            "TARGET": "local",
            "REGION": REGION,
            "PREFIX": PREFIX,
            "APPROVAL_MODE": "widget",
            "OUTPUT_DIR": str(output_dir),
        },
    )
    cells: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        # Stop before the notebook starts its own conversation: the test presses Send.
        if "run_if_auto" in cell.source or "lam.invoke(" in cell.source:
            break
        cells.append(cell.source)
    assert any("ApprovalPanel(" in c for c in cells) and any(
        "describe_reviewer" in c for c in cells
    )
    return cells


def run_notebook(kernel: Kernel, output_dir: Path) -> None:
    for source in notebook_cells(output_dir):
        kernel.run(source)


# What the test reads of the panel, from inside the kernel.
SNAPSHOT = """
[
    {
        "callback_id": c.request.callback_id,
        "number": c.request.number,
        "tool": c.request.tool,
        "source": c.request.source,
        "state": c.request.state,
        "decision": c.request.decision,
        "execution_arn": c.request.execution_arn,
        "receipts": len(c.request.receipts),
    }
    for c in panel.cards.values()
]
"""


def cards(kernel: Kernel) -> list[dict[str, Any]]:
    return list(kernel.value(f"_cards = {SNAPSHOT.strip()}\n_cards"))


def until(what: str, condition: Any, timeout: float = WAIT_S) -> Any:
    """Call ``condition()`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.25)
    return value


def queue_counts(process_cloud: Cloud, queue_url: str) -> tuple[int, int]:
    """(visible, in flight) messages on the queue, from outside the kernel."""
    attributes = process_cloud.target.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def answer_all(kernel: Kernel, arn: str) -> list[dict[str, Any]]:
    """Click each open card's button (PLAN, then APPROVE) as cards appear, until the
    execution ends; the clicks, in order."""
    clicked: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT_S
    while True:
        assert time.monotonic() < deadline, f"execution not ended within {WAIT_S} s: {clicked}"
        shown = [c for c in cards(kernel) if c["execution_arn"] == arn]
        waiting = [c for c in shown if c["state"] == "open"]
        if waiting:
            card = waiting[0]
            decision = PLAN[len(clicked)] if len(clicked) < len(PLAN) else "APPROVE"
            # The click runs the handler at once, as a comm message from the browser does.
            sent = kernel.value(
                f"_card = panel.cards[{card['callback_id']!r}]\n"
                f"_card.button({decision!r}).click()\n"
                "[_card.request.state, _card.request.decision]"
            )
            assert sent == ["answered", decision], (sent, kernel.value("panel.status_text"))
            clicked.append({**card, "decision": decision})
            continue
        status = kernel.value(f"panel.inbox.executions[{arn!r}].status")
        if status not in ("RUNNING", "UNKNOWN"):
            return clicked
        time.sleep(0.25)


def arrivals(kernel: Kernel, since: float) -> list[str]:
    """When each new request's card appeared, in seconds after the wall-clock ``since``."""
    lines = kernel.value(
        "[[line.at, line.text] for line in panel.inbox.lines if line.text.startswith('New ')]"
    )
    return [f"{at - since:.1f} s" for at, _text in lines]


def check_outcome(
    process_cloud: Cloud, kernel: Kernel, arn: str, queue_url: str, clicked: list[dict[str, Any]]
) -> None:
    """From outside: SUCCEEDED with the clicked decisions, each callback answered once,
    the queue empty; inside: no extra card, the recovered card knows its tool."""
    lam = process_cloud.target.client("lambda")
    details = lam.get_durable_execution(DurableExecutionArn=arn)
    assert details["Status"] == "SUCCEEDED", details.get("Error")
    result = json.loads(details["Result"])
    assert [d["decision"] for d in result["decisions"]] == [c["decision"] for c in clicked]
    assert [d["tool"] for d in result["decisions"]] == TOOLS

    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    answered = [e for e in events if e["EventType"] == "CallbackSucceeded"]
    assert len(answered) == len(clicked) == len(TOOLS)
    callback_ids = [c["callback_id"] for c in clicked]
    assert len(set(callback_ids)) == len(callback_ids), "a request was answered twice"

    # The message the dead kernel held (if any) comes back after its visibility timeout:
    # the recovering panel must take it, match it by callback id and delete it.
    until("the approval queue is empty", lambda: queue_counts(process_cloud, queue_url) == (0, 0))
    shown = cards(kernel)
    assert [c["callback_id"] for c in shown] == callback_ids, "a message became a new card"
    assert [c["tool"] for c in shown] == TOOLS, "the recovered card never got its message"
    assert all(c["state"] == "answered" for c in shown)
    log = kernel.value("panel.status_text")
    assert "second click" not in log and "Traceback" not in log, log
    assert kernel.value("len(panel.clicks)") == len(clicked)


# ---------------------------------------------------------------------------------------
# The two cases


def test_restart_while_the_panel_holds_a_request(
    process_cloud: Cloud, kernel: Kernel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    run_notebook(kernel, tmp_path)
    queue_url = kernel.value("deployed.queue_url")
    arn = kernel.value("panel.send(params.query)")
    assert arn, kernel.value("panel.status_text")

    # The panel's poller has received the first request: a card waits, its message in flight.
    first = until(
        "a card waiting for a decision",
        lambda: [c for c in cards(kernel) if c["state"] == "open" and c["receipts"]],
    )
    assert len(first) == 1 and first[0]["tool"] == TOOLS[0]
    held = first[0]["callback_id"]
    assert queue_counts(process_cloud, queue_url)[1] >= 1, "the panel should hold the message"

    restarted, restarted_at = time.monotonic(), time.time()
    kernel.restart()  # the old panel dies holding an undeleted message
    assert kernel.value("'panel' in globals()") is False
    run_notebook(kernel, tmp_path)
    found = kernel.value(
        "found = panel.recover(function_name=deployed.function, qualifier=deployed.alias)\n"
        "[[r.callback_id, r.source, r.label] for r in found]"
    )
    recovered_s = time.monotonic() - restarted
    assert found == [[held, "history", "approve #1"]], found
    recovered = cards(kernel)
    assert [(c["callback_id"], c["state"], c["tool"]) for c in recovered] == [
        (held, "open", None)  # the tool was in the message the dead kernel holds
    ]

    clicked = answer_all(kernel, arn)
    answered_s = time.monotonic() - restarted
    assert clicked[0]["callback_id"] == held
    check_outcome(process_cloud, kernel, arn, queue_url, clicked)
    # A later request can take a visibility timeout too: the dead kernel's last long poll
    # (up to 5 s) may still receive it on the server side, for nobody.
    with capsys.disabled():
        print(
            f"\nreliability/kernel restart (panel held the message): recovered "
            f"{len(found)} request(s) {recovered_s:.1f} s after the restart (kernel start, "
            f"notebook cells, recover); later requests shown at "
            f"{', '.join(arrivals(kernel, restarted_at))}; execution ended "
            f"{answered_s:.1f} s after the restart, queue empty at "
            f"{time.monotonic() - restarted:.1f} s; total {time.monotonic() - started:.1f} s"
        )


def test_restart_before_the_panel_received_the_request(
    process_cloud: Cloud, kernel: Kernel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    run_notebook(kernel, tmp_path)
    queue_url = kernel.value("deployed.queue_url")
    # Send pressed, and the kernel restarted before its poller read the queue: start the
    # conversation the way Send does, without the poller.
    arn = kernel.value("start_chat(params.query)")
    until("the first request on the queue", lambda: queue_counts(process_cloud, queue_url)[0] >= 1)

    restarted = time.monotonic()
    kernel.restart()
    run_notebook(kernel, tmp_path)
    found = kernel.value(
        "found = panel.recover(function_name=deployed.function, qualifier=deployed.alias)\n"
        "[[r.execution_arn, r.source] for r in found]"
    )
    recovered_s = time.monotonic() - restarted
    assert found == [[arn, "history"]], found
    # The poller's next read finds the message: the same card gets its tool, no new card.
    filled = until(
        "the recovered card filled in from its message",
        lambda: [c for c in cards(kernel) if c["tool"] is not None],
    )
    assert [(c["number"], c["tool"], c["state"]) for c in filled] == [(1, TOOLS[0], "open")]

    clicked = answer_all(kernel, arn)
    answered_s = time.monotonic() - restarted
    check_outcome(process_cloud, kernel, arn, queue_url, clicked)
    with capsys.disabled():
        print(
            f"\nreliability/kernel restart (message still on the queue): recovered "
            f"{len(found)} request(s) in {recovered_s:.1f} s after the restart; execution "
            f"ended {answered_s:.1f} s after it; total {time.monotonic() - started:.1f} s"
        )
