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
