"""Figures of billed versus wall-clock time, for notebook 05 and ``make workshop``.

Each function draws one figure from ``helpers.cost`` results, saves it as a PNG in
``output_dir`` (when given) and returns the ``Figure``: the last expression of a notebook
cell shows it inline. They work headless (no display needed). Labels are in the learner's
language (``helpers.i18n``).

- ``billed_timeline(cost)``: the execution's billed invocations as bars on a time axis, the waits
  between them labelled (``timeline-<execution>.png``);
- ``billed_vs_wallclock(cost)``: time and cost of the durable execution beside a plain
  blocking Lambda and Step Functions (``billed-vs-wallclock-<execution>.png``);
- ``executions_chart(function_cost)``: billed vs wall-clock for many executions of one
  function (``executions-<function>.png``);
- ``breakeven_chart(cost)``: cost per 1,000 conversations against the reviewer's
  think-time, this run's and the talk's (``breakeven-<execution>.png``).

Modules: ``figures`` (colours, fonts, making and saving), ``billed``, ``breakeven``.
"""

from .billed import billed_timeline, billed_vs_wallclock, executions_chart
from .breakeven import breakeven_chart, quick_reviewer_caveat
from .figures import (
    BLOCKING,
    INVOCATION,
    STEP_FUNCTIONS,
    WAITING,
    file_safe,
    finish_figure,
    new_figure,
)

__all__ = [
    "BLOCKING",
    "INVOCATION",
    "STEP_FUNCTIONS",
    "WAITING",
    "billed_timeline",
    "billed_vs_wallclock",
    "breakeven_chart",
    "executions_chart",
    "file_safe",
    "finish_figure",
    "new_figure",
    "quick_reviewer_caveat",
]
