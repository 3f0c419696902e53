"""What one notebook leaves for the next: a small JSON file per PREFIX.

Notebook 03 saves the deployed chatbot's names, 04 the execution ARN of its conversation,
05 reads it; each notebook can also be re-run alone, because the file outlives kernels
(unlike ``%store``) and every value in it can be found again or rebuilt. The file is
``.state/workshop/<PREFIX>.json`` in the repository (gitignored); 99 cleanup removes it.

    state.save(PREFIX, function="dfw-chatbot", alias="live")
    state.load(PREFIX)["function"]
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .deploy import validate_prefix

STATE_DIR = Path(__file__).resolve().parents[1] / ".state" / "workshop"


def path(prefix: str, state_dir: Path | None = None) -> Path:
    """The state file of ``prefix``."""
    return Path(state_dir or STATE_DIR) / f"{validate_prefix(prefix)}.json"


def load(prefix: str, state_dir: Path | None = None) -> dict[str, Any]:
    """Everything saved under ``prefix`` so far; {} if nothing (or the file is unreadable)."""
    try:
        data = json.loads(path(prefix, state_dir).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(prefix: str, state_dir: Path | None = None, /, **values: Any) -> dict[str, Any]:
    """Merge ``values`` into the prefix's state (JSON-serialisable); returns the whole state.

    ``prefix`` and ``state_dir`` are positional-only: a ``**mapping`` of values passed in
    can never be taken for them.

    Written to a temporary file and renamed: a crash never leaves half a file.
    """
    data = {**load(prefix, state_dir), **values}
    file = path(prefix, state_dir)
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, file)
    return data


def forget(prefix: str, state_dir: Path | None = None) -> bool:
    """Remove the prefix's state file; True if there was one."""
    file = path(prefix, state_dir)
    existed = file.exists()
    file.unlink(missing_ok=True)
    return existed
