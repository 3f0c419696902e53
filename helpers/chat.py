"""The chatbot from a notebook: find it, start conversations, pace the auto reviewer, and
read what a conversation left behind (its outcome, its report, its history in brief).

Notebook 04 is made of these calls, each in a cell of its own:

    deployed = deployed_chatbot(target, names, params.model_id)  # 03's, or deploy it now
    start_chat = chat_starter(target, names)            # question -> execution ARN
    panel = ApprovalPanel(Inbox.for_target(target, deployed.queue_url), start=start_chat, ...)
    pace_reviewer(panel, REVIEW_SECONDS)                 # auto mode: a reviewer who reads
    result = panel.run_if_auto(timeout=...)
    outcome = outcome_of(panel)                          # answer, report link, decisions
    report_of(outcome)                                   # the report, via its presigned URL
    history_brief(target, outcome.execution_arn)         # what ran when, in a table

Nothing here blocks in widget mode: a cell that blocks keeps the browser's clicks from
reaching the kernel. Whatever is not there yet (no answer clicked, no report) is said in
one sentence, never a traceback.
"""

from __future__ import annotations

import html
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from IPython.display import Markdown
from tqdm.auto import tqdm

from . import history, state
from .approvals import (
    ENDED_STATUSES,
    ApprovalPanel,
    AutoDecider,
    Decisions,
    Waiting,
    tool_uses_by_turn,
    waiting_for_approval,
)
from .cost import (
    PRICES,
    CostAnalysisError,
    FunctionCost,
    PriceTable,
    analyse_function,
    function_log_group,
    list_executions,
)
from .deploy import ChatbotSettings, deploy_chatbot, start_execution
from .durable import (
    LOG_BACKOFF,
    LOG_WAIT_S,
    ExecutionArn,
    count_operations,
    epoch_seconds,
    execution_history,
    execution_name,
    invocations_from_history,
    missing_records_text,
    wait_for_reports,
)
from .naming import Names, redact_account
from .params import ParameterError, check_review_seconds
from .polling import Backoff
from .show import no_math, table
from .target import Target

# The keys notebook 03 saves, and deployed_chatbot reads back.
DEPLOYMENT_KEYS = ("function", "alias", "version", "queue_url", "bucket", "log_group")
SKEW_S = 1.0  # allowed between the stamps of two AWS services (both are to the millisecond)


# -- the deployment --------------------------------------------------------------------------
@dataclass(frozen=True)
class ChatDeployment:
    """What notebooks 04 and 05 need of the chatbot notebook 03 deployed."""

    function: str
    alias: str
    version: str
    queue_url: str
    bucket: str
    log_group: str

    def as_state(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in DEPLOYMENT_KEYS}


def where(target: Target) -> dict[str, str]:
    """What the state file records of the target its values belong to: ARNs of the local
    cloud must never be taken for an account's, nor one local cloud's for another's."""
    return {"target": target.name, "region": target.region, "endpoint": target.endpoint or ""}


def _same_place(saved: dict[str, Any], target: Target) -> bool:
    return all(saved.get(key) == value for key, value in where(target).items())


def _still_there(target: Target, saved: dict[str, Any]) -> bool:
    lam, sqs = target.client("lambda"), target.client("sqs")
    try:
        lam.get_alias(FunctionName=saved["function"], Name=saved["alias"])
        sqs.get_queue_attributes(QueueUrl=saved["queue_url"], AttributeNames=["QueueArn"])
    except ClientError:
        return False
    return True


