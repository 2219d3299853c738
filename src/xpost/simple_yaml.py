"""The plain YAML most front matter is written in, read in a fraction of PyYAML's time.

Front matter is nearly always a few ``key: value`` lines, one-line ``[a, b]`` lists and
``{a: b}`` tables, ``- item`` lists, a nested table or two (``xpost:``) and the odd
``# comment``. PyYAML's C parser is fast, but the construction of the values runs in
Python and costs several times the parse; on a site of 100,000 posts that is most of a
first ``xpost run``.

``read_simple_yaml`` reads that subset and returns exactly what ``yaml.load`` with
the caller's loader would (the loader's own implicit resolvers decide each plain
scalar's type, and its own constructors build it), or ``None`` for anything else — anchors,
tags, block scalars, escapes in double quotes, multi-line scalars and collections, a
key given twice, a tab, odd indentation — which the caller then hands to PyYAML, so
every error message and every limit stays PyYAML's. ``None`` is never a judgement on
the input: it only means "not this subset".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"
#: Tags whose values are immutable and few (``true``, ``~``, ``10``): built once per text.
_KEPT = frozenset(f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float"))
#: How many distinct keys and kept values to remember: a site repeats a few dozen.
_MEMO_SIZE = 2048
_KEY = re.compile(r"[A-Za-z_][\w.-]*")
#: The lines that hold something (not blank, not a comment): their indentation, then
#: ``key`` and what follows ``key: ``, or no key and the whole text ("- item", "a:b").
_LINE = re.compile(r"^( *)(?:([A-Za-z_][\w.-]*):(?: +|$)|(?=[^ #\n]))(.*)", re.MULTILINE)
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')
#: Characters that start something other than a plain scalar (YAML 1.1 indicators).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
#: Characters this reader leaves to PyYAML wherever they are: tabs (indentation rules),
#: a lone carriage return (a line break to YAML; front matter arrives with "\n" only),
#: YAML's other line breaks (NEL, LS, PS), a byte-order mark, and what PyYAML's reader
#: refuses (``Reader.NON_PRINTABLE``: control codes, surrogates, U+FFFE/FFFF), as one
#: character class: everything but "\n", printable ASCII and the rest of Unicode. Named
#: by what it refuses, not as the complement of what it keeps: the same characters (all
#: 1,114,112 checked), but compiled in 0.4 ms, not 4 (a class spanning the astral planes
#: is slow to build), on every run that reads a post.
_REFUSED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
#: The headers of the block scalars this reader takes (no indentation indicator).
_BLOCK_HEADERS = frozenset({"|", "|-", "|+", ">", ">-", ">+"})
#: A blank line or a comment line.
_GAP = re.compile(r"^ *(?:#.*)?$", re.MULTILINE)
#: Deeper front matter is rare: PyYAML reads it. Far below ``limits.MAX_NESTING``, which
#: lets the caller skip its tree check for what this reader takes.
_MAX_DEPTH = 4


class _Decline(Exception):
    """The text is outside the subset: PyYAML reads it."""


def read_simple_yaml(source: str, loader_class: Any) -> dict[str, Any] | None:
    """``source`` as ``yaml.load(source, loader_class)`` reads it, when it is a mapping
    in the plain subset; ``None`` otherwise (also for an empty document)."""
    if _REFUSED.search(source):
        return None
    lines: list[tuple[str, str, str]] = _LINE.findall(source)
    if not lines or lines[0][0]:
        return None
    reader = _Reader(source, lines, _rules(loader_class))
    try:
        mapping = reader.mapping("", 0)
    except _Decline:
        return None
    return mapping if reader.at == len(lines) else None


class _Rules:
    """One loader's resolvers and constructors, and what was already worked out with them.

    The loader is used only for its resolvers and scalar constructors (they keep no
    state between calls).
    """

    def __init__(self, loader_class: Any) -> None:
        self.loader = loader_class("")
        resolvers = self.loader.yaml_implicit_resolvers
        anywhere: tuple[tuple[str, re.Pattern[str]], ...] = tuple(resolvers.get(None, ()))
        # ``Resolver.resolve``: the resolvers listed for the first character, then those
        # for any character; no resolver at all means a string.
        self.by_first: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
            first: (*found, *anywhere) for first, found in resolvers.items() if first is not None
        }
        self.anywhere = anywhere
        self.constructors = self.loader.yaml_constructors
        # The loader's short cut for the commonest timestamps, if it has one: the value
        # it would resolve and build for such a text, or None.
        self.timestamp: Callable[[str], Any] | None = getattr(loader_class, "plain_timestamp", None)
        self.keys: dict[str, bool] = {}
        self.kept: dict[str, tuple[Any]] = {}

    def tag(self, text: str) -> str:
        """The tag PyYAML's resolver gives a plain scalar (``Resolver.resolve``)."""
        return _resolve(text, self.by_first.get(text[0], self.anywhere))

    def key_ok(self, key: str) -> bool:
        """A key this reader takes: a plain name PyYAML reads as a string."""
        known = self.keys.get(key)
        if known is None:
            if len(self.keys) >= _MEMO_SIZE:
                self.keys.clear()
            known = self.keys[key] = bool(_KEY.fullmatch(key)) and self.tag(key) == _STR
        return known

    def value(self, text: str) -> Any:
        """A plain scalar's value: resolved and built as the loader does it."""
        resolvers = self.by_first.get(text[0], self.anywhere)
        if not resolvers:
            return text  # most plain scalars: no resolver looks at their first character
        kept = self.kept.get(text)
        if kept is not None:
            return kept[0]
        if self.timestamp is not None:
            stamp = self.timestamp(text)
            if stamp is not None:
                return stamp
        tag = _resolve(text, resolvers)
        if tag == _STR:
            return text
        constructor = self.constructors.get(tag)
        if constructor is None:
            raise _Decline  # '<<' (merge), '=' (value): PyYAML's rules
        try:
            value = constructor(self.loader, yaml.ScalarNode(tag, text))
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            raise _Decline from None  # PyYAML says what is wrong, at its line
        if tag in _KEPT:
            if len(self.kept) >= _MEMO_SIZE:
                self.kept.clear()
            self.kept[text] = (value,)
        return value


