"""The state dir is private and honest (issue 12, items 1 and 4, and what it says of the
journal's blobs and of localcloud.json).

- a function is its account, Region and name: deleting one keeps a same-named function
  in another Region or account, also after a restart;
- nothing credential-shaped is stored: presigned URLs' key ids, tokens and signatures
  and the Authorization header's never reach the disk, and replay still works;
- the state dir is 0700 and its files 0600, also when an older kit left it open;
- a journal record's ``blob`` is a name in ``blobs/``, never a path to elsewhere;
- ``localcloud.json`` is trusted only for a loopback endpoint and the kit's own process.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import ASSUME_LAMBDA, create_function_when_role_ready, make_zip
from state_scan import (  # noqa: F401  (state_holds_no_credentials: autouse)
    STS_TOKEN_START,
    credential_shaped,
    state_holds_no_credentials,
)

from helpers.localcloud import LocalCloud, background
from helpers.localcloud.journal import JOURNAL_NAME

OTHER_ACCOUNT = "000000000000"  # a fake second account (moto files calls by x-moto-account-id)
# Fake but shaped like real ones (built here, so no key-shaped string is in the repo).
KEY_ID = "AKIA" + secrets.token_hex(8).upper()
SECRET = secrets.token_urlsafe(30)
TOKEN = STS_TOKEN_START + secrets.token_urlsafe(200)
# Built at run time, so that nothing key-shaped is committed: AWS's documented example id
# (which the scan must skip) and a SigV2 signature's shape (base64 of 20 bytes).
EXAMPLE_KEY_ID = "AKIA" + "IOSFODNN7" + "EXAMPLE"
SIGV2_SIGNATURE = base64.b64encode(secrets.token_bytes(20)).decode()


def clients(
    cloud: LocalCloud, region: str = "us-east-1", account: str | None = None, **creds: str
) -> Callable[[str], Any]:
    keys = creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

    def make(service: str) -> Any:
        client = boto3.client(
            service,
            endpoint_url=cloud.endpoint,
            region_name=region,
            config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
            **keys,
        )
        if account:

            def as_account(request: Any, **_: Any) -> None:
                request.headers["x-moto-account-id"] = account

            client.meta.events.register("before-sign.*", as_account)
        return client

    return make


@pytest.fixture(name="start")
def start_fixture(tmp_path: Path) -> Iterator[Callable[[], LocalCloud]]:
    """start() runs a local cloud on one state dir, stopping the previous one (a restart);
    afterwards the state dir holds nothing credential-shaped."""
    running: list[LocalCloud] = []

    def _start() -> LocalCloud:
        for cloud in running:
            cloud.stop()
        running.append(LocalCloud(tmp_path / "state", realism="off").start())
        return running[-1]

    yield _start
    for cloud in running:
        cloud.stop()
    if (tmp_path / "state").exists():
        assert credential_shaped(tmp_path / "state", (SECRET, TOKEN)) == []


def create_function(client: Callable[[str], Any], name: str, value: str) -> None:
    iam = client("iam")  # IAM is global: one role per account
    try:
        role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=ASSUME_LAMBDA)
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName=f"{name}-role")
    create_function_when_role_ready(
        client("lambda"),
        FunctionName=name,
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": make_zip(f"def handler(e, c):\n    return {value!r}\n")},
    )


# -- item 1: a function is its account, Region and name --------------------------------------
def test_deleting_a_function_keeps_its_namesakes_in_other_regions_and_accounts(
    start: Callable[[], LocalCloud],
) -> None:
    cloud = start()
    places = {
        "us-east-1": clients(cloud),
        "ap-northeast-1": clients(cloud, "ap-northeast-1"),
        "other account": clients(cloud, account=OTHER_ACCOUNT),
    }
    for where, client in places.items():
        create_function(client, "twin", where)
    places["us-east-1"]("lambda").delete_function(FunctionName="twin")

    cloud = start()  # a restart: the journal is all that is left

    with pytest.raises(ClientError, match="ResourceNotFound"):
        clients(cloud)("lambda").get_function(FunctionName="twin")
    for where, client in [
        ("ap-northeast-1", clients(cloud, "ap-northeast-1")),
        ("other account", clients(cloud, account=OTHER_ACCOUNT)),
    ]:
        lam = client("lambda")
        assert lam.get_function(FunctionName="twin")["Configuration"]["FunctionName"] == "twin"
        answer = lam.invoke(FunctionName="twin", Payload=b"{}")["Payload"].read()
        assert json.loads(answer) == where


# -- item 4: nothing credential-shaped is stored ---------------------------------------------
def test_presigned_urls_and_signed_calls_leave_no_credentials_and_still_replay(
    start: Callable[[], LocalCloud], tmp_path: Path
) -> None:
    cloud = start()
    creds = {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    s3 = clients(cloud, aws_session_token=TOKEN, **creds)("s3")
    s3.create_bucket(Bucket="reports")
    s3.put_object(Bucket="reports", Key="signed.md", Body=b"# by header\n")
    for version in ("s3v4", "s3"):  # SigV4 and SigV2 presigned URLs
        presigner = boto3.client(
            "s3",
            endpoint_url=cloud.endpoint,
            region_name="us-east-1",
            aws_session_token=TOKEN,
            config=Config(signature_version=version, s3={"addressing_style": "path"}),
            **creds,
        )
        put = presigner.generate_presigned_url(
            "put_object", Params={"Bucket": "reports", "Key": f"{version}.md"}, ExpiresIn=600
        )
        assert KEY_ID in put
        request = urllib.request.Request(
            put,
            data=f"# {version}\n".encode(),
            method="PUT",
            headers={"Content-Type": "text/markdown"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 200
    get = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": "reports", "Key": "s3v4.md"}, ExpiresIn=600
    )
    with urllib.request.urlopen(get, timeout=10) as reply:
        assert reply.read() == b"# s3v4\n"

    cloud = start()  # replay without the credentials

    s3 = clients(cloud)("s3")
    for key, body in [
        ("signed.md", b"# by header\n"),
        ("s3v4.md", b"# s3v4\n"),
        ("s3.md", b"# s3\n"),
    ]:
        assert s3.get_object(Bucket="reports", Key=key)["Body"].read() == body
    journal = (tmp_path / "state" / JOURNAL_NAME).read_text()
    assert KEY_ID not in journal and TOKEN not in journal and "X-Amz-Signature=journal" in journal
    # The fixture scans the whole state dir once the cloud has stopped.


def modes(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): stat.S_IMODE(p.lstat().st_mode)
        for p in [folder, *folder.rglob("*")]
        if not p.is_symlink()
    }


def test_the_state_dir_is_private_also_when_an_older_kit_left_it_open(
    start: Callable[[], LocalCloud], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    (state / "blobs").mkdir(parents=True, mode=0o755)
    state.chmod(0o755)
    (state / JOURNAL_NAME).write_text("")
    (state / JOURNAL_NAME).chmod(0o644)
    (state / "blobs").chmod(0o755)

    cloud = start()
    lam = clients(cloud)
    create_function(lam, "private", "x")
    lam("lambda").invoke(FunctionName="private", Payload=b"{}")
    lam("s3").create_bucket(Bucket="private")
    lam("s3").put_object(Bucket="private", Key="k", Body=os.urandom(100_000))  # a blob
    cloud.stop()

    found = modes(state)
    assert len(found) > 3
    assert {path: oct(mode) for path, mode in found.items() if mode & 0o077} == {}
    assert found["."] == 0o700 and found[JOURNAL_NAME] == 0o600


# -- blobs are names in blobs/ ----------------------------------------------------------------
def test_a_crafted_blob_path_is_refused_at_replay(
    start: Callable[[], LocalCloud], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cloud = start()
    s3 = clients(cloud)("s3")
    s3.create_bucket(Bucket="blobs")
    for key in ("relative", "absolute"):
        s3.put_object(Bucket="blobs", Key=key, Body=os.urandom(100_000))
    cloud.stop()
    state = tmp_path / "state"
    outside = tmp_path / "outside"
    outside.write_bytes(b"read from outside the state dir" * 3000)
    journal = state / JOURNAL_NAME
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    crafted = {"relative": "../../outside", "absolute": str(outside)}
    for record in records:
        key = record["path"].rsplit("/", 1)[-1]
        if "blob" in record and key in crafted:
            (state / "blobs" / record["blob"]).unlink()
            record["blob"] = crafted[key]
    journal.write_text("".join(json.dumps(r) + "\n" for r in records))

    with caplog.at_level(logging.WARNING):
        s3 = clients(start())("s3")

    for key in crafted:
        with pytest.raises(ClientError, match="NoSuchKey"):
            s3.get_object(Bucket="blobs", Key=key)
    refused = [r.getMessage() for r in caplog.records if "not replayed" in r.getMessage()]
    assert len(refused) == 2 and all("refused" in m for m in refused), refused
    assert outside.exists()
    # Refused records leave the journal: it does not grow with what never replays.
    kept = journal.read_text()
    assert all(path not in kept for path in crafted.values())
    assert len(kept.splitlines()) == len(records) - 2


# -- localcloud.json is checked before it is trusted -------------------------------------------
@pytest.fixture(name="bystander")
def bystander_fixture() -> Iterator[subprocess.Popen[bytes]]:
    """A process of the same user that is not the local cloud."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc
    proc.kill()
    proc.wait(timeout=10)


