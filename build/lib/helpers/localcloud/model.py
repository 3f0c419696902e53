"""The model behind ``POST /model/{modelId}/converse`` on the local cloud.

It speaks Bedrock Converse with tool use (the same request and response shapes, the same
validation), so the chatbot's very same ``bedrock-runtime`` call works on both targets. It
is not a language model. It comes in two kinds, chosen when the local cloud starts by
``LOCALCLOUD_MODEL`` (the background cloud inherits the notebook kernel's environment):

- ``workshop`` (the default): it follows the rules below, always the same way, so that a
  workshop (and its tests) can tell in advance what every turn will do.
- ``live``, with ``LOCALCLOUD_MODEL_SEED`` (an integer; without one it draws a seed and
  logs it): it plans from the same rules, then decides the way a real model does, and the
  kit must hold whatever it decides (see *The live model* below).

Any model id is accepted (which ids exist in which Region is the gateway's business).

The rules
---------
The rules of the workshop model (the live one plans from them too):

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

The live model
--------------
A real model decides for itself whether to call a tool, which, in what order, and sometimes
several per turn. The live model does all of that, seeded:

- **per conversation** (from the seed, the question and the tools offered) it draws a plan:
  sometimes it **refuses to use tools** (``REFUSE_TOOLS_P``) and answers directly, the
  arithmetic done "in its head", the facts from what it "knows"; for a question no rule
  matches (a greeting) it sometimes **searches the notes anyway** (``GREETING_TOOL_P``); it
  proposes its tools **in another order** (``REORDER_P``), and puts **several in one turn**
  (``TOGETHER_P``: each call joins the previous turn's), each turn proposing what is left;
- **per turn** (from the seed and the whole conversation so far) it words its sentences
  differently, sometimes proposes without a sentence before the ``toolUse`` blocks, and
  draws Bedrock-like ``toolUseId`` values (``tooluse_`` and 22 URL-safe characters);
- a denied call is not asked for again; its answer says which tools gave no result.

It is deterministic per seed and per conversation: the same conversation sent again gets the
same answer, so a run (a notebook series, a failing test) can be repeated with its seed. A
real model is not: asked the same conversation twice it may answer differently. The kit does
not rely on either: the chatbot calls the model only inside its "think #n" steps, a replay
reads each answer from its checkpoint, and a step retried after a lost answer may get
another one (tests/lambda_fn/test_app.py runs the chatbot against a model that answers
every call differently).

Like Bedrock, it refuses (``ValidationException``) an empty conversation, one that does not
start with the user or does not alternate roles, ``toolUse``/``toolResult`` blocks without a
``toolConfig``, and a tool use that the next user message does not answer.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import itertools
import json
import logging
import operator as op
import os
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import AwsError

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
_DURATION_UNITS = {
    "ms": 1,
    "millisecond": 1,
    "s": 1000,
    "sec": 1000,
    "second": 1000,
    "min": 60_000,
    "minute": 60_000,
}


WORKSHOP, LIVE = "workshop", "live"
MODEL_KINDS = (WORKSHOP, LIVE)
log = logging.getLogger(__name__)


class ModelSettingsError(ValueError):
    """LOCALCLOUD_MODEL or LOCALCLOUD_MODEL_SEED cannot work; the message says what to set."""


@dataclass(frozen=True)
class ModelSettings:
    """Which model answers: the deterministic ``workshop`` one, or ``live`` with a seed."""

    kind: str = WORKSHOP
    seed: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ModelSettings:
        """``LOCALCLOUD_MODEL`` (default ``workshop``) and ``LOCALCLOUD_MODEL_SEED``.

        ``live`` without a seed draws one at random and logs it, so that the run can be
        repeated with ``LOCALCLOUD_MODEL_SEED``."""
        kind = (environ.get("LOCALCLOUD_MODEL") or WORKSHOP).strip().lower()
        if kind not in MODEL_KINDS:
            raise ModelSettingsError(
                f"LOCALCLOUD_MODEL is {environ.get('LOCALCLOUD_MODEL')!r}: use 'workshop' (the "
                "deterministic model, the default) or 'live' (a seeded model that behaves "
                "like a real one)."
            )
        raw = (environ.get("LOCALCLOUD_MODEL_SEED") or "").strip()
        if raw:
            try:
                seed = int(raw)
            except ValueError:
                raise ModelSettingsError(
                    f"LOCALCLOUD_MODEL_SEED is {raw!r}: give an integer, such as 1."
                ) from None
        else:
            seed = random.randrange(1_000_000) if kind == LIVE else 0
            if kind == LIVE:
                log.warning(
                    "local model: live, seed %d (set LOCALCLOUD_MODEL_SEED=%d to repeat it)",
                    seed,
                    seed,
                )
        return cls(kind, seed)

    def describe(self) -> str:
        return f"live (seed {self.seed})" if self.kind == LIVE else "workshop"


# Read once, when the local cloud process starts (its gateway imports this module).
ACTIVE = ModelSettings.from_env()


def configure(settings: ModelSettings) -> ModelSettings:
    """Make ``settings`` the model of this process (in-process clouds in tests); returns
    the one it replaces."""
    global ACTIVE
    previous, ACTIVE = ACTIVE, settings
    return previous


@dataclass(frozen=True)
class Call:
    name: str
    input: dict[str, Any]
    why: str


def answer(
    model_id: str, request: dict[str, Any], settings: ModelSettings | None = None
) -> dict[str, Any]:
    """A Converse response for ``request`` (already parsed JSON), from the model that
    ``settings`` names (by default the one ``LOCALCLOUD_MODEL`` chose at start)."""
    started = time.perf_counter()
    chosen = settings or ACTIVE
    messages = _validated(request)
    start, question = _question(messages)
    named = _named(question)
    offered = _offered(request.get("toolConfig")) | ({named} if named else set())
    if chosen.kind == LIVE:
        content, stop = _live_turn(chosen.seed, messages, start, question, offered)
    else:
        content, stop = _workshop_turn(messages, start, question, offered)
    read = _count_words(json.dumps([messages, request.get("system", [])]))
    written = _count_words(json.dumps(content))
    limit = _max_tokens(request)
    if limit is not None and written > limit:
        # Bedrock stops generating at inferenceConfig.maxTokens: the text so far, no tool
        # use (an unfinished one is not returned), stopReason "max_tokens" (Converse API).
        text = " ".join(" ".join(_texts(content)).split()[:limit])
        content, stop, written = [{"text": text}], "max_tokens", limit
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {"inputTokens": read, "outputTokens": written, "totalTokens": read + written},
        "metrics": {"latencyMs": int((time.perf_counter() - started) * 1000)},
    }


def _max_tokens(request: dict[str, Any]) -> int | None:
    config = request.get("inferenceConfig")
    limit = config.get("maxTokens") if isinstance(config, dict) else None
    if limit is None:
        return None
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        # The Converse API reference: maxTokens is an integer, at least 1.
        raise AwsError(
            400, "ValidationException", "inferenceConfig.maxTokens must be an integer >= 1."
        )
    return limit


def _texts(content: list[dict[str, Any]]) -> list[str]:
    return [str(block["text"]) for block in content if "text" in block]


def _asked(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The toolUse blocks of the assistant's messages, in order."""
    return [
        block["toolUse"]
        for message in messages
        if message["role"] == "assistant"
        for block in message["content"]
        if "toolUse" in block
    ]


