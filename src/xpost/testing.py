"""Test support for adapter authors: an isolated user, the real command, a local fake.

A pytest plugin (entry point ``pytest11: xpost``), so installing xpost with its
``testing`` extra is all an adapter's tests need: the fixtures below are there, none of
them autouse. Import the helpers from here, never from xpost's own test suite. A normal
``xpost`` run never imports this module.

- ``xpost_home``: HOME, the XDG folders and the ledger in a temporary folder, every
  ``XPOST_*`` variable removed, no OS keyring: nothing of the real user is read or
  written. Give credentials as environment variables (``credential_env``), as cron does.
- ``xpost_cli``: ``xpost`` run in this process, argv in, (exit code, stdout, stderr) out;
  ``run_xpost``: the real command in a fresh process.
- ``FakeService``: the base of a platform fake on 127.0.0.1. It records every request,
  injects scheduled faults (refused, rate-limited, applied but unanswered, applied then
  the connection dropped) and keeps what broke the platform's contract in
  ``violations``; ``serving`` fails the test if any. The subclass holds the platform:
  its routes, what it checks against the published spec, its answers' real shapes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from xpost.environment import CREDENTIAL_PREFIX, DATA_DIR, credential_variable

if TYPE_CHECKING:
    from werkzeug import Request, Response

__all__ = [
    "Answer",
    "Call",
    "FakeService",
    "Fault",
    "Site",
    "XpostCli",
    "credential_env",
    "isolate",
    "require",
    "run_xpost",
    "schema_errors",
    "serving",
    "write_config",
    "write_post",
    "xpost_cli",
    "xpost_home",
]

# -- an isolated user ------------------------------------------------------------------


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path, keep: Iterable[str] = ()) -> None:
    """Point HOME, the XDG folders and the ledger at ``home``; drop every ``XPOST_*``
    variable but ``keep``; no OS keyring, in this process and its children."""
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    # XPOST_CONFIG is removed, not set: it would outrank a test's ./xpost.toml.
    kept = {DATA_DIR, *keep}
    for name in list(os.environ):
        # XPOST_REQUIRE_*: the tests' own switches (``require``), not xpost's.
        if (
            name.startswith(CREDENTIAL_PREFIX)
            and not name.startswith("XPOST_REQUIRE_")
            and name not in kept
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv(DATA_DIR, str(home / "xpost-data"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    if "keyring" in sys.modules:  # its backend is chosen once: here, no keyring either
        import keyring.core
        from keyring.backends.fail import Keyring as NoKeyring

        monkeypatch.setattr(keyring.core, "_keyring_backend", NoKeyring())  # type: ignore[no-untyped-call]


@pytest.fixture
def xpost_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated user (``isolate``); the temporary home folder."""
    home = tmp_path_factory.mktemp("home")
    isolate(monkeypatch, home)
    return home


def credential_env(platform: str, **fields: str) -> dict[str, str]:
    """``{"XPOST_NOTES_TOKEN": "…"}`` for ``credential_env("notes", token="…")``."""
    return {credential_variable(platform, name): value for name, value in fields.items()}


# -- the real command ------------------------------------------------------------------


