"""What both sides of the benchmark share: sizes, samples, and the callback rule."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .handlers import CALLBACK_NAME

# The durable SDK (3.x) names the callback operation inside wait_for_callback's child
# context "<name> create callback id": that is the name history events carry.
CALLBACK_EVENT_NAME = f"{CALLBACK_NAME} create callback id"
ANSWER = json.dumps({"decision": "APPROVE"}).encode()
POLL_S = 0.005  # how often the benchmark looks at an execution's status
EXECUTION_TIMEOUT_S = 120  # how long either side waits for any one thing

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Sizes:
    """How much each measurement runs."""

    cold: int = 3  # cold starts (a fresh function on the local cloud, a fresh runner)
    warm: int = 20  # warm invokes, after one discarded warm-up
    callback: int = 20  # callback -> completed samples, after one discarded warm-up
    burst: int = 100  # executions parked on a callback, then answered at once
    burst_threads: int = 16  # client threads that start and answer the burst
    cycles: int = 10  # deploy + delete of a workshop-sized zip, then a restart


FULL = Sizes()
QUICK = Sizes(cold=1, warm=5, callback=5, burst=20, burst_threads=8, cycles=3)


@dataclass
class Results:
    """One side's figures; seconds for times, MB for memory. None: not measured."""

    ready_s: float | None = None
    cold_s: list[float] = field(default_factory=list)
    warm_s: list[float] = field(default_factory=list)
    callback_s: list[float] = field(default_factory=list)
    burst_size: int = 0
    burst_park_s: float | None = None  # start all -> all waiting on their callback
    burst_answer_s: float | None = None  # first answer sent -> all SUCCEEDED
    burst_succeeded: int = 0
    idle_mb: float | None = None
    restart_ready_s: float | None = None  # after the burst and the deploy/delete cycles
    after_burst_mb: float | None = None


def percentile(samples: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile (p50 of 20 is the 10th smallest, p95 the 19th)."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: Iterable[float]) -> float:
    values = list(samples)
    return statistics.median(values) if values else math.nan


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """``header`` and ``rows`` as a markdown table, each column as wide as its widest cell."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def callback_ready(events: list[dict[str, Any]]) -> str | None:
    """The callback id, once the invocation that created the callback has completed.

    The same rule as the testing SDK's ``wait_for_callback``: answering earlier would
    make the measurement include the rest of the creating invocation.
    """
    callback_id: str | None = None
    for event in events:
        if event.get("EventType") == "CallbackStarted" and event.get("Name") == CALLBACK_EVENT_NAME:
            callback_id = event.get("CallbackStartedDetails", {}).get("CallbackId")
        elif event.get("EventType") == "InvocationCompleted" and callback_id is not None:
            return callback_id
    return None
