"""Deployment zips are bounded as Lambda bounds them, unpacked without a global wait, and
removed with their function (lambda_host/code.py; the gateway calls its check_zip)."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import ASSUME_LAMBDA, create_function_when_role_ready, make_zip, unique
from host_cases import version
from state_scan import state_holds_no_credentials  # noqa: F401  (autouse: no credentials in the state)
from stress_cases import bomb

from helpers.localcloud import LocalCloud
from helpers.localcloud.errors import AwsError
from helpers.localcloud.lambda_host.code import CodeStore

# Lambda quota: "Deployment package (.zip file archive) size: 250 MB unzipped".
MAX_UNZIPPED = 262_144_000
NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
TOO_BIG = f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes"


def role_arn(client: Callable[[str], Any], name: str) -> str:
    role = client("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=ASSUME_LAMBDA
    )
    return str(role["Role"]["Arn"])


def spec(client: Callable[[str], Any], name: str, code: bytes) -> dict[str, Any]:
    return {
        "FunctionName": name,
        "Runtime": "python3.13",
        "Role": role_arn(client, name),
        "Handler": "app.handler",
        "Code": {"ZipFile": code},
    }


def refused(call: Callable[[], Any]) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response
    return (
        error["ResponseMetadata"]["HTTPStatusCode"],
        error["Error"]["Code"],
        error["Error"]["Message"],
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [(b"this is not a zip file", NOT_A_ZIP), (bomb(MAX_UNZIPPED + 1), TOO_BIG)],
    ids=["not-a-zip", "over-250MB-unzipped"],
)
def test_create_and_update_refuse_what_lambda_refuses(
    client: Callable[[str], Any], code: bytes, message: str
) -> None:
    lam, name = client("lambda"), unique("zip")
    expected = (400, "InvalidParameterValueException", message)
    assert (
        refused(lambda: create_function_when_role_ready(lam, **spec(client, name, code)))
        == expected
    )
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)
    good = spec(client, name + "-ok", make_zip("def handler(e, c):\n    return 1\n"))
    create_function_when_role_ready(lam, **good)
    assert refused(lambda: lam.update_function_code(FunctionName=name + "-ok", ZipFile=code)) == (
        expected
    )


def test_a_zip_whose_headers_understate_its_size_is_not_unpacked_past_them(
    tmp_path: Path,
) -> None:
    from helpers.localcloud.lambda_host.code import unpack

    data = bytearray(bomb(5000))
    # Headers that lie: both the local and the central record claim 10 bytes.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature) + offset
        data[at : at + 4] = (10).to_bytes(4, "little")
    with pytest.raises(AwsError) as info:
        unpack(bytes(data), tmp_path / "out")
    assert info.value.code == "InvalidParameterValueException"
    written = sum(f.stat().st_size for f in (tmp_path / "out").rglob("*") if f.is_file())
    assert written <= 10
    # And a true size over the limit stops the unpacking at the limit.
    with pytest.raises(AwsError, match="Unzipped size must be smaller than"):
        unpack(bomb(5000), tmp_path / "small", limit=4096)


def test_an_unrelated_cold_start_does_not_wait_behind_a_slow_unpack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = version("def handler(e, c):\n    return 'slow'\n", name="slow")
    other = version("def handler(e, c):\n    return 'other'\n", name="other")
    entered, release = threading.Event(), threading.Event()
    real = zipfile.ZipFile

    class Blocking(real):  # type: ignore[misc,valid-type]
        """Holds the slow function's unpacking until the test releases it."""

        def __init__(self, file: Any, *args: Any, **kwargs: Any) -> None:
            if isinstance(file, io.BytesIO) and file.getvalue() == slow.code:
                entered.set()
                release.wait(30)
            super().__init__(file, *args, **kwargs)

    monkeypatch.setattr(zipfile, "ZipFile", Blocking)
    store = CodeStore(tmp_path)
    slow_thread = threading.Thread(target=store.unpacked, args=(slow,))
    slow_thread.start()
    try:
        assert entered.wait(30)
        done: list[Path] = []
        other_thread = threading.Thread(target=lambda: done.append(store.unpacked(other)))
        other_thread.start()
        other_thread.join(20)  # bounded: with one global lock it waits for `release`
        assert done and (done[0] / "lambda_function.py").exists()
        assert not release.is_set() and slow_thread.is_alive()  # the slow one still unpacks
    finally:
        release.set()
        slow_thread.join(30)


