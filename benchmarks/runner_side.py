"""The in-process side: the testing SDK's ``DurableFunctionTestRunner`` on the same handlers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

from .common import (
    ANSWER,
    CALLBACK_EVENT_NAME,
    EXECUTION_TIMEOUT_S,
    POLL_S,
    Progress,
    Results,
    Sizes,
)
from .handlers import approval, trivial


def _runner(handler: Callable[..., Any]) -> DurableFunctionTestRunner:
    # poll_interval is how often wait_for_callback looks at the history (1 s by default).
    runner = DurableFunctionTestRunner(handler=handler, poll_interval=POLL_S)
    runner.__enter__()
    return runner


def _succeeded(runner: DurableFunctionTestRunner, arn: str) -> bool:
    result = runner.wait_for_result(arn, timeout=EXECUTION_TIMEOUT_S)
    return str(getattr(result.status, "value", result.status)) == "SUCCEEDED"


def _invoke_latency(runner: DurableFunctionTestRunner, label: str, n: int) -> float:
    started = time.perf_counter()
    arn = runner.run_async(input=json.dumps({"n": n}), execution_name=f"{label}-{n}")
    ok = _succeeded(runner, arn)
    elapsed = time.perf_counter() - started
    if not ok:
        raise RuntimeError(f"runner execution {label}-{n} did not succeed")
    return elapsed


def _callback_latency(runner: DurableFunctionTestRunner, n: int) -> float:
    arn = runner.run_async(input=json.dumps({"n": n}), execution_name=f"callback-{n}")
    callback = runner.wait_for_callback(arn, name=CALLBACK_EVENT_NAME, timeout=EXECUTION_TIMEOUT_S)
    started = time.perf_counter()
    runner.send_callback_success(callback, ANSWER)
    ok = _succeeded(runner, arn)
    elapsed = time.perf_counter() - started
    if not ok:
        raise RuntimeError(f"runner execution callback-{n} did not succeed")
    return elapsed


def _burst(runner: DurableFunctionTestRunner, sizes: Sizes, out: Results) -> None:
    size = sizes.burst
    out.burst_size = size
    started = time.perf_counter()
    arns = [
        runner.run_async(input=json.dumps({"n": n}), execution_name=f"burst-{n}")
        for n in range(size)
    ]
    callbacks = [
        runner.wait_for_callback(arn, name=CALLBACK_EVENT_NAME, timeout=EXECUTION_TIMEOUT_S)
        for arn in arns
    ]
    out.burst_park_s = time.perf_counter() - started
    with ThreadPoolExecutor(sizes.burst_threads) as pool:
        answered = time.perf_counter()
        list(pool.map(lambda cb: runner.send_callback_success(cb, ANSWER), callbacks))
        done = [_succeeded(runner, arn) for arn in arns]
        out.burst_answer_s = time.perf_counter() - answered
    out.burst_succeeded = sum(done)
    assert out.burst_succeeded == size, f"{size - out.burst_succeeded} of {size} did not succeed"


def run(sizes: Sizes, progress: Progress = lambda _: None) -> Results:
    """Every in-process runner figure (no memory: it lives in the benchmark's own process)."""
    out = Results()
    progress("runner: construct + enter")
    started = time.perf_counter()
    first = _runner(trivial)
    out.ready_s = time.perf_counter() - started
    runners = [first]
    try:
        progress(f"runner: {sizes.cold} first run(s) in a fresh runner, {sizes.warm} warm runs")
        for i in range(sizes.cold):
            runner = first if i == 0 else _runner(trivial)
            if runner is not first:
                runners.append(runner)
            out.cold_s.append(_invoke_latency(runner, "cold", i))
        if not sizes.cold:
            _invoke_latency(first, "cold", 0)
        out.warm_s = [_invoke_latency(first, "warm", i) for i in range(sizes.warm)]

        progress(f"runner: {sizes.callback} callback -> completed, burst of {sizes.burst}")
        runner = _runner(approval)
        runners.append(runner)
        _callback_latency(runner, -1)  # warm-up, as on the local cloud
        out.callback_s = [_callback_latency(runner, i) for i in range(sizes.callback)]
        _burst(runner, sizes, out)
    finally:
        for runner in runners:
            runner.close()
    return out
