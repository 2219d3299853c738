"""Typed validation of user-written tables (config, front matter) with msgspec,
turning its errors into messages that name the key the user has to fix."""

from __future__ import annotations

import re
from typing import Any, TypeVar
from urllib.parse import urlsplit

import msgspec

from xpost.errors import ConfigError

T = TypeVar("T")

# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
_AT = r" - at `\$(?P<path>[^`]*)`$"
_UNKNOWN = r"^Object contains unknown field `(?P<key>[^`]+)`"
_MISSING = r"^Object missing required field `(?P<key>[^`]+)`"
_EXPECTED = r"^Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`"
TYPE_NAMES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "array": "a list",
    "object": "a table",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
    "null": "nothing",
}


def key_error(err: msgspec.ValidationError) -> tuple[str, str]:
    """Split a msgspec error into (dotted key path, plain-English problem).

    ``Expected `str | null`, got `int` - at `$.site.permalink``` becomes
    ``("site.permalink", "expected a string, got an integer")``.
    """
    text = str(err)
    path = ""
    if at := re.search(_AT, text):
        text = text[: at.start()]
        path = at.group("path").lstrip(".")
    if m := re.match(_UNKNOWN, text):
        return path, f"unknown key '{m.group('key')}'"
    if m := re.match(_MISSING, text):
        return path, f"missing required key '{m.group('key')}'"
    if m := re.match(_EXPECTED, text):
        wanted = [w for w in m.group("want").split(" | ") if w != "null"] or ["null"]
        want = " or ".join(TYPE_NAMES.get(w, w) for w in wanted)
        return path, f"expected {want}, got {TYPE_NAMES.get(m.group('got'), m.group('got'))}"
    return path, text[:1].lower() + text[1:]


def convert(data: Any, typ: type[T]) -> T:
    """``msgspec.convert`` with the strictness the TOML/YAML a user wrote deserves."""
    return msgspec.convert(data, typ, strict=True)


def checked_api_base(value: str, key: str, example: str) -> str:
    """``value`` checked to be an http(s) base URL, without its trailing slash; else a
    ``ConfigError`` naming the config ``key`` (``[qiita] api_base``)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{key}: expected an http(s) URL like {example}, got {value!r}")
    return value.rstrip("/")
