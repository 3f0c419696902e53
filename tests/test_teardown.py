"""helpers.teardown: the end of the series (notebook 99). Cleanup of what the deploy steps
made: everything the prefix owns, idempotently, never another prefix's, and until AWS lets
the names go; the saved state forgotten; the background local cloud left or stopped."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from deploying import build_fake_bundles, deploy_steps, printed

from helpers import deploy, state, teardown
from helpers.chatbot import where
from helpers.deploy import Bundle, Names, redact_account
from helpers.params import ParameterError
from helpers.target import Target
from helpers.teardown import cleanup, leftovers


@pytest.fixture(scope="module")
def fake_bundles(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Bundle]:
    """Two versions of the small handler, zipped with the real bundled packages."""
    return build_fake_bundles(build_dir, tmp_path_factory.mktemp("fake-src"))


def test_cleanup_removes_everything_and_is_idempotent(
    target: Target, fake_bundles: list[Bundle], capsys: Any
) -> None:
    names = Names.for_target(target, "dt-gone")
    deploy_steps(target, names, fake_bundles[0])
    deploy.update_code(target, names, fake_bundles[1])
    target.client("s3").put_object(Bucket=names.bucket, Key="reports/a.md", Body=b"# report")
    running = deploy.start_execution(target, names, {"query": "wait"})
    lam = target.client("lambda")
    deadline = time.monotonic() + 60
    # Suspended on its callback: its first invocation (a cold start) has ended and written
    # its records. One still running when its function goes writes them later, and Lambda
    # recreates the group for them (cleanup's last sweep catches it only if it is done by then).
    while not any(
        event["EventType"] == "InvocationCompleted"
        for event in lam.get_durable_execution_history(DurableExecutionArn=running)["Events"]
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    capsys.readouterr()

    removed = cleanup(target, "dt-gone")
    assert [r.split()[0] for r in removed] == ["function", "log", "queue", "bucket", "role"]
    assert "1 running execution(s) stopped" in removed[0] and "version(s) 1, 2" in removed[0]
    assert "1 object version(s)" in removed[3]
    assert lam.get_durable_execution(DurableExecutionArn=running)["Status"] == "STOPPED"
    assert leftovers(target, "dt-gone") == []
    printed(capsys)
    assert cleanup(target, "dt-gone") == []
    assert printed(capsys) == ["cleanup dt-gone in us-east-1: nothing left to remove"]


def test_cleanup_never_touches_another_prefix(
    target: Target, fake_bundles: list[Bundle], capsys: Any
) -> None:
    # "dt-a" is a prefix of "dt-a-b": names alone would mix them up, the tags do not.
    mine, theirs = Names.for_target(target, "dt-a"), Names.for_target(target, "dt-a-b")
    deploy_steps(target, theirs, fake_bundles[0])
    deploy.ensure_queue(target, mine)
    try:
        cleanup(target, "dt-a")
        left = leftovers(target, "dt-a-b")
        assert len(left) == 5, left  # function, log group, queue, bucket, role
        assert leftovers(target, "dt-a") == left
    finally:
        cleanup(target, "dt-a-b")
    assert leftovers(target, "dt-a") == []


def test_cleanup_keeps_what_it_did_not_tag(target: Target, capsys: Any) -> None:
    names = Names.for_target(target, "dt-untagged")
    target.client("s3").create_bucket(Bucket=names.bucket)
    try:
        assert cleanup(target, "dt-untagged") == []
        expected = f"kept bucket {names.bucket}: it is not tagged prefix=dt-untagged"
        assert redact_account(expected) in printed(capsys)
    finally:
        target.client("s3").delete_bucket(Bucket=names.bucket)


def test_cleanup_waits_until_gone_then_a_deploy_goes_through(
    target: Target, fake_bundles: list[Bundle], capsys: Any
) -> None:
    names = Names.for_target(target, "dt-again")
    try:
        deploy_steps(target, names, fake_bundles[0])
        capsys.readouterr()
        cleanup(target, "dt-again")
        out = capsys.readouterr().out
        assert f"waiting until queue {names.queue} is really gone" in out
        assert f"queue {names.queue} is gone after" in out
        sqs = target.client("sqs")
        with pytest.raises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName=names.queue)
        assert deploy_steps(target, names, fake_bundles[0]) == "1"  # the same names again
    finally:
        cleanup(target, "dt-again")


def test_stop_local_cloud_leaves_other_clouds_alone(
    target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    # The test's in-process cloud is not the kit's background one: never stopped here.
    teardown.stop_local_cloud(target, stop=True)
    assert "Stopped" not in capsys.readouterr().out
    aws = Target("aws", "us-east-1", None, None)  # type: ignore[arg-type]
    teardown.stop_local_cloud(aws, stop=True)
    assert "no local cloud" in capsys.readouterr().out
    with pytest.raises(ParameterError, match="STOP_LOCAL_CLOUD"):
        teardown.stop_local_cloud(target, stop="yes")  # type: ignore[arg-type]


def test_forget_state_keeps_another_targets_state(
    target: Target, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    teardown.forget_state("t-forget", target)
    assert "Nothing saved" in capsys.readouterr().out
    elsewhere = {"target": "aws", "region": "us-east-2", "endpoint": ""}
    state.save("t-forget", **elsewhere, function="t-forget-chatbot")
    teardown.forget_state("t-forget", target)
    assert "Kept" in capsys.readouterr().out and state.load("t-forget")
    state.save("t-forget", **where(target))
    teardown.forget_state("t-forget", target)
    assert "Forgot" in capsys.readouterr().out and state.load("t-forget") == {}
