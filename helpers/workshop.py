"""``make workshop``: run every notebook headless, in order, against one local cloud.

Each notebook runs in its own kernel with papermill; they share the series' local cloud
(started here if needed) through ``AWS_ENDPOINT_URL``. Executed notebooks and the plots
they save land in the output directory.

A headless run runs the lessons as committed, whatever a notebook's parameters cell says
now: JupyterLab's autosave may have kept ``APPROVAL_MODE = "widget"`` in 04. Every
parameter a notebook declares gets the value of ``HEADLESS`` (``headless_parameters``),
and after 04 and 05 the run checks from outside, in the cloud and the state file, that
their lesson happened (``lesson_missing``): a notebook that ran without error but left no
finished conversation fails the run.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import time
from pathlib import Path

import papermill
from botocore.exceptions import ClientError

from . import state
from .cost import analyse_execution
from .i18n import LANGUAGES, from_environment, tr, use_language
from .target import background_cloud, connect, start_background_cloud, stop_background_cloud

KERNEL_START_ATTEMPTS = 3
# What jupyter_client raises when a kernel never answered its first kernel_info request:
# no cell has run, so the notebook can be started again from the top. "Died": the kernel
# lost a race for a TCP port jupyter_client picked for it before it bound it. "Didn't
# respond": the kernel lives but its channels never connected (seen once in thirty kernels
# starting together on two cores: a 300 s wait that a second start does not repeat).
KERNEL_NEVER_STARTED = ("Kernel died before replying", "Kernel didn't respond in ")


def kernel_never_started(error_text: str) -> bool:
    """True when ``error_text`` says the kernel failed before it ran any cell."""
    return any(sign in error_text for sign in KERNEL_NEVER_STARTED)


NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

# The headless run's value of every notebook parameter, the committed notebooks' own
# (tests/test_workshop_headless.py keeps the two equal): injected whatever the notebook's
# parameters cell says now. By notebook number where notebooks differ.
HEADLESS: dict[str, object] = {
    "TARGET": "local",
    "REGION": "us-east-1",
    "PREFIX": "dfw",
    "MODEL_ID": "",
    "LANGUAGE": "en",
    "APPROVAL_MODE": "auto",
    "DECISIONS": {
        "search_docs": "APPROVE",
        "calculate": "DENY",
        "estimate_lambda_cost": "APPROVE",
    },
    "QUERY": (
        "How are callbacks billed, what is 52.1 / 4, "
        "and what would 1000 executions at 1 GB and 13 s cost?"
    ),
    "REVIEW_SECONDS": 3,
    "EXECUTION_ARN": "",
    "RUN_EXERCISES": "auto",  # checks in JupyterLab, skipped headless
    "STOP_LOCAL_CLOUD": False,
}
# The Japanese series (LANGUAGE "ja", notebooks/ja/) asks its own question.
HEADLESS_BY_LANGUAGE: dict[str, dict[str, object]] = {
    "ja": {
        "QUERY": (
            "コールバック (callback) はどう課金されますか？ 52.1 / 4 はいくつですか？ "
            "1 GB、13 s の実行を 1000 executions 行うと費用 (cost) はいくらですか？"
        ),
    },
}
HEADLESS_BY_NOTEBOOK: dict[str, dict[str, object]] = {
    "01": {"WAIT_SECONDS": 10},
    "02": {"WAIT_SECONDS": 3},
    # The facilitator's notebook, headless: one static reading of a room of two.
    "90": {
        "ROOM": "hitl",
        "ATTENDEES": ["alice", "bob"],
        "STEP": "watch",
        "IDENTITY": "user",
        "REFRESH_SECONDS": 30,
        "DRY_RUN": True,
    },
}


def run(output_dir: Path, notebooks: list[Path], parameters: dict[str, object]) -> int:
    output_dir.mkdir(parents=True, exist_ok=True)
    if not notebooks:
        print(
            tr(
                f"No notebooks in {NOTEBOOKS} yet: nothing to run.",
                f"{NOTEBOOKS} にノートブックがまだありません。実行するものはありません。",
            )
        )
        return 0
    started_here = "AWS_ENDPOINT_URL" not in os.environ and background_cloud() is None
    if "AWS_ENDPOINT_URL" not in os.environ:
        os.environ["AWS_ENDPOINT_URL"] = start_background_cloud()
    print(tr("local cloud:", "ローカルクラウド:"), os.environ["AWS_ENDPOINT_URL"])
    try:
        return _run_all(output_dir, notebooks, parameters)
    finally:
        if started_here:  # leave a cloud someone else started (make lab) running
            stop_background_cloud()


def _run_all(output_dir: Path, notebooks: list[Path], parameters: dict[str, object]) -> int:
    started = time.perf_counter()
    for notebook in notebooks:
        t0 = time.perf_counter()
        target = output_dir / notebook.name
        print(f"- {notebook.name} ...", end=" ", flush=True)
        given = {"OUTPUT_DIR": str(output_dir.resolve()), **parameters}
        try:
            injected = headless_parameters(notebook, given)
        except HeadlessError as exc:
            print(tr("FAILED", "失敗"))
            print(f"\n{exc}", file=sys.stderr)
            return 1
        edits = ignored_edits(notebook, injected, given)
        if edits:
            print(
                tr(
                    f"(saved {edits}: not used headless)",
                    f"（保存されている {edits} は、ヘッドレス実行では使いません）",
                ),
                end=" ",
                flush=True,
            )
        before = state.load(str(injected.get("PREFIX", HEADLESS["PREFIX"])))
        try:
            _execute(notebook, target, injected)
        except papermill.PapermillExecutionError as exc:
            print(tr("FAILED", "失敗"))
            print(
                tr(
                    f"\n{notebook.name} stopped at cell {exc.exec_count}: "
                    f"{exc.ename}: {exc.evalue}\nThe executed notebook, with the error, "
                    f"is {target}.",
                    f"\n{notebook.name} はセル {exc.exec_count} で止まりました: "
                    f"{exc.ename}: {exc.evalue}\nエラーを含む実行済みノートブックは "
                    f"{target} です。",
                ),
                file=sys.stderr,
            )
            return 1
        missing = lesson_missing(notebook, injected, before)
        if missing:
            print(tr("FAILED", "失敗"))
            print(
                tr(
                    f"\n{missing}\nThe executed notebook is {target}.",
                    f"\n{missing}\n実行済みノートブックは {target} です。",
                ),
                file=sys.stderr,
            )
            return 1
        seconds = time.perf_counter() - t0
        print(tr(f"ok ({seconds:.1f} s)", f"完了（{seconds:.1f} 秒）"))
    seconds = time.perf_counter() - started
    print(
        tr(
            f"{len(notebooks)} notebooks in {seconds:.1f} s; "
            f"executed notebooks and plots are in {output_dir}/",
            f"ノートブック {len(notebooks)} 個を {seconds:.1f} 秒で実行しました。"
            f"実行済みのノートブックと図は {output_dir}/ にあります。",
        )
    )
    return 0


class HeadlessError(ValueError):
    """A notebook declares a parameter the headless run has no value for."""


def saved_parameters(notebook: Path) -> dict[str, object]:
    """The notebook's ``parameters`` cell as saved: each name with its value (``...`` where
    the value is not a plain literal)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise HeadlessError(
            tr(
                f"{notebook.name} has {len(tagged)} cells tagged 'parameters' (one is needed): "
                "restore the notebook from git (git checkout -- notebooks/).",
                f"{notebook.name} には 'parameters' タグのセルが {len(tagged)} 個あります"
                "（1 個必要です）。git からノートブックを戻してください"
                "（git checkout -- notebooks/）。",
            )
        )
    values: dict[str, object] = {}
    for node in ast.parse("".join(tagged[0]["source"])).body:
        if isinstance(node, ast.Assign):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                value = ...
            values.update({t.id: value for t in node.targets if isinstance(t, ast.Name)})
    return values


