"""helpers.polling: backoff with jitter, a bounded wait, throttling as "wait longer"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from helpers.polling import Backoff, is_throttling, poll


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "FilterLogEvents",
    )


def reader(answers: list[Any]) -> Callable[[], Any]:
    it: Iterator[Any] = iter(answers)

    def read() -> Any:
        answer = next(it)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return read


def test_stops_at_the_first_read_that_is_done() -> None:
    t = FakeClock()
    seen: list[tuple[int, float]] = []
    result = poll(
        reader([1, 2, 3, 4]),
        lambda v: v >= 3,
        timeout_s=60,
        progress=lambda v, s: seen.append((v, s)),
        sleep=t.sleep,
        clock=t.clock,
        rng=lambda: 0.5,
    )
    assert result.done and result.value == 3 and result.reads == 3 and result.throttled == 0
    assert [v for v, _ in seen] == [1, 2, 3]  # progress after every read, the last one too
    assert len(t.sleeps) == 2


def test_delays_grow_with_decorrelated_jitter_and_stay_capped() -> None:
    t = FakeClock()
    backoff = Backoff(first_s=0.5, cap_s=4.0)
    poll(
        reader([0] * 12),
        lambda v: False,
        timeout_s=30,
        backoff=backoff,
        sleep=t.sleep,
        clock=t.clock,
        rng=lambda: 1.0,  # the top of each range: 3x the previous delay, then the cap
    )
    assert t.sleeps[:4] == [1.5, 4.0, 4.0, 4.0]
    assert max(t.sleeps) == 4.0 and min(t.sleeps) >= 0.5


def test_full_jitter_draws_below_an_exponential_ceiling() -> None:
    backoff = Backoff(first_s=0.5, cap_s=8.0, jitter="full")
    ceilings = [backoff.next(n, 0.0, lambda: 1.0) for n in range(6)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff.next(3, 0.0, lambda: 0.25) == 1.0


def test_the_wait_is_bounded_and_the_last_read_is_at_the_deadline() -> None:
    t = FakeClock()
    result = poll(
        reader(["no"] * 100),
        lambda v: False,
        timeout_s=10,
        backoff=Backoff(first_s=1, cap_s=3),
        sleep=t.sleep,
        clock=t.clock,
        rng=lambda: 1.0,
    )
    assert not result.done and result.value == "no"
    assert t.now == pytest.approx(10)  # slept up to the deadline, not past it
    assert result.elapsed_s == pytest.approx(10)


def test_throttling_means_wait_longer_not_an_error() -> None:
    t = FakeClock()
    throttled = [error("ThrottlingException"), error("TooManyRequestsException", 429)]
    result = poll(
        reader([*throttled, "ready"]),
        lambda v: v == "ready",
        timeout_s=60,
        backoff=Backoff(first_s=1, cap_s=16),
        sleep=t.sleep,
        clock=t.clock,
        rng=lambda: 0.0,  # jitter alone would keep the delay at first_s
    )
    assert result.done and result.value == "ready"
    assert result.throttled == 2 and result.reads == 3
    assert t.sleeps == [2.0, 4.0]  # each throttled read at least doubles the delay


def test_throttled_until_the_deadline_gives_no_value() -> None:
    t = FakeClock()
    result = poll(
        lambda: (_ for _ in ()).throw(error("ThrottlingException")),
        lambda v: True,
        timeout_s=5,
        sleep=t.sleep,
        clock=t.clock,
    )
    assert not result.done and result.value is None and result.throttled == result.reads


def test_other_errors_propagate() -> None:
    t = FakeClock()
    with pytest.raises(ClientError):
        poll(
            reader([error("ResourceNotFoundException")]),
            lambda v: True,
            timeout_s=5,
            sleep=t.sleep,
            clock=t.clock,
        )


def test_a_zero_timeout_reads_once() -> None:
    t = FakeClock()
    result = poll(reader([7]), lambda v: False, timeout_s=0, sleep=t.sleep, clock=t.clock)
    assert result.reads == 1 and result.value == 7 and t.sleeps == []


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (error("ThrottlingException"), True),
        (error("TooManyRequestsException"), True),
        (error("Anything", 429), True),
        (error("AccessDeniedException"), False),
        (ValueError("x"), False),
    ],
)
def test_is_throttling(exc: BaseException, expected: bool) -> None:
    assert is_throttling(exc) is expected


@pytest.mark.parametrize(
    "kwargs", [{"first_s": 0}, {"first_s": 5, "cap_s": 1}, {"factor": 0.5}, {"jitter": "none"}]
)
def test_a_bad_backoff_is_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)
