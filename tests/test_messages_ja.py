"""What a learner reads from the parameter check, the preflight and connect, in Japanese
when LANGUAGE says "ja", and Region advice that names Tokyo in both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from helpers import i18n
from helpers.params import ParameterError, check_parameters
from helpers.preflight import Check, PreflightFailed, model_advice, summary
from helpers.target import Target, TargetError, connect

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _english_unless_chosen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    i18n.use_language(None)
    yield
    i18n.use_language(None)


def problems(**given: object) -> tuple[list[str], list[str]]:
    with pytest.raises(ParameterError) as caught:
        check_parameters(**{"target": "local", "region": "us-east-1", "prefix": "dfw", **given})
    return caught.value.problems, caught.value._render_traceback_()


def test_the_problems_speak_the_language_given_with_them() -> None:
    """LANGUAGE="ja" in the same cell as a wrong REGION: the problem reads in Japanese."""
    found, shown = problems(target="gcp", region="tokyo", language="ja")
    assert all(JAPANESE.search(p) for p in found), found
    assert "'ap-northeast-1'（東京）" in found[1]
    assert shown[0].startswith("ParameterError: 直すべきパラメータが 2 つあります")
    assert "パラメータのセル" in shown[-1]


def test_a_region_without_durable_functions_suggests_tokyo_in_japanese() -> None:
    [problem], _ = problems(region="ca-west-1", language="ja")
    assert problem.startswith("REGION が 'ca-west-1' ですが")
    assert "ap-northeast-1（東京）" in problem


def test_the_region_advice_names_tokyo_in_english_too() -> None:
    [problem], shown = problems(region="tokyo", language="en")
    assert "'us-east-1', 'us-east-2' (Ohio) or 'ap-northeast-1' (Tokyo)" in problem
    assert not JAPANESE.search(" ".join(shown))


def test_good_parameters_are_described_in_japanese() -> None:
    params = check_parameters(
        target="local", region="ap-northeast-1", prefix="dfw", model_id="", language="ja"
    )
    assert params.describe().startswith("パラメータ OK: TARGET=local, REGION=ap-northeast-1")
    assert "（REGION から導出）" in params.describe()


def test_the_preflight_speaks_japanese() -> None:
    i18n.use_language("ja")
    target = Target("local", "ap-northeast-1", "http://127.0.0.1:9", boto3.Session())
    checks = [Check("s3", True, "ok"), Check("model", False, "no")]
    text = summary(target, None, checks)
    assert "リージョン ap-northeast-1" in text and "2 件中 1 件の確認が失敗しました" in text
    assert "を呼び出します" in text
    assert "セルをもう一度実行してください" in PreflightFailed(checks[1:]).args[0]
    refusal = ClientError(
        {"Error": {"Code": "ValidationException", "Message": "invalid model"}}, "Converse"
    )
    advice = model_advice(refusal, "us.amazon.nova-lite-v1:0", "ap-northeast-1")
    assert advice.startswith("このモデル ID は ap-northeast-1 にありません")


def test_the_preflight_summary_stays_english_by_default() -> None:
    target = Target("local", "us-east-1", "http://127.0.0.1:9", boto3.Session())
    text = summary(target, None, [Check("s3", True, "ok")])
    assert text.startswith("Where: the local cloud") and not JAPANESE.search(text)


def test_connect_refuses_in_japanese() -> None:
    i18n.use_language("ja")
    with pytest.raises(TargetError, match="TARGET は"):
        connect("gcp", "ap-northeast-1")
    with pytest.raises(TargetError, match="'ap-northeast-1'（東京）"):
        connect("aws", "")
