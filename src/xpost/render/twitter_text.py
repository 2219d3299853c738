"""X/Twitter's text rules: weighted length (twitter-text config v3) and URL extraction.

X does not count characters: every code point has a weight (100 for Latin and
general punctuation, 200 for everything else, CJK and kana included), every URL
counts as a t.co link of 23, and an emoji sequence X's emoji data knows (ZWJ
sequences, flags, keycaps, skin tones) counts 200 as a whole; a sequence it does not
know counts per code point (``contracts/twitter-text/COUNTING.md``). The sum, divided
by the scale, must be at most 280. The rules and the URL grammar follow twitter-text's
published conformance suite (``contracts/twitter-text``); the code is our own.

Indices are in code points (Python ``str`` indices), as in the conformance suite.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex

MAX_WEIGHTED_LENGTH = 280
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_DOMAIN_LABEL_LENGTH = 63


@dataclass(frozen=True)
class TextConfig:
    """A twitter-text length configuration (weights are per code point, scaled)."""

    max_weighted_length: int
    scale: int
    default_weight: int
    transformed_url_length: int
    ranges: tuple[tuple[int, int, int], ...]  # (first, last, weight), inclusive
    emoji_parsing: bool

    def weight(self, char: str) -> int:
        code = ord(char)
        for first, last, weight in self.ranges:
            if first <= code <= last:
                return weight
        return self.default_weight


_LIGHT_RANGES = ((0x0000, 0x10FF, 100), (0x2000, 0x200D, 100), (0x2010, 0x201F, 100))

#: The original 140 code points.
CONFIG_V1 = TextConfig(140, 1, 1, 23, (), emoji_parsing=False)
#: 280 weighted units; emoji count per code point.
CONFIG_V2 = TextConfig(280, 100, 200, 23, (*_LIGHT_RANGES, (0x2032, 0x2037, 100)), False)
#: What X counts with today: v2 plus "an emoji X knows counts 2, whatever it is made of".
CONFIG_V3 = TextConfig(280, 100, 200, 23, CONFIG_V2.ranges, emoji_parsing=True)


@dataclass(frozen=True)
class Entity:
    """A span of a text: ``text[start:end] == value`` (code-point indices)."""

    value: str
    start: int
    end: int

    @property
    def url(self) -> str:
        """The value, named for what a URL entity holds."""
        return self.value


UrlEntity = Entity


# -- length ------------------------------------------------------------------------


def weighted_length(text: str, config: TextConfig = CONFIG_V3) -> int:
    """The length X counts for ``text`` (280 is the most a post may have)."""
    return _weighted_units(unicodedata.normalize("NFC", text), config) // config.scale


def is_valid_tweet(text: str, config: TextConfig = CONFIG_V3) -> bool:
    """Whether X accepts ``text`` as a post: not empty, not too long, no invalid characters."""
    normalized = unicodedata.normalize("NFC", text)
    if _INVALID_CHARS.search(normalized):
        return False
    units = _weighted_units(normalized, config)
    return 0 < units <= config.max_weighted_length * config.scale


def _weighted_units(text: str, config: TextConfig) -> int:
    """Sum the scaled weights of an already normalised text.

    URLs are found first and win over anything inside them; emoji are found on the
    whole text independently (as twitter-text does), so an emoji that starts inside
    a URL is not counted as one.
    """
    url_ends = {url.start: url.end for url in extract_urls(text)}
    emoji_ends = dict(emoji_spans(text)) if config.emoji_parsing else {}
    total = 0
    index = 0
    while index < len(text):
        if index in url_ends:
            total += config.transformed_url_length * config.scale
            index = url_ends[index]
        elif index in emoji_ends:
            total += config.default_weight
            index = emoji_ends[index]
        else:
            total += config.weight(text[index])
            index += 1
    return total


# -- emoji -------------------------------------------------------------------------
# twitter-text 3.1.0 knows the emoji of its bundled data (Emoji 11 era): a sequence in
# it counts 200 whole; any other, newer ZWJ sequences included (❤️‍🔥, 🧑‍💻), is counted
# code point by code point, where it may still contain shorter known sequences. The
# list of known sequences is generated from the reference itself (``x_emoji``); single
# code points weigh the same whether they are emoji or not, except © and ®, which
# twitter-text counts as Latin-1 (100) unless U+FE0F follows.

_PICTOGRAPH = regex.compile(r"(?![\u00A9\u00AE])\p{Extended_Pictographic}|\p{Emoji_Modifier}")


@cache
def _known_sequences() -> tuple[frozenset[str], dict[str, tuple[int, ...]], Any]:
    """The sequences; per first code point, their lengths (longest first); and a
    pattern for where an emoji may start."""
    from xpost.render.x_emoji import SEQUENCES

    sequences = frozenset(
        "".join(chr(int(code, 16)) for code in item.split("-")) for item in SEQUENCES.split()
    )
    lengths: dict[str, set[int]] = {}
    for sequence in sequences:
        lengths.setdefault(sequence[0], set()).add(len(sequence))
    by_start = {char: tuple(sorted(found, reverse=True)) for char, found in lengths.items()}
    starts = "".join(sorted(f"\\U{ord(char):08X}" for char in by_start))
    return sequences, by_start, regex.compile(f"[{starts}]|{_PICTOGRAPH.pattern}")


def emoji_spans(text: str) -> list[tuple[int, int]]:
    """Where the emoji X counts as one are, as (start, end) code-point indices, scanning
    left to right and taking the longest known sequence at each place."""
    sequences, by_start, candidate = _known_sequences()
    spans: list[tuple[int, int]] = []
    index = 0
    while (found := candidate.search(text, index)) is not None:
        index = found.start()
        end = index + 1
        for length in by_start.get(text[index], ()):
            if text[index : index + length] in sequences:
                end = index + length
                break
        if end > index + 1 or _PICTOGRAPH.match(text, index):
            spans.append((index, end))
        index = end
    return spans


# -- URLs --------------------------------------------------------------------------

_PUNCT = r"!'#%&'()*+,\\\-./:;<=>?@\[\]\^_{|}~$"
_SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_INVALID = r"\uFFFE\uFEFF\uFFFF"
_DIRECTIONAL = r"\u202A-\u202E\u061C\u200E\u200F\u2066-\u2069"
_LATIN_ACCENTS = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
    r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)
_CYRILLIC = r"\u0400-\u04FF"

_INVALID_CHARS = regex.compile(f"[{_INVALID}]")
_NO_PROTOCOL_BAD_BEFORE = regex.compile(r"[-_./]\Z")


@dataclass(frozen=True)
class _UrlPatterns:
    url: Any  # groups: before, url, protocol, domain, port, path, query
    ascii_domain: Any
    tco: Any


@cache
def _url_patterns() -> _UrlPatterns:
    """Compile the URL grammar once, on first use (the TLD alternation is large)."""
    from xpost.render.tlds import COUNTRY_TLDS, GENERIC_TLDS

    def tld_alternation(names: tuple[str, ...]) -> str:
        # Longest first so that "com" is tried before "co"; a TLD must end the domain.
        ordered = sorted(names, key=len, reverse=True)
        return "(?:" + "|".join(regex.escape(name) for name in ordered) + ")(?![0-9a-zA-Z@+-])"

    gtld, cctld = tld_alternation(GENERIC_TLDS), tld_alternation(COUNTRY_TLDS)
    tld = f"(?:{gtld}|{cctld}|xn--[-0-9a-z]+)"
    domain_char = f"[^{_PUNCT}{_SPACES}{_INVALID}{_DIRECTIONAL}]"
    subdomain = f"(?:(?:{domain_char}(?:[_-]|{domain_char})*)?{domain_char}\\.)"
    domain_name = f"(?:(?:{domain_char}(?:-|{domain_char})*)?{domain_char}\\.)"
    domain = f"(?:{subdomain}*{domain_name}{tld})"

    path_char = f"[a-z{_CYRILLIC}0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{_LATIN_ACCENTS}]"
    # Balanced parentheses, one nested level: Wikipedia's /Primer_(film).
    parens = f"\\((?:{path_char}+|(?:{path_char}*\\({path_char}+\\){path_char}*))\\)"
    path_end = f"[+\\-a-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]"
    # A path never ends in punctuation (so "see http://a.com/x." leaves the period
    # out); "@" only in the middle, as in http://example.com/@user/. The reference
    # grammar splices its ending-character alternation in ungrouped, so a path step
    # is either chars ending in an ending character, or balanced parentheses alone:
    # "a.co/x!(y)" links only "a.co/x". Reproduced here to count as X counts.
    path = f"(?:(?:{path_char}*(?:{parens}{path_char}*)*{path_end})|{parens}|(?:@{path_char}+/))"
    query_char = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
    query_end = r"[a-z0-9\-_&=#/]"
    before = f"(?:[^A-Za-z0-9@＠$#＃{_INVALID}]|[{_DIRECTIONAL}]|^)"

    flags = regex.IGNORECASE | regex.VERSION0
    return _UrlPatterns(
        url=regex.compile(
            f"({before})"
            "("
            r"(https?://)?"
            f"({domain})"
            r"(?::([0-9]+))?"
            f"(/{path}*)?"
            f"(\\?{query_char}*{query_end})?"
            ")",
            flags,
        ),
        ascii_domain=regex.compile(f"(?:(?:[\\-a-z0-9{_LATIN_ACCENTS}]+)\\.)+{tld}", flags),
        tco=regex.compile(f"^https?://t\\.co/([a-z0-9]+)(?:\\?{query_char}*{query_end})?", flags),
    )


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
        return _extract_urls(text, without_protocol)
    to_code_point = _code_point_offsets(text)
    return [
        Entity(_from_utf16(url.value), to_code_point[url.start], to_code_point[url.end])
        for url in _extract_urls(units, without_protocol)
    ]


def _extract_urls(text: str, without_protocol: bool) -> list[Entity]:
    patterns = _url_patterns()
    urls: list[Entity] = []
    for match in patterns.url.finditer(text):
        before, url, protocol, domain, path = match.group(1, 2, 3, 4, 6)
        start, end = match.span(2)
        if not _is_valid_url(url, protocol or "https://", domain, patterns):
            continue
        if protocol:
            tco = patterns.tco.match(url)
            if tco:
                # t.co links take no further path; an over-long slug is not a t.co link.
                if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                url, end = tco.group(0), start + len(tco.group(0))
            urls.append(Entity(url, start, end))
            continue
        if not without_protocol or _NO_PROTOCOL_BAD_BEFORE.search(before):
            continue
        # Without a protocol only ASCII domains count: "日本語example.com" links "example.com".
        found = [
            Entity(ascii.group(), start + ascii.start(), start + ascii.end())
            for ascii in patterns.ascii_domain.finditer(domain)
        ]
        if not found:
            continue
        if path:
            last = found[-1]
            found[-1] = Entity(url.replace(domain, last.value, 1), last.start, end)
        urls.extend(found)
    return urls


def _is_valid_url(url: str, protocol: str, domain: str, patterns: _UrlPatterns) -> bool:
    """Every label must be 1–63 characters once punycoded; the whole URL ≤ 4096."""
    if domain[:4].lower() == "xn--" and not patterns.ascii_domain.search(domain):
        return False  # a punycoded domain cannot hold non-ASCII characters
    for label in _from_utf16(domain).split("."):
        if not 1 <= len(_punycoded(label)) <= MAX_DOMAIN_LABEL_LENGTH:
            return False
    return len(protocol) + len(url) <= MAX_URL_LENGTH


_IDEOGRAPHIC_DOTS = regex.compile(r"[\u3002\uFF0E\uFF61]")
_NON_ASCII = regex.compile(r"[^\x00-\x7E]")


def _punycoded(label: str) -> str:
    """A label as IDNA-encodes it; "。" and other ideographic full stops split it further."""
    return ".".join(
        "xn--" + part.encode("punycode").decode("ascii") if _NON_ASCII.search(part) else part
        for part in _IDEOGRAPHIC_DOTS.split(label)
    )


_ASTRAL = regex.compile(r"[\U00010000-\U0010FFFF]")


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


# -- hashtags ----------------------------------------------------------------------

# twitter-text's hashtag alphabet: letters, marks, digits, "_", and a few joiners
# used inside words of some scripts (ZWNJ/ZWJ, Japanese prolonged sound marks, ...).
_HASHTAG_CHARS = (
    r"\p{L}\p{M}\p{Nd}_\u200C\u200D\uA67E\u05BE\u05F3\u05F4\uFF5E\u301C\u309B\u309C"
    r"\u30A0\u30FB\u3003\u0F0B\u0F0C\u00B7"
)
_HASHTAG_WORD = f"[{_HASHTAG_CHARS}]*[\\p{{L}}\\p{{M}}][{_HASHTAG_CHARS}]*"


@cache
def _hashtag_patterns() -> tuple[Any, Any]:
    """(a hashtag in text, a whole hashtag word); compiled on first use."""
    in_text = f"(?<![{_HASHTAG_CHARS}&])[#＃](?![\\uFE0F\\u20E3])({_HASHTAG_WORD})"
    return regex.compile(in_text), regex.compile(_HASHTAG_WORD)


def extract_hashtags(text: str) -> list[Entity]:
    """The hashtags of ``text`` (``#`` included), except those inside URLs."""
    urls = extract_urls(text)
    return [
        Entity(match.group(), match.start(), match.end())
        for match in _hashtag_patterns()[0].finditer(text)
        if not any(url.start <= match.start() < url.end for url in urls)
    ]


def is_hashtag_word(word: str) -> bool:
    """Whether ``"#" + word`` is one whole hashtag (letters or marks, not only digits)."""
    return bool(_hashtag_patterns()[1].fullmatch(word))
