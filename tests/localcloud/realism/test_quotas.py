"""Request quotas, answered as each service answers throttling (realism/quotas.py)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError
from realism_cases import REGION, code, retrying

from helpers.localcloud import LocalCloud
from helpers.localcloud.background import health
from helpers.localcloud.realism import FAST, Realism


# -- 5. quotas --------------------------------------------------------------------------------
def test_token_buckets_per_account_region_and_operation() -> None:
    now = [0.0]
    model = Realism(FAST, clock=lambda: now[0])
    refused = [model.wait_for_token("a", "us-east-1", "FilterLogEvents") for _ in range(6)]
    assert refused[:5] == [0.0] * 5 and refused[5] > 0  # 5 per second, a burst of 5
    assert model.wait_for_token("b", "us-east-1", "FilterLogEvents") == 0  # another account
    assert model.wait_for_token("a", "us-east-2", "FilterLogEvents") == 0  # another Region
    now[0] += 0.2  # one token back
    assert model.wait_for_token("a", "us-east-1", "FilterLogEvents") == 0
    assert model.wait_for_token("a", "us-east-1", "FilterLogEvents") > 0
    assert model.throttled == 2


def test_filter_log_events_is_throttled_as_cloudwatch_logs_answers(
    client: Callable[[str], Any], cloud: LocalCloud, name: Callable[..., str]
) -> None:
    logs, group = client("logs"), f"/aws/lambda/{name('quota')}"
    logs.create_log_group(logGroupName=group)

    def read(_: int) -> ClientError | None:
        try:
            logs.filter_log_events(logGroupName=group)
        except ClientError as exc:
            return exc
        return None

    with ThreadPoolExecutor(8) as pool:  # far over 5 per second
        errors = [e for e in pool.map(read, range(40)) if e is not None]
    assert errors, "40 FilterLogEvents at once were never throttled"
    assert health(cloud.endpoint)["throttled"] >= len(errors)  # counted for the figures
    assert {code(e) for e in errors} == {"ThrottlingException"}
    assert {e.response["ResponseMetadata"]["HTTPStatusCode"] for e in errors} == {400}
    # botocore's standard retries take it as a throttle and absorb it.
    kit = retrying(cloud.endpoint, "logs")
    for _ in range(12):
        kit.filter_log_events(logGroupName=group)


def test_durable_reads_are_throttled_as_lambda_answers(
    client: Callable[[str], Any], cloud: LocalCloud
) -> None:
    lam = client("lambda")
    arn = f"arn:aws:lambda:{REGION}:123456789012:function:f:1/durable-execution/x/y"

    def read(_: int) -> ClientError | None:
        try:
            lam.get_durable_execution_history(DurableExecutionArn=arn)
        except ClientError as exc:
            return exc
        return None

    with ThreadPoolExecutor(8) as pool:  # far over 15 per second
        errors = [e for e in pool.map(read, range(80)) if e is not None]
    throttled = [e for e in errors if code(e) == "TooManyRequestsException"]
    assert throttled, "80 GetDurableExecutionHistory at once were never throttled"
    reply = throttled[0].response
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert reply["Error"]["Message"] == "Rate exceeded" and int(reply["retryAfterSeconds"]) >= 1
    assert isinstance(throttled[0], lam.exceptions.TooManyRequestsException)