def _resolve(text: str, resolvers: tuple[tuple[str, re.Pattern[str]], ...]) -> str:
    for tag, pattern in resolvers:
        if pattern.match(text):
            return tag
    return _STR


_RULES: dict[Any, _Rules] = {}


def _rules(loader_class: Any) -> _Rules:
    rules = _RULES.get(loader_class)
    if rules is None:
        rules = _RULES[loader_class] = _Rules(loader_class)
    return rules


def _not_plain(text: str) -> bool:
    """Whether one line of text is not (all of) a plain scalar."""
    return text[0] in _INDICATORS or " #" in text or text[-1] == ":" or ": " in text


def _uncommented(value: str) -> str:
    """``value`` (stripped, holding a ``#``) without a trailing comment; ``""`` when it
    is all comment."""
    first = value[0]
    if first == "#":
        return ""
    if first in "'\"":
        quoted = (_SINGLE_QUOTED if first == "'" else _DOUBLE_QUOTED).match(value)
        if quoted is None:
            raise _Decline
        rest = value[quoted.end() :]
        if rest and (rest[0] != " " or rest.lstrip(" ")[0] != "#"):
            raise _Decline  # "'a'#b", "'a' b": PyYAML's call
        return quoted.group(0)
    comment = value.find(" #")
    if comment < 0:
        return value  # "C#": no comment
    value = value[:comment].rstrip(" ")
    if first in "[{" and "'" not in value and '"' not in value:
        return value  # a flow collection before the comment, checked by its reader
    if first in "[{":
        raise _Decline  # " #" may be inside quotes
    return value


