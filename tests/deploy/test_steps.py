"""Each deploy step, twice, against an in-process local cloud through boto3, as the
notebooks call them: one line each, nothing changed the second time; and a name AWS still
holds stops a step with what to do (helpers.deploy.steps)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from deploying import deploy_steps, printed

from helpers import deploy
from helpers.deploy import Bundle, Names, bucket, queue, steps
from helpers.target import Target


def test_every_step_is_idempotent(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any
) -> None:
    assert deploy_steps(target, names, fake_bundles[0]) == "1"
    first = printed(capsys)
    assert len(first) == 7, first  # one line per step
    assert [re.findall(r"\w+", line.split(":")[-1])[0] for line in first] == [
        "created", "created", "created", "created", "created", "published", "created",
    ]  # fmt: skip
    assert deploy_steps(target, names, fake_bundles[0]) == "1"
    second = printed(capsys)
    assert len(second) == 7, second
    assert all(line.endswith(("already there", "already on version 1")) for line in second)


def test_the_resources_are_configured_as_asked(
    target: Target, names: Names, fake_bundles: list[Bundle]
) -> None:
    deploy_steps(target, names, fake_bundles[0])
    iam, lam = target.client("iam"), target.client("lambda")
    attached = iam.list_attached_role_policies(RoleName=names.role)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSLambdaBasicDurableExecutionRolePolicy"]
    inline = iam.get_role_policy(RoleName=names.role, PolicyName=names.inline_policy)
    assert inline["PolicyDocument"] == deploy.execution_policy(names, "us.m.x-v1:0")
    trust = iam.get_role(RoleName=names.role)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}

    sqs = target.client("sqs")
    url = sqs.get_queue_url(QueueName=names.queue)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == names.tags

    s3 = target.client("s3")
    block = s3.get_public_access_block(Bucket=names.bucket)["PublicAccessBlockConfiguration"]
    assert block == deploy.PUBLIC_ACCESS_BLOCK
    rule = s3.get_bucket_encryption(Bucket=names.bucket)["ServerSideEncryptionConfiguration"]
    assert rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    fn = lam.get_function(FunctionName=names.function)
    conf = fn["Configuration"]
    assert conf["Runtime"] == "python3.13" and conf["Handler"] == "lambda_fn.app.handler"
    assert conf["DurableConfig"] == {
        "ExecutionTimeout": deploy.ChatbotSettings.for_region(names.region).execution_timeout_s,
        "RetentionPeriodInDays": 7,
    }
    assert conf["LoggingConfig"]["LogFormat"] == "JSON"
    assert conf["Role"] == names.role_arn and conf["CodeSha256"] == fake_bundles[0].code_sha256
    assert fn["Tags"].items() >= names.tags.items()
    assert lam.get_alias(FunctionName=names.function, Name="live")["FunctionVersion"] == "1"


def test_a_name_still_held_stops_with_what_to_do(
    target: Target, names: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "QUEUE_NAME_WAIT_S", 0)
    monkeypatch.setattr(bucket, "BUCKET_NAME_WAIT_S", 0)
    monkeypatch.setattr(steps, "WAIT_POLL_S", (0.01,))
    sqs, s3 = target.client("sqs"), target.client("s3")
    sqs.delete_queue(QueueUrl=deploy.ensure_queue(target, names))
    with pytest.raises(deploy.NameNotReleasedError) as queue_held:
        deploy.ensure_queue(target, names)
    assert "wait 60 s and run this cell again, or use another PREFIX" in str(queue_held.value)
    assert queue_held.value._render_traceback_() == [f"NameNotReleasedError: {queue_held.value}"]
    deploy.ensure_bucket(target, names)
    s3.delete_bucket(Bucket=names.bucket)
    with pytest.raises(deploy.NameNotReleasedError, match="or use another PREFIX"):
        deploy.ensure_bucket(target, names)


@pytest.fixture(name="japanese")
def japanese_fixture() -> Any:
    from helpers import i18n

    i18n.use_language("ja")
    yield
    i18n.use_language(None)


# Three English words in a row: a sentence, not an AWS name, a runtime or a figure.
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}")


def test_the_steps_speak_japanese_under_ja(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any, japanese: None
) -> None:
    deploy_steps(target, names, fake_bundles[0])
    first = printed(capsys)
    kinds = ["ロール", "キュー", "バケット", "ロググループ", "関数", "バージョン", "エイリアス"]
    assert [line.split(" ", 1)[0] for line in first] == kinds, first
    assert all("作成しました" in line or "発行しました" in line for line in first), first
    deploy_steps(target, names, fake_bundles[0])
    second = printed(capsys)
    assert all(
        line.endswith(("作成済み（変更なし）", "すでにバージョン 1 を指しています"))
        for line in second
    ), second
    for line in first + second:
        assert not ENGLISH_RUN.search(line.split(": ", 1)[1]), line


@pytest.mark.parametrize(
    ("what", "ja"),
    [
        ("updated code and configuration (Role, Timeout) and tags",
         "コードと設定（Role、Timeout）とタグを更新しました"),
        ("created (encryption at rest on, after waiting 12 s for the name)",
         "作成しました（保存時の暗号化あり、名前が解放されるまで 12 秒待ったあと）"),
        ("moved version 1 -> 2", "バージョン 1 → 2 に移しました"),
        ("updated (public access blocked, SSE-S3 encryption on, tagged)",
         "更新しました（パブリックアクセスをブロックしました、SSE-S3 暗号化を有効にしました、"
         "タグを付けました）"),
        ("created, permissions boundary b1, detached the managed durable policy",
         "作成しました、アクセス許可の境界 b1、durable 用のマネージドポリシーをデタッチしました"),
        ("started (Event, status 202)", "開始しました（Event、ステータス 202）"),
        ("code updated (17.7 MB)", "コードを更新しました（17.7 MB）"),
    ],
)  # fmt: skip
def test_every_thing_a_step_says_has_its_japanese(what: str, ja: str) -> None:
    assert steps.in_japanese(what) == ja
