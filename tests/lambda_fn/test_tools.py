"""The chatbot's tools, each alone, and the registry that runs them for the model."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_fn import tools
from lambda_fn.tools import ToolInputError, calculator, cost, search

# -- the registry ----------------------------------------------------------------------------


def test_tool_config_is_a_converse_tool_config() -> None:
    config = tools.tool_config()

    names = [t["toolSpec"]["name"] for t in config["tools"]]
    assert names == ["search_docs", "calculate", "estimate_lambda_cost"]
    for entry in config["tools"]:
        spec = entry["toolSpec"]
        assert spec["description"]
        schema = spec["inputSchema"]["json"]
        assert schema["type"] == "object" and set(schema["required"]) <= set(schema["properties"])


@pytest.mark.parametrize(
    ("name", "tool_input", "message"),
    [
        ("get_weather", {"city": "Tokyo"}, "unknown tool 'get_weather'"),
        ("calculate", "1 + 1", "must be a JSON object"),
        ("calculate", {}, "expression must be a non-empty string"),
        ("calculate", {"expression": "1", "extra": 1}, "unknown input field(s): extra"),
        ("search_docs", {"query": 42}, "query must be a non-empty string"),
        ("estimate_lambda_cost", {"memory_mb": 64, "billed_duration_ms": 1}, "memory_mb"),
    ],
)
def test_bad_calls_are_error_results(name: str, tool_input: Any, message: str) -> None:
    result = tools.run_tool(name, tool_input)

    assert result["status"] == "error"
    assert message in result["content"]["error"]


def test_a_runaway_output_is_refused_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    def whole_file(args: Any) -> Any:
        return {"text": "x" * (tools.MAX_RESULT_BYTES + 1)}

    monkeypatch.setitem(tools.TOOLS, "calculate", tools.Tool("calculate", "d", {}, whole_file))

    result = tools.run_tool("calculate", {"expression": "1"})

    assert result["status"] == "error"
    assert "more than the 32,768 a tool result may hold; ask for less" in result["content"]["error"]


def test_a_crashing_tool_raises_so_its_step_can_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    # A bad input is the model's to fix (an error result); a crash may heal on a retry, and
    # only the step around the tool can retry it: run_tool must not swallow it.
    def broken(args: Any) -> Any:
        raise KeyError("oops")

    monkeypatch.setitem(tools.TOOLS, "calculate", tools.Tool("calculate", "d", {}, broken))

    with pytest.raises(KeyError, match="oops"):
        tools.run_tool("calculate", {"expression": "1"})


# -- search_docs ------------------------------------------------------------------------------


def test_search_finds_the_passage_that_answers() -> None:
    result = tools.run_tool("search_docs", {"query": "how long can a callback wait"})

    best = result["content"]["results"][0]
    assert best["doc"] == "04-callbacks"
    assert "up to one year" in best["text"]


def test_search_ranks_and_limits() -> None:
    found = search.search("durable operations price", max_results=2)

    assert len(found) == 2
    assert found[0]["doc"] == "07-pricing"
    assert found[0]["score"] >= found[1]["score"]


def test_every_note_has_a_title_and_passages() -> None:
    docs = {p.doc: p.title for p in search.passages()}

    assert len(docs) >= 8
    assert all(title and not title.startswith("#") for title in docs.values())


@pytest.mark.parametrize("query", ["../../etc/passwd", "/proc/self/environ", "..\\app.py"])
def test_a_path_is_only_search_words(query: str) -> None:
    result = tools.run_tool("search_docs", {"query": query})

    # The words are looked up in the notes; nothing outside lambda_fn/docs is read.
    for hit in result["content"].get("results", []):
        assert hit["doc"] in {p.doc for p in search.passages()}


def test_a_query_of_stop_words_is_a_bad_input() -> None:
    with pytest.raises(ToolInputError, match="no searchable words"):
        search.search("what is the")


def test_max_results_is_bounded() -> None:
    assert tools.run_tool("search_docs", {"query": "wait", "max_results": 9})["status"] == "error"
    result = tools.run_tool("search_docs", {"query": "wait", "max_results": 1})
    assert len(result["content"]["results"]) == 1


# -- calculate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("52.1 / 4", 13.025),
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("0.1 + 0.2", 0.3),
        ("-2 ** 2", -4),
        ("7 // 2 + 7 % 2", 4),
        ("2 ^ 10", 1024),
        ("3 × 4 ÷ 2", 6),
        ("sqrt(16) + abs(-1) + max(1, 5) + min(2, 3) + round(2.567, 2)", 14.57),
        ("15 * 60", 900),
    ],
)
def test_calculate(expression: str, value: float) -> None:
    assert calculator.evaluate(expression) == value


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('id')", "not allowed"),
        ("().__class__", "not allowed"),
        ("x + 1", "not allowed"),
        ("'a' * 3", "not allowed"),
        ("1 if 1 else 2", "not allowed"),
        ("print(1)", "not allowed"),
        ("round(x=1)", "not allowed"),
        ("9 ** 9 ** 9", "exponent larger than 64"),
        ("10 ** 20", "exceeds"),
        ("1e400", "exceeds"),
        ("1 / 0", "division by zero"),
        ("sqrt(-1)", "cannot compute"),
        ("(-8) ** 0.5", "not a real number"),
        ("round(1, 2, 3)", "wrong number of arguments"),
        ("1 +", "not an arithmetic expression"),
        ("+".join(["1"] * 40), "more than 64 parts"),
    ],
)
def test_calculate_refuses(expression: str, message: str) -> None:
    with pytest.raises(ToolInputError, match=message):
        calculator.evaluate(expression)


def test_calculate_bounds_the_expression_length() -> None:
    result = tools.run_tool("calculate", {"expression": "1" * 201})

    assert result["status"] == "error" and "longer than 200" in result["content"]["error"]


# -- estimate_lambda_cost ---------------------------------------------------------------------


def test_cost_of_the_talks_execution() -> None:
    # The talk: four invocations, 52.1 s billed in all; at 1024 MB with about 16 operations.
    estimate = cost.estimate(
        memory_mb=1024, billed_duration_ms=52_100, invocations=4, durable_operations=16
    )

    usd = estimate["cost_usd"]
    assert estimate["gb_seconds"] == pytest.approx(52.1)
    assert usd["compute"] == pytest.approx(52.1 * cost.PRICES_USD["gb_second_x86_64"], abs=1e-6)
    assert usd["requests"] == pytest.approx(4 * 0.2e-6, abs=1e-6)
    assert usd["durable_operations"] == pytest.approx(16 * 8e-6, abs=1e-6)
    assert usd["total"] == pytest.approx(
        usd["compute"] + usd["requests"] + usd["durable_operations"], abs=1e-6
    )


def test_cost_scales_with_executions_and_architecture() -> None:
    one = cost.estimate(memory_mb=512, billed_duration_ms=2000)
    thousand_arm = cost.estimate(
        memory_mb=512, billed_duration_ms=2000, executions=1000, architecture="arm64"
    )

    assert thousand_arm["gb_seconds"] == pytest.approx(1000 * one["gb_seconds"])
    assert thousand_arm["cost_usd"]["compute"] < 1000 * one["cost_usd"]["compute"]


@pytest.mark.parametrize(
    ("tool_input", "message"),
    [
        ({"billed_duration_ms": 100}, "memory_mb is required"),
        ({"memory_mb": 1024}, "billed_duration_ms is required"),
        ({"memory_mb": 20000, "billed_duration_ms": 1}, "memory_mb must be between"),
        ({"memory_mb": 1024.5, "billed_duration_ms": 1}, "whole number"),
        ({"memory_mb": "1024", "billed_duration_ms": 1}, "must be a number"),
        ({"memory_mb": True, "billed_duration_ms": 1}, "must be a number"),
        ({"memory_mb": 1024, "billed_duration_ms": -5}, "billed_duration_ms must be between"),
        ({"memory_mb": 1024, "billed_duration_ms": 1, "invocations": 0}, "invocations"),
        ({"memory_mb": 1024, "billed_duration_ms": 1, "architecture": "sparc"}, "architecture"),
    ],
)
def test_cost_refuses_bad_figures(tool_input: dict[str, Any], message: str) -> None:
    result = tools.run_tool("estimate_lambda_cost", tool_input)

    assert result["status"] == "error" and message in result["content"]["error"]
