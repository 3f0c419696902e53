"""The rules of the workshop model (the live one plans from them too):

1. **The question** is the text of the last user message that has text; the user messages
   after it carry the tool results.
2. **The plan.** From the question it plans at most one call per tool, in this order:

   - ``search_docs`` when the question names a durable-functions topic (a word starting
     with one of ``TOPIC_WORDS``: durable, checkpoint, replay, step, wait, callback,
     approval, timeout, ...). Input: ``{"query": <the question's content words>}``.
   - ``calculate`` when the question holds arithmetic: numbers joined by ``+ - * / % ** ^``,
     ``x``/``×``/``÷``, or the words plus, minus, times, multiplied by, divided by, to the
     power of. Input: ``{"expression": <that arithmetic in Python syntax>}``.
   - ``estimate_lambda_cost`` when the question talks money (one of ``COST_WORDS``: cost,
     price, pricing, bill, billed, charge, pay, spend, dollar, expensive, cheap..., or a
     ``$``). Input read from the question: ``<n> MB``/``GB`` -> ``memory_mb`` (else 128),
     ``<n> ms``/``s``/``seconds``/``minutes`` -> ``billed_duration_ms`` (else 1000),
     ``<n> invocations``, ``<n> operations`` -> ``durable_operations``,
     ``<n> executions``/``runs``/``conversations``, ``arm64``/``graviton``.
   - ``use the tool NAME`` (or ``call the tool NAME``) puts NAME first, whether the request
     offers it or not: the way to see how the chatbot answers a tool it does not have. An
     unknown NAME gets ``{"query": <the question>}`` as input.

   The other tools are planned only when the request's ``toolConfig`` offers them.
3. **One proposal per turn.** While a planned tool has not been proposed yet, the answer is
   a sentence and one ``toolUse`` for the next one, ``stopReason: "tool_use"``. Its
   ``toolUseId`` comes from the question and the tool, so a conversation replays with the
   same ids. A question that needs a document fact and a number thus gets two proposals or
   more, one after the other.
4. **The answer.** Once every planned tool has been proposed and answered, it writes the
   answer from the ``toolResult`` blocks, ``stopReason: "end_turn"``: the best passage of a
   search, the value of a calculation, the total and parts of a cost estimate. For a result
   with ``status: "error"`` (a denied call, a timeout, an unknown tool, a bad input) it says
   that the tool gave no answer, and why.
5. **Nothing to plan** (no rule matched, or no planned tool offered): a short answer that
   repeats the question and says what the model can do.
6. **The language.** It writes in the language of the question, as a real model does: a
   question with Japanese characters (kana or kanji) gets its sentences and its answer in
   Japanese, any other one in English. The plan (tools and inputs) does not depend on it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

SEARCH, CALCULATE, COST = "search_docs", "calculate", "estimate_lambda_cost"
# Word beginnings that make a question about durable functions.
TOPIC_WORDS = (
    "durable", "checkpoint", "replay", "step", "wait", "callback", "approv", "deny", "denied",
    "timeout", "retention", "histor", "logs", "logger", "sqs", "sdk", "runtime", "region",
    "idempoten", "parallel", "heartbeat", "qualifi", "alias", "determinis", "suspend",
)  # fmt: skip
# Whole words that make a question about money (and so does a "$").
COST_WORDS = frozenset((
    "cost", "costs", "costly", "price", "prices", "priced", "pricing", "bill", "bills", "billed",
    "billing", "charge", "charges", "charged", "pay", "pays", "paid", "paying", "spend",
    "spent", "dollar", "dollars", "expensive", "cheap", "cheaper",
))  # fmt: skip
# Left out of the search words, with words of one or two letters (units: s, ms, MB).
_STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "for",
    "from", "how", "i", "if", "in", "is", "it", "its", "me", "of", "on", "or", "please", "so",
    "tell", "than", "that", "the", "their", "then", "there", "this", "to", "us", "was", "we",
    "what", "when", "where", "which", "while", "who", "why", "will", "with", "would", "you",
    "your",
))  # fmt: skip
# Spoken and typographic arithmetic, rewritten to Python before the numbers are looked for.
_WORD_OPERATORS = (
    (r"\bdivided\s+by\b", "/"), (r"\bmultiplied\s+by\b", "*"), (r"\btimes\b", "*"),
    (r"\bplus\b", "+"), (r"\bminus\b", "-"), (r"\bto\s+the\s+power\s+of\b", "**"),
    (r"(?<=\d)\s*[x×]\s*(?=[\d(])", " * "), (r"÷", " / "), (r"\^", " ** "),
)  # fmt: skip
_ARITHMETIC_RUN = re.compile(r"[\d.\s+\-*/%()]+")
_OPERATOR_BETWEEN = re.compile(r"[\d)]\s*(\*\*|[-+*/%])\s*[\d(.]")
_NAMED_TOOL = re.compile(r"\b(?:use|call)\s+(?:the\s+)?tool\s+[`'\"]?([A-Za-z][\w-]{0,63})")
_NUMBER = r"(\d+(?:\.\d+)?)"
# Hiragana, katakana (full and half width) and the CJK ideographs Japanese writes with.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_DURATION_UNITS = {
    "ms": 1,
    "millisecond": 1,
    "s": 1000,
    "sec": 1000,
    "second": 1000,
    "min": 60_000,
    "minute": 60_000,
}


@dataclass(frozen=True)
class Call:
    """A tool call the rules plan: the tool, its input, and the sentence before it."""

    name: str
    input: dict[str, Any]
    why: str


def is_japanese(text: str) -> bool:
    """Whether ``text`` is written (at least partly) in Japanese (rule 6)."""
    return _JAPANESE.search(text) is not None


def in_language(question: str, en: str, ja: str) -> str:
    """``ja`` for a Japanese question, else ``en`` (rule 6)."""
    return ja if is_japanese(question) else en


def planned_calls(question: str) -> list[Call]:
    """The tool calls the rules plan for ``question``, in order (rule 2); each sentence in
    the question's language (rule 6)."""
    calls: list[Call] = []
    text = _plain_numbers(question)
    words = re.findall(r"[a-z][a-z0-9_]*", text.lower())
    if any(w.startswith(TOPIC_WORDS) for w in words):
        query = " ".join(w for w in words if len(w) > 2 and w not in _STOPWORDS)
        why = in_language(
            question,
            "Let me look that up in the workshop notes.",
            "ワークショップのノートで調べてみます。",
        )
        calls.append(Call(SEARCH, {"query": query}, why))
    if expression := _arithmetic(text):
        why = in_language(
            question, f"Let me calculate {expression}.", f"{expression} を計算してみます。"
        )
        calls.append(Call(CALCULATE, {"expression": expression}, why))
    if "$" in text or any(w in COST_WORDS for w in words):
        why = in_language(
            question, "Let me estimate what that costs.", "費用がいくらになるか見積もってみます。"
        )
        calls.append(Call(COST, _cost_input(text.lower()), why))
    if named := named_tool(question):  # first; a tool the rules planned keeps their input
        first = next((c for c in calls if c.name == named), None)
        why = in_language(
            question, f"You asked me to use {named}.", f"ご指定のとおり {named} を使います。"
        )
        first = first or Call(named, {"query": question}, why)
        calls = [first, *(c for c in calls if c.name != named)]
    return calls


