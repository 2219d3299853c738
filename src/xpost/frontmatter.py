"""Split a post file into its front matter (YAML, TOML or JSON) and its body.

The three dialects Hugo reads: YAML between ``---`` lines (``...`` may close it, as
in Jekyll), TOML between ``+++`` lines, and a JSON object at the very top. Errors
name the file and the line *in the file*, not in the front-matter snippet.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from xpost.config import toml_error_position
from xpost.errors import PostError
from xpost.limits import MAX_VALUES, check_tree
from xpost.simple_yaml import read_simple_yaml

try:  # libyaml is several times faster; fall back to pure Python where it's missing
    _BaseLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class _YamlLoader(_BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader, except that a timestamp that is no real date
    (``2024-13-45``) stays a string: PyYAML raises a bare ``ValueError`` for it, and
    the key's own check then says which key holds the bad date.

    Any other value its tag cannot build (``!!int abc``, ``!!bool maybe``) is a YAML
    error at that value's line, not a crash.
    """

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.value!r} as {tag}", node.start_mark
            ) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """A key given twice is an error at its second line: YAML forbids it, and
        PyYAML would silently keep the last value (a title the author did not mean)."""
        if isinstance(node, yaml.MappingNode):
            seen: set[object] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: PyYAML itself says so below
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key!r} is given twice", key_node.start_mark
                    )
        return super().construct_mapping(node, deep)


def _timestamp(loader: Any, node: Any) -> Any:
    common = plain_timestamp(node.value)
    if common is not None:
        return common
    try:
        return _common_timestamp(node.value)
    except (ValueError, OverflowError, TypeError):
        pass  # another shape, or no real date: PyYAML's own constructor decides
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


# The timestamps front matter holds (``2024-01-02``, ``2024-01-02T10:00:00+09:00``,
# ``2024-01-02 10:00:00.5 Z``): a subset of what PyYAML's ``timestamp_regexp`` takes.
_YAML_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_YAML_DATETIME = re.compile(
    r"([0-9]{4})-([0-9][0-9]?)-([0-9][0-9]?)(?:[Tt]| +)([0-9][0-9]?):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]*))?(?: *(?:(Z)|([-+])([0-9][0-9]?)(?::([0-9]{2}))?))?"
)


# The two commonest: a date, and ISO 8601 to the second, with ``Z`` or ``±hh:mm``, each
# field in its range: a shape ``fromisoformat`` reads alike on every Python xpost runs on.
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[T ]"
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:Z|[-+](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
)


def plain_timestamp(text: str) -> date | datetime | None:
    """The value our loader gives the plain scalar ``text`` when it is a date or an ISO
    8601 time in the commonest shapes (PyYAML's resolver tags those, and no other
    resolver before it, as timestamps; its constructor builds the same value); None
    for anything else, a day that does not exist included. ``simple_yaml`` asks this
    before resolving a plain scalar (``_YamlLoader.plain_timestamp``)."""
    if len(text) < 10:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text) if _YAML_DATE.fullmatch(text) else None
        return datetime.fromisoformat(text) if _ISO_DATETIME.fullmatch(text) else None
    except ValueError:  # 2023-02-29, year 0: the loader's constructors decide
        return None


def _common_timestamp(text: str) -> date | datetime:
    """What ``SafeConstructor.construct_yaml_timestamp`` makes of ``text``, by the same
    arithmetic in a third of its time: a ``date``, or a ``datetime`` naive, in UTC or
    at a fixed offset. ``ValueError`` for other shapes and for no real date or zone."""
    if len(text) == 10:
        match = _YAML_DATE.fullmatch(text)
        if match is not None:
            year, month, day = match.groups()
            return date(int(year), int(month), int(day))
    match = _YAML_DATETIME.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second, fraction, utc, sign, zone_hour, zone_minute = (
        match.groups()
    )
    zone = _yaml_zone(sign, zone_hour, zone_minute or "0") if sign else UTC if utc else None
    return datetime(
        int(year),
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second),
        int(fraction[:6].ljust(6, "0")) if fraction else 0,
        tzinfo=zone,
    )


