"""Truncation, hashtags, the announcement post and threads, measured as X measures."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xpost.platforms.twitter.compose import (
    TemplateError,
    UnsplittableText,
    compose_post,
    fill_template,
    hashtag,
    hashtags_for,
    split_thread,
    truncate,
)
from xpost.render.twitter_text import extract_hashtags, extract_urls, weighted_length

SEED_TITLE = "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました"
SEED_URL = "https://chezo.uno/post/2022-07-15-mlse-infraop-wg/"


def entities(text: str) -> set[str]:
    return {e.value for e in extract_urls(text)} | {e.value for e in extract_hashtags(text)}


# -- truncate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 280, "short"),
        ("Hello world, see https://example.com/a/b and #python tags", 40, "Hello world, see…"),
        (
            "Hello world, see https://example.com/a/b and #python tags",
            42,
            "Hello world, see https://example.com/a/b…",
        ),
        (
            "Hello world, see https://example.com/a/b and #python tags",
            50,
            "Hello world, see https://example.com/a/b and…",  # not inside #python
        ),
        ("abc #verylonghashtag", 10, "abc…"),
        ("家族👨‍👩‍👧‍👦です", 6, "家族…"),
        ("家族👨‍👩‍👧‍👦です", 8, "家族👨‍👩‍👧‍👦…"),
        ("🇯🇵🇺🇸", 3, "…"),
        ("abc", 0, ""),
        ("see foo.comx bar", 8, "see…"),  # not inside a word either
        ("Rust tips: lifetimes and borrowing", 25, "Rust tips: lifetimes…"),
        ("Supercalifragilistic", 8, "Superc…"),  # one word: cut it rather than lose all
    ],
)
def test_truncate(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected


def test_truncate_japanese_to_280() -> None:
    result = truncate("日本語の文章です。" * 40)
    assert weighted_length(result) == 280
    assert result == "日本語の文章です。" * 15 + "日本語の…"


def test_truncate_custom_ellipsis() -> None:
    assert truncate("abcdefghij", 8, ellipsis="...") == "abcde..."


TEXT_PIECES = st.one_of(
    st.text(alphabet="abc xyz.,!?\n", max_size=10),
    st.text(alphabet="あいう漢字。、！？", max_size=10),
    st.sampled_from(["👩‍💻", "🇯🇵", "👍🏽", "1️⃣", "e\u0301"]),
    st.sampled_from(["https://example.com/path", "README.md", "#python", "#機械学習", "t.co/x"]),
)
TEXTS = st.lists(TEXT_PIECES, max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.integers(min_value=0, max_value=300))
def test_truncate_properties(text: str, limit: int) -> None:
    result = truncate(text, limit)
    assert weighted_length(result) <= limit
    assert entities(result) <= entities(text)
    if weighted_length(text) <= limit:
        assert result == text
    elif result:
        assert result.endswith("…")
        assert text.startswith(result[:-1])


# -- hashtags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("python", "python"),
        ("MLOps", "MLOps"),
        ("#Rust", "Rust"),
        ("C++", "cpp"),
        ("C#", "csharp"),
        ("F#", "fsharp"),
        ("machine learning", "machinelearning"),
        ("Node.js", "Nodejs"),
        ("scikit-learn", "scikitlearn"),
        ("機械学習", "機械学習"),
        ("2022", None),
        ("++", None),
        ("", None),
    ],
)
def test_hashtag(tag: str, expected: str | None) -> None:
    assert hashtag(tag) == expected


def test_hashtags_for_dedupes_and_skips() -> None:
    assert hashtags_for(["Python", "python", "2022", "C++", "Go"]) == ["#Python", "#cpp", "#Go"]


# -- compose_post --------------------------------------------------------------------


def test_compose_seed_post() -> None:
    composed = compose_post(SEED_TITLE, SEED_URL)
    assert composed.text == f"{SEED_TITLE}\n{SEED_URL}"
    assert weighted_length(composed.text) == 84
    assert composed.dropped_hashtags == []
    assert not composed.title_truncated


def test_compose_with_hashtags() -> None:
    composed = compose_post("Title", "https://example.com/p/", tags=["Python", "C++"])
    assert composed.text == "Title\nhttps://example.com/p/\n#Python #cpp"


def test_compose_drops_hashtags_before_the_title() -> None:
    title = "あ" * 120  # 240 + newline + URL 23 = 264: room for 16 more
    composed = compose_post(title, "https://e.com/", tags=["aaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"])
    assert composed.text == f"{title}\nhttps://e.com/\n#aaaaaa"
    assert weighted_length(composed.text) == 272
    assert composed.dropped_hashtags == ["#bbbbbbbbbbbbbbbbbbbbbbbb"]
    assert not composed.title_truncated


def test_compose_truncates_the_title_never_the_url() -> None:
    composed = compose_post("あ" * 200, "https://example.com/x", tags=["python"])
    assert composed.text == "あ" * 127 + "…\nhttps://example.com/x"
    assert weighted_length(composed.text) == 280
    assert composed.title_truncated
    assert composed.dropped_hashtags == ["#python"]


def test_compose_template_truncates_summary_first() -> None:
    composed = compose_post(
        "Title",
        "https://e.com/",
        summary="word " * 100,
        template="{summary}\n{title} {url}",
    )
    assert composed.summary_truncated and not composed.title_truncated
    assert composed.text.endswith("…\nTitle https://e.com/")
    assert weighted_length(composed.text) == 280


def test_fill_template_trims_empty_lines() -> None:
    assert fill_template("{title}\n{url}\n{hashtags}\n", title="T", url="U") == "T\nU"


@pytest.mark.parametrize("template", ["{title} {link}", "{title", "{0}"])
def test_bad_template(template: str) -> None:
    with pytest.raises(TemplateError):
        compose_post("T", "https://e.com/", template=template)


# -- threads -------------------------------------------------------------------------


def test_thread_short() -> None:
    parts = split_thread(["一つ目の段落です。", "二つ目。"], "T\nhttps://e.com/")
    assert parts == ["T\nhttps://e.com/ 1/2", "一つ目の段落です。\n\n二つ目。 2/2"]


def test_thread_without_body_is_the_first_post() -> None:
    assert split_thread([], "T https://e.com/") == ["T https://e.com/"]


def test_thread_splits_at_sentences() -> None:
    first = "Title https://example.com/"
    parts = split_thread(["あ" * 130 + "。" + "い" * 130 + "。"], first)
    assert parts == [f"{first} 1/3", "あ" * 130 + "。 2/3", "い" * 130 + "。 3/3"]


def test_thread_splits_latin_sentences_after_space() -> None:
    sentence = "This is a sentence of forty characters. "  # 40
    parts = split_thread([sentence * 8], "T")
    assert parts == ["T 1/3", (sentence * 6).rstrip() + " 2/3", (sentence * 2).rstrip() + " 3/3"]


def test_thread_splits_unbreakable_text_outside_urls() -> None:
    text = "あ" * 130 + "https://example.com/long" + "い" * 10
    parts = split_thread([text], "T")
    assert parts == ["T 1/3", "あ" * 130 + " 2/3", "https://example.com/long" + "い" * 10 + " 3/3"]


def test_thread_never_cuts_a_latin_word() -> None:
    sentence = "word " * 70  # 350 characters, no sentence end: cut between words
    parts = split_thread([sentence], "T")
    assert parts[1] == ("word " * 55).rstrip() + " 2/3"
    assert parts[2] == ("word " * 15).rstrip() + " 3/3"


def test_thread_refuses_a_word_longer_than_a_post() -> None:
    with pytest.raises(UnsplittableText) as refused:
        split_thread(["x" * 300], "T")
    assert str(refused.value) == (
        "a word of 300 characters cannot fit in one post: xxxxxxxxxxxxxxxxxxxxxxxx…; "
        "shorten it, or set the post's text yourself"
    )


def test_thread_reserves_room_for_two_digit_numbers() -> None:
    parts = split_thread(["x" * 100 for _ in range(30)], "T https://e.com/")
    assert len(parts) == 16
    assert parts[1] == "x" * 100 + "\n\n" + "x" * 100 + " 2/16"
    assert parts[-1] == "x" * 100 + "\n\n" + "x" * 100 + " 16/16"
    assert all(weighted_length(part) <= 280 for part in parts)


PARAGRAPHS = st.lists(TEXTS, max_size=6)


@settings(max_examples=100, deadline=None)
@given(PARAGRAPHS, TEXTS)
def test_thread_properties(paragraphs: list[str], first: str) -> None:
    try:
        parts = split_thread(paragraphs, first)
    except UnsplittableText:
        # Only a word longer than a post (in a script with spaces) is refused.
        words = [w for p in paragraphs for w in p.split()]
        assert any(weighted_length(w) > 270 for w in words)
        return
    source = entities("\n\n".join([first, *paragraphs]))
    for part in parts:
        assert weighted_length(part) <= 280
        assert entities(part) <= source
    if len(parts) > 1:
        assert [part.rsplit(" ", 1)[1] for part in parts] == [
            f"{n}/{len(parts)}" for n in range(1, len(parts) + 1)
        ]
