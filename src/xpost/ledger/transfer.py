"""``xpost ledger export`` / ``import``: the whole ledger as JSON Lines.

The first line says what the file is (``{"xpost_ledger": 1, …}``); then one line per
copy (``"kind": "syndication"``, every field of ``Record``), then one per attempt.
The ledger holds no secrets (error texts are redacted before they are recorded), so
neither does an export. ``xpost run``'s file cache is left out: it describes one
machine's files and is rebuilt on the next run.

An import is checked whole before anything is written: a broken line is bad input
and the ledger is left as it was. A copy the ledger holds in a newer state than the
file (its ``updated_at`` is later) is kept unless ``force``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from xpost.errors import InputError
from xpost.ledger.records import Attempt, Record, TargetKey
from xpost.ledger.store import LedgerStore

FORMAT_VERSION = 1
#: One line of an export is one copy or one attempt: far below this.
MAX_LINE = 4 * 1024 * 1024
_RECORD_TIMES = (
    "remote_updated_at",
    "first_published_at",
    "last_published_at",
    "updated_at",
    "next_attempt_at",
)


@dataclass
class ImportReport:
    added: int = 0
    replaced: int = 0
    kept_newer: int = 0
    unchanged: int = 0
    attempts: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def export_lines(store: LedgerStore, now: datetime) -> Iterator[str]:
    records = store.all_records()
    attempts = store.all_attempts()
    header = {
        "xpost_ledger": FORMAT_VERSION,
        "exported_at": now.astimezone(UTC).isoformat(),
        "records": len(records),
        "attempts": len(attempts),
    }
    yield _dump(header)
    for record in records:
        yield _dump({"kind": "syndication", **_record_fields(record)})
    for attempt in attempts:
        yield _dump(
            {
                "kind": "attempt",
                **_key_fields(attempt.key),
                "action": attempt.action,
                "started_at": _time(attempt.started_at),
                "finished_at": _time(attempt.finished_at),
                "outcome": attempt.outcome,
                "error": attempt.error,
            }
        )


def read_export(stream: IO[bytes], name: str) -> tuple[list[Record], list[Attempt]]:
    """Every record and attempt of an export; ``InputError`` naming the line if broken."""
    records: list[Record] = []
    attempts: list[Attempt] = []
    for number, raw in enumerate(_lines(stream, name), start=1):
        where = f"{name}:{number}"
        try:
            item = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{where}: not a JSON line ({exc})") from None
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected a JSON object")
        if number == 1:
            if item.get("xpost_ledger") != FORMAT_VERSION:
                raise InputError(f"{where}: not an xpost ledger export of version {FORMAT_VERSION}")
            continue
        try:
            if item.get("kind") == "syndication":
                records.append(_record(item))
            elif item.get("kind") == "attempt":
                attempts.append(_attempt(item))
            else:
                raise InputError(f"unknown kind {item.get('kind')!r}")
        except (KeyError, TypeError, ValueError, InputError) as exc:
            raise InputError(f"{where}: {_why(exc)}") from None
    return records, attempts


def import_into(
    store: LedgerStore, records: Iterable[Record], attempts: Iterable[Attempt], *, force: bool
) -> ImportReport:
    report = ImportReport()
    for record in records:
        current = store.get(record.key)
        if current is not None and _same(current, record):
            report.unchanged += 1
            continue
        if current is not None and not force and _newer(current, record):
            report.kept_newer += 1
            continue
        store.put_record(record)
        if current is None:
            report.added += 1
        else:
            report.replaced += 1
    for attempt in attempts:
        if store.get(attempt.key) is not None and store.put_attempt(attempt):
            report.attempts += 1
    return report


def _lines(stream: IO[bytes], name: str) -> Iterator[str]:
    seen = False
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            break
        if len(raw) > MAX_LINE:
            raise InputError(f"{name}: a line longer than {MAX_LINE} bytes; not an export")
        seen = True
        text = raw.decode("utf-8", errors="strict").strip()
        if text:
            yield text
    if not seen:
        raise InputError(f"{name}: empty; not an xpost ledger export")


def _dump(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, sort_keys=False)


def _key_fields(key: TargetKey) -> dict[str, str]:
    return {"post_id": key.post_id, "platform": key.platform, "account": key.account}


def _record_fields(record: Record) -> dict[str, Any]:
    return {
        **_key_fields(record.key),
        "status": record.status,
        "remote_id": record.remote_id,
        "url": record.url,
        "content_hash": record.content_hash,
        "state": record.state,
        "source": record.source,
        "last_error": record.last_error,
        "failures": record.failures,
        **{name: _time(getattr(record, name)) for name in _RECORD_TIMES},
    }


def _record(item: dict[str, Any]) -> Record:
    state = item.get("state") or {}
    if not isinstance(state, dict):
        raise ValueError("state must be an object")
    failures = item.get("failures") or 0
    if not isinstance(failures, int):
        raise ValueError("failures must be a number")
    return Record(
        key=_key(item),
        status=_text(item, "status", required=True) or "",
        remote_id=_text(item, "remote_id"),
        url=_text(item, "url"),
        content_hash=_text(item, "content_hash"),
        state=state,
        source=_text(item, "source"),
        last_error=_text(item, "last_error"),
        failures=failures,
        **{name: _parse_time(item.get(name)) for name in _RECORD_TIMES},
    )


def _attempt(item: dict[str, Any]) -> Attempt:
    started = _parse_time(item.get("started_at"))
    if started is None:
        raise ValueError("started_at is missing")
    return Attempt(
        id=0,
        key=_key(item),
        action=_text(item, "action", required=True) or "",
        started_at=started,
        finished_at=_parse_time(item.get("finished_at")),
        outcome=_text(item, "outcome"),
        error=_text(item, "error"),
    )


def _key(item: dict[str, Any]) -> TargetKey:
    return TargetKey(
        _text(item, "post_id", required=True) or "",
        _text(item, "platform", required=True) or "",
        _text(item, "account") or "default",
    )


def _text(item: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = item.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"{name} must be {'a non-empty' if required else 'a'} string")
    return value


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment


def _same(a: Record, b: Record) -> bool:
    return _record_fields(a) == _record_fields(b)


def _newer(current: Record, incoming: Record) -> bool:
    if current.updated_at is None or incoming.updated_at is None:
        return False
    return current.updated_at > incoming.updated_at


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"{exc.args[0]} is missing"
    return str(exc)


def export_path_ok(path: Path) -> None:
    """Refuse to overwrite an existing file: an export is never lost by another one."""
    if path.exists():
        raise InputError(f"{path}: exists already; choose another name or remove it first")
