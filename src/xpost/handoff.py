"""Handing text to the user for platforms xpost may not post to itself (connpass).

An assisted adapter writes a hand-off file (``write_private``) whose block between
``PASTE_BEGIN`` and ``PASTE_END`` is what goes into the platform's form; the
orchestrator then calls ``hand_off`` for the ``awaiting`` receipt: the block is
copied to the clipboard when a clipboard tool exists, the page to paste into is
opened when the terminal is interactive, and the lines to print come back.
Only the standard library: ``webbrowser`` is imported when a page is opened.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xpost.adapters.base import Receipt

PASTE_BEGIN = "<!-- xpost:paste -->"
PASTE_END = "<!-- /xpost:paste -->"
CLIPBOARD_TIMEOUT = 3.0  # seconds: a clipboard tool that hangs (no display) is given up on

#: Clipboard tools, first found wins: macOS, Wayland, X11 (two), WSL/Windows.
CLIPBOARD_TOOLS: tuple[tuple[str, ...], ...] = (
    ("pbcopy",),
    ("wl-copy",),
    ("xclip", "-selection", "clipboard"),
    ("xsel", "--clipboard", "--input"),
    ("clip.exe",),
)


def hand_off(receipt: Receipt, *, interactive: bool) -> list[str]:
    """Copy the receipt's hand-off text, open its page if ``interactive``; lines to print."""
    outbox = receipt.state.get("outbox")
    page = receipt.state.get("open")
    lines: list[str] = []
    if isinstance(outbox, str):
        lines.append(f"hand-off text written to {outbox}")
        text = _read(Path(outbox))
        if text is None:
            lines.append(f"cannot read {outbox}: run 'xpost publish' again to rewrite it")
        elif copy_to_clipboard(paste_block(text)):
            lines.append("the text to paste is on the clipboard")
        else:
            lines.append("no clipboard tool found: copy the text from the file")
    if isinstance(page, str):
        if interactive and _open_browser(page):
            lines.append(f"opened {page}")
        else:
            lines.append(f"paste it at {page}")
    return lines


def paste_block(text: str) -> str:
    """The part of a hand-off file meant for the platform's form (all of it without markers)."""
    begin, end = text.find(PASTE_BEGIN), text.find(PASTE_END)
    if begin < 0 or end < begin:
        return text
    return text[begin + len(PASTE_BEGIN) : end].strip("\n") + "\n"


def copy_to_clipboard(text: str, tools: Sequence[tuple[str, ...]] = CLIPBOARD_TOOLS) -> bool:
    """Give ``text`` to the first clipboard tool on PATH; False when none took it."""
    import shutil  # here: rendering a connpass draft imports this module, a dry-run too
    import subprocess

    for command in tools:
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(
                command,
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=CLIPBOARD_TIMEOUT,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            continue  # e.g. xclip without a display: try the next tool
        return True
    return False


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


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _open_browser(url: str) -> bool:
    import webbrowser  # only when a page is really opened: it is slow to import

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