def deployed_chatbot(target: Target, names: Names, model_id: str = "") -> ChatDeployment:
    """The chatbot notebook 03 deployed under this PREFIX (read from the state file).

    If 03 has not run for this prefix and target, or what it deployed is gone, or it calls
    another model than ``model_id`` (MODEL_ID; ``""``: the workshop's model in the Region),
    this runs the same steps at once (``deploy_chatbot``, idempotent) and saves the result,
    so that the notebook also works on its own.
    """
    settings = ChatbotSettings.for_region(names.region, model_id)
    saved = state.load(names.prefix)
    reusable = (
        _same_place(saved, target)
        and all(isinstance(saved.get(k), str) for k in DEPLOYMENT_KEYS)
        and saved["function"] == names.function
    )
    # A state file from before the model was saved: what 03 deployed is taken as it is.
    other_model = saved.get("model_id", settings.model_id) != settings.model_id
    if reusable and not other_model and _still_there(target, saved):
        deployed = ChatDeployment(**{k: saved[k] for k in DEPLOYMENT_KEYS})
        print(
            f"Using the chatbot notebook 03 deployed: {deployed.function}:{deployed.alias} "
            f"(version {deployed.version}), queue {deployed.queue_url.rsplit('/', 1)[-1]}, "
            f"model {settings.model_id}."
        )
        return deployed
    if reusable and other_model:
        print(
            f"Notebook 03 deployed the chatbot with model {saved['model_id']}, and MODEL_ID "
            f"asks for {settings.model_id}: deploying it again with that model (the same "
            "steps, at once)."
        )
    else:
        print(
            f"No deployment of notebook 03 found for PREFIX={names.prefix!r} on "
            f"{target.name}/{target.region}: deploying the chatbot now (the same steps, at "
            f"once), model {settings.model_id}."
        )
    done = deploy_chatbot(target, names, settings)
    deployed = ChatDeployment(
        function=names.function,
        alias=names.alias,
        version=done.version,
        queue_url=done.queue_url,
        bucket=done.bucket,
        log_group=names.log_group,
    )
    state.save(names.prefix, **where(target), **deployed.as_state(), model_id=settings.model_id)
    return deployed


def conversation_name() -> str:
    """A fresh DurableExecutionName, short enough for the panel to show whole:
    ``chat-MMDDTHHMMSS-xxxxxx`` (names stay taken until the retention period ends)."""
    return f"chat-{datetime.now(UTC):%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def chat_starter(target: Target, names: Names) -> Callable[[str], str]:
    """``start_chat(question) -> execution ARN``: one durable execution of ``live`` per
    question (``Event`` invoke, a fresh DurableExecutionName each time)."""

    def start_chat(question: str) -> str:
        return start_execution(target, names, {"query": question}, conversation_name())

    return start_chat


