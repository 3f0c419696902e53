"""Handlers for the parallel requirements (8-N) of aws-durable-execution-conformance-tests.

``context.parallel`` runs branches, each in its own child context, and returns a batch
result. Most requirements use ``max_concurrency=1`` so that the branches, and with them
the history, come in index order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_durable_execution_sdk_python.concurrency.models import BatchResult
from aws_durable_execution_sdk_python.config import (
    CompletionConfig,
    Duration,
    NestingType,
    ParallelBranch,
    ParallelConfig,
)
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

Branch = Callable[[DurableContext], Any]


def one_at_a_time(**completion: Any) -> ParallelConfig:
    return ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(**completion))


def returns(value: Any) -> Branch:
    return lambda ctx: value


def step_returning(value: str) -> Branch:
    return lambda ctx: ctx.step(lambda _: value, name=f"make {value}")


def fails(index: int) -> Branch:
    def branch(ctx: DurableContext) -> Any:
        raise RuntimeError(f"branch {index} failed")

    return branch


def outcome(batch: BatchResult[Any]) -> dict[str, Any]:
    """The projection most requirements return: why the batch ended and its counts."""
    return {
        "completionReason": batch.completion_reason.value,
        "status": batch.status.value,
        "successCount": batch.success_count,
        "failureCount": batch.failure_count,
        "totalCount": batch.total_count,
    }


def without_status(batch: BatchResult[Any]) -> dict[str, Any]:
    projection = outcome(batch)
    del projection["status"]
    return projection


@durable_execution
def case_8_1(event: Any, context: DurableContext) -> list[Any]:
    """8-1: two branches, one step each, run one after the other."""
    batch = context.parallel(
        [step_returning("task-1"), step_returning("task-2")],
        name="parallel",
        config=one_at_a_time(),
    )
    return batch.get_results()


@durable_execution
def case_8_2(event: Any, context: DurableContext) -> list[Any]:
    """8-2: no operation name; branches return values directly."""
    return context.parallel(
        [returns("alpha"), returns("beta")], config=one_at_a_time()
    ).get_results()


@durable_execution
def case_8_3(event: Any, context: DurableContext) -> list[Any]:
    """8-3: named branches."""
    branches = [
        ParallelBranch(func=returns("one"), name="first"),
        ParallelBranch(func=returns("two"), name="second"),
    ]
    return context.parallel(branches, name="named", config=one_at_a_time()).get_results()


@durable_execution
def case_8_4(event: Any, context: DurableContext) -> list[Any]:
    """8-4: each branch keeps its own result type."""
    branches = [returns("hello"), returns(42), returns({"k": "v"})]
    return context.parallel(branches, name="hetero", config=one_at_a_time()).get_results()


@durable_execution
def case_8_5(event: Any, context: DurableContext) -> list[Any]:
    """8-5: no branches at all."""
    return context.parallel([], name="empty").get_results()


@durable_execution
def case_8_6(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-6: fail fast: the second branch fails, the third never starts."""
    batch = context.parallel(
        [returns("ok"), fails(1), returns("never")],
        name="failfast",
        config=one_at_a_time(tolerated_failure_count=0),
    )
    return outcome(batch)


@durable_execution
def case_8_7(event: Any, context: DurableContext) -> list[Any]:
    """8-7: fail fast, then the batch raises its first failure: the execution fails."""
    batch = context.parallel(
        [fails(0), returns("never")],
        name="throwing",
        config=one_at_a_time(tolerated_failure_count=0),
    )
    batch.throw_if_error()
    return batch.get_results()


