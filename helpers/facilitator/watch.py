"""During the session: the room at a glance. One row per attendee (which notebooks'
resources exist, executions running and waiting for approval, the last error in their
functions' logs, what their executions have cost so far), as a static table or as a
widget refreshed on a timer in a live kernel; and the room's progress over time as a plot.
"""

from __future__ import annotations

import html
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from IPython.display import Markdown

from ..cost import usd
from ..deploy import redact_account
from ..i18n import tr
from ..plots import finish_figure, new_figure
from ..show import table
from ..target import Target
from .reading import AttendeeState, read_room
from .room import Room

PLOT_FILE = "90-room-progress.png"


def columns() -> list[str]:
    return [
        tr("attendee", "参加者"),
        tr("notebooks", "ノートブック"),
        tr("running", "実行中"),
        tr("waiting for approval", "承認待ち"),
        tr("succeeded", "成功"),
        tr("failed", "失敗"),
        tr("cost so far", "これまでのコスト"),
        tr("last error", "最後のエラー"),
    ]


def row_of(state: AttendeeState) -> dict[str, Any]:
    failed = sum(n for s, n in state.statuses.items() if s in ("FAILED", "TIMED_OUT"))
    cost = usd(state.cost_usd) + (
        tr(f" ({state.missing_reports} REPORT missing)", f"(REPORT {state.missing_reports} 件未着)")
        if state.missing_reports
        else ""
    )
    values = [
        state.prefix,
        " ".join(state.notebooks) or "-",
        state.running,
        state.waiting,
        state.succeeded,
        failed,
        cost,
        state.last_error or "",
    ]
    return dict(zip(columns(), values, strict=True))


@dataclass
class Snapshot:
    at: float
    deployed: int  # attendees whose chatbot (03) exists
    waiting: int  # attendees with an execution waiting for approval
    finished: int  # attendees with a succeeded conversation
    states: list[AttendeeState]


@dataclass
class RoomWatch:
    """Reads the room on demand (``refresh``) and keeps every reading, for the plot."""

    target: Target
    room: Room
    snapshots: list[Snapshot] = field(default_factory=list)
    _timer: threading.Event | None = field(default=None, repr=False)

    def refresh(self) -> Snapshot:
        states = read_room(self.target, self.room)
        snapshot = Snapshot(
            at=time.time(),
            deployed=sum(1 for s in states if "03" in s.notebooks),
            waiting=sum(1 for s in states if s.waiting),
            finished=sum(1 for s in states if s.succeeded),
            states=states,
        )
        self.snapshots.append(snapshot)
        return snapshot

    @property
    def latest(self) -> Snapshot:
        return self.snapshots[-1] if self.snapshots else self.refresh()

    def rows(self) -> list[dict[str, Any]]:
        return [row_of(s) for s in self.latest.states]

    def headline(self) -> str:
        s = self.latest
        total = len(s.states)
        cost = usd(sum(a.cost_usd for a in s.states))
        return tr(
            f"{time.strftime('%H:%M:%S', time.localtime(s.at))}: {s.deployed} of {total} "
            f"deployed the chatbot, {s.waiting} waiting for approval, {s.finished} finished "
            f"a conversation; {cost} so far",
            f"{time.strftime('%H:%M:%S', time.localtime(s.at))}: {total} 名中 {s.deployed} 名"
            f"がチャットボットをデプロイ、{s.waiting} 名が承認待ち、{s.finished} 名が会話を"
            f"完了。これまでのコスト {cost}",
        )

    def table(self) -> Markdown:
        """The latest reading as a static table (what a headless run shows)."""
        return table(self.rows(), columns())

    def html(self) -> str:
        """The latest reading as an HTML table, for the widget (no MathJax on the "$")."""
        rows = self.rows()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns())
        body = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(redact_account(str(r[c])))}</td>" for c in columns())
            + "</tr>"
            for r in rows
        )
        return (
            f'<div class="tex2jax_ignore mathjax_ignore"><p>{html.escape(self.headline())}</p>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )

    def live(self, every_s: float = 30.0) -> Any:
        """An ipywidgets HTML table, read again every ``every_s`` seconds in the background
        while the kernel lives (``stop()`` ends it); returns the widget to display."""
        import ipywidgets as widgets

        view = widgets.HTML(value=self.html())
        self.stop()
        stopped = self._timer = threading.Event()

        def loop() -> None:
            while not stopped.wait(every_s):
                try:
                    self.refresh()
                    view.value = self.html()
                except Exception as exc:  # a failed reading must not end the watch
                    view.value = (
                        self.html()
                        + f"<p>{html.escape(tr('read failed: ', '読み取り失敗: ') + str(exc))}</p>"
                    )

        threading.Thread(target=loop, daemon=True, name="room-watch").start()
        return view

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.set()
            self._timer = None

    def plot(self, output_dir: Path | str | None, filename: str = PLOT_FILE) -> Any:
        """The room's progress over the readings so far, saved as PNG."""
        fig, (ax,) = new_figure((7.0, 3.2))
        shots = self.snapshots or [self.latest]
        start = shots[0].at
        minutes = [(s.at - start) / 60 for s in shots]
        # English on both languages: matplotlib's bundled fonts have no Japanese glyphs
        # (they would show as boxes), as in the series' other plots.
        for label, values in (
            ("deployed the chatbot (03)", [s.deployed for s in shots]),
            ("waiting for approval", [s.waiting for s in shots]),
            ("finished a conversation", [s.finished for s in shots]),
        ):
            ax.plot(minutes, values, marker="o", label=label)
        ax.set_xlabel("minutes since the first reading")
        ax.set_ylabel("attendees")
        ax.set_ylim(0, max(1, len(shots[-1].states)) + 0.5)
        ax.set_title(f"Room {self.room.name}: progress")
        ax.legend(loc="upper left", fontsize="small")
        return finish_figure(fig, output_dir, filename)


def watch_room(
    target: Target, room: Room, output_dir: Path | str | None = None, refresh_s: float = 0
) -> RoomWatch:
    """Read the room once: print its headline, show its table and the progress plot (saved
    as PNG in ``output_dir``); with ``refresh_s`` > 0, also a widget read again every
    ``refresh_s`` seconds while the kernel lives. Returns the watch (``refresh``, ``plot``)."""
    from IPython.display import display

    watch = RoomWatch(target, room)
    watch.refresh()
    print(watch.headline())
    display(watch.table())
    display(watch.plot(output_dir))
    if refresh_s and refresh_s > 0:
        display(watch.live(refresh_s))
    return watch
