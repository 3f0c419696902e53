"""The report bucket: private (public access blocked), encrypted by default, tagged."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from ..i18n import tr
from ..target import Target
from .names import Names, redact_account
from .steps import NameNotReleasedError, error_code, pause, say

# S3 documents no figure for a deleted bucket's name; a minute covers what is commonly
# seen. Past this, the step stops with a plain message instead of waiting on.
BUCKET_NAME_WAIT_S = 75
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
ENCRYPTION = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def _create_bucket(s3: Any, names: Names, location: dict[str, Any]) -> None:
    """create_bucket, waiting (bounded, said) while S3 still releases a just-deleted name:
    it answers 409 OperationAborted meanwhile."""
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            s3.create_bucket(Bucket=names.bucket, **location)
            return
        except ClientError as exc:
            if error_code(exc) != "OperationAborted":
                raise
            if time.monotonic() - started > BUCKET_NAME_WAIT_S:
                raise NameNotReleasedError(
                    redact_account(
                        f"S3 has not released the bucket name {names.bucket} yet (it was "
                        "deleted moments ago): wait a minute or two and run this cell again, "
                        "or use another PREFIX."
                    )
                ) from exc
            if attempt == 0:
                print(
                    redact_account(
                        tr(
                            f"  (bucket {names.bucket} was deleted moments ago and S3 is "
                            f"still releasing its name: waiting up to {BUCKET_NAME_WAIT_S} s; "
                            "or stop and use another PREFIX)",
                            f"  （バケット {names.bucket} は削除されたばかりで、S3 はまだ"
                            f"その名前を解放していません。最大 {BUCKET_NAME_WAIT_S} 秒待ちます。"
                            "待たない場合は止めて、別の PREFIX を使ってください）",
                        )
                    )
                )
            pause(attempt)
            attempt += 1


def ensure_bucket(target: Target, names: Names) -> str:
    """The private report bucket: public access blocked, SSE-S3 by default; returns its name."""
    s3 = target.client("s3")
    try:
        s3.head_bucket(Bucket=names.bucket, ExpectedBucketOwner=names.account)
        created = False
    except ClientError as exc:
        if error_code(exc) in ("403", "AccessDenied"):
            raise RuntimeError(
                f"bucket {names.bucket} exists but belongs to another account; "
                "choose another PREFIX."
            ) from exc
        if error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        # us-east-1 is S3's default Region and refuses it as an explicit LocationConstraint.
        location = (
            {}
            if names.region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": names.region}}
        )
        _create_bucket(s3, names, location)
        s3.get_waiter("bucket_exists").wait(
            Bucket=names.bucket, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        created = True
    changes = []
    try:
        block = s3.get_public_access_block(Bucket=names.bucket)["PublicAccessBlockConfiguration"]
    except ClientError:
        block = {}
    if block != PUBLIC_ACCESS_BLOCK:
        s3.put_public_access_block(
            Bucket=names.bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK
        )
        changes.append("public access blocked")
    try:
        rules = s3.get_bucket_encryption(Bucket=names.bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        algorithm = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    except (ClientError, IndexError, KeyError):
        algorithm = None
    if algorithm is None:  # keep a stronger default (SSE-KMS) someone chose; add one if none
        s3.put_bucket_encryption(Bucket=names.bucket, ServerSideEncryptionConfiguration=ENCRYPTION)
        changes.append("SSE-S3 encryption on")
    try:
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=names.bucket)["TagSet"]}
    except ClientError:
        tags = {}
    if not tags.items() >= names.tags.items():
        merged = {**tags, **names.tags}  # put_bucket_tagging replaces the whole set
        tag_set = [{"Key": k, "Value": v} for k, v in merged.items()]
        s3.put_bucket_tagging(Bucket=names.bucket, Tagging={"TagSet": tag_set})
        changes.append("tagged")
    if created:
        say("bucket", names.bucket, "created (private, SSE-S3)")
    else:
        say(
            "bucket",
            names.bucket,
            f"updated ({', '.join(changes)})" if changes else "already there",
        )
    return names.bucket
