"""Misbehaving HTTP servers on 127.0.0.1, written at the socket level: one that drips its
answer a byte at a time, one that redirects every request, one that records what reaches
it. Each serves for a bounded time and stops when its ``with`` block ends."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


@dataclass
class Served:
    """A running server: its base URL and the raw requests it has read."""

    url: str
    requests: list[bytes] = field(default_factory=list)


@contextmanager
def serving(answer: Callable[[socket.socket, threading.Event], None]) -> Iterator[Served]:
    """Accept connections for at most 60 s; ``answer(conn, stop)`` writes each answer."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop = threading.Event()
    served = Served(f"http://127.0.0.1:{server.getsockname()[1]}")

    def handle(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            try:
                served.requests.append(conn.recv(65536))
                answer(conn, stop)
            except OSError:
                return

    def accept() -> None:
        ends = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < ends:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        stop.set()
        thread.join(5)
        server.close()


def dripping(
    interval: float, answer: bytes = ANSWER
) -> Callable[[socket.socket, threading.Event], None]:
    """An answer sent one byte every ``interval`` seconds: each socket read is quick
    enough for a per-read timeout, the whole never is."""

    def drip(conn: socket.socket, stop: threading.Event) -> None:
        for byte in answer:
            if stop.wait(interval):
                return
            conn.sendall(bytes([byte]))

    return drip


def redirecting(
    location: str, status: int = 302
) -> Callable[[socket.socket, threading.Event], None]:
    """Every request answered with a redirect to ``location``."""
    head = f"HTTP/1.1 {status} Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"

    def redirect(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head.encode())

    return redirect


def answering(answer: bytes = ANSWER) -> Callable[[socket.socket, threading.Event], None]:
    def respond(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(answer)

    return respond
