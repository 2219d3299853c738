"""A local fake of Hatena Blog's AtomPub API that checks what it receives.

No Hatena spec file is in the repository's shared contracts, so the rules are written
here from Hatena's "はてなブログAtomPub" documentation and RFC 5023:

- WSSE (``X-WSSE`` UsernameToken, the digest checked, each nonce used once) or Basic;
  401 otherwise;
- entries are well-formed Atom (parsed with defusedxml) whose root is ``atom:entry``,
  with a non-empty ``title``, a ``content`` whose ``type`` is one of Hatena's
  (``text/x-markdown``, ``text/html``, ``text/x-hatena-syntax``), ``category``
  elements with a ``term``, ``app:control/app:draft`` ``yes`` or ``no``, and an
  ``updated`` in W3C-DTF when present — 400 otherwise; a ``Content-Type`` of Atom;
- answers are the documented shapes: an entry with ``id``, ``link rel="edit"`` and
  ``rel="alternate"``, ``app:edited``…; the collection a feed of ten entries a page
  with ``link rel="next"``; the service document names the blog.

Faults: ``fail_next`` (a status), ``drop_next`` (applied, then the connection is
closed unanswered), ``edit_on_hatena``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import defusedxml.ElementTree as SafeET

HATENA_ID = "xposttester"
BLOG_ID = "xposttester.hatenablog.com"
API_KEY = "hatena-test-key-abcdef"
ATOM = "http://www.w3.org/2005/Atom"
APP = "http://www.w3.org/2007/app"
NS = {"atom": ATOM, "app": APP}
CONTENT_TYPES = {"text/x-markdown", "text/html", "text/x-hatena-syntax"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
PAGE = 10
_WSSE = re.compile(
    r'^UsernameToken Username="([^"]*)", PasswordDigest="([^"]*)", '
    r'Nonce="([^"]*)", Created="([^"]*)"$'
)


@dataclass
class Recorded:
    method: str
    path: str
    body: bytes


@dataclass
class FakeHatena:
    base: str = ""
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    faults: list[tuple[str, str]] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    next_id: int = 6_801_883_189_000_000_000
    clock: int = 0

    @property
    def root(self) -> str:
        return f"/{HATENA_ID}/{BLOG_ID}/atom"

    def fail_next(self, method: str, status: int) -> None:
        self.faults.append((method, str(status)))

    def drop_next(self, method: str) -> None:
        self.faults.append((method, "drop"))

    def edit_on_hatena(self, entry_id: str, content: str) -> None:
        self.entries[entry_id]["content"] = content
        self.entries[entry_id]["edited"] = self._now()

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method in ("POST", "PUT", "DELETE")]

    # -- the API ----------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple:
        parts = urlsplit(target)
        self.requests.append(Recorded(method, parts.path, body))
        for i, (fault_method, kind) in enumerate(self.faults):
            if fault_method == method:
                del self.faults[i]
                if kind != "drop":
                    return int(kind), "text/plain", f"{kind} Error".encode()
                return ("drop", self._route(method, parts, headers, body))
        return self._route(method, parts, headers, body)

    def _route(self, method: str, parts: Any, headers: dict[str, str], body: bytes) -> tuple:
        if not self._authorised(headers):
            return 401, "text/plain", b"401 Unauthorized"
        path = parts.path
        if method == "GET" and path == self.root:
            return 200, "application/atomsvc+xml", self._service()
        if path == self.root + "/entry":
            if method == "GET":
                return 200, "application/atom+xml", self._feed(parse_qs(parts.query))
            if method == "POST":
                return self._save(None, headers, body)
            return 405, "text/plain", b"405 Method Not Allowed"
        found = re.match(re.escape(self.root) + r"/entry/([0-9A-Za-z]+)$", path)
        if found is None or found.group(1) not in self.entries:
            return 404, "text/plain", b"404 Not Found"
        entry_id = found.group(1)
        if method == "GET":
            return 200, "application/atom+xml", self._entry_xml(entry_id, root=True)
        if method == "PUT":
            return self._save(entry_id, headers, body)
        if method == "DELETE":
            del self.entries[entry_id]
            return 200, "text/plain", b""
        return 405, "text/plain", b"405 Method Not Allowed"

    def _authorised(self, headers: dict[str, str]) -> bool:
        if "x-wsse" in headers:
            token = _WSSE.match(headers["x-wsse"])
            if not token or token.group(1) != HATENA_ID or token.group(3) in self.nonces:
                return False
            nonce = base64.b64decode(token.group(3))
            expected = hashlib.sha1(nonce + token.group(4).encode() + API_KEY.encode()).digest()
            if base64.b64encode(expected).decode() != token.group(2):
                return False
            self.nonces.add(token.group(3))
            return True
        basic = base64.b64encode(f"{HATENA_ID}:{API_KEY}".encode()).decode()
        return headers.get("authorization") == f"Basic {basic}"

    def _save(self, entry_id: str | None, headers: dict[str, str], body: bytes) -> tuple:
        if not headers.get("content-type", "").startswith("application/atom+xml"):
            return 400, "text/plain", b"400 Bad Request: Content-Type"
        try:
            fields = _checked_entry(body)
        except ValueError as exc:
            return 400, "text/plain", f"400 Bad Request: {exc}".encode()
        now = self._now()
        if entry_id is None:
            entry_id = str(self.next_id)
            self.next_id += 1
            fields["published"] = now
        else:
            fields["published"] = self.entries[entry_id]["published"]
        fields["updated"] = fields["updated"] or now
        fields["edited"] = now
        self.entries[entry_id] = fields
        status = 201 if headers.get("x-method") == "POST" else 200
        return status, "application/atom+xml", self._entry_xml(entry_id, root=True)

    def _service(self) -> bytes:
        return (
            f'<?xml version="1.0" encoding="utf-8"?><service xmlns="{APP}" xmlns:atom="{ATOM}">'
            f"<workspace><atom:title>xpost test blog</atom:title>"
            f'<collection href="{self.base}{self.root}/entry"><atom:title>xpost test blog'
            "</atom:title><accept>application/atom+xml;type=entry</accept></collection>"
            "</workspace></service>"
        ).encode()

    def _feed(self, query: dict[str, list[str]]) -> bytes:
        ordered = sorted(self.entries, key=int, reverse=True)
        start = ordered.index(query["page"][0]) if "page" in query else 0
        chunk = ordered[start : start + PAGE]
        rest = ordered[start + PAGE : start + PAGE + 1]
        links = f'<link rel="first" href="{self.base}{self.root}/entry"/>'
        if rest:
            links += f'<link rel="next" href="{self.base}{self.root}/entry?page={rest[0]}"/>'
        entries = b"".join(self._entry_xml(i, root=False) for i in chunk).decode()
        return (
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="{ATOM}" xmlns:app="{APP}">'
            f"{links}<title>xpost test blog</title>{entries}</feed>"
        ).encode()

    def _entry_xml(self, entry_id: str, *, root: bool) -> bytes:
        e = self.entries[entry_id]
        node = ET.Element(f"{{{ATOM}}}entry")
        ET.SubElement(
            node, f"{{{ATOM}}}id"
        ).text = f"tag:blog.hatena.ne.jp,2013:blog-{HATENA_ID}-1-{entry_id}"
        member = f"{self.base}{self.root}/entry/{entry_id}"
        ET.SubElement(node, f"{{{ATOM}}}link", {"rel": "edit", "href": member})
        ET.SubElement(
            node,
            f"{{{ATOM}}}link",
            {
                "rel": "alternate",
                "type": "text/html",
                "href": f"https://{BLOG_ID}/entry/{entry_id}",
            },
        )
        author = ET.SubElement(node, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = HATENA_ID
        ET.SubElement(node, f"{{{ATOM}}}title").text = e["title"]
        ET.SubElement(node, f"{{{ATOM}}}updated").text = e["updated"]
        ET.SubElement(node, f"{{{ATOM}}}published").text = e["published"]
        ET.SubElement(node, f"{{{APP}}}edited").text = e["edited"]
        ET.SubElement(node, f"{{{ATOM}}}summary", {"type": "text"}).text = e["content"][:100]
        ET.SubElement(node, f"{{{ATOM}}}content", {"type": e["content_type"]}).text = e["content"]
        for term in e["categories"]:
            ET.SubElement(node, f"{{{ATOM}}}category", {"term": term})
        control = ET.SubElement(node, f"{{{APP}}}control")
        ET.SubElement(control, f"{{{APP}}}draft").text = "yes" if e["draft"] else "no"
        text = ET.tostring(node, encoding="unicode")
        return (('<?xml version="1.0" encoding="utf-8"?>' if root else "") + text).encode()

    def _now(self) -> str:
        self.clock += 1
        return f"2026-12-01T19:{self.clock // 60:02d}:{self.clock % 60:02d}+09:00"


def _checked_entry(body: bytes) -> dict[str, Any]:
    try:
        root = SafeET.fromstring(body)
    except Exception as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None
    if root.tag != f"{{{ATOM}}}entry":
        raise ValueError("the root is not atom:entry")
    allowed = {f"{{{ATOM}}}{n}" for n in ("title", "author", "content", "updated", "category")}
    allowed.add(f"{{{APP}}}control")
    unknown = [child.tag for child in root if child.tag not in allowed]
    if unknown:
        raise ValueError(f"unexpected elements {unknown}")
    title = root.findtext("atom:title", "", NS)
    if not title.strip():
        raise ValueError("title is empty")
    content = root.find("atom:content", NS)
    if content is None or content.get("type") not in CONTENT_TYPES:
        raise ValueError("content with a Hatena content type is required")
    draft = root.findtext("app:control/app:draft", "no", NS)
    if draft not in ("yes", "no"):
        raise ValueError("app:draft is yes or no")
    updated = root.findtext("atom:updated", None, NS)
    if updated is not None and not DATE.match(updated):
        raise ValueError(f"updated {updated!r} is not W3C-DTF")
    categories = []
    for category in root.findall("atom:category", NS):
        if not category.get("term"):
            raise ValueError("a category without a term")
        categories.append(category.get("term"))
    return {
        "title": title,
        "content": content.text or "",
        "content_type": content.get("type"),
        "categories": categories,
        "draft": draft == "yes",
        "updated": updated,
    }


@contextmanager
def running() -> Iterator[FakeHatena]:
    fake = FakeHatena()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            headers["x-method"] = self.command
            with lock:
                answer = fake.handle(self.command, self.path, headers, body)
            if answer[0] == "drop":
                self.close_connection = True
                self.connection.close()
                return
            status, kind, data = answer
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
