"""``make workshop``: run every notebook headless, in order, against one local cloud.

Each notebook runs in its own kernel with papermill; they share the series' local cloud
(started here if needed) through ``AWS_ENDPOINT_URL``. Executed notebooks and the plots
they save land in the output directory.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import papermill

from .i18n import LANGUAGES, from_environment
from .target import background_cloud, start_background_cloud, stop_background_cloud

KERNEL_START_ATTEMPTS = 3
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run(output_dir: Path, notebooks: list[Path], parameters: dict[str, object]) -> int:
    output_dir.mkdir(parents=True, exist_ok=True)
    if not notebooks:
        print(f"No notebooks in {NOTEBOOKS} yet: nothing to run.")
        return 0
    started_here = "AWS_ENDPOINT_URL" not in os.environ and background_cloud() is None
    if "AWS_ENDPOINT_URL" not in os.environ:
        os.environ["AWS_ENDPOINT_URL"] = start_background_cloud()
    print(f"local cloud: {os.environ['AWS_ENDPOINT_URL']}")
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
        try:
            _execute(
                notebook,
                target,
                {"TARGET": "local", "OUTPUT_DIR": str(output_dir.resolve()), **parameters},
            )
        except papermill.PapermillExecutionError as exc:
            print("FAILED")
            print(
                f"\n{notebook.name} stopped at cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
                f"\nThe executed notebook, with the error, is {target}.",
                file=sys.stderr,
            )
            return 1
        print(f"ok ({time.perf_counter() - t0:.1f} s)")
    print(
        f"{len(notebooks)} notebooks in {time.perf_counter() - started:.1f} s; "
        f"executed notebooks and plots are in {output_dir}/"
    )
    return 0


def _execute(notebook: Path, target: Path, parameters: dict[str, object]) -> None:
    """Run one notebook; start its kernel again if the kernel died before running a cell."""
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
            # jupyter_client picks free TCP ports before the kernel binds them; another
            # process can take one in between. Nothing ran yet, so starting over is safe.
            if (
                "Kernel died before replying" not in str(exc)
                or attempt + 1 == KERNEL_START_ATTEMPTS
            ):
                raise
            print("(kernel did not start; starting it again)", end=" ", flush=True)


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
    return run(output_dir, notebooks, parameters)


if __name__ == "__main__":
    sys.exit(main())
