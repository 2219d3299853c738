"""Progress on stderr, on a terminal only: one status line, redrawn in place.

``StatusLine.report`` is the ``xpost.progress.Reporter`` the engine and the adapters
report to, from any thread. Lines of real output go through ``StatusLine.echo``, which
takes the status line away, prints, and puts it back, so the two never mix. Off a
terminal (cron, pipes, CI) or with -q there is no status line at all.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import threading
import time
import unicodedata
from typing import IO

import click

from xpost.cli import verbosity
from xpost.progress import Report

#: Seconds between two redraws of a changing line (a count going up fast).
REDRAW_EVERY = 0.1


class StatusLine:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._lock = threading.RLock()
        self._active: dict[str, Report] = {}
        self._shown = False
        self._drawn_at = 0.0
        self._ticker: threading.Thread | None = None
        self._closed = threading.Event()

    def report(self, report: Report) -> None:
        with self._lock:
            if self._closed.is_set():
                return
            before = self._active.get(report.subject)
            if report.finished:
                self._active.pop(report.subject, None)
            else:
                self._active[report.subject] = report  # keeps its place on the line
            # News (a new subject, a new message, an end) at once; a count that goes
            # up fast is redrawn at most every REDRAW_EVERY seconds.
            news = report.finished or before is None or before.message != report.message
            now = time.monotonic()
            if news or now - self._drawn_at >= REDRAW_EVERY:
                self._draw(now)
            if report.until is not None:
                self._tick()

    def echo(self, line: str, *, err: bool = False) -> None:
        """Print a line of output without tearing the status line."""
        with self._lock:
            self._erase()
            click.echo(line, err=err)
            self._draw(time.monotonic())

    def close(self) -> None:
        with self._lock:
            self._closed.set()
            self._erase()
            self._active.clear()

    # ── drawing ─────────────────────────────────────────────────────────────

    def _draw(self, now: float) -> None:
        self._erase()
        text = _fit(" · ".join(_describe(r, now) for r in self._active.values()))
        if text:
            self.stream.write(text)
            self.stream.flush()
            self._shown = True
        self._drawn_at = now

    def _erase(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def _tick(self) -> None:
        """A countdown is shown: redraw every second until no wait is left."""
        if self._ticker is not None and self._ticker.is_alive():
            return

        def run() -> None:
            while not self._closed.wait(1.0):
                with self._lock:
                    now = time.monotonic()
                    if not any(r.until and r.until > now for r in self._active.values()):
                        return
                    self._draw(now)

        self._ticker = threading.Thread(target=run, name="xpost-countdown", daemon=True)
        self._ticker.start()


def _describe(report: Report, now: float) -> str:
    text = report.subject + (f": {report.message}" if report.message else "")
    if report.total is not None and report.done is not None:
        text += f" {report.done:,}/{report.total:,}"
    elif report.done is not None:
        text += f" {report.done:,}"
    if report.until is not None:
        text += f" {max(0, math.ceil(report.until - now))}s"
    return text


def _fit(text: str) -> str:
    """Printable characters only (file names reach here), cut to the terminal's width
    so the line never wraps (a wrapped line cannot be redrawn in place)."""
    width = shutil.get_terminal_size((80, 24)).columns - 1
    out, used = [], 0
    for char in text:
        if not char.isprintable():
            char = "?"
        size = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + size > width:
            break
        out.append(char)
        used += size
    return "".join(out)


def status_line() -> StatusLine | None:
    """A status line when stderr is a terminal and -q was not given, else None."""
    if verbosity.level() <= verbosity.QUIET:
        return None
    if not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
        return None
    from xpost.printable import TerminalSafe

    # Its text is made printable in _fit; the controls that redraw it must pass as they are.
    stream = sys.stderr.raw if isinstance(sys.stderr, TerminalSafe) else sys.stderr
    return StatusLine(stream)
