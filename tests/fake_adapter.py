"""Test-only platforms for the publishing machinery: in-memory, strict, scriptable.

Three adapters over one kind of fake remote (``FakePlatform``):

- ``blog`` (``BlogAdapter``): editable copies, like Qiita. Token required.
- ``micro`` (``MicroAdapter``): posts cannot be edited, like X. Token required.
- ``desk`` (``DeskAdapter``): assisted, like connpass: the text is handed to the user
  (a file in the outbox) and confirmed later; its API key is optional.

Each platform checks what it receives — the token, the payload's fields and types,
that an update names a copy that exists — and logs every request, so tests assert
exactly what was sent. ``script`` makes the next calls misbehave the ways real
platforms do: a clean 500, a timeout after the create went through, a crash, a
conflict, a rate limit.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, ClassVar

from xpost.adapters.base import Adapter, Draft, HandOff, NoSettings, PublishContext, Receipt
from xpost.errors import (
    AuthError,
    ConfigError,
    OutcomeUnknown,
    PublishError,
    RateLimited,
    RemoteConflict,
)
from xpost.post import Post

TOKEN = "fake-token-5f3c9a1e7b2d"
API_KEY = "fake-desk-key-8e1d"

#: What ``script`` may hold, one entry per coming create/update/delete call; an entry
#: prefixed ``lookup:`` (``lookup:fail``) is taken by the next lookup instead, and a
#: lookup finding no such entry first in line behaves "ok".
BEHAVIOURS = (
    "ok",
    "fail",
    "timeout-after-apply",
    "crash",
    "conflict",
    "rate-limited",
    "leak",
    "misconfigured",
)


class FakeOptions(NoSettings):
    pass


@dataclass
class FakePlatform:
    """One fake remote service."""

    name: str
    base_url: str
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    #: Each call pops the first entry; empty means "ok".
    script: list[str] = field(default_factory=list)
    delay: float = 0.0  # seconds each request takes
    contexts: list[PublishContext] = field(default_factory=list)
    confirmed: bool = False  # desk: the user put the text in place
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, kind: str) -> list[str | None]:
        """The targets of every request of one kind, in order."""
        return [target for k, target in self.requests if k == kind]

    def receive(self, kind: str, target: str | None, ctx: PublishContext, token: str | None) -> str:
        """Log and authenticate a request (``token`` None: no token needed); returns
        the behaviour scripted for it."""
        with self._lock:
            self.requests.append((kind, target))
            self.contexts.append(ctx)
            behaviour = "ok"
            if self.script and (kind == "lookup") == self.script[0].startswith("lookup:"):
                behaviour = self.script.pop(0).removeprefix("lookup:")
        assert behaviour in BEHAVIOURS, behaviour
        if self.delay:
            time.sleep(self.delay)
        if token is not None and ctx.credentials.get("token") != token:
            raise AuthError(f"{self.name}: 401 the token was refused; run 'xpost auth set'")
        if behaviour == "fail":
            raise PublishError(f"{self.name}: 500 internal server error; try again later")
        if behaviour == "rate-limited":
            raise RateLimited(f"{self.name}: 429 rate limit reached", retry_after=900)
        if behaviour == "misconfigured":
            raise ConfigError(f"xpost.toml: [{self.name.lower()}] api_base: not an http(s) URL")
        if behaviour == "leak":
            # A careless adapter that puts the request's header in its message.
            raise PublishError(f"{self.name}: 400 bad request (Authorization: Bearer {token})")
        return behaviour

    def new_id(self) -> str:
        with self._lock:
            return f"{self.name}-{next(self._ids)}"


PLATFORMS: dict[str, FakePlatform] = {}


def reset() -> dict[str, FakePlatform]:
    PLATFORMS.clear()
    PLATFORMS.update(
        blog=FakePlatform("Blog", "https://blog.example"),
        micro=FakePlatform("Micro", "https://micro.example"),
        desk=FakePlatform("Desk", "https://desk.example"),
    )
    return PLATFORMS


def _check_payload(payload: Mapping[str, Any], fields: Mapping[str, type]) -> None:
    """The platform's contract: exactly these fields, each of its type, none empty."""
    assert set(payload) == set(fields), f"unexpected fields {sorted(payload)}"
    for key, kind in fields.items():
        assert isinstance(payload[key], kind), f"{key} must be {kind.__name__}"
        assert payload[key], f"{key} must not be empty"


