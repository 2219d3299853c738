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
closed unanswered), ``edit_on_hatena``. The server, the request log and the faults are
``xpost.testing.FakeService``'s.
"""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import defusedxml.ElementTree as SafeET
from xpost.testing import Answer, Call, FakeService, Fault, serving

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


class FakeHatena(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[str, dict[str, Any]] = {}
        self.nonces: set[str] = set()
        self.next_id = 6_801_883_189_000_000_000
        self.clock = 0

    @property
    def root(self) -> str:
        return f"/{HATENA_ID}/{BLOG_ID}/atom"

    def fail_next(self, method: str, status: int) -> None:
        self.fault(method, "fail", status=status)

    def drop_next(self, method: str) -> None:
        self.fault(method, "drop")

    def edit_on_hatena(self, entry_id: str, content: str) -> None:
        self.entries[entry_id]["content"] = content
        self.entries[entry_id]["edited"] = self._now()

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method in ("POST", "PUT", "DELETE")]

    # -- the API ----------------------------------------------------------------------

    def failure(self, call: Call, fault: Fault) -> Answer:
        return _text(fault.status, f"{fault.status} Error")

    def refusal(self, call: Call, problem: str) -> Answer:
        return _text(400, f"400 Bad Request: {problem}")

    def respond(self, call: Call) -> Answer:
        if not self._authorised(call.headers):
            return _text(401, "401 Unauthorized")
        path = call.path
        if call.method == "GET" and path == self.root:
            return _xml(200, self._service(), "application/atomsvc+xml")
        if path == self.root + "/entry":
            if call.method == "GET":
                return _xml(200, self._feed(call.params))
            if call.method == "POST":
                return self._save(None, call)
            return _text(405, "405 Method Not Allowed")
        found = re.match(re.escape(self.root) + r"/entry/([0-9A-Za-z]+)$", path)
        if found is None or found.group(1) not in self.entries:
            return _text(404, "404 Not Found")
        entry_id = found.group(1)
        if call.method == "GET":
            return _xml(200, self._entry_xml(entry_id, root=True))
        if call.method == "PUT":
            return self._save(entry_id, call)
        if call.method == "DELETE":
            del self.entries[entry_id]
            return _text(200, "")
        return _text(405, "405 Method Not Allowed")

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

    def _save(self, entry_id: str | None, call: Call) -> Answer:
        if not call.headers.get("content-type", "").startswith("application/atom+xml"):
            return self.refuse(call, "Content-Type")
        try:
            fields = _checked_entry(call.raw)
        except ValueError as exc:
            return self.refuse(call, str(exc))
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
        status = 201 if call.method == "POST" else 200
        return _xml(status, self._entry_xml(entry_id, root=True))

    def _service(self) -> bytes:
        return (
            f'<?xml version="1.0" encoding="utf-8"?><service xmlns="{APP}" xmlns:atom="{ATOM}">'
            f"<workspace><atom:title>xpost test blog</atom:title>"
            f'<collection href="{self.url}{self.root}/entry"><atom:title>xpost test blog'
            "</atom:title><accept>application/atom+xml;type=entry</accept></collection>"
            "</workspace></service>"
        ).encode()

    def _feed(self, query: dict[str, str]) -> bytes:
        ordered = sorted(self.entries, key=int, reverse=True)
        start = ordered.index(query["page"]) if "page" in query else 0
        chunk = ordered[start : start + PAGE]
        rest = ordered[start + PAGE : start + PAGE + 1]
        links = f'<link rel="first" href="{self.url}{self.root}/entry"/>'
        if rest:
            links += f'<link rel="next" href="{self.url}{self.root}/entry?page={rest[0]}"/>'
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
        member = f"{self.url}{self.root}/entry/{entry_id}"
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


def _text(status: int, text: str) -> Answer:
    return Answer(status, text.encode(), content_type="text/plain; charset=utf-8")


def _xml(status: int, data: bytes, kind: str = "application/atom+xml") -> Answer:
    return Answer(status, data, content_type=f"{kind}; charset=utf-8")


@contextmanager
def running() -> Iterator[FakeHatena]:
    with serving(FakeHatena()) as fake:
        yield fake
