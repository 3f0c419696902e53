"""Every name from one PREFIX (helpers.deploy.names): what AWS accepts, what the kit shows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from deploying import ACCOUNT, REGION

from helpers.deploy import Names, PrefixError, redact_account, steps, validate_prefix


@pytest.mark.parametrize("prefix", ["abc", "hitl-alice", "ws-2", "a" * 20, "0day"])
def test_valid_prefixes_pass(prefix: str) -> None:
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize(
    "prefix",
    ["ab", "a" * 21, "Hitl", "hitl_alice", "-hitl", "hitl-", "hitl alice", "", "xn--abc", None, 3],
)
def test_invalid_prefixes_are_refused_with_what_to_use(prefix: object) -> None:
    with pytest.raises(PrefixError, match=r"PREFIX"):
        validate_prefix(prefix)


def test_a_bad_prefix_fails_before_any_call() -> None:
    class NoCalls:
        region = REGION

        def client(self, service: str) -> Any:
            raise AssertionError("no call may go out")

    with pytest.raises(PrefixError, match="3 to 20 lowercase"):
        Names.for_target(NoCalls(), "Bad_Prefix")  # type: ignore[arg-type]


def test_names_derive_from_the_prefix_and_fit_aws_limits() -> None:
    names = Names("a" * 20, ACCOUNT, "ap-southeast-5")
    assert len(names.bucket) <= 63 and re.match(r"^[a-z0-9][a-z0-9.-]+[a-z0-9]$", names.bucket)
    assert len(names.role) <= 64 and len(names.function) <= 64 and len(names.queue) <= 80
    for name in (names.function, names.role, names.queue, names.bucket, names.inline_policy):
        assert name.startswith(f"{names.prefix}-")
    assert names.log_group == f"/aws/lambda/{names.function}"
    assert names.tags == {"workshop": "durable-hitl", "prefix": "a" * 20}

    n = Names("hitl-alice", ACCOUNT, "us-east-2")
    assert n.function == "hitl-alice-chatbot" and n.alias == "live"
    assert n.executions_arn == "arn:aws:lambda:us-east-2:123456789012:function:hitl-alice-chatbot:*"
    assert n.queue_arn == "arn:aws:sqs:us-east-2:123456789012:hitl-alice-approvals"
    assert n.bucket_arn == "arn:aws:s3:::hitl-alice-reports-123456789012-us-east-2"
    assert n.for_app("first").function == "hitl-alice-first"
    assert Names("hitl-alice", ACCOUNT, "us-gov-west-1").queue_arn.startswith("arn:aws-us-gov:")


def test_account_ids_are_masked_in_display_only(capsys: pytest.CaptureFixture[str]) -> None:
    from helpers import preflight
    from helpers.show import json_block, table

    n = Names("hitl-alice", ACCOUNT, "us-east-2")
    queue_url = f"https://sqs.us-east-2.amazonaws.com/{ACCOUNT}/{n.queue}"
    shown = redact_account(f"{n.role_arn} {queue_url} {n.bucket} {n.executions_arn}")
    assert ACCOUNT not in shown and shown.count("************") == 4
    assert n.describe() == (
        "function hitl-alice-chatbot, queue hitl-alice-approvals, "
        "bucket hitl-alice-reports-************-us-east-2"
    )
    assert ACCOUNT in n.bucket and ACCOUNT in n.role_arn  # the data keeps it
    # Not an account id: a uuid's last group, epoch milliseconds, a fraction's digits.
    others = f"req 0b5f3c8e-1d2a-4f7b-9a51-{ACCOUNT} at 1764118088123 ms, 0.{ACCOUNT}"
    assert redact_account(others) == others

    data = {"Role": n.role_arn}
    assert ACCOUNT not in json_block(data).data and data["Role"] == n.role_arn
    assert ACCOUNT not in table([data]).data
    assert ACCOUNT not in str(preflight.Check("identity", True, f"arn:aws:sts::{ACCOUNT}:user/u"))
    steps.say("bucket", n.bucket, "created")
    assert capsys.readouterr().out == "bucket hitl-alice-reports-************-us-east-2: created\n"