# -- the auto reviewer -----------------------------------------------------------------------
class PacedDecider(AutoDecider):
    """Auto mode's decisions (DECISIONS by tool, or in order), each after ``review_seconds``
    of "reading", as a person would take: the execution suspends while it waits."""

    def __init__(
        self,
        decisions: Decisions,
        review_seconds: float,
        used: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(decisions)
        self.used = used
        self.review_seconds = float(review_seconds)
        self._sleep = sleep

    def next(self, tool: str | None = None) -> tuple[str, str]:
        if self.review_seconds > 0:
            self._sleep(self.review_seconds)
        decision, note = super().next(tool)
        return decision, f"{note} (after {self.review_seconds:g} s of review)"


def pace_reviewer(panel: ApprovalPanel, review_seconds: float) -> None:
    """In auto mode, make the reviewer take ``review_seconds`` over each request; in widget
    mode you are the reviewer and nothing changes. Prints what it did."""
    check_review_seconds(review_seconds)
    if panel.auto is None:
        message = "Widget mode: you are the reviewer. Take your time: nothing is billed meanwhile."
    else:
        panel.auto = PacedDecider(panel.auto.decisions, review_seconds, used=panel.auto.used)
        message = (
            f"Auto mode: the reviewer answers each request after {review_seconds:g} s, with "
            f"DECISIONS {panel.auto.describe()}."
        )
    print(message)


# -- outcomes --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """How a conversation (a durable execution) ended, or that it has not yet."""

    execution_arn: str | None
    status: str
    result: Any = None
    error: str = ""
    log: str = ""  # the approval panel's status lines
    seconds: float | None = None
    waiting: Waiting | None = None  # RUNNING and waiting for a person's approval

    @property
    def finished(self) -> bool:
        return self.status in ENDED_STATUSES

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def report_url(self) -> str | None:
        url = self.result.get("report_url") if isinstance(self.result, dict) else None
        return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None

    @property
    def decisions(self) -> list[dict[str, Any]]:
        found = self.result.get("decisions") if isinstance(self.result, dict) else None
        return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []

    def headline(self) -> str:
        if self.execution_arn is None:
            return (
                "No conversation yet: type a question in the panel and press Send "
                "(APPROVAL_MODE='widget'), or run the notebook with APPROVAL_MODE='auto'."
            )
        name = execution_name(self.execution_arn)
        if self.waiting is not None:
            return f"Execution {name} is waiting for an approval. {self.waiting}"
        if not self.finished:
            return (
                f"Execution {name} is {self.status}: answer its requests in the panel "
                "above, then run this cell again."
            )
        took = f" in {self.seconds:.1f} s" if self.seconds is not None else ""
        return f"Execution {name} ended {self.status}{took}" + (
            f": {self.error}" if self.error else "."
        )

    def _repr_markdown_(self) -> str:
        parts = [f"**{html.escape(self.headline(), quote=False)}**"]
        if self.succeeded and isinstance(self.result, dict):
            answer = str(self.result.get("answer", ""))
            parts.append("**Answer**\n\n" + "\n".join(f"> {line}" for line in answer.splitlines()))
            if self.report_url:
                parts.append(f"[Open the report]({self.report_url}) (a presigned S3 URL)")
            if self.decisions:
                parts.append(
                    "**Decisions**\n\n"
                    + table(self.decisions, ["tool", "decision", "comment"]).data
                )
        elif self.finished and self.result is not None:
            parts.append("```json\n" + json.dumps(self.result, indent=2, default=str) + "\n```")
        if self.log:
            parts.append(
                "<details><summary>approval panel log</summary>\n\n```text\n"
                + self.log
                + "\n```\n</details>"
            )
        return no_math("\n\n".join(parts))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))  # IPython's plain-text view: the words, not the fields

    def __str__(self) -> str:
        lines = [self.headline()]
        if self.succeeded and isinstance(self.result, dict):
            lines += ["", str(self.result.get("answer", ""))]
            lines += [f"report: {self.report_url}"] if self.report_url else []
            lines += [f"  {d.get('tool')}: {d.get('decision')}" for d in self.decisions]
        return "\n".join(lines)


def _seconds(started: Any, ended: Any) -> float | None:
    if isinstance(started, datetime) and isinstance(ended, datetime):
        return (ended - started).total_seconds()
    return None


def outcome_of(panel: ApprovalPanel) -> Outcome:
    """The outcome of the panel's last conversation, as of now (one status call; never
    waits). In widget mode, run it again once you have answered every request."""
    arn = panel.last_arn
    if arn is None:
        return Outcome(None, "NOT STARTED", log=panel.status_text)
    panel.inbox.refresh()
    info = panel.inbox.executions[arn]
    return Outcome(
        arn,
        info.status,
        info.result,
        info.error,
        panel.status_text,
        _seconds(info.started, info.ended),
    )