@lru_cache(maxsize=256)
def _yaml_zone(sign: str, hours: str, minutes: str) -> timezone:
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_YamlLoader.plain_timestamp = staticmethod(plain_timestamp)

_YAML_OPEN = re.compile(r"---[ \t]*")
_TOML_OPEN = re.compile(r"\+\+\+[ \t]*")
# The closing fence: a whole line, searched for from the line after the opener.
_YAML_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_TOML_CLOSE = re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE)


def normalise_text(text: str) -> str:
    """Drop a UTF-8 byte-order mark and turn CRLF/CR line ends into LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_front_matter(text: str, path: Path | str) -> tuple[dict[str, Any], str, int]:
    """Return ``(metadata, body, body_line)``; ``body_line`` is 1-based, in the file.

    A file without front matter gives an empty mapping and the whole text as body.
    """
    text = normalise_text(text)
    first_end = text.find("\n")
    first_line = text if first_end < 0 else text[:first_end]
    if _YAML_OPEN.fullmatch(first_line):
        return _split_fenced(text, first_end, path, "YAML", _YAML_CLOSE, _parse_yaml)
    if _TOML_OPEN.fullmatch(first_line):
        return _split_fenced(text, first_end, path, "TOML", _TOML_CLOSE, _parse_toml)
    # ``{{< shortcode >}}`` and ``{% tag %}`` at the top are body, not JSON.
    if text.startswith("{") and not text.startswith(("{{", "{%")):
        return _split_json(text, path)
    return {}, text, 1


def _split_fenced(
    text: str,
    first_end: int,
    path: Path | str,
    dialect: str,
    closer: re.Pattern[str],
    parse: Any,
) -> tuple[dict[str, Any], str, int]:
    closing = closer.search(text, first_end + 1) if first_end >= 0 else None
    if closing is None:
        raise PostError(f"{path}:1: front matter opened here is never closed")
    start = closing.start()
    source = text[first_end + 1 : start - 1] if start > first_end + 1 else ""
    body = text[closing.end() + 1 :]
    body_line = text.count("\n", 0, start) + 2
    if dialect == "YAML" and len(source) < MAX_VALUES:
        # Most front matter: read without PyYAML's construction, and no tree to
        # check: it holds fewer values than characters, a few levels deep.
        simple = read_simple_yaml(source, _YamlLoader)
        if simple is not None:
            return simple, body, body_line
    metadata = parse(source, path)
    return _as_mapping(metadata, path, dialect), body, body_line


def _too_deep(path: Path | str, dialect: str) -> PostError:
    return PostError(f"{path}:2: {dialect} front matter is nested too deeply")


def _parse_yaml(source: str, path: Path | str) -> Any:
    try:
        return yaml.load(source, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # At the end of the block (an unclosed bracket or quote) the problem mark
        # points past the last line; where the construct began is more useful.
        if exc.context_mark is not None and (mark is None or mark.index >= len(source)):
            mark = exc.context_mark
        line = mark.line + 2 if mark is not None else 1  # +1: 0-based, +1: the fence
        reason = exc.problem or "syntax error"
        if exc.context and exc.context_mark is not None:
            began = exc.context_mark.line + 2
            reason += f" ({exc.context})" if began == line else f" ({exc.context} on line {began})"
        raise PostError(f"{path}:{line}: front matter is not valid YAML: {reason}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (a control code)
        line = source.count("\n", 0, exc.position) + 2
        reason = f"character U+{exc.character:04X} is not allowed"
        raise PostError(f"{path}:{line}: front matter is not valid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise PostError(f"{path}:1: front matter is not valid YAML: {reason}") from None
    except RecursionError:
        raise _too_deep(path, "YAML") from None


def _parse_toml(source: str, path: Path | str) -> Any:
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        line, reason = toml_error_position(str(exc))
        # +1 for the opening fence; "at end of document" means the last line before the closer
        file_line = (line if line else source.count("\n") + 1) + 1
        raise PostError(f"{path}:{file_line}: front matter is not valid TOML: {reason}") from None
    except RecursionError:
        raise _too_deep(path, "TOML") from None


def _split_json(text: str, path: Path | str) -> tuple[dict[str, Any], str, int]:
    try:
        metadata, end = json.JSONDecoder(object_pairs_hook=_unique_keys).raw_decode(text)
    except json.JSONDecodeError as exc:
        raise PostError(f"{path}:{exc.lineno}: front matter is not valid JSON: {exc.msg}") from None
    except _DuplicateKey as exc:
        line = _second_line_of(text, json.dumps(exc.key, ensure_ascii=False))
        raise PostError(f"{path}:{line}: JSON front matter has the key {exc.key!r} twice") from None
    except RecursionError:
        raise _too_deep(path, "JSON") from None
    # The body starts on the line after the closing brace.
    newline = text.find("\n", end)
    body = "" if newline == -1 else text[newline + 1 :]
    body_line = text.count("\n", 0, end) + 2
    return _as_mapping(metadata, path, "JSON"), body, body_line


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise _DuplicateKey(key)
        mapping[key] = value
    return mapping


def _second_line_of(text: str, needle: str) -> int:
    first = text.find(needle)
    second = text.find(needle, first + 1) if first >= 0 else -1
    return text.count("\n", 0, second) + 1 if second >= 0 else 1


def _as_mapping(metadata: Any, path: Path | str, dialect: str) -> dict[str, Any]:
    if metadata is None:  # an empty YAML block
        return {}
    if not isinstance(metadata, dict):
        kind = type(metadata).__name__
        raise PostError(f"{path}:2: {dialect} front matter must be a mapping of keys, got {kind}")
    too_big = check_tree(metadata)
    if too_big:
        raise PostError(f"{path}:2: {dialect} front matter has {too_big}")
    return {str(key): value for key, value in metadata.items()}


_DATE_STRING = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?"
)


def parse_date(value: object, default_tz: tzinfo) -> datetime:
    """A front-matter date as an aware ``datetime``; naive ones get ``default_tz``.

    Accepts what YAML and TOML already parsed (``datetime``, ``date``) and strings:
    ISO 8601, ``2022-07-15 15:16:04-07:00``, Jekyll's ``2021-03-04 10:00:00 +0900``,
    Zenn's ``2023-01-01 09:00``, a bare ``2023-01-01``. Raises ``ValueError``.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        parsed = _parse_date_string(value.strip())
    else:
        raise ValueError(f"expected a date, got {type(value).__name__}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return _in_range(parsed)


#: Years a date may fall in: wide enough for any post, narrow enough that converting
#: it to UTC and adding a year of schedule arithmetic cannot overflow ``datetime``.
FIRST_YEAR, LAST_YEAR = 1000, 9998


def _in_range(parsed: datetime) -> datetime:
    if FIRST_YEAR < parsed.year < LAST_YEAR:
        return parsed  # a zone moves the UTC year by one at most: inside the range too
    try:
        year = parsed.astimezone(UTC).year
    except (OverflowError, ValueError):
        year = parsed.year
    if not FIRST_YEAR <= year <= LAST_YEAR or not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValueError(
            f"{parsed.isoformat()} is out of range (years {FIRST_YEAR} to {LAST_YEAR})"
        )
    return parsed


# What JavaScript's ``Date`` reads and Astro's starter uses: ``Jul 08 2022``,
# ``July 8, 2022``, ``Fri, 08 Jul 2022 10:00:00 +0000`` (RFC 2822), ``8 July 2022``.
_NAMED_DATE = re.compile(
    r"(?:[A-Za-z]{3,9}\.?,?\s+)??"  # a weekday
    r"(?:(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    r"|(?P<day2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month2>[A-Za-z]{3,9})\.?),?\s+(?P<year>\d{4})"
    r"(?:,?\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
    r"\s*(?P<offset>Z|UTC|GMT|(?:GMT|UTC)?[+-]\d{2}:?\d{2})?"
)
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def _named_month(name: str) -> int | None:
    lowered = name.lower()
    if lowered == "sept":
        return 9
    return next((n for n, m in enumerate(_MONTHS, 1) if m.startswith(lowered)), None)


