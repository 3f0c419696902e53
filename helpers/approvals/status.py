"""Status lines: every event and failure of the approval flow is one line, never a traceback."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from botocore.exceptions import ClientError

Level = Literal["info", "ok", "warn", "error"]


@dataclass
class StatusLine:
    """One line of the panel's log; a line said again counts its repeats."""

    level: Level
    text: str
    at: float = field(default_factory=time.time)
    repeats: int = 1

    def __str__(self) -> str:
        mark = {"info": "·", "ok": "✓", "warn": "!", "error": "✗"}[self.level]
        more = f" (×{self.repeats})" if self.repeats > 1 else ""
        return f"{mark} {self.text}{more}"


def error_code(exc: Exception) -> str:
    """An AWS error's code (``ClientError``), else the exception's type name."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


def error_text(exc: Exception) -> str:
    """An exception in one line: ``Code: message``."""
    if isinstance(exc, ClientError):
        message = exc.response.get("Error", {}).get("Message", "")
        return f"{error_code(exc)}: {message}" if message else error_code(exc)
    return f"{type(exc).__name__}: {exc}"


def clip(text: str, limit: int = 120) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
