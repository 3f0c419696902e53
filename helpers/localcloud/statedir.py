"""The state dir is private: only its owner can read it (0700 folders, 0600 files).

It holds the workshop's functions, objects, messages and logs, which may be anything a
participant put there. A kit from before this rule left it world-readable (0755/0644):
`make_private` tightens what is there at every start, and `PRIVATE_UMASK` keeps what is
created later private too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077  # new files 0600, new folders 0700


def make_private(state_dir: Path) -> None:
    """Create ``state_dir`` if needed and take group and other access off it and everything
    in it (the owner's bits stay: an unpacked executable keeps its x). Symlinks are not
    followed: what they point to is not the state dir's."""
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(state_dir)
    for root, dirs, files in os.walk(state_dir, followlinks=False):
        for name in (*dirs, *files):
            _tighten(Path(root) / name)


def _tighten(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            path.chmod(stat.S_IMODE(mode) & ~0o077)
    except FileNotFoundError:  # removed meanwhile (a worker's temp file)
        pass
