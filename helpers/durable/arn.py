"""Durable execution ARNs, parsed once:
``arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER/durable-execution/NAME/ID``.

An execution runs on, and is filed under, a version: its qualifier is ``$LATEST`` or a
version number, never an alias (Lambda API reference, Execution ARNs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATOR = "/durable-execution/"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


@dataclass(frozen=True)
class ExecutionArn:
    """A durable execution's ARN, in parts. ``ExecutionArn.parse(arn)``; ``str()`` gives
    the ARN back."""

    partition: str
    region: str
    account: str
    function_name: str
    qualifier: str | None  # "$LATEST", a version number, or None when the ARN has none
    execution_name: str
    execution_id: str

    @classmethod
    def parse(cls, arn: str) -> ExecutionArn:
        """The parts of ``arn``; ValueError saying what an execution ARN looks like."""
        head, sep, tail = str(arn).partition(_SEPARATOR)
        parts = head.split(":")
        name, slash, execution_id = tail.partition("/")
        if (
            not sep
            or len(parts) not in (7, 8)
            or parts[0] != "arn"
            or parts[2] != "lambda"
            or parts[5] != "function"
            or not parts[6]
            or not name
            or not slash
            or not execution_id
            or "/" in execution_id
        ):
            raise ValueError(
                f"{arn!r} is not a durable execution ARN (arn:aws:lambda:REGION:ACCOUNT:"
                "function:NAME:QUALIFIER/durable-execution/NAME/ID)"
            )
        return cls(
            partition=parts[1],
            region=parts[3],
            account=parts[4],
            function_name=parts[6],
            qualifier=parts[7] if len(parts) == 8 and parts[7] else None,
            execution_name=name,
            execution_id=execution_id,
        )

    @property
    def function_arn(self) -> str:
        """The (qualified, when the ARN has a qualifier) function ARN it ran on."""
        qualifier = f":{self.qualifier}" if self.qualifier else ""
        return (
            f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:"
            f"{self.function_name}{qualifier}"
        )

    @property
    def short_id(self) -> str:
        """A readable id: the execution name, the start of a uuid name, or a long name's
        start and random tail (long names share their start: app, date)."""
        name = self.execution_name
        if _UUID.match(name):
            return name[:8]
        return name if len(name) <= 24 else f"{name[:10]}…{name[-8:]}"

    def __str__(self) -> str:
        return f"{self.function_arn}{_SEPARATOR}{self.execution_name}/{self.execution_id}"


def execution_name(arn: str) -> str:
    """The name part of an execution ARN (the ARN itself if it is not one)."""
    try:
        return ExecutionArn.parse(arn).execution_name
    except ValueError:
        return arn
