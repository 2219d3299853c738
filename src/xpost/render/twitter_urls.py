"""The URLs X links in a post (each counts as a t.co link of 23), found as twitter-text does.

The grammar is twitter-text's (``contracts/twitter-text/extract.yml`` is its
conformance suite); the code is our own, and differs in method only. The reference
writes the top-level domain as an alternation of ~1,500 names, which costs a quarter of
a second to compile in every process. Here a domain is matched label by label with small
patterns, and its TLD is looked up in a set; ``_match_domain`` walks the choices in the
order the reference's backtracking regex tries them (as many subdomains as possible
first, generic TLDs before country ones, longest first), so both find the same URLs.

The small patterns use the standard library's ``re``, which compiles them in
microseconds. Its case-insensitive matching is the reference's except for one letter:
it also folds the Turkish dotless "ı" into "i", so "[a-z]" takes it. The patterns where
that matters (query, t.co slug, punycode) run on a copy of the text with "ı" replaced by
a letter they do not take either (``_PROBE``); values are cut from the text itself.

Indices are in code points (Python ``str`` indices), as in the conformance suite.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

from msgspec import Struct

MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_DOMAIN_LABEL_LENGTH = 63


class Entity(Struct, frozen=True):
    """A span of a text: ``text[start:end] == value`` (code-point indices)."""

    value: str
    start: int
    end: int

    @property
    def url(self) -> str:
        """The value, named for what a URL entity holds."""
        return self.value


UrlEntity = Entity

# -- the grammar's character classes (twitter-text's) -------------------------------

PUNCT = r"!'#%&'()*+,\\\-./:;<=>?@\[\]\^_{|}~$"
SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
INVALID = r"\uFFFE\uFEFF\uFFFF"
DIRECTIONAL = r"\u202A-\u202E\u061C\u200E\u200F\u2066-\u2069"
LATIN_ACCENTS = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
    r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)
CYRILLIC = r"\u0400-\u04FF"
_FLAGS = re.IGNORECASE

_DOMAIN_CHAR = f"[^{PUNCT}{SPACES}{INVALID}{DIRECTIONAL}]"
# A URL starts after a character that does not continue a word, a mention, a cashtag
# or a hashtag (or at the start of the text), with a protocol or a first label: a
# domain character, then label characters up to a dot (the reference's lookahead
# ``(?:https?://)?D(?:[_-]|D)*\\.``, D a domain character).
_BEFORE_URL = re.compile(f"[^A-Za-z0-9@＠$#＃{INVALID}]", _FLAGS)
_BEFORE_LABEL = re.compile(f"[^A-Za-z0-9@＠$#＃{INVALID}](?=[^_-])", _FLAGS)
_PROTOCOL = re.compile(r"https?://", _FLAGS)
_LABEL_RUN = re.compile(f"(?:[_-]|{_DOMAIN_CHAR})+", _FLAGS)  # label characters, maximal
_ASCII_LABEL_DOT = re.compile(f"[\\-a-z0-9{LATIN_ACCENTS}]+\\.", _FLAGS)
_AFTER_TLD = re.compile(r"[0-9a-zA-Z@+-]", _FLAGS)  # what may not follow a named TLD
_PUNYCODE_TLD = re.compile(r"xn--[-0-9a-z]+", _FLAGS)  # the reference checks no follower
_NO_PROTOCOL_BAD_BEFORE = re.compile(r"[-_./]\Z")

# For the query, t.co and punycode classes, "ı" is no letter in the reference; nor is
# "ĸ" (kra, which has no case partner) for ``re``. tests/test_twitter_urls.py checks
# every class of the grammar against the ``regex`` module, which folds as the reference.
_PROBE = str.maketrans("\u0131", "\u0138")
# Case-insensitive letters the reference (Unicode simple case folding) takes for a
# TLD's letters where ``str.lower`` does not: "ſ" is "s", "İ" is "i", and a few
# Cyrillic and Greek variants. Checked against the ``regex`` module by the tests.
_TLD_FOLD = str.maketrans(
    {
        "\u0130": "i",
        "\u017f": "s",
        "\u03f5": "\u03b5",
        "\u1c80": "\u0432",
        "\u1c81": "\u0434",
        "\u1c82": "\u043e",
        "\u1c83": "\u0441",
        "\u1c84": "\u0442",
        "\u1c85": "\u0442",
    }
)


class _TldSet(NamedTuple):
    names: frozenset[str]
    lengths: tuple[int, ...]  # the lengths its names have, longest first


@cache
def _tld_sets() -> tuple[_TldSet, _TldSet]:
    """(generic, country) TLDs, in the order the reference grammar tries them."""
    from xpost.render.tlds import COUNTRY_TLDS, GENERIC_TLDS

    def tld_set(names: tuple[str, ...]) -> _TldSet:
        lengths = tuple(sorted({len(name) for name in names}, reverse=True))
        return _TldSet(frozenset(name.lower() for name in names), lengths)

    return tld_set(GENERIC_TLDS), tld_set(COUNTRY_TLDS)


class _Text(NamedTuple):
    """A text and its probe: the same text with "ĸ" for "ı", for the ASCII-only classes."""

    text: str
    probe: str

    @classmethod
    def of(cls, text: str) -> _Text:
        return cls(text, text.translate(_PROBE) if "\u0131" in text else text)


def _tld_end(text: _Text, start: int, limit: int | None = None) -> int | None:
    """Where the TLD starting at ``start`` ends, or None.

    Generic TLDs are tried longest first, then country TLDs, longest first, then any
    punycoded name; a named TLD must not be followed by a letter, digit, "@", "+" or
    "-" (so "example.comédie" is "example.com", and "example.coma" no domain). Every
    TLD is made of domain characters: none reaches past ``limit``, where they stop.
    """
    end = len(text.text) if limit is None else limit
    for tlds in _tld_sets():
        for length in tlds.lengths:
            stop = start + length
            if (
                stop <= end
                and text.text[start:stop].translate(_TLD_FOLD).lower() in tlds.names
                and not _AFTER_TLD.match(text.text, stop)
            ):
                return stop
    punycoded = _PUNYCODE_TLD.match(text.probe, start)
    return punycoded.end() if punycoded else None


class _Domains:
    """A text's domains, matched as ``subdomain* domain_name tld`` from any start.

    The label-character runs of the text are found once; what the labels after a dot
    make of a domain is worked out once per dot, from the right, and kept. A start
    that finds no domain then never rescans the labels after it, so trying every start
    costs time linear in the text, where matching a pattern at each start was
    quadratic ("a.a.a.a…", or a long run of CJK before a dot).
    """

    def __init__(self, text: _Text) -> None:
        self.text = text
        runs = [(m.start(), m.end()) for m in _LABEL_RUN.finditer(text.text)]
        self.run_starts = [start for start, _ in runs]
        self.run_ends = [end for _, end in runs]
        # dot → (whether labels follow it, the domain end they make, or None)
        self.after_dot: dict[int, tuple[bool, int | None]] = {}
        self.tld_ends: dict[int, int | None] = {}
        self.underscores: dict[int, int] = {}  # dot → the last "_" in its label's run

    def _run(self, index: int) -> tuple[int, int]:
        """The run of label characters ``index`` is in, or (index, index)."""
        found = bisect.bisect_right(self.run_starts, index) - 1
        if found >= 0 and index < self.run_ends[found]:
            return self.run_starts[found], self.run_ends[found]
        return index, index

    def label_dot(self, start: int) -> int | None:
        """The dot ending the label at ``start`` (label characters, then "."), or None."""
        end = self._run(start)[1]
        text = self.text.text
        return end if start < end < len(text) and text[end] == "." else None

    def starts_label(self, start: int) -> bool:
        """Whether a first label starts at ``start``: a domain character, then label
        characters up to a dot."""
        return (
            start < len(self.text.text)
            and self.text.text[start] not in "_-"
            and (self.label_dot(start) is not None)
        )

    def match(self, start: int) -> int | None:
        """Where the domain at ``start`` ends, or None (``_match_domain`` of the reference's
        order: the most subdomains first, then fewer)."""
        dot = self.label_dot(start)
        if dot is None:
            return None
        more, deeper = self._after(dot)
        if more and deeper is not None and _is_subdomain(self.text.text, start, dot):
            return deeper
        return self._name_and_tld(start, dot)

    def _after(self, dot: int) -> tuple[bool, int | None]:
        """Whether labels follow ``dot``, and the domain end found among them when the
        label after the dot and as many following subdomains as possible come first."""
        chain: list[tuple[int, int]] = []
        position = dot
        while position not in self.after_dot:
            following = self.label_dot(position + 1)
            if following is None:
                self.after_dot[position] = (False, None)
                break
            chain.append((position, following))
            position = following
        for here, following in reversed(chain):
            more, deeper = self.after_dot[following]
            found = None
            if more and _is_subdomain(self.text.text, here + 1, following):
                found = deeper
            if found is None:
                found = self._name_and_tld(here + 1, following)
            self.after_dot[here] = (True, found)
        return self.after_dot[dot]

    def _name_and_tld(self, start: int, dot: int) -> int | None:
        """The TLD's end when the label ``start``–``dot`` is a domain name, else None."""
        text = self.text.text
        if text[start] in "_-" or text[dot - 1] in "_-":
            return None
        if dot not in self.underscores:
            self.underscores[dot] = text.rfind("_", self._run(dot - 1)[0], dot)
        if self.underscores[dot] >= start:
            return None  # a domain name has no "_"
        if dot not in self.tld_ends:
            self.tld_ends[dot] = _tld_end(self.text, dot + 1, self._run(dot + 1)[1])
        return self.tld_ends[dot]

    def url_starts(self) -> list[int]:
        """Every place a URL may start after a character (``before`` of a match): a
        character that continues no word, then a protocol or a first label."""
        text = self.text.text
        starts: set[int] = set()
        for run_start, run_end in zip(self.run_starts, self.run_ends, strict=True):
            if run_end < len(text) and text[run_end] == ".":
                # the character before each start, up to the run's last one
                befores = _BEFORE_LABEL.finditer(text, max(run_start - 1, 0), run_end)
                starts.update(before.end() for before in befores)
        for protocol in _PROTOCOL.finditer(text):
            start = protocol.start()
            if start and _BEFORE_URL.match(text, start - 1) and self.starts_label(protocol.end()):
                starts.add(start)
        return sorted(starts)


