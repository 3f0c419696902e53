"""The cost analysis's own error."""

from __future__ import annotations


class CostAnalysisError(RuntimeError):
    """The analysis cannot be made; the message says why and what to do."""
