"""What a durable execution really costs: billed versus wall-clock, from CloudWatch Logs.

A durable execution that waits for a person runs as several short Lambda invocations (the
first run and one replay per resumption) with nothing billed in between. This module
joins the execution's invocations, as its history lists them (``InvocationCompleted``
events: ``RequestId``, start, end), to the REPORT record each invocation wrote to
CloudWatch Logs (text ``REPORT RequestId: …`` lines or JSON ``platform.report``
records), and turns the sum into figures and a cost estimate next to two alternatives:
a plain Lambda that blocks while the person decides, and a Step Functions standard
workflow.

Entry points:

- ``analyse_execution(lambda_client, logs_client, execution_arn)`` → ``ExecutionCost``
- ``analyse_function(lambda_client, logs_client, function_name)`` → ``FunctionCost``
- ``analyse_records(execution, history, log_messages)`` → ``ExecutionCost`` (offline)
- ``parse_reports(log_messages)`` → ``(reports by request id, ParseReport)``

Prices live in one place, ``PRICES`` (a dated ``PriceTable``); pass ``prices=`` to any
entry point to override them, e.g. ``dataclasses.replace(PRICES, architecture="arm64")``.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from botocore.exceptions import ClientError

from .durable import (
    LOG_BACKOFF,
    LOG_WAIT_S,
    ExecutionArn,
    Gap,
    Invocation,
    OperationCount,
    ParseReport,
    Report,
    count_operations,
    data_written_bytes,
    duration_text,
    epoch_seconds,
    execution_history,
    gaps,
    invocations_from_history,
    log_start_ms,
    parse_reports,
    wait_for_reports,
)
from .polling import Backoff

# --------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------


def _verify(default: float) -> Any:
    """A price field whose source was second-hand: the summary marks it "(verify)"."""
    return field(default=default, metadata={"verify": True})


@dataclass(frozen=True)
class PriceTable:
    """Public list prices in USD, the one place the kit's cost figures come from.

    US East (N. Virginia) rates, used as a region-independent reference: other regions
    differ by a few percent. No free tier, no Savings Plans. Fields marked ``verify``
    were second-hand when the table was dated: check https://aws.amazon.com/lambda/pricing/
    before quoting them.
    """

    as_of: str = "2026-11"
    source: str = (
        "https://aws.amazon.com/lambda/pricing/, https://aws.amazon.com/step-functions/pricing/"
    )
    architecture: str = "x86_64"  # or "arm64"
    lambda_requests_per_million: float = 0.20
    lambda_gb_second_x86_64: float = 0.0000166667
    lambda_gb_second_arm64: float = 0.0000133334
    durable_operations_per_million: float = _verify(8.00)
    durable_data_written_per_gb: float = _verify(0.25)
    durable_data_retained_per_gb_month: float = _verify(0.15)
    step_functions_standard_per_1000_transitions: float = 0.025
    # Not a price but the rule the blocking comparison rests on: one invocation <= 15 min.
    lambda_max_invocation_s: int = 900

    @property
    def lambda_gb_second(self) -> float:
        if self.architecture == "arm64":
            return self.lambda_gb_second_arm64
        if self.architecture == "x86_64":
            return self.lambda_gb_second_x86_64
        raise ValueError(f"architecture must be 'x86_64' or 'arm64', not {self.architecture!r}")

    def describe(self) -> list[str]:
        """One line per price, "(verify)" where the source was second-hand."""
        lines = [f"list prices as of {self.as_of} (USD, us-east-1 rates, no free tier)"]
        for f in fields(self):
            if f.name in {"as_of", "source", "architecture", "lambda_max_invocation_s"}:
                continue
            if f.name.startswith("lambda_gb_second_") and not f.name.endswith(self.architecture):
                continue
            mark = " (verify)" if f.metadata.get("verify") else ""
            value = f"{getattr(self, f.name):.10f}".rstrip("0").rstrip(".")
            lines.append(f"  {f.name} = {value}{mark}")
        lines.append(f"  source: {self.source}")
        return lines


PRICES = PriceTable()
GIB = 1024**3
DAYS_PER_MONTH = 30  # a GB-month of retained data, as the kit reckons it
# RetentionPeriodInDays when the function's DurableConfig cannot be read (deleted since):
# the CloudFormation default (AWS::Lambda::Function DurableConfig; other pages say 30).
DEFAULT_RETENTION_DAYS = 14


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class CostAnalysisError(RuntimeError):
    """The analysis cannot be made; the message says why and what to do."""


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvocationCost:
    """An invocation joined to its REPORT record (None: no usable record)."""

    number: int
    invocation: Invocation
    report: Report | None


@dataclass(frozen=True)
class Comparison:
    """The same conversation run another way."""

    name: str
    billed_s: float | None  # Lambda billed duration in that design
    cost_usd: float
    possible: bool
    assumptions: tuple[str, ...]


@dataclass(frozen=True)
class CostBreakdown:
    requests_usd: float
    compute_usd: float
    operations_usd: float
    data_written_usd: float
    data_retained_usd: float

    @property
    def total_usd(self) -> float:
        return (
            self.requests_usd
            + self.compute_usd
            + self.operations_usd
            + self.data_written_usd
            + self.data_retained_usd
        )


def usd(amount: float) -> str:
    """A small dollar amount, readable: $0.000123, $0.0312, $4.20."""
    if amount == 0:
        return "$0"
    if amount >= 0.1:
        return f"${amount:,.2f}"
    return f"${amount:.{max(2, 2 - math.floor(math.log10(amount)))}f}"


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
        self.blocking = self._blocking()
        self.step_functions = self._step_functions()

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

    def _blocking(self) -> Comparison:
        p = self.prices
        memory = self.memory_mb
        assumptions = [
            "one plain (not durable) Lambda invocation runs the whole conversation and "
            "sleeps while the person decides, so it is billed for the whole wall-clock",
        ]
        if memory is None:
            memory = 128
            assumptions.append("memory unknown (no REPORT record): 128 MB assumed")
        else:
            assumptions.append(f"same memory as the durable function ({memory} MB)")
        billed = math.ceil(self.wall_clock_s * 1000) / 1000
        limit = p.lambda_max_invocation_s
        possible = billed <= limit
        if not possible:
            assumptions.append(
                f"impossible as such: a Lambda invocation stops at {limit // 60} minutes "
                f"({limit} s) and this conversation took {duration_text(billed)}; the "
                "figure is what it would cost if it could"
            )
        else:
            assumptions.append(
                f"possible only because it ended within {limit // 60} minutes "
                "(the longest a Lambda invocation may run)"
            )
        cost = p.lambda_requests_per_million / 1e6 + billed * memory / 1024 * p.lambda_gb_second
        return Comparison("plain Lambda, blocking", billed, cost, possible, tuple(assumptions))

    def _step_functions(self) -> Comparison:
        p = self.prices
        ops = self.operations
        tasks = ops.steps - ops.submitter_steps
        # A wait_for_callback is a Task with .waitForTaskToken plus a Choice on the answer;
        # a bare callback (create_callback) the same.
        callbacks = ops.approvals + max(0, ops.callbacks - ops.approvals)
        transitions = tasks + 2 * callbacks + ops.waits + 1
        assumptions = (
            f"a Step Functions standard workflow with one Task state per step ({tasks}), "
            f"a Task state with .waitForTaskToken and a Choice state per callback "
            f"({callbacks} x 2), a Wait state per wait ({ops.waits}) and a final Succeed "
            f"state: {transitions} state transitions at "
            f"${p.step_functions_standard_per_1000_transitions} per 1,000",
            "its Task states run the same Lambda code: the same requests and GB-seconds as "
            "this execution (an approximation: they would not replay)",
            "waiting for a task token costs nothing; free tiers (4,000 transitions a month) "
            "ignored; parallel and map contexts not modelled",
        )
        cost = (
            transitions * p.step_functions_standard_per_1000_transitions / 1000
            + self.durable.requests_usd
            + self.durable.compute_usd
        )
        return Comparison("Step Functions standard", self.billed_s, cost, True, assumptions)

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


def function_log_group(lambda_client: Any, function_name: str, qualifier: str | None = None) -> str:
    """The function's log group: ``LoggingConfig.LogGroup``, else ``/aws/lambda/<name>``."""
    kwargs = {"FunctionName": function_name}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    config = lambda_client.get_function_configuration(**kwargs)
    return str(
        (config.get("LoggingConfig") or {}).get("LogGroup")
        or f"/aws/lambda/{function_name.split(':')[-1]}"
    )


