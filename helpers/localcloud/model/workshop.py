"""The workshop model: one proposal per turn by the rules, then the answer (rules.py)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .converse import asked_tools, result_content, tool_results
from .rules import CALCULATE, COST, SEARCH, is_japanese, planned_calls


def workshop_turn(
    messages: list[dict[str, Any]], start: int, question: str, offered: set[str]
) -> tuple[list[dict[str, Any]], str]:
    """The workshop model's (content, stopReason) for this turn (rules 3-5)."""
    wanted = planned_calls(question)
    plan = [call for call in wanted if call.name in offered]
    asked = asked_tools(messages[start:])
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
    results = tool_results(messages[start:])
    unoffered = bool(wanted) and not plan
    return [{"text": final_answer(question, asked, results, unoffered)}], "end_turn"


def _tool_use_id(question: str, name: str) -> str:
    return "tooluse_" + hashlib.sha256(f"{question}\0{name}".encode()).hexdigest()[:22]


def final_answer(
    question: str,
    asked: list[dict[str, Any]],
    results: dict[str, dict[str, Any]],
    unoffered: bool,
) -> str:
    """The answer once every planned tool was proposed and answered (rules 4-5), in the
    question's language (rule 6)."""
    ja = is_japanese(question)
    if not asked:
        if ja:
            reason = "（この質問に要るツールが提供されていません）" if unoffered else ""
            return (
                f"ご質問:「{question}」。私はローカルクラウドのワークショップ用モデルで、"
                f"Bedrock のモデルの代わりに毎回同じように答えます。答えにはツールを使います"
                f"{reason}。durable functions について聞かれればワークショップのノートを検索し、"
                "52.1 / 4 のような計算は計算し、費用を聞かれれば見積もります。"
            )
        reason = " (the tools this question needs are not offered)" if unoffered else ""
        return (
            f"You asked: “{question}”. I am the local cloud's workshop model, a deterministic "
            f"stand-in for a Bedrock model, and I answer with tools{reason}: ask about durable "
            "functions and I search the workshop notes, give me arithmetic such as 52.1 / 4 "
            "and I calculate it, ask what something costs and I estimate it."
        )
    opening = (
        f"「{question}」について分かったこと:" if ja else f"Here is what I found for “{question}”:"
    )
    lines = [opening, ""]
    for use in asked:
        result = results.get(use.get("toolUseId", ""))
        lines.append("- " + sentence(str(use.get("name", "?")), result, ja=ja))
    return "\n".join(lines)


def sentence(name: str, result: dict[str, Any] | None, *, ja: bool = False) -> str:
    """One line of an answer: what a tool's result says, or why it gave none; in Japanese
    when ``ja`` (the tool's own data, such as a note's text, stays as it came)."""
    if result is None:
        return f"{name} からは答えがありませんでした。" if ja else f"{name} gave no answer."
    data = result_content(result)
    if result.get("status") == "error":
        error = data.get("error", data) if isinstance(data, dict) else data
        comment = data.get("comment") if isinstance(data, dict) else None
        if ja:
            note = f"（コメント: {comment}）" if comment else ""
            return f"{name} からは答えがありませんでした: {error}{note}"
        return f"{name} gave no answer: {error}" + (f" (comment: {comment})" if comment else "")
    try:
        if name == SEARCH:
            if not data["results"]:
                if ja:
                    return "ワークショップのノートにはそれについての記述がありません。"
                return "The workshop notes say nothing about that."
            best = data["results"][0]
            if ja:
                return f"ノート *{best['title']}* より: {best['text']}"
            return f"From the notes on *{best['title']}*: {best['text']}"
        if name == CALCULATE:
            return f"{data['expression']} = {data['result']}" + ("。" if ja else ".")
        if name == COST:
            return _cost_sentence(data, ja=ja)
    except (KeyError, IndexError, TypeError):
        pass  # a shape this model does not know: show it as it came
    shown = json.dumps(data, ensure_ascii=False)
    return f"{name} の結果: {shown}" if ja else f"{name} returned {shown}."


def _cost_sentence(data: dict[str, Any], *, ja: bool = False) -> str:
    per, usd = data["per_execution"], data["cost_usd"]
    if ja:
        return (
            f"{data['executions']} 回の実行（1 回あたり {per['memory_mb']} MB、"
            f"{per['invocations']} 回の呼び出しで課金時間 {per['billed_duration_ms']} ミリ秒、"
            f"durable オペレーション {per['durable_operations']} 回）の費用は合計で約 "
            f"${usd['total']:.4f} です。内訳: コンピューティング ${usd['compute']:.4f}、"
            f"リクエスト ${usd['requests']:.4f}、durable オペレーション "
            f"${usd['durable_operations']:.4f}。"
        )
    return (
        f"{data['executions']} execution(s), each at {per['memory_mb']} MB with "
        f"{per['billed_duration_ms']} ms billed over {per['invocations']} invocation(s) and "
        f"{per['durable_operations']} durable operation(s), cost about ${usd['total']:.4f} in "
        f"all: compute ${usd['compute']:.4f}, requests ${usd['requests']:.4f}, durable "
        f"operations ${usd['durable_operations']:.4f}."
    )
