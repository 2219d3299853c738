"""Links to other posts of the site: Jekyll's ``post_url`` and Hugo's ``ref`` resolved with
the site's permalink rules (regressions found using ``xpost publish --dry-run``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xpost.config import Config, SiteConfig
from xpost.content.model import LinkContext
from xpost.content.parse import parse_body
from xpost.platforms.qiita.markdown import QiitaMarkdown
from xpost.post import load_post


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


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
    ("user_base", "expected"),
    [
        (None, "[s](https://me.example/b/about/) ![i](https://me.example/b/assets/i.png)"),
        # The user's base_url is the site's whole base, as for the post's own URL: the
        # site's baseurl is not added.
        (
            "https://other.example",
            "[s](https://other.example/about/) ![i](https://other.example/assets/i.png)",
        ),
    ],
)
def test_a_jekyll_posts_baseurl_links_are_the_built_pages(
    tmp_path: Path, user_base: str | None, expected: str
) -> None:
    """``{{ site.baseurl }}`` and ``relative_url`` are the site's ``baseurl`` from its
    ``_config.yml`` (as ``jekyll build`` writes them), and the image they name is the
    site's own file."""
    from xpost.sites import find_site

    write(tmp_path / "_config.yml", "url: https://me.example\nbaseurl: /b\n")
    write(tmp_path / "assets" / "i.png", "png")
    post = write(
        tmp_path / "_posts" / "2024-05-01-a.md",
        "---\ntitle: A\n---\n[s]({{ '/about/' | relative_url }}) "
        "![i]({{ site.baseurl }}/assets/i.png)\n",
    )
    find_site.cache_clear()
    if user_base is None:
        config = Config(site_explicit=frozenset())
    else:
        config = Config(site=SiteConfig(base_url=user_base))
    loaded = load_post(post, config)
    assert QiitaMarkdown().emit(loaded.document) == expected + "\n"
    assert loaded.document.notes == ()


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