def _with_retention(lambda_client: Any, execution: dict[str, Any]) -> dict[str, Any]:
    """The execution with its function's DurableConfig: GetDurableExecution does not carry
    the retention period, the function's configuration does (None once it is deleted)."""
    if execution.get("DurableConfig"):
        return execution
    try:
        arn = ExecutionArn.parse(str(execution.get("DurableExecutionArn", "")))
        kwargs = {
            "FunctionName": arn.function_name,
            **({"Qualifier": arn.qualifier} if arn.qualifier else {}),
        }
        config = lambda_client.get_function_configuration(**kwargs).get("DurableConfig")
    except (ClientError, ValueError):
        return execution
    return {**execution, "DurableConfig": config} if config else execution


def _build(
    execution: dict[str, Any],
    history: Sequence[dict[str, Any]],
    reports: dict[str, Report],
    parse: ParseReport,
    prices: PriceTable,
    invocations: list[Invocation] | None = None,
) -> ExecutionCost:
    invocations = invocations if invocations is not None else invocations_from_history(history)
    joined = [
        InvocationCost(i + 1, inv, reports.get(inv.request_id)) for i, inv in enumerate(invocations)
    ]
    ours = {inv.request_id for inv in invocations}
    parse = replace(parse, foreign=sum(1 for rid in reports if rid not in ours))
    arn = str(execution.get("DurableExecutionArn", ""))
    end = execution.get("EndTimestamp")
    retention = (execution.get("DurableConfig") or {}).get("RetentionPeriodInDays")
    return ExecutionCost(
        execution_arn=arn,
        name=str(execution.get("DurableExecutionName") or arn.rsplit("/", 1)[-1]),
        status=str(execution.get("Status", "UNKNOWN")),
        start=epoch_seconds(execution["StartTimestamp"]),
        end=epoch_seconds(end) if end is not None else None,
        invocations=joined,
        gaps=gaps(invocations, history),
        operations=count_operations(history),
        data_bytes=data_written_bytes(history),
        retention_days=int(retention) if retention is not None else None,
        parse=parse,
        missing=[c.invocation.request_id for c in joined if c.report is None],
        prices=prices,
    )


