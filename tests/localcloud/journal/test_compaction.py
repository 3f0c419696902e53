"""A deleted function's records leave the journal, and its zips the disk (journal/compaction.py)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError
from journal_cases import Cloud, aws_env_fixture, big_zip, functions_of, start_fixture  # noqa: F401  (fixtures)

from helpers.localcloud.journal import JOURNAL_NAME


def test_a_deleted_function_leaves_the_journal_and_its_zip_the_disk(
    start: Callable[[], Cloud],
) -> None:
    cloud = start()
    create, lam = functions_of(cloud), cloud.client("lambda")
    shared, own = big_zip(1), big_zip(2)

    create("kept", shared)
    create("gone", shared)
    lam.update_function_code(FunctionName="gone", ZipFile=own)
    version = lam.publish_version(FunctionName="gone")["Version"]
    lam.create_alias(FunctionName="gone", Name="live", FunctionVersion=version)
    arn = lam.get_function(FunctionName="gone")["Configuration"]["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"kit": "yes"})
    lam.delete_function(FunctionName="gone", Qualifier=version)  # one version: no compaction
    assert "gone" in (cloud.state_dir / JOURNAL_NAME).read_text()
    blobs = cloud.state_dir / "blobs"
    assert len(list(blobs.iterdir())) == 3  # the request bodies of two creates and an update

    lam.delete_function(FunctionName=arn)  # by ARN, as cleanup code may

    records = [
        json.loads(line) for line in (cloud.state_dir / JOURNAL_NAME).read_text().splitlines()
    ]
    assert not [r for r in records if r.get("function") == "gone"]
    assert [r["function"] for r in records if "function" in r] == ["kept"]
    assert len(list(blobs.iterdir())) == 1  # only the other function's create is needed
    create("gone", own)  # a new function of the same name: after the compaction, kept

    lam = start().client("lambda")
    assert lam.get_function(FunctionName="kept")["Configuration"]["CodeSize"] == len(shared)
    again = lam.get_function(FunctionName="gone")["Configuration"]
    assert again["CodeSize"] == len(own)
    assert [
        v["Version"] for v in lam.list_versions_by_function(FunctionName="gone")["Versions"]
    ] == ["$LATEST"]


def test_a_journal_from_before_compaction_is_compacted_at_start(
    start: Callable[[], Cloud],
) -> None:
    cloud = start()
    create, code = functions_of(cloud), big_zip(1)
    for name in ("old", "other"):
        create(name, code)
    cloud.stop()
    # As an older kit wrote it: no record names its function, and the delete was journaled.
    journal = cloud.state_dir / JOURNAL_NAME
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    for record in records:
        record.pop("function", None)
    delete = {**records[-1], "method": "DELETE", "path": "/2015-03-31/functions/old"}
    for key in ("body", "blob"):
        delete.pop(key, None)
    journal.write_text("".join(json.dumps(r) + "\n" for r in [*records, delete]))

    lam = start().client("lambda")

    with pytest.raises(ClientError, match="ResourceNotFound"):
        lam.get_function(FunctionName="old")
    assert lam.get_function(FunctionName="other")["Configuration"]["CodeSize"] == len(code)
    kept = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r.get("function") for r in kept if r["path"].startswith("/2015")] == ["other"]
    assert len(list((cloud.state_dir / "blobs").iterdir())) == 1


def _lines(cloud: Cloud) -> int:
    return len((cloud.state_dir / JOURNAL_NAME).read_bytes().splitlines())


def test_queues_buckets_objects_and_messages_churned_keep_the_journal_bounded(
    start: Callable[[], Cloud],
) -> None:
    cloud = start()
    sqs, s3 = cloud.client("sqs"), cloud.client("s3")
    kept_url = sqs.create_queue(QueueName="kept")["QueueUrl"]
    sqs.send_message(QueueUrl=kept_url, MessageBody="live")
    s3.create_bucket(Bucket="kept")
    s3.put_object(Bucket="kept", Key="live.txt", Body=b"live")
    s3.create_bucket(Bucket="copies")
    s3.put_object(Bucket="copies", Key="source", Body=b"copied")
    s3.copy_object(Bucket="copies", Key="copy", CopySource={"Bucket": "copies", "Key": "source"})
    s3.delete_object(Bucket="copies", Key="source")  # needed by the copy's replay: stays
    cycles, sizes, journaled = 120, [], 0
    for i in range(cycles):
        url = sqs.create_queue(QueueName=f"churn{i % 3}")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="x")
        sqs.send_message(QueueUrl=kept_url, MessageBody="done")
        for queue in (url, kept_url):
            for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]:
                if m["Body"] != "live":
                    sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
                    journaled += 1
        sqs.purge_queue(QueueUrl=url) if i % 2 else sqs.delete_queue(QueueUrl=url)
        s3.create_bucket(Bucket=f"churn{i % 3}")
        s3.put_object(Bucket=f"churn{i % 3}", Key="a", Body=b"a")
        s3.put_object(Bucket="kept", Key=f"tmp{i}", Body=b"t")
        s3.put_object(Bucket="kept", Key="b", Body=b"b")
        s3.delete_objects(Bucket="kept", Delete={"Objects": [{"Key": f"tmp{i}"}, {"Key": "b"}]})
        s3.delete_object(Bucket=f"churn{i % 3}", Key="a")
        s3.delete_bucket(Bucket=f"churn{i % 3}")
        journaled += 12
        sizes.append(_lines(cloud))
    half = cycles // 2
    # Bounded: the second half of the churn never grows the journal past the first's peak.
    assert max(sizes[half:]) <= max(sizes[:half]), sizes
    assert max(sizes) < journaled // 4, (max(sizes), journaled)

    cloud = start()  # a restart: every live resource back, no deleted one
    sqs, s3 = cloud.client("sqs"), cloud.client("s3")
    urls = sqs.list_queues().get("QueueUrls", [])
    live = {f"churn{i % 3}" for i in range(cycles - 3, cycles) if i % 2}  # purged, not deleted
    assert sorted(u.rsplit("/", 1)[-1] for u in urls) == sorted({"kept"} | live)
    received = sqs.receive_message(QueueUrl=kept_url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in received] == ["live"]
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == ["copies", "kept"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="kept")["Contents"]] == ["live.txt"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="copies")["Contents"]] == ["copy"]
    assert s3.get_object(Bucket="copies", Key="copy")["Body"].read() == b"copied"
    assert s3.get_object(Bucket="kept", Key="live.txt")["Body"].read() == b"live"


def test_a_versioned_buckets_objects_are_not_compacted(start: Callable[[], Cloud]) -> None:
    cloud = start()
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket="versioned", Key="k", Body=b"v1")["VersionId"]
    s3.delete_object(Bucket="versioned", Key="k")  # a delete marker: v1 stays

    s3 = start().client("s3")  # compacted at the start
    old = s3.get_object(Bucket="versioned", Key="k", VersionId=version)
    assert old["Body"].read() == b"v1"
