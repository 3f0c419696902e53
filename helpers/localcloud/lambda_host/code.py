"""A function version's code and environment, as its execution environment sees them."""

from __future__ import annotations

import io
import os
import shutil
import threading
import zipfile
from pathlib import Path

from ..errors import AwsError
from .function import FunctionVersion


class CodeStore:
    """Deployed zips unpacked under ``root``, once per code hash."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()

    def unpacked(self, fn: FunctionVersion) -> Path:
        """The directory holding ``fn``'s code (unpacked now if it is not yet)."""
        target = self._root / fn.code_sha.replace("/", "_").replace("+", "-")
        with self._lock:
            if not target.exists():
                partial = target.with_suffix(".partial")
                shutil.rmtree(partial, ignore_errors=True)
                try:
                    with zipfile.ZipFile(io.BytesIO(fn.code)) as archive:
                        archive.extractall(partial)
                except zipfile.BadZipFile as exc:
                    raise AwsError(
                        400,
                        "InvalidZipFileException",
                        f"Could not unzip uploaded file of {fn.name}.",
                    ) from exc
                partial.rename(target)
        return target


def lambda_environment(
    fn: FunctionVersion, code_dir: Path, stream: str, endpoint: str
) -> dict[str, str]:
    """The worker's environment variables: the function's own, and those Lambda sets."""
    env = dict(fn.environment)
    env.update(
        {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_VERSION": fn.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": fn.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_LAMBDA_LOG_FORMAT": fn.log_format,
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": fn.handler,
            # The function's own AWS calls (checkpoints included) reach the local cloud.
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "localcloud",
            "AWS_SECRET_ACCESS_KEY": "localcloud",
            "AWS_SESSION_TOKEN": "localcloud",
        }
    )
    return env
