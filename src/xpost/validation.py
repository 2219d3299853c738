"""Typed validation of user-written tables (config, front matter) with msgspec,
turning its errors into messages that name the key the user has to fix."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<key>[^`]+)`")
_MISSING = re.compile(r"^Object missing required field `(?P<key>[^`]+)`")
_EXPECTED = re.compile(r"^Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`")
_TYPE_NAMES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "array": "a list",
    "object": "a table",
    "null": "nothing",
}


def key_error(err: msgspec.ValidationError) -> tuple[str, str]:
    """Split a msgspec error into (dotted key path, plain-English problem)."""
    text = str(err)
    path = ""
    if at := _AT.search(text):
        text = text[: at.start()]
        path = at.group("path").lstrip(".")
    if m := _UNKNOWN.match(text):
        return _join(path, m.group("key")), "unknown key"
    if m := _MISSING.match(text):
        return _join(path, m.group("key")), "required key is missing"
    if m := _EXPECTED.match(text):
        want = " or ".join(_TYPE_NAMES.get(t, t) for t in m.group("want").split(" | "))
        return path, f"expected {want}, got {_TYPE_NAMES.get(m.group('got'), m.group('got'))}"
    return path, text[:1].lower() + text[1:]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def convert(data: Any, typ: type[T]) -> T:
    """``msgspec.convert`` with the strictness the TOML/YAML a user wrote deserves."""
    return msgspec.convert(data, typ, strict=True)
