"""DurableConfig and LoggingConfig, kept beside moto, which drops them."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from ..errors import invalid


class LambdaConfigStore:
    """DurableConfig and LoggingConfig per function, kept where moto cannot keep them."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, Any]] = (
            json.loads(path.read_text()) if path.exists() else {}
        )

    def get(self, region: str, name: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._data.get(f"{region}/{name}", {}))

    def put(self, region: str, name: str, values: dict[str, Any]) -> None:
        with self._lock:
            self._data.setdefault(f"{region}/{name}", {}).update(values)
            self._save()

    def drop(self, region: str, name: str) -> None:
        with self._lock:
            if self._data.pop(f"{region}/{name}", None) is not None:
                self._save()

    def _save(self) -> None:
        # Written before the call is answered, replaced atomically: a kill never leaves half.
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._data, indent=1))
        tmp.replace(self._path)


def validate_durable_config(config: Any) -> dict[str, Any]:
    """The DurableConfig of a request, with its defaults, or the error Lambda answers."""
    if not isinstance(config, dict) or "ExecutionTimeout" not in config:
        raise invalid("DurableConfig.ExecutionTimeout is required (1 to 31622400 seconds).")
    timeout = config["ExecutionTimeout"]
    if not isinstance(timeout, int) or not 1 <= timeout <= 31_622_400:
        raise invalid(
            f"DurableConfig.ExecutionTimeout must be 1 to 31622400 seconds, got {timeout!r}."
        )
    retention = config.setdefault("RetentionPeriodInDays", 14)
    if not isinstance(retention, int) or not 1 <= retention <= 90:
        raise invalid(f"DurableConfig.RetentionPeriodInDays must be 1 to 90, got {retention!r}.")
    return config
