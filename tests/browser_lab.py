"""A real JupyterLab and Debian's Chromium, for the tests that look at notebooks in a
browser (tests/test_browser.py, tests/test_browser_render.py), and the notebooks they run
headless first (``notebooks_run``).

``running_lab`` starts JupyterLab on 127.0.0.1 with a token, every Jupyter dir it writes
under a temporary home, and stops it (its kernels with it) however the test ended; a test
module's own ``lab`` fixture starts it on what that module serves. The ``browser`` fixture
is Debian's Chromium driven by Playwright for Python (the system browser: no browser
download), once the module's ``lab`` is up.
(Not named jupyterlab.py: tests/ is on sys.path, and that would shadow the real package.)
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import papermill
import pytest

from helpers import state
from helpers.localcloud import LocalCloud

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHROMIUM = Path("/usr/bin/chromium")
# As the machine probe ran it: without the background-networking flags Chromium keeps
# dialling Google's hosts, which this closed network refuses. Playwright gives every
# launch a fresh temporary profile (it rejects --user-data-dir in args).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_S = 60
# No news or update toasts over the page (they would also try the closed network).
NO_NEWS = {"apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}}


def browser_or_skip() -> None:
    """CI must run the browser tests: a missing browser fails there and skips only on a
    laptop."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[dev]')")
    if not missing:
        return
    reason = "real-browser test needs " + " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run installs it in CI", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def notebooks_run(
    cloud: LocalCloud, out: Path, prefix: str, names: list[str], **parameters: Any
) -> Iterator[None]:
    """The notebooks ``names`` run headless by papermill into ``out``, as ``make workshop``
    runs them, against ``cloud`` under ``prefix`` (``parameters``: more of theirs).
    AWS_ENDPOINT_URL stays set until the end (the kernels inherit it); the prefix's state
    file is removed then."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
        try:
            for name in names:
                papermill.execute_notebook(
                    str(NOTEBOOKS / f"{name}.ipynb"),
                    str(out / f"{name}.ipynb"),
                    cwd=str(NOTEBOOKS),
                    progress_bar=False,
                    parameters={
                        "TARGET": "local",
                        "REGION": cloud.region,
                        "PREFIX": prefix,
                        "OUTPUT_DIR": str(out),
                        **parameters,
                    },
                    extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                )
            yield
        finally:
            state.forget(prefix)


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    log: Path
    root: Path  # the server's root_dir: notebooks are opened relative to it

    def open_url(self, notebook: Path) -> str:
        # reset: the default layout every time, not what an earlier test left in the workspace
        relative = notebook.relative_to(self.root).as_posix()
        return f"{self.url}/lab/tree/{relative}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method == "POST" else None,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def jupyter_env(home: Path, **extra: str) -> dict[str, str]:
    """This environment with every Jupyter dir under ``home`` (and ``extra`` set)."""
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        **extra,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_settings(settings_dir: Path, settings: Mapping[str, Mapping[str, Any]]) -> None:
    """``{"<extension>/<plugin>": {setting: value}}`` as JupyterLab's user settings."""
    for plugin, values in settings.items():
        extension, name = plugin.split("/")
        folder = settings_dir / "@jupyterlab" / extension
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(dict(values)))


@contextlib.contextmanager
def running_lab(
    root: Path,
    home: Path,
    settings: Mapping[str, Mapping[str, Any]] = NO_NEWS,
    **extra_env: str,
) -> Iterator[Lab]:
    """JupyterLab serving ``root``, its Jupyter dirs, ``settings`` (the user's) and log
    under ``home``, in ``jupyter_env(home, **extra_env)``."""
    env = jupyter_env(home, **extra_env)
    _write_settings(home / "lab-settings", settings)
    port, token = _free_port(), secrets.token_hex(16)
    log = home / "lab.log"
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=",
        "--LabApp.extension_manager=readonly",  # no PyPI look-ups from the server
        "--ServerApp.terminals_enabled=False",
        "--allow-root",  # CI runs as root
    ]  # fmt: skip
    with log.open("wb") as out:
        # Its own session: if shutdown hangs, the group (server and kernels) is killed.
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    server = Lab(f"http://127.0.0.1:{port}", token, log, root)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited {process.returncode}:\n{server.log_tail()}")
            try:
                server.api("/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab not up in {SERVER_START_S} s:\n{server.log_tail()}")
                time.sleep(0.25)
        yield server
    finally:
        _stop_lab(server, process)


def _stop_lab(server: Lab, process: subprocess.Popen[bytes]) -> None:
    try:  # the server's own shutdown also ends its kernels
        server.api("/api/shutdown", method="POST")
        process.wait(timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        pass
    if process.poll() is None or _group_alive(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


# Named apart from its fixture name: a test module imports it (noqa F401) and then takes
# ``browser`` as an argument without shadowing the import.
@pytest.fixture(scope="module", name="browser")
def browser_fixture(lab: Lab) -> Iterator[Any]:
    """Chromium for the module, launched once the module's own ``lab`` fixture is up."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()
