"""``xpost preview --serve``: the page on 127.0.0.1, redrawn whenever the post changes.

A watcher thread polls the post, the config file and the post's local images (a
few ``stat`` calls every 300 ms: no dependency, works on every filesystem); when one
changes it re-renders and bumps a version. The page holds a Server-Sent Events
connection (``/events?v=N``) and reloads when the version is not the one it shows.
The server listens on 127.0.0.1 only, answers only requests addressed to that host
(a web page elsewhere cannot reach it through DNS rebinding), publishes nothing and
needs neither account nor network. Ctrl-C stops it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import click

from xpost.config import load_config
from xpost.errors import ExitCode, UsageError, XpostError

HOST = "127.0.0.1"
#: How often the watched files are looked at, in seconds.
POLL_INTERVAL = 0.3
#: A live connection says something this often, so a closed tab is noticed.
KEEPALIVE = 15.0
#: At most this many pages (tabs) are kept live at once.
MAX_LIVE_CONNECTIONS = 16


class LivePreview:
    """The current page and its version; ``refresh`` redraws it from the files."""

    def __init__(self, post: Path, config_path: Path | None, platforms: Sequence[str]) -> None:
        self.post = post
        self.config_path = config_path
        self.platforms = list(platforms)
        self.version = 0
        self.html = ""
        self.error: str | None = None
        self.watched: list[Path] = [post]
        self.changed = threading.Condition()
        self.stopping = False
        self.refresh()

    def refresh(self) -> None:
        from xpost.adapters import registry
        from xpost.preview.assets import Images
        from xpost.preview.build import build_preview
        from xpost.preview.page import error_page

        version = self.version + 1
        watched = [self.post] + ([self.config_path] if self.config_path else [])
        try:
            config = load_config(self.config_path, registry.installed())
            page = build_preview(self.post, config, self.platforms, live=True, version=version)
            html, error = page.html, None
            watched += sorted(set(Images.of_post(page.prepared.post).known.values()))
        except XpostError as exc:
            error = " ".join(str(exc).split())
            html = error_page(error, live=True, version=version)
        except Exception as exc:  # a bug must not stop the watcher: say it on the page
            error = f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"
            html = error_page(error, live=True, version=version)
        with self.changed:
            self.html, self.error, self.watched = html, error, watched
            self.version = version
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()

    def wait_for_change(self, seen: int, timeout: float) -> int:
        """The version once it differs from ``seen`` (or after ``timeout``)."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen or self.stopping, timeout)
            return self.version


def _fingerprint(paths: Sequence[Path]) -> tuple[tuple[int, int] | None, ...]:
    marks: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            stat = path.stat()
            marks.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            marks.append(None)
    return tuple(marks)


class Watcher(threading.Thread):
    """Redraws the preview when a watched file changes; stops with ``halt``."""

    def __init__(self, live: LivePreview, interval: float = POLL_INTERVAL) -> None:
        super().__init__(name="xpost-preview-watcher", daemon=True)
        self.live = live
        self.interval = interval
        self.halted = threading.Event()

    def run(self) -> None:
        watched = list(self.live.watched)
        seen = _fingerprint(watched)
        while not self.halted.wait(self.interval):
            now = _fingerprint(watched)
            if now != seen:
                self.live.refresh()
                # What was looked at *before* the redraw read the files: a save made while
                # it ran differs from it and is redrawn at the next look, not missed.
                before = dict(zip(watched, now, strict=True))
                watched = list(self.live.watched)
                added = [path for path in watched if path not in before]
                before.update(zip(added, _fingerprint(added), strict=True))
                seen = tuple(before[path] for path in watched)

    def halt(self) -> None:
        self.halted.set()


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, live: LivePreview, port: int) -> None:
        self.live = live
        self.live_connections = threading.BoundedSemaphore(MAX_LIVE_CONNECTIONS)
        super().__init__((HOST, port), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser closing its connection is normal; anything else is one line."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            click.echo(f"xpost: preview server: {type(error).__name__}: {error}", err=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if not self._host_allowed():
            self._plain(HTTPStatus.FORBIDDEN, "this server answers requests for 127.0.0.1 only")
            return
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._page()
        elif path == "/events":
            self._events()
        else:
            self._plain(HTTPStatus.NOT_FOUND, "not found")

    def do_HEAD(self) -> None:
        self._plain(HTTPStatus.METHOD_NOT_ALLOWED, "GET only")

    def _host_allowed(self) -> bool:
        port = self.server.server_address[1]
        host = self.headers.get("Host", "")
        return host in {f"{HOST}:{port}", f"localhost:{port}"}

    def _page(self) -> None:
        body = self.server.live.html.encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        if not self.server.live_connections.acquire(blocking=False):
            self._plain(HTTPStatus.SERVICE_UNAVAILABLE, "too many open previews")
            return
        try:
            query = parse_qs(urlsplit(self.path).query)
            try:
                seen = int(query.get("v", ["0"])[0])
            except ValueError:
                seen = 0
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            live = self.server.live
            while not live.stopping:
                version = live.wait_for_change(seen, KEEPALIVE)
                if live.stopping:
                    break
                if version != seen:
                    self.wfile.write(f"event: reload\ndata: {version}\n\n".encode())
                    self.wfile.flush()
                    break  # the page reloads and opens a new connection
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the tab was closed
        finally:
            self.server.live_connections.release()

    def _plain(self, status: HTTPStatus, text: str) -> None:
        body = (text + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal shows only what the user needs."""


def start(live: LivePreview, port: int) -> tuple[PreviewServer, Watcher]:
    """Bind (falling back to a free port when ``port`` is taken) and start serving."""
    try:
        server = PreviewServer(live, port)
    except OSError as exc:
        if port == 0:
            raise UsageError(f"cannot listen on {HOST}: {exc.strerror or exc}") from None
        click.echo(f"xpost: port {port} is busy: using a free one", err=True)
        server = PreviewServer(live, 0)
    watcher = Watcher(live)
    watcher.start()
    threading.Thread(target=server.serve_forever, name="xpost-preview-http", daemon=True).start()
    return server, watcher


def stop(server: PreviewServer, watcher: Watcher) -> None:
    watcher.halt()
    server.live.stop()
    server.shutdown()
    server.server_close()


def serve_preview(
    post: Path,
    config_path: Path | None,
    platforms: Sequence[str],
    *,
    port: int,
    open_browser: bool,
) -> int:
    """Serve until Ctrl-C; bad input at the start is an error, later it is shown."""
    live = LivePreview(post, config_path, platforms)
    if live.error is not None:
        raise UsageError(live.error)
    server, watcher = start(live, port)
    try:  # from the first line out: a Ctrl-C right after the URL is shown stops cleanly too
        click.echo(server.url)
        click.echo(f"xpost: previewing {post}: reloads on save; Ctrl-C stops", err=True)
        if open_browser:
            import webbrowser

            webbrowser.open(server.url)
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("xpost: preview server stopped", err=True)
    finally:
        stop(server, watcher)
    sys.stdout.flush()
    return ExitCode.OK
