"""Public list prices in USD: the one place the kit's cost figures come from.

``lambda_fn/tools/cost.py`` (the chatbot's ``estimate_lambda_cost`` tool) carries the
Lambda prices it needs in ``PRICES_USD``: the function's zip imports nothing of
``helpers``, so ``tests/cost/test_prices.py`` ties its figures to this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..i18n import tr


def _verify(default: float) -> Any:
    """A price field whose source was second-hand: the summary marks it "(verify)"."""
    return field(default=default, metadata={"verify": True})


@dataclass(frozen=True)
class PriceTable:
    """Public list prices in USD, the one place the kit's cost figures come from.

    US East (N. Virginia) rates, used as a region-independent reference: other regions
    differ by a few percent. No free tier, no Savings Plans. Fields marked ``verify``
    were second-hand when the table was dated: check https://aws.amazon.com/lambda/pricing/
    before quoting them.
    """

    as_of: str = "2026-11"
    source: str = (
        "https://aws.amazon.com/lambda/pricing/, https://aws.amazon.com/step-functions/pricing/"
    )
    architecture: str = "x86_64"  # or "arm64"
    lambda_requests_per_million: float = 0.20
    lambda_gb_second_x86_64: float = 0.0000166667
    lambda_gb_second_arm64: float = 0.0000133334
    durable_operations_per_million: float = _verify(8.00)
    durable_data_written_per_gb: float = _verify(0.25)
    durable_data_retained_per_gb_month: float = _verify(0.15)
    step_functions_standard_per_1000_transitions: float = 0.025
    # Not a price but the rule the blocking comparison rests on: one invocation <= 15 min.
    lambda_max_invocation_s: int = 900

    @property
    def lambda_gb_second(self) -> float:
        if self.architecture == "arm64":
            return self.lambda_gb_second_arm64
        if self.architecture == "x86_64":
            return self.lambda_gb_second_x86_64
        raise ValueError(f"architecture must be 'x86_64' or 'arm64', not {self.architecture!r}")

    def describe(self) -> list[str]:
        """One line per price, "(verify)" where the source was second-hand."""
        lines = [
            tr(
                f"list prices as of {self.as_of} (USD, us-east-1 rates, no free tier)",
                f"{self.as_of} 時点の定価 (USD、us-east-1 の料金、無料利用枠なし)",
            )
        ]
        for f in fields(self):
            if f.name in {"as_of", "source", "architecture", "lambda_max_invocation_s"}:
                continue
            if f.name.startswith("lambda_gb_second_") and not f.name.endswith(self.architecture):
                continue
            mark = tr(" (verify)", " (要確認)") if f.metadata.get("verify") else ""
            value = f"{getattr(self, f.name):.10f}".rstrip("0").rstrip(".")
            lines.append(f"  {f.name} = {value}{mark}")
        lines.append(tr("  source: ", "  出典: ") + self.source)
        return lines


PRICES = PriceTable()
GIB = 1024**3
DAYS_PER_MONTH = 30  # a GB-month of retained data, as the kit reckons it
# RetentionPeriodInDays when the function's DurableConfig cannot be read (deleted since):
# the CloudFormation default (AWS::Lambda::Function DurableConfig; other pages say 30).
DEFAULT_RETENTION_DAYS = 14
