"""Qiita: items through API v2 — the adapter, its Markdown, its wire client and the
decisions about items (which is the copy, was it edited there)."""

from xpost.platforms.qiita.adapter import QiitaAdapter

__all__ = ["QiitaAdapter"]