def declared_parameters(notebook: Path) -> list[str]:
    """The names the notebook's ``parameters`` cell assigns, in order."""
    return list(saved_parameters(notebook))


def ignored_edits(notebook: Path, injected: dict[str, object], given: dict[str, object]) -> str:
    """The saved values the headless run replaces, as "NAME = value" (e.g. a saved
    APPROVAL_MODE = 'widget'); given values (OUTPUT_DIR, --prefix...) do not count."""
    saved = saved_parameters(notebook)
    return ", ".join(
        f"{name} = {saved[name]!r}"
        for name, value in injected.items()
        if name not in given and saved.get(name) != value
    )


def headless_parameters(notebook: Path, given: dict[str, object]) -> dict[str, object]:
    """What the headless run injects into ``notebook``: every parameter it declares, with
    the value ``given`` (the run's own: OUTPUT_DIR, --prefix, --region) else ``HEADLESS``;
    a saved edit of the parameters cell changes nothing."""
    language = str(given.get("LANGUAGE", HEADLESS["LANGUAGE"]))
    values = {
        **HEADLESS,
        **HEADLESS_BY_LANGUAGE.get(language, {}),
        **HEADLESS_BY_NOTEBOOK.get(notebook.name[:2], {}),
        **given,
    }
    declared = declared_parameters(notebook)
    unknown = [n for n in declared if n not in values]
    if unknown:
        raise HeadlessError(
            tr(
                f"{notebook.name} declares {', '.join(unknown)}, which the headless run has no "
                "value for: add it to HEADLESS in helpers/workshop.py (the value the committed "
                "notebook has).",
                f"{notebook.name} は {', '.join(unknown)} を宣言していますが、ヘッドレス実行には"
                "その値がありません。helpers/workshop.py の HEADLESS に、コミットされた"
                "ノートブックの値で追加してください。",
            )
        )
    return {name: values[name] for name in declared}


