"""The markdown report of one conversation, put in S3 and shared by a presigned URL.

``render`` is pure (everything it shows is passed in, the time included); ``publish`` is the
side effect, run by the handler inside its "report" step. The bucket stays private: the
only way in is the presigned GET URL, which expires after ``REPORT_URL_EXPIRES`` seconds.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal, TypedDict

from . import aws
from .approvals import Decision
from .tools import ToolResult

Outcome = Literal["ran", "failed", "denied", "timed out", "unknown tool", "turn limit"]


class Proposal(TypedDict):
    """One tool call the model asked for, and what became of it."""

    number: int  # k of "approve #k" / "tool #k"
    turn: int  # n of the "think #n" that proposed it
    tool: str
    input: Any
    outcome: Outcome
    decision: Decision | None  # None: nobody was asked
    comment: str | None
    result: ToolResult  # what the model heard back (for "turn limit": what it would have)
    attempts: int  # how many times the tool was started: above 1 after a crash; 0 if never


_OUTCOME_TEXT: dict[Outcome, str] = {
    "ran": "approved; it ran",
    "failed": "approved; it crashed on all {attempts} attempts, so it gave no result",
    "denied": "denied; it did not run",
    "timed out": "no answer within {timeout} s, so it counts as denied; it did not run",
    "unknown tool": "not a tool of this chatbot: nothing to approve; it did not run",
    "turn limit": "proposed in the last turn allowed (MAX_TURNS): not asked; it did not run",
}


def render(
    *,
    query: str,
    answer: str,
    proposals: list[Proposal],
    turns: int,
    execution_arn: str,
    model_id: str,
    approval_timeout_seconds: int,
    generated_at: datetime,
) -> str:
    lines = [
        "# Chatbot report",
        "",
        "## Question",
        "",
        _quote(_inert(query)),
        "",
        "## Answer",
        "",
        _inert(answer) or "_(no answer)_",
        "",
        "## Tool proposals",
        "",
    ]
    if not proposals:
        lines += ["The model answered without asking for a tool.", ""]
    else:
        lines += ["| # | turn | tool | decision | outcome |", "| --- | --- | --- | --- | --- |"]
        for p in proposals:
            outcome = _outcome_text(p, approval_timeout_seconds)
            lines.append(
                f"| {p['number']} | {p['turn']} | {_cell(_code(p['tool']))} | "
                f"{p['decision'] or '-'} | {_cell(outcome)} |"
            )
        lines.append("")
        for p in proposals:
            lines += _details(p)
    lines += [
        "---",
        "",
        f"Execution `{execution_arn}`, model `{model_id}`, {turns} model turn(s), "
        f"written {generated_at.isoformat(timespec='seconds')}.",
        "",
    ]
    return "\n".join(lines)


def _outcome_text(p: Proposal, approval_timeout_seconds: int) -> str:
    text = _OUTCOME_TEXT[p["outcome"]].format(
        timeout=approval_timeout_seconds, attempts=p["attempts"]
    )
    if p["outcome"] == "ran" and p["attempts"] > 1:  # a crash that a retry healed: not silent
        failed = p["attempts"] - 1
        text += f" on attempt {p['attempts']}, after {failed} crashed attempt{'s' * (failed > 1)}"
    return text


def _details(p: Proposal) -> list[str]:
    lines = [f"### {p['number']}. {_code(p['tool'])} ({p['outcome']})", ""]
    if p["comment"]:
        lines += ["Reviewer's comment:", "", _quote(_inert(p["comment"])), ""]
    lines += ["Input:", "", _fenced(json.dumps(p["input"], indent=2, ensure_ascii=False)), ""]
    result = p["result"]
    if p["outcome"] == "ran":
        title = "Output:" if result["status"] == "success" else "The tool answered with an error:"
        lines += [
            title,
            "",
            _fenced(json.dumps(result["content"], indent=2, ensure_ascii=False)),
            "",
        ]
    elif p["outcome"] == "failed":
        lines += [
            f"It crashed {p['attempts']} times; the last error:",
            "",
            _fenced(str(result["content"].get("last_error", "")), lang="text"),
            "",
        ]
    elif p["outcome"] == "unknown tool":
        lines += [f"Told the model: {result['content'].get('error', '')}", ""]
    return lines


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


# The question, the answer and the comment are people's and the model's words: shown as
# written, never as markdown structure, so that no text can add a row to the decisions table,
# a heading or HTML to the report. Their line structure stays: blank lines still part
# paragraphs, and a list item keeps its marker (its text escaped like the rest), so that the
# model's list reads as the list the panel shows, not as one run-on paragraph.
_MARKUP = re.compile(r"([\\`*_\[\]<>#|!])")
_LINE_MARKUP = re.compile(r"^(\s*\d*)([-+=.)])")  # lists, rules, setext headings
# "- x", "* x", "+ x", "1. x", "1) x" (CommonMark: at most 9 digits) with text after the
# marker; a bare "-" or "---" is a setext underline or a rule, and stays escaped.
_LIST_ITEM = re.compile(r"(\s*)([-*+]|[0-9]{1,9}[.)])( +)(\S.*)", re.S)


def _inert(text: str) -> str:
    return "\n".join(_inert_line(line) for line in text.split("\n"))


def _inert_line(line: str) -> str:
    item = _LIST_ITEM.fullmatch(line)
    if item is None:
        return _escape_line(line)
    indent, marker, space, rest = item.groups()
    # Only the outer marker is kept: "- - x" or "- 1. x" shows its inner marker as text.
    return f"{indent}{marker}{space}{_escape_line(rest)}"


def _escape_line(line: str) -> str:
    return _LINE_MARKUP.sub(r"\1\\\2", _MARKUP.sub(r"\\\1", line))


def _code(text: str) -> str:
    # A code span whose fence is longer than any run of backticks inside it.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fenced(text: str, lang: str = "json") -> str:
    # A fence longer than any run of backticks inside, so the text cannot close it.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def object_key(execution_arn: str) -> str:
    """``reports/<execution name>/<execution id>.md``: one report per execution, so a retried
    report step overwrites its own object."""
    tail = [re.sub(r"[^A-Za-z0-9_.-]", "_", part) for part in execution_arn.split("/")[-2:]]
    return "reports/" + "/".join(part.strip(".") or "_" for part in tail) + ".md"


def publish(markdown: str, *, bucket: str, key: str, expires_in: int) -> str:
    """Put the report in S3 and return a presigned GET URL valid for ``expires_in`` seconds."""
    s3 = aws.client("s3")
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=markdown.encode("utf-8"),
        ContentType="text/markdown; charset=utf-8",
    )
    url: str = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
    )
    return url
