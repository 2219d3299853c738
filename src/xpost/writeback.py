"""Writing syndication URLs back into a post's front matter, changing nothing else.

The post gains (or extends) a ``syndication`` list, the IndieWeb convention Hugo
themes render as ``u-syndication`` links. The file is edited as text, never
re-serialised: only the lines that hold the list change, and every other byte —
comments, quoting, key order, CRLF line ends, a BOM, a missing final newline —
stays as it was. Each edit is checked by parsing the result before the file is
replaced, and again after; a result that does not read back as intended is never
left behind.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from xpost.errors import PostError
from xpost.frontmatter import describe_type, split_front_matter

KEY = "syndication"

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f]+")


class _Unsupported(Exception):
    """The front matter is laid out in a way this module does not edit safely."""


def add_syndication(path: Path, urls: Sequence[str]) -> bool:
    """Make the front matter's ``syndication`` list hold ``urls`` (added, in order, to
    what is there); every other byte of the file stays as it was. True if it changed.

    False, without touching the file, when every URL is already listed. A file
    without front matter, a ``syndication`` value that is not a list, or an edit
    that would not read back exactly is a ``PostError`` and the file is unchanged.
    """
    wanted = [urls] if isinstance(urls, str) else list(urls)
    target = path.resolve()  # write through a symlink instead of replacing it
    original = _read(target, path)
    text = _decode(original, path)
    metadata, body, body_line = split_front_matter(text, path)
    if body_line == 1:  # no front matter: inventing one is not ours to do
        raise PostError(
            f"{path}: has no front matter to add {KEY} to; add one (---, title: …, ---) "
            f"and run again"
        )
    existing = _listed_urls(metadata, path)
    new = [url for url in dict.fromkeys(wanted) if url not in existing]
    if not new:
        return False
    for url in new:
        if not _URL.fullmatch(url):
            raise PostError(f"{path}: cannot add {url!r} to {KEY}: not an http(s) URL")

    expected = {**metadata, KEY: [*existing, *new]}
    candidates = _edits(text, new, path)
    updated = next((c for c in candidates if _reads_back(c, expected, body, path)), None)
    if updated is None:
        raise PostError(_unsafe_message(path, new))
    data = updated.encode("utf-8")
    _replace(target, data, original, path)
    if not _reads_back(_decode(_read(target, path), path), expected, body, path):
        _replace(target, original, None, path)
        raise PostError(f"{path}: {KEY} did not read back as written; the file was restored")
    return True


# --- reading, checking and writing the file ------------------------------------------


def _read(target: Path, shown: Path) -> bytes:
    try:
        return target.read_bytes()
    except OSError as exc:
        raise PostError(f"{shown}: cannot read: {exc.strerror}") from None


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")  # decoding and re-encoding UTF-8 is byte-exact
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PostError(f"{path}:{line}: not a text file in UTF-8 (invalid byte)") from None


def _listed_urls(metadata: dict[str, Any], path: Path) -> list[str]:
    value = metadata.get(KEY)
    if value is None:
        return []
    if not isinstance(value, list):
        found = f"got {describe_type(value)}"
    elif odd := [item for item in value if not isinstance(item, str)]:
        found = f"found {describe_type(odd[0])} in it"
    else:
        return list(value)
    raise PostError(
        f"{path}: {KEY}: expected a list of URLs, {found}; fix it by hand and run again"
    )


def _reads_back(text: str, expected: dict[str, Any], body: str, path: Path) -> bool:
    try:
        metadata, new_body, _ = split_front_matter(text, path)
    except PostError:
        return False
    return metadata == expected and new_body == body


def _unsafe_message(path: Path, urls: list[str]) -> str:
    return (
        f"{path}: cannot add to {KEY} without changing other front matter "
        f"(unusual layout); the file is unchanged, add by hand: {', '.join(urls)}"
    )


def _replace(target: Path, data: bytes, current: bytes | None, shown: Path) -> None:
    """Atomically replace ``target`` with ``data``, keeping its mode.

    With ``current``, the file must still hold those bytes (nobody saved it since
    it was read), or nothing is written.
    """
    tmp = ""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if current is not None and target.read_bytes() != current:
            raise PostError(f"{shown}: changed while xpost was writing it; nothing written, rerun")
        os.replace(tmp, target)
        tmp = ""
    except OSError as exc:
        raise PostError(f"{shown}: cannot write: {exc.strerror}") from None
    finally:
        if tmp:
            Path(tmp).unlink(missing_ok=True)


# --- editing: one function per dialect -------------------------------------------------


def _edits(text: str, urls: list[str], path: Path) -> list[str]:
    """The edited text, or several candidates to try in order (the first that reads back wins)."""
    lines = _LINE.findall(text)
    first = lines[0].lstrip("\ufeff").rstrip("\r\n").rstrip(" \t") if lines else ""
    try:
        if first == "---":
            return _edit_yaml(text, lines, urls)
        if first == "+++":
            return [_edit_toml(text, lines, urls)]
        return [_edit_json(text, lines, urls)]  # the caller made sure there is front matter
    except _Unsupported:
        raise PostError(_unsafe_message(path, urls)) from None


# YAML ---------------------------------------------------------------------------------

_YAML_CLOSE = re.compile(r"(?:---|\.\.\.)[ \t]*")
_YAML_KEY = re.compile(r"""(?:syndication|"syndication"|'syndication')[ \t]*:(?=[ \t]|$)""")
_YAML_ITEM = re.compile(r"(?P<indent>[ \t]*)-(?P<gap>[ \t]+|$)(?P<value>.*)")
_YAML_NULL = re.compile(r"(?:null|Null|NULL|~)(?=[ \t]*(?:#.*)?$)")
_YAML_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9\-._~:/?#@!$&'()*+;=%,\[\]{}]*")
_YAML_EMPTY_KEY = re.compile(r"[^\s#-][^#]*:[ \t]*(?:#.*)?")
_NOT_KEYS = ("", " ", "\t", "#", "-")  # how lines that are no top-level key start


def _edit_yaml(text: str, lines: list[str], urls: list[str]) -> list[str]:
    close = _closing_fence(lines, _YAML_CLOSE)
    eol = _eol(lines[0])
    keys = [i for i in range(1, close) if _YAML_KEY.match(_content(lines[i]))]
    if not keys:
        indent = _yaml_sequence_indent(lines[1:close])
        added = [f"{KEY}:{eol}", *(f"{indent}- {_yaml_scalar(url)}{eol}" for url in urls)]
        # Just before the closing fence, unless that would change the value above it
        # (a block scalar ending there gains a line break): then before a top-level key.
        tops = [i for i in range(close - 1, 0, -1) if _content(lines[i])[:1] not in _NOT_KEYS]
        return ["".join([*lines[:at], *added, *lines[at:]]) for at in (close, *tops)]

    key = keys[-1]  # with a duplicated key YAML keeps the last one
    line = _content(lines[key])
    match = _YAML_KEY.match(line)
    assert match is not None
    value_at = len(line) - len(line[match.end() :].lstrip(" \t"))
    value = line[value_at:]
    start = sum(map(len, lines[:key])) + value_at
    if value.startswith("["):
        quote = _last_quote(text, start, yaml=True)
        quoted = [_yaml_scalar(url, flow=True, quote=quote) for url in urls]
        return [_extend_array(text, start, quoted, eol, yaml=True)]
    if null := _YAML_NULL.match(value):
        flow = "[" + ", ".join(_yaml_scalar(url, flow=True) for url in urls) + "]"
        return [text[:start] + flow + text[start + null.end() :]]
    if value and not value.startswith("#"):
        raise _Unsupported
    return [_extend_yaml_block(lines, key, close, urls, eol)]


def _extend_yaml_block(lines: list[str], key: int, close: int, urls: list[str], eol: str) -> str:
    """Append ``- url`` items after the block list under ``lines[key]`` (maybe empty)."""
    end = key + 1  # one past the list's last line of content
    last_item: re.Match[str] | None = None
    for index in range(key + 1, close):
        line = _content(lines[index])
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            break  # the next top-level key
        end = index + 1
        item = _YAML_ITEM.fullmatch(line)
        if item and (last_item is None or item["indent"] == last_item["indent"]):
            last_item = item
    if last_item is None:
        if end != key + 1:
            raise _Unsupported  # something other than a list is nested under the key
        indent, gap, quote = _yaml_sequence_indent(lines[1:close]), " ", ""
    else:
        indent, gap = last_item["indent"], last_item["gap"] or " "
        quote = last_item["value"][:1] if last_item["value"][:1] in ("'", '"') else ""
    added = [f"{indent}-{gap}{_yaml_scalar(url, quote=quote)}{eol}" for url in urls]
    return "".join([*lines[:end], *added, *lines[end:]])


def _yaml_sequence_indent(lines: list[str]) -> str:
    """How this front matter indents block-list items: its first one's, else two spaces."""
    for previous, line in pairwise(lines):
        if _YAML_EMPTY_KEY.fullmatch(_content(previous)):
            item = _YAML_ITEM.fullmatch(_content(line))
            if item and item["gap"]:
                return item["indent"]
    return "  "


