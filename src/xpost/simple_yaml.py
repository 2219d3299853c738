"""The plain YAML most front matter is written in, read in a fraction of PyYAML's time.

Front matter is nearly always a few ``key: value`` lines, a one-line ``[a, b]`` list,
a ``- item`` list and a table or two (``xpost:``). PyYAML's C parser is fast, but the
construction of the values runs in Python and costs several times the parse; on a
site of 100,000 posts that is most of a first ``xpost run``.

``read_simple_yaml`` reads that subset and returns exactly what ``yaml.load`` with
the caller's loader would (the same implicit resolvers decide each plain scalar's
type, and the loader's own constructors build it), or ``None`` for anything else —
comments after a value, anchors, tags, block scalars, flow mappings, multi-line
scalars, a key given twice, a tab, odd indentation — which the caller then hands to
PyYAML, so every error message and every limit stays PyYAML's. ``None`` is never a
judgement on the input: it only means "not this subset".
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"
#: Tags whose plain scalars this reader builds with the loader's own constructors.
_BUILT = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)
_KEY = re.compile(r"[A-Za-z_][\w.-]*")
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')
#: Characters that start something other than a plain scalar (YAML 1.1 indicators).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
#: Characters this reader leaves to PyYAML wherever they are: tabs (indentation rules),
#: a lone carriage return (a line break to YAML; front matter arrives with "\n" only),
#: YAML's other line breaks (NEL, LS, PS), a byte-order mark.
_UNSAFE = re.compile("[\t\r\x85\u2028\u2029\ufeff]")
#: Deeper front matter is rare: PyYAML reads it. Far below ``limits.MAX_NESTING``, which
#: lets the caller skip its tree check for what this reader takes.
_MAX_DEPTH = 4


class _Decline(Exception):
    """The text is outside the subset: PyYAML reads it."""


def read_simple_yaml(source: str, loader_class: Any) -> dict[str, Any] | None:
    """``source`` as ``yaml.load(source, loader_class)`` reads it, when it is a mapping
    in the plain subset; ``None`` otherwise (also for an empty document)."""
    if _UNSAFE.search(source) or yaml.reader.Reader.NON_PRINTABLE.search(source):
        return None
    lines = [
        (len(line) - len(stripped), stripped)
        for line in source.split("\n")
        if (stripped := line.lstrip(" ")) and not stripped.startswith("#")
    ]
    if not lines or lines[0][0] != 0:
        return None
    reader = _Reader(lines, _loader(loader_class))
    try:
        mapping = reader.mapping(0, 0)
    except _Decline:
        return None
    return mapping if reader.at == len(lines) else None


_LOADERS: dict[Any, Any] = {}


def _loader(loader_class: Any) -> Any:
    """One loader per class, used only for its resolvers and scalar constructors (they
    keep no state between calls)."""
    loader = _LOADERS.get(loader_class)
    if loader is None:
        loader = _LOADERS[loader_class] = loader_class("")
    return loader


class _Reader:
    def __init__(self, lines: list[tuple[int, str]], loader: Any) -> None:
        self.lines = lines
        self.at = 0
        self.loader = loader
        self.resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = (
            loader.yaml_implicit_resolvers
        )

    def mapping(self, indent: int, depth: int) -> dict[str, Any]:
        if depth > _MAX_DEPTH:
            raise _Decline
        result: dict[str, Any] = {}
        while self.at < len(self.lines):
            here, text = self.lines[self.at]
            if here < indent:
                break
            if here > indent:
                raise _Decline  # a continuation line, or indentation PyYAML should judge
            key, colon, rest = text.partition(":")
            if not colon or not _KEY.fullmatch(key) or self._tag(key) != _STR:
                raise _Decline
            if key in result or (rest and rest[0] != " "):
                raise _Decline  # a duplicate (PyYAML names its line), or "a:b"
            self.at += 1
            value = rest.strip(" ")
            result[key] = self.scalar(value) if value else self.nested(indent, depth)
        return result

    def nested(self, indent: int, depth: int) -> Any:
        """What follows ``key:`` with nothing after it: a table, a list, or null."""
        if self.at == len(self.lines):
            return None
        here, text = self.lines[self.at]
        if text == "-" or text.startswith("- "):
            if here < indent:
                return None
            return self.sequence(here, depth + 1)
        if here <= indent:
            return None
        return self.mapping(here, depth + 1)

    def sequence(self, indent: int, depth: int) -> list[Any]:
        if depth > _MAX_DEPTH:
            raise _Decline
        items: list[Any] = []
        while self.at < len(self.lines):
            here, text = self.lines[self.at]
            if here != indent or not (text == "-" or text.startswith("- ")):
                if here > indent:
                    raise _Decline
                break
            item = text[1:].strip(" ")
            if not item or item.startswith("- ") or _has_mapping_colon(item):
                raise _Decline  # nested lists and tables in a list: PyYAML's
            self.at += 1
            items.append(self.scalar(item))
        return items

    def scalar(self, text: str) -> Any:
        if text[0] == "[":
            return self.flow_sequence(text)
        if text[0] == "'":
            quoted = _SINGLE_QUOTED.fullmatch(text)
            if quoted is None:
                raise _Decline
            return quoted.group(1).replace("''", "'")
        if text[0] == '"':
            quoted = _DOUBLE_QUOTED.fullmatch(text)
            if quoted is None:
                raise _Decline
            return quoted.group(1)
        return self.plain(text, flow=False)

    def flow_sequence(self, text: str) -> list[Any]:
        if not text.endswith("]") or text.count("[") != 1 or text.count("]") != 1:
            raise _Decline
        inner = text[1:-1].strip(" ")
        if not inner:
            return []
        items = []
        for part in inner.split(","):
            item = part.strip(" ")
            if not item:
                raise _Decline  # [a,,b] and [a, b,]: PyYAML's call
            if item[0] in "'\"":
                items.append(self.scalar(item))
            else:
                items.append(self.plain(item, flow=True))
        return items

    def plain(self, text: str, *, flow: bool) -> Any:
        """A plain (unquoted) scalar on one line, typed as PyYAML types it."""
        if text[0] in _INDICATORS or " #" in text or text.endswith(":") or ": " in text:
            raise _Decline
        if flow and any(mark in text for mark in "{}[]"):
            raise _Decline
        tag = self._tag(text)
        if tag == _STR:
            return text
        if tag not in _BUILT:
            raise _Decline  # '<<' (merge), '=' (value): PyYAML's rules
        node = yaml.ScalarNode(tag, text)
        try:
            return self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            raise _Decline from None  # PyYAML says what is wrong, at its line

    def _tag(self, value: str) -> str:
        """The tag PyYAML's resolver gives a plain scalar (``Resolver.resolve``)."""
        resolvers = self.resolvers.get(value[0] if value else "", [])
        for tag, pattern in (*resolvers, *self.resolvers.get(None, [])):
            if pattern.match(value):
                return tag
        return _STR


def _has_mapping_colon(item: str) -> bool:
    return item.endswith(":") or ": " in item
