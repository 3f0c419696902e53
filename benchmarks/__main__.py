"""``python -m benchmarks [--quick]``: one table, local cloud vs in-process runner."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from . import cost, localcloud_side, realism_side, reliability_side, runner_side
from .common import FULL, QUICK
from .table import render, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="a smaller run (fewer samples, a burst of 20)"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="the local cloud's state dir (default: a fresh temporary one)",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {message}", file=sys.stderr, flush=True)

    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-localcloud-") as tmp:
        state_dir = args.state_dir or Path(tmp) / "state"
        local = localcloud_side.run(sizes, state_dir, progress)
        realism = realism_side.run(1 if args.quick else 3, Path(tmp) / "realism", progress)
        reliability = reliability_side.run(Path(tmp) / "reliability", args.quick, progress)
    runner = runner_side.run(sizes, progress)
    progress("cost analysis (offline)")
    cost_rows = cost.run(args.quick)
    progress("done")
    print(render(rows(local, runner)))
    print("\n" + realism_side.render(realism))
    print("\n" + cost.render(cost_rows))
    print("\n" + reliability_side.render(reliability))
    print(
        f"\n{'quick' if args.quick else 'full'} run in {time.perf_counter() - began:.0f} s on "
        f"{os.cpu_count()} cores, load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (other work on the machine skews the figures).\n"
        "Local cloud: CLI subprocess driven over boto3, Event invoke, get_durable_execution "
        "polled every 5 ms, realism off. Runner: in-process, results by wait_for_result. "
        "Target checks apply to the local cloud column. Realism cost: two local clouds side "
        "by side, off and fast, the same round on each, interleaved."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