class BlogAdapter(Adapter[NoSettings, FakeOptions]):
    """Editable copies, found again by title (what Qiita's lookup does)."""

    name = "blog"
    label = "Blog"
    can_lookup = True
    summary = "a fake editable platform"
    Settings = NoSettings
    Options = FakeOptions
    credential_fields: ClassVar[tuple[str, ...]] = ("token",)
    fields: ClassVar[dict[str, type]] = {"title": str, "body": str}

    @property
    def remote(self) -> FakePlatform:
        return PLATFORMS[self.name]

    def render(self, post: Post, options: FakeOptions) -> Draft:
        payload = {"title": post.title, "body": post.body.strip()}
        return Draft(self.name, payload, preview=payload["body"], headline=post.title)

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        remote = self.remote
        _check_payload(draft.payload, self.fields)
        kind, target = ("update", previous.remote_id) if previous else ("create", None)
        behaviour = remote.receive(kind, target, ctx, TOKEN)
        if previous is not None:
            if previous.remote_id not in remote.items:
                raise PublishError(f"{remote.name}: 404 item {previous.remote_id} not found")
            item = remote.items[previous.remote_id]
            if behaviour == "conflict" and not ctx.force:
                raise RemoteConflict(
                    f"{remote.name}: the item was edited there since xpost last wrote it; "
                    "--force overwrites"
                )
        else:
            item_id = remote.new_id()
            item = remote.items[item_id] = {"id": item_id}
        item.update(draft.payload, edited_at=datetime.now(UTC))
        if behaviour == "timeout-after-apply":
            raise OutcomeUnknown(f"{remote.name}: no answer within {ctx.timeout:g}s")
        if behaviour == "crash":
            raise KeyError("id")
        return self._receipt(item)

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        remote = self.remote
        remote.receive("lookup", previous.remote_id if previous else None, ctx, TOKEN)
        for item in remote.items.values():
            if item.get("title") == draft.payload.get("title"):
                return self._receipt(item)
        return None

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        remote = self.remote
        remote.receive("delete", receipt.remote_id, ctx, TOKEN)
        if remote.items.pop(receipt.remote_id, None) is None:
            raise PublishError(f"{remote.name}: 404 item {receipt.remote_id} not found")

    def whoami(self, ctx: PublishContext) -> str:
        self.remote.receive("whoami", None, ctx, TOKEN)
        return "alice"

    def _receipt(self, item: dict[str, Any]) -> Receipt:
        return Receipt(
            remote_id=item["id"],
            url=f"{self.remote.base_url}/items/{item['id']}",
            remote_updated_at=item["edited_at"],
        )


class MicroAdapter(BlogAdapter):
    """Posts cannot be edited (like X): a changed post is left alone unless reposted."""

    name = "micro"
    label = "Micro"
    can_update = False
    fields: ClassVar[dict[str, type]] = {"text": str}

    def render(self, post: Post, options: FakeOptions) -> Draft:
        text = f"{post.title} {post.canonical_url or ''}".strip()
        return Draft(self.name, {"text": text}, preview=text, headline=f"{len(text)}/280")

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        remote = self.remote
        remote.receive("lookup", previous.remote_id if previous else None, ctx, TOKEN)
        for item in remote.items.values():
            if item.get("text") == draft.payload.get("text"):
                return self._receipt(item)
        return None