def test_localcloud_json_naming_another_process_is_not_trusted(
    tmp_path: Path, bystander: subprocess.Popen[bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    info = state / "localcloud.json"
    info.write_text(json.dumps({"pid": bystander.pid, "endpoint": "http://127.0.0.1:9"}))

    assert background.stop(state) is False
    assert bystander.poll() is None  # never signalled
    assert f"process {bystander.pid} is not the local cloud" in capsys.readouterr().err


@pytest.mark.parametrize(
    "endpoint",
    ["http://example.com:4566", "http://10.0.0.8:4566", "http://127.0.0.1", "file:///etc/passwd"],
)
def test_localcloud_json_with_a_remote_endpoint_is_not_trusted(
    tmp_path: Path, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    # Our own PID is alive: only the endpoint is wrong.
    (state / "localcloud.json").write_text(json.dumps({"pid": os.getpid(), "endpoint": endpoint}))

    assert background.running_endpoint(state) is None
    assert "not http://127.0.0.1:<port> (loopback)" in capsys.readouterr().err


def test_the_scanner_finds_each_kind_of_credential(tmp_path: Path) -> None:
    # So that a scan that finds nothing has looked for something.
    samples = {
        "key": KEY_ID,
        "token": TOKEN,
        "token-param": "X-Amz-Security-Token=" + "Zm9v" * 10,
        "sigv4": f"X-Amz-Credential={KEY_ID}%2F20260101&X-Amz-Signature={'ab' * 32}",
        "sigv2": f"AWSAccessKeyId=realkey&Signature={quote(SIGV2_SIGNATURE, safe='')}",
        "local": f"X-Amz-Credential=localcloud%2F20260101&X-Amz-Signature={'cd' * 32}",
        "example": EXAMPLE_KEY_ID,
    }
    state = tmp_path / "scanned"
    state.mkdir()
    for name, text in samples.items():
        (state / name).write_text(f'{{"query": "{text}"}}')
    found = {line.split(":", 1)[0] for line in credential_shaped(state)}
    assert found == {"key", "token", "token-param", "sigv4", "sigv2"}
    for name in samples:
        (state / name).unlink()  # the fixture scans tmp_path afterwards
