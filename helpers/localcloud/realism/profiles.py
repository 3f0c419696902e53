"""The realism profiles: how long each AWS behaviour lasts, and AWS's request quotas."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

PROFILES = ("fast", "aws", "off")
DEFAULT = "fast"
ENV = "LOCALCLOUD_REALISM"

# -- quotas (requests per second, per account and Region) ---------------------------------
# CloudWatch Logs: FilterLogEvents 5 TPS, a hard limit ("How do I determine throttling in
# my CloudWatch logs?", AWS Knowledge Center). GetLogEvents 25, DescribeLogStreams 25,
# DescribeLogGroups 10: the "CloudWatch Logs quotas" page (as recalled; verify there).
LOGS_QUOTAS = {
    "FilterLogEvents": 5.0,
    "GetLogEvents": 25.0,
    "DescribeLogStreams": 25.0,
    "DescribeLogGroups": 10.0,
}
# Lambda quotas page, section "Durable functions" (read 2026-12): per second.
DURABLE_QUOTAS = {
    "GetDurableExecution": 30.0,
    "GetDurableExecutionHistory": 15.0,
    "ListDurableExecutionsByFunction": 15.0,
    "SendDurableExecutionCallbackSuccess": 3000.0,
    "SendDurableExecutionCallbackFailure": 3000.0,
    "SendDurableExecutionCallbackHeartbeat": 3000.0,
    "StopDurableExecution": 300.0,
}
# The same page: these Regions get twice the callback and stop rates.
DOUBLED_REGIONS = frozenset({"us-east-1", "us-west-2", "eu-west-1"})
DOUBLED_OPS = frozenset(
    {
        "SendDurableExecutionCallbackSuccess",
        "SendDurableExecutionCallbackFailure",
        "SendDurableExecutionCallbackHeartbeat",
        "StopDurableExecution",
    }
)


@dataclass(frozen=True)
class Profile:
    """How long each behaviour lasts, in seconds; quotas in requests per second."""

    name: str
    function_pending_s: float = 0.0
    update_in_progress_s: float = 0.0
    role_propagation_s: float = 0.0
    log_delay_s: tuple[float, float] = (0.0, 0.0)  # each batch: uniform in [low, high]
    queue_linger_s: float = 0.0  # GetQueueUrl still finds a deleted queue
    queue_name_reserved_s: float = 0.0  # CreateQueue of that name: QueueDeletedRecently
    bucket_name_reserved_s: float = 0.0  # CreateBucket of that name: OperationAborted
    quotas: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the local cloud's log: the profile's figures."""
        if self.name == "off":
            return "realism off: no AWS delays or quotas (benchmarks only)"
        low, high = self.log_delay_s
        return (
            f"realism {self.name}: function Pending {self.function_pending_s:g} s, update "
            f"InProgress {self.update_in_progress_s:g} s, new role {self.role_propagation_s:g} s, "
            f"logs {low:g}-{high:g} s late, deleted queue {self.queue_linger_s:g} s "
            f"(name {self.queue_name_reserved_s:g} s), bucket name {self.bucket_name_reserved_s:g} "
            "s, AWS quotas on log and durable reads"
        )


QUOTAS = {**LOGS_QUOTAS, **DURABLE_QUOTAS}

# Each behaviour's (fast, aws) figure. ``fast``: long enough that the first look after the
# call still sees the transient state (the waiters' first poll is immediate), short enough
# for `make workshop` (< 75 s). ``aws``: AWS's figures, each with its source.
_FIGURES: dict[str, tuple[Any, Any]] = {
    # Lambda "Function states" (Lambda developer guide): Pending while Lambda creates the
    # function's resources; no figure is documented. A zip function outside a VPC is
    # commonly observed Pending for a few seconds.
    "function_pending_s": (0.3, 3.0),
    # Same page, LastUpdateStatus InProgress after an update: commonly a few seconds.
    "update_in_progress_s": (0.3, 3.0),
    # IAM "Troubleshoot IAM: changes I make are not always immediately visible" (eventual
    # consistency, no figure); Lambda refusing a new role is commonly observed for ~10 s.
    "role_propagation_s": (0.6, 10.0),
    # CloudWatch Logs: Lambda's records commonly show up seconds after the invocation
    # (no figure documented); sometimes longer.
    "log_delay_s": ((0.1, 0.6), (1.0, 8.0)),
    # SQS DeleteQueue (API reference): "The deletion process takes up to 60 seconds";
    # CreateQueue: "wait 60 seconds after deleting a queue" before reusing its name.
    "queue_linger_s": (1.0, 60.0),
    "queue_name_reserved_s": (2.0, 60.0),
    # S3 DeleteBucket/CreateBucket: re-creating a just-deleted name answers 409
    # OperationAborted for a while (commonly observed up to a minute or more; undocumented).
    "bucket_name_reserved_s": (1.5, 60.0),
}

# Quotas are not a time cost unless exceeded: AWS's own, in both profiles.
FAST = Profile("fast", quotas=QUOTAS, **{k: fast for k, (fast, _) in _FIGURES.items()})
AWS = Profile("aws", quotas=QUOTAS, **{k: aws for k, (_, aws) in _FIGURES.items()})
OFF = Profile("off")

BY_NAME = {p.name: p for p in (FAST, AWS, OFF)}


class RealismError(ValueError):
    """An unknown profile name; the message lists the valid ones."""


def profile_named(name: str | None = None) -> Profile:
    """The profile ``name``, else ``LOCALCLOUD_REALISM``, else ``fast``."""
    chosen = name or os.environ.get(ENV) or DEFAULT
    if chosen not in BY_NAME:
        raise RealismError(
            f"realism {chosen!r} is unknown: use one of {', '.join(PROFILES)} (--realism or {ENV})."
        )
    return BY_NAME[chosen]