def test_unpacked_code_is_removed_after_delete_function(
    cloud: LocalCloud, client: Callable[[str], Any]
) -> None:
    lam, name = client("lambda"), unique("gone")
    source = f"def handler(e, c):\n    return {name!r}\n"
    create_function_when_role_ready(lam, **spec(client, name, make_zip(source)))
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    assert lam.invoke(FunctionName=name)["Payload"].read() == f'"{name}"'.encode()
    code_root = cloud.state_dir / "code"
    holding = [
        d
        for d in code_root.iterdir()
        if (d / "app.py").exists() and name in (d / "app.py").read_text()
    ]
    assert len(holding) == 1
    lam.delete_function(FunctionName=name)
    assert not holding[0].exists()


def test_code_from_s3_is_checked_as_a_zipfile_is(client: Callable[[str], Any]) -> None:
    """Code.S3Bucket/S3Key[/S3ObjectVersion]: the object must unzip within the quota, as a
    ZipFile must; an object Lambda cannot read is S3's error relayed in an
    InvalidParameterValueException."""
    lam, s3, name = client("lambda"), client("s3"), unique("s3code")
    bucket = unique("code-bucket")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    good = make_zip("def handler(e, c):\n    return 'from s3'\n")
    s3.put_object(Bucket=bucket, Key="junk.zip", Body=b"this is not a zip file")
    s3.put_object(Bucket=bucket, Key="bomb.zip", Body=bomb(MAX_UNZIPPED + 1))
    first = s3.put_object(Bucket=bucket, Key="app.zip", Body=good)["VersionId"]
    later = s3.put_object(Bucket=bucket, Key="app.zip", Body=b"not a zip now")["VersionId"]

    def get_object_error(code: str, message: str) -> tuple[int, str, str]:
        return (
            400,
            "InvalidParameterValueException",
            f"Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}",
        )

    def s3_spec(**code: str) -> dict[str, Any]:
        return {**spec(client, unique(name), b""), "Code": {"S3Bucket": bucket, **code}}

    refusal = (400, "InvalidParameterValueException")
    no_key = get_object_error("NoSuchKey", "The specified key does not exist.")
    no_version = get_object_error("NoSuchVersion", "The specified version does not exist.")
    cases = [
        ({"S3Key": "junk.zip"}, (*refusal, NOT_A_ZIP)),
        ({"S3Key": "bomb.zip"}, (*refusal, TOO_BIG)),
        ({"S3Key": "app.zip"}, (*refusal, NOT_A_ZIP)),  # its latest version
        ({"S3Key": "app.zip", "S3ObjectVersion": later}, (*refusal, NOT_A_ZIP)),
        ({"S3Key": "nosuch.zip"}, no_key),
        ({"S3Key": "app.zip", "S3ObjectVersion": "nosuchversion"}, no_version),
    ]
    for code, expected in cases:
        asked = s3_spec(**code)
        assert refused(lambda: create_function_when_role_ready(lam, **asked)) == expected  # noqa: B023
    missing = {**s3_spec(S3Key="app.zip")}
    missing["Code"]["S3Bucket"] = unique("no-such-bucket")
    assert refused(lambda: create_function_when_role_ready(lam, **missing)) == get_object_error(
        "NoSuchBucket", "The specified bucket does not exist"
    )

    ok = s3_spec(S3Key="app.zip", S3ObjectVersion=first)  # the version asked for runs
    create_function_when_role_ready(lam, **ok)
    lam.get_waiter("function_active_v2").wait(FunctionName=ok["FunctionName"])
    reply = lam.invoke(FunctionName=ok["FunctionName"])
    assert reply["Payload"].read() == b'"from s3"'
    for code, expected in cases[:2] + cases[4:5]:
        assert (
            refused(
                lambda: lam.update_function_code(
                    FunctionName=ok["FunctionName"],
                    S3Bucket=bucket,
                    **code,  # noqa: B023  (called at once)
                )
            )
            == expected
        )
