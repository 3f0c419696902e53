"""Two records side by side, the value that joins them highlighted: notebook 05 shows one
``InvocationCompleted`` event of the history beside the REPORT record the same invocation
wrote to CloudWatch Logs, before ``analyse_execution`` joins all of them by request id."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from ..i18n import tr
from ..mathjax import no_math_html


def _text(record: Any) -> str:
    """A record as a learner reads it: JSON, indented (datetimes as text)."""
    if isinstance(record, str):
        try:
            record = json.loads(record)
        except ValueError:
            # A text-format REPORT line: one field a line.
            return "\n".join(part for part in record.strip().split("\t") if part)
    return json.dumps(record, indent=2, default=str, ensure_ascii=False)


@dataclass(frozen=True)
class SideBySide:
    """Shown as two columns in Jupyter, as two blocks one after the other in plain text;
    ``highlight`` marked wherever it appears in either."""

    left_title: str
    left: str
    right_title: str
    right: str
    highlight: str

    def _column(self, title: str, body: str) -> str:
        # A dollar sign would start MathJax math in JupyterLab: write it as an entity.
        cell = html.escape(body).replace("$", "&#36;")
        if self.highlight:
            mark = html.escape(self.highlight)
            cell = cell.replace(mark, f'<mark style="background:#ffe066">{mark}</mark>')
        return (
            f'<td style="vertical-align:top;text-align:left;width:50%">'
            f"<b>{html.escape(title)}</b>"
            f'<pre style="white-space:pre-wrap;font-size:12px">{cell}</pre></td>'
        )

    def _repr_html_(self) -> str:
        note = html.escape(
            tr(
                f"Highlighted: the request id both carry ({self.highlight}).",
                f"ハイライト: 両方に含まれるリクエスト ID ({self.highlight}) です。",
            )
        )
        return no_math_html(
            '<table style="width:100%;table-layout:fixed"><tr>'
            + self._column(self.left_title, self.left)
            + self._column(self.right_title, self.right)
            + f"</tr></table><p>{note}</p>"
        )

    def __str__(self) -> str:
        mark = f">>{self.highlight}<<"
        parts = []
        for title, body in ((self.left_title, self.left), (self.right_title, self.right)):
            shown = body.replace(self.highlight, mark) if self.highlight else body
            parts.append(f"== {title} ==\n{shown}")
        return "\n\n".join(parts)

    def __repr__(self) -> str:
        return str(self)


def side_by_side(left: tuple[str, Any], right: tuple[str, Any], highlight: str = "") -> SideBySide:
    """``left`` and ``right`` as (title, record): a dict, or a log message (JSON or text)."""
    return SideBySide(left[0], _text(left[1]), right[0], _text(right[1]), highlight)