class DeskAdapter(Adapter[NoSettings, FakeOptions]):
    """Assisted (like connpass): publishing writes the text for the user to paste."""

    name = "desk"
    label = "Desk"
    can_lookup = True
    Settings = NoSettings
    Options = FakeOptions
    credential_fields: ClassVar[tuple[str, ...]] = ("api_key",)

    def missing_credentials(self, credentials: Mapping[str, str]) -> list[str]:
        return []  # without a key the user confirms by hand

    def render(self, post: Post, options: FakeOptions) -> Draft:
        return Draft(self.name, {"description": post.body.strip()}, preview=post.body)

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        remote = PLATFORMS[self.name]
        remote.receive("handoff", None, ctx, None)
        assert ctx.outbox is not None and ctx.outbox.is_dir()
        path = Path(ctx.outbox) / "event-42-desk.md"
        path.write_text(draft.payload["description"], encoding="utf-8")
        path.chmod(0o600)
        return Receipt(
            remote_id="42",
            url="https://desk.example/event/42/",
            status="awaiting",
            handoff=HandOff(path),
        )

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        remote = PLATFORMS[self.name]
        if not ctx.credentials.get("api_key"):
            return previous
        remote.receive("lookup", None, ctx, None)
        if ctx.credentials["api_key"] != API_KEY:
            raise AuthError("Desk: the API key was refused")
        if remote.confirmed and previous is not None:
            return Receipt(previous.remote_id, previous.url, state=previous.state)
        return previous


ADAPTERS: dict[str, type[Adapter[Any, Any]]] = {
    "blog": BlogAdapter,
    "micro": MicroAdapter,
    "desk": DeskAdapter,
}


def entry_points() -> dict[str, EntryPoint]:
    """What ``registry.installed`` returns while the fakes are registered."""
    return {
        name: EntryPoint(name, f"fake_adapter:{cls.__name__}", "xpost.adapters")
        for name, cls in sorted(ADAPTERS.items())
    }


def install(monkeypatch: Any) -> dict[str, FakePlatform]:
    """Register the fake adapters (and only them) for one test; fresh remotes."""
    from xpost.adapters import registry

    monkeypatch.setattr(registry, "installed", entry_points)
    monkeypatch.setattr(registry, "load", lambda name: ADAPTERS[name])
    return reset()


@dataclass
class Run:
    code: int
    out: str
    err: str


class Site:
    """A blog on disk with the fake platforms configured, and ``xpost`` run in-process
    through its real entry point (``xpost.cli.main``: exit codes, one-line errors).

    The caller isolates the OS keyring (``keyring.set_keyring``) around it.
    """

    def __init__(self, root: Path, monkeypatch: Any, capsys: Any) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.platforms = install(monkeypatch)
        self.config = root / "xpost.toml"
        self.config.write_text(
            '[site]\nbase_url = "https://site.test/"\n\n'
            '[publish]\ntargets = ["blog", "micro", "desk"]\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("XPOST_CONFIG", str(self.config))
        monkeypatch.setenv("XPOST_BLOG_TOKEN", TOKEN)
        monkeypatch.setenv("XPOST_MICRO_TOKEN", TOKEN)
        monkeypatch.setenv("XPOST_DESK_API_KEY", API_KEY)
        monkeypatch.setattr("xpost.cli.prompts.interactive", lambda: False)
        self.data = Path(os.environ["XPOST_DATA_DIR"])
        self.ledger_file = self.data / "xpost.sqlite3"

    def write_post(self, body: str = "First version.\n", title: str = "Hello") -> Path:
        path = self.root / "content" / "post" / "hello" / "index.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {title}\nslug: hello\n---\n{body}", encoding="utf-8")
        return path

    def xpost(self, *args: str, stdin: str | None = None) -> Run:
        import io
        import sys

        from xpost.cli import main

        self.capsys.readouterr()
        self.monkeypatch.setattr(sys, "argv", ["xpost", *args])
        if stdin is not None:
            self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = -1
        out, err = self.capsys.readouterr()
        return Run(code, out, err)
