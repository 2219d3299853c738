"""Composing X posts: the single announcement post, truncation, hashtags and threads.

Everything here measures with ``twitter_text.weighted_length`` (X's own count), cuts
only between grapheme clusters, and never inside a URL or a hashtag: an entity that
does not fit is dropped whole.
"""

from __future__ import annotations

import bisect
import re
import string
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

from msgspec import Struct, field

from xpost.content.plaintext import Heading
from xpost.render.twitter_text import (
    MAX_WEIGHTED_LENGTH,
    extract_hashtags,
    extract_urls,
    is_hashtag_word,
    weighted_length,
)

DEFAULT_TEMPLATE = "{title}\n{url}\n{hashtags}"
ELLIPSIS = "…"
PLACEHOLDERS = ("title", "url", "summary", "hashtags")

Builder = Callable[[str], str]  # from a prefix to the whole text to measure


class _Patterns(Struct, frozen=True):
    """The patterns that need the ``regex`` module (grapheme clusters, Unicode scripts
    and categories), compiled on first use: a post that fits needs none of them."""

    grapheme: Any
    # Spelled-out forms for the punctuation of technology names: C++, C#, F#.
    hashtag_spellings: tuple[tuple[Any, str], ...]
    not_hashtag_char: Any
    # Letters of scripts that put spaces between words: a cut inside such a word moves back.
    spaced_word: Any


# Whitespace as Unicode defines it (``re``'s \s also takes the separators U+001C-U+001F).
_WHITE = r"[^\S\x1c-\x1f]"
_SPACE = re.compile(f"{_WHITE}+")
# A sentence ends at Japanese 。！？ (with any closing brackets), or at .!? followed by
# whitespace; the whitespace stays with the sentence so joining restores the text.
_SENTENCE_END = re.compile(rf"[。！？]+[」』）)]*{_WHITE}*|[.!?]+[\"'”’)\]]*{_WHITE}+")


@cache
def _patterns() -> _Patterns:
    import regex

    return _Patterns(
        grapheme=regex.compile(r"\X"),
        hashtag_spellings=(
            (regex.compile(r"(?<=\w)\+\+"), "pp"),
            (regex.compile(r"(?<=\w)[#＃]"), "sharp"),
        ),
        not_hashtag_char=regex.compile(r"[^\p{L}\p{M}\p{Nd}_]+"),
        spaced_word=regex.compile(r"[\p{Latin}\p{Greek}\p{Cyrillic}\p{Nd}\p{M}'’_-]"),
    )


# -- truncation --------------------------------------------------------------------


def truncate(text: str, limit: int = MAX_WEIGHTED_LENGTH, ellipsis: str = ELLIPSIS) -> str:
    """``text`` shortened to at most ``limit`` weighted units, ending in ``ellipsis``.

    The cut falls between grapheme clusters and outside every URL and hashtag; the
    result links no URL and tags no hashtag that ``text`` did not. Returns ``text``
    itself when it fits, and ``""`` when not even the ellipsis fits.
    """
    if weighted_length(text) <= limit:
        return text
    cut = _longest_fitting_prefix(text, lambda prefix: prefix.rstrip() + ellipsis, limit)
    if cut is None:
        return ""
    return text[: _word_start(text, cut) or cut].rstrip() + ellipsis


def _word_start(text: str, cut: int) -> int:
    """``cut``, or where the word it falls inside begins, for scripts written with
    spaces between words (CJK text may break anywhere); 0 when that word opens the text."""
    spaced = _patterns().spaced_word
    if 0 < cut < len(text) and spaced.match(text[cut - 1]) and spaced.match(text[cut]):
        spaces = [m.end() for m in _SPACE.finditer(text, 0, cut)]
        return spaces[-1] if spaces else 0
    return cut


def _cut_points(text: str) -> list[int]:
    """Grapheme boundaries of ``text`` that are not inside a URL or a hashtag."""
    entities = [*extract_urls(text), *extract_hashtags(text)]
    inside = {i for entity in entities for i in range(entity.start + 1, entity.end)}
    points = [0] + [match.end() for match in _patterns().grapheme.finditer(text)]
    return [point for point in points if point not in inside]


def _longest_fitting_prefix(text: str, build: Builder, limit: int) -> int | None:
    """The largest cut point whose ``build(text[:cut])`` fits and keeps entities intact.

    Weight grows with the prefix almost everywhere (a prefix can turn into a URL,
    "foo.co" of "foo.cox"), so a binary search finds the neighbourhood and a short
    walk down finds a cut that passes every check.
    """
    points = _cut_points(text)
    low, high = 0, len(points) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if weighted_length(build(text[: points[middle]])) <= limit:
            low = middle
        else:
            high = middle - 1
    known = _entity_values(build(text))
    for index in range(low, -1, -1):
        candidate = build(text[: points[index]])
        if weighted_length(candidate) <= limit and _entity_values(candidate) <= known:
            return points[index]
    return None


