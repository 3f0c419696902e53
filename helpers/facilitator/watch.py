"""During the session: the room at a glance. One row per attendee (which notebooks'
resources exist, executions running and waiting for approval, the last error in their
functions' logs, what their executions have cost so far), as a static table or as a
widget refreshed on a timer in a live kernel; and the room's progress over time as a plot.
"""

from __future__ import annotations

import html
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from IPython.display import Markdown
from matplotlib.ticker import MaxNLocator

from ..cost import usd
from ..deploy import redact_account
from ..i18n import tr
from ..plots import finish_figure, new_figure
from ..show import table
from ..target import Target
from .reading import AttendeeState, read_room
from .room import Room

PLOT_FILE = "90-room-progress.png"
PROGRESS_FILE = "90-room-progress.jsonl"  # one reading a line: the plot's points


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
    states: list[AttendeeState] = field(default_factory=list)

    def counts(self) -> tuple[int, int, int]:
        return self.deployed, self.waiting, self.finished


@dataclass
class RoomWatch:
    """Reads the room on demand (``refresh``) and keeps every reading, for the plot; with
    an ``output_dir``, also in a file there (``PROGRESS_FILE``), so that headless watch
    runs through the evening add up to one plot."""

    target: Target
    room: Room
    output_dir: Path | str | None = None
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
        if self.output_dir is not None:
            path = Path(self.output_dir) / PROGRESS_FILE
            path.parent.mkdir(parents=True, exist_ok=True)
            reading = {"room": self.room.name, "at": snapshot.at, "counts": snapshot.counts()}
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(reading) + "\n")
        return snapshot

    def readings(self) -> list[Snapshot]:
        """Every reading of this room: the file's (earlier runs too), else this watch's."""
        path = Path(self.output_dir) / PROGRESS_FILE if self.output_dir is not None else None
        if path is None or not path.exists():
            return self.snapshots or [self.latest]
        found = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                reading = json.loads(line)
                if reading["room"] == self.room.name:
                    deployed, waiting, finished = (int(n) for n in reading["counts"])
                    found.append(Snapshot(float(reading["at"]), deployed, waiting, finished))
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a kernel stopped mid-write
        return sorted(found, key=lambda s: s.at) or self.snapshots or [self.latest]

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

    def plot(self, output_dir: Path | str | None = None, filename: str = PLOT_FILE) -> Any:
        """The room's progress over every reading (``readings``), saved as PNG in
        ``output_dir`` (default: the watch's)."""
        fig, (ax,) = new_figure((7.0, 3.2))
        shots = self.readings()
        start = shots[0].at
        minutes = [(s.at - start) / 60 for s in shots]
        # English on both languages: matplotlib's bundled fonts have no Japanese glyphs
        # (they would show as boxes), as in the series' other plots.
        for index, label in enumerate(
            ("deployed the chatbot (03)", "waiting for approval", "finished a conversation")
        ):
            ax.plot(minutes, [s.counts()[index] for s in shots], marker="o", label=label)
        ax.set_xlabel("minutes since the first reading")
        ax.set_ylabel("attendees")
        ax.set_xlim(-0.5, max(5.0, minutes[-1] * 1.05))
        ax.set_ylim(0, len(self.room.attendees) + 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"Room {self.room.name}: progress ({len(shots)} readings)")
        ax.legend(loc="upper left", fontsize="small")
        return finish_figure(
            fig, output_dir if output_dir is not None else self.output_dir, filename
        )


def watch_room(
    target: Target, room: Room, output_dir: Path | str | None = None, refresh_s: float = 0
) -> RoomWatch:
    """Read the room once: print its headline, show its table and the progress plot over
    every reading so far (saved as PNG in ``output_dir``, the readings too); with
    ``refresh_s`` > 0, also a widget read again every ``refresh_s`` seconds while the kernel
    lives. Returns the watch (``refresh``, ``plot``)."""
    from IPython.display import display

    watch = RoomWatch(target, room, output_dir)
    watch.refresh()
    print(watch.headline())
    display(watch.table())
    display(watch.plot())
    if refresh_s and refresh_s > 0:
        display(watch.live(refresh_s))
    return watch