# A label (``_LABEL_RUN`` up to a dot: domain characters, "_" and "-") is a subdomain when it
# neither starts nor ends with "_" or "-", and a domain name when it also has no "_"
# (the reference's ``(?:D(?:[_-]|D)*)?D`` and ``(?:D(?:-|D)*)?D``, D a domain character).


def _is_subdomain(text: str, start: int, end: int) -> bool:
    return text[start] not in "_-" and text[end - 1] not in "_-"


def _is_domain_name(text: str, start: int, end: int) -> bool:
    return _is_subdomain(text, start, end) and "_" not in text[start:end]


def _ascii_domains(domain: _Text, *, first_only: bool = False) -> list[tuple[int, int]]:
    """The domains of ASCII letters, digits, "-" and Latin accents inside ``domain``,
    leftmost first, as (start, end)."""
    found: list[tuple[int, int]] = []
    position = 0
    while position < len(domain.text):
        match = _ascii_domain_at(domain, position)
        if match is None:
            position += 1
            continue
        found.append(match)
        if first_only:
            break
        position = match[1]
    return found


def _ascii_domain_at(domain: _Text, start: int) -> tuple[int, int] | None:
    after_dots: list[int] = []
    position = start
    while (label := _ASCII_LABEL_DOT.match(domain.text, position)) is not None:
        position = label.end()
        after_dots.append(position)
    for after_dot in reversed(after_dots):  # the most labels first
        tld_end = _tld_end(domain, after_dot)
        if tld_end is not None:
            return start, tld_end
    return None


