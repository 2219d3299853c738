"""Misskey's published API contract — the npm ``misskey-js`` package's generated types —
read as JSON Schema.

``misskey-js`` ships ``built/autogen/types.d.ts``, generated from Misskey's own OpenAPI
document: every endpoint's request body (``operations['notes___create']``) and the
entities it answers with (``components['schemas']['Note']``). This module parses the
TypeScript subset that file uses (object types with optional members and index
signatures, unions, intersections, arrays, string literals, primitives and
``components['schemas'][…]`` references) into JSON Schema for jsonschema. Objects are
closed (``additionalProperties: false``): a field the contract does not name is an
error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<id>[A-Za-z_$][\w$]*)|(?P<p>[{}()\[\]|&;:?,<>=]))"
)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_PRIMITIVES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "null": {"type": "null"},
    "unknown": {},
    "any": {},
    "Blob": {},
    "never": {"not": {}},
}


class _Parser:
    def __init__(self, text: str, types: MisskeyTypes) -> None:
        self.tokens = [m for m in _TOKEN.finditer(text) if m.group().strip()]
        self.at = 0
        self.types = types

    def peek(self) -> str:
        return self.tokens[self.at].group().strip() if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if expected is not None and token != expected:
            raise SyntaxError(f"expected {expected!r}, got {token!r}")
        self.at += 1
        return token

    def type(self) -> dict[str, Any]:
        if self.peek() == "|":
            self.take()
        options = [self.intersection()]
        while self.peek() == "|":
            self.take()
            options.append(self.intersection())
        return options[0] if len(options) == 1 else {"anyOf": options}

    def intersection(self) -> dict[str, Any]:
        parts = [self.postfix()]
        while self.peek() == "&":
            self.take()
            parts.append(self.postfix())
        if len(parts) == 1:
            return parts[0]
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in parts:
            part = self.types.resolve(part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        merged["additionalProperties"] = False
        return merged

    def postfix(self) -> dict[str, Any]:
        schema = self.primary()
        while self.peek() == "[" and self.tokens[self.at + 1].group().strip() == "]":
            self.take("[")
            self.take("]")
            schema = {"type": "array", "items": schema}
        return schema

    def primary(self) -> dict[str, Any]:
        token = self.peek()
        if token == "{":
            return self.object()
        if token == "(":
            self.take()
            inner = self.type()
            self.take(")")
            return inner
        match = self.tokens[self.at]
        self.take()
        if match.group("str"):
            return {"const": token[1:-1]}
        if match.group("num"):
            return {"const": float(token) if "." in token else int(token)}
        if token in ("true", "false"):
            return {"const": token == "true"}
        if token == "components":  # components['schemas']['Name']
            self.take("[")
            self.take()
            self.take("]")
            self.take("[")
            name = self.take()[1:-1]
            self.take("]")
            return {"$ref": f"#/$defs/{self.types.define(name)}"}
        if token == "Record":  # Record<K, V>
            self.take("<")
            self.type()
            self.take(",")
            value = self.type()
            self.take(">")
            return {"type": "object", "additionalProperties": value}
        if token in _PRIMITIVES:
            return dict(_PRIMITIVES[token])
        raise SyntaxError(f"unsupported type {token!r}")

    def object(self) -> dict[str, Any]:
        self.take("{")
        properties: dict[str, Any] = {}
        required: list[str] = []
        extra: Any = False
        while self.peek() != "}":
            if self.peek() == "[":  # [key: string]: T
                self.take("[")
                self.take()
                self.take(":")
                self.type()
                self.take("]")
                self.take(":")
                extra = self.type()
            else:
                key = self.take().strip("'")
                optional = self.peek() == "?"
                if optional:
                    self.take()
                self.take(":")
                properties[key] = self.type()
                if not optional:
                    required.append(key)
            if self.peek() in (";", ","):
                self.take()
        self.take("}")
        return {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": extra,
        }


class MisskeyTypes:
    def __init__(self, path: Path) -> None:
        text = _COMMENT.sub("", path.read_text(encoding="utf-8"))
        self._components = _block(text, "export type components")
        self._operations = _block(text, "export interface operations")
        self.defs: dict[str, Any] = {}

    def define(self, name: str) -> str:
        if name not in self.defs:
            self.defs[name] = {}  # placeholder: recursion (Note.reply is a Note)
            body = _member(self._components, name, indent=8)
            self.defs[name] = _Parser(body, self).type()
        return name

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            resolved: dict[str, Any] = self.defs[schema["$ref"].rsplit("/", 1)[1]]
            return resolved
        return schema

    def request(self, endpoint: str, content_type: str = "application/json") -> dict[str, Any]:
        """The JSON Schema of ``POST /api/<endpoint>``'s body."""
        operation = _Parser(_member(self._operations, _op(endpoint), indent=4), self).type()
        body = operation["properties"]["requestBody"]["properties"]["content"]
        return self._rooted(body["properties"][content_type])

    def response(self, endpoint: str, status: int = 200) -> dict[str, Any]:
        operation = _Parser(_member(self._operations, _op(endpoint), indent=4), self).type()
        answer = operation["properties"]["responses"]["properties"][str(status)]
        content = answer["properties"].get("content")
        return self._rooted(content["properties"]["application/json"] if content else {})

    def partial(self, schema: dict[str, Any]) -> dict[str, Any]:
        """``schema`` with its top-level members all optional: for the huge entities
        (``MeDetailed``, ``MetaDetailed``) of which a fake fills only what is read."""
        if "$ref" in schema:
            return self.partial({**self.resolve(schema), "$defs": self.defs})
        if "anyOf" in schema:
            return {"anyOf": [self.partial(s) for s in schema["anyOf"]], "$defs": self.defs}
        return {**schema, "required": [], "$defs": self.defs}

    def entity(self, name: str) -> dict[str, Any]:
        return self._rooted({"$ref": f"#/$defs/{self.define(name)}"})

    def _rooted(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {**schema, "$defs": self.defs}

    def errors(self, schema: dict[str, Any], value: Any) -> list[str]:
        validator = Draft202012Validator(schema)
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(value)
        ]


def _op(endpoint: str) -> str:
    return endpoint.replace("/", "___").replace("-", "_")


def _block(text: str, header: str) -> str:
    start = text.index(header)
    return _balanced(text, text.index("{", start))


def _member(block: str, name: str, indent: int) -> str:
    match = re.search(rf"^ {{{indent}}}{re.escape(name)}: ", block, re.M)
    if match is None:
        raise KeyError(f"{name} is not in misskey-js's types")
    brace = match.end()
    if block[brace] != "{":
        end = block.index(";\n", brace)
        return block[brace:end]
    return _balanced(block, brace)


def _balanced(text: str, start: int) -> str:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    raise SyntaxError("unbalanced braces")
