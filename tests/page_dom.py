"""A small element tree of a preview page, for tests to ask what a reader would see.

The page is parsed with the standard library's HTML parser into nested ``Element``s
(void elements closed at once, a stray end tag closing up to its element), so tests
can find each column and look at its text, embeds and warnings in document order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = None

    def text(self, skip: Callable[[Element], bool] = lambda e: False) -> str:
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not skip(child):
                parts.append(child.text(skip))
        return "".join(parts)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, predicate: Callable[[Element], bool]) -> list[Element]:
        return [element for element in self.iter() if predicate(element)]

    def by_class(self, name: str) -> list[Element]:
        return self.find_all(lambda e: name in e.attrs.get("class", "").split())

    def elements(self) -> list[Element]:
        return [child for child in self.children if isinstance(child, Element)]

    def previous_element(self) -> Element | None:
        if self.parent is None:
            return None
        siblings = self.parent.elements()
        index = next(i for i, sibling in enumerate(siblings) if sibling is self)
        return siblings[index - 1] if index else None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def columns(root: Element) -> list[Element]:
    """The page's columns in order: ``section`` elements with ``data-platform``."""
    return root.find_all(lambda e: e.tag == "section" and "data-platform" in e.attrs)


def copy_text(column: Element) -> str:
    """What a reader reads in a column's copy, warnings left out."""
    (copy,) = [e for e in column.by_class("copy")]
    return copy.text(skip=lambda e: "warn" in e.attrs.get("class", "").split())


def embeds(column: Element, kind: str) -> list[Element]:
    return column.find_all(lambda e: e.attrs.get("data-embed") == kind)


def warnings(column: Element) -> list[Element]:
    return column.find_all(lambda e: "data-warning" in e.attrs)
