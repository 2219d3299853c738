"""X counting, URLs and thread composition at their boundaries: what X counts as 280,
where a thread splits and how its parts are numbered (issue 11: each test fails when an
off-by-one or a flipped comparison is made).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xpost.config import SiteConfig
from xpost.platforms.twitter.compose import compose_post, split_thread, truncate
from xpost.render.twitter_text import extract_urls, is_valid_tweet, weighted_length

URL = "https://example.com/post/"


# -- 280 weighted units ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("a" * 280, 280),
        ("あ" * 140, 280),
        ("a" * 279 + "é", 280),  # Latin-1 weighs 1
        ("a" * 278 + "‐", 279),  # U+2010: general punctuation weighs 1
        ("a" * 278 + "′", 279),  # U+2032: prime weighs 1 (X's v2 light ranges)
        ("a" * 278 + "⁰", 280),  # U+2070: just past the light ranges weighs 2
    ],
)
def test_weights_at_the_edges_of_the_light_ranges(text: str, units: int) -> None:
    assert weighted_length(text) == units
    assert is_valid_tweet(text) is (units <= 280)


def test_a_post_of_exactly_280_is_sent_whole_and_281_is_shortened() -> None:
    fits = compose_post("t" * 256, URL)  # 256 + newline + URL 23 = 280
    assert weighted_length(fits.text) == 280
    assert fits.text == "t" * 256 + "\n" + URL and not fits.title_truncated
    over = compose_post("t" * 257, URL)
    assert over.title_truncated and weighted_length(over.text) <= 280
    assert over.text.endswith("…\n" + URL)
    assert is_valid_tweet("a" * 280) and not is_valid_tweet("a" * 281)
    assert truncate("a" * 280) == "a" * 280
    assert truncate("a" * 281) == "a" * 278 + "…"  # "…" (U+2026) weighs 2


def test_hashtags_are_dropped_only_when_they_do_not_fit() -> None:
    title = "t" * (280 - 24 - 5)  # title, newline, URL, newline, "#tag" is 280 exactly
    kept = compose_post(title, URL, tags=["tag"])
    assert kept.text.endswith("\n#tag") and kept.dropped_hashtags == []
    assert weighted_length(kept.text) == 280
    dropped = compose_post(title + "t", URL, tags=["tag"])
    assert dropped.dropped_hashtags == ["#tag"] and not dropped.title_truncated


# -- URLs ----------------------------------------------------------------------------------


def test_every_url_counts_23_whatever_its_length() -> None:
    for url in ("https://a.co", URL, "https://example.com/" + "p" * 300, "example.com"):
        assert weighted_length(url) == 23
        assert weighted_length(f"see {url} now") == 4 + 23 + 4


def test_a_tco_slug_of_40_is_a_link_and_of_41_is_none() -> None:
    longest = "http://t.co/" + "a" * 40
    assert [url.value for url in extract_urls(longest)] == [longest]
    assert weighted_length(longest) == 23
    assert extract_urls("http://t.co/" + "a" * 41) == []
    # A t.co link takes no further path: only the slug (and a query) are part of it.
    assert [u.value for u in extract_urls("https://t.co/abc/def?x=1 y")] == ["https://t.co/abc"]


def test_the_longest_url_is_4096_with_its_protocol_counted_again() -> None:
    """twitter-text checks ``len(protocol) + len(url) <= 4096``."""
    head = "https://example.com/"
    longest = head + "a" * (4096 - 8 - len(head))
    assert [len(url.value) for url in extract_urls(longest)] == [4088]
    assert weighted_length(longest) == 23
    assert extract_urls(longest + "a") == []
    assert weighted_length(longest + "a") > 280


@pytest.mark.parametrize(
    ("text", "start", "value"),
    [
        ("example.com is mine", 0, "example.com"),
        ("https://a.co/ b", 0, "https://a.co/"),
        ("(example.com)", 1, "example.com"),
        ("x https://a.co", 2, "https://a.co"),
        ("a.co", 0, "a.co"),
    ],
)
def test_a_url_is_found_where_it_starts(text: str, start: int, value: str) -> None:
    [url] = extract_urls(text)
    assert (url.start, url.value) == (start, value)
    assert text[url.start : url.end] == value


def test_urls_after_the_first_are_found_from_where_the_previous_ended() -> None:
    text = "a.co b.co https://c.co/x d.co"
    assert [u.value for u in extract_urls(text)] == ["a.co", "b.co", "https://c.co/x", "d.co"]
    assert weighted_length(text) == 4 * 23 + 3


# -- threads -----------------------------------------------------------------------------


def _words(units: int, word: str = "abcd") -> str:
    """Latin words separated by spaces, exactly ``units`` weighted units long."""
    text = " ".join([word] * (units // (len(word) + 1) + 1))
    return text[:units].rstrip() + "x" * (units - len(text[:units].rstrip()))


def test_a_thread_of_nine_fills_each_post_to_exactly_280() -> None:
    """One digit of numbering (" n/9", 4 units) is reserved, no more: paragraphs of 276
    units each make a post of exactly 280."""
    paragraphs = [_words(276) for _ in range(8)]
    posts = split_thread(paragraphs, "f" * 276)
    assert len(posts) == 9
    assert [weighted_length(post) for post in posts] == [280] * 9
    assert posts[0] == "f" * 276 + " 1/9"
    assert posts[-1] == paragraphs[-1] + " 9/9"


def test_a_thread_of_ten_reserves_two_digits_and_numbers_each_part() -> None:
    paragraphs = [_words(274) for _ in range(9)]
    posts = split_thread(paragraphs, "f" * 274)
    assert len(posts) == 10
    # " 99/99" (6 units) is reserved: " 1/10" to " 9/10" leave one unit free.
    assert [weighted_length(post) for post in posts] == [279] * 9 + [280]
    assert posts[0] == "f" * 274 + " 1/10"
    assert posts[9] == paragraphs[8] + " 10/10"
    # With 276 units each, ten parts no longer fit beside " n/10": more parts, none over.
    wider = split_thread([_words(276) for _ in range(9)], "first")
    assert len(wider) > 10
    assert all(weighted_length(post) <= 280 for post in wider)
    assert wider[-1].endswith(f" {len(wider)}/{len(wider)}")


def test_a_paragraph_of_exactly_the_budget_is_one_post_and_one_more_is_cut() -> None:
    whole = _words(276)
    assert split_thread([whole], "first") == ["first 1/2", whole + " 2/2"]
    over = _words(277)
    posts = split_thread([over], "first")
    assert len(posts) == 3
    assert all(weighted_length(post) <= 280 for post in posts)
    assert " ".join(post.rsplit(" ", 1)[0] for post in posts[1:]) == over


def test_a_sentence_of_exactly_the_budget_is_kept_and_one_unit_more_is_cut() -> None:
    exact = "abcd " * 54 + "abcde."  # 276 units
    posts = split_thread([exact + " Next one."], "first")
    assert posts == ["first 1/3", exact + " 2/3", "Next one. 3/3"]
    over = "abcd " * 54 + "abcdef."  # 277 units: cut, nothing lost, none over
    posts = split_thread([over + " Next one."], "first")
    assert len(posts) == 3 and posts[1] != over + " 2/3"
    assert all(weighted_length(post) <= 280 for post in posts)
    body = "".join(post.rsplit(" ", 1)[0] for post in posts[1:])
    assert "".join(body.split()) == "".join((over + " Next one.").split())


def test_short_paragraphs_share_a_post_up_to_the_budget() -> None:
    half = _words(137)
    posts = split_thread([half, half], "first")  # 137 + blank line (2) + 137 = 276
    assert posts == ["first 1/2", f"{half}\n\n{half} 2/2"]
    posts = split_thread([half, half + "y"], "first")  # 277: two posts
    assert posts == ["first 1/3", f"{half} 2/3", f"{half}y 3/3"]


def test_a_first_post_is_shortened_only_to_make_room_for_its_number() -> None:
    assert split_thread(["body"], "f" * 276)[0] == "f" * 276 + " 1/2"
    assert split_thread(["body"], "f" * 277)[0] == "f" * 274 + "… 1/2"
    assert split_thread([], "f" * 280) == ["f" * 280]
    assert split_thread([], "f" * 281) == ["f" * 278 + "…"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # U+10000 is the first character outside the BMP: two UTF-16 units, one index.
        ("\U00010000 a.co x", [("a.co", 2, 6)]),
        ("\uffff a.co", [("a.co", 2, 6)]),  # the last BMP character is one unit
        ("\U0010ffff🎉 https://a.co/\U00010000 b.co", [("https://a.co/", 3, 16), ("b.co", 18, 22)]),
        # An astral character inside a URL comes back as itself, not a neighbour.
        ("https://a🎉b.com x", [("https://a🎉b.com", 0, 15)]),
        # U+FFFF beside an astral character is still one unit.
        ("🎉\uffff x a.co", [("a.co", 5, 9)]),
    ],
)
def test_url_indices_are_code_points_after_astral_characters(
    text: str, found: list[tuple[str, int, int]]
) -> None:
    urls = extract_urls(text)
    assert [(u.value, u.start, u.end) for u in urls] == found
    assert all(text[u.start : u.end] == u.value for u in urls)


def test_a_hashtag_longer_than_a_post_is_cut_through_after_all() -> None:
    """One entity longer than a whole post has no cut outside it: it is cut at the
    longest grapheme boundary that fits, into full posts, nothing lost."""
    tag = "#" + "a" * 400
    posts = split_thread([tag], "first")
    assert [weighted_length(post) for post in posts] == [9, 280, 129]
    assert posts[1] == tag[:276] + " 2/3"
    assert "".join(post.rsplit(" ", 1)[0] for post in posts[1:]) == tag


def test_a_section_too_long_for_its_heading_opens_with_it_then_fills_whole_posts() -> None:
    from xpost.platforms.twitter.compose import Heading

    text = " ".join(f"Sentence number {n} is here." for n in range(30))
    posts = split_thread([Heading("Section one"), text], "first")
    assert posts[1].startswith("Section one\n\nSentence number 0 is here.")
    assert all(weighted_length(post) <= 280 for post in posts)
    # After the first piece (cut for the room beside the heading), whole posts again.
    assert [weighted_length(post) for post in posts] == [9, 259, 254, 255, 87]
    body = " ".join(post.rsplit(" ", 1)[0] for post in posts[2:])
    assert posts[1].rsplit(" ", 1)[0].split("\n\n")[1] + " " + body == text


def test_each_configuration_counts_as_twitter_text_does() -> None:
    """v1: code points, 140; v2: weights, emoji per code point; v3: known emoji as one."""
    from xpost.render.twitter_text import CONFIG_V1, CONFIG_V2

    coder = "👩\u200d💻"  # woman, zero-width joiner, laptop: a sequence X knows
    assert weighted_length(coder, CONFIG_V1) == 3
    assert weighted_length(coder, CONFIG_V2) == 5  # 2 + 1 (ZWJ) + 2
    assert weighted_length(coder) == 2
    assert is_valid_tweet("a" * 140, CONFIG_V1) and not is_valid_tweet("a" * 141, CONFIG_V1)
    # Whole units, never a fraction: what the panel shows as "84/280".
    for config in (CONFIG_V1, CONFIG_V2):
        assert type(weighted_length("abc あ 👩", config)) is int
    assert type(weighted_length("abc あ 👩")) is int


@pytest.mark.parametrize("light", ["\u2032", "\u2037", "\u2010", "\u201f", "\u2000", "\u200d"])
def test_a_light_punctuation_mark_weighs_exactly_one_unit(light: str) -> None:
    """The sum is compared unrounded: a weight of 1.01 would make 279 + 1 invalid."""
    assert is_valid_tweet("a" * 279 + light)
    assert not is_valid_tweet("a" * 280 + light)


# -- composition: templates, the last resort, a word too long ----------------------------


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ("{title!r}", "{title!r}"),
        ("{title:>5}", "{title:>5}"),
        ("{url!s:x}", "{url!s:x}"),
    ],
)
def test_a_placeholder_with_a_spec_is_named_as_written(template: str, shown: str) -> None:
    from xpost.platforms.twitter.compose import TemplateError, check_template

    with pytest.raises(TemplateError) as caught:
        check_template(template)
    assert str(caught.value) == f"{shown}: placeholders take no format spec or '!'"


def test_a_template_too_long_by_itself_is_truncated_as_a_whole() -> None:
    composed = compose_post("Title", URL, template="x" * 300 + " {url}")
    assert weighted_length(composed.text) <= 280
    assert composed.text == "x" * 278 + "…"
    exact = compose_post("", URL, template="x" * 256 + " {url}")  # 256 + 1 + 23 = 280
    assert exact.text == "x" * 256 + " " + URL


def test_a_word_longer_than_a_post_is_refused_naming_its_length() -> None:
    from xpost.platforms.twitter.compose import UnsplittableText

    word = "x" * 300
    with pytest.raises(UnsplittableText) as caught:
        split_thread([f"{word} and more words after it"], "first")
    assert str(caught.value).startswith("a word of 300 characters cannot fit in one post: ")
    assert f"{'x' * 24}…" in str(caught.value)


# -- the X adapter's settings ---------------------------------------------------------------


def _render_x(tags: list[str], **settings: object) -> list[str]:

    from xpost.content.model import Document
    from xpost.platforms.twitter.adapter import TwitterAdapter, TwitterOptions, TwitterSettings
    from xpost.post import Post

    post = Post(
        source=Path("content/post/p.md"),
        id=URL,
        title="Title",
        body="",
        document=Document(()),
        canonical_url=URL,
        tags=tuple(tags),
    )
    adapter = TwitterAdapter(TwitterSettings(**settings), SiteConfig())  # type: ignore[arg-type]
    return adapter.render(post, TwitterOptions()).warnings


def test_exactly_max_hashtags_is_no_warning_and_one_more_is() -> None:
    assert _render_x(["a", "b", "c"]) == []
    assert _render_x(["a", "b", "c", "d"]) == [
        "3 hashtags at most ([twitter] max_hashtags): left out #d"
    ]
    assert _render_x(["a"], max_hashtags=0) == [
        "0 hashtags at most ([twitter] max_hashtags): left out #a"
    ]


def test_a_negative_max_hashtags_is_bad_config() -> None:
    from xpost.errors import ConfigError

    with pytest.raises(ConfigError, match=r"max_hashtags: -1 is negative \(0 for none\)"):
        _render_x(["a"], max_hashtags=-1)


def test_x_is_looked_up_before_a_new_copy() -> None:
    """The engine asks ``lookup`` before creating a copy only where ``can_lookup``."""
    from xpost.platforms.twitter.adapter import TwitterAdapter

    assert TwitterAdapter.can_lookup is True
    assert TwitterAdapter.can_update is False


# -- boundaries ---------------------------------------------------------------------


def test_exactly_280_is_one_post_and_281_is_a_thread() -> None:
    assert split_thread([], "a" * 280) == ["a" * 280]
    over = split_thread(["b " * 10], "a" * 281)
    assert len(over) > 1 or weighted_length(over[0]) <= 280


def test_a_thread_counter_of_two_digits_is_reserved_before_packing() -> None:
    paragraphs = [f"paragraph {n} " + "x" * 200 for n in range(12)]
    posts = split_thread(paragraphs, "first")
    assert len(posts) >= 10
    assert all(weighted_length(post) <= 280 for post in posts)
    assert posts[-1].endswith(f" {len(posts)}/{len(posts)}")
