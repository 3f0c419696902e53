"""The chatbot notebook 03 deployed, found again, and a conversation started with it.

Notebook 04 is made of these calls (and those of ``helpers.outcome``, ``helpers.brief``),
each in a cell of its own:

    deployed = deployed_chatbot(target, names, params.model_id)  # 03's, or deploy it now
    start_chat = chat_starter(target, names)            # question -> execution ARN
    panel = ApprovalPanel(Inbox.for_target(target, deployed.queue_url), start=start_chat,
                          review_seconds=REVIEW_SECONDS, ...)  # auto mode: a reviewer who reads
    execution_arn = lam.invoke(..., DurableExecutionName=conversation_name(), ...)
    message = wait_for_request(target, deployed.queue_url, execution_arn)  # the first request
    lam.send_durable_execution_callback_success(...)  # answered in a cell
    result = panel.follow(execution_arn, timeout=...)  # the panel answers the rest
    outcome = outcome_of(panel)                          # answer, report link, decisions
    report_of(outcome)                                   # the report, via its presigned URL
    history_brief(target, outcome.execution_arn)         # what ran when, in a table

Nothing there blocks in widget mode: a cell that blocks keeps the browser's clicks from
reaching the kernel. Whatever is not there yet (no answer clicked, no report) is said in
one sentence, never a traceback.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from . import state
from .deploy import ChatbotSettings, Names, deploy_chatbot, start_execution
from .i18n import tr
from .target import Target

# The keys notebook 03 saves, and deployed_chatbot reads back.
DEPLOYMENT_KEYS = ("function", "alias", "version", "queue_url", "bucket", "log_group")


@dataclass(frozen=True)
class ChatDeployment:
    """What notebooks 04 and 05 need of the chatbot notebook 03 deployed."""

    function: str
    alias: str
    version: str
    queue_url: str
    bucket: str
    log_group: str

    def as_state(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in DEPLOYMENT_KEYS}


def where(target: Target) -> dict[str, str]:
    """What the state file records of the target its values belong to: ARNs of the local
    cloud must never be taken for an account's, nor one local cloud's for another's."""
    return {"target": target.name, "region": target.region, "endpoint": target.endpoint or ""}


def same_place(saved: dict[str, Any], target: Target) -> bool:
    """Whether a state file's values (``saved``) belong to ``target`` (see ``where``)."""
    return all(saved.get(key) == value for key, value in where(target).items())


def _still_there(target: Target, saved: dict[str, Any]) -> bool:
    lam, sqs = target.client("lambda"), target.client("sqs")
    try:
        lam.get_alias(FunctionName=saved["function"], Name=saved["alias"])
        sqs.get_queue_attributes(QueueUrl=saved["queue_url"], AttributeNames=["QueueArn"])
    except ClientError:
        return False
    return True


def deployed_chatbot(target: Target, names: Names, model_id: str = "") -> ChatDeployment:
    """The chatbot notebook 03 deployed under this PREFIX (read from the state file).

    If 03 has not run for this prefix and target, or what it deployed is gone, or it calls
    another model than ``model_id`` (MODEL_ID; ``""``: the workshop's model in the Region),
    this runs the same steps at once (``deploy_chatbot``, idempotent) and saves the result,
    so that the notebook also works on its own.
    """
    settings = ChatbotSettings.for_region(names.region, model_id)
    saved = state.load(names.prefix)
    reusable = (
        same_place(saved, target)
        and all(isinstance(saved.get(k), str) for k in DEPLOYMENT_KEYS)
        and saved["function"] == names.function
    )
    # A state file from before the model was saved: what 03 deployed is taken as it is.
    other_model = saved.get("model_id", settings.model_id) != settings.model_id
    if reusable and not other_model and _still_there(target, saved):
        deployed = ChatDeployment(**{k: saved[k] for k in DEPLOYMENT_KEYS})
        queue = deployed.queue_url.rsplit("/", 1)[-1]
        print(
            tr(
                f"Using the chatbot notebook 03 deployed: {deployed.function}:{deployed.alias} "
                f"(version {deployed.version}), queue {queue}, model {settings.model_id}.",
                f"ノートブック 03 がデプロイしたチャットボットを使います: "
                f"{deployed.function}:{deployed.alias}（バージョン {deployed.version}）、"
                f"キュー {queue}、モデル {settings.model_id}。",
            )
        )
        return deployed
    if reusable and other_model:
        print(
            tr(
                f"Notebook 03 deployed the chatbot with model {saved['model_id']}, and MODEL_ID "
                f"asks for {settings.model_id}: deploying it again with that model (the same "
                "steps, at once).",
                f"ノートブック 03 はモデル {saved['model_id']} でチャットボットを"
                f"デプロイしましたが、MODEL_ID は {settings.model_id} です。"
                "そのモデルでもう一度デプロイします（同じ手順をまとめて実行します）。",
            )
        )
    else:
        print(
            tr(
                f"No deployment of notebook 03 found for PREFIX={names.prefix!r} on "
                f"{target.name}/{target.region}: deploying the chatbot now (the same steps, at "
                f"once), model {settings.model_id}.",
                f"{target.name}/{target.region} に PREFIX={names.prefix!r} のノートブック 03 の"
                "デプロイが見つかりません。チャットボットを今デプロイします（同じ手順をまとめて"
                f"実行します）。モデルは {settings.model_id} です。",
            )
        )
    done = deploy_chatbot(target, names, settings)
    deployed = ChatDeployment(
        function=names.function,
        alias=names.alias,
        version=done.version,
        queue_url=done.queue_url,
        bucket=done.bucket,
        log_group=names.log_group,
    )
    state.save(names.prefix, **where(target), **deployed.as_state(), model_id=settings.model_id)
    return deployed


def conversation_name() -> str:
    """A fresh DurableExecutionName, short enough for the panel to show whole:
    ``chat-MMDDTHHMMSS-xxxxxx`` (names stay taken until the retention period ends)."""
    return f"chat-{datetime.now(UTC):%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def chat_starter(target: Target, names: Names) -> Callable[[str], str]:
    """``start_chat(question) -> execution ARN``: one durable execution of ``live`` per
    question (``Event`` invoke, a fresh DurableExecutionName each time)."""

    def start_chat(question: str) -> str:
        return start_execution(target, names, {"query": question}, conversation_name())

    return start_chat
