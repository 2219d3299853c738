"""The PostgreSQL ledger's password in the OS keyring (``xpost auth set ledger``)."""

from __future__ import annotations

import os
from typing import ClassVar
from urllib.parse import quote, urlsplit, urlunsplit

import msgspec

from xpost.adapters.base import Adapter, Draft, NoSettings
from xpost.errors import AdapterError
from xpost.post import Post


class LedgerPassword(Adapter[NoSettings, NoSettings]):
    """Not a platform: lets ``xpost auth set|remove ledger`` keep the PostgreSQL ledger's
    password in the OS keyring (``XPOST_LEDGER_PASSWORD`` in the environment)."""

    name: ClassVar[str] = "ledger"
    label: ClassVar[str] = "Ledger database"
    Settings: ClassVar[type[msgspec.Struct]] = NoSettings
    Options: ClassVar[type[msgspec.Struct]] = NoSettings
    credential_fields: ClassVar[tuple[str, ...]] = ("password",)

    def render(self, post: Post, options: NoSettings) -> Draft:
        raise AdapterError("the ledger is not a platform to publish to")


def with_password(url: str) -> str:
    """The URL with the keyring's password (``xpost auth set ledger``) when neither the
    URL, PGPASSWORD nor ~/.pgpass gives one: libpq reads those two itself."""
    parts = urlsplit(url)
    if parts.password or os.environ.get("PGPASSWORD"):
        return url
    from xpost.credentials import CredentialStore

    password = CredentialStore().get("ledger", ["password"]).get("password")
    if not password:
        return url
    user = quote(parts.username or "", safe="")
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))
