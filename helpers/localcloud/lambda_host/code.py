"""A function version's code and environment, as its execution environment sees them."""

from __future__ import annotations

import io
import os
import shutil
import threading
import zipfile
from pathlib import Path, PurePosixPath

from ..errors import AwsError
from .function import FunctionVersion

# Lambda quota "Deployment package (.zip file archive) size: 250 MB unzipped"
# (Lambda quotas page); CreateFunction/UpdateFunctionCode answer with this error.
MAX_UNZIPPED = 262_144_000
_CHUNK = 1 << 20


def _too_big() -> AwsError:
    return AwsError(
        400,
        "InvalidParameterValueException",
        f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes",
    )


def _not_a_zip() -> AwsError:
    return AwsError(
        400,
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )


def check_zip(data: bytes) -> None:
    """CreateFunction/UpdateFunctionCode's check of a ZipFile, as Lambda makes it: a zip
    it can read, whose unzipped size (from its headers) is within the quota."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _not_a_zip() from exc
    if total > MAX_UNZIPPED:
        raise _too_big()


def _member_path(root: Path, name: str) -> Path | None:
    """Where a member goes: inside ``root`` whatever its name says (no absolute paths,
    no ``..``); None for a name that is only a folder marker or empty."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("/", ".", "..")]
    return root.joinpath(*parts) if parts else None


def unpack(data: bytes, target: Path, limit: int = MAX_UNZIPPED) -> None:
    """Unpack a zip into ``target``, counting the bytes actually written: headers can lie,
    so the limit holds while unpacking, not only before."""
    check_zip(data)
    try:
        _extract(data, target, limit)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:  # a bad CRC: it lied
        raise _not_a_zip() from exc


def _extract(data: bytes, target: Path, limit: int) -> None:
    written = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            dest = _member_path(target, info.filename)
            if dest is None:
                continue
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, dest.open("wb") as out:
                while chunk := src.read(_CHUNK):
                    written += len(chunk)
                    if written > limit:
                        raise _too_big()
                    out.write(chunk)


class CodeStore:
    """Deployed zips unpacked under ``root``, once per code hash, each under its own lock
    (a slow unpack holds up only the cold starts of that same code)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()  # guards the two maps below only
        self._locks: dict[Path, threading.Lock] = {}
        self._users: dict[Path, set[tuple[str, str, str]]] = {}

    def _target(self, code_sha: str) -> Path:
        return self._root / code_sha.replace("/", "_").replace("+", "-")

    def _lock_of(self, target: Path) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(target, threading.Lock())

    def unpacked(self, fn: FunctionVersion) -> Path:
        """The directory holding ``fn``'s code (unpacked now if it is not yet)."""
        target = self._target(fn.code_sha)
        with self._lock:
            self._users.setdefault(target, set()).add((fn.region, fn.name, fn.version))
        with self._lock_of(target):
            if not target.exists():
                partial = target.with_suffix(".partial")
                shutil.rmtree(partial, ignore_errors=True)
                try:
                    unpack(fn.code, partial)
                except BaseException:
                    shutil.rmtree(partial, ignore_errors=True)
                    raise
                partial.rename(target)
        return target

    def forget(self, region: str, name: str) -> None:
        """DeleteFunction: remove the code no remaining version uses."""
        with self._lock:
            unused = []
            for target, users in self._users.items():
                users -= {u for u in users if u[0] == region and u[1] == name}
                if not users:
                    unused.append(target)
            for target in unused:
                del self._users[target]
        for target in unused:
            with self._lock_of(target):
                shutil.rmtree(target, ignore_errors=True)


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
