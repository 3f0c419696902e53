"""helpers.cost.prices: one dated, overridable price table, and the chatbot tool's Lambda
prices tied to it."""

from __future__ import annotations

from dataclasses import replace

import cost_samples as s
import pytest

from helpers.cost import (
    PRICES,
    analyse_records,
    usd,
)
from lambda_fn.tools.cost import PRICES_USD


def test_price_table_is_one_overridable_place() -> None:
    arm = replace(PRICES, architecture="arm64")
    x86_cost = analyse_records(s.execution(), s.history(), s.text_log())
    arm_cost = analyse_records(s.execution(), s.history(), s.text_log(), prices=arm)
    assert arm_cost.durable.compute_usd == pytest.approx(3.878 * 0.0000133334)
    assert arm_cost.durable.compute_usd < x86_cost.durable.compute_usd
    cheap_ops = replace(PRICES, durable_operations_per_million=0.0)
    assert (
        analyse_records(
            s.execution(), s.history(), s.text_log(), prices=cheap_ops
        ).durable.operations_usd
        == 0
    )
    described = "\n".join(PRICES.describe())
    assert "durable_operations_per_million = 8 (verify)" in described
    assert "lambda_requests_per_million = 0.2\n" in described + "\n"
    with pytest.raises(ValueError, match="architecture"):
        _ = replace(PRICES, architecture="sparc").lambda_gb_second


def test_usd_stays_readable_for_small_amounts() -> None:
    assert usd(0.000201) == "$0.000201"
    assert usd(0.0312) == "$0.0312"
    assert usd(4.2) == "$4.20"


def test_the_chatbot_tool_quotes_the_same_lambda_prices() -> None:
    # lambda_fn (the function's zip) imports nothing of helpers: this ties its prices to
    # the kit's table, so the two cannot drift apart.
    assert PRICES_USD["request"] == pytest.approx(PRICES.lambda_requests_per_million / 1e6)
    assert PRICES_USD["gb_second_x86_64"] == PRICES.lambda_gb_second_x86_64
    assert PRICES_USD["gb_second_arm64"] == PRICES.lambda_gb_second_arm64
    assert PRICES_USD["durable_operation"] == pytest.approx(
        PRICES.durable_operations_per_million / 1e6
    )
