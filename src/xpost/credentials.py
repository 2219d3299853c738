"""Secrets: the OS keyring, or ``XPOST_<PLATFORM>_<FIELD>`` environment variables.

(Interface fixed; being implemented.)
"""

from __future__ import annotations

from collections.abc import Sequence


def env_var(platform: str, field: str) -> str:
    """``XPOST_QIITA_TOKEN`` for ("qiita", "token")."""
    return f"XPOST_{platform}_{field}".upper().replace("-", "_")


class CredentialStore:
    """Reads (and for ``xpost auth``, writes) secrets; remembers every value it handed
    out so that ``redact`` can scrub them from anything xpost writes or prints."""

    def __init__(self) -> None:
        self.hints: list[str] = []  # one-line notes, e.g. "no keyring backend: using env"

    def get(self, platform: str, fields: Sequence[str]) -> dict[str, str]:
        """The fields found (environment first, then the keyring); missing ones left out."""
        raise NotImplementedError

    def missing_message(self, platform: str, fields: Sequence[str]) -> str:
        """One line naming both fixes: ``xpost auth set PLATFORM`` or the env variables."""
        raise NotImplementedError

    def redact(self, text: str) -> str:
        """``text`` with every secret this store has seen replaced by ``***``."""
        raise NotImplementedError
