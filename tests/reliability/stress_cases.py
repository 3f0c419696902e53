"""What the reliability tests and ``make bench`` both throw at a local cloud, defined once:
a zip bomb (tests/reliability/test_code_bounds.py) and a burst of writes cut by a SIGKILL
(tests/reliability/test_sigkill_burst.py). The tests assert on them; benchmarks/
reliability_side.py measures them (it puts tests/ and this folder on sys.path).
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import ASSUME_LAMBDA, local_cloud_process, make_zip

REGIONS = ("us-east-1", "ap-northeast-1")
BURST_S = 3.0  # writing this long before the kill (bounded; the counts vary, not the rule)


def bomb(unzipped: int, member: str = "app.py", beside: dict[str, str] | None = None) -> bytes:
    """A small zip that unpacks to ``unzipped`` bytes of zeros in ``member``, after the
    small text files ``beside`` it ({name: text})."""
    buf = io.BytesIO()
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (beside or {}).items():
            archive.writestr(name, text)
        with archive.open(member, "w", force_zip64=True) as out:
            left = unzipped
            while left > 0:
                out.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
    return buf.getvalue()


def client(endpoint: str, service: str, region: str = "us-east-1") -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(
            retries={"max_attempts": 1},
            connect_timeout=5,
            read_timeout=30,
            s3={"addressing_style": "path"},
        ),
    )


class Burst:
    """Writers that note what was acknowledged, until the cloud stops answering."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.functions: set[tuple[str, str]] = set()  # (region, name) created, not deleted
        self.deleted: set[tuple[str, str]] = set()
        self.objects: dict[str, bytes] = {}
        self.messages: set[str] = set()
        self.cut: set[tuple[str, str]] = set()  # the function calls the kill cut: unknown
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.calling: set[tuple[str, str]] = set()

    def run(self, writer: Callable[[int], None]) -> None:
        for i in range(100_000):
            if self.stop.is_set():
                return
            try:
                writer(i)
            except Exception:  # the kill: this write was never acknowledged
                self.cut |= self.calling
                return

    def functions_writer(self, role: str) -> Callable[[int], None]:
        lams = {r: client(self.endpoint, "lambda", r) for r in REGIONS}
        code = make_zip("def handler(e, c):\n    return 1\n")

        def write(i: int) -> None:
            name, step = f"fn-{i // 3}", i % 3  # one name in us-east-1, then ap-northeast-1
            region = REGIONS[min(step, 1)]
            self.calling = {("us-east-1", name), (region, name)}
            if step == 2:  # every other name: delete the us-east-1 one; its namesake stays
                if i // 3 % 2 == 0:
                    lams["us-east-1"].delete_function(FunctionName=name)
                    with self.lock:
                        self.functions.discard(("us-east-1", name))
                        self.deleted.add(("us-east-1", name))
                return
            lams[region].create_function(
                FunctionName=name,
                Runtime="python3.13",
                Role=role,
                Handler="app.handler",
                Code={"ZipFile": code},
            )
            with self.lock:
                self.functions.add((region, name))

        return write

    def objects_writer(self) -> Callable[[int], None]:
        s3 = client(self.endpoint, "s3")

        def write(i: int) -> None:
            body = f"object {i}".encode()
            s3.put_object(Bucket="burst", Key=f"k{i}", Body=body)
            self.objects[f"k{i}"] = body

        return write

    def messages_writer(self, url: str) -> Callable[[int], None]:
        sqs = client(self.endpoint, "sqs")

        def write(i: int) -> None:
            self.messages.add(sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")["MessageId"])

        return write


@dataclass
class Killed:
    """A burst cut by SIGKILL: what was acknowledged, the queue it wrote to, its writers
    (joined, up to a minute each)."""

    burst: Burst
    queue_url: str
    writers: list[threading.Thread]


def kill_mid_burst(state: Path, env: dict[str, str]) -> Killed:
    """``python -m helpers.localcloud`` on ``state``; three writers (functions in two
    Regions, objects, messages) as fast as it answers, for BURST_S; then SIGKILL, mid-write:
    nothing flushes or says goodbye."""
    with local_cloud_process(state, env) as first:
        iam = client(first.endpoint, "iam")
        role = iam.create_role(RoleName="burst", AssumeRolePolicyDocument=ASSUME_LAMBDA)
        client(first.endpoint, "s3").create_bucket(Bucket="burst")
        url = client(first.endpoint, "sqs").create_queue(QueueName="burst")["QueueUrl"]
        burst = Burst(first.endpoint)
        writers = [
            threading.Thread(target=burst.run, args=(w,))
            for w in (
                burst.functions_writer(role["Role"]["Arn"]),
                burst.objects_writer(),
                burst.messages_writer(url),
            )
        ]
        for thread in writers:
            thread.start()
        time.sleep(BURST_S)
        first.process.kill()
        first.process.wait(timeout=30)
        burst.stop.set()
        for thread in writers:
            thread.join(timeout=60)
    return Killed(burst, url, writers)


@dataclass
class Restarted:
    """What the cloud restarted on the same state has of a killed burst."""

    listed: set[tuple[str, str]]  # (region, name) of every function it lists
    objects: dict[str, bytes]  # the acknowledged objects it still has, as it has them
    received: set[str]  # the ids of the messages it delivered


def restart_after(state: Path, env: dict[str, str], killed: Killed) -> Restarted:
    """Every function listed, every acknowledged object read back (one it lacks is left
    out), messages received until all acknowledged ones came or a minute passed."""
    burst = killed.burst
    with local_cloud_process(state, env) as second:
        lams = {r: client(second.endpoint, "lambda", r) for r in REGIONS}
        listed = {
            (r, f["FunctionName"])
            for r in REGIONS
            for page in lams[r].get_paginator("list_functions").paginate()
            for f in page["Functions"]
        }
        s3 = client(second.endpoint, "s3")
        objects: dict[str, bytes] = {}
        for key in burst.objects:
            with suppress(ClientError):
                objects[key] = s3.get_object(Bucket="burst", Key=key)["Body"].read()
        sqs = client(second.endpoint, "sqs")
        received: set[str] = set()
        deadline = time.monotonic() + 60
        while not burst.messages <= received and time.monotonic() < deadline:
            got = sqs.receive_message(
                QueueUrl=killed.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300
            )
            received |= {m["MessageId"] for m in got.get("Messages", [])}
    return Restarted(listed, objects, received)
