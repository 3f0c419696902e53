"""The cost picture: one execution (``ExecutionCost``: its invocations joined to their
REPORT records, the durable charges, the alternatives) and many executions of one function
(``FunctionCost``), with their figures in words."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..durable import Gap, Invocation, OperationCount, ParseReport, Report, duration_text
from .alternatives import Comparison, CostBreakdown, blocking_lambda, step_functions
from .prices import DAYS_PER_MONTH, DEFAULT_RETENTION_DAYS, GIB, PriceTable
from .text import usd


@dataclass(frozen=True)
class InvocationCost:
    """An invocation joined to its REPORT record (None: no usable record)."""

    number: int
    invocation: Invocation
    report: Report | None


@dataclass
class ExecutionCost:
    """The cost picture of one durable execution. ``summary()`` says it in words."""

    execution_arn: str
    name: str
    status: str
    start: float
    end: float | None  # None while RUNNING: figures are so far
    invocations: list[InvocationCost]
    gaps: list[Gap]
    operations: OperationCount
    data_bytes: int
    retention_days: int | None
    parse: ParseReport
    missing: list[str]  # request ids without a usable REPORT
    prices: PriceTable
    durable: CostBreakdown = field(init=False)
    blocking: Comparison = field(init=False)
    step_functions: Comparison = field(init=False)

    def __post_init__(self) -> None:
        self.durable = self._durable_cost()
        self.blocking = blocking_lambda(self.wall_clock_s, self.memory_mb, self.prices)
        self.step_functions = step_functions(
            self.operations, self.billed_s, self.durable, self.prices
        )

    # -- figures -----------------------------------------------------------------------
    @property
    def wall_clock_s(self) -> float:
        return (self.end if self.end is not None else time.time()) - self.start

    @property
    def reports(self) -> list[Report]:
        return [i.report for i in self.invocations if i.report is not None]

    @property
    def billed_ms(self) -> int:
        """Sum of Billed Duration over the invocations (init included, as Lambda bills)."""
        return sum(r.billed_ms for r in self.reports)

    @property
    def billed_s(self) -> float:
        return self.billed_ms / 1000

    @property
    def duration_ms(self) -> float:
        return sum(r.duration_ms for r in self.reports)

    @property
    def init_ms(self) -> float:
        return sum(r.init_ms or 0 for r in self.reports)

    @property
    def cold_starts(self) -> int:
        return sum(1 for r in self.reports if r.init_ms is not None)

    @property
    def gb_seconds(self) -> float:
        return sum(r.gb_seconds for r in self.reports)

    @property
    def memory_mb(self) -> int | None:
        return max((r.memory_mb for r in self.reports), default=None)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def retained_days(self) -> float:
        """How long the checkpoint data is stored, in days: from the moment it is written
        (taken as the execution's start) while the execution runs or is suspended, then the
        retention period after its end. AWS bills stored data for both (Lambda pricing,
        durable functions: data retained). While RUNNING: so far, plus the retention to come."""
        days = self.retention_days if self.retention_days is not None else DEFAULT_RETENTION_DAYS
        return self.wall_clock_s / 86_400 + days

    def _durable_cost(self) -> CostBreakdown:
        p = self.prices
        gib = self.data_bytes / GIB
        return CostBreakdown(
            requests_usd=len(self.invocations) * p.lambda_requests_per_million / 1e6,
            compute_usd=self.gb_seconds * p.lambda_gb_second,
            operations_usd=self.operations.total * p.durable_operations_per_million / 1e6,
            data_written_usd=gib * p.durable_data_written_per_gb,
            # GB-months, a month taken as 30 days.
            data_retained_usd=gib
            * p.durable_data_retained_per_gb_month
            * self.retained_days
            / DAYS_PER_MONTH,
        )

    def retention_text(self) -> str:
        """How the retained-data charge is reckoned, in words."""
        running = " so far" if self.end is None else ""
        period = (
            f"{self.retention_days} days after the end"
            if self.retention_days is not None
            else f"retention unknown: {DEFAULT_RETENTION_DAYS} days after the end assumed"
        )
        return (
            f"stored {duration_text(self.wall_clock_s)} while it ran or waited{running}, "
            f"then {period}: {self.retained_days:.2f} days"
        )

    def retention_sentence(self) -> str:
        """What the checkpoint data costs, written and stored, in one sentence."""
        d, p = self.durable, self.prices
        return (
            f"Checkpoint data, ~{self.data_bytes} B: written once ({usd(d.data_written_usd)} "
            f"at ${p.durable_data_written_per_gb:g} per GB), {self.retention_text()} "
            f"({usd(d.data_retained_usd)} at ${p.durable_data_retained_per_gb_month:g} "
            "per GB-month)."
        )

    # -- presentation ------------------------------------------------------------------
    def table(self) -> list[dict[str, Any]]:
        """One row per invocation: times in seconds, memory in MB."""
        rows = []
        for item in self.invocations:
            inv, rep = item.invocation, item.report
            rows.append(
                {
                    "invocation": item.number,
                    "request_id": inv.request_id,
                    "start_s": round(inv.start - self.start, 3),
                    "seconds": round(inv.seconds, 3),
                    "duration_ms": rep.duration_ms if rep else None,
                    "init_ms": rep.init_ms if rep else None,
                    "billed_ms": rep.billed_ms if rep else None,
                    "memory_mb": rep.memory_mb if rep else None,
                    "max_memory_mb": rep.max_memory_mb if rep else None,
                    "status": rep.status if rep else "no REPORT",
                    "log_format": rep.log_format if rep else None,
                }
            )
        return rows

    def row(self) -> dict[str, Any]:
        """This execution as one row of ``FunctionCost.table()``."""
        wall = self.wall_clock_s
        return {
            "execution": self.name,
            "status": self.status,
            "wall_clock_s": round(wall, 3),
            "invocations": len(self.invocations),
            "billed_s": round(self.billed_s, 3),
            "billed_pct_of_wall_clock": round(100 * self.billed_s / wall, 2) if wall else None,
            "gb_seconds": round(self.gb_seconds, 4),
            "operations": self.operations.total,
            "cost_usd": self.durable.total_usd,
            "blocking_cost_usd": self.blocking.cost_usd,
            "blocking_possible": self.blocking.possible,
            "missing_reports": len(self.missing),
        }

    def summary(self) -> str:
        n = len(self.invocations)
        d, b, s = self.durable, self.blocking, self.step_functions
        running = " so far (still RUNNING)" if self.end is None else ""
        joined = n - len(self.missing)
        lines = [
            f"Durable execution {self.name} ({self.status})",
            f"  wall-clock          {duration_text(self.wall_clock_s)}{running}",
            f"  invocations         {n} (the first run and {max(n - 1, 0)} replays); "
            f"{joined} of {n} joined to their REPORT record",
            f"  billed duration     {self.billed_s:.3f} s, the sum of Billed Duration "
            f"(init included; {self.cold_starts} cold start"
            f"{'' if self.cold_starts == 1 else 's'}, {self.init_ms:.0f} ms init)",
            f"  billed / wall-clock {self._ratio()}",
            f"  compute             {self.gb_seconds:.4f} GB-s"
            + (f" at {self.memory_mb} MB" if self.memory_mb else ""),
            f"  durable operations  {self.operations.describe()}",
            f"  estimated cost      {usd(d.total_usd)} per execution, "
            f"{usd(d.total_usd * 1000)} per 1,000",
            f"    requests {usd(d.requests_usd)}, compute {usd(d.compute_usd)}, operations "
            f"{usd(d.operations_usd)}, checkpoint data ~{self.data_bytes} B written "
            f"{usd(d.data_written_usd)} + retained {usd(d.data_retained_usd)} "
            f"({self.retention_text()})",
            "",
            "Compared with",
            f"  {b.name}: billed {duration_text(b.billed_s or 0)} -> {usd(b.cost_usd)} per "
            f"execution ({self._times(b.cost_usd)})"
            + ("" if b.possible else "  [IMPOSSIBLE past 15 minutes]"),
            *[f"    - {a}" for a in b.assumptions],
            f"  {s.name}: {usd(s.cost_usd)} per execution ({self._times(s.cost_usd)})",
            *[f"    - {a}" for a in s.assumptions],
        ]
        if self.missing:
            lines += [
                "",
                f"INCOMPLETE: {len(self.missing)} of {n} invocations have no usable REPORT "
                "record yet, so the figures above leave them out "
                f"({', '.join(self.missing)}). Log delivery can lag by minutes on AWS: run "
                "this cell again in a minute.",
            ]
        lines += ["", "Log parsing", *("  " + x for x in self.parse.summary().splitlines())]
        lines += ["", "Prices", *("  " + x for x in self.prices.describe())]
        return "\n".join(lines)

    def compute_text(self) -> str:
        """GB-seconds of this execution, worked out in words from its own figures."""
        if self.memory_mb is None:
            return "No REPORT record has arrived yet: no GB-seconds to show."
        p = self.prices
        return (
            f"This execution: {self.memory_mb} MB = {self.memory_mb / 1024:g} GB, billed "
            f"{self.billed_s:.3f} s in all, is {self.gb_seconds:.4f} GB-s; at the "
            f"{p.architecture} list price of ${p.lambda_gb_second:.10f}".rstrip("0")
            + f" per GB-s that is {usd(self.durable.compute_usd)}."
        )

    def verdict(self) -> str:
        """This execution's durable estimate beside a plain blocking Lambda, in words."""
        d, b = self.durable.total_usd, self.blocking.cost_usd
        wall = duration_text(self.wall_clock_s)
        if not self.blocking.possible:
            return (
                f"This conversation took {wall}: a plain Lambda could not have waited that "
                f"long (15 minutes at most). The durable estimate is {usd(d)}."
            )
        if b >= d:
            return (
                f"This conversation took {wall}: a plain Lambda blocking through it would "
                f"cost {usd(b)}, {self._times(b)} ({usd(d)})."
            )
        return (
            f"This conversation took {wall}: a plain Lambda blocking through it would cost "
            f"{usd(b)}, less than the durable estimate ({usd(d)}), because the waits were "
            f"short and the durable operations alone cost {usd(self.durable.operations_usd)}."
        )

    def _ratio(self) -> str:
        wall = self.wall_clock_s
        if wall <= 0:
            return "n/a"
        return (
            f"{100 * self.billed_s / wall:.2f} % ({self.billed_s:.1f} s of "
            f"{duration_text(wall)}): nothing is billed while the execution waits"
        )

    def _times(self, other: float) -> str:
        total = self.durable.total_usd
        if not total or not other:
            return "n/a"
        if other >= total:
            return f"{other / total:.1f}x the durable estimate"
        # Short conversations: the operations charge outweighs a few seconds of blocking.
        return f"{total / other:.1f}x cheaper than the durable estimate"

    def __str__(self) -> str:
        return self.summary()


@dataclass
class FunctionCost:
    """Billed versus wall-clock for many executions of one function."""

    function_name: str
    executions: list[ExecutionCost]
    parse: ParseReport  # of the whole log group; foreign: records of no listed execution

    def table(self) -> list[dict[str, Any]]:
        """One row per execution (see ``ExecutionCost.row``), oldest first."""
        return [e.row() for e in self.executions]

    def summary(self) -> str:
        rows = self.table()
        if not rows:
            return f"{self.function_name}: no durable executions found"
        head = [
            "execution",
            "status",
            "wall-clock",
            "invocations",
            "billed",
            "billed %",
            "cost",
            "blocking Lambda",
        ]
        body = [
            [
                r["execution"][:18],
                r["status"],
                duration_text(r["wall_clock_s"]),
                str(r["invocations"]),
                f"{r['billed_s']:.3f} s",
                f"{r['billed_pct_of_wall_clock']} %",
                usd(r["cost_usd"]),
                usd(r["blocking_cost_usd"]) + ("" if r["blocking_possible"] else " (>15 min!)"),
            ]
            for r in rows
        ]
        widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        out = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
        out += [fmt.format(*line) for line in body]
        total = sum(r["cost_usd"] for r in rows)
        blocking = sum(r["blocking_cost_usd"] for r in rows)
        out += [
            "",
            f"{len(rows)} executions: {usd(total)} durable, {usd(blocking)} if a plain "
            f"Lambda had blocked through each conversation",
            "",
            self.parse.summary(),
        ]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.summary()
