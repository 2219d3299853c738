"""The preview page: a summary bar, then one column per target, in target order.

One self-contained HTML document: inline CSS, images inlined, no request needed to
show it. Its Content-Security-Policy allows no script but the live-reload one (by
hash, and only under ``--serve``), no frame, no form, no request beyond its own
server; so even a mistake in escaping could not run anything a post carries.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime

from xpost.prepare import PreparedPost, Renderer
from xpost.preview import columns, theme
from xpost.preview.columns import Column
from xpost.preview.escape import esc, link
from xpost.preview.placement import Piece

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}$")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u4e00-\u9fff]")

#: Reloads the page when the server says the post changed (``--serve`` only).
LIVE_SCRIPT = (
    "(()=>{const v=document.querySelector('meta[name=xpost-version]').content;"
    "const s=new EventSource('/events?v='+encodeURIComponent(v));"
    "s.addEventListener('reload',()=>location.reload());"
    "s.onerror=()=>{document.documentElement.dataset.live='lost'};"
    "s.onopen=()=>{document.documentElement.dataset.live='on'};})();"
)


def language(prepared: PreparedPost) -> str:
    """The post's language for ``<html lang>``: front matter ``lang``/``language``/
    ``locale`` when it is a language tag, else guessed from the script it is written in."""
    post = prepared.post
    for key in ("lang", "language", "locale", "languageCode"):
        value = post.front_matter.get(key)
        if isinstance(value, str) and _LANG.match(value.strip()):
            return value.strip().replace("_", "-")
    sample = f"{post.title}\n{post.summary}\n{post.body[:4000]}"
    if _KANA.search(sample):
        return "ja"
    if _HANGUL.search(sample):
        return "ko"
    if _HAN.search(sample):
        return "zh"
    return "en"


def build_columns(prepared: PreparedPost, renderer: Renderer) -> list[Column]:
    built: list[Column] = []
    for target in prepared.targets:
        adapter = renderer.adapter(target.platform)
        built.append(
            columns.build(
                prepared.post,
                target.platform,
                target.label,
                target.action,
                target.draft,
                target.reason,
                adapter,
            )
        )
    return built


def render_page(
    prepared: PreparedPost,
    renderer: Renderer,
    *,
    live: bool = False,
    version: int = 0,
    now: datetime | None = None,
) -> str:
    """The whole page for one post (``live``: with the reload script, as ``version``)."""
    built = build_columns(prepared, renderer)
    body = _summary(prepared, built, live, now) + _columns(built)
    return document(prepared.post.title, language(prepared), body, live=live, version=version)


def error_page(message: str, *, live: bool, version: int = 0) -> str:
    """What ``--serve`` shows while the post cannot be rendered: the one-line error."""
    body = (
        '<header class="summary"><div class="summary-title"><span class="brand">xpost preview'
        f'</span><h1>Cannot preview this post</h1></div><p class="error" role="alert">'
        f'{esc(message)}</p><p class="muted">Fix the file and save: this page reloads.</p>'
        "</header>"
    )
    return document("error", "en", body, live=live, version=version)


def document(title: str, lang: str, body: str, *, live: bool, version: int = 0) -> str:
    css = theme.stylesheet()
    script = f"<script>{LIVE_SCRIPT}</script>" if live else ""
    stamp = f'<meta name="xpost-version" content="{version}">\n' if live else ""
    scripts = f"'{_sha256(LIVE_SCRIPT)}'" if live else "'none'"
    connect = "'self'" if live else "'none'"
    # Built from fixed parts only: no double quote can occur in it.
    policy = (
        f"default-src 'none'; img-src data:; style-src '{_sha256(css)}'; "
        f"script-src {scripts}; connect-src {connect}; "
        "base-uri 'none'; form-action 'none'; frame-src 'none'"
    )
    return (
        f'<!doctype html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"{stamp}<title>{esc(title)} · xpost preview</title>\n<style>{css}</style>\n</head>\n"
        f"<body>\n{body}\n{script}\n</body>\n</html>\n"
    )


def _sha256(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"sha256-{digest}"


# -- the summary bar -------------------------------------------------------------------


def _summary(prepared: PreparedPost, built: list[Column], live: bool, now: datetime | None) -> str:
    post = prepared.post
    total = sum(column.warning_count for column in built)
    chips = "".join(_target_chip(column) for column in built)
    canonical = (
        link(post.canonical_url)
        if post.canonical_url
        else '<span class="muted">no canonical URL (set [site] base_url, or url)</span>'
    )
    date = post.date.isoformat(sep=" ", timespec="minutes") if post.date else "no date"
    status = ""
    if live:
        stamp = (now or datetime.now()).strftime("%H:%M:%S")
        status = f'<span class="live-dot" aria-hidden="true"></span> live · rendered {esc(stamp)}'
    warned = (
        f'<span class="warn-total">⚠ {total} warning{"s" if total != 1 else ""}</span>'
        if total
        else '<span class="ok-total">✓ no warnings</span>'
    )
    return (
        '<header class="summary" data-summary>'
        '<div class="summary-title"><span class="brand">xpost preview</span>'
        f"<h1>{esc(post.title)}</h1></div>"
        f'<div class="summary-meta"><span><b>source</b> <code>{esc(post.source)}</code></span>'
        f"<span><b>canonical</b> {canonical}</span><span><b>date</b> {esc(date)}</span></div>"
        f'<nav class="summary-targets" aria-label="targets">{chips}</nav>'
        f'<div class="summary-status">{warned}<span class="muted">nothing is sent</span>'
        f'<span class="live">{status}</span></div>'
        "</header>"
    )


def _target_chip(column: Column) -> str:
    parts = [f"<b>{esc(column.label)}</b>", f'<span class="action">{esc(column.action)}</span>']
    if column.headline:
        parts.append(f"<span>{esc(column.headline)}</span>")
    count = column.warning_count
    if count:
        parts.append(f'<span class="warn-count">⚠ {count}</span>')
    state = " is-skipped" if column.action == "skip" else ""
    return (
        f'<a class="target-chip{state}" href="#col-{esc(_slug(column.platform))}">'
        f"{' · '.join(parts)}</a>"
    )


# -- the columns -----------------------------------------------------------------------


def _columns(built: list[Column]) -> str:
    return f'<main class="columns">{"".join(map(_column, built))}</main>'


def _column(column: Column) -> str:
    head_parts = [esc(column.action)]
    if column.headline:
        head_parts.append(esc(column.headline))
    skipped = (
        f'<p class="skipped" role="status"><b>skipped:</b> {esc(column.reason)}</p>'
        if column.reason
        else ""
    )
    general = "".join(_warning(text, general=True) for text in column.general)
    body = "".join(_piece(piece) for piece in column.pieces)
    if not column.pieces and not column.reason:
        body = '<p class="muted">nothing to show</p>'
    return (
        f'<section class="column col-{esc(_slug(column.platform))}" '
        f'id="col-{esc(_slug(column.platform))}" data-platform="{esc(column.platform)}" '
        f'aria-label="{esc(column.label)}">'
        f'<div class="column-head"><span class="platform">{esc(column.label)}</span>'
        f'<span class="column-state">{" · ".join(head_parts)}</span></div>'
        f'{skipped}{general}<div class="copy copy-{esc(column.kind)}">{body}</div></section>'
    )


def _piece(piece: Piece) -> str:
    return piece.html + "".join(_warning(text) for text in piece.warnings)


def _warning(text: str, general: bool = False) -> str:
    where = "about this copy" if general else "about the element above"
    return (
        f'<aside class="warn{" warn-general" if general else ""}" role="note" data-warning '
        f'title="{where}"><span class="warn-icon" aria-hidden="true">⚠</span>'
        f'<span class="warn-text">{esc(text)}</span></aside>'
    )


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", name.lower())
