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
from .language import Language, language_of, pick
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


_OUTCOME_TEXT: dict[Language, dict[Outcome, str]] = {
    "en": {
        "ran": "approved; it ran",
        "failed": "approved; it crashed on all {attempts} attempts, so it gave no result",
        "denied": "denied; it did not run",
        "timed out": "no answer within {timeout} s, so it counts as denied; it did not run",
        "unknown tool": "not a tool of this chatbot: nothing to approve; it did not run",
        "turn limit": "proposed in the last turn allowed (MAX_TURNS): not asked; it did not run",
    },
    "ja": {
        "ran": "承認され、実行されました",
        "failed": "承認されましたが、{attempts} 回の試行すべてでクラッシュし、結果は出ませんでした",
        "denied": "却下され、実行されませんでした",
        "timed out": "{timeout} 秒以内に回答がなく、却下として扱われました。実行されていません",
        "unknown tool": "このチャットボットにないツールのため承認の対象外で、実行されませんでした",
        "turn limit": "許されている最後のターン（MAX_TURNS）での提案のため、確認せず、"
        "実行されませんでした",
    },
}
# The outcome as a short label, in the heading of each proposal's details.
_OUTCOME_LABEL: dict[Outcome, str] = {
    "ran": "実行",
    "failed": "失敗",
    "denied": "却下",
    "timed out": "時間切れ",
    "unknown tool": "不明なツール",
    "turn limit": "ターン上限",
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
    """The report, in the question's language (its headings and fixed phrases; the texts of
    the question, the answer, the comments and the tools stay as written)."""
    lang = language_of(query)
    lines = [
        pick(lang, "# Chatbot report", "# チャットボットのレポート"),
        "",
        pick(lang, "## Question", "## 質問"),
        "",
        _quote(_inert(query)),
        "",
        pick(lang, "## Answer", "## 回答"),
        "",
        _inert(answer) or pick(lang, "_(no answer)_", "_（回答なし）_"),
        "",
        pick(lang, "## Tool proposals", "## ツールの提案"),
        "",
    ]
    if not proposals:
        lines += [
            pick(
                lang,
                "The model answered without asking for a tool.",
                "モデルはツールを使わずに回答しました。",
            ),
            "",
        ]
    else:
        lines += [
            pick(
                lang,
                "| # | turn | tool | decision | outcome |",
                "| # | ターン | ツール | 判断 | 結果 |",
            ),
            "| --- | --- | --- | --- | --- |",
        ]
        for p in proposals:
            outcome = _outcome_text(p, approval_timeout_seconds, lang)
            lines.append(
                f"| {p['number']} | {p['turn']} | {_cell(_code(p['tool']))} | "
                f"{p['decision'] or '-'} | {_cell(outcome)} |"
            )
        lines.append("")
        for p in proposals:
            lines += _details(p, lang)
    written = generated_at.isoformat(timespec="seconds")
    lines += [
        "---",
        "",
        pick(
            lang,
            f"Execution `{execution_arn}`, model `{model_id}`, {turns} model turn(s), "
            f"written {written}.",
            f"実行 `{execution_arn}`、モデル `{model_id}`、モデルのターン {turns} 回、"
            f"作成 {written}。",
        ),
        "",
    ]
    return "\n".join(lines)


def _outcome_text(p: Proposal, approval_timeout_seconds: int, lang: Language) -> str:
    attempts = p["attempts"]
    if p["outcome"] == "ran" and attempts > 1:  # a crash that a retry healed: not silent
        failed = attempts - 1
        return pick(
            lang,
            f"approved; it ran on attempt {attempts}, "
            f"after {failed} crashed attempt{'s' * (failed > 1)}",
            f"承認され、{attempts} 回目の試行で実行されました（それまでの {failed} 回は"
            "クラッシュ）",
        )
    return _OUTCOME_TEXT[lang][p["outcome"]].format(
        timeout=approval_timeout_seconds, attempts=attempts
    )


def _details(p: Proposal, lang: Language) -> list[str]:
    outcome = pick(lang, f" ({p['outcome']})", f"（{_OUTCOME_LABEL[p['outcome']]}）")
    lines = [f"### {p['number']}. {_code(p['tool'])}{outcome}", ""]
    if p["comment"]:
        title = pick(lang, "Reviewer's comment:", "レビュー担当者のコメント:")
        lines += [title, "", _quote(_inert(p["comment"])), ""]
    lines += [
        pick(lang, "Input:", "入力:"),
        "",
        _fenced(json.dumps(p["input"], indent=2, ensure_ascii=False)),
        "",
    ]
    result = p["result"]
    if p["outcome"] == "ran":
        if result["status"] == "success":
            title = pick(lang, "Output:", "出力:")
        else:
            title = pick(lang, "The tool answered with an error:", "ツールはエラーを返しました:")
        lines += [
            title,
            "",
            _fenced(json.dumps(result["content"], indent=2, ensure_ascii=False)),
            "",
        ]
    elif p["outcome"] == "failed":
        lines += [
            pick(
                lang,
                f"It crashed {p['attempts']} times; the last error:",
                f"{p['attempts']} 回クラッシュしました。最後のエラー:",
            ),
            "",
            _fenced(str(result["content"].get("last_error", "")), lang="text"),
            "",
        ]
    elif p["outcome"] == "unknown tool":
        told = str(result["content"].get("error", ""))
        lines += [pick(lang, f"Told the model: {told}", f"モデルへの返答: {told}"), ""]
    return lines


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


# The question, the answer and the comment are people's and the model's words: shown as
# written, never as markdown structure, so that no text can add a row to the decisions table,
# a heading, a quote, a link or HTML to the report. Their line structure stays: blank lines
# still part paragraphs, and a list item keeps its marker (its text escaped like the rest), so
# that the model's list reads as the list the panel shows, not as one run-on paragraph.
# Emphasis (*x*, _x_) and code spans only style text within its paragraph: they render, as in
# the panel. A code span with a "|" in it is shown as text: a table row splits on its pipes
# before code spans are read (GFM), so the pipe must stay escaped.
_MARKUP = re.compile(r"([\\`\[\]<>#|!])")
_LINE_MARKUP = re.compile(r"^(\s*\d*)([-+=.)~])")  # lists, rules, setext headings, ~~~ fences
_BARE_STAR = re.compile(r"^(\s*)\*(?=\s|$)")  # "*" with no text after: an empty list item
_RULE = re.compile(r"\s*([*_])(?:\s*\1){2,}\s*")  # "***", "_ _ _": a thematic break
_FENCE = re.compile(r"\s*```")  # a code fence would swallow the rest of the report
# A code span as CommonMark pairs them: a run of backticks closed by the next run as long.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
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
    if _RULE.fullmatch(line):  # nothing but stars or underscores (and spaces)
        return re.sub(r"([*_])", r"\\\1", line)
    spans = [] if _FENCE.match(line) else list(_CODE_SPAN.finditer(line))
    parts: list[str] = []
    end = 0
    for span in spans:
        parts.append(_MARKUP.sub(r"\\\1", line[end : span.start()]))
        code = span.group()
        # Inside a code span a backslash is literal: nothing to escape, and "|" cannot be.
        parts.append(_MARKUP.sub(r"\\\1", code) if "|" in code else code)
        end = span.end()
    parts.append(_MARKUP.sub(r"\\\1", line[end:]))
    escaped = "".join(parts)
    return _BARE_STAR.sub(r"\1\\*", _LINE_MARKUP.sub(r"\1\\\2", escaped))


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