def _parse_named_date(text: str) -> datetime | None:
    """``Jul 08 2022`` and its kin, or None when ``text`` is not one."""
    match = _NAMED_DATE.fullmatch(text)
    if match is None:
        return None
    month = _named_month(match["month"] or match["month2"])
    if month is None:
        return None
    day = int(match["day"] or match["day2"])
    try:
        parsed = datetime(
            int(match["year"]),
            month,
            day,
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
        )
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None
    offset = match["offset"]
    if offset is None:
        return parsed
    offset = offset.removeprefix("GMT").removeprefix("UTC")
    if offset in ("", "Z"):
        return parsed.replace(tzinfo=UTC)
    return _with_offset(parsed, offset)


def _with_offset(parsed: datetime, offset: str) -> datetime:
    """``parsed`` in the zone ``+09:00`` / ``-0700`` / ``+09``."""
    digits = offset[1:].replace(":", "").ljust(4, "0")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return parsed.replace(tzinfo=timezone(-delta if offset[0] == "-" else delta))


def _parse_date_string(text: str) -> datetime:
    match = _DATE_STRING.fullmatch(text)
    if match is None:
        named = _parse_named_date(text)
        if named is not None:
            return named
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD or YYYY-MM-DD hh:mm:ss)")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        parsed = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
        )
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None
    if offset is None:
        return parsed
    if offset in ("Z", "z", "UTC"):
        return parsed.replace(tzinfo=UTC)
    return _with_offset(parsed, offset)


