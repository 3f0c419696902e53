"""Amounts of money as a learner reads them."""

from __future__ import annotations

import math


def usd(amount: float) -> str:
    """A small dollar amount, readable: $0.000123, $0.0312, $4.20."""
    if amount == 0:
        return "$0"
    if amount >= 0.1:
        return f"${amount:,.2f}"
    return f"${amount:.{max(2, 2 - math.floor(math.log10(amount)))}f}"
