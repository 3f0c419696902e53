"""The live model: plans from the rules, then decides the way a real model does.

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
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import operator as op
import random
from dataclasses import dataclass
from typing import Any

from .converse import asked_tools, result_content, tool_results
from .rules import CALCULATE, COST, SEARCH, Call, in_language, is_japanese, planned_calls
from .workshop import sentence

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
    calls = [call for call in planned_calls(question) if call.name in offered]
    refuses, greeting, reorder = (rng.random() for _ in range(3))
    if calls and refuses < REFUSE_TOOLS_P:
        return LivePlan([], True, calls)
    if not calls and SEARCH in offered and greeting < GREETING_TOOL_P:
        why = in_language(
            question,
            "Let me check the workshop notes to tell you what I can do.",
            "何ができるかお伝えするため、ワークショップのノートを確認します。",
        )
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


def live_turn(
    seed: int, messages: list[dict[str, Any]], start: int, question: str, offered: set[str]
) -> tuple[list[dict[str, Any]], str]:
    """The live model's (content, stopReason) for this turn of the conversation."""
    plan = live_plan(seed, question, offered)
    asked = asked_tools(messages[start:])
    proposed = {use.get("name") for use in asked}
    # This turn's wording: fixed by the whole conversation so far, so a replayed request
    # gets the same words, and another conversation other ones.
    rng = _rng(seed, "turn", messages)
    pending = [turn for turn in plan.turns if any(c.name not in proposed for c in turn)]
    if pending and messages[-1]["role"] == "user":
        calls = [c for c in pending[0] if c.name not in proposed]
        content: list[dict[str, Any]] = []
        if rng.random() >= NO_PREAMBLE_P:
            content.append({"text": _live_preamble(rng, calls, is_japanese(question))})
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
    results = tool_results(messages[start:])
    if not planned_calls(question):  # a greeting: say what it can do, whatever a search gave
        return [{"text": _live_greeting(rng, asked, results, is_japanese(question))}], "end_turn"
    return [{"text": _live_final_answer(rng, question, asked, results)}], "end_turn"


def _live_tool_use_id(rng: random.Random) -> str:
    # Bedrock's ids look like tooluse_ and 22 URL-safe base64 characters.
    return "tooluse_" + base64.urlsafe_b64encode(rng.randbytes(16)).decode()[:22]


def _live_preamble(rng: random.Random, calls: list[Call], ja: bool = False) -> str:
    # The same draws in both languages: a seed words a conversation alike in either.
    if len(calls) == 1:
        name = calls[0].name
        if ja:
            return rng.choice(
                [calls[0].why, f"{name} を使います。", "少々お待ちください。確認します。"]
            )
        return rng.choice([calls[0].why, f"I'll use {name} for this.", "One moment, let me check."])
    if ja:
        names = "、".join(c.name for c in calls)
        return rng.choice(
            [f"これには {names} が必要です。", f"{names} を一度に使います。", "事実を集めます。"]
        )
    names = ", ".join(c.name for c in calls[:-1]) + f" and {calls[-1].name}"
    return rng.choice(
        [f"I need {names} for this.", f"Let me use {names} at once.", "Let me gather the facts."]
    )


def _live_greeting(
    rng: random.Random,
    asked: list[dict[str, Any]],
    results: dict[str, dict[str, Any]],
    ja: bool = False,
) -> str:
    choices = (
        [
            "こんにちは！ワークショップのアシスタントです。Lambda durable functions について"
            "ワークショップのノートを検索したり、計算したり、Lambda の費用を見積もったりできます。"
            "私がツールを呼ぶたびに、人が承認します。",
            "こんにちは！durable functions（ステップ、待機、コールバック、リプレイ）について"
            "聞いたり、計算を頼んだり、Lambda での費用を尋ねたりしてください。私が使うツールは"
            "どれも、先に人の承認が必要です。",
        ]
        if ja
        else [
            "Hello! I'm the workshop's assistant. I can search the workshop notes on Lambda "
            "durable functions, do arithmetic and estimate what Lambda costs; a person "
            "approves each tool call I make.",
            "Hi! Ask me about durable functions (steps, waits, callbacks, replay), give me "
            "a calculation, or ask what something would cost on Lambda. Every tool I use "
            "needs a person's approval first.",
        ]
    )
    text = rng.choice(choices)
    for use in asked:
        result = results.get(use.get("toolUseId", ""))
        if result is not None and result.get("status") != "error":
            text += " " + sentence(str(use.get("name", "?")), result, ja=ja)
        elif ja:
            text += f"（先に {use.get('name')} を使おうとしましたが、結果が得られませんでした。）"
        else:
            text += f" (I wanted to use {use.get('name')} first, but it gave me no result.)"
    return text