class _Reader:
    """Reads the lines ``_LINE`` found. An indentation is its string of spaces: for
    those, comparing the strings compares their lengths."""

    def __init__(self, source: str, lines: list[tuple[str, str, str]], rules: _Rules) -> None:
        self.source = source
        self.lines = lines
        self.at = 0
        self.rules = rules

    def mapping(self, indent: str, depth: int) -> dict[str, Any]:
        if depth > _MAX_DEPTH:
            raise _Decline
        result: dict[str, Any] = {}
        lines, keys, key_ok = self.lines, self.rules.keys, self.rules.key_ok
        while self.at < len(lines):
            here, key, rest = lines[self.at]
            if here != indent:
                if here < indent:
                    break
                raise _Decline  # a continuation line, or indentation PyYAML should judge
            if not key or key in result or not (keys.get(key) or key_ok(key)):
                raise _Decline  # not "key: value", or a duplicate (PyYAML names its line)
            self.at += 1
            value = rest.rstrip(" ")
            if value and "#" in value:
                value = _uncommented(value)
            if not value:
                result[key] = self.nested(indent, depth)
                continue
            if value in _BLOCK_HEADERS:
                result[key] = self.block(value, indent)
                continue
            if self.at < len(lines) and lines[self.at][0] > indent and "#" not in rest:
                value = self.continued(value, indent)
            result[key] = self.scalar(value)
        return result

    def block(self, header: str, indent: str) -> str:
        """A literal (``|``) or folded (``>``) block scalar, in the plain cases: lines
        all at one indentation (or deeper, for ``|``), no blank lines, no trailing
        spaces, no line that reads as ``key: value``."""
        if _GAP.search(self.source):
            raise _Decline  # a blank or "#" line is content here, and was not kept
        lines, start = self.lines, self.at
        block_indent = lines[start][0] if start < len(lines) else ""
        if block_indent <= indent:
            raise _Decline  # an empty block scalar
        texts = []
        while self.at < len(lines) and lines[self.at][0] > indent:
            here, key, text = lines[self.at]
            if key or here < block_indent or text[-1] == " ":
                raise _Decline
            if here != block_indent and header[0] == ">":
                raise _Decline  # more-indented lines keep their breaks when folded
            texts.append(here[len(block_indent) :] + text)
            self.at += 1
        content = ("\n" if header[0] == "|" else " ").join(texts)
        # The last line break: kept, unless stripped (``-``) or the document ends there.
        if header[-1] == "-" or self.at == len(lines):
            return content
        return content + "\n"

    def continued(self, value: str, indent: str) -> str:
        """A value that goes on over more-indented lines, as YAML dumpers wrap long flow
        lists and long plain text: the lines joined with single spaces (YAML's line
        folding), when nothing about the join is in doubt."""
        if _GAP.search(self.source):
            raise _Decline  # a blank line folds to "\n"; a comment line ends the scalar
        parts = [value]
        lines = self.lines
        while self.at < len(lines) and lines[self.at][0] > indent:
            _, key, text = lines[self.at]
            if key or "#" in text:
                raise _Decline
            parts.append(text.rstrip(" "))
            self.at += 1
        if value[0] == "[":
            if not all(part[-1] == "," for part in parts[:-1]):
                raise _Decline  # a break inside an item
        elif value[0] in _INDICATORS or any(_not_plain(part) for part in parts[1:]):
            raise _Decline  # quoted text, a flow table, or a line that is not plain text
        return " ".join(parts)

    def nested(self, indent: str, depth: int) -> Any:
        """What follows ``key:`` with nothing after it: a table, a list, or null."""
        if self.at == len(self.lines):
            return None
        here, key, text = self.lines[self.at]
        if not key and text[0] == "-" and (len(text) == 1 or text[1] == " "):
            if here < indent:
                return None
            return self.sequence(here, depth + 1)
        if here <= indent:
            return None
        return self.mapping(here, depth + 1)

    def sequence(self, indent: str, depth: int) -> list[Any]:
        if depth > _MAX_DEPTH:
            raise _Decline
        items: list[Any] = []
        lines = self.lines
        while self.at < len(lines):
            here, key, text = lines[self.at]
            if here != indent or key or text[0] != "-" or (len(text) > 1 and text[1] != " "):
                if here > indent:
                    raise _Decline
                break
            item = text[1:].strip(" ")
            if item and "#" in item:
                item = _uncommented(item)
            if not item:
                raise _Decline  # a null item, or a table in a list: PyYAML's
            self.at += 1
            items.append(self.scalar(item))  # "- a: 1" and "- - a" are declined there
        return items

    def scalar(self, text: str) -> Any:
        first = text[0]
        if first == "[":
            return self.flow_sequence(text)
        if first == "{":
            return self.flow_mapping(text)
        if first in "'\"":
            return _quoted(text)
        if _not_plain(text):
            raise _Decline
        return self.rules.value(text)

    def flow_sequence(self, text: str) -> list[Any]:
        if text[-1] != "]" or text.count("[") != 1 or text.count("]") != 1:
            raise _Decline
        if "{" in text or "}" in text:
            raise _Decline
        inner = text[1:-1].strip(" ")
        if not inner:
            return []
        items = []
        for part in inner.split(","):
            item = part.strip(" ")
            if not item:
                raise _Decline  # [a,,b] and [a, b,]: PyYAML's call
            items.append(self.flow_item(item))
        return items

    def flow_mapping(self, text: str) -> dict[str, Any]:
        if text[-1] != "}" or text.count("{") != 1 or text.count("}") != 1:
            raise _Decline
        if "[" in text or "]" in text:
            raise _Decline
        inner = text[1:-1].strip(" ")
        result: dict[str, Any] = {}
        if not inner:
            return result
        key_ok = self.rules.key_ok
        for part in inner.split(","):
            key, _, rest = part.strip(" ").partition(":")
            value = rest.strip(" ")
            if not value or rest[0] != " " or not key_ok(key) or key in result:
                raise _Decline  # {a}, {a:b}, {a: }, {'a': b}, a duplicate: PyYAML's call
            result[key] = self.flow_item(value)
        return result

    def flow_item(self, item: str) -> Any:
        """An item of a one-line flow collection: one holding no other brackets."""
        if item[0] in "'\"":
            return _quoted(item)
        if _not_plain(item):
            raise _Decline
        return self.rules.value(item)


def _quoted(text: str) -> str:
    """A quoted scalar's text: single quotes (``''`` is a quote), or double quotes
    without escapes."""
    if text[0] == "'":
        quoted = _SINGLE_QUOTED.fullmatch(text)
        if quoted is None:
            raise _Decline
        return quoted.group(1).replace("''", "'")
    quoted = _DOUBLE_QUOTED.fullmatch(text)
    if quoted is None:
        raise _Decline
    return quoted.group(1)
