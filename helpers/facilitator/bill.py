"""After the session: what the evening cost, per attendee and for the room, from each
execution's REPORT records and history (the kit's own per-execution analysis, summed),
next to what the same conversations would have cost as plain Lambdas that block while
the person decides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from IPython.display import Markdown

from ..cost import usd
from ..i18n import tr
from ..show import table
from ..target import Target
from .reading import AttendeeState, read_room
from .room import Room

PARTS = ("compute", "requests", "operations", "data_written", "retention")


@dataclass(frozen=True)
class Line:
    """One attendee's bill (or the room's, summed)."""

    who: str
    executions: int
    compute: float
    requests: float
    operations: float
    data_written: float
    retention: float
    blocking: float
    missing_reports: int

    @property
    def total(self) -> float:
        return self.compute + self.requests + self.operations + self.data_written + self.retention

    @classmethod
    def of(cls, state: AttendeeState) -> Line:
        costs = state.costs
        return cls(
            who=state.prefix,
            executions=len(costs),
            compute=sum(c.durable.compute_usd for c in costs),
            requests=sum(c.durable.requests_usd for c in costs),
            operations=sum(c.durable.operations_usd for c in costs),
            data_written=sum(c.durable.data_written_usd for c in costs),
            retention=sum(c.durable.data_retained_usd for c in costs),
            blocking=sum(c.blocking.cost_usd for c in costs),
            missing_reports=state.missing_reports,
        )

    def row(self) -> dict[str, Any]:
        return dict(
            zip(
                bill_columns(),
                [
                    self.who,
                    self.executions,
                    usd(self.compute),
                    usd(self.requests),
                    usd(self.operations),
                    usd(self.data_written + self.retention),
                    usd(self.total),
                    usd(self.blocking),
                    self.missing_reports,
                ],
                strict=True,
            )
        )


def bill_columns() -> list[str]:
    return [
        tr("attendee", "参加者"),
        tr("executions", "実行数"),
        tr("compute", "コンピューティング"),
        tr("requests", "リクエスト"),
        tr("durable operations", "durable オペレーション"),
        tr("data written + retention", "データ書き込み + 保持"),
        tr("durable total", "durable 合計"),
        tr("blocking Lambda", "待ち続ける Lambda"),
        tr("REPORT missing", "REPORT 未着"),
    ]


@dataclass(frozen=True)
class RoomBill:
    room: str
    lines: list[Line]

    @property
    def total(self) -> Line:
        return Line(
            who=tr(f"room {self.room}", f"ルーム {self.room}"),
            executions=sum(x.executions for x in self.lines),
            compute=sum(x.compute for x in self.lines),
            requests=sum(x.requests for x in self.lines),
            operations=sum(x.operations for x in self.lines),
            data_written=sum(x.data_written for x in self.lines),
            retention=sum(x.retention for x in self.lines),
            blocking=sum(x.blocking for x in self.lines),
            missing_reports=sum(x.missing_reports for x in self.lines),
        )

    def table(self) -> Markdown:
        return table([x.row() for x in [*self.lines, self.total]], bill_columns())

    def summary(self) -> str:
        t = self.total
        text = tr(
            f"Room {self.room}: {t.executions} executions of {len(self.lines)} attendee(s) "
            f"cost {usd(t.total)} as durable functions (compute {usd(t.compute)}, requests "
            f"{usd(t.requests)}, durable operations {usd(t.operations)}, checkpoint data "
            f"{usd(t.data_written)} written + {usd(t.retention)} retained); as plain Lambdas "
            f"blocking through each conversation they would have cost {usd(t.blocking)}.",
            f"ルーム {self.room}: 参加者 {len(self.lines)} 名の {t.executions} 件の実行は、"
            f"durable functions で {usd(t.total)} でした(コンピューティング {usd(t.compute)}、"
            f"リクエスト {usd(t.requests)}、durable オペレーション {usd(t.operations)}、"
            f"チェックポイントデータ 書き込み {usd(t.data_written)} + 保持 {usd(t.retention)})。"
            f"会話のあいだ待ち続ける通常の Lambda なら {usd(t.blocking)} でした。",
        )
        if t.missing_reports:
            text += tr(
                f" {t.missing_reports} invocation(s) have no REPORT record yet and are left "
                "out: run this cell again in a minute.",
                f" {t.missing_reports} 件の呼び出しは REPORT レコードがまだ届いていないため"
                "含めていません。1 分後にこのセルをもう一度実行してください。",
            )
        return text


def room_bill(target: Target, room: Room) -> RoomBill:
    """The room's bill, read now (see ``reading.read_room``): printed in a sentence and
    shown as a table, one row per attendee and the room's total last."""
    from IPython.display import display

    bill = RoomBill(room.name, [Line.of(s) for s in read_room(target, room)])
    print(bill.summary())
    display(bill.table())
    return bill
