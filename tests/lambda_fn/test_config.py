"""The chatbot's settings from its environment variables."""

from __future__ import annotations

import pytest

from lambda_fn.config import Settings, SettingsError

REQUIRED = {"MODEL_ID": "m", "QUEUE_URL": "https://sqs/q", "BUCKET": "b"}


def test_defaults() -> None:
    settings = Settings.from_env(REQUIRED)

    assert settings == Settings(
        model_id="m",
        queue_url="https://sqs/q",
        bucket="b",
        approval_timeout_seconds=900,
        max_turns=6,
        report_url_expires=900,
    )


def test_values_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            **REQUIRED,
            "APPROVAL_TIMEOUT_SECONDS": "30",
            "MAX_TURNS": "3",
            "REPORT_URL_EXPIRES": "3600",
        }
    )

    assert (settings.approval_timeout_seconds, settings.max_turns, settings.report_url_expires) == (
        30,
        3,
        3600,
    )


def test_missing_variables_are_named() -> None:
    with pytest.raises(SettingsError, match="QUEUE_URL, BUCKET"):
        Settings.from_env({"MODEL_ID": "m"})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("APPROVAL_TIMEOUT_SECONDS", "0", "at least 1"),
        ("APPROVAL_TIMEOUT_SECONDS", "15m", "a whole number"),
        ("MAX_TURNS", "0", "between 1 and 20"),
        ("MAX_TURNS", "21", "between 1 and 20"),
        ("REPORT_URL_EXPIRES", "86400", "between 1 and 3600"),
    ],
)
def test_out_of_range_values_are_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"{name} must be {message}"):
        Settings.from_env({**REQUIRED, name: value})
