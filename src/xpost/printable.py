"""Text from posts, file names and servers made safe to show on a terminal or commit.

A title holding ``ESC ] 0 ; … BEL`` retitles the window, ``ESC [ 2 J`` clears the
screen, ``ESC ] 52 ; c ; …`` writes the clipboard, a bare ``CR`` hides what came
before on the line, and bidi overrides make text read other than it is. Every C0 and
C1 control (tab and line feed excepted), DEL and the bidi controls are written as
``\\uXXXX`` instead: visible, and still valid inside a JSON string.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
# The colours xpost itself asks for (click.style): SGR, ``ESC [ 1 ; 36 m``. Nothing
# else xpost prints needs an escape sequence.
_UNSAFE_BUT_COLOUR = re.compile(r"(\x1b\[[0-9;]{0,16}m)|" + _CONTROL)


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str) -> str:
    """``text`` with every terminal control written out as ``\\uXXXX``."""
    return re.sub(_CONTROL, _escaped, text)  # compiled on first use: most commands need none


def one_line(text: str) -> str:
    """``printable`` text on one line (a commit subject): runs of whitespace become one space."""
    return " ".join(printable(text).split())


def printable_keeping_colour(text: str) -> str:
    """Like ``printable``, but colour sequences (SGR) pass: they only colour text."""
    return _UNSAFE_BUT_COLOUR.sub(lambda m: m.group(1) or _escaped(m), text)


class TerminalSafe:
    """A text stream that writes through ``printable_keeping_colour``.

    Installed over stdout and stderr for the whole command, so that no path — a
    result line, a warning, an error, a server's message — reaches the terminal raw.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # bytes: the stream itself refuses them
            return self._stream.write(text)
        self._stream.write(printable_keeping_colour(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    @property
    def raw(self) -> TextIO:
        """The stream underneath: for the progress status line only, which escapes its
        own text and must send its cursor controls (``\\r``, erase line) as they are."""
        return self._stream

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, buffer…
        return getattr(self._stream, name)