def analyse_records(
    execution: dict[str, Any],
    history: Sequence[dict[str, Any]],
    messages: Iterable[str],
    *,
    prices: PriceTable = PRICES,
) -> ExecutionCost:
    """The analysis from data already in hand (no AWS calls): ``execution`` as
    get_durable_execution returns it, its history events, the log group's messages."""
    reports, parse = parse_reports(messages)
    return _build(execution, history, reports, parse, prices)


def analyse_execution(
    lambda_client: Any,
    logs_client: Any,
    execution_arn: str,
    log_group: str | None = None,
    *,
    prices: PriceTable = PRICES,
    timeout_s: float = LOG_WAIT_S,
    backoff: Backoff = LOG_BACKOFF,
    allow_missing: bool = False,
) -> ExecutionCost:
    """Billed versus wall-clock for one durable execution.

    ``log_group``: where the function logs (default: its ``LoggingConfig.LogGroup``, else
    ``/aws/lambda/<name>``). Waits up to ``timeout_s`` for the REPORT records of every
    invocation (see ``wait_for_reports``).
    """
    execution = lambda_client.get_durable_execution(DurableExecutionArn=execution_arn)
    execution = _with_retention(lambda_client, execution)
    history = execution_history(lambda_client, execution_arn)
    invocations = invocations_from_history(history)
    if log_group is None:
        try:
            arn = ExecutionArn.parse(execution_arn)
        except ValueError as exc:
            raise CostAnalysisError(f"{exc}: pass log_group= explicitly") from None
        log_group = function_log_group(lambda_client, arn.function_name, arn.qualifier)
    start_ms = log_start_ms(epoch_seconds(execution["StartTimestamp"]))
    reports, parse, _ = wait_for_reports(
        logs_client,
        log_group,
        [i.request_id for i in invocations],
        start_ms=start_ms,
        timeout_s=timeout_s,
        backoff=backoff,
        allow_missing=allow_missing,
    )
    return _build(execution, history, reports, parse, prices, invocations)


# --------------------------------------------------------------------------------------
# Many executions of one function
# --------------------------------------------------------------------------------------


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


_VERSION = re.compile(r"(\$LATEST|\d+)\Z")


