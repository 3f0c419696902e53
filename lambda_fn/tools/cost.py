"""``estimate_lambda_cost``: what durable executions cost in requests, compute and operations.

Every invocation of an execution (the first run and each replay) is billed a request and
its billed duration times memory; the durable operations are billed per million. Checkpoint
data written and retained is billed as well but is small for a chatbot, so it is left out.
The prices are approximate list prices (x86_64 and arm64, US regions), the same as the
kit's dated table (``helpers/cost/prices.py``; ``tests/cost/test_prices.py`` ties the two,
as this package imports nothing of ``helpers``); check the Lambda pricing page for your
region before quoting them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import JsonObject, Tool, ToolInputError, number, only_keys

PRICES_USD: dict[str, float] = {
    "request": 0.20 / 1_000_000,
    "gb_second_x86_64": 0.0000166667,
    "gb_second_arm64": 0.0000133334,
    "durable_operation": 8.00 / 1_000_000,
}
ARCHITECTURES = ("x86_64", "arm64")
MAX_COUNT = 1e9


def estimate(
    *,
    memory_mb: float,
    billed_duration_ms: float,
    invocations: float = 1,
    durable_operations: float = 0,
    executions: float = 1,
    architecture: str = "x86_64",
) -> JsonObject:
    """Cost of ``executions`` executions, each with the given per-execution figures."""
    if architecture not in ARCHITECTURES:
        raise ToolInputError(f"architecture must be one of {', '.join(ARCHITECTURES)}")
    gb_seconds = memory_mb / 1024 * billed_duration_ms / 1000 * executions
    requests = invocations * executions
    operations = durable_operations * executions
    cost = {
        "requests": requests * PRICES_USD["request"],
        "compute": gb_seconds * PRICES_USD[f"gb_second_{architecture}"],
        "durable_operations": operations * PRICES_USD["durable_operation"],
    }
    cost["total"] = sum(cost.values())
    return {
        "per_execution": {
            "memory_mb": int(memory_mb),
            "billed_duration_ms": _plain(billed_duration_ms),
            "invocations": int(invocations),
            "durable_operations": int(durable_operations),
        },
        "executions": int(executions),
        "architecture": architecture,
        "gb_seconds": round(gb_seconds, 6),
        "cost_usd": {name: round(value, 6) for name, value in cost.items()},
        "note": "Approximate list prices; checkpoint data storage is not included.",
    }


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def run(args: Mapping[str, Any]) -> JsonObject:
    only_keys(
        args,
        {
            "memory_mb",
            "billed_duration_ms",
            "invocations",
            "durable_operations",
            "executions",
            "architecture",
        },
    )
    architecture = args.get("architecture", "x86_64")
    if not isinstance(architecture, str):
        raise ToolInputError("architecture must be a string")
    return estimate(
        memory_mb=number(args, "memory_mb", low=128, high=10240, whole=True),
        billed_duration_ms=number(args, "billed_duration_ms", low=0, high=1e12),
        invocations=number(args, "invocations", low=1, high=MAX_COUNT, default=1, whole=True),
        durable_operations=number(
            args, "durable_operations", low=0, high=MAX_COUNT, default=0, whole=True
        ),
        executions=number(args, "executions", low=1, high=MAX_COUNT, default=1, whole=True),
        architecture=architecture,
    )


ESTIMATE_LAMBDA_COST = Tool(
    name="estimate_lambda_cost",
    description=(
        "Estimate the cost in US dollars of Lambda durable executions: requests, compute "
        "(GB-seconds) and durable operations. Give the figures of one execution (billed "
        "duration summed over all its invocations) and how many executions."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "memory_mb": {
                "type": "integer",
                "minimum": 128,
                "maximum": 10240,
                "description": "Memory size of the function in MB.",
            },
            "billed_duration_ms": {
                "type": "number",
                "minimum": 0,
                "description": "Billed duration of one execution, summed "
                "over its invocations, in milliseconds.",
            },
            "invocations": {
                "type": "integer",
                "minimum": 1,
                "description": "Invocations per execution (default 1).",
            },
            "durable_operations": {
                "type": "integer",
                "minimum": 0,
                "description": "Durable operations per execution (default 0).",
            },
            "executions": {
                "type": "integer",
                "minimum": 1,
                "description": "How many executions (default 1).",
            },
            "architecture": {
                "type": "string",
                "enum": list(ARCHITECTURES),
                "description": "x86_64 (default) or arm64.",
            },
        },
        "required": ["memory_mb", "billed_duration_ms"],
        "additionalProperties": False,
    },
    run=run,
)
