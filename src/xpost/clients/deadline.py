"""A total deadline for one HTTP request, not one per socket read.

``requests``' ``timeout`` bounds each wait on the socket: a server that sends one byte
every few seconds keeps a request alive for ever, and with it the run lock (every cron
tick then says "another run is still going"). Here the request runs in a helper thread
and the caller waits at most ``seconds`` in all; past that it gets ``requests``' own
``ReadTimeout`` — "the request went out, no answer came" — which the clients already
turn into an unknown outcome for a create and a failure for the rest. The abandoned
thread is a daemon: it ends with the server's next byte or with the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import requests

T = TypeVar("T")


def within(seconds: float, call: Callable[[], T]) -> T:
    """``call()``'s result, or ``requests.ReadTimeout`` after ``seconds`` in all."""
    done = threading.Event()
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the waiting caller, raised there
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="xpost-request", daemon=True).start()
    if not done.wait(max(seconds, 0.0)):
        raise requests.ReadTimeout(f"no complete answer within {seconds:g} s (total deadline)")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
