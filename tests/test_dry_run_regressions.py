"""Regressions found by using ``xpost publish --dry-run`` as a user would (the core)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import INSTALLED
from xpost.config import Config, SiteConfig
from xpost.content.model import LinkContext
from xpost.content.parse import parse_body
from xpost.errors import PostError
from xpost.frontmatter import parse_date, split_front_matter
from xpost.platforms.qiita.markdown import QiitaMarkdown
from xpost.post import load_post
from xpost.render.markdown import join_soft_breaks

TOKYO = ZoneInfo("Asia/Tokyo")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def dry_run(*args: str) -> tuple[int, str, str]:
    """The real console entry point in a fresh process, as a user runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "xpost", "publish", *args, "--dry-run"],
        capture_output=True,
        text=True,
    )
    return result.returncode, result.stdout, result.stderr


# -- front matter that YAML reads but cannot build -------------------------------------


def test_an_impossible_yaml_date_names_its_key_instead_of_crashing(tmp_path: Path) -> None:
    post = write(tmp_path / "p.md", "---\ntitle: T\ndate: 2024-13-45\n---\nbody\n")
    code, out, err = dry_run(str(post), "--to", "twitter")
    assert (code, out) == (2, "")
    assert err == (
        f"xpost: error: {post}: date: '2024-13-45' is not a valid date: month must be in 1..12\n"
    )


def test_an_impossible_yaml_date_in_an_unused_key_stays_text(tmp_path: Path) -> None:
    metadata, _, _ = split_front_matter("---\nnote: 2024-02-30\n---\n", tmp_path / "p.md")
    assert metadata == {"note": "2024-02-30"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!int abc", "cannot read 'abc' as !!int"),
        ("!!float abc", "cannot read 'abc' as !!float"),
        ("!!bool maybe", "cannot read 'maybe' as !!bool"),
        ("!!timestamp nope", "cannot read 'nope' as !!timestamp"),
    ],
)
def test_a_yaml_value_its_tag_cannot_build_is_one_line_with_its_line(
    tmp_path: Path, value: str, message: str
) -> None:
    post = write(tmp_path / "p.md", f"---\ntitle: T\nx: {value}\n---\nbody\n")
    with pytest.raises(PostError) as raised:
        load_post(post, Config())
    assert str(raised.value) == f"{post}:3: front matter is not valid YAML: {message}"
    code, out, err = dry_run(str(post), "--to", "twitter")
    assert (code, out, err) == (2, "", f"xpost: error: {raised.value}\n")


# -- Astro's dates and hero image ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jul 08 2022", datetime(2022, 7, 8, tzinfo=TOKYO)),
        ("July 8, 2022", datetime(2022, 7, 8, tzinfo=TOKYO)),
        ("8 July 2022", datetime(2022, 7, 8, tzinfo=TOKYO)),
        ("Sept 3 2021", datetime(2021, 9, 3, tzinfo=TOKYO)),
        ("Jul 8 2022 10:30", datetime(2022, 7, 8, 10, 30, tzinfo=TOKYO)),
        ("Fri, 08 Jul 2022 10:00:00 +0000", datetime(2022, 7, 8, 10, tzinfo=UTC)),
        (
            "Sat Jul 09 2022 10:00:00 GMT+0900",
            datetime(2022, 7, 9, 10, tzinfo=timezone(timedelta(hours=9))),
        ),
    ],
)
def test_dates_written_the_way_javascript_reads_them(text: str, expected: datetime) -> None:
    parsed = parse_date(text, TOKYO)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Jul 32 2022", "'Jul 32 2022' is not a valid date: day is out of range for month"),
        (
            "Foo 3 2022",
            "'Foo 3 2022' is not a date (expected YYYY-MM-DD or YYYY-MM-DD hh:mm:ss)",
        ),
    ],
)
def test_named_month_dates_that_are_no_dates(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_date(text, TOKYO)
    assert str(raised.value) == message


def test_the_astro_blog_starter_post_loads(tmp_path: Path) -> None:
    post = write(
        tmp_path / "src" / "content" / "blog" / "first-post.md",
        "---\ntitle: 'First post'\ndescription: 'Lorem ipsum dolor sit amet'\n"
        "pubDate: 'Jul 08 2022'\nheroImage: 'https://cdn.example.com/hero.jpg'\n---\n\nHello.\n",
    )
    loaded = load_post(post, Config(site=SiteConfig(timezone="Asia/Tokyo")))
    assert loaded.publish_date == datetime(2022, 7, 8, tzinfo=TOKYO)
    assert loaded.summary == "Lorem ipsum dolor sit amet"
    assert loaded.cover_image == "https://cdn.example.com/hero.jpg"


# -- platform names in the xpost: table ------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "name", "hint"),
    [
        # Names no installed adapter resembles (adapters/ holds mastodon and others).
        ("{exclude: [friendfeed]}", "xpost.exclude", "friendfeed", ""),
        ("{targets: [twitter, friendfeed]}", "xpost.targets", "friendfeed", ""),
        ("{twiter: {thread: true}}", "xpost.twiter", "twiter", ": did you mean 'twitter'?"),
    ],
)
def test_an_unknown_platform_in_the_xpost_table_is_named_by_its_key(
    tmp_path: Path, table: str, key: str, name: str, hint: str
) -> None:
    post = write(tmp_path / "p.md", f"---\ntitle: T\nxpost: {table}\n---\nbody\n")
    code, out, err = dry_run(str(post))
    assert (code, out) == (2, "")
    assert err == (
        f"xpost: error: {post}: {key}: unknown platform '{name}'{hint} (installed: {INSTALLED})\n"
    )


