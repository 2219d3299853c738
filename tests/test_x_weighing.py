"""X's weighted count, computed a run at a time, against the character-by-character
definition; the emoji data against the ``regex`` module's Unicode properties."""

from __future__ import annotations

import random

import regex

from xpost.platforms.zenn.adapter import is_one_emoji
from xpost.render.twitter_text import (
    CONFIG_V1,
    CONFIG_V2,
    CONFIG_V3,
    TextConfig,
    _weighted_units,
    emoji_spans,
    extract_urls,
    is_hashtag_word,
    is_pictographic,
)
from xpost.render.x_emoji import PICTOGRAPHIC_RANGES, SEQUENCES

_PICTOGRAPH = regex.compile(r"(?![\u00A9\u00AE])\p{Extended_Pictographic}|\p{Emoji_Modifier}")


def _spans_by_definition(text: str) -> list[tuple[int, int]]:
    """Longest known sequence at each place, else a lone pictograph or skin tone."""
    sequences = set(SEQUENCES.split(" "))
    longest = max(len(s) for s in sequences)
    spans, index = [], 0
    while index < len(text):
        end = next(
            (
                index + length
                for length in range(longest, 1, -1)
                if index + length <= len(text) and text[index : index + length] in sequences
            ),
            index + 1,
        )
        if end > index + 1 or _PICTOGRAPH.match(text, index):
            spans.append((index, end))
        index = end
    return spans


def _units_by_definition(text: str, config: TextConfig) -> int:
    """The count walked one code point at a time (twitter-text's own loop)."""
    url_ends = {url.start: url.end for url in extract_urls(text)}
    emoji_ends = dict(_spans_by_definition(text)) if config.emoji_parsing else {}
    total = index = 0
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


_PIECES = [
    "a", "Z", "1", "#", "*", " ", ".", "\n", "é", "ß", "Ω", "ж", "\u10ff", "\u1100",
    "\u2000", "\u200d", "\u200e", "\u2010", "\u201f", "\u2020", "\u2032", "\u2037", "\u2038",
    "日", "本", "ア", "。", "©", "®", "©\ufe0f", "™\ufe0f", "\ufe0f", "\u20e3", "1\ufe0f\u20e3",
    "#\u20e3", "🎉", "👩", "👩\u200d💻", "👍🏽", "🏽", "🇯🇵", "🇯", "❤\ufe0f\u200d🔥", "🫠",
    "\U0001fbff", "\U000e0067", "😀", "https://example.com/a", "example.jp",
    "t.co/x", "a.b", "@x", "x.co",
]  # fmt: skip


def test_the_run_count_is_the_code_point_count() -> None:
    rng = random.Random(13)
    for _ in range(3000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 40)))
        for config in (CONFIG_V1, CONFIG_V2, CONFIG_V3):
            assert _weighted_units(text, config) == _units_by_definition(text, config), text
        assert emoji_spans(text) == _spans_by_definition(text), text


def test_overlapping_weight_ranges_first_wins() -> None:
    config = TextConfig(280, 100, 200, 23, ((0x61, 0x63, 50), (0x62, 0x7A, 300)), False)
    for text in ("abcxyz", "b", "d日a", ""):
        assert _weighted_units(text, config) == _units_by_definition(text, config)


def test_pictographic_ranges_are_unicodes() -> None:
    pictograph = regex.compile(r"\p{Extended_Pictographic}")
    inside = {code for first, last in PICTOGRAPHIC_RANGES for code in range(first, last + 1)}
    assert inside == {code for code in range(0x110000) if pictograph.match(chr(code))}


def test_is_pictographic_is_the_ranges() -> None:
    pictograph = regex.compile(r"\p{Extended_Pictographic}")
    for code in [*range(0x2FFFF), 0x10FFFF, 0xE0067]:
        assert is_pictographic(chr(code)) is bool(pictograph.match(chr(code))), hex(code)


def test_one_code_point_emoji_as_the_grapheme_pattern_says() -> None:
    one_emoji = regex.compile(
        r"^(?=\X$)(?:.*\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)"
    )
    for code in range(0x20, 0x20000):
        assert is_one_emoji(chr(code)) is bool(one_emoji.match(chr(code))), hex(code)
    for text in ("🇯🇵", "1️⃣", "👩‍💻", "📝x", "ab", "🎉🎉"):
        assert is_one_emoji(text) is bool(one_emoji.match(text)), text


def test_a_tag_of_letters_is_its_own_hashtag_as_the_patterns_say() -> None:
    from xpost.platforms.twitter.compose import _patterns, hashtag

    def by_patterns(tag: str) -> str | None:
        word = tag.strip().lstrip("#＃")
        for symbol, spelled in _patterns().hashtag_spellings:
            word, count = symbol.subn(spelled, word)
            if count:
                word = word.lower()
        word = _patterns().not_hashtag_char.sub("", word)
        return word if word and is_hashtag_word(word) else None

    rng = random.Random(11)
    letters = ["a", "Z", "1", "_", "日", "ア", "é", "\u0301", "٣", "²", "Ⅻ", "-", " ", "+", "#"]
    tags = ["mlops", "機械学習", "123", "_", "C++", "C#", "é", "\u0301", "²", ""]
    tags += ["".join(rng.choice(letters) for _ in range(rng.randint(1, 6))) for _ in range(2000)]
    for tag in tags:
        assert hashtag(tag) == by_patterns(tag), tag


def test_counting_is_linear_on_dotted_and_unspaced_text() -> None:
    import time

    for unit in ("a.", "日本.", "abcdefgh.", "x.com ", "a-", "_a"):
        text = unit * (40_000 // len(unit)) + ".xyzzy"
        started = time.process_time()
        _weighted_units(text, CONFIG_V3)
        assert time.process_time() - started < 10, unit  # ~0.1 s; quadratic was minutes
    started = time.process_time()
    _weighted_units("日" * 100_000 + " https://example.com/" + "本" * 100_000 + ".", CONFIG_V3)
    assert time.process_time() - started < 10
