"""Every name the kit gives an AWS resource, derived from one PREFIX.

Two runs with different prefixes never touch each other's resources: names come from the
prefix, and every resource carries the tags ``workshop=durable-hitl`` and
``prefix=<PREFIX>``, which cleanup checks before it deletes anything it did not name itself.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from botocore.session import Session as BotocoreSession

from .target import Target

WORKSHOP_TAG = "durable-hitl"
ALIAS = "live"
# 3-20 characters keeps every derived name inside its service's limit: the bucket
# "<prefix>-reports-<account>-<region>" is the longest and must stay within 63.
PREFIX_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,18}[a-z0-9]$")
# S3 refuses bucket names that start like these, and the prefix starts the bucket's name.
RESERVED_STARTS = ("xn--", "sthree-", "amzn-s3-demo-")
# Where an account id sits in what the kit shows: an ARN's account field (":123456789012:"),
# an SQS queue URL's path ("/123456789012/"), the report bucket's name ("-123456789012-").
ACCOUNT_IN_TEXT = re.compile(r"(?<=[:/-])\d{12}(?=[:/-])")
ACCOUNT_MASK = "*" * 12
# In a shared account the facilitator's permissions boundary caps every execution role
# (helpers.permissions): the ARN of that policy, or "auto" for the prefix's own
# (``Names.boundary_arn``). Unset, roles get no boundary, as in a personal account.
BOUNDARY_ENV = "WORKSHOP_PERMISSIONS_BOUNDARY"
BOUNDARY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:policy/[\w+=,.@/-]{1,512}$")


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


class BoundaryError(RuntimeError):
    """The permissions boundary setting cannot work; the message says what to do."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: one line, and what to do."""
        return [f"BoundaryError: {self}"]


def permissions_boundary(names: Names) -> str | None:
    """The boundary ARN the execution roles must carry (from ``WORKSHOP_PERMISSIONS_BOUNDARY``),
    or None when it is unset. The one place the setting is read, for both targets."""
    value = os.environ.get(BOUNDARY_ENV, "").strip()
    if not value:
        return None
    if value == "auto":
        return names.boundary_arn
    if not BOUNDARY_ARN.match(value):
        raise BoundaryError(
            redact_account(
                f"{BOUNDARY_ENV}={value!r} is neither 'auto' nor a policy ARN such as "
                f"{names.boundary_arn}: set one of those, then run the cell again."
            )
        )
    return value


@dataclass(frozen=True)
class Names:
    """The names and ARNs of one prefix's resources in one account and region.

    ``app`` tells functions apart: the chatbot is ``<prefix>-chatbot``; another lesson's
    function (say ``app="first"``) gets its own function, role and log group.
    """

    prefix: str
    account: str
    region: str
    app: str = "chatbot"

    def __post_init__(self) -> None:
        validate_prefix(self.prefix)
        if not re.match(r"^[a-z][a-z0-9-]{0,19}$", self.app):
            raise PrefixError(
                f"app must be 1-20 lowercase letters, digits or hyphens, got {self.app!r}."
            )

    @classmethod
    def for_target(cls, target: Target, prefix: str, app: str = "chatbot") -> Names:
        """Names in the target's account (asked of STS) and region."""
        validate_prefix(prefix)  # fail on a bad prefix before any call goes out
        account = target.client("sts").get_caller_identity()["Account"]
        return cls(prefix, account, target.region, app)

    def for_app(self, app: str) -> Names:
        return Names(self.prefix, self.account, self.region, app)

    def describe(self) -> str:
        """The function, queue and bucket names on one line (account masked: for display)."""
        return redact_account(f"function {self.function}, queue {self.queue}, bucket {self.bucket}")

    @property
    def partition(self) -> str:
        return _partition(self.region)

    # -- names -----------------------------------------------------------------------
    @property
    def function(self) -> str:
        return f"{self.prefix}-{self.app}"

    @property
    def role(self) -> str:
        # IAM is global: the region keeps one region's deployment from rewriting the
        # policy of another's under the same prefix.
        return f"{self.prefix}-{self.app}-{self.region}"

    @property
    def inline_policy(self) -> str:
        return f"{self.prefix}-{self.app}-access"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function}"

    @property
    def queue(self) -> str:
        return f"{self.prefix}-approvals"

    @property
    def bucket(self) -> str:
        # Bucket names are global: the account and region keep two attendees' prefixes apart.
        return f"{self.prefix}-reports-{self.account}-{self.region}"

    @property
    def boundary_policy(self) -> str:
        """The customer managed policy the facilitator creates to cap this prefix's roles."""
        return f"{self.prefix}-boundary"

    alias: ClassVar[str] = ALIAS

    # -- ARNs ------------------------------------------------------------------------
    def _arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )

    @property
    def function_arn(self) -> str:
        return self._arn("lambda", f"function:{self.function}")

    @property
    def executions_arn(self) -> str:
        """What the durable checkpoint actions act on: every qualified ARN of the function
        (an execution ARN always carries a version or alias, so the unqualified ARN alone
        would never match)."""
        return f"{self.function_arn}:*"

    @property
    def role_arn(self) -> str:
        return self._arn("iam", f"role/{self.role}", region=False)

    @property
    def boundary_arn(self) -> str:
        return self._arn("iam", f"policy/{self.boundary_policy}", region=False)

    @property
    def log_group_arn(self) -> str:
        return self._arn("logs", f"log-group:{self.log_group}")

    @property
    def queue_arn(self) -> str:
        return self._arn("sqs", self.queue)

    @property
    def bucket_arn(self) -> str:
        return self._arn("s3", self.bucket, region=False, account=False)

    @property
    def tags(self) -> dict[str, str]:
        return {"workshop": WORKSHOP_TAG, "prefix": self.prefix}

    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        """The tags as the [{Key, Value}] lists of IAM, S3 and SQS's older APIs."""
        return [{key: k, value: v} for k, v in self.tags.items()]
