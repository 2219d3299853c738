"""Embeds drawn as what a reader sees, without loading anything from the platform.

A slide deck is a dark 16:9 box with the deck's name and its link; a video is a box
with a play button; a link card shows the page's host and address. Every box is
built from known parts only (escaped text, checked links), never from the post's
own markup.
"""

from __future__ import annotations

from urllib.parse import quote

from xpost.preview.escape import esc, host_of, link
from xpost.render.markdown import PROVIDER_NAMES

#: The content model's providers, and the players only a Zenn copy names (``@[stackblitz]``…).
PROVIDERS = {
    **PROVIDER_NAMES,
    "stackblitz": "StackBlitz",
    "blueprintue": "blueprintUE",
    "google": "Google Docs",
}


def page_url(provider: str, argument: str) -> str:
    """The address a reader would open for an embed given by id or URL."""
    if argument.startswith(("http://", "https://", "//")):
        return argument
    match provider:
        case "speakerdeck":
            return f"https://speakerdeck.com/player/{quote(argument)}"
        case "youtube":
            return f"https://www.youtube.com/watch?v={quote(argument)}"
        case "slideshare":
            return f"https://www.slideshare.net/slideshow/embed_code/key/{quote(argument)}"
    return argument


def draw(provider: str, argument: str, title: str = "") -> str:
    """The box for one embed: ``provider`` as in the content model, ``argument`` its id
    or URL."""
    url = page_url(provider, argument)
    name = PROVIDERS.get(provider, provider)
    match provider:
        case "speakerdeck" | "slideshare" | "docswell":
            return _deck(provider, name, url, title)
        case "youtube":
            return _video(name, url, title)
        case "card":
            return card(url, title)
        case "tweet":
            return (
                f'<figure class="embed tweet" data-embed="tweet">'
                f'<div class="tweet-head"><span class="x-logo" aria-hidden="true">𝕏</span> '
                f"{esc(name)}</div>"
                f'<div class="tweet-body">{esc(title) if title else link(url)}</div>'
                f"{_caption(url)}</figure>"
            )
    return (
        f'<figure class="embed frame" data-embed="{esc(provider)}">'
        f'<div class="frame-box"><span class="frame-name">{esc(name)}</span>'
        f"{f'<strong>{esc(title)}</strong>' if title else ''}</div>"
        f"{_caption(url)}</figure>"
    )


def card(url: str, title: str = "") -> str:
    """A link card: the page's title when known, its host and its address."""
    host = host_of(url)
    heading = esc(title) if title else esc(host)
    return (
        f'<figure class="embed card" data-embed="card">'
        f'<div class="card-text"><strong class="card-title">{heading}</strong>'
        f'<span class="card-url">{link(url)}</span></div>'
        f'<div class="card-host" aria-hidden="true">{esc(host[:1].upper())}</div></figure>'
    )


def removed(what: str, why: str) -> str:
    """Where the platform drops something silently: marked so the writer sees it."""
    return (
        f'<div class="removed" data-embed="removed"><span class="removed-what">{esc(what)}</span>'
        f" {esc(why)}</div>"
    )


def _deck(provider: str, name: str, url: str, title: str) -> str:
    return (
        f'<figure class="embed deck" data-embed="{esc(provider)}">'
        f'<div class="deck-screen"><span class="deck-name">{esc(name)}</span>'
        f'<strong class="deck-title">{esc(title or "Slide deck")}</strong>'
        f'<span class="deck-pager" aria-hidden="true">◀ 1 / … ▶</span></div>'
        f"{_caption(url)}</figure>"
    )


def _video(name: str, url: str, title: str) -> str:
    return (
        f'<figure class="embed video" data-embed="youtube">'
        f'<div class="video-screen"><span class="play" aria-hidden="true">▶</span>'
        f'<strong class="video-title">{esc(title or name)}</strong></div>'
        f"{_caption(url)}</figure>"
    )


def _caption(url: str) -> str:
    return f'<figcaption class="embed-link">{link(url)}</figcaption>'
