"""An exclusive, non-blocking lock on a file, on POSIX and on Windows.

The operating system releases it when the process ends, however it ends, so a
crashed run never leaves a stale lock behind (unlike a lock *file* that exists or
not). POSIX: ``flock`` on the whole file. Windows: ``msvcrt.locking`` on its first
byte, which is just as exclusive between processes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class Busy(Exception):
    """Another process holds the lock."""


class Held:
    """A lock this process holds; ``release()`` it (closing the file releases it too)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def release(self) -> None:
        try:
            _release(self._fd)
        finally:
            os.close(self._fd)


def acquire(path: Path) -> Held:
    """Lock ``path`` (created mode 0600) exclusively, or raise ``Busy`` at once."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd)
    except BaseException:
        os.close(fd)
        raise
    return Held(fd)


if sys.platform == "win32":
    import msvcrt

    def _acquire(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:  # held by another process (EACCES / EDEADLOCK)
            raise Busy from None

    def _release(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _acquire(fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy from None

    def _release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