def _entity_values(text: str) -> set[str]:
    return {e.value for e in extract_urls(text)} | {e.value for e in extract_hashtags(text)}


# -- hashtags ------------------------------------------------------------------------


def hashtag(tag: str) -> str | None:
    """``tag`` as a hashtag word (no ``#``), or None when it cannot be one.

    Spaces and punctuation go (``machine learning`` → ``machinelearning``,
    ``Node.js`` → ``Nodejs``); ``C++`` → ``cpp``, ``C#`` → ``csharp``; a tag of
    digits only is no hashtag on X.
    """
    word = tag.strip().lstrip("#＃")
    if word and all(_hashtag_letter(char) or char == "_" for char in word):
        # Letters, marks, digits and "_" only (most tags): already a word.
        return word if any(unicodedata.category(char)[0] in "LM" for char in word) else None
    for symbol, spelled in _patterns().hashtag_spellings:
        word, count = symbol.subn(spelled, word)
        if count:
            word = word.lower()  # "Cpp" reads as a word; "cpp" as the usual tag
    word = _patterns().not_hashtag_char.sub("", word)
    return word if word and is_hashtag_word(word) else None


def _hashtag_letter(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd"


def hashtags_for(tags: tuple[str, ...] | list[str]) -> list[str]:
    """The distinct hashtags (``#word``) the tags make, in order; unusable tags skipped."""
    seen: set[str] = set()
    result: list[str] = []
    for tag in tags:
        word = hashtag(tag)
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            result.append("#" + word)
    return result


# -- the single post -----------------------------------------------------------------


class Composed(Struct):
    """A composed post and what had to give way for it to fit."""

    text: str
    dropped_hashtags: list[str] = field(default_factory=list)
    title_truncated: bool = False
    summary_truncated: bool = False
    weighted_length: int = 0  # of ``text``, as X counts it


class UnsplittableText(ValueError):
    """A thread would have to cut a word in two: one word is longer than a post."""


class TemplateError(ValueError):
    """A post template names a placeholder xpost does not know, or is malformed."""


def check_template(template: str) -> None:
    """Raise ``TemplateError`` unless every ``{placeholder}`` is a known one."""
    try:
        parsed = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template)]
    except ValueError as error:
        raise TemplateError(f"malformed template: {error}") from None
    fields = [name for name, _, _ in parsed if name is not None]
    for name, spec, conversion in parsed:
        # ``{title:>50000000}`` would pad to 50 MB: placeholders take no format spec.
        if name is not None and (spec or conversion):
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise TemplateError(f"{{{shown[:40]}}}: placeholders take no format spec or '!'")
    for name in fields:
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise TemplateError(f"unknown placeholder {{{name}}} (known: {known})")


def fill_template(template: str, **fields: str) -> str:
    """The template with its placeholders replaced; blank lines at the ends removed."""
    check_template(template)
    values = {name: fields.get(name, "") for name in PLACEHOLDERS}
    lines = [line.rstrip() for line in template.format_map(values).split("\n")]
    return "\n".join(lines).strip("\n")


def compose_post(
    title: str,
    url: str,
    *,
    summary: str = "",
    tags: tuple[str, ...] | list[str] = (),
    template: str = DEFAULT_TEMPLATE,
    limit: int = MAX_WEIGHTED_LENGTH,
) -> Composed:
    """The announcement post: by default the title, the URL, then the hashtags that fit.

    When too long, hashtags go first (last one first), then the summary and then the
    title are shortened with an ellipsis; the URL is never touched. A template that
    still does not fit with an empty title and summary is truncated as a whole.
    """
    tag_words = hashtags_for(tags)

    def render(title_text: str, summary_text: str, tag_count: int) -> str:
        hashtags = " ".join(tag_words[:tag_count])
        return fill_template(
            template, title=title_text, url=url, summary=summary_text, hashtags=hashtags
        )

    kept = len(tag_words)
    text = render(title, summary, kept)
    length = weighted_length(text)  # counting is most of the work: once per text
    while kept > 0 and length > limit:
        kept -= 1
        text = render(title, summary, kept)
        length = weighted_length(text)
    result = Composed(text, dropped_hashtags=tag_words[kept:], weighted_length=length)
    if length <= limit:
        return result
    if "{summary}" in template and summary:
        short = _shorten_field(summary, lambda s: render(title, s, kept), limit)
        result.summary_truncated, summary = True, short
        result.text = render(title, summary, kept)
    if weighted_length(result.text) > limit and "{title}" in template and title:
        short = _shorten_field(title, lambda t: render(t, summary, kept), limit)
        result.title_truncated, title = True, short
        result.text = render(title, summary, kept)
    if weighted_length(result.text) > limit:
        result.text = truncate(result.text, limit)
    result.weighted_length = weighted_length(result.text)
    return result


