"""Atom entries as Hatena Blog's AtomPub speaks them (RFC 5023; Hatena's "はてなブログ
AtomPub" developer documentation): built with ElementTree, parsed with defusedxml.

An entry xpost sends holds ``title``, ``author/name``, ``content`` (its ``type`` the
blog's syntax: ``text/x-markdown``, ``text/html``), ``updated`` (the date Hatena shows
as the post's date), one ``category`` per tag and ``app:control/app:draft``. Hatena's
answers add ``link rel="edit"`` (the member URI), ``link rel="alternate"`` (the public
page) and ``app:edited``; a collection page is a ``feed`` with ``link rel="next"``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as SafeET

ATOM = "http://www.w3.org/2005/Atom"
APP = "http://www.w3.org/2007/app"
NS = {"atom": ATOM, "app": APP}
ET.register_namespace("", ATOM)
ET.register_namespace("app", APP)

#: Hatena's entry ids are epoch-like numbers or alphanumeric strings.
ENTRY_ID = re.compile(r"^[0-9A-Za-z]{1,64}$")


class AtomError(ValueError):
    """An answer that is not the Atom document Hatena sends."""


@dataclass
class Entry:
    """One blog entry, as sent or as Hatena holds it."""

    title: str
    content: str
    content_type: str
    categories: list[str] = field(default_factory=list)
    draft: bool = False
    updated: str | None = None
    author: str | None = None
    # Only in Hatena's answers:
    edit_url: str | None = None
    public_url: str | None = None
    edited: str | None = None


def entry_xml(entry: Entry) -> bytes:
    """The request body for a POST or PUT: escaping is ElementTree's, never by hand."""
    root = ET.Element(f"{{{ATOM}}}entry")
    ET.SubElement(root, f"{{{ATOM}}}title").text = entry.title
    if entry.author:
        author = ET.SubElement(root, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = entry.author
    content = ET.SubElement(root, f"{{{ATOM}}}content", {"type": entry.content_type})
    content.text = entry.content
    if entry.updated:
        ET.SubElement(root, f"{{{ATOM}}}updated").text = entry.updated
    for term in entry.categories:
        ET.SubElement(root, f"{{{ATOM}}}category", {"term": term})
    control = ET.SubElement(root, f"{{{APP}}}control")
    ET.SubElement(control, f"{{{APP}}}draft").text = "yes" if entry.draft else "no"
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode("utf-8")


def parse_entry(data: bytes) -> Entry:
    root = _parse(data)
    if root.tag != f"{{{ATOM}}}entry":
        raise AtomError("the answer is not an Atom entry")
    return _entry(root)


def parse_feed(data: bytes) -> tuple[list[Entry], str | None]:
    """A collection page: its entries and the URL of the next page, if any."""
    root = _parse(data)
    if root.tag != f"{{{ATOM}}}feed":
        raise AtomError("the answer is not an Atom feed")
    entries = [_entry(node) for node in root.findall("atom:entry", NS)]
    return entries, _link(root, "next")


def parse_service(data: bytes) -> str:
    """The blog's title from the AtomPub service document (``app:service``)."""
    root = _parse(data)
    title = root.findtext("app:workspace/atom:title", None, NS)
    if root.tag != f"{{{APP}}}service" or not isinstance(title, str) or not title:
        raise AtomError("the answer is not an AtomPub service document")
    return title


def entry_id(edit_url: str) -> str:
    """The id at the end of a member URI (``…/atom/entry/{entry_id}``)."""
    found = re.search(r"/atom/entry/([^/?#]+)$", edit_url)
    if not found or not ENTRY_ID.match(found.group(1)):
        raise AtomError(f"the edit link {edit_url!r} names no entry")
    return found.group(1)


def _parse(data: bytes) -> Any:
    try:
        return SafeET.fromstring(data)
    except (ET.ParseError, ValueError) as exc:  # defusedxml's refusals are ValueErrors
        raise AtomError(f"the answer is not XML Hatena sends: {exc}") from None


def _entry(node: Any) -> Entry:
    content = node.find("atom:content", NS)
    control = node.find("app:control/app:draft", NS)
    return Entry(
        title=node.findtext("atom:title", "", NS),
        content=content.text or "" if content is not None else "",
        content_type=content.get("type", "") if content is not None else "",
        categories=[c.get("term", "") for c in node.findall("atom:category", NS)],
        draft=control is not None and (control.text or "").strip() == "yes",
        updated=node.findtext("atom:updated", None, NS),
        author=node.findtext("atom:author/atom:name", None, NS),
        edit_url=_link(node, "edit"),
        public_url=_link(node, "alternate"),
        edited=node.findtext("app:edited", None, NS),
    )


def _link(node: Any, rel: str) -> str | None:
    for link in node.findall("atom:link", NS):
        if link.get("rel") == rel:
            href = link.get("href")
            return href if isinstance(href, str) else None
    return None