@durable_execution
def case_8_8(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-8: two successes are enough; branches 2 and 3 never start."""
    batch = context.parallel(
        [returns(f"b{i}") for i in range(4)],
        name="min-successful",
        config=one_at_a_time(min_successful=2),
    )
    return {
        "completionReason": batch.completion_reason.value,
        "successCount": batch.success_count,
        "totalCount": batch.total_count,
    }


@durable_execution
def case_8_9(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-9: one tolerated failure: all three branches run."""
    batch = context.parallel(
        [returns("a"), fails(1), returns("c")],
        name="tolerated",
        config=one_at_a_time(tolerated_failure_count=1),
    )
    return outcome(batch)


@durable_execution
def case_8_10(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-10: the second failure exceeds the tolerance of one: branch 2 never starts."""
    batch = context.parallel(
        [fails(0), fails(1), returns("never")],
        name="tolerated-exceeded",
        config=one_at_a_time(tolerated_failure_count=1),
    )
    return without_status(batch)


@durable_execution
def case_8_11(event: Any, context: DurableContext) -> list[Any]:
    """8-11: two at a time; results still come in branch order."""
    batch = context.parallel(
        [returns("r0"), returns("r1"), returns("r2")],
        name="concurrent",
        config=ParallelConfig(max_concurrency=2),
    )
    return batch.get_results()


@durable_execution
def case_8_12(event: Any, context: DurableContext) -> list[Any]:
    """8-12: FLAT nesting: no branch contexts, the steps sit under the parallel itself."""
    config = ParallelConfig(max_concurrency=1, nesting_type=NestingType.FLAT)
    batch = context.parallel(
        [step_returning("fa"), step_returning("fb")], name="flat", config=config
    )
    return batch.get_results()


@durable_execution
def case_8_13(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-13: 25 % tolerated of four: the second failure (50 %) stops the batch."""
    batch = context.parallel(
        [fails(0), fails(1), returns("c"), returns("d")],
        name="tolerated-pct",
        config=one_at_a_time(tolerated_failure_percentage=25),
    )
    return without_status(batch)


def waits_then_returns(value: str) -> Branch:
    def branch(ctx: DurableContext) -> str:
        ctx.wait(Duration.from_seconds(2))
        return value

    return branch


@durable_execution
def case_8_14(event: Any, context: DurableContext) -> list[Any]:
    """8-14: branch 1 waits 2 s; the replay skips the finished branch 0."""
    batch = context.parallel(
        [step_returning("b0"), waits_then_returns("b1")], name="replay", config=one_at_a_time()
    )
    return batch.get_results()


class WrappedSerDes(SerDes[Any]):
    """Stores v as {"wrapped": v}; reads it back as v."""

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        return json.dumps({"wrapped": value})

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        return json.loads(data)["wrapped"]


@durable_execution
def case_8_15(event: Any, context: DurableContext) -> list[Any]:
    """8-15: a custom serdes for each branch result."""
    config = ParallelConfig(max_concurrency=1, item_serdes=WrappedSerDes())
    return context.parallel([returns("x"), returns("y")], name="serde", config=config).get_results()


@durable_execution
def case_8_16(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-16: three failures, three tolerated: all run, the batch status is FAILED."""
    batch = context.parallel(
        [fails(0), fails(1), fails(2)],
        name="all-fail",
        config=one_at_a_time(tolerated_failure_count=3),
    )
    return outcome(batch)


@durable_execution
def case_8_17(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-17: min_successful=3 is never reached, no tolerance set: all branches run."""
    batch = context.parallel(
        [returns("a"), fails(1), returns("c")],
        name="min-not-reached",
        config=one_at_a_time(min_successful=3),
    )
    return outcome(batch)


@durable_execution
def case_8_18(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-18: the failure tolerance is exceeded before min_successful can be reached."""
    batch = context.parallel(
        [fails(0), fails(1), returns("c"), returns("d")],
        name="combined",
        config=one_at_a_time(min_successful=3, tolerated_failure_count=1),
    )
    return without_status(batch)


@durable_execution
def case_8_19(event: Any, context: DurableContext) -> list[Any]:
    """8-19: max_concurrency=0 is invalid: the execution fails before any branch."""
    config = ParallelConfig(max_concurrency=0)
    return context.parallel(
        [returns("a"), returns("b")], name="bad-concurrency", config=config
    ).get_results()


@durable_execution
def case_8_20(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-20: the batch result's accessors."""
    batch = context.parallel(
        [returns("a"), fails(1), returns("c")],
        name="accessors",
        config=one_at_a_time(tolerated_failure_count=1),
    )
    return {
        "hasFailure": batch.has_failure,
        "successCount": len(batch.succeeded()),
        "failureCount": len(batch.failed()),
        "errorCount": len(batch.get_errors()),
    }


def inner_parallel(ctx: DurableContext) -> list[Any]:
    batch = ctx.parallel(
        [step_returning("i1"), step_returning("i2")], name="inner", config=one_at_a_time()
    )
    return batch.get_results()


@durable_execution
def case_8_21(event: Any, context: DurableContext) -> list[Any]:
    """8-21: a parallel inside a parallel branch."""
    return context.parallel([inner_parallel], name="outer", config=one_at_a_time()).get_results()


@durable_execution
def case_8_22(event: Any, context: DurableContext) -> dict[str, Any]:
    """8-22: one failure of four is 25 %, which does not exceed 25 %: all run."""
    batch = context.parallel(
        [fails(0), returns("b"), returns("c"), returns("d")],
        name="pct-boundary",
        config=one_at_a_time(tolerated_failure_percentage=25),
    )
    return outcome(batch)
