"""Start a durable execution of the alias ``live``, under a name never used before."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from ..target import Target
from .names import Names
from .steps import say


def fresh_execution_name(names: Names) -> str:
    """A new DurableExecutionName: names stay taken until retention ends, so never reuse."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{names.app}-{stamp}-{uuid.uuid4().hex[:8]}"


def start_execution(
    target: Target, names: Names, payload: dict[str, Any], execution_name: str | None = None
) -> str:
    """Start a durable execution of ``live`` without waiting for it; returns its ARN.

    ``Event``: a person may take longer than RequestResponse's 15 minutes to decide.
    The same name with the same payload returns the execution already started.
    """
    name = execution_name or fresh_execution_name(names)
    reply = target.client("lambda").invoke(
        FunctionName=names.function,
        Qualifier=names.alias,
        InvocationType="Event",
        DurableExecutionName=name,
        Payload=json.dumps(payload).encode(),
    )
    arn = str(reply["DurableExecutionArn"])
    say("execution", name, f"started (Event, status {reply['StatusCode']})")
    return arn