def wait_for_execution(target: Target, execution_arn: str, timeout: float = 120.0) -> Outcome:
    """Wait (with history.wait_for's progress bar and backoff) until the execution ends;
    its Outcome. An execution that waits for an approval gives, as soon as that shows in
    its history, an Outcome that says so (``waiting``): nobody answers while this cell
    waits. One still at work after ``timeout`` seconds raises ExecutionTimeout (a
    TimeoutError)."""
    lam = target.client("lambda")
    started = time.monotonic()
    try:
        details = history.wait_for(lam, execution_arn, timeout_s=timeout, stop_on_callback=True)
        if details.get("Status") == "RUNNING":  # a callback is open: an approval request?
            if (waiting := waiting_for_approval(lam, execution_arn)) is not None:
                return Outcome(execution_arn, "RUNNING", waiting=waiting)
            left = max(timeout - (time.monotonic() - started), 1.0)
            details = history.wait_for(lam, execution_arn, timeout_s=left)
    except history.ExecutionTimeout:  # still running: waiting for a person, or not?
        if (waiting := waiting_for_approval(lam, execution_arn)) is None:
            raise
        return Outcome(execution_arn, "RUNNING", waiting=waiting)
    status = str(details.get("Status", "UNKNOWN"))
    raw = details.get("Result")
    try:
        result = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        result = raw
    error = details.get("Error") or {}
    return Outcome(
        execution_arn,
        status,
        result,
        ": ".join(p for p in (error.get("ErrorType"), error.get("ErrorMessage")) if p),
        seconds=_seconds(details.get("StartTimestamp"), details.get("EndTimestamp")),
    )


# -- the report ------------------------------------------------------------------------------
class ReportError(RuntimeError):
    """The report could not be fetched; the message says why."""


def fetch_report(url: str, timeout: float = 10.0) -> str:
    """The report's markdown, fetched with nothing but its presigned URL (no credentials)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return str(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        body = exc.read().decode(errors="replace")
        if exc.code == 403 and "expired" in body.lower():
            raise ReportError(
                "The report link has expired (the chatbot signs it for REPORT_URL_EXPIRES "
                "seconds, 900 by default): ask again to get a fresh one."
            ) from None
        raise ReportError(f"S3 answered {exc.code} {exc.reason} for the report link.") from None
    except urllib.error.URLError as exc:
        raise ReportError(f"Could not reach the report link: {exc.reason}.") from None


def report_of(outcome: Outcome, timeout: float = 10.0) -> Markdown:
    """The conversation's report as rendered markdown, or one sentence why there is none.

    The report names its execution by ARN; shown here, the account id is masked."""
    if not outcome.succeeded:
        return Markdown(f"*No report yet. {html.escape(outcome.headline(), quote=False)}*")
    if outcome.report_url is None:
        return Markdown("*The execution's result has no report_url.*")
    try:
        text = fetch_report(outcome.report_url, timeout)
    except ReportError as exc:
        return Markdown(f"*{html.escape(str(exc), quote=False)}*")
    return Markdown(no_math(redact_account(text)))


# -- the history in brief --------------------------------------------------------------------
def _when(value: Any) -> float | None:
    """``cost.epoch_seconds``, or None for a missing or unreadable timestamp."""
    try:
        return epoch_seconds(value)
    except (CostAnalysisError, ValueError):
        return None


def _decision(event: dict[str, Any]) -> str | None:
    """APPROVE/DENY from a wait_for_callback context's result, if it holds one."""
    details = event.get("ContextSucceededDetails") or {}
    payload = (details.get("Result") or {}).get("Payload")
    value: Any = payload
    for _ in range(2):  # the callback's JSON string, serialised once more by the SDK
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value.get("decision") if isinstance(value, dict) else None


_KINDS = {
    "Step": "step",
    "WaitForCallback": "wait_for_callback",
    "Wait": "wait",
    "Callback": "callback",
    "Parallel": "parallel",
    "Map": "map",
    "RunInChildContext": "child context",
}


