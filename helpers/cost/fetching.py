"""Fetching what the cost analysis needs (the execution, its history, its REPORT records,
the function's log group and retention) and building the cost picture from it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from ..durable import (
    LOG_BACKOFF,
    LOG_WAIT_S,
    ExecutionArn,
    Invocation,
    ParseReport,
    Report,
    count_operations,
    data_written_bytes,
    epoch_seconds,
    execution_history,
    execution_name,
    gaps,
    invocations_from_history,
    log_start_ms,
    parse_reports,
    wait_for_reports,
)
from ..polling import Backoff
from .errors import CostAnalysisError
from .model import ExecutionCost, FunctionCost, InvocationCost
from .prices import PRICES, PriceTable


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
        name=str(execution.get("DurableExecutionName") or execution_name(arn)),
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
