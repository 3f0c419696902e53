"""What every part of the gateway shares: moto, the runner, the stored configs, the host."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from ..lambda_host import LambdaHost
from ..realism import Realism
from .control_store import LambdaConfigStore
from .runner_client import RunnerClient


class GatewayBase:
    """The state the gateway's parts (control_plane, durable_apis, invoke) work on."""

    def __init__(
        self,
        state_dir: Path,
        moto_app: Callable[..., Iterable[bytes]],
        runner_port: int,
        region: str,
    ) -> None:
        self.moto = moto_app
        self.runner = RunnerClient(runner_port)
        self.region = region
        self.configs = LambdaConfigStore(state_dir / "lambda-config.json")
        self.host: LambdaHost | None = None  # set by LocalCloud once the endpoint is known
        self.realism: Realism | None = None  # AWS's delays and quotas (helpers/localcloud/realism/)
        self.start_lock = threading.Lock()
        # Removes a finished execution from the runner's store (the runner has no route).
        self.delete_execution: Callable[[str], bool] | None = None
