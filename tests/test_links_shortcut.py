"""``rewrite_markdown``'s shortcut for absolute links changes nothing: it gives what
rewriting every prose chunk gives, with the same notes, on generated paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xpost.content.links import LinkResolver, outside_code_spans
from xpost.content.model import LinkContext

PIECES = ["](", "[a", "]", "(", ")", "`", "``", " ", "\t", "<", ">", "https:", "http://x",
          "mailto:a", "#f", "//h", "{{", "}}", "rel/a", "/root", "x", ":", "a.b-c+d", "\\\\",
          "\n", "機", "src=", "'", '"', "]:", "[^1]", "!", "=", "?q", "%20"]  # fmt: skip
CONTEXTS = [
    LinkContext(Path("/nonexistent"), page_url="https://e.com/p/a/", site_url="https://e.com/"),
    LinkContext(Path("/nonexistent")),
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=24).map("".join), st.sampled_from(CONTEXTS))
def test_shortcut_is_the_full_rewrite(text: str, context: LinkContext) -> None:
    fast, full = LinkResolver(context), LinkResolver(context)
    expected = outside_code_spans(text, lambda prose: full._rewrite_prose(prose, False))
    assert fast.rewrite_markdown(text) == expected
    assert fast.notes() == full.notes()


# A code span inside what looks like a scheme cuts the destination short of its ``:``.
EDGES = ["](x`x`:y)", "](x`:y`)", "](<x`y`:z>)", "]( x`y`:z)", "](`x`:y)", "](h``t``tp://x)",
         "[a](http`s`://e.com)", "](#`x`)", "](//`x`)", "](http:`x`)", "](<`x`>)", "](<>)",
         "](\tmailto:a)", "](  https://e.com) `](rel)`", "`](x` ](https://e.com)"]  # fmt: skip


@pytest.mark.parametrize("text", EDGES)
@pytest.mark.parametrize("context", CONTEXTS)
def test_shortcut_on_code_spans_in_destinations(text: str, context: LinkContext) -> None:
    fast, full = LinkResolver(context), LinkResolver(context)
    expected = outside_code_spans(text, lambda prose: full._rewrite_prose(prose, False))
    assert fast.rewrite_markdown(text) == expected
    assert fast.notes() == full.notes()
