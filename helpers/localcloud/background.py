"""One local cloud for a whole notebook series, outliving the kernels that use it.

The first notebook that needs it starts ``python -m helpers.localcloud`` as a detached
process; later notebooks (other kernels, papermill runs, a restarted kernel) find it
through ``localcloud.json`` in the state dir and check that it answers. A lock file makes
two notebooks starting at once agree on one process.

Realism: the process runs the profile ``LOCALCLOUD_REALISM`` names (``fast`` when unset). A
cloud already running with another profile is kept, with a warning on stderr saying how to
switch: other kernels (``make lab``) may be in the middle of a conversation with it, and
stopping it under them would break their cells.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any

from .realism import ENV, profile_named
from .statedir import PRIVATE_UMASK, make_private

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STATE_DIR = REPO_ROOT / ".state" / "localcloud"
# LOCALCLOUD_PORT moves the series' local cloud off 4566 (two checkouts on one machine).
DEFAULT_PORT = int(os.environ.get("LOCALCLOUD_PORT") or 4566)
START_TIMEOUT_S = 30
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class LocalCloudError(RuntimeError):
    """The local cloud could not be started or reached; the message says what to do."""


def command(port: int, state_dir: Path | str, realism: str | None = None) -> list[str]:
    """The command line that runs the local cloud in the foreground (run from REPO_ROOT);
    ``realism`` None leaves the choice to ``LOCALCLOUD_REALISM`` in its environment."""
    return [
        sys.executable,
        "-m",
        "helpers.localcloud",
        "--port",
        str(port),
        "--state-dir",
        str(state_dir),
        *(["--realism", realism] if realism else []),
    ]


def health(endpoint: str) -> dict[str, Any] | None:
    """The local cloud's ``/_localcloud/health`` JSON (status, realism), or None."""
    try:
        with urllib.request.urlopen(f"{endpoint}/_localcloud/health", timeout=2) as reply:
            return dict(json.loads(reply.read())) if reply.status == 200 else None
    except (OSError, ValueError):
        return None


def _healthy(endpoint: str) -> bool:
    return health(endpoint) is not None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def loopback_endpoint(endpoint: object) -> bool:
    """Whether ``endpoint`` is ``http://`` on a loopback host with a port: the only place
    the kit's local cloud ever listens."""
    if not isinstance(endpoint, str):
        return False
    try:
        url = urllib.parse.urlsplit(endpoint)
        port = url.port
    except ValueError:
        return False
    return (
        url.scheme == "http"
        and url.hostname in _LOOPBACK
        and port is not None
        and url.path in ("", "/")
        and not (url.query or url.fragment or url.username or url.password)
    )


def is_local_cloud(pid: int, state_dir: Path, endpoint: str) -> bool:
    """Whether ``pid`` is the kit's local cloud serving ``state_dir``: on Linux its command
    line says so (``helpers.localcloud`` and the state dir); elsewhere, it is alive and
    the endpoint answers as the local cloud does."""
    if pid <= 1 or not _alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self/cmdline").exists():
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        return b"helpers.localcloud" in args and os.fsencode(state_dir) in args
    return _healthy(endpoint)


def trusted_info(state_dir: Path) -> dict[str, Any] | None:
    """``localcloud.json`` of ``state_dir`` if it describes the kit's local cloud: a
    loopback endpoint and the PID of that process. Anything else may have been written by
    another local user to point the kit elsewhere or make `stop` signal another process:
    it is ignored, with a message saying why."""
    info_path = Path(state_dir) / "localcloud.json"
    try:
        info = json.loads(info_path.read_text())
        pid, endpoint = info["pid"], info["endpoint"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(pid, int) or isinstance(pid, bool):
        reason = f"its pid {pid!r} is not a process id"
    elif not loopback_endpoint(endpoint):
        reason = f"its endpoint {endpoint!r} is not http://127.0.0.1:<port> (loopback)"
    elif not _alive(pid):
        return None  # a cloud that has ended: nothing to say
    elif not is_local_cloud(pid, Path(state_dir).resolve(), endpoint):
        reason = f"process {pid} is not the local cloud of {state_dir}"
    else:
        return {"pid": pid, "endpoint": endpoint}
    print(f"warning: ignoring {info_path}: {reason}.", file=sys.stderr)
    return None


def running_endpoint(state_dir: Path = DEFAULT_STATE_DIR) -> str | None:
    """The endpoint of the local cloud serving ``state_dir``, if one answers."""
    info = trusted_info(Path(state_dir))
    if info is not None and _healthy(info["endpoint"]):
        return str(info["endpoint"])
    return None


def ensure_running(state_dir: Path | str = DEFAULT_STATE_DIR, port: int = DEFAULT_PORT) -> str:
    """Return the endpoint of the series' local cloud, starting it in the background if needed."""
    state_dir = Path(state_dir).resolve()
    make_private(state_dir)
    with _private_open(state_dir / "localcloud.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        endpoint = running_endpoint(state_dir)
        wanted = profile_named().name  # LOCALCLOUD_REALISM, checked before anything starts
        if endpoint:
            running = (health(endpoint) or {}).get("realism", "off")
            if running != wanted:
                print(
                    f"warning: the local cloud at {endpoint} runs realism {running!r}, not "
                    f"{wanted!r} ({ENV}). It is kept (other notebooks may use it); to switch, "
                    "stop it (helpers.localcloud.background.stop()) and run this again.",
                    file=sys.stderr,
                )
            return endpoint
        return _start(state_dir, port, wanted)


def _start(state_dir: Path, port: int, realism: str) -> str:
    log_path = state_dir / "localcloud.log"
    with _private_open(log_path, "ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(
            command(port, state_dir, realism),
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # not a child of the kernel: a kernel restart keeps it
            umask=PRIVATE_UMASK,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    endpoint = ""
    while time.monotonic() < deadline and proc.poll() is None and not endpoint:
        time.sleep(0.05)
        with log_path.open("rb") as log:
            log.seek(offset)
            for line in log.read().splitlines():
                if line.startswith(b"ready "):
                    endpoint = line.split()[1].decode()
    if not endpoint:
        proc.kill()
        tail = log_path.read_bytes()[offset:][-800:].decode(errors="replace")
        raise LocalCloudError(
            f"The local cloud did not start on 127.0.0.1:{port}. If the port is taken, stop "
            f"what uses it or choose another one. Its log ({log_path}) ends with:\n{tail}"
        )
    with _private_open(state_dir / "localcloud.json", "w") as info:
        info.write(json.dumps({"pid": proc.pid, "endpoint": endpoint}))
    return endpoint


def _private_open(path: Path, mode: str) -> IO[Any]:
    """``path`` opened with ``mode``, created 0600 if new (the umask of a kernel is not
    the kit's to change)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    return os.fdopen(os.open(path, flags, 0o600), mode)


def stop(state_dir: Path | str = DEFAULT_STATE_DIR, timeout: float = 10) -> bool:
    """Stop the background local cloud of ``state_dir``; True if one was running."""
    info_path = Path(state_dir) / "localcloud.json"
    info = trusted_info(Path(state_dir))
    if info is None:  # ended, or not to be trusted: never signal a PID it names
        info_path.unlink(missing_ok=True)
        return False
    pid = info["pid"]
    os.kill(pid, 15)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
        with contextlib.suppress(ChildProcessError):  # reap it if it is our child
            os.waitpid(pid, os.WNOHANG)
    info_path.unlink(missing_ok=True)
    return True
