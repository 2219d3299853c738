"""How patiently a client retries and waits: bounded, and injectable so tests never sleep.

No network import here: adapters build a policy at construction time, while the client
that uses it (and ``requests``) is imported only when something is actually sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from msgspec import Struct
from msgspec.structs import replace


class RetryPolicy(Struct, frozen=True):
    #: Tries of an idempotent request (GET, DELETE) after a 5xx or no answer at all.
    attempts: int = 3
    #: Seconds before the second try; doubles for each further one.
    backoff: float = 1.0
    #: The longest wait for a rate-limit reset; beyond it the call fails with RateLimited.
    max_rate_wait: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        return float(self.backoff * 2 ** (attempt - 1))


#: Waits shorter than this are not worth a countdown.
ANNOUNCED_WAIT = 1.0


def announced(policy: RetryPolicy, waiting: Callable[[float], None]) -> RetryPolicy:
    """``policy`` whose waits are reported first (``PublishContext.waiting``), so a
    terminal can count down a rate-limit wait instead of looking hung."""
    sleep = policy.sleep

    def announce_then_sleep(seconds: float) -> None:
        if seconds >= ANNOUNCED_WAIT:
            waiting(seconds)
        sleep(seconds)

    return replace(policy, sleep=announce_then_sleep)
