"""The shortcuts of the post-id work give exactly what the general code gives: a
permalink pattern read once per site, ``urlize`` by a translation table, plain paths
joined without ``urlsplit``, plain web URLs taken at a glance, and Hugo's paths cut as
strings instead of ``pathlib`` objects. A different answer would be a different post
id, and so a post sent twice."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xpost import permalink
from xpost.errors import PostError
from xpost.metadata import _PLAIN_WEB_URL, _web_url, has_scheme
from xpost.permalink import PermalinkError, expand_permalink, join_url, urlize
from xpost.sites.hugo import _relative, _stem, _strip_language, _suffix


def urlize_by_character(text: str) -> str:
    """Hugo's urlize as the module first wrote it: one character at a time."""
    out: list[str] = []
    for char in text.strip():
        if char.isspace():
            out.append("-")
        elif char in "._/\\-#+~" or unicodedata.category(char)[0] in "LMN":
            out.append(char)
    return "".join(out).lower()


@settings(max_examples=400)
@given(st.text())
def test_urlize_by_table_is_urlize_by_character(text: str) -> None:
    assert urlize(text) == urlize_by_character(text)


def test_urlize_table_stays_bounded() -> None:
    """Titles may hold any of Unicode's characters: the table keeps a few thousand."""
    text = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 3 * permalink._TABLE_LIMIT))
    assert urlize(text) == urlize_by_character(text)
    assert len(permalink._URLIZE_TABLE) <= permalink._TABLE_LIMIT


@pytest.mark.parametrize(
    ("pattern", "error"),
    [
        ("/:nope/:year/", "permalink '/:nope/:year/': unknown token ':nope'"),
        ("/:year/:nope/", "permalink '/:year/:nope/' needs a date and the post has none"),
        ("/:slug/:nope/", "permalink '/:slug/:nope/': unknown token ':nope'"),
    ],
)
def test_a_compiled_pattern_names_the_first_bad_token_from_the_left(
    pattern: str, error: str
) -> None:
    for _ in range(2):  # compiled once, then taken from the cache: the same answer
        with pytest.raises(PermalinkError) as raised:
            expand_permalink(pattern, slug="s", title="T", date=None, filename="f")
        assert str(raised.value) == error


def test_a_compiled_pattern_fills_every_token() -> None:
    date = datetime(2024, 3, 3, 10, 0)  # a Sunday
    tokens = (
        ":year/:month/:i_month/:monthname/:day/:i_day/:weekday/:weekdayname/:yearday/"
        ":slug/:slugorfilename/:slugorcontentbasename/:title/:filename/:contentbasename/"
        ":section/:sections/:categories"
    )
    got = expand_permalink(
        "/" + tokens + "/",
        slug="",
        title="Hello, World",
        date=date,
        filename="name",
        section="post",
        sections=("post", "deep"),
        categories=("A b", "C"),
    )
    assert got == (
        "/2024/03/3/March/03/3/0/Sunday/63/name/name/name/hello-world/name/name/post/"
        "post/deep/a-b/c/"
    )
    # Empty tokens leave no '//'; a pattern without tokens is itself.
    assert expand_permalink("/x/:section/:slug/", slug="", title="", date=None, filename="") == (
        "/x/"
    )
    assert expand_permalink("/about/", slug="s", title="", date=None, filename="") == "/about/"


def join_url_in_full(base: str, path: str) -> str:
    if urlsplit(path).scheme:
        return path
    return quote(base.rstrip("/") + "/" + path.lstrip("/"), safe="/:@!$&'()*+,;=-._~%?#[]")


@settings(max_examples=400)
@given(st.sampled_from(["/", "//", "/\t/", "http:", "/a:b", "x/", ""]), st.text())
def test_join_url_skips_urlsplit_only_where_it_finds_no_scheme(head: str, rest: str) -> None:
    path = head + rest
    try:
        expected: str | type[ValueError] = join_url_in_full("https://b.example/x/", path)
    except ValueError:
        expected = ValueError
    try:
        got: str | type[ValueError] = join_url("https://b.example/x/", path)
    except ValueError:
        got = ValueError
    assert got == expected


def web_url_in_full(url: str) -> str | None:
    """What the post-id code did with a canonical URL before the shortcut."""
    if has_scheme(url) or url.startswith("//"):
        try:
            return _web_url(url, PurePosixPath("p.md"), "url")  # type: ignore[arg-type]
        except PostError:
            return None
    return url


URL_PIECES = st.sampled_from(
    ["https://", "http://", "HTTPS://", "ftp://", "a.example", "[::1]", "user@", ":8080",
     ":x", "/", "?", "#", "%20", " ", "\\", "\t", "é", "-", ".", "a", "9", "javascript:"]
)  # fmt: skip


@settings(max_examples=600)
@given(st.lists(URL_PIECES, max_size=8).map("".join))
def test_a_url_taken_at_a_glance_is_one_the_full_check_takes_as_it_is(url: str) -> None:
    if _PLAIN_WEB_URL.match(url):
        assert web_url_in_full(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/post/a-b/",
        "http://a.example:8080/x?y=1#z",
        "https://example.com/%E6%97%A5/",
        "https://example.com",
    ],
)
def test_the_usual_urls_are_taken_at_a_glance(url: str) -> None:
    assert _PLAIN_WEB_URL.match(url)
    assert web_url_in_full(url) == url


NAMES = st.text(st.sampled_from("ab.x-_ 日"), max_size=8)


@given(NAMES)
def test_stem_and_suffix_are_pathlibs(name: str) -> None:
    if not name or name in (".", "..") or "/" in name:
        return
    assert (_stem(name), _suffix(name)) == (PurePosixPath(name).stem, PurePosixPath(name).suffix)


@given(st.lists(NAMES.filter(lambda n: n not in ("", ".", "..")), min_size=1, max_size=4))
def test_relative_is_pathlibs_relative_to(parts: list[str]) -> None:
    folder = "/site/content"
    path = PurePosixPath(folder, *parts)
    expected = str(path.relative_to(folder))
    assert _relative(str(path), folder) == expected
    assert _relative(str(path), "/site/cont") is None
    assert _relative("/site/content", folder) is None
    assert _relative("/x/y", "/") == "x/y"


def test_a_language_suffix_is_taken_off_the_name_only_for_a_known_language() -> None:
    from xpost.sites.hugo import Language

    languages = {"ja": Language("ja"), "en": Language("en")}
    assert _strip_language("post.ja.md", languages) == "post"
    assert _strip_language("post.JA.md", languages) == "post"
    assert _strip_language("post.xx.md", languages) == "post.xx"
    assert _strip_language("post.ja.md", {}) == "post.ja"
    assert _strip_language(".ja.md", languages) == ".ja"


@settings(max_examples=400)
@given(st.text(st.sampled_from("aZ09_.-~/:@!$&'()*+,;=%?#[] \\\"<>^`{|}é日\t\x7f")))
def test_a_url_left_as_it_is_is_one_quote_leaves_as_it_is(path: str) -> None:
    path = "/a" + path.replace(":", "")  # no scheme, no host: the base is joined
    assert join_url("https://b.example", path) == join_url_in_full("https://b.example", path)