def _yaml_scalar(url: str, *, flow: bool = False, quote: str = "") -> str:
    """``url`` as a YAML scalar: plain where that is unambiguous, else quoted."""
    if quote == "'":
        return "'" + url.replace("'", "''") + "'"
    plain = (
        not quote
        and _YAML_PLAIN.fullmatch(url) is not None
        and not url.endswith(":")  # `- a:` would be a mapping
        and not (flow and any(char in url for char in ",[]{}"))
    )
    return url if plain else json.dumps(url, ensure_ascii=False)


# TOML ---------------------------------------------------------------------------------

_TOML_FENCE = re.compile(r"\+\+\+[ \t]*")
_TOML_BARE = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_TOML_PAIR = re.compile(rf"[ \t]*(?P<key>{_TOML_BARE}(?:[ \t]*\.[ \t]*{_TOML_BARE})*)[ \t]*=[ \t]*")
_TOML_KEY_NAMES = ("syndication", '"syndication"', "'syndication'")


def _edit_toml(text: str, lines: list[str], urls: list[str]) -> str:
    close = _closing_fence(lines, _TOML_FENCE)
    eol = _eol(lines[0])
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    insert_at = close  # without tables, the new key goes just before the closing fence
    last_pair_end = 0  # the opening fence
    index = 1
    while index < close:
        line = _content(lines[index])
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        if stripped.startswith("["):  # the first table: root keys must come before it
            insert_at = last_pair_end + 1
            break
        pair = _TOML_PAIR.match(line)
        if pair is None:
            raise _Unsupported
        value_at = offsets[index] + pair.end()
        if pair["key"] in _TOML_KEY_NAMES:
            if text[value_at] != "[":
                raise _Unsupported
            quote = _last_quote(text, value_at, yaml=False)
            quoted = [_toml_string(url, literal=quote == "'") for url in urls]
            return _extend_array(text, value_at, quoted, eol, yaml=False)
        end = _toml_value_end(text, value_at)
        while offsets[index + 1] < end:  # a value spanning lines: an array, a long string
            index += 1
        last_pair_end = index
        index += 1

    line = f"{KEY} = [{', '.join(_toml_string(url) for url in urls)}]{eol}"
    return "".join([*lines[:insert_at], line, *lines[insert_at:]])


