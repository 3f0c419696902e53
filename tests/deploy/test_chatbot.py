"""The chatbot's settings and configuration (helpers.deploy.chatbot)."""

from __future__ import annotations

import pytest
from deploying import ACCOUNT

from helpers import deploy
from helpers.deploy import Names

NAMES = Names("hitl-alice", ACCOUNT, "us-east-2")


def test_execution_timeout_outlasts_every_approval_wait() -> None:
    settings = deploy.ChatbotSettings.for_region(NAMES.region, approval_timeout_s=600, max_turns=4)
    assert settings.execution_timeout_s > settings.max_turns * settings.approval_timeout_s
    config = deploy.chatbot_config(NAMES, "https://queue", settings)
    spec = config.spec(NAMES, NAMES.role_arn)
    assert spec["DurableConfig"]["ExecutionTimeout"] == settings.execution_timeout_s
    assert spec["Handler"] == "lambda_fn.app.handler" and spec["Runtime"] == "python3.13"
    assert spec["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": NAMES.log_group}
    assert set(spec["Environment"]["Variables"]) == {
        "MODEL_ID", "QUEUE_URL", "BUCKET", "APPROVAL_TIMEOUT_SECONDS", "MAX_TURNS",
        "REPORT_URL_EXPIRES",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("region", "model_id"),
    [
        ("us-east-2", "us.amazon.nova-lite-v1:0"),
        ("ap-northeast-1", "apac.amazon.nova-lite-v1:0"),
        ("eu-west-1", "eu.amazon.nova-lite-v1:0"),
    ],
)
def test_the_chatbot_calls_the_model_of_its_region(region: str, model_id: str) -> None:
    """No US-only default: settings made without a model take the Region's profile."""
    names = Names("hitl-alice", ACCOUNT, region)
    with pytest.raises(TypeError):
        deploy.ChatbotSettings()  # type: ignore[call-arg]
    environment = deploy.chatbot_config(names, "https://queue").environment
    assert environment["MODEL_ID"] == model_id
    assert deploy.ChatbotSettings.for_region(region).model_id == model_id
    chosen = deploy.ChatbotSettings.for_region(region, "amazon.nova-micro-v1:0", max_turns=2)
    assert (chosen.model_id, chosen.max_turns) == ("amazon.nova-micro-v1:0", 2)
