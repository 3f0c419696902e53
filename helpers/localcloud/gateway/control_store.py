"""DurableConfig and LoggingConfig, kept beside moto, which drops them."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from ..errors import AwsError, invalid
from .edge import check_logging_config

log = logging.getLogger(__name__)


class LambdaConfigStore:
    """DurableConfig and LoggingConfig per function, kept where moto cannot keep them."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._data = self._load(path)

    @staticmethod
    def _load(path: Path) -> dict[str, dict[str, Any]]:
        """The stored configs, without any an older kit stored unchecked: one bad entry
        (or a file that is no JSON) must not make every ListFunctions fail after a restart."""
        if not path.exists():
            return {}
        try:
            stored = json.loads(path.read_text())
        except (ValueError, RecursionError, UnicodeDecodeError):
            log.warning("%s is not JSON: kept as %s.corrupt, starting empty", path, path.name)
            path.replace(path.with_suffix(".json.corrupt"))
            return {}
        if not isinstance(stored, dict):
            log.warning("%s holds no object: ignored", path)
            return {}
        kept: dict[str, dict[str, Any]] = {}
        for key, entry in stored.items():
            try:
                if not isinstance(entry, dict) or set(entry) - {"LoggingConfig", "DurableConfig"}:
                    raise invalid("not a config entry")
                if "LoggingConfig" in entry:
                    check_logging_config(entry["LoggingConfig"], creating=False)
                if "DurableConfig" in entry:
                    validate_durable_config(dict(entry["DurableConfig"]))
            except (AwsError, TypeError, ValueError) as exc:
                log.warning("lambda-config.json: skipped the bad entry %s (%s)", key, exc)
                continue
            kept[key] = entry
        return kept

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
