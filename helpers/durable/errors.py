"""What can go wrong reading a durable execution: its ARN, its timestamps, its history,
its log records. Each message says what was read and what to do."""

from __future__ import annotations


class DurableReadError(RuntimeError):
    """A durable execution's records cannot be read as the kit expects."""


class TimestampError(DurableReadError, ValueError):
    """A timestamp that is neither a datetime, epoch seconds/milliseconds nor ISO 8601."""


class HistoryError(DurableReadError):
    """A history event lacks what the read model needs (the message says which)."""


class MissingReportsError(DurableReadError):
    """Some invocations have no usable REPORT record after the bounded wait."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: records not there yet is no bug."""
        return [str(self)]
