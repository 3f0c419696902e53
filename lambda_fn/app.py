"""The durable chatbot: a model proposes tool calls, and a person approves each one over SQS.

    query -> "think #n"     the model answers, or asks for a tool
          -> "approve #k"   wait_for_callback: the request goes to SQS, the execution sleeps
          -> APPROVE: "tool #k" runs the tool (a crash is retried, TOOL_ATTEMPTS in all)
             DENY or no answer in time: the model hears so
          -> ... until the model answers (at most MAX_TURNS turns)
          -> "report"       markdown in S3, shared by a presigned URL
          -> {"answer", "report_url", "decisions"}

Everything that reaches the outside world or could differ between two runs (the model, the
tools, SQS, S3, the clock) happens inside a step or a callback, so a replay takes its result
from the checkpoint. The loop between them decides only from those results: every replay
walks the same path under the same names. ``n`` counts model turns, ``k`` counts proposals;
with one tool per turn they are equal.

Deployed with the package at the zip root, the handler is ``lambda_fn.app.handler``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

from aws_durable_execution_sdk_python import (
    CallbackExternalError,
    CallbackTimeoutError,
    DurableContext,
    StepContext,
    StepError,
    durable_execution,
    durable_step,
)
from aws_durable_execution_sdk_python.config import (
    Duration,
    JitterStrategy,
    StepConfig,
    StepSemantics,
)
from aws_durable_execution_sdk_python.retries import (
    RetryPresets,
    RetryStrategyConfig,
    create_retry_strategy,
)

from . import approvals, model_client, report, tools
from .approvals import Verdict
from .config import Settings
from .language import language_of
from .model_client import Message, ModelTurn, ToolUse, text_of, tool_uses, user_text
from .report import Outcome, Proposal
from .tools import ToolResult

MAX_QUERY_LENGTH = 4000
# A wrong model id or a missing bucket will not heal in minutes: retry briefly, then fail.
QUICK_RETRIES = StepConfig(retry_strategy=RetryPresets.transient())
# A crashing tool (throttled, a flaky network, a bug) runs again 1 s, then about 2 s later.
# Each retry is a new invocation after a short suspension; the report shows every attempt.
# At most once per attempt: a person approved one run, so an attempt whose process died
# mid-tool is not silently started again; it counts as a crashed attempt and is retried.
TOOL_ATTEMPTS = 3
TOOL_RETRIES = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=TOOL_ATTEMPTS,
            initial_delay=Duration.from_seconds(1),
            backoff_rate=2,
            jitter_strategy=JitterStrategy.HALF,
        )
    ),
    step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
)


class DecisionRecord(Verdict):
    """One entry of the result's ``decisions``: the person's verdict on which tool."""

    tool: str


class ToolRun(TypedDict):
    """The checkpointed result of a "tool #k" step: what the tool returned, on which try."""

    result: ToolResult
    attempt: int


class ChatResult(TypedDict):
    answer: str
    report_url: str
    decisions: list[DecisionRecord]


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> ChatResult:
    settings = Settings.from_env()
    query = read_query(event)
    messages: list[Message] = [user_text(query)]
    proposals: list[Proposal] = []
    answer = ""
    for turn in range(1, settings.max_turns + 1):
        reply = context.step(
            think(settings.model_id, messages), name=f"think #{turn}", config=QUICK_RETRIES
        )
        messages.append(reply["message"])
        wanted = tool_uses(reply["message"])
        if not wanted:
            answer = text_of(reply["message"])
            break
        if turn == settings.max_turns:  # no turn left to read a tool's result: ask nobody
            proposals += [
                unasked(use, len(proposals) + i, turn, "turn limit")
                for i, use in enumerate(wanted, 1)
            ]
            answer = turn_limit_answer(settings.max_turns, wanted)
            break
        results = []
        for use in wanted:
            proposal = settle(
                context,
                settings,
                use,
                number=len(proposals) + 1,
                turn=turn,
                query=query,
                explanation=text_of(reply["message"]),
            )
            proposals.append(proposal)
            results.append(model_client.tool_result_block(use["toolUseId"], proposal["result"]))
        messages.append({"role": "user", "content": results})

    report_url = context.step(
        write_report(
            settings,
            query=query,
            answer=answer,
            proposals=proposals,
            turns=turn,
            execution_arn=context.execution_context.durable_execution_arn,
        ),
        name="report",
        config=QUICK_RETRIES,
    )
    context.logger.info("answered after %d turn(s) and %d proposal(s)", turn, len(proposals))
    return {"answer": answer, "report_url": report_url, "decisions": decisions_of(proposals)}


def settle(
    context: DurableContext,
    settings: Settings,
    use: ToolUse,
    *,
    number: int,
    turn: int,
    query: str,
    explanation: str,
) -> Proposal:
    """Ask a person about one proposal, and run the tool if they approve."""
    name, tool_input = use["name"], use["input"]
    if not tools.is_known(name):
        # Nothing anybody could approve: the model hears at once that there is no such tool.
        context.logger.warning("think #%d asked for an unknown tool %r", turn, name)
        return unasked(use, number, turn, "unknown tool")

    ask = approvals.submitter(
        settings.queue_url,
        {
            "execution_arn": context.execution_context.durable_execution_arn,
            "tool": name,
            "input": tool_input,
            "tool_use_id": use["toolUseId"],
            "proposal": number,
            "turn": turn,
            "query": query,
            "explanation": explanation,
            "timeout_seconds": settings.approval_timeout_seconds,
        },
    )
    verdict: Verdict
    try:
        answer = context.wait_for_callback(
            ask,
            name=f"approve #{number}",
            config=approvals.wait_config(settings.approval_timeout_seconds),
        )
        verdict = approvals.read_answer(answer)
    except CallbackTimeoutError:
        verdict = approvals.TIMED_OUT
    except CallbackExternalError as exc:  # the approver sent a callback failure
        verdict = approvals.denied(f"the approval failed: {exc.message or 'no reason given'}")
    context.logger.info("approve #%d: %s %s", number, name, verdict["decision"])

    attempts = 0
    if verdict["decision"] != "APPROVE":
        result = approvals.refusal(verdict, settings.approval_timeout_seconds, language_of(query))
        outcome: Outcome = "timed out" if verdict["timed_out"] else "denied"
    else:
        try:
            run = context.step(
                use_tool(name, tool_input), name=f"tool #{number}", config=TOOL_RETRIES
            )
            result, attempts, outcome = run["result"], run["attempt"], "ran"
        except StepError as exc:  # it crashed on every attempt: the model and the report say so
            crash = f"{exc.error_type or 'Error'}: {exc.message or 'no message'}"
            context.logger.warning(
                "tool #%d %s failed %d times: %s", number, name, TOOL_ATTEMPTS, crash
            )
            result = tools.error(
                f"{name} crashed on each of its {TOOL_ATTEMPTS} attempts; it gave no result",
                last_error=crash,
            )
            attempts, outcome = TOOL_ATTEMPTS, "failed"
    return {
        "number": number,
        "turn": turn,
        "tool": name,
        "input": tool_input,
        "outcome": outcome,
        "decision": verdict["decision"],
        "comment": verdict["comment"],
        "result": result,
        "attempts": attempts,
    }


@durable_step
def think(step: StepContext, model_id: str, messages: list[Message]) -> ModelTurn:
    turn = model_client.converse(model_id, messages, tools.tool_config())
    step.logger.info("model stop reason: %s", turn["stop_reason"])
    return turn


@durable_step
def use_tool(step: StepContext, name: str, tool_input: Any) -> ToolRun:
    try:
        result = tools.run_tool(name, tool_input)
    except Exception as exc:  # logged here, then retried by TOOL_RETRIES
        step.logger.warning(
            "%s crashed on attempt %d: %s: %s", name, step.attempt, type(exc).__name__, exc
        )
        raise
    step.logger.info("%s: %s (attempt %d)", name, result["status"], step.attempt)
    return {"result": result, "attempt": step.attempt}


@durable_step
def write_report(
    step: StepContext,
    settings: Settings,
    *,
    query: str,
    answer: str,
    proposals: list[Proposal],
    turns: int,
    execution_arn: str,
) -> str:
    markdown = report.render(
        query=query,
        answer=answer,
        proposals=proposals,
        turns=turns,
        execution_arn=execution_arn,
        model_id=settings.model_id,
        approval_timeout_seconds=settings.approval_timeout_seconds,
        generated_at=datetime.now(UTC),
    )
    key = report.object_key(execution_arn)
    step.logger.info("report written to s3://%s/%s", settings.bucket, key)
    return report.publish(
        markdown, bucket=settings.bucket, key=key, expires_in=settings.report_url_expires
    )


def read_query(event: Any) -> str:
    query = event.get("query") if isinstance(event, dict) else None
    if not isinstance(query, str) or not query.strip():
        raise ValueError('the event must be {"query": "<your question>"}')
    if len(query) > MAX_QUERY_LENGTH:
        raise ValueError(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    return query.strip()


def unasked(
    use: ToolUse, number: int, turn: int, outcome: Literal["unknown tool", "turn limit"]
) -> Proposal:
    """A proposal nobody was asked about, so it did not run; ``result`` is what the model
    hears (for "turn limit", what it would have heard: no turn is left to tell it)."""
    if outcome == "unknown tool":
        result = tools.unknown(use["name"])
    else:
        result = tools.error("not run: the conversation reached its turn limit")
    return {
        "number": number,
        "turn": turn,
        "tool": use["name"],
        "input": use["input"],
        "outcome": outcome,
        "decision": None,
        "comment": None,
        "result": result,
        "attempts": 0,
    }


def turn_limit_answer(max_turns: int, wanted: list[ToolUse]) -> str:
    names = ", ".join(use["name"] for use in wanted)
    return (
        f"No final answer: the conversation reached its limit of {max_turns} model "
        f"turn(s) while the model still wanted to use {names}. Raise MAX_TURNS or ask "
        "a narrower question."
    )


def decisions_of(proposals: list[Proposal]) -> list[DecisionRecord]:
    return [
        {
            "tool": p["tool"],
            "decision": p["decision"],
            "comment": p["comment"],
            "timed_out": p["outcome"] == "timed out",
        }
        for p in proposals
        if p["decision"] is not None
    ]
