"""Mastodon's character count, as its server checks a status before accepting it.

Mastodon's ``StatusLengthValidator`` (app/validators/status_length_validator.rb)
counts extended grapheme clusters of the content warning plus the text, after
rewriting entities: every URL with a scheme (found by twitter-text's extractor,
``extract_url_without_protocol: false``) counts as 23 characters
(``characters_reserved_per_url`` in ``/api/v2/instance``), and a mention
``@user@domain`` counts as ``@user``. The limit is the instance's
``configuration.statuses.max_characters`` (500 unless the admin changed it).
"""

from __future__ import annotations

import re

from xpost.plugin import extract_urls, grapheme_count

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_LENGTH = 23

# Mastodon's mention pattern (Account::MENTION_RE): ``@user`` or ``@user@domain``, not
# glued to a word or a slash before it.
_MENTION = re.compile(r"(?<![\w/])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(@[\w.-]+[\w]+)?", re.I)


def countable(text: str, url_length: int = DEFAULT_URL_LENGTH) -> str:
    """The text as Mastodon measures it: URLs as ``url_length`` x's, remote mentions local."""
    spans: list[tuple[int, int, str]] = [
        (url.start, url.end, "x" * url_length) for url in extract_urls(text, without_protocol=False)
    ]
    for match in _MENTION.finditer(text):
        if match[2] and not any(a < match.end() and match.start() < b for a, b, _ in spans):
            spans.append((match.start(), match.end(), "@" + match[1]))
    out, last = [], 0
    for start, end, replacement in sorted(spans):
        out += [text[last:start], replacement]
        last = end
    out.append(text[last:])
    return "".join(out)


def status_length(text: str, spoiler: str = "", url_length: int = DEFAULT_URL_LENGTH) -> int:
    """What Mastodon compares with ``max_characters``."""
    return grapheme_count(spoiler + countable(text, url_length))
