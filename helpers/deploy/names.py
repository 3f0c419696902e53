"""Every name the kit gives an AWS resource, derived from one PREFIX.

Two runs with different prefixes never touch each other's resources: names come from the
prefix, and every resource carries the tags ``workshop=durable-hitl`` and
``prefix=<PREFIX>``, which cleanup checks before it deletes anything it did not name itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from functools import cache
from typing import ClassVar

from botocore.session import Session as BotocoreSession

from ..target import Target

WORKSHOP_TAG = "durable-hitl"
ALIAS = "live"
# 3-20 characters keeps every derived name inside its service's limit: the bucket
# "<prefix>-reports-<account>-<region>" is the longest and must stay within 63.
PREFIX_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,18}[a-z0-9]$")
# S3 refuses bucket names that start like these, and the prefix starts the bucket's name.
RESERVED_STARTS = ("xn--", "sthree-", "amzn-s3-demo-")
APP_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
# Where an account id sits in what the kit shows: an ARN's account field (":123456789012:"),
# an SQS queue URL's path ("/123456789012/"), the report bucket's name ("-123456789012-").
ACCOUNT_IN_TEXT = re.compile(r"(?<=[:/-])\d{12}(?=[:/-])")
ACCOUNT_MASK = "*" * 12


def redact_account(text: str) -> str:
    """``text`` with its account ids masked, for display only.

    Attendees share screenshots and executed notebooks: an account id is not a secret, but
    not theirs to publish either. Only what the kit prints or displays goes through this;
    the values the code uses (``role_arn``, ``queue_url``, the state file) stay whole. The
    report link is not masked: it must open.
    """
    return ACCOUNT_IN_TEXT.sub(ACCOUNT_MASK, text)


@cache
def _partition(region: str) -> str:
    """aws, aws-cn, aws-us-gov...: the first word of every ARN in that region."""
    partition: str = BotocoreSession().get_partition_for_region(region)
    return partition


class PrefixError(ValueError):
    """A PREFIX the kit cannot derive valid names from; the message says what to use."""


def validate_prefix(prefix: object) -> str:
    """``prefix`` if AWS accepts every name derived from it, else a PrefixError saying why."""
    if not isinstance(prefix, str):
        raise PrefixError(f"PREFIX must be a string such as 'hitl-alice', got {prefix!r}.")
    if not PREFIX_PATTERN.match(prefix):
        raise PrefixError(
            f"PREFIX {prefix!r} cannot name the workshop's resources: use 3 to 20 lowercase "
            "letters, digits and hyphens, starting and ending with a letter or digit "
            "(for example 'hitl-alice')."
        )
    if prefix.startswith(RESERVED_STARTS):
        raise PrefixError(
            f"PREFIX {prefix!r} starts like a name S3 reserves "
            f"({', '.join(RESERVED_STARTS)}); pick another."
        )
    return prefix


@dataclass(frozen=True)
class Names:
    """The names and ARNs of one prefix's resources in one account and region.

    ``app`` tells functions apart: the chatbot is ``<prefix>-chatbot``; another lesson's
    function (say ``app="first"``) gets its own function, role and log group. The other
    fields derive from these four, all in one place (``__post_init__``): the function,
    role, inline policy, log group, queue, bucket and boundary policy names, their ARNs
    (``function_arn``, ``role_arn``...), and the ``partition`` of the region.
    """

    prefix: str
    account: str
    region: str
    app: str = "chatbot"
    alias: ClassVar[str] = ALIAS
    # Derived, not arguments: __post_init__ sets them.
    partition: str = field(init=False, repr=False)
    function: str = field(init=False, repr=False)
    role: str = field(init=False, repr=False)
    inline_policy: str = field(init=False, repr=False)
    log_group: str = field(init=False, repr=False)
    queue: str = field(init=False, repr=False)
    bucket: str = field(init=False, repr=False)
    boundary_policy: str = field(init=False, repr=False)
    function_arn: str = field(init=False, repr=False)
    executions_arn: str = field(init=False, repr=False)
    role_arn: str = field(init=False, repr=False)
    boundary_arn: str = field(init=False, repr=False)
    log_group_arn: str = field(init=False, repr=False)
    queue_arn: str = field(init=False, repr=False)
    bucket_arn: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        validate_prefix(self.prefix)
        if not APP_PATTERN.match(self.app):
            raise PrefixError(
                f"app must be 1-20 lowercase letters, digits or hyphens, got {self.app!r}."
            )
        prefix, account, region = self.prefix, self.account, self.region
        partition = _partition(region)
        function = f"{prefix}-{self.app}"
        # IAM is global: the region keeps one region's deployment from rewriting the
        # policy of another's under the same prefix.
        role = f"{function}-{region}"
        log_group = f"/aws/lambda/{function}"
        queue = f"{prefix}-approvals"
        # Bucket names are global: the account and region keep two attendees' prefixes apart.
        bucket = f"{prefix}-reports-{account}-{region}"
        # The customer managed policy the facilitator creates to cap this prefix's roles.
        boundary_policy = f"{prefix}-boundary"

        def arn(service: str, resource: str, in_region: str = region, of: str = account) -> str:
            return f"arn:{partition}:{service}:{in_region}:{of}:{resource}"

        derived = {
            "partition": partition,
            "function": function,
            "role": role,
            "inline_policy": f"{function}-access",
            "log_group": log_group,
            "queue": queue,
            "bucket": bucket,
            "boundary_policy": boundary_policy,
            "function_arn": arn("lambda", f"function:{function}"),
            # What the durable checkpoint actions act on: every qualified ARN of the
            # function (an execution ARN always carries a version or alias, so the
            # unqualified ARN alone would never match).
            "executions_arn": arn("lambda", f"function:{function}:*"),
            "role_arn": arn("iam", f"role/{role}", in_region=""),
            "boundary_arn": arn("iam", f"policy/{boundary_policy}", in_region=""),
            "log_group_arn": arn("logs", f"log-group:{log_group}"),
            "queue_arn": arn("sqs", queue),
            "bucket_arn": arn("s3", bucket, in_region="", of=""),
        }
        for derived_field in fields(self):
            if not derived_field.init:  # frozen: set once, here
                object.__setattr__(self, derived_field.name, derived[derived_field.name])

    @classmethod
    def for_target(cls, target: Target, prefix: str, app: str = "chatbot") -> Names:
        """Names in the target's account (asked of STS) and region."""
        validate_prefix(prefix)  # fail on a bad prefix before any call goes out
        account = target.client("sts").get_caller_identity()["Account"]
        return cls(prefix, account, target.region, app)

    def for_app(self, app: str) -> Names:
        """The same prefix, account and region for another function (``app``)."""
        return Names(self.prefix, self.account, self.region, app)

    def describe(self) -> str:
        """The function, queue and bucket names on one line (account masked: for display)."""
        return redact_account(f"function {self.function}, queue {self.queue}, bucket {self.bucket}")

    @property
    def tags(self) -> dict[str, str]:
        """What every resource of the prefix carries: cleanup removes only what has them."""
        return {"workshop": WORKSHOP_TAG, "prefix": self.prefix}

    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        """The tags as the [{Key, Value}] lists of IAM, S3 and SQS's older APIs."""
        return [{key: k, value: v} for k, v in self.tags.items()]
