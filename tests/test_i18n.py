"""The learner's language: the parameter wins, else the environment as gettext reads it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpers import i18n
from helpers.params import ParameterError, check_parameters


@pytest.fixture(autouse=True)
def _environment_decides() -> Iterator[None]:
    i18n.use_language(None)
    yield
    i18n.use_language(None)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANGUAGE": "ja:en", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
    ],
)
def test_the_environment_chooses_as_gettext(environ: dict[str, str], expected: str) -> None:
    assert i18n.from_environment(environ) == expected


def test_the_parameter_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "")
    monkeypatch.setenv("LC_ALL", "")
    monkeypatch.setenv("LC_MESSAGES", "")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert i18n.tr("yes", "はい") == "yes"
    params = check_parameters(target="local", region="ap-northeast-1", prefix="dfw", language="ja")
    assert params.language == "ja"
    assert i18n.tr("yes", "はい") == "はい"
    check_parameters(target="local", region="ap-northeast-1", prefix="dfw", language="")
    assert i18n.tr("yes", "はい") == "yes"


def test_an_unknown_language_is_named_with_what_to_use() -> None:
    with pytest.raises(ParameterError, match="LANGUAGE is 'fr': use 'en'"):
        check_parameters(target="local", region="us-east-1", prefix="dfw", language="fr")
    assert i18n.current() == "en" or i18n.current() == i18n.from_environment()
