"""Amounts of money and execution names as a learner reads them."""

from __future__ import annotations

import math


def usd(amount: float) -> str:
    """A small dollar amount, readable: $0.000123, $0.0312, $4.20."""
    if amount == 0:
        return "$0"
    if amount >= 0.1:
        return f"${amount:,.2f}"
    return f"${amount:.{max(2, 2 - math.floor(math.log10(amount)))}f}"


# Wide enough for the kit's names whole ("chatbot-20261203T065501-6f2a9c1d": 32), which
# differ only in their time stamp and random tail: a table cut at the start shows
# "chatbot-20261203T0" for every run of a day.
NAME_COLUMN = 40


def execution_label(name: str, width: int = NAME_COLUMN) -> str:
    """An execution's name for a table column: whole when it fits in ``width``, else its
    start, "…" and its end (the time stamp and random tail that tell runs apart)."""
    if len(name) <= width:
        return name
    head = min(12, (width - 1) // 3)
    return name[:head] + "…" + name[-(width - 1 - head) :]
