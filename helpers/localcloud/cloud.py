"""The local cloud, assembled: moto, the durable runner and the Lambda host behind one gateway.

``LocalCloud(state_dir).start()`` runs it in this process (tests use that); ``python -m
helpers.localcloud`` runs it in the foreground; ``background.ensure_running`` keeps one
process for a whole notebook series.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .gateway import Gateway
from .lambda_host import LambdaHost
from .realism import Realism, profile_named
from .runner import DurableService
from .statedir import PRIVATE_UMASK, make_private

log = logging.getLogger(__name__)
DEFAULT_REGION = "us-east-1"
# Any credentials do for moto; fixed ones keep the kit's own clients self-contained.
LOCAL_CREDENTIALS = {"aws_access_key_id": "localcloud", "aws_secret_access_key": "localcloud"}


def local_client(service: str, endpoint: str, region: str = DEFAULT_REGION, **kwargs: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        config=Config(retries={"max_attempts": 2}),
        **LOCAL_CREDENTIALS,
        **kwargs,
    )


class _QuietHandler(WSGIRequestHandler):
    # One access-log line per checkpoint would drown the state dir's log; errors still log.
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class LocalCloud:
    """A running local cloud: ``endpoint`` to point boto3 at, ``stop()`` to end it."""

    def __init__(
        self,
        state_dir: Path | str,
        port: int = 0,
        region: str = DEFAULT_REGION,
        realism: str | None = None,
    ) -> None:
        """``realism``: "fast", "aws" or "off" (helpers/localcloud/realism/); None reads
        ``LOCALCLOUD_REALISM``, else "fast"."""
        self.state_dir = Path(state_dir).resolve()
        self.port = port
        self.region = region
        self.realism = Realism(profile_named(realism))
        self.endpoint = ""
        self._server: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._logs_clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._umask: int | None = None

    def start(self) -> LocalCloud:
        from .journal import MotoState  # imports moto: after the env it needs is set

        # The runner's own Lambda client uses the default credential chain; any key will do.
        os.environ.setdefault("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
        # Bind before anything else: a busy port fails fast, before the replay touches the
        # state dir; and werkzeug answers a bind error with sys.exit(1), where the CLI and
        # in-process callers (notebooks, tests) need the OSError, so the socket is ours.
        listener = socket.create_server(("127.0.0.1", self.port))
        # Private before anything is written; the umask is process-wide while it serves
        # (the journal, the runner's store and the host's code all write here).
        make_private(self.state_dir)
        self._umask = os.umask(PRIVATE_UMASK)
        try:
            self.moto = MotoState(self.state_dir)
            self.moto.replay()
            # Served before the runner and the host start: they need the endpoint.
            self._server = make_server(
                "127.0.0.1",
                listener.getsockname()[1],
                app=None,  # type: ignore[arg-type]
                threaded=True,
                request_handler=_QuietHandler,
                fd=listener.fileno(),
            )
        finally:
            listener.close()  # the server holds its own duplicate of the socket
        self.port = self._server.port  # server_port is only set when werkzeug binds
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.durable = DurableService(self.state_dir, self.endpoint, self.region)
        self.gateway = Gateway(
            self.state_dir, self.realism.around_moto(self.moto.app), self.durable.port, self.region
        )
        self.gateway.realism = self.realism
        self.gateway.delete_execution = self.durable.delete_execution
        self._server.app = self.gateway
        self.host = LambdaHost(
            self.state_dir,
            self.endpoint,
            self.gateway.resolve,
            self._logs_client,
            self.realism.log_delay,
        )
        self.gateway.host = self.host
        self._spawn(self.durable.serve_forever, "durable-runner")
        self._spawn(self._server.serve_forever, "gateway")
        self.durable.recover()
        return self

    def _logs_client(self, region: str) -> Any:
        """CloudWatch Logs in ``region``: each function's records go to its own Region."""
        with self._clients_lock:
            if region not in self._logs_clients:
                self._logs_clients[region] = local_client("logs", self.endpoint, region)
            return self._logs_clients[region]

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for this local cloud."""
        return local_client(service, self.endpoint, self.region, **kwargs)

    def stop(self) -> None:
        if self._server is None:
            return
        # The host first: its log shipper delivers the last REPORT records through the
        # gateway, so that must still serve (stopping it first lost them).
        self.host.stop()
        self._server.shutdown()
        self.durable.stop()
        self._server.server_close()
        self._server = None
        self.moto.close()  # the journal file
        for thread in self._threads:
            thread.join(timeout=5)
        if self._umask is not None:
            os.umask(self._umask)
            self._umask = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def memory_mb(self) -> float:
        """Resident memory of this process and its warm workers, in MB."""
        pids = [os.getpid(), *self.host.pool.pids()]
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024
