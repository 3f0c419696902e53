"""The local cloud in the foreground.

``python -m helpers.localcloud --port PORT --state-dir DIR`` prints ``ready <endpoint>``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .cloud import DEFAULT_REGION, LocalCloud
from .realism import ENV, PROFILES, RealismError, profile_named


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.localcloud", description=__doc__)
    parser.add_argument("--port", type=int, default=4566, help="loopback port (default 4566)")
    parser.add_argument(
        "--state-dir",
        default=".state/localcloud",
        help="where functions, queues, objects, logs and executions are kept",
    )
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument(
        "--realism",
        choices=PROFILES,
        default=None,
        help=f"AWS's delays and quotas: fast (default), aws, or off (benchmarks only); "
        f"without the flag, {ENV} decides",
    )
    parser.add_argument("--verbose", action="store_true", help="log every call")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        for noisy in ("werkzeug", "aws_durable_execution_sdk_python_testing"):
            logging.getLogger(noisy).setLevel(logging.ERROR)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        profile = profile_named(args.realism)
    except RealismError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        cloud = LocalCloud(
            args.state_dir, port=args.port, region=args.region, realism=profile.name
        ).start()
    except OSError as exc:
        print(
            f"error: cannot serve on 127.0.0.1:{args.port}: {exc.strerror}. "
            "Is another local cloud running? Pick another --port.",
            file=sys.stderr,
        )
        return 2
    print(f"ready {cloud.endpoint}", flush=True)
    print(profile.describe(), flush=True)  # the line after "ready": which AWS this is
    # Wake up now and then: a signal delivered to another thread leaves a plain wait() blocked,
    # and Python only runs the handler once the main thread runs again.
    while not stop.wait(0.2):
        pass
    cloud.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
