"""Handlers for the map requirements (9-N) of aws-durable-execution-conformance-tests.

``context.map(items, func)`` calls ``func(ctx, item, index, items)`` for each item, each
in its own child context, and returns a batch result. ``max_concurrency=1`` keeps the
history in item order.
"""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python.concurrency.models import (
    BatchItem,
    BatchItemStatus,
    BatchResult,
    CompletionReason,
)
from aws_durable_execution_sdk_python.config import (
    CompletionConfig,
    Duration,
    MapConfig,
    NestingType,
)
from aws_durable_execution_sdk_python.context import DurableContext
from aws_durable_execution_sdk_python.execution import durable_execution
from aws_durable_execution_sdk_python.serdes import JsonSerDes, SerDes, SerDesContext

LARGE_ITEM = 70 * 1024  # four of these exceed the 256 KB a checkpoint may hold


def one_at_a_time(**completion: Any) -> MapConfig:
    return MapConfig(max_concurrency=1, completion_config=CompletionConfig(**completion))


def outcome(batch: BatchResult[Any]) -> dict[str, Any]:
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


def greet(ctx: DurableContext, name: str, index: int, items: list[str]) -> str:
    return ctx.step(lambda _: f"Hello, {name}!", name=f"greet {index}")


def double(ctx: DurableContext, item: int, index: int, items: list[int]) -> int:
    return item * 2


def plus_index(ctx: DurableContext, item: int, index: int, items: list[int]) -> int:
    return item + index


def ok_unless_fail(ctx: DurableContext, item: str, index: int, items: list[str]) -> str:
    if item.startswith("fail"):
        raise RuntimeError(f"item {index} failed")
    return item


def upper(ctx: DurableContext, item: str, index: int, items: list[str]) -> str:
    return item.upper()


@durable_execution
def case_9_1(event: Any, context: DurableContext) -> list[Any]:
    """9-1: one step per item."""
    return context.map(event, greet, name="map", config=one_at_a_time()).get_results()


@durable_execution
def case_9_2(event: Any, context: DurableContext) -> list[Any]:
    """9-2: no name; values returned directly."""
    return context.map(event, double, config=one_at_a_time()).get_results()


@durable_execution
def case_9_3(event: Any, context: DurableContext) -> list[Any]:
    """9-3: the map function gets the item's index."""
    return context.map(event, plus_index, name="indexed", config=one_at_a_time()).get_results()


@durable_execution
def case_9_4(event: Any, context: DurableContext) -> list[Any]:
    """9-4: no items at all."""
    return context.map(event, double, name="empty").get_results()