def _workshop_turn(
    messages: list[dict[str, Any]], start: int, question: str, offered: set[str]
) -> tuple[list[dict[str, Any]], str]:
    wanted = _plan(question)
    plan = [call for call in wanted if call.name in offered]
    asked = _asked(messages[start:])
    proposed = {use.get("name") for use in asked}
    pending = [call for call in plan if call.name not in proposed]
    if pending and messages[-1]["role"] == "user":
        call = pending[0]
        tool_use = {
            "toolUseId": _tool_use_id(question, call.name),
            "name": call.name,
            "input": call.input,
        }
        return [{"text": call.why}, {"toolUse": tool_use}], "tool_use"
    results = _results(messages[start:])
    unoffered = bool(wanted) and not plan
    return [{"text": _final_answer(question, asked, results, unoffered)}], "end_turn"


# -- reading the request ------------------------------------------------------------------


def _invalid(message: str) -> AwsError:
    return AwsError(400, "ValidationException", message)


def _validated(request: dict[str, Any]) -> list[dict[str, Any]]:
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid("messages: at least one message is required.")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("content"), list):
            raise _invalid(f"messages.{i}: a message needs a role and a content list.")
        if message.get("role") != ("user" if i % 2 == 0 else "assistant"):
            raise _invalid(
                "A conversation must start with a user message and alternate between user "
                "and assistant roles."
            )
        # Blocks that are not objects carry nothing this model reads: drop them here once.
        message["content"] = [b for b in message["content"] if isinstance(b, dict)]
    uses_tools = any("toolUse" in b or "toolResult" in b for m in messages for b in m["content"])
    if uses_tools and not request.get("toolConfig"):
        raise _invalid(
            "The toolConfig field must be defined when using toolUse and toolResult content blocks."
        )
    for i, (message, reply) in enumerate(itertools.pairwise(messages)):
        wanted = {b["toolUse"].get("toolUseId") for b in message["content"] if "toolUse" in b}
        answered = {b["toolResult"].get("toolUseId") for b in reply["content"] if "toolResult" in b}
        if not wanted <= answered:
            missing = ", ".join(sorted(str(x) for x in wanted - answered))
            raise _invalid(
                f"Expected toolResult blocks at messages.{i + 1}.content for the following "
                f"Ids: {missing}"
            )
    return messages


