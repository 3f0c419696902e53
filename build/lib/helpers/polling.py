"""One way to wait for something in AWS: read, and if it is not there yet, wait longer.

Thirty attendees in one account share its per-account request quotas, and the reads the
kit polls are among the lowest: CloudWatch Logs ``FilterLogEvents`` allows 5 requests
per second per account and Region, and cannot be raised (AWS re:Post knowledge center,
"How do I determine throttling in my CloudWatch logs?"); the durable execution read APIs
answer ``TooManyRequestsException`` past their quota (Lambda API reference,
GetDurableExecution / GetDurableExecutionHistory, Errors). So every polling loop in
``helpers/`` goes through ``poll``:

- exponential backoff with jitter between reads, so that thirty kernels that started
  together drift apart instead of reading in lock-step (AWS Architecture Blog,
  "Exponential Backoff And Jitter": full and decorrelated jitter);
- a bounded total wait: the last read happens at the deadline, never after it;
- a throttling answer is "wait longer", not an error: the delay grows as after any read
  and the loop goes on (botocore's own retries have already been spent on it);
- an optional progress callback after each read, for progress bars.

    result = poll(read, done=lambda value: value["Status"] != "RUNNING", timeout_s=120)
    if result.done: ...          # else result.value is the last answer read (or None)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")

# Error codes AWS services use for "too many requests": CloudWatch Logs answers
# ThrottlingException, Lambda TooManyRequestsException (botocore's retry handler treats
# the same family as throttling).
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RateExceeded",
        "ThrottledException",
        "RequestThrottledException",
        "SlowDown",
    }
)
Jitter = Literal["full", "decorrelated"]


def is_throttling(exc: BaseException) -> bool:
    """True for an AWS "too many requests" answer (any service's spelling of it)."""
    if not isinstance(exc, ClientError):
        return False
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error.get("Code") in THROTTLING_CODES or status == 429


@dataclass(frozen=True)
class Backoff:
    """Delays between reads: start at ``first_s``, grow by ``factor``, at most ``cap_s``.

    ``full`` jitter draws each delay uniformly in [0, ceiling]; ``decorrelated`` draws it
    in [first_s, 3 x the previous delay], capped: it never polls faster than ``first_s``.
    """

    first_s: float = 0.5
    cap_s: float = 8.0
    factor: float = 2.0
    jitter: Jitter = "decorrelated"

    def __post_init__(self) -> None:
        if not 0 < self.first_s <= self.cap_s:
            raise ValueError(f"need 0 < first_s <= cap_s, got {self.first_s} and {self.cap_s}")
        if self.factor < 1:
            raise ValueError(f"factor must be at least 1, got {self.factor}")
        if self.jitter not in ("full", "decorrelated"):
            raise ValueError(f"jitter must be 'full' or 'decorrelated', not {self.jitter!r}")

    def next(self, attempt: int, previous: float, rng: Callable[[], float]) -> float:
        """The delay after read number ``attempt`` (0-based); ``previous`` the last delay."""
        if self.jitter == "full":
            ceiling = min(self.cap_s, self.first_s * self.factor**attempt)
            return rng() * ceiling
        low, high = self.first_s, max(self.first_s, previous * 3)
        return min(self.cap_s, low + rng() * (high - low))


@dataclass(frozen=True)
class PollResult(Generic[T]):
    """How a wait ended: ``done`` (the condition held), the last value read (None if no
    read succeeded), how long it took, how many reads and how many were throttled."""

    done: bool
    value: T | None
    elapsed_s: float
    reads: int
    throttled: int


def poll(
    read: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout_s: float,
    backoff: Backoff | None = None,
    progress: Callable[[T, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: Callable[[], float] = random.random,
) -> PollResult[T]:
    """Call ``read()`` until ``done(value)`` or ``timeout_s`` has passed, sleeping a
    backoff with jitter between reads. ``progress(value, elapsed_s)`` follows every
    successful read. A throttling error counts as a read that found nothing yet; any
    other error propagates. Never sleeps past the deadline; always reads at least once."""
    backoff = backoff or Backoff()
    started = clock()
    deadline = started + max(0.0, timeout_s)
    value: T | None = None
    reads = throttled = 0
    delay = backoff.first_s
    while True:
        reads += 1
        was_throttled = False
        try:
            value = read()
        except ClientError as exc:
            if not is_throttling(exc):
                raise
            throttled += 1
            was_throttled = True
        else:
            if progress is not None:
                progress(value, clock() - started)
            if done(value):
                return PollResult(True, value, clock() - started, reads, throttled)
        remaining = deadline - clock()
        if remaining <= 0:
            return PollResult(False, value, clock() - started, reads, throttled)
        previous, delay = delay, backoff.next(reads - 1, delay, rng)
        if was_throttled:  # the account is over its quota: back off at least a full step
            delay = max(delay, min(backoff.cap_s, previous * backoff.factor))
        sleep(min(delay, remaining))
