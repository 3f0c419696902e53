"""The conversations notebook 05 analyses: handed over by 04, found, and their costs.

Notebook 04 saves its conversation's execution ARN (``remember_conversation``); notebook
05 takes it back (``conversation_to_analyse``), waits for its REPORT records, and puts the
chatbot's conversations since its deploy side by side (``costs_since_deploy``).
"""

from __future__ import annotations

import time

from botocore.exceptions import ClientError

from . import state
from .chatbot import same_place, where
from .cost import (
    PRICES,
    FunctionCost,
    PriceTable,
    analyse_function,
    function_log_group,
    list_executions,
)
from .deploy import Names
from .durable import (
    CLOCK_SKEW_S,
    LOG_BACKOFF,
    LOG_WAIT_S,
    ExecutionArn,
    epoch_or_none,
    execution_name,
    fetch_history,
    log_start_ms,
    missing_records_text,
    watch_reports,
)
from .i18n import tr
from .outcome import Outcome
from .params import ParameterError
from .polling import Backoff
from .target import Target


def conversation_to_analyse(target: Target, names: Names, execution_arn: str = "") -> str:
    """The execution notebook 05 analyses: ``execution_arn`` if given, else the one notebook
    04 saved for this PREFIX, else the newest finished execution of the chatbot.

    That last one is looked for on every version of the function (the alias ``live``
    points at a published version, and a listing without a Qualifier would show
    ``$LATEST``'s executions only, as on AWS): ``cost.list_executions`` asks each one."""
    if execution_arn:
        how = tr("given as EXECUTION_ARN", "EXECUTION_ARN で指定")
        arn = execution_arn
    else:
        saved = state.load(names.prefix)
        arn = (saved.get("execution_arn") or "") if same_place(saved, target) else ""
        how = tr("saved by notebook 04", "ノートブック 04 が保存したもの")
        if f":function:{names.function}:" not in arn:
            lam = target.client("lambda")
            try:
                lam.get_function(FunctionName=names.function)
                found = list_executions(lam, names.function, statuses=["SUCCEEDED"], limit=1)
            except ClientError:  # the chatbot is not deployed (or no longer)
                found = []
            if not found:
                raise ParameterError(
                    [
                        tr(
                            f"No conversation to analyse for PREFIX={names.prefix!r}: run "
                            "notebook 04 first (or set EXECUTION_ARN to a durable execution's "
                            "ARN).",
                            f"PREFIX={names.prefix!r} には分析する会話がありません。先に"
                            "ノートブック 04 を実行してください（または EXECUTION_ARN に durable "
                            "実行の ARN を設定してください）。",
                        )
                    ]
                )
            arn = str(found[0]["DurableExecutionArn"])
            how = tr(
                "the chatbot's newest finished execution", "チャットボットの最新の完了した実行"
            )
    name = execution_name(arn)
    print(tr(f"Analysing execution {name} ({how}).", f"実行 {name} を分析します（{how}）。"))
    return arn


def wait_for_report_records(
    target: Target,
    execution_arn: str,
    timeout_s: float = LOG_WAIT_S,
    backoff: Backoff = LOG_BACKOFF,
) -> int:
    """Watch the execution's REPORT records arrive in CloudWatch Logs, one progress step
    per invocation, for at most ``timeout_s`` (a few minutes: delivery can lag that long
    on AWS), reading REPORT records only, with backoff; stops as soon as there is one per
    ``InvocationCompleted``. Prints one plain sentence and returns how many are missing.

    ``cost.analyse_execution`` then joins the records (and says which never came).
    """
    lam, logs = target.client("lambda"), target.client("logs")
    read = fetch_history(lam, execution_arn)
    wanted = [i.request_id for i in read.billed_invocations]
    arn = ExecutionArn.parse(execution_arn)
    log_group = function_log_group(lam, arn.function_name, arn.qualifier)
    start_ms = log_start_ms(read.start)
    began = time.monotonic()
    missing = watch_reports(
        logs, log_group, wanted, start_ms=start_ms, timeout_s=timeout_s, backoff=backoff
    )
    if missing:
        print(missing_records_text(len(missing), len(wanted), time.monotonic() - began))
    else:
        print(
            tr(
                f"All {len(wanted)} REPORT records have arrived, one per invocation.",
                f"REPORT レコードが {len(wanted)} 件すべて届きました（呼び出しごとに 1 件）。",
            )
        )
    return len(missing)


def costs_since_deploy(
    target: Target,
    names: Names,
    qualifier: str | None,
    *,
    limit: int = 50,
    prices: PriceTable = PRICES,
) -> FunctionCost:
    """Billed versus wall-clock for the chatbot's finished executions on ``qualifier``,
    counting only those started since that version was deployed.

    ``cost.analyse_function`` with two differences: an earlier function of the same name
    (removed by notebook 99, its log group with it, then deployed again) may still have
    executions listed until their retention ends, and their REPORT records are gone, so
    only executions started since the deploy count; and nothing is waited for (the newest
    execution's records were waited for by ``analyse_execution``): the log group is read
    once, and an invocation without a record is counted as missing in the figures.
    """
    lam, logs = target.client("lambda"), target.client("logs")
    kwargs = {"FunctionName": names.function, **({"Qualifier": qualifier} if qualifier else {})}
    deployed_at = epoch_or_none(lam.get_function_configuration(**kwargs).get("LastModified")) or 0.0
    return analyse_function(
        lam,
        logs,
        names.function,
        qualifier,
        limit=limit,
        prices=prices,
        timeout_s=0,
        allow_missing=True,
        started_after=deployed_at - CLOCK_SKEW_S,
    )


def qualifier_of(execution_arn: str) -> str | None:
    """The version or alias an execution runs on: ``...:function:NAME:QUALIFIER/durable-...``."""
    try:
        return ExecutionArn.parse(execution_arn).qualifier
    except ValueError:
        return None


def remember_conversation(target: Target, prefix: str, outcome: Outcome) -> None:
    """Save the conversation's execution ARN for notebook 05 (if there is one yet)."""
    if outcome.execution_arn is None:
        message = tr(
            "Nothing saved: no conversation was started. Notebook 05 will say so.",
            "何も保存していません。会話が始まっていないためです。ノートブック 05 もそう伝えます。",
        )
    else:
        state.save(
            prefix,
            **where(target),
            execution_arn=outcome.execution_arn,
            execution_status=outcome.status,
        )
        name = execution_name(outcome.execution_arn)
        message = tr(
            f"Saved execution {name} ({outcome.status}) for notebook 05 in {state.path(prefix)}.",
            f"ノートブック 05 のために、実行 {name}（{outcome.status}）を {state.path(prefix)} に"
            "保存しました。",
        )
    print(message)
