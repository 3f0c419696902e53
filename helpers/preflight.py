"""Preflight: can this target run the workshop? One line per check, a fix for each failure.

The last check calls the chatbot's model once (one Converse call of a few tokens), with the
id the chatbot will use: on AWS, Bedrock; on the local cloud, its model, which refuses what
Bedrock refuses. Whatever the target, a refusal reads as what to do about it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from .deploy import Names, redact_account, validate_prefix
from .i18n import current, tr
from .regions import AS_OF, default_model_id, offers_durable_functions, region_advice
from .target import Target


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        # The identity's ARN carries the account id: masked where it is shown.
        return redact_account(f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}")


PROBE_FUNCTION = "workshop-preflight-probe"
# The model call: a few tokens each way. With Nova Lite's on-demand prices (about $0.06 per
# million input tokens, $0.24 per million output tokens) it costs a few millionths of a dollar.
PROBE_PROMPT = "Reply with the single word OK."
PROBE_MAX_TOKENS = 5
THROTTLED = ("ThrottlingException", "ServiceUnavailableException", "ModelNotReadyException")


class PreflightFailed(RuntimeError):
    """Some checks failed; each says what to fix. Shown without a traceback in Jupyter."""

    def __init__(self, failed: Sequence[Check]) -> None:
        self.failed = list(failed)
        count = len(self.failed)
        super().__init__(
            tr(
                f"{'1 check' if count == 1 else f'{count} checks'} failed: fix what each says, "
                "then run this cell again.",
                f"{count} 件の確認が失敗しました。それぞれの内容を直してから、"
                "このセルをもう一度実行してください。",
            )
        )

    def _render_traceback_(self) -> list[str]:
        return [f"PreflightFailed: {self}", *(str(c) for c in self.failed)]


def model_advice(exc: ClientError, model_id: str, region: str) -> str:
    """What to do about Bedrock's refusal of ``model_id`` in ``region``: the same sentence
    whichever target refused it (the local cloud answers with Bedrock's error codes)."""
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    suggested = default_model_id(region)
    if code == "AccessDeniedException" and "not authorized to perform" in message:
        # IAM (or an SCP) said no, not Bedrock: the identity lacks bedrock:InvokeModel.
        return tr(
            f"your identity may not call bedrock:InvokeModel on {model_id} in {region}: "
            "on a shared account ask your facilitator for the policy of "
            "`python -m helpers.permissions` (it includes the model); on your own, allow "
            "that action on the model.",
            f"あなたの ID は {region} の {model_id} に bedrock:InvokeModel を呼べません。"
            "共有アカウントなら、ファシリテーターに `python -m helpers.permissions` の"
            "ポリシー（モデルを含みます）を頼んでください。ご自身のアカウントなら、"
            "そのモデルへのこのアクションを許可してください。",
        )
    if code == "AccessDeniedException":
        return tr(
            f"enable model access for {model_id} in the Bedrock console of {region} (Model "
            "catalog: open the model, try it in the playground; Anthropic models ask for "
            "use-case details once, other providers' need the AWS Marketplace "
            "permissions), or ask whoever manages the account whether a policy blocks it. "
            f"Bedrock said: {message}",
            f"{region} の Bedrock コンソールで {model_id} へのモデルアクセスを有効にしてください"
            "（Model catalog でモデルを開き、プレイグラウンドで試します。Anthropic のモデルは"
            "最初に一度ユースケースの詳細を求め、ほかのプロバイダーのモデルは AWS Marketplace の"
            "権限が要ります）。または、アカウントの管理者にポリシーで止めていないか尋ねてください。"
            f"Bedrock の応答: {message}",
        )
    if code == "ValidationException":
        if suggested != model_id:
            return tr(
                f'this model id does not exist in {region}; use {suggested} (MODEL_ID = "" '
                f"picks it). Bedrock said: {message}",
                f"このモデル ID は {region} にありません。{suggested} を使ってください"
                f'（MODEL_ID = "" で選ばれます）。Bedrock の応答: {message}',
            )
        return tr(
            f"the workshop's model {model_id} does not answer in {region}: choose another "
            f"REGION ({region_advice()}) or a MODEL_ID offered in {region}. "
            f"Bedrock said: {message}",
            f"ワークショップ用モデル {model_id} が {region} で応答しません。別の REGION"
            f"（{region_advice()}）か、{region} で使える MODEL_ID を選んでください。"
            f"Bedrock の応答: {message}",
        )
    if code == "ResourceNotFoundException":
        return tr(
            f"Bedrock does not offer {model_id} to this account in {region} (a retired "
            "model, or use-case details not yet submitted): pick another MODEL_ID or open "
            f"the model in the Bedrock console of {region}. Bedrock said: {message}",
            f"Bedrock は {region} でこのアカウントに {model_id} を提供していません（提供終了の"
            "モデルか、ユースケースの詳細をまだ送っていないため）。別の MODEL_ID を選ぶか、"
            f"{region} の Bedrock コンソールでモデルを開いてください。Bedrock の応答: {message}",
        )
    if code in THROTTLED:
        return tr(
            f"Bedrock is busy ({code}, after retries): run this cell again in a minute; the "
            "model is there.",
            f"Bedrock が混み合っています（再試行後も {code}）。1 分後にこのセルをもう一度"
            "実行してください。モデル自体はあります。",
        )
    return tr(
        f"{code or 'error'}: {message}. Check MODEL_ID, or try again.",
        f"{code or 'error'}: {message}。MODEL_ID を確かめるか、もう一度試してください。",
    )


def check_model(target: Target, model_id: str | None = None) -> Check:
    """One tiny Converse call to ``model_id`` (default: the workshop's model in the
    target's Region): does the model answer this identity, in this Region?"""
    model_id = model_id or default_model_id(target.region)
    name = "model"
    started = time.monotonic()
    try:
        reply = target.client("bedrock-runtime").converse(
            modelId=model_id,
            messages=[{"role": "user", "content": [{"text": PROBE_PROMPT}]}],
            inferenceConfig={"maxTokens": PROBE_MAX_TOKENS},
        )
    except ClientError as exc:
        return Check(name, False, model_advice(exc, model_id, target.region))
    except BotoCoreError as exc:
        fix = tr(
            "Check the endpoint and the network, then retry.",
            "エンドポイントとネットワークを確かめてから、もう一度試してください。",
        )
        return Check(name, False, f"{exc}. {fix}")
    usage = reply.get("usage", {})
    tokens_in, tokens_out = usage.get("inputTokens", "?"), usage.get("outputTokens", "?")
    seconds = time.monotonic() - started
    return Check(
        name,
        True,
        tr(
            f"{model_id} answers ({tokens_in} tokens in, {tokens_out} out, {seconds:.1f} s)",
            f"{model_id} が応答しました（入力 {tokens_in} トークン、出力 {tokens_out} トークン、"
            f"{seconds:.1f} 秒）",
        ),
    )


def _durable_api_answers(lam: object, function: str) -> bool:
    try:
        lam.list_durable_executions_by_function(FunctionName=function)  # type: ignore[attr-defined]
    except ClientError as exc:
        # No such function is the expected answer: the API itself is there.
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    return True


def run(target: Target, prefix: str | None = None, model_id: str | None = None) -> list[Check]:
    """Identity, Lambda with durable functions, S3, SQS and Logs, each called once, then
    the model (``check_model``: ``model_id``, or the workshop's model in the Region).

    With ``prefix``, the durable API is asked about the prefix's chatbot function (there
    or not, the API answers): an attendee whose policy covers only the prefix's resources
    (``helpers.permissions``) may ask about that one and no other.
    """
    if prefix is not None:
        validate_prefix(prefix)  # a bad PREFIX fails here, before any call goes out
    checks: list[Check] = []

    def attempt(name: str, call: object, ok_detail: str, fix: str) -> None:
        try:
            result = call()  # type: ignore[operator]
            checks.append(Check(name, True, ok_detail.format(result=result)))
        except (ClientError, BotoCoreError) as exc:
            checks.append(Check(name, False, f"{exc}. {fix}"))

    sts, lam = target.client("sts"), target.client("lambda")
    attempt(
        "identity",
        lambda: sts.get_caller_identity()["Arn"],
        "{result}",
        tr(
            "Configure credentials (aws configure / AWS_PROFILE) or use TARGET='local'.",
            "認証情報を設定する（aws configure / AWS_PROFILE）か、TARGET='local' にしてください。",
        ),
    )
    attempt(
        "lambda",
        lambda: len(lam.list_functions(MaxItems=50)["Functions"]),
        tr("{result} functions visible", "関数が {result} 個見えます"),
        tr(
            "Check the region and the Lambda permissions.",
            "リージョンと Lambda の権限を確かめてください。",
        ),
    )
    attempt(
        "durable executions",
        lambda: _durable_api_answers(
            lam, Names.for_target(target, prefix).function if prefix else PROBE_FUNCTION
        ),
        tr("API answers", "API が応答しました"),
        tr(
            "Pick a region where Lambda durable functions are available, or check the Lambda "
            "permissions.",
            "Lambda durable functions のあるリージョンを選ぶか、Lambda の権限を確かめてください。",
        ),
    )
    attempt(
        "s3",
        lambda: len(target.client("s3").list_buckets()["Buckets"]),
        tr("{result} buckets visible", "バケットが {result} 個見えます"),
        tr("Check the S3 permissions.", "S3 の権限を確かめてください。"),
    )
    attempt(
        "sqs",
        lambda: len(target.client("sqs").list_queues().get("QueueUrls", [])),
        tr("{result} queues visible", "キューが {result} 個見えます"),
        tr("Check the SQS permissions.", "SQS の権限を確かめてください。"),
    )
    attempt(
        "logs",
        lambda: len(target.client("logs").describe_log_groups(limit=5)["logGroups"]),
        tr("CloudWatch Logs answers", "CloudWatch Logs が応答しました"),
        tr("Check the CloudWatch Logs permissions.", "CloudWatch Logs の権限を確かめてください。"),
    )
    checks.append(check_model(target, model_id))
    return checks


def summary(target: Target, model_id: str | None, checks: Sequence[Check]) -> str:
    """The preflight in plain words: where, which model, and whether all is well."""
    model = model_id or default_model_id(target.region)
    offers = offers_durable_functions(target.region)
    failed = [c for c in checks if not c.ok]
    names = ", ".join(c.name for c in failed)
    if current() == "ja":
        place = (
            f"{target.endpoint} のローカルクラウド"
            if target.endpoint
            else "ご自身の AWS アカウント"
        )
        offered = "提供しています" if offers else "提供していません"
        verdict = (
            f"{len(checks)} 件中 {len(failed)} 件の確認が失敗しました（{names}）。"
            "上を見てください。"
            if failed
            else f"{len(checks)} 件の確認がすべて通りました。ワークショップはここで動きます。"
        )
        return "\n".join(
            [
                f"場所: {place}、リージョン {target.region}。ここでは Lambda durable functions を"
                f"{offered}（{AS_OF} 時点のリージョン一覧）。",
                f"モデル: チャットボットは {model} を呼び出します。",
                verdict,
            ]
        )
    place = f"the local cloud at {target.endpoint}" if target.endpoint else "your AWS account"
    if failed:
        verdict = f"{len(failed)} of {len(checks)} checks failed ({names}): see above."
    else:
        verdict = f"All {len(checks)} checks passed: the workshop can run here."
    return "\n".join(
        [
            f"Where: {place}, Region {target.region}, which "
            f"{'offers' if offers else 'does NOT offer'} Lambda durable "
            f"functions (Regions list as of {AS_OF}).",
            f"Model: the chatbot will call {model}.",
            verdict,
        ]
    )


def require(checks: Sequence[Check]) -> None:
    """Raise ``PreflightFailed`` (shown as the failed checks, no traceback) if any failed."""
    failed = [c for c in checks if not c.ok]
    if failed:
        raise PreflightFailed(failed)