def _offered(tool_config: Any) -> set[str]:
    tools = tool_config.get("tools", []) if isinstance(tool_config, dict) else []
    specs = [t.get("toolSpec") for t in tools if isinstance(t, dict)]
    return {spec["name"] for spec in specs if isinstance(spec, dict) and "name" in spec}


def _question(messages: list[dict[str, Any]]) -> tuple[int, str]:
    """Index and text of the last user message with text."""
    for i in range(len(messages) - 1, -1, -1):
        texts = [b["text"] for b in messages[i]["content"] if "text" in b]
        if messages[i]["role"] == "user" and texts:
            return i, " ".join(texts).strip()
    return 0, ""


def _results(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The toolResult blocks by toolUseId."""
    return {
        block["toolResult"].get("toolUseId", ""): block["toolResult"]
        for message in messages
        if message["role"] == "user"
        for block in message["content"]
        if "toolResult" in block
    }


# -- planning -----------------------------------------------------------------------------


def _plan(question: str) -> list[Call]:
    calls: list[Call] = []
    text = _plain_numbers(question)
    words = re.findall(r"[a-z][a-z0-9_]*", text.lower())
    if any(w.startswith(TOPIC_WORDS) for w in words):
        query = " ".join(w for w in words if len(w) > 2 and w not in _STOPWORDS)
        calls.append(Call(SEARCH, {"query": query}, "Let me look that up in the workshop notes."))
    if expression := _arithmetic(text):
        calls.append(Call(CALCULATE, {"expression": expression}, f"Let me calculate {expression}."))
    if "$" in text or any(w in COST_WORDS for w in words):
        calls.append(Call(COST, _cost_input(text.lower()), "Let me estimate what that costs."))
    if named := _named(question):  # first; a tool the rules planned keeps their input
        first = next((c for c in calls if c.name == named), None)
        first = first or Call(named, {"query": question}, f"You asked me to use {named}.")
        calls = [first, *(c for c in calls if c.name != named)]
    return calls


def _named(question: str) -> str | None:
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
    except SyntaxError:
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


def _tool_use_id(question: str, name: str) -> str:
    return "tooluse_" + hashlib.sha256(f"{question}\0{name}".encode()).hexdigest()[:22]


def _count_words(text: str) -> int:
    return len(re.findall(r"\w+", text))


# -- answering ----------------------------------------------------------------------------


def _final_answer(
    question: str,
    asked: list[dict[str, Any]],
    results: dict[str, dict[str, Any]],
    unoffered: bool,
) -> str:
    if not asked:
        reason = " (the tools this question needs are not offered)" if unoffered else ""
        return (
            f"You asked: “{question}”. I am the local cloud's workshop model, a deterministic "
            f"stand-in for a Bedrock model, and I answer with tools{reason}: ask about durable "
            "functions and I search the workshop notes, give me arithmetic such as 52.1 / 4 "
            "and I calculate it, ask what something costs and I estimate it."
        )
    lines = [f"Here is what I found for “{question}”:", ""]
    for use in asked:
        result = results.get(use.get("toolUseId", ""))
        lines.append("- " + _sentence(str(use.get("name", "?")), result))
    return "\n".join(lines)


def _sentence(name: str, result: dict[str, Any] | None) -> str:
    if result is None:
        return f"{name} gave no answer."
    data = _content(result)
    if result.get("status") == "error":
        error = data.get("error", data) if isinstance(data, dict) else data
        comment = data.get("comment") if isinstance(data, dict) else None
        return f"{name} gave no answer: {error}" + (f" (comment: {comment})" if comment else "")
    try:
        if name == SEARCH:
            if not data["results"]:
                return "The workshop notes say nothing about that."
            best = data["results"][0]
            return f"From the notes on *{best['title']}*: {best['text']}"
        if name == CALCULATE:
            return f"{data['expression']} = {data['result']}."
        if name == COST:
            return _cost_sentence(data)
    except (KeyError, IndexError, TypeError):
        pass  # a shape this model does not know: show it as it came
    return f"{name} returned {json.dumps(data, ensure_ascii=False)}."


def _content(result: dict[str, Any]) -> Any:
    """A toolResult's content: its json block, or its text blocks joined."""
    blocks = [b for b in result.get("content") or [] if isinstance(b, dict)]
    for block in blocks:
        if "json" in block:
            return block["json"]
    return " ".join(str(b["text"]) for b in blocks if "text" in b)


def _cost_sentence(data: dict[str, Any]) -> str:
    per, usd = data["per_execution"], data["cost_usd"]
    return (
        f"{data['executions']} execution(s), each at {per['memory_mb']} MB with "
        f"{per['billed_duration_ms']} ms billed over {per['invocations']} invocation(s) and "
        f"{per['durable_operations']} durable operation(s), cost about ${usd['total']:.4f} in "
        f"all: compute ${usd['compute']:.4f}, requests ${usd['requests']:.4f}, durable "
        f"operations ${usd['durable_operations']:.4f}."
    )


# -- the live-like model --------------------------------------------------------------------
# How often the live model does what the workshop model never does (per conversation).
REFUSE_TOOLS_P = 0.2  # answers from what it "knows", without the tools it would need
GREETING_TOOL_P = 0.5  # searches the notes for a question that needs no tool
REORDER_P = 0.5  # proposes its tools in another order
TOGETHER_P = 0.5  # puts the next proposal in the same turn as the previous one
NO_PREAMBLE_P = 0.25  # a tool use without a sentence before it
GREETING_QUERY = "what the workshop chatbot can do durable functions tools approvals"


def _rng(seed: int, *parts: Any) -> random.Random:
    """A random generator fixed by the seed and ``parts`` (the conversation so far)."""
    text = json.dumps([seed, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


@dataclass(frozen=True)
class LivePlan:
    """What the live model makes of a question, once per conversation: the tool calls it
    proposes, grouped by turn, or an answer without tools."""

    turns: list[list[Call]]
    refuses: bool  # answers directly although it has tools for the question
    skipped: list[Call]  # the calls it would have needed (for its direct answer)


def live_plan(seed: int, question: str, offered: set[str]) -> LivePlan:
    """The conversation's plan under ``seed``: drawn from the question and the tools offered
    (never from the turn), so every turn of one conversation follows the same plan."""
    rng = _rng(seed, "plan", question, sorted(offered))
    calls = [call for call in _plan(question) if call.name in offered]
    refuses, greeting, reorder = (rng.random() for _ in range(3))
    if calls and refuses < REFUSE_TOOLS_P:
        return LivePlan([], True, calls)
    if not calls and SEARCH in offered and greeting < GREETING_TOOL_P:
        why = "Let me check the workshop notes to tell you what I can do."
        calls = [Call(SEARCH, {"query": GREETING_QUERY}, why)]
    if len(calls) > 1 and reorder < REORDER_P:
        rng.shuffle(calls)
    turns: list[list[Call]] = []
    for call in calls:
        if turns and rng.random() < TOGETHER_P:
            turns[-1].append(call)
        else:
            turns.append([call])
    return LivePlan(turns, False, [])


def _live_turn(
    seed: int, messages: list[dict[str, Any]], start: int, question: str, offered: set[str]
) -> tuple[list[dict[str, Any]], str]:
    plan = live_plan(seed, question, offered)
    asked = _asked(messages[start:])
    proposed = {use.get("name") for use in asked}
    # This turn's wording: fixed by the whole conversation so far, so a replayed request
    # gets the same words, and another conversation other ones.
    rng = _rng(seed, "turn", messages)
    pending = [turn for turn in plan.turns if any(c.name not in proposed for c in turn)]
    if pending and messages[-1]["role"] == "user":
        calls = [c for c in pending[0] if c.name not in proposed]
        content: list[dict[str, Any]] = []
        if rng.random() >= NO_PREAMBLE_P:
            content.append({"text": _live_preamble(rng, calls)})
        for call in calls:
            content.append(
                {
                    "toolUse": {
                        "toolUseId": _live_tool_use_id(rng),
                        "name": call.name,
                        "input": call.input,
                    }
                }
            )
        return content, "tool_use"
    if plan.refuses:
        return [{"text": _live_direct_answer(rng, question, plan.skipped)}], "end_turn"
    results = _results(messages[start:])
    if not _plan(question):  # a greeting: say what it can do, whatever a search gave
        return [{"text": _live_greeting(rng, asked, results)}], "end_turn"
    return [{"text": _live_final_answer(rng, question, asked, results)}], "end_turn"


def _live_tool_use_id(rng: random.Random) -> str:
    # Bedrock's ids look like tooluse_ and 22 URL-safe base64 characters.
    return "tooluse_" + base64.urlsafe_b64encode(rng.randbytes(16)).decode()[:22]


def _live_preamble(rng: random.Random, calls: list[Call]) -> str:
    if len(calls) == 1:
        return rng.choice(
            [calls[0].why, f"I'll use {calls[0].name} for this.", "One moment, let me check."]
        )
    names = ", ".join(c.name for c in calls[:-1]) + f" and {calls[-1].name}"
    return rng.choice(
        [f"I need {names} for this.", f"Let me use {names} at once.", "Let me gather the facts."]
    )


def _live_greeting(
    rng: random.Random, asked: list[dict[str, Any]], results: dict[str, dict[str, Any]]
) -> str:
    text = rng.choice(
        [
            "Hello! I'm the workshop's assistant. I can search the workshop notes on Lambda "
            "durable functions, do arithmetic and estimate what Lambda costs; a person "
            "approves each tool call I make.",
            "Hi! Ask me about durable functions (steps, waits, callbacks, replay), give me "
            "a calculation, or ask what something would cost on Lambda. Every tool I use "
            "needs a person's approval first.",
        ]
    )
    for use in asked:
        result = results.get(use.get("toolUseId", ""))
        if result is not None and result.get("status") != "error":
            text += " " + _sentence(str(use.get("name", "?")), result)
        else:
            text += f" (I wanted to use {use.get('name')} first, but it gave me no result.)"
    return text


def _live_final_answer(
    rng: random.Random,
    question: str,
    asked: list[dict[str, Any]],
    results: dict[str, dict[str, Any]],
) -> str:
    opening = rng.choice(
        [
            f"Here is what I found for “{question}”:",
            "Here's what I can tell you:",
            "Based on the tools I was allowed to use:",
        ]
    )
    lines = [opening, ""]
    for use in asked:
        result = results.get(use.get("toolUseId", ""))
        name = str(use.get("name", "?"))
        if result is not None and result.get("status") == "error":
            data = _content(result)
            why = data.get("error", data) if isinstance(data, dict) else data
            lines.append(
                "- "
                + rng.choice(
                    [
                        f"I have no result from {name}: {why}",
                        f"{name} did not run ({why}), so I cannot give you that part.",
                    ]
                )
            )
        else:
            lines.append("- " + _sentence(name, result))
    return "\n".join(lines)


def _live_direct_answer(rng: random.Random, question: str, skipped: list[Call]) -> str:
    """An answer without tools, as a model that decides it needs none writes one."""
    parts = [
        rng.choice(
            [
                "I can answer this directly, without tools.",
                "No tools needed for this one, I think.",
            ]
        )
    ]
    for call in skipped:
        if call.name == CALCULATE:
            value = _evaluate(str(call.input.get("expression", "")))
            expression = call.input.get("expression")
            parts.append(
                f"{expression} is about {value:.6g}."
                if value is not None
                else f"I cannot work out {expression} in my head."
            )
        elif call.name == SEARCH:
            parts.append(
                "A durable function checkpoints each step; while it waits (a timer or a "
                "callback) no invocation runs, and the next invocation replays the handler "
                "from the checkpoints."
            )
        elif call.name == COST:
            parts.append(
                "Lambda bills requests and GB-seconds of every invocation, replays included, "
                "plus durable operations; I did not compute an exact figure."
            )
        else:
            parts.append(f"(I did not use {call.name}.)")
    return " ".join(parts)


_OPERATORS: dict[type, Any] = {
    ast.Add: op.add, ast.Sub: op.sub, ast.Mult: op.mul,
    ast.Div: op.truediv, ast.Mod: op.mod, ast.Pow: op.pow,
    ast.USub: op.neg, ast.UAdd: op.pos,
}  # fmt: skip


def _evaluate(expression: str) -> float | None:
    """Plain arithmetic, as a model does it in its head; None when it would not try."""

    def value(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return float(_OPERATORS[type(node.op)](value(node.operand)))
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 64:
                raise ValueError("too large")
            return float(_OPERATORS[type(node.op)](left, right))
        raise ValueError("not arithmetic")

    try:
        return value(ast.parse(expression, mode="eval").body)
    except (ValueError, SyntaxError, ZeroDivisionError, OverflowError):
        return None
