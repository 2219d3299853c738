"""Work spread over forked processes, its results handed back in order.

Made for the scan of a big site (``xpost.scan``), where reading 10,000 front matters is
most of a first ``xpost run``: forked children start at once with everything the parent
has loaded (config, site configs, modules), and only the tasks and results cross a
pipe. A fork, two pipes per child and ``pickle`` are all it takes. Not
``multiprocessing``: its ``Pool`` replaces a worker that was killed but waits forever
for the task that worker held (bpo-22393); ``ProcessPoolExecutor`` forks its workers
while its own manager thread runs (Python 3.12+ warns against exactly that) and marks
the whole pool broken when one dies; and either costs 25-35 ms of imports.

The guarantees the caller builds on:

- results come back in the order of the tasks, whichever child finished first;
- a task whose child could not finish it (the work raised, the child was killed — by
  the OOM killer, say) comes back as ``LOST``: the caller does it itself, so the result
  (or the exception, with its traceback) is exactly what doing it in-process gives;
- leaving the ``with`` block any way (done, an exception, Ctrl-C) kills and reaps every
  child: none outlives it. The children ignore SIGINT (the terminal sends it to the
  whole process group): the parent alone decides, so a Ctrl-C is one clean
  ``KeyboardInterrupt`` in the parent and no traceback from a child;
- memory stays bounded: at most ``window`` tasks are out or waiting to be handed back.

Only where ``fork`` is cheap and safe: ``can_fork`` says whether it is here and now
(POSIX with ``os.sched_getaffinity``, i.e. Linux, and no other thread running: a fork
copies one thread, and Python 3.12+ warns about forking a threaded process).
Elsewhere (Windows, macOS, where only ``spawn`` is safe) the caller stays serial: a
spawned child would import xpost and read the config again before its first task,
which costs more than the scan of most sites saves.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import struct
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, Final

#: What a task whose child could not finish it comes back as.
LOST: Final = object()

_HEADER = struct.Struct("!Q")  # the length of the pickle that follows
_AHEAD = 2  # tasks queued per child: one it works on, one it takes next


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether forking is cheap and safe here and now: Linux-like, one thread."""
    if not hasattr(os, "fork") or not hasattr(os, "sched_getaffinity"):
        return False
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    try:  # threads started outside ``threading`` (by a C library) count too
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return True


