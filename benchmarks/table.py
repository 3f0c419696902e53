"""The one table: local cloud beside the in-process runner, with the local cloud's targets."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .common import Results, markdown_table, median, percentile


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    local: str
    runner: str
    target: str
    verdict: str  # "pass", "MISS" or "" (no target)


@dataclass(frozen=True)
class _Spec:
    key: str
    label: str
    value: Callable[[Results], float | None]
    unit: str  # "s", "ms" or "MB"
    limit: float | None = None  # the local cloud's target, in ``unit``


def _ms(samples: list[float], pct: float) -> float | None:
    return percentile(samples, pct) * 1000 if samples else None


def _specs(local: Results, runner: Results) -> list[_Spec]:
    n_cold = max(len(local.cold_s), len(runner.cold_s))
    n_warm = max(len(local.warm_s), len(runner.warm_s))
    n_cb = max(len(local.callback_s), len(runner.callback_s))
    burst = max(local.burst_size, runner.burst_size)
    return [
        _Spec(
            "ready",
            "ready (CLI spawn → ready line; runner: construct+enter)",
            lambda r: r.ready_s,
            "s",
            2.0,
        ),
        _Spec(
            "restart_ready",
            "ready after a restart (burst + deploy/delete cycles of 17 MB)",
            lambda r: r.restart_ready_s,
            "s",
            2.0,
        ),
        _Spec(
            "cold",
            f"cold invoke → SUCCEEDED, median of {n_cold}",
            lambda r: median(r.cold_s) * 1000 if r.cold_s else None,
            "ms",
        ),
        _Spec(
            "warm_p50",
            f"warm invoke → SUCCEEDED p50 (n={n_warm})",
            lambda r: _ms(r.warm_s, 50),
            "ms",
            30.0,
        ),
        _Spec(
            "warm_p95",
            f"warm invoke → SUCCEEDED p95 (n={n_warm})",
            lambda r: _ms(r.warm_s, 95),
            "ms",
        ),
        _Spec(
            "callback_p50",
            f"callback → completed p50 (n={n_cb})",
            lambda r: _ms(r.callback_s, 50),
            "ms",
            200.0,
        ),
        _Spec(
            "callback_p95",
            f"callback → completed p95 (n={n_cb})",
            lambda r: _ms(r.callback_s, 95),
            "ms",
        ),
        _Spec(
            "burst_park",
            f"burst: start {burst} → all waiting on callback",
            lambda r: r.burst_park_s,
            "s",
        ),
        _Spec(
            "burst_answer",
            f"burst: answer {burst} at once → all SUCCEEDED",
            lambda r: r.burst_answer_s,
            "s",
            20.0,
        ),
        _Spec(
            "burst_ok",
            "burst: SUCCEEDED of started (none lost)",
            lambda r: float(r.burst_succeeded) if r.burst_size else None,
            "count",
        ),
        _Spec(
            "idle_mb",
            "memory RSS idle after ready (process + workers)",
            lambda r: r.idle_mb,
            "MB",
            250.0,
        ),
        _Spec(
            "burst_mb",
            "memory RSS after burst (process + workers)",
            lambda r: r.after_burst_mb,
            "MB",
        ),
    ]


ROW_KEYS = [spec.key for spec in _specs(Results(), Results())]


def _fmt(value: float | None, unit: str, of: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "count":
        return f"{int(value)}/{of}"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    return f"{value:.0f} MB"


def rows(local: Results, runner: Results) -> list[Row]:
    out = []
    for spec in _specs(local, runner):
        lv, rv = spec.value(local), spec.value(runner)
        verdict, target = "", ""
        if spec.limit is not None:
            target = f"≤ {spec.limit:g} {spec.unit}"
            verdict = "n/a" if lv is None else ("pass" if lv <= spec.limit else "MISS")
        out.append(
            Row(
                spec.key,
                spec.label,
                _fmt(lv, spec.unit, local.burst_size),
                _fmt(rv, spec.unit, runner.burst_size),
                target,
                verdict,
            )
        )
    return out


def render(table: list[Row]) -> str:
    header = ("metric", "local cloud", "in-process runner", "target (local)", "")
    return markdown_table(
        header, [(r.label, r.local, r.runner, r.target, r.verdict) for r in table]
    )