class _UrlPatterns(NamedTuple):
    rest: re.Pattern[str]  # after the domain: port, path, query (groups 1-3)
    tco: re.Pattern[str]


@cache
def _url_patterns() -> _UrlPatterns:
    """The grammar after the domain, compiled once, on first use."""
    path_char = f"[a-z{CYRILLIC}0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{LATIN_ACCENTS}]"
    # Balanced parentheses, one nested level: Wikipedia's /Primer_(film).
    parens = f"\\((?:{path_char}+|(?:{path_char}*\\({path_char}+\\){path_char}*))\\)"
    path_end = f"[+\\-a-z{CYRILLIC}0-9=_#/{LATIN_ACCENTS}]"
    # A path never ends in punctuation (so "see http://a.com/x." leaves the period
    # out); "@" only in the middle, as in http://example.com/@user/. The reference
    # grammar splices its ending-character alternation in ungrouped, so a path step
    # is either chars ending in an ending character, or balanced parentheses alone:
    # "a.co/x!(y)" links only "a.co/x". Reproduced here to count as X counts.
    path = f"(?:(?:{path_char}*(?:{parens}{path_char}*)*{path_end})|{parens}|(?:@{path_char}+/))"
    query_char = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
    query_end = r"[a-z0-9\-_&=#/]"
    return _UrlPatterns(
        rest=re.compile(f"(?::([0-9]+))?(/{path}*)?(\\?{query_char}*{query_end})?", _FLAGS),
        tco=re.compile(f"https?://t\\.co/([a-z0-9]+)(?:\\?{query_char}*{query_end})?", _FLAGS),
    )


