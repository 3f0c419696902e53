"""The cost picture: one execution (``ExecutionCost``: its invocations joined to their
REPORT records, the durable charges, the alternatives) and many executions of one function
(``FunctionCost``), with their figures in words."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..durable import (
    Gap,
    Invocation,
    OperationCount,
    ParseReport,
    Report,
    display_width,
    duration_text,
    pad,
)
from ..i18n import tr
from .alternatives import Comparison, CostBreakdown, blocking_lambda, step_functions
from .prices import DAYS_PER_MONTH, DEFAULT_RETENTION_DAYS, GIB, PriceTable
from .text import execution_label, usd


@dataclass(frozen=True)
class InvocationCost:
    """An invocation joined to its REPORT record (None: no usable record)."""

    number: int
    invocation: Invocation
    report: Report | None


@dataclass
class ExecutionCost:
    """The cost picture of one durable execution. ``summary()`` says it in words."""

    execution_arn: str
    name: str
    status: str
    start: float
    end: float | None  # None while RUNNING: figures are so far
    invocations: list[InvocationCost]
    gaps: list[Gap]
    operations: OperationCount
    data_bytes: int
    retention_days: int | None
    parse: ParseReport
    missing: list[str]  # request ids without a usable REPORT
    prices: PriceTable
    durable: CostBreakdown = field(init=False)
    blocking: Comparison = field(init=False)
    step_functions: Comparison = field(init=False)

    def __post_init__(self) -> None:
        self.durable = self._durable_cost()
        self.blocking = blocking_lambda(self.wall_clock_s, self.memory_mb, self.prices)
        self.step_functions = step_functions(
            self.operations, self.billed_s, self.durable, self.prices
        )

    # -- figures -----------------------------------------------------------------------
    @property
    def wall_clock_s(self) -> float:
        return (self.end if self.end is not None else time.time()) - self.start

    @property
    def reports(self) -> list[Report]:
        return [i.report for i in self.invocations if i.report is not None]

    @property
    def billed_ms(self) -> int:
        """Sum of Billed Duration over the invocations (init included, as Lambda bills)."""
        return sum(r.billed_ms for r in self.reports)

    @property
    def billed_s(self) -> float:
        return self.billed_ms / 1000

    @property
    def duration_ms(self) -> float:
        return sum(r.duration_ms for r in self.reports)

    @property
    def init_ms(self) -> float:
        return sum(r.init_ms or 0 for r in self.reports)

    @property
    def cold_starts(self) -> int:
        return sum(1 for r in self.reports if r.init_ms is not None)

    @property
    def gb_seconds(self) -> float:
        return sum(r.gb_seconds for r in self.reports)

    @property
    def memory_mb(self) -> int | None:
        return max((r.memory_mb for r in self.reports), default=None)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def retained_days(self) -> float:
        """How long the checkpoint data is stored, in days: from the moment it is written
        (taken as the execution's start) while the execution runs or is suspended, then the
        retention period after its end. AWS bills stored data for both (Lambda pricing,
        durable functions: data retained). While RUNNING: so far, plus the retention to come."""
        days = self.retention_days if self.retention_days is not None else DEFAULT_RETENTION_DAYS
        return self.wall_clock_s / 86_400 + days

    def _durable_cost(self) -> CostBreakdown:
        p = self.prices
        gib = self.data_bytes / GIB
        return CostBreakdown(
            requests_usd=len(self.invocations) * p.lambda_requests_per_million / 1e6,
            compute_usd=self.gb_seconds * p.lambda_gb_second,
            operations_usd=self.operations.total * p.durable_operations_per_million / 1e6,
            data_written_usd=gib * p.durable_data_written_per_gb,
            # GB-months, a month taken as 30 days.
            data_retained_usd=gib
            * p.durable_data_retained_per_gb_month
            * self.retained_days
            / DAYS_PER_MONTH,
        )

    def retention_text(self) -> str:
        """How the retained-data charge is reckoned, in words."""
        wall = duration_text(self.wall_clock_s)
        if self.retention_days is not None:
            days = self.retention_days
            period = tr(f"{days} days after the end", f"終了後 {days} 日")
        else:
            days = DEFAULT_RETENTION_DAYS
            period = tr(
                f"retention unknown: {days} days after the end assumed",
                f"終了後 {days} 日 (保持期間が不明なため仮定)",
            )
        return tr(
            f"stored {wall} while it ran or waited{' so far' if self.end is None else ''}, "
            f"then {period}: {self.retained_days:.2f} days",
            f"実行中と待機中の {wall}{' (ここまで)' if self.end is None else ''}と"
            f"{period}の保存: 計 {self.retained_days:.2f} 日",
        )

    def retention_sentence(self) -> str:
        """What the checkpoint data costs, written and stored, in one sentence."""
        d, p = self.durable, self.prices
        written, retained = usd(d.data_written_usd), usd(d.data_retained_usd)
        per_gb, per_gb_month = p.durable_data_written_per_gb, p.durable_data_retained_per_gb_month
        return tr(
            f"Checkpoint data, ~{self.data_bytes} B: written once ({written} "
            f"at ${per_gb:g} per GB), {self.retention_text()} "
            f"({retained} at ${per_gb_month:g} per GB-month).",
            f"チェックポイントデータ 約 {self.data_bytes} B: 書き込みは 1 回 ({written}、"
            f"1 GB あたり ${per_gb:g})、{self.retention_text()} ({retained}、"
            f"1 GB-月あたり ${per_gb_month:g})。",
        )

    # -- presentation ------------------------------------------------------------------
    def table(self) -> list[dict[str, Any]]:
        """One row per invocation: times in seconds, memory in MB."""
        rows = []
        for item in self.invocations:
            inv, rep = item.invocation, item.report
            rows.append(
                {
                    "invocation": item.number,
                    "request_id": inv.request_id,
                    "start_s": round(inv.start - self.start, 3),
                    "seconds": round(inv.seconds, 3),
                    "duration_ms": rep.duration_ms if rep else None,
                    "init_ms": rep.init_ms if rep else None,
                    "billed_ms": rep.billed_ms if rep else None,
                    "memory_mb": rep.memory_mb if rep else None,
                    "max_memory_mb": rep.max_memory_mb if rep else None,
                    "status": rep.status if rep else "no REPORT",
                    "log_format": rep.log_format if rep else None,
                }
            )
        return rows

    def row(self) -> dict[str, Any]:
        """This execution as one row of ``FunctionCost.table()``."""
        wall = self.wall_clock_s
        return {
            "execution": self.name,
            "status": self.status,
            "wall_clock_s": round(wall, 3),
            "invocations": len(self.invocations),
            "billed_s": round(self.billed_s, 3),
            "billed_pct_of_wall_clock": round(100 * self.billed_s / wall, 2) if wall else None,
            "gb_seconds": round(self.gb_seconds, 4),
            "operations": self.operations.total,
            "cost_usd": self.durable.total_usd,
            "blocking_cost_usd": self.blocking.cost_usd,
            "blocking_possible": self.blocking.possible,
            "missing_reports": len(self.missing),
        }

    def summary(self) -> str:
        n = len(self.invocations)
        d, b, s = self.durable, self.blocking, self.step_functions
        running = (
            tr(" so far (still RUNNING)", " (ここまで、まだ RUNNING)") if self.end is None else ""
        )
        joined = n - len(self.missing)
        colds = self.cold_starts
        per_run = tr(
            f"{usd(d.total_usd)} per execution, {usd(d.total_usd * 1000)} per 1,000",
            f"1 実行あたり {usd(d.total_usd)}、1,000 実行あたり {usd(d.total_usd * 1000)}",
        )
        # (label, value): the labels padded by display width into one column.
        figures = [
            (tr("wall-clock", "実時間 (wall-clock)"), duration_text(self.wall_clock_s) + running),
            (
                tr("invocations", "呼び出し"),
                tr(
                    f"{n} (the first run and {max(n - 1, 0)} replays); "
                    f"{joined} of {n} joined to their REPORT record",
                    f"{n} 回 (初回実行とリプレイ {max(n - 1, 0)} 回)。"
                    f"REPORT レコードと突き合わせできたのは {n} 回中 {joined} 回",
                ),
            ),
            (
                tr("billed duration", "課金時間"),
                tr(
                    f"{self.billed_s:.3f} s, the sum of Billed Duration "
                    f"(init included; {colds} cold start{'' if colds == 1 else 's'}, "
                    f"{self.init_ms:.0f} ms init)",
                    f"{self.billed_s:.3f} 秒、Billed Duration の合計 (初期化を含む。"
                    f"コールドスタート {colds} 回、初期化 {self.init_ms:.0f} ミリ秒)",
                ),
            ),
            (tr("billed / wall-clock", "課金時間 / 実時間"), self._ratio()),
            (
                tr("compute", "コンピューティング"),
                f"{self.gb_seconds:.4f} "
                + tr("GB-s", "GB 秒")
                + (
                    tr(f" at {self.memory_mb} MB", f" ({self.memory_mb} MB)")
                    if self.memory_mb
                    else ""
                ),
            ),
            (tr("durable operations", "durable operation"), self.operations.describe()),
            (tr("estimated cost", "推定コスト"), per_run),
        ]
        column = max(display_width(label) for label, _ in figures) + 1
        lines = [
            tr(
                f"Durable execution {self.name} ({self.status})",
                f"durable execution {self.name} ({self.status})",
            ),
            *(f"  {pad(label, column)}{value}" for label, value in figures),
            tr(
                f"    requests {usd(d.requests_usd)}, compute {usd(d.compute_usd)}, operations "
                f"{usd(d.operations_usd)}, checkpoint data ~{self.data_bytes} B written "
                f"{usd(d.data_written_usd)} + retained {usd(d.data_retained_usd)} "
                f"({self.retention_text()})",
                f"    リクエスト {usd(d.requests_usd)}、コンピューティング {usd(d.compute_usd)}、"
                f"オペレーション {usd(d.operations_usd)}、"
                f"チェックポイントデータ 約 {self.data_bytes} B の書き込み "
                f"{usd(d.data_written_usd)} + 保存 {usd(d.data_retained_usd)} "
                f"({self.retention_text()})",
            ),
            "",
            tr("Compared with", "比較"),
            tr(
                f"  {b.name}: billed {duration_text(b.billed_s or 0)} -> {usd(b.cost_usd)} per "
                f"execution ({self._times(b.cost_usd)})",
                f"  {b.name}: 課金 {duration_text(b.billed_s or 0)} -> 1 実行あたり "
                f"{usd(b.cost_usd)} ({self._times(b.cost_usd)})",
            )
            + (
                ""
                if b.possible
                else tr("  [IMPOSSIBLE past 15 minutes]", "  [15 分を超えるため実行不可]")
            ),
            *[f"    - {a}" for a in b.assumptions],
            tr(
                f"  {s.name}: {usd(s.cost_usd)} per execution ({self._times(s.cost_usd)})",
                f"  {s.name}: 1 実行あたり {usd(s.cost_usd)} ({self._times(s.cost_usd)})",
            ),
            *[f"    - {a}" for a in s.assumptions],
        ]
        if self.missing:
            lines += [
                "",
                tr(
                    f"INCOMPLETE: {len(self.missing)} of {n} invocations have no usable REPORT "
                    "record yet, so the figures above leave them out "
                    f"({', '.join(self.missing)}). Log delivery can lag by minutes on AWS: run "
                    "this cell again in a minute.",
                    f"未完了: {n} 回の呼び出しのうち {len(self.missing)} 回に使える REPORT "
                    "レコードがまだないため、上の数値には含まれていません "
                    f"({', '.join(self.missing)})。AWS ではログの配信が数分遅れることがあります。"
                    "1 分ほどしてからこのセルをもう一度実行してください。",
                ),
            ]
        lines += [
            "",
            tr("Log parsing", "ログの解析"),
            *("  " + x for x in self.parse.summary().splitlines()),
        ]
        lines += ["", tr("Prices", "価格"), *("  " + x for x in self.prices.describe())]
        return "\n".join(lines)

    def compute_text(self) -> str:
        """GB-seconds of this execution, worked out in words from its own figures."""
        if self.memory_mb is None:
            return tr(
                "No REPORT record has arrived yet: no GB-seconds to show.",
                "REPORT レコードがまだ届いていないため、GB 秒はまだ出せません。",
            )
        p = self.prices
        price = f"{p.lambda_gb_second:.10f}".rstrip("0")
        gb = f"{self.memory_mb / 1024:g}"
        return tr(
            f"This execution: {self.memory_mb} MB = {gb} GB, billed {self.billed_s:.3f} s in "
            f"all, is {self.gb_seconds:.4f} GB-s; at the {p.architecture} list price of "
            f"${price} per GB-s that is {usd(self.durable.compute_usd)}.",
            f"この実行: {self.memory_mb} MB = {gb} GB で課金時間は合計 {self.billed_s:.3f} 秒、"
            f"{self.gb_seconds:.4f} GB 秒です。{p.architecture} の定価 1 GB 秒あたり "
            f"${price} で {usd(self.durable.compute_usd)} になります。",
        )

    def verdict(self) -> str:
        """This execution's durable estimate beside a plain blocking Lambda, in words."""
        d, b = self.durable.total_usd, self.blocking.cost_usd
        wall = duration_text(self.wall_clock_s)
        if not self.blocking.possible:
            return tr(
                f"This conversation took {wall}: a plain Lambda could not have waited that "
                f"long (15 minutes at most). The durable estimate is {usd(d)}.",
                f"この会話には {wall}かかりました。通常の Lambda はそこまで待てません "
                f"(最長 15 分)。durable の推定は {usd(d)} です。",
            )
        if b >= d:
            return tr(
                f"This conversation took {wall}: a plain Lambda blocking through it would "
                f"cost {usd(b)}, {self._times(b)} ({usd(d)}).",
                f"この会話には {wall}かかりました。その間ブロックする通常の Lambda なら "
                f"{usd(b)} で、{self._times(b)}です (durable は {usd(d)})。",
            )
        operations = usd(self.durable.operations_usd)
        return tr(
            f"This conversation took {wall}: a plain Lambda blocking through it would cost "
            f"{usd(b)}, less than the durable estimate ({usd(d)}), because the waits were "
            f"short and the durable operations alone cost {operations}.",
            f"この会話には {wall}かかりました。その間ブロックする通常の Lambda なら "
            f"{usd(b)} で、durable の推定 ({usd(d)}) より安くなります。待ち時間が短く、"
            f"durable operation だけで {operations} かかるためです。",
        )

    def _ratio(self) -> str:
        wall = self.wall_clock_s
        if wall <= 0:
            return tr("n/a", "該当なし")
        return tr(
            f"{100 * self.billed_s / wall:.2f} % ({self.billed_s:.1f} s of "
            f"{duration_text(wall)}): nothing is billed while the execution waits",
            f"{100 * self.billed_s / wall:.2f} % (実時間 {duration_text(wall)} のうち "
            f"{self.billed_s:.1f} 秒)。実行が待機している間は課金されません",
        )

    def _times(self, other: float) -> str:
        total = self.durable.total_usd
        if not total or not other:
            return tr("n/a", "該当なし")
        if other >= total:
            return tr(
                f"{other / total:.1f}x the durable estimate",
                f"durable の推定の {other / total:.1f} 倍",
            )
        # Short conversations: the operations charge outweighs a few seconds of blocking.
        return tr(
            f"{total / other:.1f}x cheaper than the durable estimate",
            f"durable の推定の 1/{total / other:.1f}",
        )

    def __str__(self) -> str:
        return self.summary()


@dataclass
class FunctionCost:
    """Billed versus wall-clock for many executions of one function."""

    function_name: str
    executions: list[ExecutionCost]
    parse: ParseReport  # of the whole log group; foreign: records of no listed execution

    def table(self) -> list[dict[str, Any]]:
        """One row per execution (see ``ExecutionCost.row``), oldest first."""
        return [e.row() for e in self.executions]

    def summary(self) -> str:
        rows = self.table()
        if not rows:
            return tr(
                f"{self.function_name}: no durable executions found",
                f"{self.function_name}: durable execution が見つかりません",
            )
        head = [
            tr("execution", "実行"),
            tr("status", "ステータス"),
            tr("wall-clock", "実時間"),
            tr("invocations", "呼び出し"),
            tr("billed", "課金時間"),
            tr("billed %", "課金 %"),
            tr("cost", "費用"),
            tr("blocking Lambda", "ブロックする Lambda"),
        ]
        seconds, over = tr("s", "秒"), tr(" (>15 min!)", " (15 分超!)")
        body = [
            [
                execution_label(r["execution"]),
                r["status"],
                duration_text(r["wall_clock_s"]),
                str(r["invocations"]),
                f"{r['billed_s']:.3f} {seconds}",
                f"{r['billed_pct_of_wall_clock']} %",
                usd(r["cost_usd"]),
                usd(r["blocking_cost_usd"]) + ("" if r["blocking_possible"] else over),
            ]
            for r in rows
        ]
        # Padded by display width: "750 ミリ秒" takes 9 columns, not 7.
        widths = [max(display_width(x) for x in col) for col in zip(head, *body, strict=True)]
        out = ["  ".join(pad(x, w) for x, w in zip(line, widths, strict=True)) for line in body]
        out[:0] = [
            "  ".join(pad(x, w) for x, w in zip(head, widths, strict=True)),
            "  ".join("-" * w for w in widths),
        ]
        total = sum(r["cost_usd"] for r in rows)
        blocking = sum(r["blocking_cost_usd"] for r in rows)
        out += [
            "",
            tr(
                f"{len(rows)} executions: {usd(total)} durable, {usd(blocking)} if a plain "
                f"Lambda had blocked through each conversation",
                f"{len(rows)} 実行: durable で {usd(total)}、通常の Lambda が各会話の間ブロック"
                f"していたら {usd(blocking)}",
            ),
            "",
            self.parse.summary(),
        ]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.summary()