class ForkPool:
    """``processes`` forked children running ``work`` on tasks (see the module's doc)."""

    def __init__(self, work: Callable[[Any], Any], processes: int, window: int) -> None:
        self._work = work
        self._processes = processes
        self._window = max(window, processes)
        self._children: dict[int, tuple[int, int]] = {}  # pid: (task fd, result fd)

    def map(
        self, tasks: Iterable[Any], idle: Callable[[], bool] | None = None
    ) -> Generator[tuple[Any, Any]]:
        """``(task, result)`` for each task (never None) in order; ``result`` is ``LOST``
        when its child could not finish it. Once a child has died the pool stops: every
        task not finished by then comes back ``LOST`` (the caller does them); so do all
        when no child can be forked at all (EAGAIN).

        ``idle`` is work of the parent's own (walking on to find more tasks, say), done
        a step at a time whenever no child needs it, until it returns False. Meanwhile
        the parent keeps a core busy, and one child (of two or more) gets no task: no
        more processes are at work than ``processes``, which the caller sets to the
        cores it may use. That child is forked with the others all the same, while the
        parent is small: forked later, it would hold a copy of all the parent has
        allocated since, and changes, in the meantime.

        The children live as long as this generator: forked at its first step, killed
        and reaped when it ends, however (exhausted, closed, an exception, Ctrl-C)."""
        try:
            try:
                self._start()
            except OSError:
                self._kill()
                for task in tasks:
                    yield task, LOST
                return
            yield from self._map(tasks, idle)
        finally:
            self._kill()

    def _start(self) -> None:
        # Forked with SIGINT held back: a Ctrl-C in the meantime reaches the parent once
        # the children exist (and so are killed on the way out), and never reaches a
        # child before it ignores it.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        gc.freeze()  # the children's collections leave the parent's objects' pages shared
        try:
            for _ in range(self._processes):
                self._fork(held)
        finally:
            gc.unfreeze()
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a held Ctrl-C raises here

    def _map(
        self, tasks: Iterable[Any], idle: Callable[[], bool] | None
    ) -> Iterator[tuple[Any, Any]]:
        # Each child has up to ``_AHEAD`` tasks queued, so that it goes on to the next one
        # without waiting for the parent to be scheduled (on a busy machine that wait was
        # most of a child's time). The parent never blocks writing: a task that does not
        # fit in the pipe waits in ``unsent`` until ``select`` says it does.
        pending = iter(tasks)
        sent: dict[int, Any] = {}  # number: task, out or done but not handed back yet
        done: dict[int, Any] = {}  # number: result
        queued: dict[int, deque[int]] = {}  # result fd: numbers of its child's tasks
        unsent: dict[int, bytes] = {}  # task fd: what is still to be written to it
        task_fd_of: dict[int, int] = {}  # result fd: task fd
        for task_fd, result_fd in self._children.values():
            os.set_blocking(task_fd, False)
            queued[result_fd] = deque()
            task_fd_of[result_fd] = task_fd
        working = list(queued)  # the result fds of the children given tasks
        ahead = _AHEAD
        if idle is not None:
            # The parent's own work takes a core meanwhile; and busy with it, the parent
            # is slower to be scheduled again (the scheduler favours processes that
            # wait), so its children get more tasks queued not to run out.
            ahead = 2 * _AHEAD
            if len(working) > 1:
                working.pop()
        numbered = handed = 0
        exhausted = broken = False
        while True:
            while not exhausted and not broken and numbered - handed < self._window:
                result_fd = min(working, key=lambda fd: len(queued[fd]))
                if len(queued[result_fd]) >= ahead:
                    break
                task = next(pending, None)
                if task is None:
                    exhausted = True
                    break
                sent[numbered] = task
                queued[result_fd].append(numbered)
                task_fd = task_fd_of[result_fd]
                unsent[task_fd] = unsent.get(task_fd, b"") + _frame(task)
                broken = not _flush(task_fd, unsent)
                numbered += 1
            if handed in done:
                yield sent.pop(handed), done.pop(handed)
                handed += 1
                continue
            if broken:
                break
            if handed == numbered:  # nothing out, nothing more to send
                return
            waiting = [fd for fd, numbers in queued.items() if numbers]
            # With work of its own, the parent only looks whether a child needs it.
            timeout = None if idle is None else 0
            readable, writable, _ = select.select(waiting, list(unsent), [], timeout)
            if not readable and not writable and idle is not None:
                if not idle():  # done: every child works from now on
                    idle, working, ahead = None, list(queued), _AHEAD
                continue
            for task_fd in writable:
                broken = broken or not _flush(task_fd, unsent)
            for result_fd in readable:
                reply = _receive(result_fd)
                if reply is None:  # the child is gone: its results never come
                    broken = True
                    continue
                ok, result = reply
                done[queued[result_fd].popleft()] = result if ok else LOST
        self._kill()
        for number in range(handed, numbered):
            yield sent.pop(number), done.pop(number, LOST)
        for task in pending:
            yield task, LOST

    # --- the children ------------------------------------------------------------------

    def _fork(self, held: set[int | signal.Signals]) -> None:
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's stack
            status = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                for task_fd, result_fd in self._children.values():  # its siblings' ends
                    os.close(task_fd)
                    os.close(result_fd)
                os.close(task_write)
                os.close(result_read)
                self._serve(task_read, result_write)
                status = 0
            finally:
                os._exit(status)
        os.close(task_read)
        os.close(result_write)
        self._children[pid] = (task_write, result_read)

    def _serve(self, task_fd: int, result_fd: int) -> None:
        while True:
            reply = _receive(task_fd)
            if reply is None:  # the parent is done (or gone)
                return
            try:
                answer: tuple[bool, Any] = (True, self._work(reply))
                data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
            except Exception:  # the parent does it again itself, and sees why
                data = pickle.dumps((False, None))
            _write(result_fd, _HEADER.pack(len(data)) + data)

    def _kill(self) -> None:
        children, self._children = self._children, {}
        for pid, fds in children.items():
            for fd in fds:
                os.close(fd)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _frame(task: Any) -> bytes:
    data = pickle.dumps(task, pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _flush(fd: int, unsent: dict[int, bytes]) -> bool:
    """Writes what ``fd`` can take now of ``unsent[fd]``; False when its child is gone."""
    data = unsent.pop(fd)
    try:
        written = os.write(fd, data)
    except BlockingIOError:
        written = 0
    except BrokenPipeError:
        return False
    if written < len(data):
        unsent[fd] = data[written:]
    return True


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int) -> Any:
    """The next message on ``fd``, or None at its end (or a message cut short)."""
    header = _read(fd, _HEADER.size)
    if header is None:
        return None
    data = _read(fd, _HEADER.unpack(header)[0])
    return None if data is None else pickle.loads(data)


def _read(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