def _live_final_answer(
    rng: random.Random,
    question: str,
    asked: list[dict[str, Any]],
    results: dict[str, dict[str, Any]],
) -> str:
    ja = is_japanese(question)
    openings = (
        [f"「{question}」について分かったこと:", "お伝えできることは次のとおりです:",
         "使ってよいと承認されたツールから分かったこと:"]
        if ja
        else [f"Here is what I found for “{question}”:", "Here's what I can tell you:",
              "Based on the tools I was allowed to use:"]
    )  # fmt: skip
    lines = [rng.choice(openings), ""]
    for use in asked:
        result = results.get(use.get("toolUseId", ""))
        name = str(use.get("name", "?"))
        if result is not None and result.get("status") == "error":
            data = result_content(result)
            why = data.get("error", data) if isinstance(data, dict) else data
            no_result = (
                [f"{name} の結果はありません: {why}",
                 f"{name} は実行されなかったため（{why}）、この部分にはお答えできません。"]
                if ja
                else [f"I have no result from {name}: {why}",
                      f"{name} did not run ({why}), so I cannot give you that part."]
            )  # fmt: skip
            lines.append("- " + rng.choice(no_result))
        else:
            lines.append("- " + sentence(name, result, ja=ja))
    return "\n".join(lines)


def _live_direct_answer(rng: random.Random, question: str, skipped: list[Call]) -> str:
    """An answer without tools, as a model that decides it needs none writes one."""
    ja = is_japanese(question)
    parts = [
        rng.choice(
            ["ツールを使わずに、そのままお答えできます。", "これにはツールは要らないと思います。"]
            if ja
            else ["I can answer this directly, without tools.",
                  "No tools needed for this one, I think."]
        )
    ]  # fmt: skip
    for call in skipped:
        if call.name == CALCULATE:
            value = _evaluate(str(call.input.get("expression", "")))
            expression = call.input.get("expression")
            if ja:
                parts.append(
                    f"{expression} はおよそ {value:.6g} です。"
                    if value is not None
                    else f"{expression} は暗算では求められません。"
                )
            else:
                parts.append(
                    f"{expression} is about {value:.6g}."
                    if value is not None
                    else f"I cannot work out {expression} in my head."
                )
        elif call.name == SEARCH:
            parts.append(
                "durable function は各ステップをチェックポイントに記録します。待機中（タイマーや"
                "コールバック）は呼び出しが走らず、次の呼び出しがチェックポイントからハンドラーを"
                "リプレイします。"
                if ja
                else "A durable function checkpoints each step; while it waits (a timer or a "
                "callback) no invocation runs, and the next invocation replays the handler "
                "from the checkpoints."
            )
        elif call.name == COST:
            parts.append(
                "Lambda はリクエストと各呼び出し（リプレイを含む）の GB 秒、それに durable "
                "オペレーションに課金します。正確な金額は計算していません。"
                if ja
                else "Lambda bills requests and GB-seconds of every invocation, replays included, "
                "plus durable operations; I did not compute an exact figure."
            )
        else:
            parts.append(
                f"（{call.name} は使いませんでした。）" if ja else f"(I did not use {call.name}.)"
            )
    return ("" if ja else " ").join(parts)


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