def brief_history(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per top-level operation and per Lambda invocation, in time order.

    Columns: ``at_s`` (seconds since the execution started), ``what``, ``kind``,
    ``took_s`` and ``outcome``. Nested operations (the submitter step and the callback
    inside a wait_for_callback) are left out: their parent's row says what happened.
    """
    start: float | None = None
    ops: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    invocations = 0
    for event in events:
        kind = str(event.get("EventType", ""))
        when = _when(event.get("EventTimestamp"))
        if kind == "ExecutionStarted":
            start = when
            continue
        if kind == "InvocationCompleted":
            details = event.get("InvocationCompletedDetails") or {}
            began = _when(details.get("StartTimestamp")) or when
            ended = _when(details.get("EndTimestamp")) or when
            invocations += 1
            rows.append(
                {
                    "_t": began,
                    "what": f"Lambda invocation #{invocations}",
                    "kind": "invocation" if invocations == 1 else "invocation (replay)",
                    "took_s": ended - began if began is not None and ended is not None else None,
                    "outcome": "error" if details.get("Error") else "returned",
                }
            )
            continue
        if kind.startswith("Execution") or event.get("ParentId"):
            continue
        op_id = str(event.get("Id", ""))
        row = ops.get(op_id)
        if row is None:
            sub = str(event.get("SubType") or "")
            row = ops[op_id] = {
                "_t": when,
                "what": event.get("Name") or "(unnamed)",
                "kind": _KINDS.get(sub, sub.lower() or "operation"),
                "took_s": None,
                "outcome": "running",
            }
            rows.append(row)
        for suffix in ("Succeeded", "Failed", "TimedOut", "Stopped"):
            if kind.endswith(suffix):
                row["outcome"] = _decision(event) or suffix.lower()
                if row["_t"] is not None and when is not None:
                    row["took_s"] = when - row["_t"]
    origin = start if start is not None else min((r["_t"] for r in rows if r["_t"]), default=0)
    rows.sort(key=lambda r: r["_t"] if r["_t"] is not None else float("inf"))
    for row in rows:
        t = row.pop("_t")
        row["at_s"] = round(t - origin, 3) if t is not None else None
        row["took_s"] = round(row["took_s"], 3) if row["took_s"] is not None else None
    return [{k: row[k] for k in ("at_s", "what", "kind", "took_s", "outcome")} for row in rows]


def history_brief(target: Target, execution_arn: str | None) -> Markdown:
    """The execution's history in brief (see ``brief_history``) as a table."""
    if not execution_arn:
        return Markdown("*No execution yet: nothing to show.*")
    return table(brief_history(execution_history(target.client("lambda"), execution_arn)))


def figures_of(target: Target, outcome: Outcome) -> Markdown:
    """This conversation in figures, all read from its history and its result: the model's
    turns and the tools it asked for, the approval requests and their decisions, what the
    answer lacks, the Lambda invocations, the durable operations and the wall-clock time."""
    if not outcome.finished or outcome.execution_arn is None:
        return Markdown(f"*No figures yet. {html.escape(outcome.headline(), quote=False)}*")
    events = execution_history(target.client("lambda"), outcome.execution_arn)
    turns = tool_uses_by_turn(events)
    invocations = invocations_from_history(events)
    operations = count_operations(events)
    asked = sum(len(turn) for turn in turns)
    together = [turn for turn in turns if len(turn) > 1]
    lines = [
        f"- **Model turns:** {len(turns)}; "
        + (
            f"the model asked for {asked} tool call(s)"
            + "".join(f", {len(t)} in one turn ({', '.join(t)})" for t in together)
            + "."
            if asked
            else "the model asked for no tool: it answered directly."
        ),
        f"- **Approval requests:** {len(outcome.decisions)}"
        + (
            ": " + ", ".join(f"`{d.get('tool')}` → {d.get('decision')}" for d in outcome.decisions)
            if outcome.decisions
            else " (nobody was asked)"
        ),
    ]
    denied = [str(d.get("tool")) for d in outcome.decisions if d.get("decision") != "APPROVE"]
    if denied:
        lines.append(
            f"- **Denied, so not run:** {', '.join(f'`{t}`' for t in denied)}: the answer has "
            "no result from it and says so."
        )
    busy = sum(i.seconds for i in invocations)
    lines += [
        f"- **Lambda invocations:** {len(invocations)} "
        + (
            "(the first run, then one each time the execution woke up)"
            if len(invocations) > 1
            else "(the first run did everything: nothing woke the execution up again)"
        )
        + f", {busy:.2f} s of running in all.",
        f"- **Durable operations:** {operations.describe()}.",
    ]
    if outcome.seconds is not None and len(invocations) > 1:
        lines.append(
            f"- **Wall-clock:** {outcome.seconds:.1f} s from start to end; the execution ran "
            f"for {busy:.2f} s of it and waited, at no compute cost, for the rest."
        )
    elif outcome.seconds is not None:
        lines.append(
            f"- **Wall-clock:** {outcome.seconds:.2f} s from start to end, all of it in its one "
            "invocation: it never waited."
        )
    if not asked:
        lines.append(
            "\n*Nobody was in the loop this time: the model chose to answer by itself, as a "
            "real model may. To see the approvals, send the question again (the panel's Send, "
            "or run the conversation cell again), or ask for something only a tool can do: "
            "a search of the notes, a calculation, a cost estimate.*"
        )
    return Markdown(no_math("\n".join(lines)))


# -- for notebook 05 -------------------------------------------------------------------------
def conversation_to_analyse(target: Target, names: Names, execution_arn: str = "") -> str:
    """The execution notebook 05 analyses: ``execution_arn`` if given, else the one notebook
    04 saved for this PREFIX, else the newest finished execution of the chatbot.

    That last one is looked for on every version of the function (the alias ``live``
    points at a published version, and a listing without a Qualifier would show
    ``$LATEST``'s executions only, as on AWS): ``cost.list_executions`` asks each one."""
    if execution_arn:
        how = "given as EXECUTION_ARN"
        arn = execution_arn
    else:
        saved = state.load(names.prefix)
        arn = (saved.get("execution_arn") or "") if _same_place(saved, target) else ""
        how = "saved by notebook 04"
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
                        f"No conversation to analyse for PREFIX={names.prefix!r}: run notebook "
                        "04 first (or set EXECUTION_ARN to a durable execution's ARN)."
                    ]
                )
            arn = str(found[0]["DurableExecutionArn"])
            how = "the chatbot's newest finished execution"
    print(f"Analysing execution {execution_name(arn)} ({how}).")
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
    wanted = [i.request_id for i in invocations_from_history(execution_history(lam, execution_arn))]
    arn = ExecutionArn.parse(execution_arn)
    log_group = function_log_group(lam, arn.function_name, arn.qualifier)
    started = lam.get_durable_execution(DurableExecutionArn=execution_arn)["StartTimestamp"]
    start_ms = int(((_when(started) or time.time()) - SKEW_S) * 1000)
    began = time.monotonic()
    with tqdm(total=len(wanted), desc="REPORT records", unit="record") as bar:

        def step(found: int, _wanted: int) -> None:
            bar.update(found - bar.n)

        _, _, missing = wait_for_reports(
            logs,
            log_group,
            wanted,
            start_ms=start_ms,
            timeout_s=timeout_s,
            backoff=backoff,
            allow_missing=True,
            progress=step,
        )
    if missing:
        print(missing_records_text(len(missing), len(wanted), time.monotonic() - began))
    else:
        print(f"All {len(wanted)} REPORT records have arrived, one per invocation.")
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
    deployed_at = _when(lam.get_function_configuration(**kwargs).get("LastModified")) or 0.0
    return analyse_function(
        lam,
        logs,
        names.function,
        qualifier,
        limit=limit,
        prices=prices,
        timeout_s=0,
        allow_missing=True,
        started_after=deployed_at - SKEW_S,
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
        message = "Nothing saved: no conversation was started. Notebook 05 will say so."
    else:
        state.save(
            prefix,
            **where(target),
            execution_arn=outcome.execution_arn,
            execution_status=outcome.status,
        )
        name = execution_name(outcome.execution_arn)
        message = (
            f"Saved execution {name} ({outcome.status}) for notebook 05 in {state.path(prefix)}."
        )
    print(message)
