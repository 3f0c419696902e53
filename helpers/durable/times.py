"""One reading of the timestamps of durable executions and their log records, and the
one allowance for the clocks of two AWS services."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..i18n import tr
from .errors import TimestampError

# Allowed between a durable execution's timestamps (stamped by the durable service) and
# its log records' (stamped where Lambda runs the function) when one is used to select
# the other. AWS clocks agree to well under a second (Amazon Time Sync), but the stamps
# are taken at different moments of the same event; 5 s is the widest allowance the kit
# used, and a wide window costs only a few more records read (each is then joined by
# request id), whereas a narrow one can lose a REPORT record.
CLOCK_SKEW_S = 5.0
CLOCK_SKEW_MS = int(CLOCK_SKEW_S * 1000)


def epoch_seconds(value: Any) -> float:
    """Seconds since the epoch of a datetime (naive taken as UTC), epoch seconds or
    milliseconds, or an ISO 8601 string; ``TimestampError`` (a ValueError) otherwise."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.timestamp()
    if isinstance(value, int | float):
        return value / 1000 if value > 1e11 else float(value)  # ms or s since the epoch
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise TimestampError(f"unexpected timestamp {value!r}") from None
        return epoch_seconds(parsed)
    raise TimestampError(f"unexpected timestamp {value!r}")


def epoch_or_none(value: Any) -> float | None:
    """``epoch_seconds``, or None for a missing or unreadable timestamp."""
    try:
        return epoch_seconds(value)
    except TimestampError:
        return None


def execution_seconds(execution: Mapping[str, Any]) -> float | None:
    """How long an ended execution ran, from its own ``StartTimestamp`` and
    ``EndTimestamp`` (GetDurableExecution's answer or a ListDurableExecutions summary);
    None while it runs or when a stamp is missing or unreadable."""
    start = epoch_or_none(execution.get("StartTimestamp"))
    end = epoch_or_none(execution.get("EndTimestamp"))
    if start is None or end is None or end < start:
        return None
    return end - start


def duration_text(seconds: float) -> str:
    """42 ms, 1.53 s, 6 min 12 s, 2 h 05 min; in Japanese the units of the Japanese AWS
    console: 42 ミリ秒, 1.53 秒, 6 分 12 秒, 2 時間 05 分."""
    ms, s, mins, h = tr("ms", "ミリ秒"), tr("s", "秒"), tr("min", "分"), tr("h", "時間")
    if seconds < 1:
        return f"{seconds * 1000:.0f} {ms}"
    if seconds < 100:
        return f"{seconds:.3g} {s}" if seconds < 10 else f"{seconds:.1f} {s}"
    whole = round(seconds)  # round first: 299.99 s is 5 min 00 s, not 4 min 60 s
    if whole < 3600:
        return f"{whole // 60} {mins} {whole % 60:02d} {s}"
    minutes = round(seconds / 60)
    return f"{minutes // 60} {h} {minutes % 60:02d} {mins}"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font: Japanese characters take two (a text
    table padded by ``len`` misaligns "750 ミリ秒")."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` display columns (``str.ljust`` by
    display width)."""
    return text + " " * (width - display_width(text))
