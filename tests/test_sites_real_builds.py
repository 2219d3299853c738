"""Canonical URLs against real builds: Debian's ``hugo`` (``hugo list all``) and
``jekyll`` (``jekyll build``, then the files it wrote).

Each site below is a realistic configuration (permalink styles, a base path,
multilingual layouts, page bundles, dates in other zones); xpost reads the site's
own config (no ``[site]`` table) and must give every post exactly the URL the
generator gave it. Without the binaries these tests are skipped, unless
``XPOST_REQUIRE_HUGO``/``XPOST_REQUIRE_JEKYLL`` is set (CI sets both).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from xpost.config import load_config
from xpost.platforms.qiita.markdown import QiitaMarkdown
from xpost.post import load_post
from xpost.sites import find_site

PLATFORMS = ("twitter", "qiita", "zenn", "connpass")


def binary(name: str, require: str) -> str:
    found = shutil.which(name)
    if found is None:
        fail_or_skip = pytest.fail if os.environ.get(require) else pytest.skip
        fail_or_skip(f"{name} is not installed (Debian: apt-get install {name}); {require}=1 fails")
    assert found is not None
    return found


def write_site(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    find_site.cache_clear()
    return root


def post(title: str, **fields: str) -> str:
    lines = [f'title: "{title}"', *(f"{key}: {value}" for key, value in fields.items())]
    return "---\n" + "\n".join(lines) + "\n---\n\nSome text.\n"


def xpost_urls(site: Path, sources: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What xpost says each post's URL is, run from the site's folder with no xpost.toml."""
    monkeypatch.chdir(site)
    config = load_config(None, PLATFORMS)
    urls: dict[str, str] = {}
    for source in sources:
        url = load_post(site / source, config).canonical_url
        assert url is not None, source
        urls[source] = url
    return urls


# --- Hugo ----------------------------------------------------------------------------

HUGO_SITES: dict[str, dict[str, str]] = {
    "permalinks, base path, time zone, bundles": {
        "hugo.toml": """
baseURL = "https://example.org/blog/"
timeZone = "Asia/Tokyo"
title = "A blog"
[permalinks]
posts = "/:year/:month/:slug/"
notes = "/n/:filename/"
""",
        "content/posts/hello.md": post(
            "Hello World: Ünïcode 日本語", date="2022-07-15T23:30:00-07:00"
        ),
        "content/posts/bundle/index.md": post("Bundle Title", date="2022-07-31T23:30:00"),
        "content/posts/bundle/photo.md": post("A resource, not a page"),
        "content/posts/sub/deep.md": post("Deep", slug="My-Slug", date="2022-01-02"),
        "content/notes/First Note.md": post("Note", date="2023-02-03"),
        "content/notes/bundled/index.md": post("Bundled note", date="2023-02-04"),
        "content/about.md": post("About Me"),
        "content/projects/x/y/z.md": post("Deep default", slug="custom-z"),
    },
    "multilingual by folder, default language in a subfolder": {
        "hugo.yaml": """
baseURL: https://example.org/
defaultContentLanguage: ja
defaultContentLanguageInSubdir: true
permalinks:
  posts: /p/:year/:slug/
languages:
  en:
    contentDir: content/en
    weight: 2
    permalinks:
      posts: /:year/:filename/
  ja:
    contentDir: content/ja
    weight: 1
""",
        "content/en/posts/bund/index.md": post("Bund", date="2021-03-04"),
        "content/en/posts/p1.md": post("P1", slug="custom", date="2021-03-04"),
        "content/ja/posts/nihongo.md": post("日本語の記事", date="2021-03-04"),
        "content/ja/posts/bundle/index.md": post("束", date="2021-12-31T23:00:00-05:00"),
        "content/en/docs/guide/g.md": post("G"),
        "content/ja/posts/g2.md": post("G2", url="/custom/path/"),
    },
    "multilingual by file name, config/_default and config/production": {
        "config/_default/hugo.toml": """
baseURL = "http://localhost:1313/"
defaultContentLanguage = "en"
[permalinks]
blog = "/:section/:year/:month/:day/:slug/"
""",
        "config/_default/languages.toml": """
[en]
weight = 1
languageName = "English"
[ja]
weight = 2
languageName = "日本語"
""",
        "config/production/hugo.toml": 'baseURL = "https://www.example.com/"\n',
        "content/blog/hello.md": post("Hello", date="2020-05-06T07:08:09Z"),
        "content/blog/hello.ja.md": post("こんにちは", date="2020-05-06T07:08:09Z"),
        "content/blog/trip/index.md": post("Trip", date="2020-06-01"),
        "content/blog/trip/index.ja.md": post("旅行", date="2020-06-01"),
        "content/blog/only-ja.ja.md": post("日本語だけ", slug="nihongo-dake", date="2020-07-01"),
        "content/pages/contact.ja.md": post("連絡先"),
    },
    "one host per language": {
        "hugo.toml": """
baseURL = "https://a.example/"
[languages.en]
baseURL = "https://en.example/"
weight = 1
[languages.fr]
baseURL = "https://fr.example/"
weight = 2
""",
        "content/posts/a.md": post("A"),
        "content/posts/a.fr.md": post("A fr"),
        "content/posts/b.fr.md": post("B", url="/b-custom/"),
    },
    "no languages table: no language folders, a .ja suffix is part of the name": {
        "hugo.toml": 'baseURL = "https://x.example/"\ndefaultContentLanguageInSubdir = true\n',
        "content/posts/a.md": post("A"),
        "content/posts/a.ja.md": post("A ja"),
    },
    "ugly URLs, kept case, sections by _index, own content folder": {
        "hugo.json": """{
  "baseURL": "https://ex.example/site/",
  "contentDir": "pages",
  "uglyURLs": true,
  "disablePathToLower": true,
  "permalinks": {"Docs": "/d/:sections/:title/"}
}""",
        "pages/Docs/_index.md": post("Docs"),
        "pages/Docs/Guide/_index.md": post("Guide"),
        "pages/Docs/Guide/Install.md": post("Install It"),
        "pages/Docs/Loose/Page.md": post("Loose Page"),
        "pages/Posts/MyPost.md": post("My Post"),
    },
}


