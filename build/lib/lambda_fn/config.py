"""The chatbot's settings, read from the function's environment variables.

| variable | meaning | default |
| --- | --- | --- |
| ``MODEL_ID`` | Bedrock model (or inference profile) id for Converse | required |
| ``QUEUE_URL`` | SQS queue that receives the approval requests | required |
| ``BUCKET`` | S3 bucket for the reports (private) | required |
| ``APPROVAL_TIMEOUT_SECONDS`` | how long one approval waits for a person | 900 |
| ``MAX_TURNS`` | most model turns ("think #n" steps) per execution | 6 |
| ``REPORT_URL_EXPIRES`` | lifetime of the report's presigned URL, seconds (<= 3600) | 900 |

The environment belongs to the function version, so it is the same on every replay of an
execution: reading it outside steps is deterministic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

APPROVAL_TIMEOUT_DEFAULT = 900
MAX_TURNS_DEFAULT = 6
MAX_TURNS_LIMIT = 20
REPORT_URL_EXPIRES_DEFAULT = 900
# A report link is for the person who asked, now: keep it short-lived.
REPORT_URL_EXPIRES_LIMIT = 3600


class SettingsError(ValueError):
    """An environment variable is missing or out of range; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    model_id: str
    queue_url: str
    bucket: str
    approval_timeout_seconds: int = APPROVAL_TIMEOUT_DEFAULT
    max_turns: int = MAX_TURNS_DEFAULT
    report_url_expires: int = REPORT_URL_EXPIRES_DEFAULT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        missing = [name for name in ("MODEL_ID", "QUEUE_URL", "BUCKET") if not env.get(name)]
        if missing:
            raise SettingsError(f"missing environment variable(s): {', '.join(missing)}")
        return cls(
            model_id=env["MODEL_ID"],
            queue_url=env["QUEUE_URL"],
            bucket=env["BUCKET"],
            approval_timeout_seconds=_int(
                env, "APPROVAL_TIMEOUT_SECONDS", APPROVAL_TIMEOUT_DEFAULT, low=1
            ),
            max_turns=_int(env, "MAX_TURNS", MAX_TURNS_DEFAULT, low=1, high=MAX_TURNS_LIMIT),
            report_url_expires=_int(
                env,
                "REPORT_URL_EXPIRES",
                REPORT_URL_EXPIRES_DEFAULT,
                low=1,
                high=REPORT_URL_EXPIRES_LIMIT,
            ),
        )


def _int(
    env: Mapping[str, str], name: str, default: int, *, low: int, high: int | None = None
) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise SettingsError(f"{name} must be {bounds}, not {value}")
    return value