def version_qualifiers(
    lambda_client: Any, function_name: str, qualifier: str | None = None
) -> list[str]:
    """The versions to list executions of: ``qualifier`` itself if it is a version or
    ``$LATEST``; the versions an alias routes to; with no qualifier, ``$LATEST`` and every
    published version.

    ListDurableExecutionsByFunction without a Qualifier lists ``$LATEST``'s executions
    only (Lambda API reference, ListDurableExecutionsByFunction: Qualifier), and an
    execution is filed under the version it ran on (its ARN reads ``NAME:VERSION/...``),
    so every listing names its versions.
    """
    if qualifier and _VERSION.match(qualifier):
        return [qualifier]
    if qualifier:
        alias = lambda_client.get_alias(FunctionName=function_name, Name=qualifier)
        extra = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        return list(dict.fromkeys([str(alias["FunctionVersion"]), *map(str, extra)]))
    pages = lambda_client.get_paginator("list_versions_by_function").paginate(
        FunctionName=function_name
    )
    versions = [str(v["Version"]) for page in pages for v in page.get("Versions", [])]
    return list(dict.fromkeys(["$LATEST", *versions]))


def list_executions(
    lambda_client: Any,
    function_name: str,
    qualifier: str | None = None,
    statuses: Sequence[str] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Up to ``limit`` durable executions of the function on ``qualifier`` (a version, an
    alias, or None: every version), newest first; one listing per version (see
    ``version_qualifiers``), each through botocore's paginator."""
    paginator = lambda_client.get_paginator("list_durable_executions_by_function")
    found: list[dict[str, Any]] = []
    for version in version_qualifiers(lambda_client, function_name, qualifier):
        kwargs: dict[str, Any] = {
            "FunctionName": function_name,
            "Qualifier": version,
            "ReverseOrder": True,
            "PaginationConfig": {"MaxItems": limit, "PageSize": min(limit, 1000)},
        }
        if statuses:
            kwargs["Statuses"] = list(statuses)
        for page in paginator.paginate(**kwargs):
            found.extend(page.get("DurableExecutions", []))
    # One entry per execution, even where two listings overlap (an alias's versions).
    unique = {str(e["DurableExecutionArn"]): e for e in found}
    ordered = sorted(unique.values(), key=lambda e: epoch_seconds(e["StartTimestamp"]))
    return ordered[::-1][:limit]


def analyse_function(
    lambda_client: Any,
    logs_client: Any,
    function_name: str,
    qualifier: str | None = None,
    log_group: str | None = None,
    *,
    statuses: Sequence[str] | None = ("SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"),
    limit: int = 50,
    prices: PriceTable = PRICES,
    timeout_s: float = LOG_WAIT_S,
    backoff: Backoff = LOG_BACKOFF,
    allow_missing: bool = False,
    started_after: float | None = None,
) -> FunctionCost:
    """Billed versus wall-clock for the function's last ``limit`` finished executions
    (only those started at or after ``started_after``, epoch seconds, if given).

    The log group is read once for all of them (from the oldest execution's start).
    """
    summaries = list_executions(lambda_client, function_name, qualifier, statuses, limit)
    if started_after is not None:
        summaries = [s for s in summaries if epoch_seconds(s["StartTimestamp"]) >= started_after]
    if log_group is None:
        log_group = function_log_group(lambda_client, function_name, qualifier)
    loaded = []
    for summary in sorted(summaries, key=lambda s: epoch_seconds(s["StartTimestamp"])):
        arn = summary["DurableExecutionArn"]
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        history = execution_history(lambda_client, arn)
        loaded.append((execution, history, invocations_from_history(history)))
    if not loaded:
        return FunctionCost(function_name, [], ParseReport())
    start_ms = log_start_ms(epoch_seconds(loaded[0][0]["StartTimestamp"]))
    wanted = [inv.request_id for _, _, invs in loaded for inv in invs]
    reports, parse, _ = wait_for_reports(
        logs_client,
        log_group,
        wanted,
        start_ms=start_ms,
        timeout_s=timeout_s,
        backoff=backoff,
        allow_missing=allow_missing,
    )
    # Each execution's parse report is the log group's: its foreign count is the records
    # of the other executions (and of anything else logging there).
    costs = [
        _build(execution, history, reports, parse, prices, invocations)
        for execution, history, invocations in loaded
    ]
    everyone = set(wanted)
    parse = replace(parse, foreign=sum(1 for rid in reports if rid not in everyone))
    return FunctionCost(function_name, costs, parse)
