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

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from msgspec import Struct

from xpost.render.twitter_urls import INVALID
from xpost.render.twitter_urls import Entity as Entity
from xpost.render.twitter_urls import UrlEntity as UrlEntity
from xpost.render.twitter_urls import extract_urls as extract_urls

MAX_WEIGHTED_LENGTH = 280


class TextConfig(Struct, frozen=True):
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
    a URL is not counted as one. Between them, the text is weighed a run at a time.
    """
    weigh = _weigher(config)
    urls = extract_urls(text)
    emoji = emoji_spans(text) if config.emoji_parsing else []
    if not urls and not emoji:
        return weigh(text)
    url_units = config.transformed_url_length * config.scale
    # Left to right, a URL before an emoji at the same place; whatever starts inside
    # the entity just counted is part of it.
    entities = sorted([(u.start, 0, u.end) for u in urls] + [(s, 1, e) for s, e in emoji])
    total = index = 0
    for start, kind, end in entities:
        if start < index:
            continue
        total += weigh(text[index:start]) + (url_units if kind == 0 else config.default_weight)
        index = end
    return total + weigh(text[index:])


@cache
def _weigher(config: TextConfig) -> Callable[[str], int]:
    """A function summing the weights of a text's code points, a run at a time: each
    weight other than the default has one pattern of its ranges, and a text weighs its
    length times the default plus, per such weight, the difference times its count."""
    by_weight: dict[int, list[tuple[int, int]]] = {}
    covered: list[tuple[int, int]] = []
    for first, last, weight in config.ranges:  # the first range holding a code point wins
        for piece in _uncovered(first, last, covered):
            by_weight.setdefault(weight, []).append(piece)
        covered.append((first, last))
    default = config.default_weight
    counters = [
        (weight - default, re.compile(f"[{_char_class(pieces)}]+"))
        for weight, pieces in by_weight.items()
        if weight != default
    ]

    def weigh(text: str) -> int:
        total = default * len(text)
        for extra, pattern in counters:
            total += extra * (len(text) - len(pattern.sub("", text)))
        return total

    return weigh


def _uncovered(first: int, last: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``first..last`` outside every range in ``covered``."""
    pieces = [(first, last)]
    for low, high in covered:
        pieces = [
            part
            for a, b in pieces
            for part in ((a, min(b, low - 1)), (max(a, high + 1), b))
            if part[0] <= part[1]
        ]
    return pieces


def _char_class(ranges: Iterable[tuple[int, int]]) -> str:
    """``ranges`` of code points written as the inside of a ``[...]`` class."""
    return "".join(
        f"\\U{first:08X}" if first == last else f"\\U{first:08X}-\\U{last:08X}"
        for first, last in ranges
    )


# -- emoji -------------------------------------------------------------------------
# twitter-text 3.1.0 knows the emoji of its bundled data (Emoji 11 era): a sequence in
# it counts 200 whole; any other, newer ZWJ sequences included (❤️‍🔥, 🧑‍💻), is counted
# code point by code point, where it may still contain shorter known sequences. The
# list of known sequences is generated from the reference itself (``x_emoji``); single
# code points weigh the same whether they are emoji or not, except © and ®, which
# twitter-text counts as Latin-1 (100) unless U+FE0F follows. A lone pictograph
# (Extended_Pictographic, without © and ®) or skin tone (Emoji_Modifier) is an emoji.

_SKIN_TONES = (0x1F3FB, 0x1F3FF)  # Emoji_Modifier


@cache
def _known_sequences() -> tuple[frozenset[str], dict[str, tuple[int, ...]], re.Pattern[str]]:
    """The sequences; per first code point, their lengths (longest first); and a
    pattern for where an emoji may start, its group 1 set when that code point is an
    emoji by itself."""
    from xpost.render.x_emoji import PICTOGRAPHIC_RANGES, SEQUENCES

    sequences = frozenset(SEQUENCES.split(" "))
    lengths: dict[str, set[int]] = {}
    for sequence in sequences:
        lengths.setdefault(sequence[0], set()).add(len(sequence))
    by_start = {char: tuple(sorted(found, reverse=True)) for char, found in lengths.items()}
    not_alone = ((0xA9, 0xA9), (0xAE, 0xAE))
    alone = sorted([*(pair for pair in PICTOGRAPHIC_RANGES if pair not in not_alone), _SKIN_TONES])
    others = [(ord(char), ord(char)) for char in sorted(by_start) if not _in_ranges(char, alone)]
    pattern = re.compile(f"({_any_of(alone)})|{_any_of(others)}")
    return sequences, by_start, pattern


def _any_of(ranges: list[tuple[int, int]]) -> str:
    """A pattern for one code point in ``ranges``. ``re`` tests a class holding astral
    code points range by range, so those get a class of their own, tried only on an
    astral code point: a search through text without emoji stays a bitmap lookup."""
    bmp = [(first, min(last, 0xFFFF)) for first, last in ranges if first <= 0xFFFF]
    astral = [(max(first, 0x10000), last) for first, last in ranges if last > 0xFFFF]
    choices = [f"[{_char_class(bmp)}]"] if bmp else []
    if astral:
        choices.append(f"(?=[\\U00010000-\\U0010FFFF])[{_char_class(astral)}]")
    return "(?:" + "|".join(choices) + ")"


def is_pictographic(char: str) -> bool:
    """Whether the code point ``char`` is Extended_Pictographic (© and ® are)."""
    from xpost.render.x_emoji import PICTOGRAPHIC_RANGES

    return _in_ranges(char, PICTOGRAPHIC_RANGES)


def _in_ranges(char: str, ranges: Sequence[tuple[int, int]]) -> bool:
    """Whether ``char`` is in one of ``ranges`` (sorted, not overlapping)."""
    code = ord(char)
    index = bisect.bisect_right(ranges, (code, 0x10FFFF))
    return index > 0 and ranges[index - 1][1] >= code


def emoji_spans(text: str) -> list[tuple[int, int]]:
    """Where the emoji X counts as one are, as (start, end) code-point indices, scanning
    left to right and taking the longest known sequence at each place."""
    if text.isascii():
        return []  # no pictograph is ASCII, and a keycap ends in U+20E3
    sequences, by_start, candidate = _known_sequences()
    spans: list[tuple[int, int]] = []
    index = 0
    while (found := candidate.search(text, index)) is not None:
        index = found.start()
        end = index + 1
        for length in by_start.get(text[index], ()):
            if index + length <= len(text) and text[index : index + length] in sequences:
                end = index + length
                break
        if end > index + 1 or found.group(1) is not None:
            spans.append((index, end))
        index = end
    return spans


# -- URLs (found in xpost.render.twitter_urls) ------------------------------------

_INVALID_CHARS = re.compile(f"[{INVALID}]")


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
    import regex  # \p{L} and \p{M} are not in the standard library's re

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
