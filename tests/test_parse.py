"""parse_body: one parse of a body into typed blocks, Markdown kept byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED
from xpost.content.model import (
    Callout,
    Code,
    Details,
    Document,
    Embed,
    Html,
    Image,
    LinkContext,
    Markdown,
    Math,
)
from xpost.content.parse import parse_body

SITE = "https://chezo.uno/"
PAGE = "https://chezo.uno/post/2022-07-15-mlse/"


def context(tmp: Path = Path("/nonexistent"), **kwargs: object) -> LinkContext:
    values: dict[str, object] = {"page_url": PAGE, "site_url": SITE} | kwargs
    return LinkContext(tmp, **values)  # type: ignore[arg-type]


def parse(body: str, **kwargs: object) -> Document:
    return parse_body(body, context(Path("/nonexistent"), **kwargs))


def seed_body() -> str:
    return SEED.read_text(encoding="utf-8").split("---\n", 2)[2]


# -- the seed post ----------------------------------------------------------------------


@pytest.mark.shared
def test_seed_post_block_list() -> None:
    body = seed_body()
    document = parse_body(body, context())

    summary = [
        (type(b).__name__, getattr(b, "kind", "") or getattr(b, "provider", ""))
        for b in document.blocks
    ]
    assert summary == [
        ("Markdown", "paragraph"),
        ("Markdown", "heading"),
        ("Markdown", "paragraph"),
        ("Markdown", "paragraph"),
        ("Embed", "card"),
        ("Markdown", "paragraph"),
        ("Markdown", "paragraph"),
        ("Markdown", "paragraph"),
        ("Embed", "speakerdeck"),
        ("Markdown", "paragraph"),
        ("Embed", "speakerdeck"),
        ("Markdown", "paragraph"),
        ("Markdown", "paragraph"),
        ("Markdown", "heading"),
        ("Markdown", "paragraph"),
        ("Markdown", "paragraph"),
        ("Markdown", "heading"),
        ("Markdown", "paragraph"),
        ("Markdown", "heading"),
        ("Embed", "card"),
        ("Embed", "card"),
        ("Embed", "card"),
    ]
    embeds = [b for b in document.blocks if isinstance(b, Embed)]
    assert embeds == [
        Embed(
            "card",
            "https://github.com/mlse-jssst/InfraOpWGProceedings/blob/master/"
            "20220702_SummerCamp/MLSE_InfraOPWG_SummerCamp_Output.pdf",
            origin="url",
        ),
        Embed(
            "speakerdeck",
            "https://speakerdeck.com/player/d2b7118ec5eb461fbe8c79bb6343f6b8",
            id="d2b7118ec5eb461fbe8c79bb6343f6b8",
            title="History of the ML system in KARTE",
            origin="iframe",
        ),
        Embed(
            "speakerdeck",
            "https://speakerdeck.com/player/c572de6c163a4b6fb9b268d2a9c1417a",
            id="c572de6c163a4b6fb9b268d2a9c1417a",
            title="CADDi AI LabにおけるマネージドなMLOps",
            origin="iframe",
        ),
        Embed("card", "https://chezo.uno/post/2018-05-17_mlse-kickoff/", origin="iframely"),
        Embed("card", "https://chezo.uno/post/2020-07-11-mlse-summer-workshop/", origin="iframely"),
        Embed("card", "https://chezo.uno/post/2020-11-10-mlse-conference/", origin="iframely"),
    ]
    assert document.notes == ()


@pytest.mark.shared
def test_seed_post_markdown_blocks_are_the_source_paragraphs_byte_for_byte() -> None:
    body = seed_body()
    document = parse_body(body, context())
    paragraphs = [p for p in body.strip("\n").split("\n\n")]
    markdown = [b.text for b in document.blocks if isinstance(b, Markdown)]
    assert markdown == [p for p in paragraphs if not p.startswith(("<", "https://github.com/mlse"))]
    assert markdown[1] == "## 2022年MLSE夏合宿での議論"
    assert not any("iframely" in text or "<script" in text for text in markdown)


# -- Markdown blocks and their kinds ------------------------------------------------------


def test_markdown_kinds_and_source_kept() -> None:
    body = (
        "# Title\n\n"
        "Some *text*  \nwrapped\nhere.\n\n"
        "- one\n- two\n\n  continued\n\n\n"
        "> quoted\nlazy\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "---\n\n"
        "1. first\n2. second\n"
    )
    document = parse(body)
    assert document.blocks == (
        Markdown("# Title", "heading"),
        Markdown("Some *text*  \nwrapped\nhere.", "paragraph"),
        Markdown("- one\n- two\n\n  continued", "list"),
        Markdown("> quoted\nlazy", "blockquote"),
        Markdown("| a | b |\n|---|---|\n| 1 | 2 |", "table"),
        Markdown("---", "hr"),
        Markdown("1. first\n2. second", "list"),
    )


def test_reference_and_footnote_definitions_are_kept_in_place() -> None:
    body = (
        "See [the docs][docs] and a note.[^1]\n\n"
        '[docs]: /docs/ "Docs"\n\n'
        "[^1]: The note, with [a link](rel.html).\n\n"
        "End."
    )
    document = parse(body, is_bundle=True)
    assert document.blocks == (
        Markdown("See [the docs][docs] and a note.[^1]", "paragraph"),
        Markdown('[docs]: https://chezo.uno/docs/ "Docs"', "references"),
        Markdown(
            "[^1]: The note, with [a link](https://chezo.uno/post/2022-07-15-mlse/rel.html).",
            "footnotes",
        ),
        Markdown("End.", "paragraph"),
    )


# -- links ----------------------------------------------------------------------------------


def test_relative_links_resolve_against_page_in_bundle_and_site_for_root() -> None:
    body = (
        "A [local](./file.pdf), [root](/about/), [anchor](#top), [mail](mailto:a@b.c), "
        '[abs](https://x.org/y), `[code](kept.md)` and <img src="pic.png">.'
    )
    document = parse(body, is_bundle=True)
    assert document.blocks == (
        Markdown(
            "A [local](https://chezo.uno/post/2022-07-15-mlse/file.pdf), "
            "[root](https://chezo.uno/about/), [anchor](#top), [mail](mailto:a@b.c), "
            "[abs](https://x.org/y), `[code](kept.md)` and "
            '<img src="https://chezo.uno/post/2022-07-15-mlse/pic.png">.'
        ),
    )
    assert document.notes == ()


def test_relative_links_in_a_single_file_resolve_as_the_browser_does() -> None:
    page = "https://chezo.uno/post/a/"
    document = parse("[x](images/a.png) [o](../other-post/) [r](/about/)", page_url=page)
    assert document.blocks == (
        Markdown(
            "[x](https://chezo.uno/post/a/images/a.png) "
            "[o](https://chezo.uno/post/other-post/) [r](https://chezo.uno/about/)"
        ),
    )
    jekyll = parse("![d](diagram.png)", page_url="https://chezo.uno/2024/01/02/a.html")
    assert jekyll.blocks == (Image(src="https://chezo.uno/2024/01/02/diagram.png", alt="d"),)


def test_relative_link_without_a_page_url_resolves_against_site() -> None:
    document = parse("[x](images/a.png)", page_url=None)
    assert document.blocks == (Markdown("[x](https://chezo.uno/images/a.png)"),)


def test_relative_links_without_base_are_kept_with_one_note() -> None:
    document = parse("[a](one.md) and [b](/two/)\n\n[c](three.md)", page_url=None, site_url=None)
    assert document.blocks == (
        Markdown("[a](one.md) and [b](/two/)"),
        Markdown("[c](three.md)"),
    )
    assert document.notes == (
        "3 relative links kept as written (no site base_url to resolve against): "
        "one.md, /two/, three.md",
    )


# -- lone URL and image paragraphs --------------------------------------------------------


def test_lone_urls_become_cards_or_provider_embeds() -> None:
    body = (
        "https://example.com/page\n\n"
        "<https://www.youtube.com/watch?v=dQw4w9WgXcQ>\n\n"
        "https://speakerdeck.com/chezou/some-deck\n\n"
        "text https://example.com/inline"
    )
    assert parse(body).blocks == (
        Embed("card", "https://example.com/page", origin="url"),
        Embed(
            "youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", id="dQw4w9WgXcQ", origin="url"
        ),
        Embed("speakerdeck", "https://speakerdeck.com/chezou/some-deck", origin="url"),
        Markdown("text https://example.com/inline"),
    )


def test_lone_image_with_bundle_file(tmp_path: Path) -> None:
    (tmp_path / "diagram.png").write_bytes(b"png")
    body = '![A diagram](diagram.png "The title")\n\n[![logo](/img/logo.png)](https://x.org)'
    site = tmp_path / "site"
    (site / "static" / "img").mkdir(parents=True)
    (site / "static" / "img" / "logo.png").write_bytes(b"png")
    document = parse_body(body, context(tmp_path, is_bundle=True, site_root=site))
    assert document.blocks == (
        Image(
            "https://chezo.uno/post/2022-07-15-mlse/diagram.png",
            alt="A diagram",
            title="The title",
            local=tmp_path / "diagram.png",
        ),
        Image(
            "https://chezo.uno/img/logo.png",
            alt="logo",
            link="https://x.org",
            local=site / "static" / "img" / "logo.png",
        ),
    )


def test_image_with_text_stays_markdown() -> None:
    assert parse("![a](https://x.org/a.png) caption").blocks == (
        Markdown("![a](https://x.org/a.png) caption"),
    )


# -- code and math ----------------------------------------------------------------------------


def test_code_fences_with_file_names() -> None:
    body = (
        "```python:src/app.py\nprint(1)\n```\n\n"
        '```go title="main.go"\npackage main\n```\n\n'
        '~~~js {filename="a.js"}\nx()\n~~~\n\n'
        "```\nplain\n\n```\n\n"
        "    indented\n"
    )
    assert parse(body).blocks == (
        Code("print(1)", "python", "src/app.py"),
        Code("package main", "go", "main.go"),
        Code("x()", "js", "a.js"),
        Code("plain\n", ""),
        Code("indented"),
    )


def test_math_blocks() -> None:
    body = "$$\nE = mc^2\n$$\n\n```math\na^2\n```\n\ninline $x$ stays"
    assert parse(body).blocks == (
        Math("E = mc^2"),
        Math("a^2"),
        Markdown("inline $x$ stays"),
    )


# -- call-outs and details -------------------------------------------------------------------


def test_github_alert_becomes_callout() -> None:
    body = "> [!WARNING]\n> Be careful\n> with **this**.\n>\n> - a list\n\n> plain quote"
    assert parse(body).blocks == (
        Callout(
            "warning",
            (Markdown("Be careful\nwith **this**."), Markdown("- a list", "list")),
        ),
        Markdown("> plain quote", "blockquote"),
    )


def test_details_spanning_several_blocks() -> None:
    body = (
        "<details>\n<summary>Show <b>more</b></summary>\n\n"
        "Hidden *text*.\n\n```sh\nls\n```\n\n</details>\n\nAfter."
    )
    assert parse(body).blocks == (
        Details("Show more", (Markdown("Hidden *text*."), Code("ls", "sh"))),
        Markdown("After."),
    )


def test_details_on_one_line() -> None:
    assert parse("<details><summary>S</summary>body</details>").blocks == (
        Details("S", (Markdown("body"),)),
    )


# -- raw HTML ------------------------------------------------------------------------------------


def test_tweet_blockquote_and_widgets_script() -> None:
    body = (
        '<blockquote class="twitter-tweet"><p lang="ja">hi</p>&mdash; A (@a) '
        '<a href="https://twitter.com/a/status/1234567890?ref_src=twsrc">July 1</a></blockquote>\n'
        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
    )
    document = parse(body)
    assert document.blocks == (
        Embed(
            "tweet",
            "https://twitter.com/a/status/1234567890",
            id="1234567890",
            origin="blockquote",
            quote="hi",
            byline="A (@a) July 1",
        ),
    )
    assert document.notes == ()


def test_unknown_html_falls_back_to_markdownify_and_drops_scripts_with_note() -> None:
    body = '<div class="box">Hello <strong>world</strong></div>\n\n<script>track()</script>'
    document = parse(body)
    assert document.blocks == (
        Html('<div class="box">Hello <strong>world</strong></div>', "Hello **world**"),
    )
    assert document.notes == ("dropped an inline <script>: scripts cannot be syndicated",)


def test_html_image_and_wrappers() -> None:
    body = (
        '<p align="center">\n<img src="/img/a.png" alt="A" width="300">\n</p>\n\n<!-- a comment -->'
    )
    assert parse(body).blocks == (Image("https://chezo.uno/img/a.png", alt="A", width="300"),)


def test_speakerdeck_script_embed() -> None:
    body = (
        '<script async class="speakerdeck-embed" data-id="abc123" data-ratio="1.77" '
        'src="//speakerdeck.com/assets/embed.js"></script>'
    )
    assert parse(body).blocks == (
        Embed("speakerdeck", "https://speakerdeck.com/player/abc123", id="abc123", origin="script"),
    )


def test_iframes_of_other_providers() -> None:
    body = (
        '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=3" '
        'title="Video"></iframe>\n\n'
        '<iframe src="https://docs.google.com/presentation/d/e/X/embed"></iframe>'
    )
    assert parse(body).blocks == (
        Embed(
            "youtube",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3s",
            id="dQw4w9WgXcQ",
            title="Video",
            origin="iframe",
            start=3,
        ),
        Embed("iframe", "https://docs.google.com/presentation/d/e/X/embed", origin="iframe"),
    )


# -- robustness ----------------------------------------------------------------------------------


_PIECES = [*"ab \n\t`~#>*-_[]()!<>/{}%@:$|\"'=^.1", "{{<", ">}}", "{%", "%}", ":::", "<details>"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.characters(), max_size=120).map("".join))
def test_any_text_parses(body: str) -> None:
    document = parse_body(body, context(page_url=None, site_url=None))
    assert isinstance(document, Document)
