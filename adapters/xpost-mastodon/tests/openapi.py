"""Mastodon's OpenAPI document (shared/contracts/mastodon/openapi.json) as validators.

``request_errors`` checks a JSON or form body against an operation's ``requestBody``
schema with jsonschema, and also refuses keys the schema does not name (the document
leaves its objects open; a misspelt field would otherwise pass). ``response_errors``
checks what the fake answers against the operation's response schema for that status,
so the fake's shapes are the documented ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator


class OpenApi:
    def __init__(self, path: Path) -> None:
        self.doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))

    def _validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        # The schema sits at the root of a copy of the document, so that its
        # "#/components/..." references resolve.
        return Draft202012Validator({**self.doc, **schema})

    def operation(self, path: str, method: str) -> dict[str, Any]:
        operation: dict[str, Any] = self.doc["paths"][path][method.lower()]
        return operation

    def request_errors(self, path: str, method: str, body: Any, content_type: str) -> list[str]:
        content = self.operation(path, method).get("requestBody", {}).get("content", {})
        if content_type not in content:
            return [f"{method} {path}: content type {content_type} not in {sorted(content)}"]
        schema = content[content_type]["schema"]
        if "oneOf" in schema:
            # The document's TextStatus and MediaStatus overlap (a status with text *and*
            # media matches both), which Mastodon accepts: read its oneOf as anyOf.
            schema = {"anyOf": schema["oneOf"]}
        errors = [e.message for e in self._validator(schema).iter_errors(body)]
        if isinstance(body, dict):
            known = self.property_names(schema)
            errors += [f"{method} {path}: unknown field {key}" for key in body if key not in known]
        return errors

    def response_errors(self, path: str, method: str, status: int, body: Any) -> list[str]:
        response = self.operation(path, method)["responses"].get(str(status))
        if response is None:
            return [f"{method} {path}: status {status} is not documented"]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return []
        return [
            f"answer {method} {path}: {e.message}"
            for e in self._validator(schema).iter_errors(body)
        ]

    def property_names(self, schema: dict[str, Any]) -> set[str]:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            return self.property_names(self.doc["components"]["schemas"][name])
        names = set(schema.get("properties", {}))
        for key in ("allOf", "oneOf", "anyOf"):
            for part in schema.get(key, []):
                names |= self.property_names(part)
        return names
