"""Misskey's text rules: MFM escaping and its length count.

A note's text is MFM (Misskey Flavored Markdown): ``**bold**``, ``*italic*``,
``~~strike~~``, `` `code` ``, ``$[fn …]``, ``<center>``/``<small>``/``<i>`` tags,
``\\(math\\)``, ``[label](url)``, ``:emoji:``, a ``>`` quote at a line's start, a line
ending in ``検索``/``Search`` (a search box), and ``@user`` (a mention that notifies).
A blog post's title or summary may hold any of those by accident. MFM has no backslash
escape; what it has is ``<plain>…</plain>``, whose content is shown as written. So each
risky piece is wrapped in ``<plain>``, and nothing else: URLs stay links, and the
hashtags xpost adds stay hashtags.

Length: Misskey compares ``text.length`` — JavaScript's UTF-16 code units, so an
emoji outside the BMP counts 2 — with the instance's ``maxNoteTextLength`` (``/api/meta``,
3000 by default), markup included.
"""

from __future__ import annotations

import re

import regex

DEFAULT_MAX_NOTE_TEXT_LENGTH = 3000
PLAIN_OPEN, PLAIN_CLOSE = "<plain>", "</plain>"

_URL = re.compile(r"https?://[^\s<>\"]+", re.I)
_RISKY = regex.compile(
    r"""
      (?P<tag></?[a-z]+>)                        # <center> <small> <i> </plain> …
    | \*+ | ~~+ | `+ | \$\[                      # bold/italic, strike, code, functions
    | \\[()\[\]]                                 # \( \) \[ \]  (math)
    | \]\(                                       # [label](url), ?[label](url)
    | :[a-z0-9_+-]+:                             # :custom_emoji:
    | (?<![\w@])@[\w-]+(?:@[\w.-]+\w)?           # @user, @user@host: would notify
    | (?<![\p{L}\p{N}])_+(?=[\p{L}\p{N}])       # _italic_
    | ^>                                         # a quote
    | (?<=\s)(?:検索|search|\[検索\]|\[search\])$  # a search box
    """,
    regex.IGNORECASE | regex.MULTILINE | regex.VERBOSE,
)


def escape(text: str) -> str:
    """``text`` with every piece MFM would read as markup shown as written; URLs kept."""
    out: list[str] = []
    last = 0
    for url in _URL.finditer(text):
        out.append(_escape_plain(text[last : url.start()]))
        out.append(url.group())
        last = url.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    def wrap(match: regex.Match[str]) -> str:
        piece = match.group()
        if match.group("tag"):  # only the "<": a literal "</plain>" must not close anything
            return f"{PLAIN_OPEN}<{PLAIN_CLOSE}{piece[1:]}"
        return f"{PLAIN_OPEN}{piece}{PLAIN_CLOSE}"

    return str(_RISKY.sub(wrap, text))


def note_length(text: str) -> int:
    """JavaScript's ``text.length``: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def escaped_length(text: str) -> int:
    """The length of ``text`` once escaped: what the composer must fit to the limit."""
    return note_length(escape(text))
