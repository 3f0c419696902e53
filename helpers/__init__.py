"""The workshop's teaching API: every name the notebooks call, and nothing else.

Read any of them in Jupyter with ``?`` (``ensure_function?``). The layers below, one way:

    notebooks -> helpers (this API) -> durable / deploy / approvals / cost -> boto3
                                         localcloud (only through target.connect)

By notebook:

- 00 setup: ``check_parameters``, ``connect``, ``preflight`` (``run``, ``summary``,
  ``require``).
- 01 first durable function and 02 parallel and replay: ``FIRST_DURABLE`` and
  ``PARALLEL_REPLAY`` (the samples' handler paths), ``source``, ``deploy_sample``,
  ``check_wait_seconds``, ``start_execution``, ``fresh_execution_name``, ``redact_account``,
  ``history`` (``wait_for``, ``fetch``, ``operations_timeline``, ``invocation_logs``),
  ``state``, ``exercises`` (the exercises' checks, in 01 to 03).
- 03 deploy, one resource per cell: ``Names``, ``execution_policy``, ``json_block``,
  ``trust_policy``, ``permissions_boundary``, ``on_role_error`` (a rerun's ``create_role``
  finds the role there), ``ensure_queue``, ``ensure_bucket``, ``ensure_log_group``, ``build_zip``,
  ``ChatbotSettings``, ``on_create_error`` (a rerun's ``create_function`` updates
  instead), ``function_config``, ``wait_for_execution``, ``approval_requests``,
  ``history_brief``, ``where``.
- 04 the chatbot with approvals: ``deployed_chatbot``, ``chat_starter``, ``Inbox``,
  ``ApprovalPanel``, ``conversation_name``, ``wait_for_request``, ``exercises``,
  ``outcome_of``, ``report_of``, ``figures_of``, ``remember_conversation``.
- 05 billed versus wall-clock: ``conversation_to_analyse``, ``qualifier_of``,
  ``wait_for_report_records``, ``side_by_side``, ``analyse_execution``, ``alternatives``,
  ``billed_timeline``, ``billed_vs_wallclock``, ``break_even``, ``breakeven_chart``,
  ``check_cost_exercise``, ``costs_since_deploy``, ``executions_chart``, ``table``.
- 90 the facilitator's room: ``check_room``, ``provision``, ``watch_room``, ``sweep``,
  ``room_leftovers``, ``room_bill``.
- 99 cleanup: ``leftovers``, ``cleanup``, ``forget_state``, ``stop_local_cloud``.

Names load on first use (PEP 562), so that ``import helpers`` stays cheap: the local
cloud's workers, the parameter checks and the CLI tools import only what they need.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import exercises, history, preflight, state
    from .approvals import ApprovalPanel, Inbox, approval_requests
    from .approvals.first import wait_for_request
    from .brief import figures_of, history_brief
    from .chatbot import chat_starter, conversation_name, deployed_chatbot, where
    from .conversations import (
        conversation_to_analyse,
        costs_since_deploy,
        qualifier_of,
        remember_conversation,
        wait_for_report_records,
    )
    from .cost import analyse_execution
    from .cost.breakeven import break_even
    from .cost.exercise import check_cost_exercise
    from .cost.join import side_by_side
    from .deploy import (
        ChatbotSettings,
        Names,
        build_zip,
        ensure_bucket,
        ensure_log_group,
        ensure_queue,
        execution_policy,
        fresh_execution_name,
        on_create_error,
        on_role_error,
        permissions_boundary,
        redact_account,
        start_execution,
        trust_policy,
    )
    from .facilitator import (
        check_room,
        provision,
        room_bill,
        room_leftovers,
        sweep,
        watch_room,
    )
    from .outcome import outcome_of, report_of, wait_for_execution
    from .params import check_parameters
    from .plots import billed_timeline, billed_vs_wallclock, breakeven_chart, executions_chart
    from .samples import (
        FIRST_DURABLE,
        PARALLEL_REPLAY,
        check_wait_seconds,
        deploy_sample,
        source,
    )
    from .show import alternatives, function_config, json_block, table
    from .target import connect
    from .teardown import cleanup, forget_state, leftovers, stop_local_cloud

# In the order the notebooks teach them (not sorted, on purpose).
__all__ = [  # noqa: RUF022
    # 00
    "check_parameters",
    "connect",
    "preflight",
    # 01, 02
    "FIRST_DURABLE",
    "PARALLEL_REPLAY",
    "source",
    "check_wait_seconds",
    "deploy_sample",
    "start_execution",
    "fresh_execution_name",
    "redact_account",
    "history",
    "state",
    "exercises",
    # 03
    "Names",
    "execution_policy",
    "json_block",
    "trust_policy",
    "permissions_boundary",
    "on_role_error",
    "ensure_queue",
    "ensure_bucket",
    "ensure_log_group",
    "build_zip",
    "ChatbotSettings",
    "on_create_error",
    "function_config",
    "wait_for_execution",
    "approval_requests",
    "history_brief",
    "where",
    # 04
    "deployed_chatbot",
    "chat_starter",
    "Inbox",
    "ApprovalPanel",
    "conversation_name",
    "wait_for_request",
    "outcome_of",
    "report_of",
    "figures_of",
    "remember_conversation",
    # 05
    "conversation_to_analyse",
    "qualifier_of",
    "wait_for_report_records",
    "side_by_side",
    "analyse_execution",
    "alternatives",
    "billed_timeline",
    "billed_vs_wallclock",
    "break_even",
    "breakeven_chart",
    "check_cost_exercise",
    "costs_since_deploy",
    "executions_chart",
    "table",
    # 90
    "check_room",
    "provision",
    "watch_room",
    "sweep",
    "room_leftovers",
    "room_bill",
    # 99
    "leftovers",
    "cleanup",
    "forget_state",
    "stop_local_cloud",
]


def _homes() -> dict[str, str]:
    """Each exported name's module, read from the imports above (one list to keep)."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If))
    homes: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            homes[alias.name] = f"{__name__}.{node.module}" if node.module else ""
    return homes


_HOME = _homes()


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not module:  # a module of this package, used as a namespace (history.fetch)
        return importlib.import_module(f"{__name__}.{name}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