def dated_name_date(path: Path | str, text: str, tz: tzinfo) -> datetime:
    """The date in a Jekyll file name (``2024-01-02-title.md``); ``PostError`` if no date."""
    try:
        return parse_date(text, tz)
    except ValueError as exc:
        raise PostError(f"{path}: the date in the file name: {exc}") from None


class FrontMatter:
    """Typed access to front-matter values; a wrong type is a ``PostError`` naming the key."""

    def __init__(self, metadata: dict[str, Any], path: Path | str, tz: tzinfo) -> None:
        self.metadata = metadata
        self.path = path
        self.tz = tz

    def text(self, key: str) -> str:
        value = self.metadata.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise PostError(f"{self.path}: {key}: expected a string, got {describe_type(value)}")
        return str(value).strip()

    def date(self, keys: tuple[str, ...]) -> datetime | None:
        if self.metadata.keys().isdisjoint(keys):  # most posts give one date key of many
            return None
        for key in keys:
            value = self.metadata.get(key)
            if value is None or value == "":
                continue
            try:
                return parse_date(value, self.tz)
            except ValueError as exc:
                raise PostError(f"{self.path}: {key}: {exc}") from None
        return None

    def names(self, key: str, spaced: bool = False) -> list[str]:
        """A tag-like list: ``[a, b]``, ``"a, b"``, or Qiita's ``[{name: a}]``.

        ``spaced``: a string without commas is a space-separated list, as Jekyll
        reads ``tags: jekyll liquid`` (two tags).
        """
        value = self.metadata.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            separator = None if spaced and "," not in value else ","
            return [part.strip() for part in value.split(separator) if part.strip()]
        if not isinstance(value, list):
            raise PostError(f"{self.path}: {key}: expected a list, got {describe_type(value)}")
        names: list[str] = []
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                item = item["name"]
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                raise PostError(
                    f"{self.path}: {key}: expected a list of names, found {describe_type(item)}"
                )
            if str(item).strip():
                names.append(str(item).strip())
        return names


def describe_type(value: object) -> str:
    """A value's type in the words of the error messages: ``a string``, ``a table``."""
    names = {str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    names |= {list: "a list", dict: "a table", type(None): "nothing"}
    return names.get(type(value), type(value).__name__)
