"""Load: many chatbot conversations at once on one local cloud, approvals answered by workers.

One deployment (helpers.deploy), N executions started together, each asking the question
that needs three tools. A few worker threads read the shared SQS queue at small random
delays and answer every approval request from a seeded plan made per execution. At the end
every execution SUCCEEDED with exactly its own plan's decisions (no callback crossed to
another execution), and the queue is empty. Figures (time, peak memory) are printed, not
asserted. ``RELIABILITY_CONVERSATIONS`` sets N.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)

from helpers import deploy
from helpers.approvals import parse_message
from helpers.deploy import Bundle, Names
from helpers.localcloud import LocalCloud
from helpers.target import Target
from helpers.teardown import cleanup

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow]

PREFIX = "rel-load"
N = int(os.environ.get("RELIABILITY_CONVERSATIONS", "50"))
WORKERS = 4
SEED = 20251126
TOOLS = ["search_docs", "calculate", "estimate_lambda_cost"]
QUERY = (
    "What happens to a durable execution while a callback waits for approval, "
    "what is 3 * 17.5, and what would 1000 executions at 512 MB cost?"
)
TIMEOUT = 240.0  # the whole run; bounded, far above what it takes


class Answerer:
    """Shared state of the workers: the plan per execution and what was answered."""

    def __init__(self, plans: dict[str, list[str]]) -> None:
        self.plans = plans
        self.answered: dict[str, list[str]] = {}  # execution arn -> callback ids in order
        self.duplicates = 0
        self.unknown = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def decide(self, arn: str, callback_id: str) -> str | None:
        """The planned decision for this callback, or None when it was answered already."""
        with self.lock:
            done = self.answered.setdefault(arn, [])
            if callback_id in done:
                self.duplicates += 1
                return None
            plan = self.plans[arn]
            decision = plan[len(done)] if len(done) < len(plan) else "APPROVE"
            done.append(callback_id)
            return decision

    def run(self, client: Callable[[str], Any], queue_url: str, seed: int) -> None:
        rng = random.Random(seed)
        sqs, lam = client("sqs"), client("lambda")
        while not self.stop.is_set():
            try:
                reply = sqs.receive_message(
                    QueueUrl=queue_url, MaxNumberOfMessages=rng.randint(1, 5), WaitTimeSeconds=1
                )
                for message in reply.get("Messages", []):
                    time.sleep(rng.uniform(0, 0.05))
                    request = parse_message(message["Body"])
                    arn = request["execution_arn"]
                    if arn not in self.plans:  # started but not registered yet: retry later
                        with self.lock:
                            self.unknown += 1
                        sqs.change_message_visibility(
                            QueueUrl=queue_url,
                            ReceiptHandle=message["ReceiptHandle"],
                            VisibilityTimeout=0,
                        )
                        continue
                    decision = self.decide(arn, request["callback_id"])
                    if decision is not None:
                        result = {"decision": decision, "comment": "load test"}
                        lam.send_durable_execution_callback_success(
                            CallbackId=request["callback_id"], Result=json.dumps(result).encode()
                        )
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            except (ClientError, ValueError, KeyError) as exc:  # recorded, asserted empty
                with self.lock:
                    self.errors.append(f"{type(exc).__name__}: {exc}")


def test_concurrent_conversations_each_get_their_own_decisions(
    cloud: LocalCloud,
    target: Target,
    real_bundle: Bundle,
    clients_at: Callable[[str], Callable[[str], Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = Names.for_target(target, PREFIX)
    lam = target.client("lambda")
    rng = random.Random(SEED)
    try:
        deployment = deploy.deploy_chatbot(target, names, bundle=real_bundle)
        peak = cloud.memory_mb()
        started = time.monotonic()
        plans: dict[str, list[str]] = {}
        answerer = Answerer(plans)
        workers = [
            threading.Thread(
                target=answerer.run,
                args=(clients_at(cloud.endpoint), deployment.queue_url, SEED + i),
                daemon=True,
            )
            for i in range(WORKERS)
        ]
        for worker in workers:
            worker.start()
        try:
            for i in range(N):
                plan = [rng.choice(["APPROVE", "DENY"]) for _ in TOOLS]
                arn = deploy.start_execution(
                    target, names, {"query": QUERY}, execution_name=f"load-{i:03d}-{SEED}"
                )
                plans[arn] = plan
            details: dict[str, dict[str, Any]] = {}
            deadline = started + TIMEOUT
            pending = set(plans)
            while pending and time.monotonic() < deadline:
                for arn in sorted(pending):
                    status = lam.get_durable_execution(DurableExecutionArn=arn)
                    if status["Status"] != "RUNNING":
                        details[arn] = status
                        pending.discard(arn)
                peak = max(peak, cloud.memory_mb())
                time.sleep(0.5)
            elapsed = time.monotonic() - started
        finally:
            answerer.stop.set()
            for worker in workers:
                worker.join(timeout=10)
        assert not pending, f"{len(pending)} of {N} executions still RUNNING after {TIMEOUT} s"
        assert answerer.errors == []

        for arn, plan in plans.items():
            assert details[arn]["Status"] == "SUCCEEDED", (arn, details[arn].get("Error"))
            result = json.loads(details[arn]["Result"])
            assert [(d["tool"], d["decision"]) for d in result["decisions"]] == list(
                zip(TOOLS, plan, strict=True)
            ), arn
            assert len(answerer.answered[arn]) == len(TOOLS)

        sqs = target.client("sqs")
        attributes = sqs.get_queue_attributes(
            QueueUrl=deployment.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        assert attributes == {
            "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0",
        }  # fmt: skip
        with capsys.disabled():
            print(
                f"\nreliability/load: {N} conversations x {len(TOOLS)} approvals, "
                f"{WORKERS} workers: {elapsed:.1f} s, peak RSS {peak:.0f} MB "
                f"(process + workers), duplicates {answerer.duplicates}, "
                f"early messages {answerer.unknown}"
            )
    finally:
        cleanup(target, PREFIX)