def _toml_value_end(text: str, start: int) -> int:
    if text.startswith(('"""', "'''"), start):
        return _string_end(text, start)
    if text[start] in "[{":
        return _scan_brackets(text, start, yaml=False).close + 1
    return start + 1  # a one-line value


def _toml_string(url: str, *, literal: bool = False) -> str:
    if literal and "'" not in url:
        return f"'{url}'"
    return json.dumps(url, ensure_ascii=False)  # a JSON string is a TOML basic string


def _last_quote(text: str, open_at: int, *, yaml: bool) -> str:
    """The quote character of the array's last element: new ones follow its style."""
    scan = _scan_brackets(text, open_at, yaml=yaml)
    if scan.last_start is None:
        return ""
    return text[scan.last_start] if text[scan.last_start] in "'\"" else ""


# JSON ---------------------------------------------------------------------------------

_JSON_SPACE = " \t\r\n"


@dataclass(frozen=True)
class _Member:
    key: str
    key_at: int
    value_at: int
    value_end: int


def _edit_json(text: str, lines: list[str], urls: list[str]) -> str:
    eol = next((_eol(line) for line in lines if _eol(line)), "\n")
    open_at = text.index("{")
    members = _json_members(text, open_at)
    quoted = [json.dumps(url, ensure_ascii=False) for url in urls]
    listed = [member for member in members if member.key == KEY]
    if listed:
        member = listed[-1]  # with a duplicated key JSON keeps the last one
        if text[member.value_at] == "[":
            return _extend_array(text, member.value_at, quoted, eol, yaml=False)
        if text.startswith("null", member.value_at):
            return f"{text[: member.value_at]}[{', '.join(quoted)}]{text[member.value_end :]}"
        raise _Unsupported
    pair = f'"{KEY}": [{", ".join(quoted)}]'
    if not members:
        return f"{text[: open_at + 1]}{pair}{text[open_at + 1 :]}"
    last = members[-1]
    if "\n" in text[open_at : members[0].key_at] or "\r" in text[open_at : members[0].key_at]:
        indent = _indent_at(text, last.key_at)
        separator = f",{eol}{indent}"
    else:
        separator = ", "
    return text[: last.value_end] + separator + pair + text[last.value_end :]


def _json_members(text: str, open_at: int) -> list[_Member]:
    """The top-level object's members with their positions in ``text``."""
    decoder = json.JSONDecoder()

    def skip(at: int) -> int:
        while at < len(text) and text[at] in _JSON_SPACE:
            at += 1
        return at

    members: list[_Member] = []
    at = skip(open_at + 1)
    try:
        if text[at] == "}":
            return members
        while True:
            key, after_key = decoder.raw_decode(text, at)
            colon = skip(after_key)
            value_at = skip(colon + 1)
            _, value_end = decoder.raw_decode(text, value_at)
            members.append(_Member(str(key), at, value_at, value_end))
            at = skip(value_end)
            if text[at] == "}":
                return members
            at = skip(at + 1)  # past the comma
    except (ValueError, IndexError):
        raise _Unsupported from None