def run_xpost(
    *args: str,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    """``xpost ARGS [--config CONFIG]`` in a fresh process, as cron runs it: this
    process's environment (isolated by ``xpost_home``) plus ``env``."""
    command = [sys.executable, "-m", "xpost", *args]
    if config is not None:
        command += ["--config", str(config)]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


class XpostCli:
    """``xpost`` run in this process as a user runs it: argv in; exit code, stdout,
    stderr out. Faster than ``run_xpost``, and a fake's state is at hand. ``platform``
    is the one ``dry_run`` renders for unless told another."""

    def __init__(
        self,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        platform: str | None = None,
    ) -> None:
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        self.platform = platform

    def __call__(self, *args: str) -> tuple[int, str, str]:
        from xpost.cli import main

        self.capsys.readouterr()
        self.monkeypatch.setattr("sys.argv", ["xpost", *args])
        try:
            main()
            code = 0
        except SystemExit as exit:
            code = int(exit.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def dry_run(
        self, post: Path, config: Path | None = None, platform: str | None = None
    ) -> dict[str, Any]:
        """The ``--json`` dry-run of ``post`` for one platform: its target entry."""
        platform = platform or self.platform
        assert platform, "name the platform: XpostCli(..., platform=…) or dry_run(platform=…)"
        args = ["publish", str(post), "--dry-run", "--json", "--to", platform]
        if config is not None:
            args += ["--config", str(config)]
        code, out, err = self(*args)
        assert code == 0, err
        target: dict[str, Any] = json.loads(out)["posts"][0]["targets"][0]
        return target


@pytest.fixture
def xpost_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> XpostCli:
    return XpostCli(capsys, monkeypatch)


def write_post(folder: Path, front: str, body: str = "Body text.\n", name: str = "post.md") -> Path:
    """A Markdown post with the YAML front matter ``front``, in ``folder``."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n\n{body}", encoding="utf-8")
    return path


@dataclass
class Site:
    """A site with one post, ``content/post/<slug>/index.md``, and ``xpost.toml``, where
    the real command runs as cron runs it, the ``credentials`` in its environment."""

    root: Path
    platform: str
    credentials: dict[str, str]
    front: dict[str, str]  # the post's front matter, YAML values as written
    slug: str = "hello"

    @property
    def post(self) -> Path:
        return self.root / "content" / "post" / self.slug / "index.md"

    @property
    def config(self) -> Path:
        return self.root / "xpost.toml"

    def xpost(self, *args: str, **credentials: str) -> subprocess.CompletedProcess[str]:
        """``xpost ARGS --config xpost.toml``; ``credentials`` replace the site's own."""
        env = credential_env(self.platform, **{**self.credentials, **credentials})
        return run_xpost(*args, config=self.config, env=env, cwd=self.root)

    def write_post(self, body: str, **front: str) -> Path:
        """The post, (re)written with ``body``; ``front`` adds to or replaces its keys."""
        lines = "".join(f"{key}: {value}\n" for key, value in {**self.front, **front}.items())
        return write_post(self.post.parent, lines, body, self.post.name)

    def write_config(self, toml: str) -> Path:
        return write_config(self.root, toml)


def write_config(
    folder: Path, toml: str = '[site]\nbase_url = "https://blog.example.com"\n'
) -> Path:
    """``folder/xpost.toml``; by default a site URL alone, so posts have canonical URLs."""
    path = folder / "xpost.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def require(path: Path, what: str, variable: str = "XPOST_REQUIRE_SHARED") -> Path:
    """``path``, or the test skipped saying ``what`` is missing; a failure instead when
    the environment ``variable`` is set (CI, where the file must be there)."""
    if path.exists():
        return path
    message = f"{path} not found: {what}"
    if os.environ.get(variable):
        pytest.fail(f"{message} ({variable} is set)")
    pytest.skip(message)


# -- a local fake of the platform --------------------------------------------------------


@dataclass
class Call:
    """One request as the fake received it (header names lower-cased)."""

    method: str
    path: str
    params: dict[str, str]  # the query string
    headers: dict[str, str]
    raw: bytes
    body: Any  # JSON parsed; a form's fields (files as "<type N bytes>"); else None
    request: Request  # werkzeug's, for anything else
    key: Any = None  # what the fake's faults are scheduled by (``FakeService.key``)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


@dataclass
class Answer:
    """What the fake says: ``body`` is sent as JSON unless it is bytes."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Fault:
    """A fault for the next request with its key: ``fail`` (answered ``status``/``body``,
    not applied), ``limit`` (rate-limited, not applied; ``retry_after`` seconds),
    ``hang`` (applied, no answer before the client gives up), ``drop`` (applied, then
    the connection is closed unanswered), ``none`` (answered normally: a placeholder
    that lets a later request have the fault)."""

    kind: str
    status: int = 500
    body: Any = None
    retry_after: int = 60


class FakeService:
    """The base of a platform's fake. A subclass implements ``respond`` (route, check
    against the platform's contract, answer with its real shapes) and, where the
    platform has its own, ``key``, ``failure``, ``rate_limited`` and ``refusal``.

    ``respond`` runs under ``lock``; a contract break goes through ``refuse``, which
    keeps it in ``violations`` (``serving`` fails the test if any)."""

    hang_seconds = 1.5

    def __init__(self) -> None:
        from pytest_httpserver import HTTPServer  # the werkzeug server

        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.faults: dict[Any, list[Fault]] = {}
        self.lock = threading.RLock()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, for the adapter's ``api_base``."""
        return self.server.url_for("").rstrip("/")

    # -- for the subclass ------------------------------------------------------------

    def respond(self, call: Call) -> Answer:
        raise NotImplementedError

    def key(self, call: Call) -> Any:
        """What faults are scheduled by: the method unless the platform has endpoints."""
        return call.method

    def failure(self, call: Call, fault: Fault) -> Answer:
        return Answer(fault.status, fault.body or {"error": "Internal Server Error"})

    def rate_limited(self, call: Call, fault: Fault) -> Answer:
        return Answer(429, {"error": "Too many requests"}, {"Retry-After": str(fault.retry_after)})

    def refusal(self, call: Call, problem: str) -> Answer:
        return Answer(400, {"error": problem})

    def check_answer(self, call: Call, answer: Answer) -> list[str]:
        """How ``answer`` breaks the platform's documented shapes (kept in
        ``violations``): a fake that answers wrongly proves nothing."""
        return []

    def refuse(self, call: Call, problem: str) -> Answer:
        """The platform's refusal of a request that breaks its contract, kept in
        ``violations``: an adapter must never send one."""
        self.violations.append(f"{call.method} {call.path}: {problem}")
        return self.refusal(call, problem)

    # -- for the test ----------------------------------------------------------------

    def fault(
        self, key: Any, kind: str, status: int = 500, body: Any = None, retry_after: int = 60
    ) -> None:
        """Schedule a ``Fault`` for the next request with ``key``."""
        self.faults.setdefault(key, []).append(Fault(kind, status, body, retry_after))

    def named(self, key: Any) -> list[Any]:
        """The bodies (or query parameters) of the requests with ``key``, in order."""
        return [c.body if c.body is not None else c.params for c in self.calls if c.key == key]

    def start(self) -> None:
        import re

        self.server.expect_request(re.compile(".*")).respond_with_handler(self._serve)
        self.server.start()

    def stop(self) -> None:
        self.server.clear()
        self.server.stop()

    # -- the plumbing ----------------------------------------------------------------

    def _serve(self, request: Request) -> Response:
        call = _call(request)
        with self.lock:
            call.key = self.key(call)
            self.calls.append(call)
            queue = self.faults.get(call.key) or []
            fault = queue.pop(0) if queue else None
            if fault is not None and fault.kind == "fail":
                answer = self.failure(call, fault)
            elif fault is not None and fault.kind == "limit":
                answer = self.rate_limited(call, fault)
            else:
                answer = self.respond(call)
            problems = self.check_answer(call, answer)
            if problems:
                self.violations.append(f"answer to {call.method} {call.path}: {problems}")
        if fault is not None and fault.kind == "hang":
            time.sleep(self.hang_seconds)
        if fault is not None and fault.kind == "drop":
            connection = request.environ.get("werkzeug.socket")
            if isinstance(connection, socket.socket):
                connection.shutdown(socket.SHUT_RDWR)
        return _response(answer)


Service = TypeVar("Service", bound=FakeService)


@contextmanager
def serving(fake: Service) -> Iterator[Service]:
    """The fake, listening; afterwards the test fails if the adapter broke the contract."""
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.violations == [], fake.violations


def schema_errors(schema: Mapping[str, Any], instance: Any) -> list[str]:
    """Every way ``instance`` breaks the JSON ``schema``, each with its path."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=str)
    ]


def _call(request: Request) -> Call:
    raw = request.get_data()
    headers = {name.lower(): value for name, value in request.headers.items()}
    kind = (request.content_type or "").split(";")[0].strip()
    body: Any = None
    if kind == "application/json" or kind.endswith("+json"):
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None  # left to the fake's check: the raw bytes are in ``raw``
    elif kind == "multipart/form-data":
        form: dict[str, Any] = dict(request.form)
        for name, upload in request.files.items():
            form[name] = f"<{upload.mimetype} {len(upload.read())} bytes>"
            upload.stream.seek(0)  # the fake may read it too
        body = form
    return Call(request.method, request.path, dict(request.args), headers, raw, body, request)


def _response(answer: Answer) -> Response:
    from werkzeug import Response

    if answer.body is None:
        data = b""
    elif isinstance(answer.body, bytes):
        data = answer.body
    else:
        data = json.dumps(answer.body).encode()
    return Response(
        data, status=answer.status, headers=answer.headers, content_type=answer.content_type
    )
