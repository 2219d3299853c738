"""Bounds on what xpost reads from the user, so bad input fails fast and small.

A post or config file must be a regular file of bounded size (a FIFO would block
forever, ``/dev/zero`` would fill memory), and parsed front matter must be a tree of
bounded depth and size (YAML aliases can make a small file a huge or cyclic tree).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: Far above any real post (the longest example post is ~30 KB) and small enough that
#: every pass over the text stays well under a second.
MAX_POST_BYTES = 2 * 1024 * 1024
#: A config file is a few hundred bytes; templates in it included.
MAX_CONFIG_BYTES = 256 * 1024
#: Lists in tables in lists…: real front matter nests three or four levels.
MAX_NESTING = 32
#: Values in one front matter, counting every visit (an alias used twice counts twice).
MAX_VALUES = 50_000


class LimitExceeded(ValueError):
    """The input is of a kind or size xpost refuses to read; the message says which."""


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Opened without blocking (a FIFO opens at once and is then refused by its type),
    checked on the open descriptor (no race with a swapped file), and read at most
    ``limit + 1`` bytes, so a file growing meanwhile cannot exhaust memory either.
    ``OSError`` is left to the caller, who knows how to name the file.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise LimitExceeded(f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise LimitExceeded(f"too large ({info.st_size:,} bytes; the limit is {limit:,})")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise LimitExceeded(f"too large (over {limit:,} bytes)")
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def check_tree(value: object) -> str | None:
    """Why a parsed front matter is too deep or too big for xpost, or None when fine.

    Iterative, so it cannot itself exhaust the stack; stops at the first excess, so a
    cyclic or alias-bomb tree costs at most ``MAX_VALUES`` steps.
    """
    stack: list[tuple[object, int]] = [(value, 0)]
    seen = 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            return f"more than {MAX_VALUES:,} values"
        if isinstance(item, dict):
            children: list[object] = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set):
            children = list(item)
        else:
            continue
        if depth >= MAX_NESTING:
            return f"nested more than {MAX_NESTING} levels deep"
        stack.extend((child, depth + 1) for child in children)
    return None