# -- Jekyll ----------------------------------------------------------------------------


def test_jekyll_tags_and_categories_strings_are_space_separated(tmp_path: Path) -> None:
    write(tmp_path / "_config.yml", "title: blog\n")
    post = write(
        tmp_path / "_posts" / "2024-03-04-hello.md",
        "---\ntitle: T\ntags: jekyll liquid\ncategories: blog dev\n---\nbody\n",
    )
    loaded = load_post(post, Config())
    assert (loaded.tags, loaded.categories) == (("jekyll", "liquid"), ("blog", "dev"))


def test_a_hugo_tags_string_is_still_one_tag_or_a_comma_list(tmp_path: Path) -> None:
    post = write(
        tmp_path / "content" / "post" / "p.md",
        "---\ntitle: T\ntags: GitHub Actions\ncategories: a b, c\n---\nbody\n",
    )
    loaded = load_post(post, Config())
    assert (loaded.tags, loaded.categories) == (("GitHub Actions",), ("a b", "c"))


def test_post_url_is_guessed_with_the_sites_permalink_pattern(tmp_path: Path) -> None:
    post = write(
        tmp_path / "_posts" / "2024-03-04-hello.md",
        "---\ntitle: T\n---\nSee [the other]({% post_url 2024-01-01-other %}).\n",
    )
    site = SiteConfig(base_url="https://me.github.io", permalink="/:year/:month/:day/:slug.html")
    loaded = load_post(post, Config(site=site))
    emitted = QiitaMarkdown().emit(loaded.document)
    assert emitted == "See [the other](https://me.github.io/2024/01/01/other.html).\n"
    assert loaded.document.notes == (
        "guessed the URL of {% post_url 2024-01-01-other %} as "
        "https://me.github.io/2024/01/01/other.html",
    )


def jekyll_links(tmp_path: Path, *names: str) -> tuple[str, tuple[str, ...]]:
    """The Qiita body and notes of a post in a ``permalink: pretty`` Jekyll site that
    links to ``names`` with ``{% post_url %}``."""
    from xpost.sites import find_site

    write(tmp_path / "_config.yml", "url: https://me.example\nbaseurl: /b\npermalink: pretty\n")
    intro = "---\ntitle: I\ncategories: [Tips]\n---\nx\n"
    write(tmp_path / "_posts" / "2024-03-01-intro.md", intro)
    links = " ".join(f"[{name}]({{% post_url {name} %}})" for name in names)
    post = write(tmp_path / "_posts" / "2024-05-01-a.md", f"---\ntitle: A\n---\n{links}\n")
    find_site.cache_clear()
    loaded = load_post(post, Config(site_explicit=frozenset()))
    return QiitaMarkdown().emit(loaded.document), loaded.document.notes


