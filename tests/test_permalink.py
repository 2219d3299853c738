"""Hugo permalink patterns and URL joining."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from xpost.permalink import PermalinkError, expand_permalink, join_url, urlize

# A Friday, day 196 of 2022, in the author's own offset.
DATE = datetime(2022, 7, 15, 15, 16, 4, tzinfo=timezone(-timedelta(hours=7)))


def expand(pattern: str, **overrides: object) -> str:
    values: dict[str, object] = {
        "slug": "",
        "title": "Hello, World: Ünïcode 日本語 & C++",
        "date": DATE,
        "filename": "2022-07-15-mlse",
        "section": "post",
    }
    values.update(overrides)
    return expand_permalink(pattern, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("/:year/:month/:day/", "/2022/07/15/"),
        ("/:year/:i_month/:i_day/", "/2022/7/15/"),
        ("/:monthname/:weekday/:weekdayname/:yearday/", "/July/5/Friday/196/"),
        ("/:section/:slug/", "/post/2022-07-15-mlse/"),
        ("/:sections/:slugorfilename/", "/post/2022-07-15-mlse/"),
        ("/:filename/", "/2022-07-15-mlse/"),
        ("/:contentbasename/", "/2022-07-15-mlse/"),
        ("/:title/", "/hello-world-ünïcode-日本語--c++/"),
    ],
)
def test_tokens(pattern: str, expected: str) -> None:
    assert expand(pattern) == expected


def test_slug_wins_over_the_file_name_but_never_falls_back_to_the_title() -> None:
    assert expand("/post/:slug/", slug="mlse-wg") == "/post/mlse-wg/"
    assert expand("/post/:slug/", slug="") == "/post/2022-07-15-mlse/"


def test_sections_and_categories() -> None:
    assert expand("/:sections/:slug/", sections=("docs", "guide")) == "/docs/guide/2022-07-15-mlse/"
    assert expand("/:categories/:slug/", categories=("Machine Learning", "MLOps")) == (
        "/machine-learning/mlops/2022-07-15-mlse/"
    )


def test_an_empty_token_leaves_no_double_slash() -> None:
    assert expand("/:section/:slug/", section="") == "/2022-07-15-mlse/"


def test_date_token_without_a_date() -> None:
    with pytest.raises(PermalinkError) as caught:
        expand("/:year/:slug/", date=None)
    assert str(caught.value) == "permalink '/:year/:slug/' needs a date and the post has none"


def test_a_pattern_without_date_tokens_needs_no_date() -> None:
    assert expand("/p/:slug/", date=None) == "/p/2022-07-15-mlse/"


def test_unknown_token() -> None:
    with pytest.raises(PermalinkError) as caught:
        expand("/:yaer/:slug/")
    assert str(caught.value) == "permalink '/:yaer/:slug/': unknown token ':yaer'"


def test_urlize_is_hugo_like() -> None:
    assert urlize("  Hello World  ") == "hello-world"
    assert urlize("機械学習 入門!") == "機械学習-入門"
    assert urlize("a_b.c#d+e~f") == "a_b.c#d+e~f"


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("https://chezo.uno", "/post/x/", "https://chezo.uno/post/x/"),
        ("https://chezo.uno/", "post/x/", "https://chezo.uno/post/x/"),
        ("https://example.com/blog/", "/post/x/", "https://example.com/blog/post/x/"),
        ("https://example.com/", "https://other.example/a", "https://other.example/a"),
        (
            "https://example.com/",
            "/post/日本語/",
            "https://example.com/post/%E6%97%A5%E6%9C%AC%E8%AA%9E/",
        ),
        ("https://example.com/", "/a%20b/?q=1#top", "https://example.com/a%20b/?q=1#top"),
    ],
)
def test_join_url(base: str, path: str, expected: str) -> None:
    assert join_url(base, path) == expected
