"""Front-matter values as the site generators read them: YAML and JavaScript dates,
values a tag cannot build, tags strings, the xpost table's platform keys (regressions
found using ``xpost publish --dry-run``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import INSTALLED
from dry_run_cli import dry_run, write
from xpost.config import Config, SiteConfig
from xpost.errors import PostError
from xpost.frontmatter import parse_date, split_front_matter
from xpost.post import load_post

TOKYO = ZoneInfo("Asia/Tokyo")


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