def _shorten_field(value: str, render: Builder, limit: int) -> str:
    """The longest truncation of ``value`` (with an ellipsis) whose rendering fits."""
    cut = _longest_fitting_prefix(value, lambda prefix: render(_with_ellipsis(prefix)), limit)
    return "" if cut is None else _with_ellipsis(value[:cut])


def _with_ellipsis(prefix: str) -> str:
    prefix = prefix.rstrip()
    return prefix + ELLIPSIS if prefix else ""


# -- threads -------------------------------------------------------------------------


def split_thread(paragraphs: list[str], first: str, limit: int = MAX_WEIGHTED_LENGTH) -> list[str]:
    """A thread: ``first``, then the paragraphs packed into posts, each numbered `` n/N``.

    Paragraphs are kept together where they fit, else split at sentences, else (one
    unbreakable sentence) at grapheme boundaries outside URLs and hashtags. Room for
    the number is reserved, and the count of digits in N is part of that room. A
    ``Heading`` starts a new post together with what follows it, as a person would
    thread a post of sections.
    """
    paragraphs = [_stripped(p) for p in paragraphs if p.strip()]
    if not paragraphs:
        return [first] if weighted_length(first) <= limit else [truncate(first, limit)]
    digits = 1
    while True:
        width = weighted_length(f" {'9' * digits}/{'9' * digits}")
        posts = [truncate(first, limit - width), *_pack(paragraphs, limit - width)]
        if len(str(len(posts))) <= digits:
            break
        digits = len(str(len(posts)))
    total = len(posts)
    return [f"{post} {number}/{total}" for number, post in enumerate(posts, start=1)]


def _stripped(paragraph: str) -> str:
    text = paragraph.strip()
    return Heading(text) if isinstance(paragraph, Heading) else text


def _pack(paragraphs: list[str], budget: int) -> list[str]:
    """Greedily fill posts of at most ``budget`` with paragraphs, then sentences; a
    heading closes the post before it and opens the next one."""
    posts: list[str] = []
    current = ""
    heading = ""  # the heading ``current`` holds alone, waiting for its section
    for paragraph in paragraphs:
        if isinstance(paragraph, Heading):
            if heading and weighted_length(f"{heading}\n\n{paragraph}") <= budget:
                current = heading = Heading(f"{heading}\n\n{paragraph}")  # a sub-heading
                continue
            if current.strip():
                posts.append(current.rstrip())
            current = heading = paragraph
            continue
        room = budget
        if heading and weighted_length(f"{heading}\n\n{paragraph}") > budget:
            # The section does not fit beside its heading: its first piece must.
            room = budget - weighted_length(heading + "\n\n")
        pieces = [paragraph] if weighted_length(paragraph) <= room else _pieces(paragraph, room)
        if heading and len(pieces) > 1:
            pieces = pieces[:1] + _rejoin(pieces[1:], budget)
        heading = ""
        for index, piece in enumerate(pieces):
            joiner = "\n\n" if index == 0 else ""
            candidate = current + joiner + piece if current else piece
            if weighted_length(candidate.rstrip()) <= budget:
                current = candidate
            else:
                if current.strip():
                    posts.append(current.rstrip())
                current = piece.lstrip()
    if current.strip():
        posts.append(current.rstrip())
    return posts


def _rejoin(pieces: list[str], budget: int) -> list[str]:
    """Pieces cut for a smaller room, split again for a whole post (fewer, fuller posts)."""
    text = "".join(pieces)
    return [text] if weighted_length(text) <= budget else _pieces(text, budget)


def _pieces(paragraph: str, budget: int) -> list[str]:
    """A too-long paragraph as sentences, each of them cut further if still too long."""
    pieces: list[str] = []
    for whole in _sentences(paragraph):
        sentence, done = whole, 0  # what is left, and where it starts in ``whole``
        entities = _Entities(whole)
        while (window := _cut_window(sentence, budget, entities, done)) is not None:
            cut = _longest_fitting_prefix(window, lambda prefix: prefix.rstrip(), budget)
            if not cut:  # one entity longer than a post: cut through it after all
                cut = _grapheme_cut(window, budget)
            elif not (cut := _word_start(sentence, cut)):
                word = sentence.split(None, 1)[0]
                raise UnsplittableText(
                    f"a word of {len(word)} characters cannot fit in one post: "
                    f"{word[:24]}…; shorten it, or set the post's text yourself"
                )
            pieces.append(sentence[:cut])
            rest = sentence[cut:].lstrip()
            done += len(sentence) - len(rest)
            sentence = rest
        if sentence:
            pieces.append(sentence)
    return pieces


