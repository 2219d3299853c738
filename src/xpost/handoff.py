"""Handing text to the user for platforms xpost may not post to itself (connpass).

An assisted adapter writes a hand-off file (``write_private``, readable by the user
only) whose block between ``PASTE_BEGIN`` and ``PASTE_END`` is what goes into the
platform's form, and returns a receipt carrying a ``HandOff``. What the user is then
offered (the clipboard, the page opened) is the command line's business:
``xpost.cli.handoff``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PASTE_BEGIN = "<!-- xpost:paste -->"
PASTE_END = "<!-- /xpost:paste -->"


def paste_block(text: str) -> str:
    """The part of a hand-off file meant for the platform's form (all of it without markers)."""
    begin, end = text.find(PASTE_BEGIN), text.find(PASTE_END)
    if begin < 0 or end < begin:
        return text
    return text[begin + len(PASTE_BEGIN) : end].strip("\n") + "\n"


def write_private(folder: Path, name: str, text: str) -> Path:
    """Write ``folder/name`` readable by the user only (folder 0700, file 0600), atomically."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # mkdir's mode is filtered by the umask, and the folder may predate us
    path = folder / name
    temporary = folder / f".{name}.tmp"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    path.chmod(0o600)
    return path
