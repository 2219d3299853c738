"""Short posts for any network, measured by the network's own count.

X's composition (``xpost.platforms.twitter.compose``) is bound to X's weighted count; Bluesky counts
graphemes and bytes, Mastodon graphemes with every URL as 23, Misskey UTF-16 units.
These helpers take the count as a function, so each adapter plugs in its own rule and
the cutting rules stay one: cuts fall between grapheme clusters, never inside a URL,
and a post that does not fit is shortened, never sent too long.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import regex

from xpost.platforms.twitter.compose import fill_template, hashtags_for
from xpost.render.twitter_text import extract_urls

#: A network's length rule: from a text to the number the network compares with its limit.
Measure = Callable[[str], int]

ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")
_SENTENCE_END = regex.compile(r"[。！？]+[」』）)]*\s*|[.!?]+[\"'”’)\]]*\s+")


def grapheme_count(text: str) -> int:
    """Extended grapheme clusters (what a person calls characters)."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


@dataclass
class Composed:
    text: str
    dropped_hashtags: list[str] = field(default_factory=list)
    shortened: list[str] = field(default_factory=list)  # "summary", "title"


def compose(
    template: str,
    *,
    title: str,
    url: str,
    summary: str,
    tags: list[str] | tuple[str, ...],
    measure: Measure,
    limit: int,
) -> Composed:
    """``template`` ({title} {url} {summary} {hashtags}) filled so that it fits ``limit``.

    Hashtags are dropped first (last one first), then the summary and the title are
    shortened with an ellipsis; the URL is never cut. If even that does not fit, the
    text is shortened as a whole, outside URLs.
    """
    words = hashtags_for(tuple(tags))

    def fill(title_text: str, summary_text: str, kept: int) -> str:
        return fill_template(
            template,
            title=title_text,
            url=url,
            summary=summary_text,
            hashtags=" ".join(words[:kept]),
        )

    kept = len(words)
    while kept > 0 and measure(fill(title, summary, kept)) > limit:
        kept -= 1
    result = Composed(fill(title, summary, kept), dropped_hashtags=words[kept:])
    for name in ("summary", "title"):
        if measure(result.text) <= limit:
            break
        value = summary if name == "summary" else title
        if "{" + name + "}" not in template or not value:
            continue

        def with_prefix(
            prefix: str, name: str = name, title: str = title, summary: str = summary
        ) -> str:
            short = _ellipsized(prefix)
            return fill(short, summary, kept) if name == "title" else fill(title, short, kept)

        short = _ellipsized(value[: _longest_prefix(value, with_prefix, measure, limit)])
        if name == "summary":
            summary = short
        else:
            title = short
        result.shortened.append(name)
        result.text = fill(title, summary, kept)
    if measure(result.text) > limit:
        result.text = truncate(result.text, measure, limit)
    return result


def truncate(text: str, measure: Measure, limit: int) -> str:
    """``text`` cut to fit ``limit`` with an ellipsis, between graphemes, outside URLs."""
    if measure(text) <= limit:
        return text
    cut = _longest_prefix(text, lambda prefix: _ellipsized(prefix) or ELLIPSIS, measure, limit)
    return _ellipsized(text[:cut]) if cut else ""


def split_posts(paragraphs: list[str], first: str, measure: Measure, limit: int) -> list[str]:
    """A thread: ``first``, then the paragraphs packed into posts numbered `` n/N``.

    Paragraphs stay whole where they fit, else are split at sentences, else at
    grapheme boundaries outside URLs. Room for the numbering is reserved.
    """
    paragraphs = [p.strip() for p in paragraphs if p.strip()]
    if not paragraphs:
        return [truncate(first, measure, limit)]
    digits = 1
    while True:
        budget = limit - measure(f" {'9' * digits}/{'9' * digits}")
        posts = [truncate(first, measure, budget), *_pack(paragraphs, measure, budget)]
        if len(str(len(posts))) <= digits:
            break
        digits = len(str(len(posts)))
    total = len(posts)
    return [f"{post} {n}/{total}" for n, post in enumerate(posts, start=1)]


def _pack(paragraphs: list[str], measure: Measure, budget: int) -> list[str]:
    posts: list[str] = []
    current = ""
    for paragraph in paragraphs:
        pieces = (
            [paragraph] if measure(paragraph) <= budget else _pieces(paragraph, measure, budget)
        )
        for index, piece in enumerate(pieces):
            joiner = "\n\n" if index == 0 else ""
            candidate = current + joiner + piece if current else piece
            if measure(candidate.rstrip()) <= budget:
                current = candidate
                continue
            if current.strip():
                posts.append(current.rstrip())
            current = piece.lstrip()
    if current.strip():
        posts.append(current.rstrip())
    return posts


def _pieces(paragraph: str, measure: Measure, budget: int) -> list[str]:
    pieces: list[str] = []
    for sentence in _sentences(paragraph):
        while measure(sentence.rstrip()) > budget:
            cut = _longest_prefix(sentence, str.rstrip, measure, budget) or _first_grapheme(
                sentence
            )
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if sentence:
            pieces.append(sentence)
    return pieces


def _sentences(paragraph: str) -> list[str]:
    urls = _url_spans(paragraph)
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        if not any(a < match.end() < b for a, b in urls):
            sentences.append(paragraph[start : match.end()])
            start = match.end()
    if start < len(paragraph):
        sentences.append(paragraph[start:])
    return sentences


_SCHEME_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans = [(url.start, url.end) for url in extract_urls(text, without_protocol=False)]
    # Anything after a scheme counts too: a cut there would leave half a link.
    spans += [(m.start(), m.end()) for m in _SCHEME_URL.finditer(text)]
    return spans


def _longest_prefix(text: str, build: Callable[[str], str], measure: Measure, limit: int) -> int:
    """The longest grapheme-boundary cut outside URLs whose ``build(prefix)`` fits; 0 if none.

    Binary search: the built text grows with the prefix, so its measure does too.
    """
    urls = _url_spans(text)
    ends = [m.end() for m in _GRAPHEME.finditer(text) if not any(a < m.end() < b for a, b in urls)]
    low, high, best = 0, len(ends) - 1, 0
    while low <= high:
        middle = (low + high) // 2
        if measure(build(text[: ends[middle]])) <= limit:
            best, low = ends[middle], middle + 1
        else:
            high = middle - 1
    return best


def _first_grapheme(text: str) -> int:
    match = _GRAPHEME.match(text)
    return match.end() if match else len(text)


def _ellipsized(prefix: str) -> str:
    prefix = prefix.rstrip()
    return prefix + ELLIPSIS if prefix else ""
