"""The page's stylesheet (``theme.css``): light and dark (``prefers-color-scheme``),
columns side by side on a wide window and stacked on a narrow one, system fonts only;
plus Pygments' token colours for both modes."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from xpost.preview.highlight import stylesheet as code_colours


@lru_cache(maxsize=1)
def stylesheet() -> str:
    base = files("xpost.preview").joinpath("theme.css").read_text(encoding="utf-8")
    return base + code_colours()
