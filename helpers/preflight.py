"""Preflight: can this target run the workshop? One line per check, a fix for each failure."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from .naming import Names, redact_account, validate_prefix
from .target import Target


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        # The identity's ARN carries the account id: masked where it is shown.
        return redact_account(f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}")


PROBE_FUNCTION = "workshop-preflight-probe"


def _durable_api_answers(lam: object, function: str) -> bool:
    try:
        lam.list_durable_executions_by_function(FunctionName=function)  # type: ignore[attr-defined]
    except ClientError as exc:
        # No such function is the expected answer: the API itself is there.
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    return True


def run(target: Target, prefix: str | None = None) -> list[Check]:
    """Identity, Lambda with durable functions, S3, SQS and Logs, each called once.

    With ``prefix``, the durable API is asked about the prefix's chatbot function (there
    or not, the API answers): an attendee whose policy covers only the prefix's resources
    (``helpers.permissions``) may ask about that one and no other.
    """
    if prefix is not None:
        validate_prefix(prefix)  # a bad PREFIX fails here, before any call goes out
    checks: list[Check] = []

    def attempt(name: str, call: object, ok_detail: str, fix: str) -> None:
        try:
            result = call()  # type: ignore[operator]
            checks.append(Check(name, True, ok_detail.format(result=result)))
        except (ClientError, BotoCoreError) as exc:
            checks.append(Check(name, False, f"{exc}. {fix}"))

    sts, lam = target.client("sts"), target.client("lambda")
    attempt(
        "identity",
        lambda: sts.get_caller_identity()["Arn"],
        "{result}",
        "Configure credentials (aws configure / AWS_PROFILE) or use TARGET='local'.",
    )
    attempt(
        "lambda",
        lambda: len(lam.list_functions(MaxItems=50)["Functions"]),
        "{result} functions visible",
        "Check the region and the Lambda permissions.",
    )
    attempt(
        "durable executions",
        lambda: _durable_api_answers(
            lam, Names.for_target(target, prefix).function if prefix else PROBE_FUNCTION
        ),
        "API answers",
        "Pick a region where Lambda durable functions are available, or check the Lambda "
        "permissions.",
    )
    attempt(
        "s3",
        lambda: len(target.client("s3").list_buckets()["Buckets"]),
        "{result} buckets visible",
        "Check the S3 permissions.",
    )
    attempt(
        "sqs",
        lambda: len(target.client("sqs").list_queues().get("QueueUrls", [])),
        "{result} queues visible",
        "Check the SQS permissions.",
    )
    attempt(
        "logs",
        lambda: len(target.client("logs").describe_log_groups(limit=5)["logGroups"]),
        "CloudWatch Logs answers",
        "Check the CloudWatch Logs permissions.",
    )
    return checks
