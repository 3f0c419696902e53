"""A SIGKILL in the middle of a burst of writes loses no acknowledged write (the journal).

``python -m helpers.localcloud`` runs as a process of its own; three writers create and
delete functions in two Regions, put objects and send messages, as fast as it answers;
the process is killed with SIGKILL while they write. Restarted on the same state dir,
every write that was answered before the kill is there (and every function whose
delete was answered is gone); a write cut by the kill may be there or not, as on AWS
after a timeout. The figures are printed (``-s`` shows them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from conftest import ASSUME_LAMBDA, local_cloud_process, make_zip
from state_scan import credential_shaped, state_holds_no_credentials  # noqa: F401  (autouse)

REGIONS = ("us-east-1", "ap-northeast-1")
BURST_S = 3.0  # writing this long before the kill (bounded; the counts vary, not the rule)


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


def test_a_sigkill_mid_burst_loses_no_acknowledged_write(tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {"LOCALCLOUD_REALISM": "off"}
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
        first.process.kill()  # SIGKILL, mid-write: nothing flushes or says goodbye
        first.process.wait(timeout=30)
        burst.stop.set()
        for thread in writers:
            thread.join(timeout=60)
            assert not thread.is_alive()
    assert burst.functions and burst.objects and burst.messages

    with local_cloud_process(state, env) as second:
        lams = {r: client(second.endpoint, "lambda", r) for r in REGIONS}
        listed = {
            (r, f["FunctionName"])
            for r in REGIONS
            for page in lams[r].get_paginator("list_functions").paginate()
            for f in page["Functions"]
        }
        s3 = client(second.endpoint, "s3")
        objects = {
            key: s3.get_object(Bucket="burst", Key=key)["Body"].read() for key in burst.objects
        }
        sqs = client(second.endpoint, "sqs")
        received: set[str] = set()
        deadline = time.monotonic() + 60
        while not burst.messages <= received and time.monotonic() < deadline:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)
            received |= {m["MessageId"] for m in got.get("Messages", [])}

    print(
        f"\nSIGKILL after {BURST_S}s of writes: acknowledged {len(burst.functions)} functions "
        f"(+{len(burst.deleted)} deletes), {len(burst.objects)} objects, "
        f"{len(burst.messages)} messages; survived {len(burst.functions & listed)} functions "
        f"({len(burst.deleted & listed)} deleted ones back; {len(burst.cut)} cut by the kill), "
        f"{sum(objects[k] == v for k, v in burst.objects.items())} objects, "
        f"{len(burst.messages & received)} messages"
    )
    assert burst.functions - burst.cut <= listed
    assert not (burst.deleted - burst.cut) & listed
    assert objects == burst.objects
    assert burst.messages <= received
    assert credential_shaped(state) == []
