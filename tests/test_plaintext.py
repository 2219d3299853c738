"""Markdown as plain text (``xpost.content.plaintext``): the one conversion summaries,
X threads and the short-post adapters share."""

from __future__ import annotations

import time

import pytest

import xpost.plugin
from xpost.content import plaintext
from xpost.content.model import Document, Markdown
from xpost.content.plaintext import (
    Heading,
    PlainText,
    inline_html,
    markdown_paragraphs,
    plain_text,
)
from xpost.platforms.twitter import compose


def test_adapters_get_the_shared_conversion_through_the_plugin_api() -> None:
    assert xpost.plugin.plain_paragraphs is plaintext.plain_paragraphs
    assert compose.Heading is Heading  # split_thread recognises the headings it makes


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("a `code` span", "a code span"),
        ("``a ` b`` and `c`", "a ` b and c"),  # a span closes at a run of its own length
        ("``a``` not closed", "``a``` not closed"),
        ("`one` `` `two` ``", "one `two` "),
        ("a ` lone backtick", "a ` lone backtick"),
        ("`spans\nlines`", "spans lines"),
    ],
)
def test_code_spans_as_commonmark_pairs_them(markdown: str, text: str) -> None:
    assert plain_text(markdown) == text.strip()


def test_a_summary_and_a_thread_read_a_link_their_own_way() -> None:
    markdown = "See **[the docs](https://docs.example/)**, and `xpost run`."
    assert plain_text(markdown) == "See the docs, and xpost run."
    assert markdown_paragraphs(markdown, PlainText()) == [
        "See the docs https://docs.example/, and xpost run."
    ]


HOSTILE = ["[", "![", "[a](", "`", "`a", "` ``", "*", "_a", "~~", "{{<", "{%", "<!--", "<a "]


@pytest.mark.parametrize("unit", HOSTILE)
def test_hostile_paragraphs_take_linear_time(unit: str) -> None:
    """100,000 characters of one opener: quadratic (or worse, as a backreference
    regex was on backticks) would take minutes; linear takes milliseconds."""
    hostile = unit * (100_000 // len(unit))
    started = time.perf_counter()
    plain_text(hostile)
    assert time.perf_counter() - started < 2


def test_backtick_runs_of_every_length_take_linear_time() -> None:
    hostile = " ".join("`" * n for n in range(1, 450))  # ~100,000 characters, no pair
    started = time.perf_counter()
    assert plain_text(hostile) == hostile
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("unit", ["<kbd>", "<kbd ", "<sub>", "<sup a", "<video>", "<audio "])
def test_hostile_inline_html_takes_linear_time(unit: str) -> None:
    hostile = unit * (100_000 // len(unit))
    started = time.perf_counter()
    inline_html(hostile, lambda _: None, "X")
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("unit", ["[", "`", "<kbd>"])
def test_a_hostile_thread_paragraph_takes_linear_time(unit: str) -> None:
    hostile = unit * (100_000 // len(unit))
    started = time.perf_counter()
    plaintext.plain_paragraphs(Document(blocks=(Markdown(hostile),)))
    # markdown-it-py reads ~40,000 characters a second here; quadratic would be hours.
    assert time.perf_counter() - started < 30


def test_inline_html_as_a_thread_shows_it() -> None:
    document = Document(blocks=(Markdown("Press <kbd>Ctrl</kbd>: H<sub>2</sub>O <b>bold</b>"),))
    assert plaintext.plain_paragraphs(document).paragraphs == ["Press Ctrl: H₂O bold"]
