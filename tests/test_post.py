"""Loading posts: every front-matter dialect normalised into one ``Post``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import xpost.post
from conftest import SEED
from test_frontmatter import json_reason
from xpost.config import Config, SiteConfig
from xpost.content.model import Document, LinkContext
from xpost.content.plaintext import first_paragraph, plain_text
from xpost.errors import PostError
from xpost.post import Overrides, Post, load_post

POSTS = Path(__file__).resolve().parent / "fixtures" / "posts"
TOKYO = ZoneInfo("Asia/Tokyo")
JST = timezone(timedelta(hours=9))
SITE = Config(site=SiteConfig(base_url="https://blog.example.com/", timezone="Asia/Tokyo"))


@pytest.fixture(autouse=True)
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, LinkContext]]:
    """Stand in for the body parser (tested on its own) and record what it was given."""
    calls: list[tuple[str, LinkContext]] = []

    def fake_parse_body(body: str, links: LinkContext) -> Document:
        calls.append((body, links))
        return Document(blocks=(), notes=("parsed",))

    monkeypatch.setattr(xpost.post, "parse_body", fake_parse_body)
    return calls


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path, config: Config = SITE) -> str:
    with pytest.raises(PostError) as caught:
        load_post(path, config)
    return str(caught.value)


# --- the seed post ----------------------------------------------------------------------


@pytest.mark.shared
def test_seed_post(parsed: list[tuple[str, LinkContext]]) -> None:
    config = Config(site=SiteConfig(base_url="https://chezo.uno/", timezone="Asia/Tokyo"))
    post = load_post(SEED, config)
    written = datetime(2022, 7, 15, 15, 16, 4, tzinfo=timezone(-timedelta(hours=7)))
    body = SEED.read_text(encoding="utf-8").split("---\n", 2)[2]
    assert post == Post(
        source=SEED,
        id="https://chezo.uno/post/2022-07-15-mlse-infraop-wg/",
        title="機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました",
        body=body,
        document=Document(blocks=(), notes=("parsed",)),
        summary="MLSE の本番適用のためのインフラと運用WGの活動を終了しました。",
        tags=(),
        categories=("conference",),
        date=written,
        lastmod=written,
        slug="2022-07-15-mlse-infraop-wg",
        canonical_url="https://chezo.uno/post/2022-07-15-mlse-infraop-wg/",
        front_matter=post.front_matter,
        body_line=18,
    )
    assert post.date is not None and post.date.utcoffset() == timedelta(hours=-7)
    assert post.front_matter["recommendations"][0] == "/post/2020-11-10-mlse-conference/"
    assert parsed == [
        (
            body,
            LinkContext(
                source_dir=SEED.parent.resolve(),
                page_url="https://chezo.uno/post/2022-07-15-mlse-infraop-wg/",
                site_url="https://chezo.uno/",
                site_root=None,
                is_bundle=False,
                permalink="/post/:slug/",
            ),
        )
    ]


@pytest.mark.shared
def test_seed_post_without_a_base_url_is_identified_by_its_path() -> None:
    post = load_post(SEED, Config())
    assert post.canonical_url is None
    assert post.id == str(SEED.resolve())


# --- dialects ---------------------------------------------------------------------------


def test_hugo_yaml() -> None:
    post = load_post(POSTS / "hugo-yaml.md", SITE)
    assert post.title == "Hugo YAML post"
    assert post.summary == "This is the first paragraph, with a link and code."
    assert post.tags == ("python", "cli")
    assert post.categories == ("tech",)
    assert post.date == datetime(2024, 5, 1, 9, 30, tzinfo=TOKYO)
    assert post.draft is True
    assert post.slug == "hugo-yaml"
    assert post.canonical_url == "https://blog.example.com/post/hugo-yaml/"
    assert post.id == post.canonical_url
    assert post.cover_image == "https://blog.example.com/images/cover.png"
    assert post.cover_image_local is None
    assert post.overrides == Overrides(
        targets=("twitter", "qiita"), platforms={"qiita": {"tags": ["Python"]}}
    )
    assert post.body_line == 14


def test_hugo_toml() -> None:
    post = load_post(POSTS / "hugo-toml.md", SITE)
    assert post.id == "toml-post-id"
    assert post.title == "Hugo TOML post"
    assert post.body == "# Not the title\n\nBody of the TOML post.\n"  # a title is given: kept
    assert post.summary == "A TOML front matter."
    assert post.tags == ("toml", "hugo")
    assert post.date == datetime(2024, 5, 2, 10, tzinfo=JST)
    assert post.publish_date == datetime(2024, 5, 2, 12, tzinfo=TOKYO)
    assert post.lastmod == datetime(2024, 5, 3, tzinfo=TOKYO)
    assert post.overrides == Overrides(exclude=("connpass",), platforms={"zenn": {"emoji": "🐍"}})
    assert post.body_line == 16


def test_hugo_json_with_a_url_path() -> None:
    post = load_post(POSTS / "hugo-json.md", SITE)
    assert (post.title, post.tags, post.body) == (
        "Hugo JSON post",
        ("json",),
        "\nThe JSON post body.\n",
    )
    assert post.date == datetime(2024, 5, 4, tzinfo=TOKYO)
    assert post.canonical_url == "https://blog.example.com/custom/json-post/"
    assert load_post(POSTS / "hugo-json.md", Config()).canonical_url is None


def test_jekyll_post_takes_slug_and_date_from_the_file_name() -> None:
    post = load_post(POSTS / "jekyll" / "_posts" / "2021-03-04-hello-world.md", SITE)
    assert post.slug == "hello-world"
    assert post.date == datetime(2021, 3, 4, tzinfo=TOKYO)
    assert post.summary == "The excerpt of the first post."
    assert post.categories == ("blog", "news")
    assert post.cover_image == "https://cdn.example.com/hello.png"
    assert post.draft is False
    assert post.canonical_url == "https://blog.example.com/post/hello-world/"


def test_jekyll_summary_before_more_and_published_false() -> None:
    post = load_post(POSTS / "jekyll" / "_posts" / "2021-03-05-no-excerpt.md", SITE)
    assert post.summary == "Intro line one continues here with a link."
    assert post.draft is True
    assert post.date == datetime(2021, 3, 5, 10, tzinfo=JST)


def test_jekyll_drafts_folder_is_a_draft() -> None:
    post = load_post(POSTS / "jekyll" / "_drafts" / "unfinished-idea.md", SITE)
    assert (post.draft, post.slug) == (True, "unfinished-idea")


def test_zenn_article() -> None:
    post = load_post(POSTS / "zenn" / "articles" / "xpost-zenn-sample01.md", SITE)
    assert post.title == "Zenn の記事"
    assert (post.front_matter["emoji"], post.front_matter["type"]) == ("🚀", "tech")
    assert post.tags == ("python", "cli", "zenn")
    assert post.draft is True  # published: false
    assert post.publish_date == datetime(2024, 6, 1, 9, tzinfo=TOKYO)
    assert post.summary == "Zenn の本文です。"
    assert post.slug == "xpost-zenn-sample01"


def test_qiita_cli_file() -> None:
    post = load_post(POSTS / "qiita" / "public" / "qiita-sample.md", SITE)
    assert post.tags == ("Python", "Qiita")
    assert post.draft is False  # private is "limited share", not a draft
    assert post.lastmod == datetime(2024, 6, 2, 10, 20, 30, tzinfo=JST)
    # Qiita CLI's id is the Qiita item id, never this post's identity.
    assert post.id == "https://blog.example.com/post/qiita-sample/"


def test_jekyll_permalink_key_is_the_canonical_url(tmp_path: Path) -> None:
    post = load_post(write(tmp_path / "p.md", "---\ntitle: T\npermalink: /about/\n---\nx\n"), SITE)
    assert post.canonical_url == "https://blog.example.com/about/"


def test_front_matter_id_outside_qiita_cli(tmp_path: Path) -> None:
    post = load_post(write(tmp_path / "p.md", "---\ntitle: T\nid: 42\n---\nx\n"), SITE)
    assert post.id == "42"


def test_page_bundle(parsed: list[tuple[str, LinkContext]]) -> None:
    bundle = POSTS / "site" / "content" / "post" / "my-bundle"
    config = Config(
        site=SiteConfig(base_url="https://blog.example.com/", permalink="/:sections/:slug/")
    )
    post = load_post(bundle, config)  # a folder loads its index.md
    assert post.source == bundle / "index.md"
    assert post.slug == "my-bundle"
    assert post.canonical_url == "https://blog.example.com/post/my-bundle/"
    assert post.cover_image == "https://blog.example.com/post/my-bundle/featured.png"
    assert post.cover_image_local == bundle / "featured.png"
    assert post.summary == "A bundle post."
    assert parsed[-1][1] == LinkContext(
        source_dir=bundle,
        page_url="https://blog.example.com/post/my-bundle/",
        site_url="https://blog.example.com/",
        site_root=POSTS / "site",
        is_bundle=True,
        permalink="/:sections/:slug/",
    )


def test_bom_and_crlf() -> None:
    post = load_post(POSTS / "bom-crlf.md", SITE)
    assert (post.title, post.tags) == ("BOM and CRLF", ("a", "b"))
    assert post.body == "\nWindows line one\nline two\n"


def test_title_from_the_first_heading(tmp_path: Path) -> None:
    post = load_post(POSTS / "no-front-matter.md", SITE)
    assert post.title == "Title From Heading"
    assert post.body == "First paragraph under the heading.\n"
    assert post.body_line == 4
    closed = write(tmp_path / "closed.md", "# Closed ATX #\nText\n")
    assert load_post(closed, SITE).title == "Closed ATX"


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "bad-yaml.md",
            ":4: front matter is not valid YAML: did not find expected ',' or ']' "
            "(while parsing a flow sequence on line 3)",
        ),
        (
            "bad-json.md",
            f":3: front matter is not valid JSON: {json_reason(POSTS / 'broken' / 'bad-json.md')}",
        ),
        (
            "bad-date.md",
            ": date: 'next tuesday' is not a date (expected YYYY-MM-DD or YYYY-MM-DD hh:mm:ss)",
        ),
        ("bad-xpost.md", ": xpost.twitter: expected a table of options, got a string"),
        ("binary.md", ": not a text file (it holds NUL bytes: binary data?)"),
        ("empty.md", ": the file is empty"),
        ("latin1.md", ":4: not a text file in UTF-8 (invalid byte)"),
        (
            "no-title.md",
            ": no title: add 'title:' to the front matter or start the body with a '# Title' line",
        ),
    ],
)
def test_broken_posts(name: str, message: str) -> None:
    path = POSTS / "broken" / name
    assert load_error(path) == f"{path}{message}"


def test_missing_file_and_plain_directory(tmp_path: Path) -> None:
    assert load_error(tmp_path / "nope.md") == f"{tmp_path / 'nope.md'}: no such file"
    assert load_error(tmp_path) == f"{tmp_path}: is a directory, not a post (no index.md in it)"


@pytest.mark.parametrize(
    ("xpost_yaml", "message"),
    [
        ("xpost: [twitter]", "xpost: expected a table, got a list"),
        ("xpost: {targets: 3}", "xpost.targets: expected a list of platform names, got a number"),
        ("xpost: {exclude: [1]}", "xpost.exclude: expected a list of platform names, got a list"),
        ("xpost: {id: [1]}", "xpost.id: expected a string, got a list"),
        ("draft: 'yes'", "draft: expected true or false, got 'yes'"),
        ("tags: {a: 1}", "tags: expected a list, got a table"),
    ],
)
def test_wrong_types_name_the_key(tmp_path: Path, xpost_yaml: str, message: str) -> None:
    path = write(tmp_path / "p.md", f"---\ntitle: T\n{xpost_yaml}\n---\nBody\n")
    assert load_error(path) == f"{path}: {message}"


def test_overrides_accept_comma_strings_and_an_explicit_id(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.md",
        "---\ntitle: T\nid: ignored\nxpost:\n  id: my-id\n  exclude: zenn, connpass\n"
        "  twitter: {thread: true}\n---\nBody\n",
    )
    post = load_post(path, SITE)
    assert post.id == "my-id"
    assert post.overrides == Overrides(
        exclude=("zenn", "connpass"), platforms={"twitter": {"thread": True}}
    )


def test_a_date_permalink_for_a_post_without_a_date(tmp_path: Path) -> None:
    path = write(tmp_path / "p.md", "---\ntitle: T\n---\nBody\n")
    config = Config(site=SiteConfig(base_url="https://x.example/", permalink="/:year/:slug/"))
    assert load_error(path, config) == (
        f"{path}: permalink '/:year/:slug/' needs a date and the post has none"
    )


def test_a_date_permalink_uses_the_post_date(tmp_path: Path) -> None:
    path = write(
        tmp_path / "content" / "blog" / "p.md", "---\ntitle: T\ndate: 2024-02-03\n---\nB\n"
    )
    config = Config(
        site=SiteConfig(base_url="https://x.example/", permalink="/:section/:year/:month/:slug/")
    )
    assert load_post(path, config).canonical_url == "https://x.example/blog/2024/02/p/"


# --- summary and cover ------------------------------------------------------------------


def test_summary_skips_what_is_not_prose(tmp_path: Path) -> None:
    body = (
        "## Heading\n\n```python\nprint('x')\n\nmore code\n```\n\n"
        "<div>html</div>\n\n{{< youtube abc >}}\n\nhttps://example.com/card\n\n"
        "![img](a.png)\n\nThe *real* first paragraph.\n\nSecond.\n"
    )
    assert first_paragraph(body) == "The *real* first paragraph."
    post = load_post(write(tmp_path / "p.md", f"---\ntitle: T\n---\n{body}"), SITE)
    assert post.summary == "The real first paragraph."


def test_long_summaries_are_shortened(tmp_path: Path) -> None:
    words = " ".join(f"word{i:02d}" for i in range(40))  # 279 characters
    post = load_post(write(tmp_path / "en.md", f"---\ntitle: T\n---\n{words}\n"), SITE)
    assert post.summary == " ".join(f"word{i:02d}" for i in range(28)) + "…"
    japanese = "あ" * 250
    post = load_post(write(tmp_path / "ja.md", f"---\ntitle: T\n---\n{japanese}\n"), SITE)
    assert post.summary == "あ" * 199 + "…"


def test_plain_text_strips_markdown() -> None:
    markdown = (
        "> **Bold**, __strong__, _em_, ~~gone~~ and `code`: [link](https://x) [ref][r] "
        '<https://auto.example> ![alt](i.png) note[^1] <b>tag</b> {{< ref "x" >}}'
    )
    assert plain_text(markdown) == (
        "Bold, strong, em, gone and code: link ref https://auto.example note tag"
    )


def cover_post(tmp_path: Path, front_matter: str, relative: str = "p.md") -> Post:
    path = write(tmp_path / relative, f"---\ntitle: T\n{front_matter}\n---\nBody\n")
    return load_post(path, SITE)


def test_wowchemy_image_filename_in_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "shot.jpg").write_bytes(b"jpg")
    post = cover_post(tmp_path, "image: {filename: shot.jpg, caption: x}", "b/index.md")
    assert post.cover_image == "https://blog.example.com/post/b/shot.jpg"
    assert post.cover_image_local == tmp_path / "b" / "shot.jpg"


def test_images_list_and_cover_table(tmp_path: Path) -> None:
    post = cover_post(tmp_path, "images: [https://cdn.example/a.png, b.png]")
    assert (post.cover_image, post.cover_image_local) == ("https://cdn.example/a.png", None)
    post = cover_post(tmp_path, "cover: {image: //cdn.example/c.png, alt: C}")
    assert post.cover_image == "https://cdn.example/c.png"


def test_root_relative_image_in_the_sites_static_folder(tmp_path: Path) -> None:
    write(tmp_path / "hugo.toml", "")
    (tmp_path / "static" / "img").mkdir(parents=True)
    (tmp_path / "static" / "img" / "c.png").write_bytes(b"png")
    post = cover_post(tmp_path, "image: /img/c.png", "content/post/p.md")
    assert post.cover_image == "https://blog.example.com/img/c.png"
    assert post.cover_image_local == tmp_path / "static" / "img" / "c.png"


@pytest.mark.shared
def test_seed_post_loads_with_the_real_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real parse_body
    post = load_post(SEED, Config(site=SiteConfig(base_url="https://chezo.uno/")))
    assert post.document.blocks
