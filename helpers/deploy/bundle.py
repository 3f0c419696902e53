"""The deployment zip: ``lambda_fn/`` plus the durable SDK and boto3, cached by its inputs.

The python3.13 runtime carries an SDK and a boto3 of its own that can be older than the
ones the kit is written for, so the zip bundles pinned versions (as AWS recommends).
They are installed once per pin set with ``pip install --target`` for the Lambda
platform into ``.build/deps-<key>/``; the zip itself is rebuilt only when its inputs
change (the ``lambda_fn`` sources and the pins), so a second build is instant. The zip is
byte-for-byte reproducible, so the same inputs always give the same ``CodeSha256``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import tr

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "lambda_fn"
BUILD_DIR = ROOT / ".build"
RUNTIME = "python3.13"
# What the zip bundles, pinned: the versions the kit is tested with.
BUNDLED = ("aws-durable-execution-sdk-python==3.0.0", "boto3==1.44.8")
# Wheels for Lambda's platform and Python, not for whatever Python runs this notebook.
PIP_PLATFORM = (
    "--platform",
    "manylinux2014_x86_64",
    "--implementation",
    "cp",
    "--python-version",
    RUNTIME.removeprefix("python"),
    "--only-binary=:all:",
)
ARCHITECTURE = "x86_64"  # matches PIP_PLATFORM
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024  # CreateFunction's ZipFile; larger goes through S3
_FORMAT = "bundle-v1"  # bump when the zip layout below changes
_SKIP_DIRS = {"__pycache__", "bin", ".pytest_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: same inputs, same bytes


@dataclass(frozen=True)
class Bundle:
    """A built deployment zip (its bytes kept: a later build may replace the file)."""

    path: Path
    key: str  # hash of the inputs
    data: bytes = field(repr=False)
    code_sha256: str  # as Lambda reports it: base64 of the SHA-256 of the zip
    cached: bool
    seconds: float

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self) -> bytes:
        return self.data

    def __str__(self) -> str:
        if self.cached:
            how = tr("cached", "キャッシュを使用")
        else:
            how = tr(f"built in {self.seconds:.1f} s", f"{self.seconds:.1f} 秒でビルドしました")
        size, key = f"{self.size / 1e6:.1f} MB", self.key[:12]
        return f"zip {self.path.name}: {how}" + tr(
            f" ({size}, inputs {key})", f"（{size}、入力 {key}）"
        )


def code_sha256(data: bytes) -> str:
    """What Lambda reports as a zip's ``CodeSha256``: base64 of its SHA-256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    """(path inside root, file) for what goes in the zip, sorted, caches left out."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.endswith(".partial")]
        for filename in filenames:
            if filename.endswith(_SKIP_SUFFIXES) or filename == ".DS_Store":
                continue
            path = Path(dirpath, filename)
            found.append((path.relative_to(root).as_posix(), path))
    return iter(sorted(found))


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def deps_key(requirements: tuple[str, ...] = BUNDLED) -> str:
    return _digest(_FORMAT, *requirements, *PIP_PLATFORM)[:16]


def inputs_key(source: Path = SOURCE, requirements: tuple[str, ...] = BUNDLED) -> str:
    """The hash the cache is keyed on: the sources (paths and contents) and the pins."""
    parts: list[str | bytes] = [deps_key(requirements), source.name]
    for rel, path in _files(source):
        parts += [rel, hashlib.sha256(path.read_bytes()).digest()]
    return _digest(*parts)


def install_deps(requirements: tuple[str, ...] = BUNDLED, build_dir: Path = BUILD_DIR) -> Path:
    """The pinned packages for the Lambda platform, installed once per pin set."""
    target = build_dir / f"deps-{deps_key(requirements)}"
    if target.is_dir():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(partial),
        *PIP_PLATFORM,
        *requirements,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise RuntimeError(
            f"pip could not install {', '.join(requirements)} for {RUNTIME}:\n"
            f"{done.stderr.strip()[-2000:]}"
        )
    partial.rename(target)  # only a complete install ever carries the final name
    return target


def _write_zip(path: Path, deps: Path, source: Path) -> None:
    tmp = path.with_name(path.name + ".partial")
    entries = [(rel, file) for rel, file in _files(deps)]
    # The package directory at the zip root, so the handler is "<package>.app.handler".
    entries += [(f"{source.name}/{rel}", file) for rel, file in _files(source)]
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for arcname, file in sorted(entries):
            info = zipfile.ZipInfo(arcname, _ZIP_DATE)
            info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
    os.replace(tmp, path)


def build_zip(
    source: Path = SOURCE,
    build_dir: Path = BUILD_DIR,
    requirements: tuple[str, ...] = BUNDLED,
    quiet: bool = False,
) -> Bundle:
    """The deployment zip of ``source`` with ``requirements`` bundled, rebuilt only when
    its inputs changed. Prints one line: built or cached, size, inputs hash."""
    started = time.perf_counter()
    source, build_dir = Path(source), Path(build_dir)
    if not source.is_dir():
        raise FileNotFoundError(f"no Lambda sources at {source}")
    key = inputs_key(source, requirements)
    path = build_dir / f"{source.name}.zip"
    stamp = path.with_name(path.name + ".key")
    cached = path.is_file() and stamp.is_file() and stamp.read_text() == key
    if not cached:
        build_dir.mkdir(parents=True, exist_ok=True)
        _write_zip(path, install_deps(requirements, build_dir), source)
        stamp.write_text(key)
    data = path.read_bytes()
    if len(data) > DIRECT_UPLOAD_LIMIT:
        raise RuntimeError(
            f"{path} is {len(data) / 1e6:.1f} MB, over the 50 MB CreateFunction "
            "accepts directly; upload it to S3 and pass S3Bucket/S3Key instead."
        )
    bundle = Bundle(
        path,
        key,
        data,
        code_sha256(data),
        cached,
        time.perf_counter() - started,
    )
    if not quiet:
        print(bundle)
    return bundle