class _UrlMatch(NamedTuple):
    """One match of the reference's URL pattern: the character before it, the URL, and
    its parts (code-unit indices into the text)."""

    before: str
    start: int
    end: int
    protocol: str | None
    domain_end: int
    path: str | None


def _find_urls(text: _Text) -> Iterator[_UrlMatch]:
    """The URL pattern's matches, as the reference's ``finditer`` finds them: leftmost
    first, each search resuming where the previous match ended."""
    domains = _Domains(text)
    starts = domains.url_starts()  # each a place a URL may start, after a character
    # At the start of the text the reference tries "a character, then a URL" first,
    # then "a URL right at the start" (its ``^``).
    found = _url_at(domains, 0, 1) if starts and starts[0] == 1 else None
    if found is None and _starts_url(domains, 0):
        found = _url_at(domains, 0, 0)
    if found is not None:
        yield found
    position = found.end if found is not None else 1
    index = bisect.bisect_left(starts, position + 1)
    while index < len(starts):
        start = starts[index]
        found = _url_at(domains, start - 1, start)
        if found is None:
            index += 1
            continue
        yield found
        index = bisect.bisect_left(starts, found.end + 1, index + 1)


def _starts_url(domains: _Domains, start: int) -> bool:
    protocol = _PROTOCOL.match(domains.text.text, start)
    return (protocol is not None and domains.starts_label(protocol.end())) or (
        domains.starts_label(start)
    )


def _url_at(domains: _Domains, before: int, start: int) -> _UrlMatch | None:
    text = domains.text
    protocol = _PROTOCOL.match(text.text, start)
    domain_end = domains.match(protocol.end() if protocol else start)
    if domain_end is None:
        return None  # without the protocol, "http:" cannot start a domain either
    rest = _url_patterns().rest.match(text.probe, domain_end)
    assert rest is not None  # every part of it is optional
    return _UrlMatch(
        before=text.text[before:start],
        start=start,
        end=rest.end(),
        protocol=text.text[start : protocol.end()] if protocol else None,
        domain_end=domain_end,
        path=rest.group(2),
    )


# -- extraction ---------------------------------------------------------------------