def named_tool(question: str) -> str | None:
    """The tool a ``use the tool NAME`` question names, or None."""
    match = _NAMED_TOOL.search(question)
    return match.group(1) if match else None


def _plain_numbers(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 -> 1000


def _arithmetic(text: str) -> str | None:
    """The longest piece of arithmetic in ``text``, in Python syntax, or None."""
    for pattern, operator in _WORD_OPERATORS:
        text = re.sub(pattern, operator, text, flags=re.IGNORECASE)
    found = []
    for run in _ARITHMETIC_RUN.findall(text):
        expression = " ".join(run.split()).strip(" .")
        # Trim parentheses that the sentence, not the arithmetic, opened or closed.
        while expression.startswith("(") and expression.count("(") > expression.count(")"):
            expression = expression[1:].strip()
        while expression.endswith(")") and expression.count(")") > expression.count("("):
            expression = expression[:-1].strip()
        if _OPERATOR_BETWEEN.search(expression) and _parses(expression):
            found.append(expression)
    return max(found, key=len, default=None)


def _parses(expression: str) -> bool:
    try:
        ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # A very long or deeply bracketed expression is no arithmetic the model reads.
        return False
    return True


def _cost_input(text: str) -> dict[str, Any]:
    def find(pattern: str) -> re.Match[str] | None:
        return re.search(_NUMBER + r"\s*" + pattern + r"\b", text)

    memory = 128.0
    if match := find(r"(mb|gb)"):
        memory = float(match.group(1)) * (1024 if match.group(2) == "gb" else 1)
    duration = 1000.0
    if match := find(r"(ms|milliseconds?|s|secs?|seconds?|mins?|minutes?)"):
        unit = match.group(2) if match.group(2) in _DURATION_UNITS else match.group(2)[:-1]
        duration = float(match.group(1)) * _DURATION_UNITS[unit]
    figures: dict[str, Any] = {"memory_mb": int(memory), "billed_duration_ms": _plain(duration)}
    counts = (
        ("invocations", r"(?:lambda\s+)?(?:invocations?|invokes?)"),
        ("durable_operations", r"(?:durable\s+)?(?:operations?|ops)"),
        ("executions", r"(?:durable\s+)?(?:executions?|runs?|conversations?)"),
    )
    for key, pattern in counts:
        if match := find(pattern):
            figures[key] = int(float(match.group(1)))
    if re.search(r"\b(arm64|arm|graviton)\b", text):
        figures["architecture"] = "arm64"
    return figures


def _plain(value: float) -> int | float:
    return int(value) if value.is_integer() else value
