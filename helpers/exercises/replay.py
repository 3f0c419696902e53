"""Notebook 02's exercise: move the e-mail into a step, and see it sent once.

The learner's handler goes into the lessons' zip as ``lambda_fn/exercise_email.py`` and is
deployed as a durable function of its own (``<PREFIX>-exercise``, with the samples' steps,
removed by cleanup like them); one execution runs, and its logs count the e-mails.
"""

from __future__ import annotations

import io
import time
import zipfile

from ..deploy import Bundle, Names, build_zip, start_execution
from ..deploy.bundle import BUILD_DIR, code_sha256
from ..history import fetch, invocation_logs, wait_for
from ..i18n import tr
from ..samples import deploy_sample
from ..target import Target
from .checks import Verdict, exercises_on, skipped, verdict

MODULE = "lambda_fn/exercise_email.py"
HANDLER = "lambda_fn.exercise_email.lambda_handler"
APP = "exercise"
MARK = "E-MAIL"  # what send_email prints, once per e-mail


def exercise_bundle(source: str, base: Bundle | None = None) -> Bundle:
    """The lessons' zip (``base``, else ``build_zip()``) with ``source`` as ``MODULE``."""
    base = base or build_zip()
    started = time.perf_counter()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base.read())) as original,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in original.infolist():
            if info.filename != MODULE:
                archive.writestr(info, original.read(info))
        info = zipfile.ZipInfo(MODULE, (1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o100644 << 16
        archive.writestr(info, source)
    data = out.getvalue()
    path = BUILD_DIR / "exercise_email.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    sha = code_sha256(data)
    return Bundle(path, sha, data, sha, False, time.perf_counter() - started)


def _problem_in(source: object) -> str | None:
    """What stops ``source`` from being deployed, in words; None if nothing."""
    if not isinstance(source, str):
        return tr(
            f"MY_HANDLER is {type(source).__name__}: keep it a string holding the handler's code.",
            f"MY_HANDLER が {type(source).__name__} です。ハンドラーのコードを文字列のまま"
            "入れてください。",
        )
    try:
        compile(source, MODULE, "exec")
    except SyntaxError as exc:
        return tr(
            f"MY_HANDLER does not compile, line {exc.lineno}: {exc.msg}. Fix it and run both "
            "cells again.",
            f"MY_HANDLER の {exc.lineno} 行目がコンパイルできません: {exc.msg}。"
            "直してから 2 つのセルをもう一度実行してください。",
        )
    if "def lambda_handler" not in source:
        return tr(
            "MY_HANDLER has no lambda_handler: keep the handler's name, Lambda calls it.",
            "MY_HANDLER に lambda_handler がありません。Lambda が呼び出す名前なので"
            "そのままにしてください。",
        )
    return None


def check_one_email(
    target: Target,
    names: Names,
    source: object,
    wait_seconds: int,
    run: object = "auto",
    base: Bundle | None = None,
) -> Verdict:
    """Deploy ``source`` as ``<PREFIX>-exercise``, run one execution that waits
    ``wait_seconds``, and say whether it sent exactly one e-mail across its invocations
    (a replay included); ``ok`` None when not checked (see ``exercises_on``)."""
    if not exercises_on(run):
        return skipped(run)
    problem = _problem_in(source)
    if problem is not None:
        return verdict(False, problem)
    assert isinstance(source, str)  # _problem_in said so
    exercise = names.for_app(APP)
    deploy_sample(target, exercise, HANDLER, exercise_bundle(source, base))
    arn = start_execution(target, exercise, {"wait_seconds": wait_seconds})
    lam = target.client("lambda")
    execution = wait_for(lam, arn, expected_s=wait_seconds + 2)
    if execution["Status"] != "SUCCEEDED":
        error = execution.get("Error", {})
        return verdict(
            False,
            tr(
                f"The execution ended {execution['Status']}: {error.get('ErrorType', '')} "
                f"{error.get('ErrorMessage', '')}. Fix MY_HANDLER and run both cells again.",
                f"実行は {execution['Status']} で終わりました: {error.get('ErrorType', '')} "
                f"{error.get('ErrorMessage', '')}。MY_HANDLER を直して、2 つのセルを"
                "もう一度実行してください。",
            ),
        )
    history = fetch(lam, arn)
    logs = invocation_logs(target.client("logs"), exercise.log_group, history)
    if not logs.complete:
        return verdict(False, logs.status())
    emails = logs.matching(MARK)
    invocations = len(history.invocations)
    if invocations < 2:
        return verdict(
            False,
            tr(
                "The execution ran in one invocation, so nothing was replayed: keep the "
                "context.wait(...) after the e-mail.",
                "実行は 1 回の呼び出しで終わり、リプレイが起きませんでした。e-mail の後の "
                "context.wait(...) は残してください。",
            ),
        )
    if len(emails) == 1:
        return verdict(
            True,
            tr(
                f"One e-mail in {invocations} invocations: on replay, the step's result came "
                "from the checkpoint.",
                f"{invocations} 回の呼び出しで e-mail は 1 通でした。リプレイでは、ステップの"
                "結果がチェックポイントから返されました。",
            ),
        )
    if not emails:
        return verdict(
            False,
            tr(
                f'No "{MARK}" line in the logs: keep the print in send_email, and call it.',
                f'ログに "{MARK}" の行がありません。send_email の print を残し、'
                "send_email を呼び出してください。",
            ),
        )
    return verdict(
        False,
        tr(
            f"{len(emails)} e-mails in {invocations} invocations: the e-mail still runs on "
            "every replay. Call send_email inside a step: "
            'context.step(lambda _: send_email("in a step"), name="send e-mail").',
            f"{invocations} 回の呼び出しで e-mail が {len(emails)} 通送られました。"
            "まだリプレイのたびに実行されています。send_email をステップの中で呼び出して"
            'ください: context.step(lambda _: send_email("in a step"), name="send e-mail")。',
        ),
    )
