"""A room: thirty attendees in one account run 03, 04 (auto) and 05 at the same time.

One local cloud plays the shared account with the ``aws`` realism profile: AWS's delays
and its per-account quotas (CloudWatch Logs, the durable read APIs), which thirty people
polling at once run into. Each attendee is a PREFIX of their own and runs the three
notebooks one after the other with papermill, in a process of their own, exactly as
``papermill`` on their laptop would; all thirty start together.

Checked from outside with boto3: every conversation SUCCEEDED with the decisions asked for
(the calculation denied, the rest approved, whatever order the model proposed them in),
and no executed notebook shows a learner an error, a traceback or a throttling error.
Figures (time, throttled calls absorbed by retries, peak memory) are printed, not
asserted. ``ROOM_ATTENDEES`` sets the number of attendees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import learner_visible_problems, local_cloud_process

from helpers import state
from helpers.deploy import build_zip
from helpers.localcloud.background import REPO_ROOT
from helpers.workshop import KERNEL_START_ATTEMPTS, kernel_never_started

pytestmark = [pytest.mark.slow, pytest.mark.series, pytest.mark.alone]

ATTENDEES = int(os.environ.get("ROOM_ATTENDEES", "30"))
REGION = "ap-northeast-1"  # a JAWS-UG room in Tokyo
NOTEBOOKS = ["03_deploy.ipynb", "04_chatbot_with_approvals.ipynb", "05_billed_vs_wallclock.ipynb"]
DECISIONS = {"calculate": "DENY"}  # by tool name: the order the model proposes in is its own
NOTEBOOK_TIMEOUT_S = 900
# Thirty kernels starting at once on two shared cores may take longer than papermill's 60 s;
# one that has not answered in 180 s is stuck, not slow, and is started again.
KERNEL_START_TIMEOUT_S = 180


def run_attendee(index: int, endpoint: str, out: Path) -> tuple[str, list[str]]:
    """One attendee's three notebooks, in order; returns (prefix, problems seen)."""
    prefix = f"room-{index:02d}"
    folder = out / prefix
    folder.mkdir(parents=True)
    problems: list[str] = []
    for notebook in NOTEBOOKS:
        executed = folder / notebook
        command = [
            sys.executable,
            "-m",
            "papermill",
            str(REPO_ROOT / "notebooks" / notebook),
            str(executed),
            "--cwd",
            str(REPO_ROOT / "notebooks"),
            "--no-progress-bar",
            "--start-timeout",
            str(KERNEL_START_TIMEOUT_S),
            "-p",
            "TARGET",
            "local",
            "-p",
            "REGION",
            REGION,
            "-p",
            "PREFIX",
            prefix,
            "-p",
            "OUTPUT_DIR",
            str(folder),
        ]
        if notebook.startswith("04"):
            command += ["-y", json.dumps({"DECISIONS": DECISIONS})]
        for _attempt in range(KERNEL_START_ATTEMPTS):
            done = subprocess.run(
                command,
                env={**os.environ, "AWS_ENDPOINT_URL": endpoint},
                capture_output=True,
                text=True,
                timeout=NOTEBOOK_TIMEOUT_S,
            )
            # Thirty kernels starting on one machine race for the free TCP ports
            # jupyter_client picks before binding them (on a laptop each has its own);
            # no cell ran, so starting again is safe, as helpers.workshop does.
            if not kernel_never_started(done.stderr):
                break
        if executed.exists():
            shown = learner_visible_problems(json.loads(executed.read_text()))
            problems += [f"{notebook}: {p}" for p in shown]
        if done.returncode != 0:
            problems.append(f"{notebook} failed: {done.stderr[-600:]}")
            break
    return prefix, problems


class PeakMemory:
    """Samples the resident memory of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))


def tree_rss_mb(root: int) -> float:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        pid = int(status.parent.name)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total / 1024


def cloud_stats(endpoint: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{endpoint}/_localcloud/health", timeout=5) as reply:
        return dict(json.loads(reply.read()))


def conversation_result(lam: Any, prefix: str) -> dict[str, Any]:
    """The result of the conversation notebook 04 saved for ``prefix``."""
    saved = state.load(prefix)
    arn = saved["execution_arn"]
    details = lam.get_durable_execution(DurableExecutionArn=arn)
    assert details["Status"] == "SUCCEEDED", (prefix, details.get("Error"))
    return dict(json.loads(details["Result"]))


@pytest.mark.timeout(3600)
def test_a_room_of_thirty_attendees(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_zip(quiet=True)  # the zip is built once per machine, before the room arrives
    prefixes = [f"room-{i:02d}" for i in range(1, ATTENDEES + 1)]
    try:
        with local_cloud_process(tmp_path / "state", {"LOCALCLOUD_REALISM": "aws"}) as served:
            started = time.monotonic()
            with (
                PeakMemory(served.process.pid) as memory,
                ThreadPoolExecutor(max_workers=ATTENDEES) as pool,
            ):
                outcomes = list(
                    pool.map(
                        lambda i: run_attendee(i, served.endpoint, tmp_path / "out"),
                        range(1, ATTENDEES + 1),
                    )
                )
            seconds = time.monotonic() - started
            stats = cloud_stats(served.endpoint)
            lam = boto3.client(
                "lambda",
                endpoint_url=served.endpoint,
                region_name=REGION,
                aws_access_key_id="room",
                aws_secret_access_key="room",
            )
            problems = {prefix: shown for prefix, shown in outcomes if shown}
            assert not problems, problems
            for prefix in prefixes:
                decisions = {
                    d["tool"]: d["decision"] for d in conversation_result(lam, prefix)["decisions"]
                }
                wanted = {tool: DECISIONS.get(tool, "APPROVE") for tool in decisions}
                assert decisions == wanted, (prefix, decisions)
                assert "calculate" in decisions, (prefix, decisions)
        with capsys.disabled():
            print(
                f"\nreliability/room: {ATTENDEES} attendees x {len(NOTEBOOKS)} notebooks "
                f"in {seconds:.0f} s; "
                f"throttled calls absorbed by retries: {stats['throttled']}; "
                f"peak memory of the local cloud and its workers: {memory.peak_mb:.0f} MB"
            )
    finally:
        for prefix in prefixes:
            state.forget(prefix)
