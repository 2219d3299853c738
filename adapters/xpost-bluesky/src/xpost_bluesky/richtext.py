"""Bluesky's text rules: its length count, and facets with UTF-8 byte offsets.

A post's ``text`` may hold at most 300 graphemes and 3000 bytes of UTF-8
(``app.bsky.feed.post``: ``maxGraphemes: 300, maxLength: 3000``; lexicon string
lengths are UTF-8 bytes). Links, hashtags and mentions are only live when a facet
(``app.bsky.richtext.facet``) points at them, by *byte* offsets into the UTF-8 text:
in Japanese text a character is three bytes, so character offsets would be wrong.

What counts as a link, tag or mention follows the rules of Bluesky's own app
(``RichText.detectFacets`` in the ``@atproto/api`` package): a URL with a scheme, or
a bare domain with a known top-level domain; ``#tag`` after the start or a space, not
all digits, trailing punctuation left out, at most 64 graphemes; ``@handle.domain``.
"""

from __future__ import annotations

import math
from typing import Any

import regex

from xpost.plugin import extract_urls, grapheme_count

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_TAG_GRAPHEMES = 64

_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_TAG = regex.compile(
    rf"(?:^|(?<=\s))[#＃](?!\ufe0f)([^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}][^\s{_INVISIBLE}]*)"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
_URL = regex.compile(
    r"(?:^|(?<=[\s(]))(?:https?://\S+|[a-z][a-z0-9]*(?:\.[a-z0-9]+)+\S*)", regex.IGNORECASE
)
_MENTION = regex.compile(
    r"(?:^|(?<=[\s(]))@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)\b"
)


def bluesky_length(text: str) -> int:
    """One number for both of Bluesky's limits: ``≤ 300`` exactly when the text has at
    most 300 graphemes *and* at most 3000 bytes (each byte weighs a tenth)."""
    return max(grapheme_count(text), math.ceil(len(text.encode("utf-8")) / 10))


def fits(text: str) -> bool:
    return grapheme_count(text) <= MAX_GRAPHEMES and len(text.encode("utf-8")) <= MAX_BYTES


def _byte_slice(text: str, start: int, end: int) -> dict[str, int]:
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def detect_facets(text: str) -> list[dict[str, Any]]:
    """The facets of ``text``: links and hashtags ready to send; mentions carry the
    ``handle`` to resolve to a DID when publishing (a DID is needed, rendering is
    offline)."""
    facets: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for start, end, uri in _links(text):
        taken.append((start, end))
        facets.append(_facet(text, start, end, {"$type": _LINK, "uri": uri}))
    for match in _MENTION.finditer(text):
        if _overlaps(match.span(), taken):
            continue
        facets.append(
            _facet(text, match.start(), match.end(), {"$type": _MENTION_T, "handle": match[1]})
        )
    for match in _TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", match[1])
        end = match.start(1) + len(tag)
        if (
            not tag
            or grapheme_count(tag) > MAX_TAG_GRAPHEMES
            or _overlaps((match.start(), end), taken)
        ):
            continue
        facets.append(_facet(text, match.start(), end, {"$type": _TAG_T, "tag": tag}))
    facets.sort(key=lambda facet: int(facet["index"]["byteStart"]))
    return facets


_LINK = "app.bsky.richtext.facet#link"
_TAG_T = "app.bsky.richtext.facet#tag"
_MENTION_T = "app.bsky.richtext.facet#mention"


def _links(text: str) -> list[tuple[int, int, str]]:
    """Links as Bluesky's app finds them: a URL runs to the next space, less one trailing
    ``.,;:!?`` and an unbalanced ``)``; a bare domain needs a known top-level domain."""
    links = []
    for match in _URL.finditer(text):
        start, end = match.span()
        value = match.group()
        if value[-1] in ".,;:!?":
            value, end = value[:-1], end - 1
        if value.endswith(")") and "(" not in value:
            value, end = value[:-1], end - 1
        if "://" not in value:
            domain = regex.split(r"[/?#]", value, maxsplit=1)[0]
            found = extract_urls(domain)
            if not found or found[0].value != domain:
                continue
            value = "https://" + value
        links.append((start, end, value))
    return links


def _facet(text: str, start: int, end: int, feature: dict[str, str]) -> dict[str, Any]:
    return {"index": _byte_slice(text, start, end), "features": [feature]}


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in taken)


def resolved_facets(
    facets: list[dict[str, Any]], dids: dict[str, str | None]
) -> list[dict[str, Any]]:
    """The facets to send: each mention's handle replaced by its DID; a mention whose
    handle resolves to nothing is left as plain text, as Bluesky's app does."""
    result = []
    for facet in facets:
        features = []
        for feature in facet["features"]:
            if feature.get("$type") == _MENTION_T:
                did = dids.get(str(feature.get("handle")))
                if did is None:
                    continue
                feature = {"$type": _MENTION_T, "did": did}
            features.append(feature)
        if features:
            result.append({"index": facet["index"], "features": features})
    return result


def mention_handles(facets: list[dict[str, Any]]) -> list[str]:
    return [
        str(feature["handle"])
        for facet in facets
        for feature in facet["features"]
        if feature.get("$type") == _MENTION_T
    ]
