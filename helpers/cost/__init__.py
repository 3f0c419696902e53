"""What a durable execution really costs: billed versus wall-clock, from CloudWatch Logs.

A durable execution that waits for a person runs as several short Lambda invocations (the
first run and one replay per resumption) with nothing billed in between. This package
joins the execution's invocations, as its history lists them (``InvocationCompleted``
events: ``RequestId``, start, end), to the REPORT record each invocation wrote to
CloudWatch Logs (text ``REPORT RequestId: …`` lines or JSON ``platform.report``
records), and turns the sum into figures and a cost estimate next to two alternatives:
a plain Lambda that blocks while the person decides, and a Step Functions standard
workflow.

Entry points:

- ``analyse_execution(lambda_client, logs_client, execution_arn)`` → ``ExecutionCost``
- ``analyse_function(lambda_client, logs_client, function_name)`` → ``FunctionCost``
- ``analyse_records(execution, history, log_messages)`` → ``ExecutionCost`` (offline)

Prices live in one place, ``PRICES`` (a dated ``PriceTable``, ``cost.prices``); pass
``prices=`` to any entry point to override them, e.g.
``dataclasses.replace(PRICES, architecture="arm64")``. The execution is read through
``helpers.durable`` (history, REPORT records, the bounded wait for late log delivery).

Modules: ``prices``, ``model`` (``ExecutionCost``, ``FunctionCost``), ``alternatives``
(blocking Lambda, Step Functions), ``text`` (``usd``), ``fetching`` (the entry points).
"""

from .alternatives import Comparison, CostBreakdown
from .errors import CostAnalysisError
from .fetching import (
    analyse_execution,
    analyse_function,
    analyse_records,
    function_log_group,
    list_executions,
    version_qualifiers,
)
from .model import ExecutionCost, FunctionCost, InvocationCost
from .prices import PRICES, PriceTable
from .text import execution_label, usd

__all__ = [
    "PRICES",
    "Comparison",
    "CostAnalysisError",
    "CostBreakdown",
    "ExecutionCost",
    "FunctionCost",
    "InvocationCost",
    "PriceTable",
    "analyse_execution",
    "analyse_function",
    "analyse_records",
    "execution_label",
    "function_log_group",
    "list_executions",
    "usd",
    "version_qualifiers",
]
