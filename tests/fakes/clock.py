"""A clock tests control: ``sleep`` records the wait and moves time on, instantly."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))


class FakeClock:
    """Shared by the code under test (``now``, ``sleep``) and a fake server (``time``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 5, 1, 12, 0, 0, tzinfo=JST)
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._now

    def time(self) -> float:
        return self._now.timestamp()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._now += timedelta(seconds=seconds)
