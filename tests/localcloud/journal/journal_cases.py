"""What the journal tests share: MotoState served on loopback, its clients, zips."""

from __future__ import annotations

import io
import json
import os
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from werkzeug.serving import make_server

from helpers.deploy import trust_policy
from helpers.localcloud.journal import JOURNAL_NAME, MotoState

REPO = Path(__file__).resolve().parents[3]
DURABLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
TRUST = json.dumps(trust_policy())


def make_client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


class Cloud:
    """MotoState replayed from `state_dir` and served on 127.0.0.1 in a thread."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.state = MotoState(state_dir)
        self.replayed = self.state.replay()
        self.server = make_server("127.0.0.1", 0, self.state.app, threaded=True)
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def client(self, service: str) -> Any:
        return make_client(self.endpoint, service)

    def journal_lines(self) -> int:
        return len((self.state_dir / JOURNAL_NAME).read_bytes().splitlines())

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()
            self.state.close()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def functions_of(cloud: Cloud) -> Callable[[str, bytes], None]:
    """``create(name, zip)`` on ``cloud``, with one role for all of them."""
    role = cloud.client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)
    lam = cloud.client("lambda")

    def create(name: str, code: bytes) -> None:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": code},
        )

    return create


def big_zip(value: int) -> bytes:
    handler = f"def handler(e, c):\n    return {value}\n".encode()
    return zip_bytes({"app.py": handler, "padding": os.urandom(100_000)})  # > BLOB_THRESHOLD


@pytest.fixture(autouse=True, name="aws_env")
def aws_env_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture(name="start")
def start_fixture(tmp_path: Path) -> Iterator[Callable[[], Cloud]]:
    """start() brings up the cloud on one state dir, stopping the previous one: a restart."""
    running: list[Cloud] = []

    def _start() -> Cloud:
        for cloud in running:
            cloud.stop()
        running.append(Cloud(tmp_path / "state"))
        return running[-1]

    yield _start
    for cloud in running:
        cloud.stop()
