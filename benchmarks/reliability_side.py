"""Reliability figures (issue 12): what the local cloud does with bad input, a kill, a
burst and a zip bomb, measured on running clouds (``python -m helpers.localcloud``).

- the seeded fuzz run of tests/reliability/test_fuzz.py: malformed requests on every
  route, and the status codes they got (no 5xx is the rule);
- a SIGKILL in a burst of writes (tests/reliability/stress_cases.py, as
  test_sigkill_burst.py cuts it): writes acknowledged before the kill, and how many of them
  a restart has;
- the Lambda host's workers (processes, resident memory) after a burst of synchronous
  invokes, and again once the idle TTL (``LOCALCLOUD_IDLE_TTL``, small here) has passed;
- the largest zip refused (a bomb: small zipped, far over 250 MB unzipped), how long the
  refusal took, and an unrelated function's cold start while the largest accepted zip
  (just under 250 MB unzipped) is unpacked, beside the same cold start alone.

The fuzz generator, the burst and the zip bomb are the tests' own (one definition of each:
tests/reliability/test_fuzz.py, tests/reliability/stress_cases.py).
"""

from __future__ import annotations

import collections
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .common import Progress, markdown_table, median
from .localcloud_side import (
    CREDENTIALS,
    REGION,
    REPO_ROOT,
    CloudProcess,
    _descendants,
    _rss_kb,
)

IDLE_TTL_S = 3.0
MAX_UNZIPPED = 262_144_000  # Lambda: "Deployment package (.zip file archive) size: 250 MB unzipped"
REFUSED_UNZIPPED = 1 << 30  # 1 GiB of zeros: ~1 MB zipped
ACCEPTED_UNZIPPED = MAX_UNZIPPED - (1 << 20)
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


@dataclass
class Reliability:
    fuzz_rounds: int = 0
    fuzz_status: dict[int, int] = field(default_factory=dict)
    fuzz_problems: int = 0
    acknowledged: dict[str, int] = field(default_factory=dict)
    survived: dict[str, int] = field(default_factory=dict)
    burst: int = 0
    workers_after_burst: int = 0
    rss_after_burst_mb: float = 0.0
    workers_after_ttl: int = 0
    rss_after_ttl_mb: float = 0.0
    cloud_rss_after_ttl_mb: float = 0.0
    refused_zip_bytes: int = 0
    refused_unzipped: int = 0
    refused_ms: float = 0.0
    refused_code: str = ""
    cold_alone_ms: list[float] = field(default_factory=list)
    cold_during_unpack_ms: list[float] = field(default_factory=list)


@contextmanager
def _test_modules() -> Any:
    """The tests' fuzz generator, burst and zip bomb, importable (tests/ is no package)."""
    added = [str(REPO_ROOT / "tests"), str(REPO_ROOT / "tests" / "reliability"), str(REPO_ROOT)]
    sys.path[:0] = added
    try:
        yield
    finally:
        for path in added:
            sys.path.remove(path)


def _client(endpoint: str, service: str, region: str = REGION) -> Any:
    config = Config(retries={"max_attempts": 1}, read_timeout=120, max_pool_connections=24)
    return boto3.client(
        service, endpoint_url=endpoint, region_name=region, config=config, **CREDENTIALS
    )


def _code(source: str) -> bytes:
    with _test_modules():
        from conftest import make_zip
    return make_zip(source)


class _Functions:
    def __init__(self, endpoint: str) -> None:
        self.lam = _client(endpoint, "lambda")
        iam = _client(endpoint, "iam")
        with _test_modules():
            from conftest import ASSUME_LAMBDA
        self.role = iam.create_role(RoleName="bench-rel", AssumeRolePolicyDocument=ASSUME_LAMBDA)[
            "Role"
        ]["Arn"]

    def create(self, name: str, code: bytes) -> None:
        self.lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=self.role,
            Handler="app.handler",
            Code={"ZipFile": code},
            Timeout=120,
        )

    def invoke_ms(self, name: str) -> float:
        started = time.perf_counter()
        reply = self.lam.invoke(FunctionName=name, Payload=b"{}")
        assert "FunctionError" not in reply, reply["Payload"].read()
        return (time.perf_counter() - started) * 1000


def _fuzz(endpoint: str, out: Reliability) -> None:
    with _test_modules():
        from tests.reliability.test_fuzz import ROUNDS, run_fuzz
    tally, problems = run_fuzz(endpoint)
    total: collections.Counter[int] = collections.Counter()
    for counts in tally.values():
        total.update(counts)
    out.fuzz_rounds, out.fuzz_status, out.fuzz_problems = ROUNDS, dict(total), len(problems)


def _sigkill(state: Path, out: Reliability) -> None:
    with _test_modules():
        from stress_cases import kill_mid_burst, restart_after
    env = {"LOCALCLOUD_REALISM": "off"}
    killed = kill_mid_burst(state, env)
    again = restart_after(state, env, killed)
    burst = killed.burst
    out.acknowledged = {
        "functions": len(burst.functions - burst.cut),
        "deletes": len(burst.deleted - burst.cut),
        "objects": len(burst.objects),
        "messages": len(burst.messages),
    }
    out.survived = {
        "functions": len((burst.functions - burst.cut) & again.listed),
        # deleted ones that stay gone
        "deletes": len((burst.deleted - burst.cut) - again.listed),
        "objects": sum(again.objects.get(k) == v for k, v in burst.objects.items()),
        "messages": len(burst.messages & again.received),
    }


def _workers(cloud: CloudProcess) -> tuple[int, float]:
    assert cloud.proc is not None
    pids = [p for p in _descendants(cloud.proc.pid) if p != cloud.proc.pid]
    return len(pids), sum(_rss_kb(p) for p in pids) / 1024