def hugo_list_all(hugo: str, site: Path) -> dict[str, str]:
    result = subprocess.run(
        [hugo, "list", "all", "--source", str(site)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = csv.DictReader(io.StringIO(result.stdout))
    return {row["path"]: row["permalink"] for row in rows}


@pytest.mark.parametrize("name", list(HUGO_SITES))
def test_hugo_urls_are_the_ones_hugo_builds(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hugo = binary("hugo", "XPOST_REQUIRE_HUGO")
    site = write_site(tmp_path / "site", HUGO_SITES[name])
    built = hugo_list_all(hugo, site)
    posts = sorted(path for path in HUGO_SITES[name] if path.endswith(".md"))
    pages = [path for path in posts if not Path(path).name.startswith("_index")]
    assert set(built) == set(pages) - {"content/posts/bundle/photo.md"}
    assert xpost_urls(site, list(built), monkeypatch) == built


# --- Jekyll --------------------------------------------------------------------------

POST_URL_NAMES = (
    "2022-07-15-cats",
    "2022-07-15-Hello-World",
    "blog/2022-01-05-日本語",
    "/blog/2021-12-31-new-year",
    "2022-02-05-fixed",
    "2023-05-01-own",
    "2024-01-02-party-🎉",
    "sub/2024-01-04-deep",
)

JEKYLL_POSTS = {
    "_posts/2022-07-15-Hello-World.md": post("日本語のタイトル"),
    "_posts/2022-07-15-cats.md": post(
        "Cats", categories="[Machine Learning, ops]", date="2022-07-15 23:30:00 -0700"
    ),
    "blog/_posts/2022-01-05-日本語.md": post("T", category="tips", slug="Custom Slug"),
    "blog/_posts/2021-12-31-new-year.markdown": post("New year", categories="a b"),
    "_posts/2022-02-05-fixed.md": post("Fixed", permalink="/fixed/:title/"),
    "_posts/2020-01-01-week-one.md": post("ISO week 1 of 2020", date="2020-01-01 10:00:00"),
    "_posts/2024-12-30-late.md": post("Late", date="2024-12-30 20:00:00 +0000"),
    "_posts/2023-03-31-quoted.md": post("Quoted", date='"2023-03-31 22:00:00"'),
    "_posts/2023-04-01-date-only.md": post("Date only", date="2023-04-02"),
    "_posts/2023-05-01-own.md": post("Own pattern", permalink="/own/:year/:title"),
    # An emoji is no letter: Jekyll's slugify leaves it out of :title and :slug.
    "_posts/2024-01-02-party-🎉.md": post("Party"),
    "_posts/sub/2024-01-04-deep.md": post("Deep in _posts", categories="[Ops]"),
    # Every way of naming another post (PostComparer: [path/]date-slug); Jekyll fails
    # the build on a name it cannot find, so each of these exists in every site.
    "_posts/2024-06-01-links.md": "---\ntitle: Links\n---\n\n"
    + " ".join(f"[{n}]({{% post_url {n} %}})" for n in POST_URL_NAMES)
    + "\n",
    "about.md": post("About"),
    "docs/index.md": post("Docs"),
    "docs/guide.markdown": post("Guide"),
    "docs/moved.md": post("Moved", permalink="/elsewhere/:basename/"),
}


def jekyll_config(permalink: str | None, extra: str = "") -> str:
    lines = ["url: https://example.com", "baseurl: /blog", "timezone: Asia/Tokyo", extra]
    if permalink is not None:
        lines.append(f"permalink: {permalink}")
    return "\n".join(lines) + "\n"


JEKYLL_SITES: dict[str, dict[str, str]] = {
    **{
        f"permalink: {style}": {"_config.yml": jekyll_config(style), **JEKYLL_POSTS}
        for style in ("pretty", "date", "ordinal", "weekdate", "none")
    },
    "no permalink, no baseurl, UTC": {
        "_config.yml": "url: https://user.github.io\ntimezone: UTC\n",
        **JEKYLL_POSTS,
    },
    "a pattern with every kind of placeholder": {
        "_config.yml": jekyll_config(
            '"/:slugified_categories/:short_year/:i_month/:i_day/:hour:minute/:slug-:name:output_ext"'
        ),
        **JEKYLL_POSTS,
    },
    "collections_dir": {
        "_config.yml": "url: https://e.example\ncollections_dir: my_collections\n",
        **{
            f"my_collections/{name}": text
            for name, text in JEKYLL_POSTS.items()
            if "_posts/" in name
        },
    },
    "defaults and the posts collection's permalink": {
        "_config.yml": jekyll_config(
            "pretty",
            """
collections:
  posts:
    permalink: /articles/:year/:title/
defaults:
  - scope: {path: "blog", type: posts}
    values: {permalink: "/b/:categories/:title/"}
""",
        ),
        **JEKYLL_POSTS,
    },
}


def jekyll_written(jekyll: str, site: Path, destination: Path) -> set[str]:
    result = subprocess.run(
        [jekyll, "build", "--quiet", "--source", str(site), "--destination", str(destination)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "JEKYLL_ENV": "production"},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return {path.relative_to(destination).as_posix() for path in destination.rglob("*.html")}


def written_file(url: str, prefix: str) -> str:
    """The file Jekyll writes for ``url`` (under ``prefix``, the site's url + baseurl)."""
    assert url.startswith(prefix), url
    path = unquote(urlsplit(url).path)[len(urlsplit(prefix).path) :].lstrip("/")
    if path.endswith("/") or not path:
        return path + "index.html"
    return path if path.endswith(".html") else path + ".html"  # Jekyll adds the extension


@pytest.mark.parametrize("name", list(JEKYLL_SITES))
def test_jekyll_urls_are_the_files_jekyll_writes(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jekyll = binary("jekyll", "XPOST_REQUIRE_JEKYLL")
    files = JEKYLL_SITES[name]
    site = write_site(tmp_path / "site", files)
    written = jekyll_written(jekyll, site, tmp_path / "public")
    sources = [path for path in files if path.endswith((".md", ".markdown"))]
    urls = xpost_urls(site, sources, monkeypatch)
    url = next(line for line in files["_config.yml"].splitlines() if line.startswith("url:"))
    prefix = url.split(": ", 1)[1] + ("/blog" if "baseurl: /blog" in files["_config.yml"] else "")
    assert sorted(written_file(url, prefix) for url in urls.values()) == sorted(written)


_HREF = re.compile(r'<a href="([^"]+)">([^<]+)</a>')
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


@pytest.mark.parametrize("name", list(JEKYLL_SITES))
def test_jekyll_post_url_tags_are_the_links_jekyll_writes(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``{% post_url %}`` is the URL Jekyll gives the post it names (its permalink
    style, categories, own permalink, defaults, collections_dir), not a guess."""
    jekyll = binary("jekyll", "XPOST_REQUIRE_JEKYLL")
    files = JEKYLL_SITES[name]
    site = write_site(tmp_path / "site", files)
    jekyll_written(jekyll, site, tmp_path / "public")
    source = next(path for path in files if path.endswith("2024-06-01-links.md"))
    (html,) = (
        text
        for text in (page.read_text("utf-8") for page in (tmp_path / "public").rglob("*.html"))
        if f">{POST_URL_NAMES[0]}</a>" in text
    )
    built = {label: unquote(href) for href, label in _HREF.findall(html)}
    monkeypatch.chdir(site)
    loaded = load_post(site / source, load_config(None, PLATFORMS))
    body = QiitaMarkdown().emit(loaded.document)
    ours = {label: unquote(urlsplit(url).path) for label, url in _MARKDOWN_LINK.findall(body)}
    assert len(built) == len(POST_URL_NAMES)
    assert ours == built
    assert loaded.document.notes == ()  # every post named was found
