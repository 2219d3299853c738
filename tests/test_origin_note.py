"""The "originally published at" note (``xpost.content.origin``): one helper for Qiita,
Zenn and the long-form adapters, exported by ``xpost.plugin``."""

from __future__ import annotations

import pytest

import xpost.plugin
from xpost.content import origin
from xpost.content.origin import OriginNote, origin_note

URL = "https://blog.example/p/1"


def test_the_plugin_api_exports_the_one_helper() -> None:
    assert xpost.plugin.origin_note is origin.origin_note
    assert xpost.plugin.OriginNote is OriginNote


def test_no_template_or_no_url_means_no_note() -> None:
    assert origin_note("", URL) is None
    assert origin_note(origin.ORIGIN_NOTE_EN, None) is None
    assert origin_note(origin.ORIGIN_NOTE_EN, "") is None


def test_placed_at_the_top_as_a_paragraph_or_as_the_last_line() -> None:
    note = origin_note("From <{url}>.", URL)
    assert note is not None
    assert note.placed("Body\n") == f"From <{URL}>.\n\nBody\n"
    assert note.placed("Body\n", "bottom") == f"Body\n\nFrom <{URL}>.\n"


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (f"この記事は {URL} からの転載です。\n\nBody", True),
        (f"Body\r\n\r\nこの記事は {URL} からの転載です。  \r\n", True),  # CRLF, trailing spaces
        (f"この記事は {URL}0 からの転載です。\n\nBody", False),  # /p/10 is not /p/1
        (f"Quoted: この記事は {URL} からの転載です。", False),  # not a line of its own
        (f"この記事は {URL} からの転載です。 Or not.", False),
        ("Body only", False),
    ],
)
def test_found_only_as_whole_lines_with_the_url_exact(body: str, found: bool) -> None:
    note = origin_note(origin.ORIGIN_NOTE_JA, URL)
    assert note is not None
    assert note.is_in(body) is found


def test_a_note_of_several_lines_is_found_as_those_lines() -> None:
    note = OriginNote(f"---\nFirst published at {URL}.")
    assert note.is_in(f"Body\n\n---\nFirst published at {URL}.\n")
    assert not note.is_in(f"---\nBody\nFirst published at {URL}.\n")
