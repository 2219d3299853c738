"""Embed recognition from URLs, iframes and HTML snippets."""

from __future__ import annotations

from pathlib import Path

import pytest

from xpost.content.embeds import card_or_provider, embed_from_iframe, embed_from_url
from xpost.content.html import recognise_html
from xpost.content.links import LinkResolver
from xpost.content.model import Embed, Html, Image, LinkContext


@pytest.mark.parametrize(
    ("url", "provider", "embed_id", "public_url"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1",
            "youtube",
            "dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1s",  # the start time survives
        ),
        (
            "https://youtu.be/dQw4w9WgXcQ",
            "youtube",
            "dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        (
            "https://www.youtube.com/embed/dQw4w9WgXcQ",
            "youtube",
            "dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        (
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            "youtube",
            "dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        (
            "https://youtube.com/shorts/dQw4w9WgXcQ",
            "youtube",
            "dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        (
            "https://speakerdeck.com/player/d2b7118e",
            "speakerdeck",
            "d2b7118e",
            "https://speakerdeck.com/player/d2b7118e",
        ),
        (
            "https://speakerdeck.com/chezou/a-deck",
            "speakerdeck",
            "",
            "https://speakerdeck.com/chezou/a-deck",
        ),
        (
            "//www.slideshare.net/slideshow/embed_code/key/AbC12",
            "slideshare",
            "AbC12",
            "https://www.slideshare.net/slideshow/embed_code/key/AbC12",
        ),
        (
            "https://www.slideshare.net/user/some-talk",
            "slideshare",
            "",
            "https://www.slideshare.net/user/some-talk",
        ),
        (
            "https://www.docswell.com/slide/LK7J5V/embed",
            "docswell",
            "LK7J5V",
            "https://www.docswell.com/slide/LK7J5V/embed",
        ),
        (
            "https://twitter.com/jack/status/20?s=20",
            "tweet",
            "20",
            "https://twitter.com/jack/status/20",
        ),
        ("https://x.com/i/status/20", "tweet", "20", "https://twitter.com/i/web/status/20"),
        (
            "https://gist.github.com/spf13/7896402",
            "gist",
            "7896402",
            "https://gist.github.com/spf13/7896402",
        ),
        (
            "https://codepen.io/team/embed/abcXYZ",
            "codepen",
            "abcXYZ",
            "https://codepen.io/team/pen/abcXYZ",
        ),
        (
            "https://www.figma.com/embed?embed_host=share&url=https%3A%2F%2Fwww.figma.com%2Ffile%2FAbC%2FX",
            "figma",
            "",
            "https://www.figma.com/file/AbC/X",
        ),
        (
            "https://player.vimeo.com/video/146022717",
            "iframe",
            "146022717",
            "https://vimeo.com/146022717",
        ),
    ],
)
def test_embed_from_url(url: str, provider: str, embed_id: str, public_url: str) -> None:
    embed = embed_from_url(url, "url")
    assert embed is not None
    assert (embed.provider, embed.id, embed.url, embed.origin) == (
        provider,
        embed_id,
        public_url,
        "url",
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "https://github.com/a/b",
        "ftp://youtube.com/watch?v=x",
        "not a url",
        "https://speakerdeck.com/user",
    ],
)
def test_unknown_urls_are_not_provider_embeds(url: str) -> None:
    assert embed_from_url(url, "url") is None


def test_card_or_provider() -> None:
    assert card_or_provider("https://example.com/a", "url") == Embed(
        "card", "https://example.com/a", origin="url"
    )


def test_embed_from_iframe_keeps_unknown_frames_as_iframe() -> None:
    assert embed_from_iframe("//stackblitz.com/edit/x?embed=1", "Demo") == Embed(
        "iframe", "https://stackblitz.com/edit/x?embed=1", title="Demo", origin="iframe"
    )


def resolver() -> LinkResolver:
    return LinkResolver(LinkContext(Path("/nonexistent"), site_url="https://ex.com/"))


def test_recognise_iframely_card_drops_its_script() -> None:
    html = (
        '<div class="iframely-embed"><div class="iframely-responsive" style="height: 140px;">'
        '<a href="https://chezo.uno/post/x/" data-iframely-url="//iframely.net/eSK"></a>'
        "</div></div>"
        '<script async src="//iframely.net/embed.js" charset="utf-8"></script>'
    )
    assert recognise_html(html, resolver()) == (
        [Embed("card", "https://chezo.uno/post/x/", origin="iframely")],
        [],
    )


def test_recognise_keeps_order_of_embeds_and_leftover_html() -> None:
    html = (
        "<div><p>Intro <em>text</em></p>\n"
        '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>\n'
        "<style>.x{}</style></div>"
    )
    blocks, notes = recognise_html(html, resolver())
    assert blocks == [
        Html("<div><p>Intro <em>text</em></p>", "Intro *text*"),
        Embed(
            "youtube",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            id="dQw4w9WgXcQ",
            origin="iframe",
        ),
    ]
    assert notes == ["dropped a <style> block"]


def test_recognise_figure_and_linked_images() -> None:
    html = (
        '<figure><a href="/full.png"><img src="/small.png" alt="Small"></a>'
        "<figcaption>A <b>caption</b></figcaption></figure>\n"
        '<a href="https://x.org"><img src="https://x.org/b.png"></a>'
    )
    blocks, notes = recognise_html(html, resolver())
    assert blocks == [
        Image(
            "https://ex.com/small.png",
            alt="Small",
            caption="A caption",
            link="https://ex.com/full.png",
        ),
        Image("https://x.org/b.png", link="https://x.org"),
    ]
    assert notes == []


def test_recognise_gist_and_codepen_scripts() -> None:
    html = (
        '<script src="https://gist.github.com/spf13/7896402.js?file=img.html"></script>\n'
        '<p class="codepen" data-height="300" data-slug-hash="abcXYZ" data-user="team" '
        'data-pen-title="Pen">See the Pen</p>\n'
        '<script async src="https://cpwebassets.codepen.io/assets/embed/ei.js"></script>'
    )
    blocks, notes = recognise_html(html, resolver())
    assert blocks == [
        Embed(
            "gist",
            "https://gist.github.com/spf13/7896402?file=img.html",
            id="7896402",
            origin="script",
        ),
        Embed(
            "codepen",
            "https://codepen.io/team/pen/abcXYZ",
            id="abcXYZ",
            title="Pen",
            origin="script",
        ),
    ]
    assert notes == []


def test_unrecognised_script_is_dropped_with_note() -> None:
    blocks, notes = recognise_html('<script src="https://ads.example/x.js"></script>', resolver())
    assert blocks == []
    assert notes == ["dropped <script src=https://ads.example/x.js>: scripts cannot be syndicated"]