def _burst_and_ttl(state: Path, burst: int, out: Reliability) -> None:
    previous = os.environ.get("LOCALCLOUD_IDLE_TTL")
    os.environ["LOCALCLOUD_IDLE_TTL"] = str(IDLE_TTL_S)  # the cloud process reads it
    cloud = CloudProcess(state)
    try:
        cloud.start()
    finally:
        if previous is None:
            os.environ.pop("LOCALCLOUD_IDLE_TTL")
        else:
            os.environ["LOCALCLOUD_IDLE_TTL"] = previous
    try:
        functions = _Functions(cloud.endpoint)
        sleepy = "import time\ndef handler(event, context):\n    time.sleep(0.2)\n    return 1\n"
        functions.create("burst", _code(sleepy))
        with ThreadPoolExecutor(20) as pool:
            list(pool.map(lambda _: functions.invoke_ms("burst"), range(burst)))
        out.burst = burst
        out.workers_after_burst, out.rss_after_burst_mb = _workers(cloud)
        deadline = time.monotonic() + IDLE_TTL_S * 4 + 10
        while _workers(cloud)[0] and time.monotonic() < deadline:
            time.sleep(0.2)
        out.workers_after_ttl, out.rss_after_ttl_mb = _workers(cloud)
        out.cloud_rss_after_ttl_mb = cloud.memory_mb()
        _zips(functions, out)
    finally:
        cloud.stop()


def _zips(functions: _Functions, out: Reliability) -> None:
    with _test_modules():
        from stress_cases import bomb as zeros
    bomb = zeros(REFUSED_UNZIPPED)
    started = time.perf_counter()
    try:
        functions.create("bomb", bomb)
        out.refused_code = "accepted"
    except ClientError as exc:
        out.refused_code = exc.response["Error"]["Code"]
    out.refused_ms = (time.perf_counter() - started) * 1000
    out.refused_zip_bytes, out.refused_unzipped = len(bomb), REFUSED_UNZIPPED
    functions.create("big", _big_code())
    for i in range(3):
        functions.create(f"alone{i}", _code(HANDLER + f"# {i}\n"))
        out.cold_alone_ms.append(functions.invoke_ms(f"alone{i}"))
        functions.create(f"during{i}", _code(HANDLER + f"# {i}\n"))
        unpacking = threading.Thread(target=functions.invoke_ms, args=("big",))
        functions.lam.update_function_code(FunctionName="big", ZipFile=_big_code(i))
        unpacking.start()
        time.sleep(0.05)  # the big unpack has begun
        out.cold_during_unpack_ms.append(functions.invoke_ms(f"during{i}"))
        unpacking.join(timeout=300)


def _big_code(salt: int = -1) -> bytes:
    """A zip just under 250 MB unzipped: the biggest Lambda takes (a new one each time,
    so that the host unpacks it anew)."""
    with _test_modules():
        from stress_cases import bomb
    return bomb(ACCEPTED_UNZIPPED - 4096, "padding.bin", {"app.py": HANDLER + f"# {salt}\n"})


def run(state_root: Path, quick: bool, progress: Progress = lambda _: None) -> Reliability:
    out = Reliability()
    progress("reliability: seeded fuzz run")
    cloud = CloudProcess(state_root / "fuzz")
    cloud.start()
    try:
        _fuzz(cloud.endpoint, out)
    finally:
        cloud.stop()
    progress("reliability: SIGKILL during a burst of writes")
    _sigkill(state_root / "sigkill", out)
    progress("reliability: invoke burst, idle TTL, zip bomb and cold starts")
    _burst_and_ttl(state_root / "workers", 20 if quick else 100, out)
    return out


def render(r: Reliability) -> str:
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(r.fuzz_status.items()))
    fivexx = sum(n for code, n in r.fuzz_status.items() if code >= 500)
    alone, during = median(r.cold_alone_ms), median(r.cold_during_unpack_ms)
    rows = [
        [
            f"malformed requests (seeded fuzz, every route): {r.fuzz_rounds}",
            f"{codes}; 5xx: {fivexx}; not AWS-shaped: {r.fuzz_problems}",
        ],
        [
            "SIGKILL mid-burst: acknowledged → survived a restart",
            "; ".join(
                f"{what} {r.acknowledged[what]} → {r.survived[what]}" for what in r.acknowledged
            ),
        ],
        [
            f"Lambda workers after a {r.burst}-invoke burst (20 threads, one version)",
            f"{r.workers_after_burst} processes, {r.rss_after_burst_mb:.0f} MB RSS",
        ],
        [
            f"... after the idle TTL ({IDLE_TTL_S:.0f} s)",
            f"{r.workers_after_ttl} processes, {r.rss_after_ttl_mb:.0f} MB RSS "
            f"(the cloud in all: {r.cloud_rss_after_ttl_mb:.0f} MB)",
        ],
        [
            "largest zip refused (CreateFunction)",
            f"{r.refused_zip_bytes / 1e6:.1f} MB zipped, {r.refused_unzipped / 2**20:.0f} MiB "
            f"unzipped: {r.refused_code} in {r.refused_ms:.0f} ms",
        ],
        [
            f"unrelated cold start, median of {len(r.cold_alone_ms)}: alone vs during a "
            f"{ACCEPTED_UNZIPPED / 2**20:.0f} MiB unpack",
            f"{alone:.0f} ms vs {during:.0f} ms ({during / alone:.2f}×)",
        ],
    ]
    return markdown_table(("reliability", "measured"), rows)
