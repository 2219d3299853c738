"""The reference URL grammar written as one ``regex`` pattern, for tests only.

This is how xpost found URLs before: twitter-text's pattern with its alternation of
every TLD, compiled with the ``regex`` module (whose case folding is the reference's).
It is slow to compile (a quarter of a second), which is why ``xpost.render.twitter_urls``
matches domains label by label instead; tests/test_twitter_urls.py checks that both
find the same URLs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import regex

from xpost.render import twitter_urls as urls
from xpost.render.tlds import COUNTRY_TLDS, GENERIC_TLDS


@cache
def url_pattern() -> Any:
    def alternation(names: tuple[str, ...]) -> str:
        ordered = sorted(names, key=len, reverse=True)
        return "(?:" + "|".join(regex.escape(name) for name in ordered) + ")(?![0-9a-zA-Z@+-])"

    tld = f"(?:{alternation(GENERIC_TLDS)}|{alternation(COUNTRY_TLDS)}|xn--[-0-9a-z]+)"
    char = f"[^{urls.PUNCT}{urls.SPACES}{urls.INVALID}{urls.DIRECTIONAL}]"
    subdomain = f"(?:(?:{char}(?:[_-]|{char})*)?{char}\\.)"
    domain_name = f"(?:(?:{char}(?:-|{char})*)?{char}\\.)"
    accents, cyrillic = urls.LATIN_ACCENTS, urls.CYRILLIC
    path_char = f"[a-z{cyrillic}0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{accents}]"
    parens = f"\\((?:{path_char}+|(?:{path_char}*\\({path_char}+\\){path_char}*))\\)"
    path_end = f"[+\\-a-z{cyrillic}0-9=_#/{accents}]"
    path = f"(?:(?:{path_char}*(?:{parens}{path_char}*)*{path_end})|{parens}|(?:@{path_char}+/))"
    query_char = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
    query_end = r"[a-z0-9\-_&=#/]"
    before = f"(?:[^A-Za-z0-9@＠$#＃{urls.INVALID}]|[{urls.DIRECTIONAL}]|^)"
    flags = regex.IGNORECASE | regex.VERSION0
    return (
        regex.compile(
            f"({before})((https?://)?((?:{subdomain}*{domain_name}{tld}))"
            f"(?::([0-9]+))?(/{path}*)?(\\?{query_char}*{query_end})?)",
            flags,
        ),
        regex.compile(f"(?:(?:[\\-a-z0-9{accents}]+)\\.)+{tld}", flags),
        regex.compile(f"^https?://t\\.co/([a-z0-9]+)(?:\\?{query_char}*{query_end})?", flags),
    )


def extract_urls(text: str) -> list[tuple[str, int, int]]:
    """(url, start, end) as the regex grammar finds them (UTF-16 code-unit indices)."""
    url_re, ascii_re, tco_re = url_pattern()
    found: list[tuple[str, int, int]] = []
    for match in url_re.finditer(text):
        before, url, protocol, domain, path = match.group(1, 2, 3, 4, 6)
        start, end = match.span(2)
        if domain[:4].lower() == "xn--" and not ascii_re.search(domain):
            continue
        labels = urls._from_utf16(domain).split(".")
        if any(not 1 <= len(urls._punycoded(label)) <= 63 for label in labels):
            continue
        if len(protocol or "https://") + len(url) > 4096:
            continue
        if protocol:
            tco = tco_re.match(url)
            if tco:
                if len(tco.group(1)) > 40:
                    continue
                url, end = tco.group(0), start + len(tco.group(0))
            found.append((url, start, end))
            continue
        if regex.search(r"[-_./]\Z", before):
            continue
        ascii = [(m.group(), start + m.start(), start + m.end()) for m in ascii_re.finditer(domain)]
        if ascii and path:
            value, first, _ = ascii[-1]
            ascii[-1] = (url.replace(domain, value, 1), first, end)
        found.extend(ascii)
    return found