@durable_execution
def case_9_5(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-5: fail fast: item 1 fails, item 2 never starts."""
    batch = context.map(
        ["ok", "fail", "never"],
        ok_unless_fail,
        name="failfast",
        config=one_at_a_time(tolerated_failure_count=0),
    )
    return outcome(batch)


@durable_execution
def case_9_6(event: Any, context: DurableContext) -> list[Any]:
    """9-6: fail fast, then the batch raises its first failure: the execution fails."""
    batch = context.map(
        ["fail", "never"],
        ok_unless_fail,
        name="throwing",
        config=one_at_a_time(tolerated_failure_count=0),
    )
    batch.throw_if_error()
    return batch.get_results()


@durable_execution
def case_9_7(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-7: two successes are enough; items 2 and 3 never start."""
    batch = context.map(
        ["a", "b", "c", "d"], upper, name="min-successful", config=one_at_a_time(min_successful=2)
    )
    return {
        "completionReason": batch.completion_reason.value,
        "successCount": batch.success_count,
        "totalCount": batch.total_count,
    }


@durable_execution
def case_9_8(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-8: one tolerated failure: all items run."""
    batch = context.map(
        ["a", "fail", "c"],
        ok_unless_fail,
        name="tolerated",
        config=one_at_a_time(tolerated_failure_count=1),
    )
    return outcome(batch)


@durable_execution
def case_9_9(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-9: the second failure exceeds the tolerance of one."""
    batch = context.map(
        ["fail-0", "fail-1", "never"],
        ok_unless_fail,
        name="tolerated-exceeded",
        config=one_at_a_time(tolerated_failure_count=1),
    )
    return without_status(batch)


@durable_execution
def case_9_10(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-10: 25 % tolerated of four: the second failure (50 %) stops the batch."""
    batch = context.map(
        ["fail-0", "fail-1", "c", "d"],
        ok_unless_fail,
        name="tolerated-pct",
        config=one_at_a_time(tolerated_failure_percentage=25),
    )
    return without_status(batch)


@durable_execution
def case_9_11(event: Any, context: DurableContext) -> list[Any]:
    """9-11: two at a time; results still come in item order."""
    batch = context.map(
        ["r0", "r1", "r2"],
        lambda ctx, item, index, items: item,
        name="concurrent",
        config=MapConfig(max_concurrency=2),
    )
    return batch.get_results()


@durable_execution
def case_9_12(event: Any, context: DurableContext) -> list[Any]:
    """9-12: FLAT nesting: no iteration contexts, the steps sit under the map itself."""
    config = MapConfig(max_concurrency=1, nesting_type=NestingType.FLAT)
    batch = context.map(
        ["fa", "fb"],
        lambda ctx, item, index, items: ctx.step(lambda _: item, name=f"item {index}"),
        name="flat",
        config=config,
    )
    return batch.get_results()


@durable_execution
def case_9_13(event: Any, context: DurableContext) -> list[Any]:
    """9-13: each iteration is named after its item."""
    config = MapConfig(max_concurrency=1, item_namer=lambda item, index: f"item-{item}")
    return context.map(
        event, lambda ctx, item, index, items: item * 10, name="named-items", config=config
    ).get_results()


class PrefixedSerDes(SerDes[str]):
    """Stores a string as "wrapped:<string>"; reads the prefix off again."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return f"wrapped:{value}"

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return data.removeprefix("wrapped:")


@durable_execution
def case_9_14(event: Any, context: DurableContext) -> list[Any]:
    """9-14: a custom serdes for each item's result."""
    config = MapConfig(max_concurrency=1, item_serdes=PrefixedSerDes())
    return context.map(["x", "y"], upper, name="serdes", config=config).get_results()


def step_or_wait_then_step(ctx: DurableContext, item: str, index: int, items: list[str]) -> str:
    if index == 1:
        ctx.wait(Duration.from_seconds(1))
    return ctx.step(lambda _: item, name=f"make {item}")


@durable_execution
def case_9_15(event: Any, context: DurableContext) -> list[Any]:
    """9-15: iteration 1 waits 1 s; the replay skips the finished iteration 0."""
    return context.map(
        ["r0", "r1"], step_or_wait_then_step, name="suspend", config=one_at_a_time()
    ).get_results()


@durable_execution
def case_9_16(event: Any, context: DurableContext) -> dict[str, int]:
    """9-16: the whole result is too large to checkpoint: the map replays its children."""
    batch = context.map(
        ["a", "b", "c", "d"],
        lambda ctx, item, index, items: item * LARGE_ITEM,
        name="large",
        config=one_at_a_time(),
    )
    return {"successCount": batch.success_count, "totalCount": batch.total_count}


@durable_execution
def case_9_17(event: Any, context: DurableContext) -> list[Any]:
    """9-17: a map, then a 1 s wait; the replay reads the map from its checkpoint."""
    results = context.map(["a", "b"], upper, name="then-wait", config=one_at_a_time()).get_results()
    context.wait(Duration.from_seconds(1))
    return results


@durable_execution
def case_9_18(event: Any, context: DurableContext) -> dict[str, Any]:
    """9-18: a map with a tolerated failure, then a 1 s wait."""
    batch = context.map(
        ["ok", "fail"],
        ok_unless_fail,
        name="fail-then-wait",
        config=one_at_a_time(tolerated_failure_count=1),
    )
    context.wait(Duration.from_seconds(1))
    return outcome(batch)


class JoinedResultSerDes(SerDes[BatchResult[str]]):
    """Stores the whole map result as "OPSERDE:X,Y"; reads it back as a batch result."""

    def serialize(self, value: BatchResult[str], serdes_context: SerDesContext) -> str:
        return "OPSERDE:" + ",".join(value.get_results())

    def deserialize(self, data: str, serdes_context: SerDesContext) -> BatchResult[str]:
        results = data.removeprefix("OPSERDE:").split(",")
        items = [
            BatchItem(index, BatchItemStatus.SUCCEEDED, result)
            for index, result in enumerate(results)
        ]
        return BatchResult(items, CompletionReason.ALL_COMPLETED)


@durable_execution
def case_9_19(event: Any, context: DurableContext) -> list[Any]:
    """9-19: a custom serdes for the whole map result (items keep plain JSON)."""
    config = MapConfig(max_concurrency=1, serdes=JoinedResultSerDes(), item_serdes=JsonSerDes())
    return context.map(["x", "y"], upper, name="op-serde", config=config).get_results()


@durable_execution
def case_9_20(event: Any, context: DurableContext) -> list[Any]:
    """9-20: as 9-19, and the replay after a 1 s wait reads the result through it."""
    config = MapConfig(max_concurrency=1, serdes=JoinedResultSerDes(), item_serdes=JsonSerDes())
    results = context.map(["x", "y"], upper, name="op-serde-replay", config=config).get_results()
    context.wait(Duration.from_seconds(1))
    return results
