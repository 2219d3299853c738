"""Offering the user what an assisted adapter handed over (connpass): the text on the
clipboard when a clipboard tool exists, the page to paste into opened when the terminal
is interactive, and the lines to print. Only the standard library: ``webbrowser`` is
imported when a page is really opened."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from xpost.adapters.base import HandOff
from xpost.handoff import paste_block

CLIPBOARD_TIMEOUT = 3.0  # seconds: a clipboard tool that hangs (no display) is given up on

#: Clipboard tools, first found wins: macOS, Wayland, X11 (two), WSL/Windows.
CLIPBOARD_TOOLS: tuple[tuple[str, ...], ...] = (
    ("pbcopy",),
    ("wl-copy",),
    ("xclip", "-selection", "clipboard"),
    ("xsel", "--clipboard", "--input"),
    ("clip.exe",),
)


def offer(handoff: HandOff, *, interactive: bool) -> list[str]:
    """Copy the hand-off text, open its page if ``interactive``; the lines to print."""
    lines = [f"hand-off text written to {handoff.file}"]
    text = _read(handoff.file)
    if text is None:
        lines.append(f"cannot read {handoff.file}: run 'xpost publish' again to rewrite it")
    elif copy_to_clipboard(paste_block(text)):
        lines.append("the text to paste is on the clipboard")
    else:
        lines.append("no clipboard tool found: copy the text from the file")
    if handoff.page:
        if interactive and _open_browser(handoff.page):
            lines.append(f"opened {handoff.page}")
        else:
            lines.append(f"paste it at {handoff.page}")
    return lines


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
