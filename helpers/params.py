"""Check a notebook's parameters cell before anything else runs.

Every notebook starts with one ``parameters`` cell (papermill overrides it). A wrong value
there should stop the notebook with one clear sentence per problem, not with a traceback
from deep inside boto3 ten cells later. ``check_parameters`` validates every parameter it
is given, all at once, and raises ``ParameterError`` listing what to change. Inside
Jupyter (and papermill) the error shows as those sentences only: IPython prints what
``_render_traceback_`` returns instead of the traceback.

    params = check_parameters(target=TARGET, region=REGION, prefix=PREFIX,
                              approval_mode=APPROVAL_MODE, decisions=DECISIONS, query=QUERY)

``REGION`` must be one where AWS offers Lambda durable functions (``helpers.regions``), on
both targets: the local cloud emulates those Regions and answers as AWS does elsewhere.
``MODEL_ID`` (notebooks 00, 03 and 04) is a Bedrock model id or inference-profile id, or
``""`` for the workshop's model in REGION (``helpers.regions.default_model_id``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from .approvals.modes import ApprovalConfigError, Decisions, check_mode, check_review_seconds
from .deploy import PrefixError, validate_prefix
from .i18n import LanguageError, check_language, tr, use_language
from .regions import (
    AS_OF,
    default_model_id,
    offers_durable_functions,
    profile_geography,
    region_advice,
)
from .target import TARGETS

# As lambda_fn.app.MAX_QUERY_LENGTH (not imported: that module loads the durable SDK).
MAX_QUERY_LENGTH = 4000
# Region names as AWS spells them: us-east-2, ap-northeast-1, us-gov-west-1, eu-central-2...
REGION_PATTERN = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
# A Bedrock model id as Converse's modelId takes it: a foundation model
# (``provider.model-version``, e.g. ``amazon.nova-lite-v1:0``), or a system-defined
# inference profile (``geo.`` + that, e.g. ``apac.amazon.nova-lite-v1:0``). ARNs are not
# taken: the execution role's policy is written for an id (``deploy.model_statements``).
MODEL_ID_PATTERN = re.compile(r"^[a-z0-9-]+\.[a-z0-9][a-z0-9._-]*(:[a-z0-9]+)*$")
MAX_MODEL_ID_LENGTH = 200
# From which source Regions a system-defined inference profile can be called (Bedrock user
# guide, "Supported Regions and models for inference profiles"; a wrong pair answers
# ValidationException). us/eu/apac follow helpers.regions (the table the local cloud uses
# too); the single-country ones: jp from Tokyo and Osaka, au from Sydney and Melbourne,
# us-gov from GovCloud. Any other prefix (global, ca) is left to the preflight call.
_PROFILE_SOURCES = {
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
}
_GEOGRAPHY_NAMES = {
    "us": "US",
    "eu": "EU",
    "apac": "Asia Pacific",
    "jp": "Japan",
    "au": "Australia",
    "us-gov": "GovCloud (US)",
}


class ParameterError(ValueError):
    """One or more notebook parameters cannot work; the message says what to set instead."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = (
            tr("A parameter needs fixing", "直すべきパラメータが 1 つあります")
            if count == 1
            else tr(f"{count} parameters need fixing", f"直すべきパラメータが {count} つあります")
        )
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the problems and what to do."""
        return [
            f"ParameterError: {self}",
            tr(
                "Change the parameters cell at the top of the notebook (or the -p values given "
                "to papermill), then run the notebook again.",
                "ノートブック先頭のパラメータのセル（または papermill に渡した -p の値）を"
                "直してから、ノートブックをもう一度実行してください。",
            ),
        ]


@dataclass(frozen=True)
class Parameters:
    """The validated parameters; those a notebook does not use stay None."""

    target: str
    region: str
    prefix: str
    approval_mode: str | None = None
    decisions: Decisions = field(default_factory=list)
    query: str | None = None
    output_dir: Path | None = None
    review_seconds: float | None = None
    # The model the chatbot calls: MODEL_ID as given, or derived from REGION when empty.
    model_id: str | None = None
    model_derived: bool = False
    # LANGUAGE as given ("" follows the environment); None where the notebook has none.
    language: str | None = None

    def describe(self) -> str:
        parts = [f"TARGET={self.target}", f"REGION={self.region}", f"PREFIX={self.prefix}"]
        if self.model_id is not None:
            how = tr(" (derived from REGION)", "（REGION から導出）") if self.model_derived else ""
            parts.append(f"MODEL_ID={self.model_id}{how}")
        if self.approval_mode is not None:
            parts.append(f"APPROVAL_MODE={self.approval_mode}")
            if self.approval_mode == "auto":
                then = (
                    tr("other tools APPROVE", "ほかのツールは APPROVE")
                    if isinstance(self.decisions, dict)
                    else tr("then APPROVE", "その後は APPROVE")
                )
                parts.append(f"DECISIONS={self.decisions} ({then})")
        if self.review_seconds is not None and self.approval_mode == "auto":
            parts.append(f"REVIEW_SECONDS={self.review_seconds:g}")
        if self.output_dir is not None:
            parts.append(f"OUTPUT_DIR={self.output_dir}")
        return tr("parameters ok: ", "パラメータ OK: ") + ", ".join(parts)


_UNSET: Any = object()


@functools.cache
def known_regions() -> frozenset[str]:
    """Every Region botocore knows Lambda in, in every partition (its endpoint data)."""
    session = boto3.session.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("lambda", partition_name=partition)
    )


def region_problem(region: str) -> str | None:
    """Why ``region`` cannot run the workshop, or None: Lambda durable functions must be
    offered there (the same rule on both targets)."""
    if offers_durable_functions(region):
        return None
    if region not in known_regions():
        return tr(
            f"REGION is {region!r}: that is not an AWS Region (a typo?). Use a Region with "
            f"Lambda durable functions, for example {region_advice()}.",
            f"REGION が {region!r} ですが、これは AWS のリージョンではありません（入力ミス？）。"
            f"Lambda durable functions のあるリージョン、たとえば {region_advice()} "
            "を指定してください。",
        )
    return tr(
        f"REGION is {region!r}: AWS does not offer Lambda durable functions there "
        f"(Regions list as of {AS_OF}). Use a Region that does, for example "
        f"{region_advice()}.",
        f"REGION が {region!r} ですが、AWS はそこで Lambda durable functions を提供していません"
        f"（{AS_OF} 時点のリージョン一覧）。提供しているリージョン、たとえば "
        f"{region_advice()} を指定してください。",
    )


def _profile_callable_from(geo: str, region: str) -> bool | None:
    """Whether the ``geo.`` inference profiles can be called from ``region``; None when the
    kit does not know (the preflight's model call then tells)."""
    if geo in ("us", "eu", "apac"):
        return profile_geography(region) == geo
    if geo in _PROFILE_SOURCES:
        return region in _PROFILE_SOURCES[geo]
    if geo == "us-gov":
        return region.startswith("us-gov-")
    return None


def _same_model_for(region: str, model_id: str) -> str:
    """``model_id`` through the inference profile of ``region``'s geography (or the
    foundation model itself where no profile covers the Region)."""
    base = model_id.split(".", 1)[1]
    geo = profile_geography(region)
    return f"{geo}.{base}" if geo else base


def model_problem(model_id: object, region: str | None) -> str | None:
    """Why ``model_id`` cannot work in ``region``, or None (an empty id is fine: derived).
    Without a usable ``region`` only the id's form is checked."""
    example = repr(default_model_id(region or "us-east-2"))
    if not isinstance(model_id, str) or model_id != model_id.strip():
        return tr(
            f"MODEL_ID is {model_id!r}: give a Bedrock model id such as {example}, "
            'or "" for the workshop\'s model in REGION.',
            f"MODEL_ID が {model_id!r} です。{example} のような Bedrock のモデル ID を指定するか、"
            '"" にして REGION のワークショップ用モデルを使ってください。',
        )
    if not model_id:
        return None
    if len(model_id) > MAX_MODEL_ID_LENGTH or not MODEL_ID_PATTERN.match(model_id):
        arn = model_id.startswith("arn:")
        return tr(
            f"MODEL_ID is {model_id!r}: that is not a Bedrock model id"
            f"{' (the id, not an ARN)' if arn else ''}. Give one such "
            f'as {example} (a model, or an inference profile), or "" for the workshop\'s '
            "model in REGION.",
            f"MODEL_ID が {model_id!r} ですが、これは Bedrock のモデル ID ではありません"
            f"{'（ARN ではなく ID を指定します）' if arn else ''}。{example} のような ID"
            '（モデルまたは推論プロファイル）を指定するか、"" にして REGION のワークショップ用'
            "モデルを使ってください。",
        )
    geo = model_id.split(".", 1)[0]
    if region is not None and _profile_callable_from(geo, region) is False:
        same, default = _same_model_for(region, model_id), default_model_id(region)
        instead = tr(
            f'{same!r}, or "" (the kit derives it from REGION)'
            if same == default
            else f'{same!r} (the same model there), or "" for the workshop\'s model ({default!r})',
            f'{same!r}、または ""（キットが REGION から導きます）'
            if same == default
            else f'{same!r}（そこでの同じモデル）、または ""（ワークショップ用モデル {default!r}）',
        )
        return tr(
            f"MODEL_ID is {model_id!r}: '{geo}.' inference profiles can be called only from "
            f"{_GEOGRAPHY_NAMES[geo]} Regions, and REGION is {region!r}. In {region} use "
            f"{instead}.",
            f"MODEL_ID が {model_id!r} ですが、'{geo}.' の推論プロファイルは "
            f"{_GEOGRAPHY_NAMES[geo]} のリージョンからしか呼び出せず、REGION は {region!r} です。"
            f"{region} では {instead} を使ってください。",
        )
    return None


def check_parameters(
    *,
    target: Any,
    region: Any,
    prefix: Any,
    approval_mode: Any = _UNSET,
    decisions: Any = _UNSET,
    query: Any = _UNSET,
    output_dir: Any = _UNSET,
    review_seconds: Any = _UNSET,
    model_id: Any = _UNSET,
    language: Any = _UNSET,
) -> Parameters:
    """Validate the given parameters (all of them, not just up to the first bad one).

    ``decisions`` may be a list (in order), a mapping from tool name to decision, or either
    as text (papermill's ``-p``: JSON, ``"DENY,APPROVE"``, ``"calculate=DENY"``);
    ``output_dir`` is created; ``review_seconds`` (the auto reviewer's time per approval
    request) is 0 to 600; ``model_id`` ``""`` becomes the workshop's model in ``region``.
    Raises ``ParameterError``.
    """
    problems: list[str] = []
    # The learner's language first: every problem below is written in it.
    chosen: str | None = None
    language_problem: str | None = None
    if language is not _UNSET:
        try:
            chosen = check_language(language)
            use_language(chosen)
        except LanguageError as exc:
            language_problem = str(exc)
    if target not in TARGETS:
        problems.append(
            tr(
                f"TARGET is {target!r}: use 'local' (the kit's local cloud, no AWS account) "
                "or 'aws' (your account, default credentials).",
                f"TARGET が {target!r} です。'local'（キットのローカルクラウド、AWS アカウント"
                "不要）か 'aws'（ご自身のアカウント、デフォルトの認証情報）を指定してください。",
            )
        )
    if not isinstance(region, str) or not REGION_PATTERN.match(region):
        problems.append(
            tr(
                f"REGION is {region!r}: use an AWS Region name such as 'us-east-1', "
                "'us-east-2' (Ohio) or 'ap-northeast-1' (Tokyo), one that offers Lambda "
                "durable functions.",
                f"REGION が {region!r} です。'us-east-1'、'us-east-2'（オハイオ）、"
                "'ap-northeast-1'（東京）のような、Lambda durable functions のある AWS "
                "リージョンの名前を指定してください。",
            )
        )
        region_ok = False
    elif problem := region_problem(region):
        problems.append(problem)
        region_ok = False
    else:
        region_ok = True
    try:
        validate_prefix(prefix)
    except PrefixError as exc:
        problems.append(str(exc))
    mode: str | None = None
    decision_list: Decisions = []
    if approval_mode is not _UNSET:
        try:
            mode, _ = check_mode(approval_mode, [])
        except ApprovalConfigError as exc:
            problems.append(str(exc))
    if decisions is not _UNSET:
        try:
            _, decision_list = check_mode("auto", decisions)
        except ApprovalConfigError as exc:
            problems.append(str(exc))
    text: str | None = None
    if query is not _UNSET:
        if not isinstance(query, str) or not query.strip():
            problems.append(
                tr(
                    f"QUERY is {query!r}: write the question for the chatbot, for example "
                    "'How are callbacks billed, and what is 52.1 / 4?'.",
                    f"QUERY が {query!r} です。チャットボットへの質問を書いてください。たとえば "
                    "'コールバック (callback) はどう課金されますか？ 52.1 / 4 は？' です。",
                )
            )
        elif len(query.strip()) > MAX_QUERY_LENGTH:
            problems.append(
                tr(
                    f"QUERY is {len(query.strip())} characters long; the chatbot takes at most "
                    f"{MAX_QUERY_LENGTH}.",
                    f"QUERY が {len(query.strip())} 文字あります。チャットボットが受け付けるのは"
                    f"最大 {MAX_QUERY_LENGTH} 文字です。",
                )
            )
        else:
            text = query.strip()
    out: Path | None = None
    if output_dir is not _UNSET:
        if not isinstance(output_dir, str | Path) or not str(output_dir).strip():
            problems.append(
                tr(
                    f"OUTPUT_DIR is {output_dir!r}: give a folder such as '../outputs'.",
                    f"OUTPUT_DIR が {output_dir!r} です。'../outputs' のようなフォルダを"
                    "指定してください。",
                )
            )
        else:
            out = Path(output_dir).expanduser()
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                problems.append(
                    tr(
                        f"OUTPUT_DIR {str(out)!r} cannot be created: {exc.strerror}.",
                        f"OUTPUT_DIR {str(out)!r} を作れません: {exc.strerror}。",
                    )
                )
    seconds: float | None = None
    if review_seconds is not _UNSET:
        try:
            seconds = check_review_seconds(review_seconds)
        except ApprovalConfigError as exc:
            problems.append(str(exc))
    model: str | None = None
    if model_id is not _UNSET:
        if problem := model_problem(model_id, region if region_ok else None):
            problems.append(problem)
        elif region_ok:
            model = model_id or default_model_id(region)
    if language_problem is not None:
        problems.append(language_problem)
    if problems:
        raise ParameterError(problems)
    return Parameters(
        target=target,
        region=region,
        prefix=prefix,
        approval_mode=mode,
        decisions=decision_list,
        query=text,
        output_dir=out.resolve() if out is not None else None,
        review_seconds=seconds,
        model_id=model,
        model_derived=model_id == "",
        language=chosen,
    )
