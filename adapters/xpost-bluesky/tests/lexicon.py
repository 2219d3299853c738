"""A validator for AT Protocol Lexicon documents, used by the fake PDS.

It reads the lexicons in ``shared/contracts/bluesky/lexicons`` and checks a value
against a definition the way the Lexicon spec describes: objects (required, nullable;
unknown keys are refused here, to catch typos), strings (``maxLength`` in UTF-8 bytes,
``maxGraphemes``, formats), integers, arrays, refs, unions by ``$type``, blobs
(``accept``, ``maxSize``) and records. A reference to a lexicon that is not in the
contracts folder is an error: nothing unchecked gets through.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import regex

_GRAPHEME = regex.compile(r"\X")
_FORMATS = {
    "datetime": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})"),
    "uri": re.compile(r"[a-z][a-z0-9+.-]*:\S+"),
    "at-uri": re.compile(r"at://[^\s/]+(/[a-z0-9.-]+(/[A-Za-z0-9._:~-]+)?)?"),
    "did": re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]"),
    "cid": re.compile(r"[A-Za-z0-9+/=]{8,}"),
    "language": re.compile(r"(i|[a-z]{2,3})(-[A-Za-z0-9]{1,8})*"),
    "handle": re.compile(
        r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    ),
    "nsid": re.compile(r"[a-zA-Z]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*)?)+"),
    "record-key": re.compile(r"(?!\.{1,2}$)[A-Za-z0-9._:~-]{1,512}"),
    "tid": re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}"),
}
_FORMATS["at-identifier"] = re.compile(f"{_FORMATS['did'].pattern}|{_FORMATS['handle'].pattern}")


class Lexicons:
    def __init__(self, root: Path) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        for path in sorted(root.rglob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            self.docs[doc["id"]] = doc

    def definition(self, ref: str, context: str = "") -> tuple[dict[str, Any], str]:
        """The definition ``ref`` names (``#x``, ``a.b.c#x`` or ``a.b.c``) and its doc id."""
        doc_id, _, name = ref.partition("#")
        doc_id = doc_id or context
        doc = self.docs.get(doc_id)
        if doc is None:
            raise KeyError(f"lexicon {doc_id} is not in the contracts")
        return doc["defs"][name or "main"], doc_id

    def input_errors(self, nsid: str, body: Any) -> list[str]:
        """Errors of a procedure's JSON input."""
        definition, doc_id = self.definition(nsid)
        return self.errors(body, definition["input"]["schema"], doc_id, "input")

    def params_errors(self, nsid: str, params: dict[str, str]) -> list[str]:
        definition, doc_id = self.definition(nsid)
        schema = definition["parameters"]
        errors = [
            f"params: missing {key}" for key in schema.get("required", []) if key not in params
        ]
        for key, value in params.items():
            prop = schema["properties"].get(key)
            if prop is None:
                errors.append(f"params: unknown parameter {key}")
            else:
                errors += self.errors(value, prop, doc_id, f"params.{key}")
        return errors

    def record_errors(self, collection: str, record: Any, rkey: str | None) -> list[str]:
        try:
            definition, doc_id = self.definition(collection)
        except KeyError as error:
            return [str(error)]
        errors: list[str] = []
        if not isinstance(record, dict) or record.get("$type") != collection:
            errors.append(f"record: $type must be {collection}")
        if (
            rkey is not None
            and definition.get("key") == "tid"
            and not _FORMATS["tid"].fullmatch(rkey)
        ):
            errors.append(f"rkey {rkey!r} is not a TID, as {collection} records need")
        return errors + self.errors(record, definition["record"], doc_id, "record")

    def errors(self, value: Any, schema: dict[str, Any], context: str, path: str) -> list[str]:
        kind = schema["type"]
        check = getattr(self, "_" + kind.replace("-", "_"), None)
        if check is None:
            return []  # unknown, bytes, cid-link: anything goes
        result: list[str] = check(value, schema, context, path)
        return result

    def _object(self, value: Any, schema: dict[str, Any], context: str, path: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        errors = [
            f"{path}: missing {key}" for key in schema.get("required", []) if key not in value
        ]
        nullable = set(schema.get("nullable", []))
        for key, item in value.items():
            prop = schema.get("properties", {}).get(key)
            if key == "$type":
                continue
            if prop is None:
                errors.append(f"{path}: unknown key {key}")
            elif item is None and key in nullable:
                continue
            else:
                errors += self.errors(item, prop, context, f"{path}.{key}")
        return errors

    def _string(self, value: Any, schema: dict[str, Any], context: str, path: str) -> list[str]:
        if not isinstance(value, str):
            return [f"{path}: expected a string"]
        errors = []
        size = len(value.encode("utf-8"))
        if "maxLength" in schema and size > schema["maxLength"]:
            errors.append(f"{path}: {size} bytes > maxLength {schema['maxLength']}")
        if "minLength" in schema and size < schema["minLength"]:
            errors.append(f"{path}: {size} bytes < minLength {schema['minLength']}")
        graphemes = len(_GRAPHEME.findall(value))
        if "maxGraphemes" in schema and graphemes > schema["maxGraphemes"]:
            errors.append(f"{path}: {graphemes} graphemes > maxGraphemes {schema['maxGraphemes']}")
        if "enum" in schema and value not in schema["enum"]:
            errors.append(f"{path}: {value!r} not one of {schema['enum']}")
        pattern = _FORMATS.get(schema.get("format", ""))
        if pattern is not None and not pattern.fullmatch(value):
            errors.append(f"{path}: {value!r} is not a valid {schema['format']}")
        return errors

    def _integer(self, value: Any, schema: dict[str, Any], context: str, path: str) -> list[str]:
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{path}: expected an integer"]
        if "minimum" in schema and value < schema["minimum"]:
            return [f"{path}: {value} < minimum {schema['minimum']}"]
        if "maximum" in schema and value > schema["maximum"]:
            return [f"{path}: {value} > maximum {schema['maximum']}"]
        return []

    def _boolean(self, value: Any, schema: dict[str, Any], context: str, path: str) -> list[str]:
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean"]

    def _array(self, value: Any, schema: dict[str, Any], context: str, path: str) -> list[str]:
        if not isinstance(value, list):
            return [f"{path}: expected an array"]
        errors = []
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: {len(value)} items > maxLength {schema['maxLength']}")
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{path}: {len(value)} items < minLength {schema['minLength']}")
        for index, item in enumerate(value):
            errors += self.errors(item, schema["items"], context, f"{path}[{index}]")
        return errors

    def _ref(self, value: Any, schema: dict[str, Any], context: str, path: str) -> list[str]:
        try:
            definition, doc_id = self.definition(schema["ref"], context)
        except KeyError as error:
            return [f"{path}: {error}"]
        return self.errors(value, definition, doc_id, path)

    def _union(self, value: Any, schema: dict[str, Any], context: str, path: str) -> list[str]:
        if not isinstance(value, dict) or not isinstance(value.get("$type"), str):
            return [f"{path}: a union member needs a $type"]
        wanted = value["$type"].removesuffix("#main")
        refs = {
            (context + ref if ref.startswith("#") else ref).removesuffix("#main")
            for ref in schema["refs"]
        }
        if wanted not in refs:
            return [f"{path}: $type {wanted} is not one of {sorted(refs)}"]
        return self._ref(value, {"ref": wanted}, context, path)

    def _blob(self, value: Any, schema: dict[str, Any], context: str, path: str) -> list[str]:
        if not isinstance(value, dict) or value.get("$type") != "blob":
            return [f"{path}: expected a blob ($type blob)"]
        errors = []
        if not isinstance((value.get("ref") or {}).get("$link"), str):
            errors.append(f"{path}: blob without ref.$link")
        mime, size = value.get("mimeType"), value.get("size")
        if not isinstance(mime, str) or not isinstance(size, int):
            return [*errors, f"{path}: blob without mimeType and size"]
        if "accept" in schema and not any(fnmatch.fnmatch(mime, p) for p in schema["accept"]):
            errors.append(f"{path}: {mime} not accepted ({schema['accept']})")
        if "maxSize" in schema and size > schema["maxSize"]:
            errors.append(f"{path}: {size} bytes > maxSize {schema['maxSize']}")
        return errors