class _Entities:
    """Where a sentence's URLs and hashtags are, found once, on first need."""

    def __init__(self, sentence: str) -> None:
        self.sentence = sentence
        self.spans: list[tuple[int, int]] | None = None

    def inside(self, index: int) -> bool:
        """Whether ``index`` falls strictly inside a URL or hashtag."""
        if self.spans is None:
            found = [*extract_urls(self.sentence), *extract_hashtags(self.sentence)]
            self.spans = sorted((entity.start, entity.end) for entity in found)
        before = bisect.bisect_left(self.spans, (index, index))
        return any(start < index < end for start, end in self.spans[max(before - 1, 0) : before])


def _cut_window(sentence: str, budget: int, entities: _Entities, offset: int) -> str | None:
    """A prefix of ``sentence`` that holds its next cut, or None when it all fits.

    The prefix ends at whitespace, which no URL or hashtag crosses, or else between two
    CJK characters outside every URL and hashtag (``entities``, of the whole sentence
    ``sentence`` ends, which starts ``offset`` characters earlier), so its cut points
    and entities are the sentence's own; it is grown by doubling until it is over
    budget. Each cut then costs about as much as the text it cuts off, instead of a
    pass over the whole rest of the sentence: linear, not quadratic, in its length,
    for text written with spaces and for Chinese and Japanese written without.
    """
    size = 4 * budget
    while size < len(sentence):
        end = _last_space(sentence, size)
        if end > 0 and weighted_length(sentence[:end].rstrip()) > budget:
            return sentence[:end]
        end = _last_cjk_break(sentence, size)
        inside = end > 0 and entities.inside(offset + end)
        if end > 0 and not inside and weighted_length(sentence[:end]) > budget:
            return sentence[:end]
        size *= 2
    return sentence if weighted_length(sentence.rstrip()) > budget else None


def _last_space(text: str, end: int) -> int:
    """Where the last run of whitespace before ``end`` starts (0: there is none)."""
    for index in range(end - 1, 0, -1):
        if text[index].isspace():
            return index
    return 0


# Kana, CJK ideographs and Hangul syllables: between two of them a grapheme cluster
# always ends, and no URL can end (the characters after a domain or path that would
# make it longer or invalid are ASCII, Latin or Cyrillic). First and last of each run:
# tested by comparison, as a regex class this wide takes ~1 ms to compile.
_CJK = (
    ("\u3041", "\u3096"),
    ("\u309d", "\u309f"),
    ("\u30a1", "\u30fa"),
    ("\u30fc", "\u30ff"),
    ("\u3400", "\u4dbf"),
    ("\u4e00", "\u9fff"),
    ("\uac00", "\ud7a3"),
    ("\uf900", "\ufaff"),
)


def _is_cjk(char: str) -> bool:
    return "\u3041" <= char <= "\ufaff" and any(first <= char <= last for first, last in _CJK)


def _last_cjk_break(text: str, end: int) -> int:
    """The last place in the second half of ``text[:end]`` between two CJK characters
    (0: there is none)."""
    for index in range(min(end, len(text) - 1), end // 2, -1):
        if _is_cjk(text[index]) and _is_cjk(text[index - 1]):
            return index
    return 0


def _sentences(paragraph: str) -> list[str]:
    urls = extract_urls(paragraph)  # sorted, not overlapping
    sentences: list[str] = []
    start = 0
    next_url = 0
    for match in _SENTENCE_END.finditer(paragraph):
        while next_url < len(urls) and urls[next_url].end <= match.end():
            next_url += 1
        if not (next_url < len(urls) and urls[next_url].start < match.end()):
            sentences.append(paragraph[start : match.end()])
            start = match.end()
    if start < len(paragraph):
        sentences.append(paragraph[start:])
    return sentences


def _grapheme_cut(text: str, budget: int) -> int:
    """The longest grapheme-boundary prefix that fits, ignoring entities (at least one)."""
    ends: list[int] = [match.end() for match in _patterns().grapheme.finditer(text)]
    best = ends[0]
    for end in ends:
        if weighted_length(text[:end].rstrip()) > budget:
            break
        best = end
    return best
