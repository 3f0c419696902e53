"""Readable output for notebook cells: JSON as a code block, rows as a table, a function's
configuration as GetFunction reports it.

Each returns an ``IPython.display.Markdown`` object: the last expression of a cell shows
it rendered in Jupyter, and as plain markdown text in a papermill run's output. Account ids
are masked in what they show (``naming.redact_account``), never in the data. Dollar signs
show as dollars, never as math (``no_math``, ``no_math_html``, from ``helpers.mathjax``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from IPython.display import Markdown

from .cost import ExecutionCost, usd
from .deploy import Names, redact_account
from .durable import duration_text
from .i18n import tr
from .mathjax import no_math as no_math  # re-exported: history, brief, outcome use show's
from .mathjax import no_math_html as no_math_html
from .target import Target

# What notebook 03 shows of GetFunction's Configuration: what the deploy set, and its state.
FUNCTION_FIELDS = (
    "FunctionName",
    "Runtime",
    "Handler",
    "MemorySize",
    "Timeout",
    "DurableConfig",
    "LoggingConfig",
    "Environment",
    "Role",
    "CodeSize",
    "State",
    "LastUpdateStatus",
)


def json_block(data: Any) -> Markdown:
    """``data`` as an indented JSON code block (account ids masked)."""
    text = redact_account(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return Markdown(f"```json\n{text}\n```")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    elif isinstance(value, Mapping | list | tuple):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    # Dollar signs: table() passes the whole table through no_math.
    return redact_account(text).replace("|", "\\|").replace("\n", " ")


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> Markdown:
    """A markdown table of ``rows`` (dicts); ``columns`` picks and orders the keys
    (default: every key, in first-seen order)."""
    rows = list(rows)
    if columns is None:
        seen: dict[str, None] = {}
        for row in rows:
            seen.update(dict.fromkeys(row))
        columns = list(seen)
    if not rows or not columns:
        return Markdown("*(nothing to show)*")
    lines = [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return Markdown(no_math("\n".join(lines)))


def function_config(target: Target, names: Names, qualifier: str | None = None) -> dict[str, Any]:
    """The function's configuration as ``get_function`` returns it (the fields that matter
    to the workshop), so that you see what Lambda holds, not what we asked for."""
    kwargs = {"FunctionName": names.function}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    configuration = target.client("lambda").get_function(**kwargs)["Configuration"]
    return {key: configuration[key] for key in FUNCTION_FIELDS if key in configuration}


def alternatives(cost: ExecutionCost) -> Markdown:
    """The durable execution beside the same conversation as a plain Lambda that blocks and
    as a Step Functions standard workflow: billed time, cost, and each one's assumptions."""
    # The headings are the rows' keys: in the learner's language.
    design, billed, per_run, per_1000, possible, assumptions = (
        tr("design", "設計"),
        tr("billed", "課金時間"),
        tr("per execution", "1 実行あたり"),
        tr("per 1,000", "1,000 実行あたり"),
        tr("possible?", "実行可能?"),
        tr("assumptions", "前提"),
    )
    yes = tr("yes", "はい")
    rows: list[dict[str, Any]] = [
        {
            design: tr("durable function (this execution)", "durable function (この実行)"),
            billed: duration_text(cost.billed_s),
            per_run: usd(cost.durable.total_usd),
            per_1000: usd(cost.durable.total_usd * 1000),
            possible: yes,
            assumptions: tr(
                "measured: REPORT records of its "
                f"{len(cost.invocations)} invocations, {cost.operations.total} durable "
                f"operations; checkpoint data {usd(cost.durable.data_retained_usd)} retained, "
                f"{cost.retention_text()}",
                f"実測: 呼び出し {len(cost.invocations)} 回の REPORT レコード、durable operation "
                f"{cost.operations.total} 件。チェックポイントデータの保存 "
                f"{usd(cost.durable.data_retained_usd)}、{cost.retention_text()}",
            ),
        }
    ]
    for other in (cost.blocking, cost.step_functions):
        rows.append(
            {
                design: other.name,
                billed: duration_text(other.billed_s) if other.billed_s is not None else "",
                per_run: usd(other.cost_usd),
                per_1000: usd(other.cost_usd * 1000),
                possible: yes
                if other.possible
                else tr("**no** (> 15 min)", "**いいえ** (15 分超)"),
                assumptions: "<br>".join(other.assumptions),
            }
        )
    return table(rows)
