"""Code blocks coloured with Pygments, in classes the page's stylesheet themes."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from xpost.preview.escape import esc

if TYPE_CHECKING:
    from pygments.formatters import HtmlFormatter
    from pygments.lexer import Lexer

#: Past this size a block is shown uncoloured: a preview stays fast on any input.
MAX_HIGHLIGHT_CHARS = 200_000


def code_block(code: str, lang: str = "", filename: str = "", diff: bool = False) -> str:
    """A code block as the platforms draw it: an optional file-name tab, then the code."""
    tab = f'<div class="code-name">{esc(filename)}</div>' if filename else ""
    label = f' data-lang="{esc(lang)}"' if lang else ""
    body = _highlight(code, "diff" if diff else lang)
    return f'<div class="code"{label}>{tab}<pre class="hl"><code>{body}</code></pre></div>'


def _highlight(code: str, lang: str) -> str:
    lexer = _lexer(lang.lower()) if lang and len(code) <= MAX_HIGHLIGHT_CHARS else None
    if lexer is None:
        return esc(code)
    from pygments import highlight

    coloured: str = highlight(code, lexer, _formatter())
    return coloured.rstrip("\n")


@lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter[str]:
    """One formatter for every block: building one costs a stylesheet each time."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


@lru_cache(maxsize=64)
def _lexer(lang: str) -> Lexer | None:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer: Lexer = get_lexer_by_name(lang, stripnl=False, ensurenl=False)
        return lexer
    except ClassNotFound:
        return None


def stylesheet() -> str:
    """Token colours for light mode, and for dark mode under ``prefers-color-scheme``."""
    from pygments.formatters import HtmlFormatter

    light: str = HtmlFormatter(style="default").get_style_defs(".hl")  # type: ignore[no-untyped-call]
    dark: str = HtmlFormatter(style="monokai").get_style_defs(".hl")  # type: ignore[no-untyped-call]
    return (
        f"{_tokens_only(light)}\n@media (prefers-color-scheme: dark) {{\n{_tokens_only(dark)}\n}}"
    )


def _tokens_only(css: str) -> str:
    """Pygments' rules for token classes, without its page-wide and background rules."""
    keep = [
        line
        for line in css.splitlines()
        if line.startswith(".hl .") and "background" not in line.split("{", 1)[1]
    ]
    return "\n".join(keep)