def test_post_url_is_the_url_jekyll_gives_the_named_post(tmp_path: Path) -> None:
    body, notes = jekyll_links(tmp_path, "2024-03-01-intro")
    # pretty style, the post's own categories, the site's baseurl: not /post/intro/
    assert body == "[2024-03-01-intro](https://me.example/b/tips/2024/03/01/intro/)\n"
    assert notes == ()


def test_post_url_of_a_missing_post_follows_the_sites_rules_with_a_note(tmp_path: Path) -> None:
    body, notes = jekyll_links(tmp_path, "2024-02-03-gone")
    assert body == "[2024-02-03-gone](https://me.example/b/2024/02/03/gone/)\n"
    assert notes == (
        "{% post_url 2024-02-03-gone %}: no such post in _posts; "
        "its URL would be https://me.example/b/2024/02/03/gone/",
    )


@pytest.mark.parametrize(
    "name",
    ["../2024-03-01-intro", "x/../../2024-03-01-intro", "2024-03-01-int*", "2024-03-01-?ntro"],
)
def test_post_url_names_nothing_outside_the_site_and_no_pattern(tmp_path: Path, name: str) -> None:
    site = tmp_path / "deep" / "site"
    outside = "---\ntitle: Outside\ncategories: [Outside]\n---\nx\n"
    write(tmp_path / "deep" / "_posts" / "2024-03-01-intro.md", outside)
    body, notes = jekyll_links(site, name)
    assert "outside" not in body and "tips" not in body
    assert len(notes) == 1  # not found: the site's rules applied to the name, said so


# -- Hugo ------------------------------------------------------------------------------


def test_a_ref_shortcode_alone_on_its_line_is_its_url_not_dropped(tmp_path: Path) -> None:
    context = LinkContext(
        tmp_path,
        page_url="https://blog.example.com/post/here/",
        site_url="https://blog.example.com/",
        is_bundle=True,
    )
    document = parse_body('Before.\n\n{{< ref "other-post" >}}\n\nAfter.\n', context)
    text = QiitaMarkdown().emit(document)
    assert text == "Before.\n\nhttps://blog.example.com/post/other-post/\n\nAfter.\n"
    assert document.notes == (
        'guessed the URL of ref "other-post" as https://blog.example.com/post/other-post/',
    )


# -- soft line breaks ------------------------------------------------------------------


def test_korean_soft_breaks_keep_a_space_between_words() -> None:
    assert join_soft_breaks("안녕하세요\n여러분 반갑습니다.") == "안녕하세요 여러분 반갑습니다."
    assert join_soft_breaks("한국어 문장과\nEnglish mix.") == "한국어 문장과 English mix."
    assert join_soft_breaks("日本語の\n文章と\nEnglish") == "日本語の文章とEnglish"


def test_a_wrapped_footnote_definition_is_joined() -> None:
    text = "[^1]: これは脚注で、\n    折り返しています。\n[^2]: A note\n    that wraps."
    assert join_soft_breaks(text) == (
        "[^1]: これは脚注で、折り返しています。\n[^2]: A note that wraps."
    )


def test_a_wrapped_footnote_reaches_qiita_on_one_line(tmp_path: Path) -> None:
    post = write(
        tmp_path / "p.md",
        "---\ntitle: T\n---\n脚注です[^1]。\n\n[^1]: これは脚注で、\n    折り返しています。\n",
    )
    code, out, err = dry_run(str(post), "--to", "qiita", "--json")
    assert (code, err) == (0, "")
    body = json.loads(out)["posts"][0]["targets"][0]["payload"]["body"]
    assert body == "脚注です[^1]。\n\n[^1]: これは脚注で、折り返しています。\n"


def test_a_nested_quote_is_not_joined_into_its_outer_quote() -> None:
    text = "> outer\n> > inner quote\n> > continues\n> back out"
    assert join_soft_breaks(text) == "> outer\n> > inner quote continues\n> back out"
    assert join_soft_breaks("> a\n> b\n>> c\n>> d") == "> a b\n>> c d"