def lesson_missing(
    notebook: Path, parameters: dict[str, object], before: dict[str, object]
) -> str | None:
    """What did not happen although ``notebook`` ran without an error, checked from outside
    (the cloud, the state file), or None. 04 must leave a new finished conversation; 05
    must have had one to analyse."""
    number = notebook.name[:2]
    if number not in ("04", "05"):
        return None
    prefix = str(parameters.get("PREFIX", HEADLESS["PREFIX"]))
    saved = state.load(prefix)
    arn = saved.get("execution_arn")
    if number == "04" and (not arn or arn == before.get("execution_arn")):
        return tr(
            f"{notebook.name} ran, but no conversation was started: the lesson of 04 (a "
            "chatbot conversation with approvals) did not happen, and 05 would have nothing "
            "new to analyse. Run `git diff notebooks/` to see what was changed in it, "
            "`git checkout -- notebooks/` to restore it, then `make workshop` again.",
            f"{notebook.name} は実行されましたが、会話が始まりませんでした。04 のレッスン"
            "（承認付きのチャットボットとの会話）が行われず、05 が分析する新しい会話も"
            "ありません。`git diff notebooks/` で何が変わったかを確かめ、"
            "`git checkout -- notebooks/` で戻してから、もう一度 `make workshop` を"
            "実行してください。",
        )
    if not arn:
        return tr(
            f"{notebook.name} had no conversation to analyse: no execution saved by 04 for "
            f"PREFIX={prefix!r}. Run 04 first (`make workshop` runs 00 to 05 in order).",
            f"{notebook.name} には分析する会話がありません。PREFIX={prefix!r} で 04 が"
            "保存した実行がありません。先に 04 を実行してください（`make workshop` は 00 から"
            "順に実行します）。",
        )
    cloud = connect("local", str(parameters.get("REGION", HEADLESS["REGION"])))
    lam = cloud.client("lambda")
    try:
        status = str(lam.get_durable_execution(DurableExecutionArn=arn).get("Status"))
    except ClientError as exc:
        status = str(exc.response.get("Error", {}).get("Code", "unknown"))
    if status != "SUCCEEDED":
        which = "04 left" if number == "04" else "05 analysed"
        which_ja = "04 が残した" if number == "04" else "05 が分析した"
        return tr(
            f"{notebook.name}: the conversation {which} ({arn}) is {status}, not SUCCEEDED: "
            "the lesson needs a finished conversation. Look at the executed notebook, then "
            "run `make workshop` again.",
            f"{notebook.name}: {which_ja}会話（{arn}）は SUCCEEDED ではなく {status} です。"
            "レッスンには終わった会話が必要です。実行済みのノートブックを確かめてから、"
            "もう一度 `make workshop` を実行してください。",
        )
    if number == "05":
        cost = analyse_execution(lam, cloud.client("logs"), arn, timeout_s=30, allow_missing=True)
        if not cost.reports:
            return tr(
                f"{notebook.name} had nothing to analyse: no REPORT record of the conversation "
                f"({arn}) in CloudWatch Logs. Run `make workshop` again; if it says so again, "
                "the chatbot's LoggingConfig is not what 03 deploys.",
                f"{notebook.name} には分析するものがありません。CloudWatch Logs に会話（{arn}）"
                "の REPORT レコードがありません。もう一度 `make workshop` を実行してください。"
                "同じことが起きるなら、チャットボットの LoggingConfig が 03 のデプロイした"
                "ものと違っています。",
            )
    return None