def extract_urls(text: str, *, without_protocol: bool = True) -> list[Entity]:
    """The URLs X links (and counts as 23) in ``text``, with code-point indices.

    ``example.com`` and ``README.md`` count as URLs even without ``https://`` (``.md``
    is Moldova's TLD); trailing punctuation and unbalanced parentheses are left out.
    """
    if not text or ("." not in text if without_protocol else ":" not in text):
        return []
    # The grammar is defined on UTF-16 code units (a character class matches half of
    # an astral character), which decides edge cases such as "🎉日本語example.jp";
    # match on the same units, then map the indices back to code points.
    units = _utf16_units(text)
    if units is text:
        return _extract_urls(_Text.of(text), without_protocol)
    to_code_point = _code_point_offsets(text)
    return [
        Entity(_from_utf16(url.value), to_code_point[url.start], to_code_point[url.end])
        for url in _extract_urls(_Text.of(units), without_protocol)
    ]


def _extract_urls(text: _Text, without_protocol: bool) -> list[Entity]:
    urls: list[Entity] = []
    for match in _find_urls(text):
        start, end = match.start, match.end
        url = text.text[start:end]
        domain_start = start + len(match.protocol or "")
        domain = text.text[domain_start : match.domain_end]
        if not _is_valid_url(url, match.protocol or "https://", domain):
            continue
        if match.protocol:
            tco = _url_patterns().tco.match(text.probe, start, end)
            if tco:
                # t.co links take no further path; an over-long slug is not a t.co link.
                if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                url, end = text.text[start : tco.end()], tco.end()
            urls.append(Entity(url, start, end))
            continue
        if not without_protocol or _NO_PROTOCOL_BAD_BEFORE.search(match.before):
            continue
        # Without a protocol only ASCII domains count: "日本語example.com" links "example.com".
        found = [
            Entity(domain[first:last], start + first, start + last)
            for first, last in _ascii_domains(_Text.of(domain))
        ]
        if not found:
            continue
        if match.path:
            last = found[-1]
            found[-1] = Entity(url.replace(domain, last.value, 1), last.start, end)
        urls.extend(found)
    return urls


def _is_valid_url(url: str, protocol: str, domain: str) -> bool:
    """Every label must be 1–63 characters once punycoded; the whole URL ≤ 4096."""
    if domain[:4].lower() == "xn--" and not _ascii_domains(_Text.of(domain), first_only=True):
        return False  # a punycoded domain cannot hold non-ASCII characters
    for label in _from_utf16(domain).split("."):
        if not 1 <= len(_punycoded(label)) <= MAX_DOMAIN_LABEL_LENGTH:
            return False
    return len(protocol) + len(url) <= MAX_URL_LENGTH


_IDEOGRAPHIC_DOTS = re.compile(r"[\u3002\uFF0E\uFF61]")
_NON_ASCII = re.compile(r"[^\x00-\x7E]")


def _punycoded(label: str) -> str:
    """A label as IDNA-encodes it; "。" and other ideographic full stops split it further."""
    return ".".join(
        "xn--" + part.encode("punycode").decode("ascii") if _NON_ASCII.search(part) else part
        for part in _IDEOGRAPHIC_DOTS.split(label)
    )


# -- UTF-16 code units ---------------------------------------------------------------

_ASTRAL = re.compile(r"[\U00010000-\U0010FFFF]")


def _utf16_units(text: str) -> str:
    """``text`` with each astral character split into its surrogate pair (or ``text``)."""
    if not _ASTRAL.search(text):
        return text
    return "".join(_surrogates(char) for char in text)


def _surrogates(char: str) -> str:
    code = ord(char) - 0x10000
    if code < 0:
        return char
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))


def _from_utf16(units: str) -> str:
    """Join surrogate pairs back into characters; a lone surrogate stays as it is."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _code_point_offsets(text: str) -> list[int]:
    """For each UTF-16 offset into ``text`` (and the end), the code-point offset."""
    offsets: list[int] = []
    for index, char in enumerate(text):
        offsets.extend([index] * (2 if ord(char) > 0xFFFF else 1))
    offsets.append(len(text))
    return offsets
