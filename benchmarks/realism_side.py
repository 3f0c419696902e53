"""What the ``fast`` realism profile costs: one kit-like round on ``off`` and on ``fast``.

Every other benchmark runs the local cloud with realism ``off`` (no AWS delays or quotas),
so that its figures measure the emulator. This one starts two local clouds side by side,
one per profile, and times the same round on each, as a client that must work on AWS does
it: a new role, CreateFunction (retried while the role propagates), the Active waiter,
UpdateFunctionCode and the Updated waiter, PublishVersion, one durable execution to its end,
then its REPORT record read back from CloudWatch Logs (late, under the FilterLogEvents
quota). The ratio fast/off is what the profile adds to a workshop's deploy-and-run.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers.deploy import trust_policy

from .common import Progress, markdown_table, median
from .localcloud_side import CREDENTIALS, REGION, CloudProcess, handlers_zip

PROFILES = ("off", "fast")
POLL_S = 0.2  # a polite client: under GetDurableExecution's 30/s and FilterLogEvents' 5/s


@dataclass(frozen=True)
class RealismCost:
    rounds: int
    off_s: list[float]
    fast_s: list[float]

    @property
    def ratio(self) -> float:
        return median(self.fast_s) / median(self.off_s)


class _Round:
    def __init__(self, endpoint: str) -> None:
        config = Config(retries={"mode": "standard", "max_attempts": 10})
        self.lam, self.iam, self.logs = (
            boto3.client(s, endpoint_url=endpoint, region_name=REGION, config=config, **CREDENTIALS)
            for s in ("lambda", "iam", "logs")
        )

    def run(self, tag: str) -> float:
        started = time.perf_counter()
        role = self.iam.create_role(
            RoleName=f"bench-{tag}", AssumeRolePolicyDocument=json.dumps(trust_policy())
        )["Role"]["Arn"]
        name = f"bench-realism-{tag}"
        while True:
            try:
                self.lam.create_function(
                    FunctionName=name,
                    Runtime="python3.13",
                    Role=role,
                    Handler="bench_handlers.trivial",
                    Code={"ZipFile": handlers_zip()},
                    Timeout=30,
                    DurableConfig={"ExecutionTimeout": 600, "RetentionPeriodInDays": 1},
                )
                break
            except ClientError as exc:
                if "cannot be assumed" not in exc.response["Error"]["Message"]:
                    raise
                time.sleep(POLL_S)
        waiter = {"Delay": POLL_S, "MaxAttempts": 300}
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=waiter)
        self.lam.update_function_code(FunctionName=name, ZipFile=handlers_zip())
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=waiter)
        version = self.lam.publish_version(FunctionName=name)["Version"]
        reply = self.lam.invoke(
            FunctionName=name, Qualifier=version, InvocationType="Event", Payload=b'{"n": 1}'
        )
        arn = reply["DurableExecutionArn"]
        while self.lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING":
            time.sleep(POLL_S)
        while not self._report(f"/aws/lambda/{name}"):
            time.sleep(POLL_S)
        return time.perf_counter() - started

    def _report(self, group: str) -> bool:
        try:
            events = self.logs.filter_log_events(logGroupName=group)["events"]
        except self.logs.exceptions.ResourceNotFoundException:
            return False
        return any(e["message"].startswith("REPORT RequestId:") for e in events)


def run(rounds: int, state_root: Path, progress: Progress = lambda _: None) -> RealismCost:
    """``rounds`` rounds on each profile, the two clouds running side by side."""
    clouds = {p: CloudProcess(state_root / p, realism=p) for p in PROFILES}
    times: dict[str, list[float]] = {p: [] for p in PROFILES}
    try:
        for cloud in clouds.values():
            cloud.start()
        drivers = {p: _Round(clouds[p].endpoint) for p in PROFILES}
        for i in range(rounds):
            for profile in PROFILES:  # interleaved: both see the same machine load
                progress(f"realism: round {i + 1}/{rounds} on {profile}")
                times[profile].append(drivers[profile].run(f"{profile}-{i}"))
    finally:
        for cloud in clouds.values():
            cloud.stop()
    return RealismCost(rounds, times["off"], times["fast"])


def render(cost: RealismCost) -> str:
    label = (
        f"new role + function (Active, updated) + version + one execution + its REPORT, "
        f"median of {cost.rounds}"
    )
    row = [
        label,
        f"{median(cost.off_s):.2f} s",
        f"{median(cost.fast_s):.2f} s",
        f"{cost.ratio:.2f}×",
    ]
    return markdown_table(("realism cost", "off", "fast", "fast/off"), [row])


def summary(cost: RealismCost) -> dict[str, Any]:
    return {"off_s": cost.off_s, "fast_s": cost.fast_s, "ratio": cost.ratio}