def _execute(notebook: Path, target: Path, parameters: dict[str, object]) -> None:
    """Run one notebook; start its kernel again if it failed before running a cell."""
    for attempt in range(KERNEL_START_ATTEMPTS):
        try:
            papermill.execute_notebook(
                str(notebook),
                str(target),
                cwd=str(notebook.parent),
                progress_bar=False,
                parameters=parameters,
                # The kernel's own start-up warnings are noise in a workshop run.
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
            return
        except RuntimeError as exc:
            # Nothing ran yet, so starting over is safe (see KERNEL_NEVER_STARTED).
            if not kernel_never_started(str(exc)) or attempt + 1 == KERNEL_START_ATTEMPTS:
                raise
            print(
                tr(
                    "(kernel did not start; starting it again)",
                    "（カーネルが起動しなかったので、もう一度起動します）",
                ),
                end=" ",
                flush=True,
            )


def series(language: str, output_dir: Path) -> tuple[Path, Path]:
    """Where the notebooks of ``language`` are, and where their run goes: notebooks/ and
    ``output_dir`` in English; notebooks/ja/ (the same notebooks in Japanese) and
    ``output_dir``/ja, so that neither series overwrites the other's notebooks and plots."""
    if language == "ja":
        return NOTEBOOKS / "ja", output_dir / "ja"
    return NOTEBOOKS, output_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.workshop", description=__doc__)
    parser.add_argument("--output-dir", default="outputs", type=Path)
    parser.add_argument("--prefix", default=None, help="PREFIX parameter for every notebook")
    parser.add_argument(
        "--region", default=None, help="REGION parameter for every notebook (e.g. ap-northeast-1)"
    )
    parser.add_argument(
        "--language",
        choices=LANGUAGES,
        default=None,
        help="en: notebooks/ into OUTPUT_DIR; ja: notebooks/ja/ (in Japanese) into OUTPUT_DIR/ja "
        "(default: ja when LANGUAGE, LC_ALL, LC_MESSAGES or LANG says Japanese)",
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="notebooks to run (default: all of notebooks/, in order)",
    )
    args = parser.parse_args(argv)
    language = args.language or from_environment()
    folder, output_dir = series(language, args.output_dir)
    notebooks = args.notebooks or sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    parameters: dict[str, object] = {"PREFIX": args.prefix} if args.prefix else {}
    if args.region:
        parameters["REGION"] = args.region
    parameters["LANGUAGE"] = language
    use_language(language)  # the run's own lines in the series' language
    return run(output_dir, notebooks, parameters)


if __name__ == "__main__":
    sys.exit(main())