# Arrays (YAML flow lists, TOML and JSON arrays) ---------------------------------------


@dataclass(frozen=True)
class _ArrayScan:
    close: int
    """Where the closing bracket is."""
    last_start: int | None
    """Where the last element starts, None for an empty array."""
    last_end: int | None
    """One past the last element's last character."""
    trailing_comma: bool


def _extend_array(text: str, open_at: int, items: list[str], eol: str, *, yaml: bool) -> str:
    """Add ``items`` (already quoted) at the end of the array whose ``[`` is at ``open_at``."""
    scan = _scan_brackets(text, open_at, yaml=yaml)
    if scan.last_end is None:  # `[]` or `[ ]`
        return f"{text[: open_at + 1]}{', '.join(items)}{text[scan.close :]}"
    close_line = _line_start(text, scan.close)
    if close_line > open_at and not text[close_line : scan.close].strip():
        # `]` on a line of its own: one new line per item, indented like the last one.
        indent = _indent_at(text, scan.last_end - 1)
        added = [f"{indent}{item},{eol}" for item in items]
        if not scan.trailing_comma:
            added[-1] = f"{indent}{items[-1]}{eol}"
        comma = "" if scan.trailing_comma else ","
        middle = text[scan.last_end : close_line]
        return f"{text[: scan.last_end]}{comma}{middle}{''.join(added)}{text[close_line:]}"
    added_inline = "".join(f", {item}" for item in items)
    return text[: scan.last_end] + added_inline + text[scan.last_end :]


def _scan_brackets(text: str, open_at: int, *, yaml: bool) -> _ArrayScan:
    """Find the bracket closing ``text[open_at]`` and the array's last element.

    Knows strings (``"…"`` with escapes, ``'…'``, TOML's triple quotes) and ``#``
    comments (in YAML only after a space, as ``a#b`` is a plain scalar there).
    """
    depth = 0
    at = open_at
    value_start = True  # a quote opens a string only where a value may start
    last_start: int | None = None
    last_end: int | None = None
    trailing_comma = False
    while at < len(text):
        char = text[at]
        if char in "\"'" and value_start:
            end = _string_end(text, at)
            if depth == 1:
                last_start, last_end, trailing_comma = at, end, False
            at, value_start = end, False
            continue
        if char == "#" and (not yaml or text[at - 1] in " \t\r\n"):
            at = _line_end(text, at)
            continue
        if char in "[{":
            depth += 1
            if depth == 2:
                last_start = at
            value_start = True
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return _ArrayScan(at, last_start, last_end, trailing_comma)
            if depth == 1:
                last_end, trailing_comma = at + 1, False
            value_start = False
        elif char == ",":
            trailing_comma = trailing_comma or depth == 1
            value_start = True
        elif char == ":" and depth > 1:
            value_start = True
        elif not char.isspace():
            if depth == 1:
                if value_start or last_end != at:
                    last_start = at
                last_end, trailing_comma = at + 1, False
            value_start = False
        at += 1
    raise _Unsupported


def _string_end(text: str, at: int) -> int:
    """One past the string literal starting at ``text[at]``."""
    triple = text[at : at + 3]
    if triple in ('"""', "'''"):
        end = text.find(triple, at + 3)
        if end == -1:
            raise _Unsupported
        end += 3
        while text[end : end + 1] == triple[0]:  # TOML allows up to two quotes before the end
            end += 1
        return end
    if text[at] == "'":
        end = text.find("'", at + 1)
        if end == -1:
            raise _Unsupported
        return end + 1
    index = at + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
        elif text[index] == '"':
            return index + 1
        else:
            index += 1
    raise _Unsupported


# Lines --------------------------------------------------------------------------------


def _closing_fence(lines: list[str], closer: re.Pattern[str]) -> int:
    for index in range(1, len(lines)):
        if closer.fullmatch(_content(lines[index])):
            return index
    raise _Unsupported  # split_front_matter already reported an unclosed block


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def _eol(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _line_start(text: str, at: int) -> int:
    return max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1


def _line_end(text: str, at: int) -> int:
    ends = [end for end in (text.find("\n", at), text.find("\r", at)) if end != -1]
    return min(ends) if ends else len(text)


def _indent_at(text: str, at: int) -> str:
    """The leading whitespace of the line holding ``text[at]``."""
    start = _line_start(text, at)
    line = text[start:at]
    return line[: len(line) - len(line.lstrip(" \t"))]
