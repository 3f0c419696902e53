"""The state every realism behaviour reads and writes: in memory, time-based."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from .profiles import Profile


class TokenBucket:
    """``rate`` requests a second, bursts up to one second's worth (AWS's usual shape)."""

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.at = now

    def take(self, now: float) -> float:
        """0 if admitted, else the seconds until a token is there."""
        self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RealismState:
    """The profile, the clock and what each behaviour remembers (the parts of `Realism`
    in quotas.py, functions.py and moto_hooks.py share it)."""

    def __init__(
        self, profile: Profile, clock: Callable[[], float] = time.monotonic, seed: int | None = None
    ) -> None:
        self.profile = profile
        self._clock = clock
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._roles: dict[tuple[str, str], float] = {}  # (account, role name) -> created at
        self._pending: dict[tuple[str, str, str], float] = {}  # function -> Active at
        self._updating: dict[tuple[str, str, str], float] = {}  # function -> Successful at
        self._queues: dict[tuple[str, str, str], tuple[str, float]] = {}  # -> (url, deleted)
        self._buckets_deleted: dict[str, float] = {}  # bucket name -> deleted at
        self.throttled = 0  # calls refused by a quota, for the room test and benchmarks

    @property
    def name(self) -> str:
        """The profile's name."""
        return self.profile.name

    @property
    def active(self) -> bool:
        """Whether any behaviour applies (every profile but ``off``)."""
        return self.profile.name != "off"
