"""Stand-ins for the credential tests: keyring backends and adapters.

``keyring.set_keyring(MemoryKeyring())`` makes every keyring call in this process
land in a dict, so no test ever reads or writes the real OS keyring; the other
backends fail the way real machines do. The adapters declare credential fields like
the real ones (one token; X's two alternative sets; none) and check what they are
given, so ``xpost auth`` is tested without a network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

from xpost.adapters.base import Adapter, Draft, NoSettings, PublishContext
from xpost.errors import AuthError
from xpost.post import Post

#: The only token FakeQiita's platform accepts.
GOOD_TOKEN = "qiita-0123456789abcdef"


class MemoryKeyring(KeyringBackend):
    """The OS keyring as a dict of ``(service, username) → password``."""

    priority = 100

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("Password not found")


class LockedKeyring(KeyringBackend):
    """A Secret Service whose collection stays locked: every call raises ``KeyringLocked``."""

    priority = 100

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls += 1
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        self.calls += 1
        raise KeyringLocked("Failed to unlock the collection!")


class BrokenDBusKeyring(KeyringBackend):
    """No D-Bus session at all: the backend raises something that is no ``KeyringError``."""

    priority = 100

    def get_password(self, service: str, username: str) -> str | None:
        raise ConnectionRefusedError("org.freedesktop.DBus.Error.NoServer: cannot connect")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise ConnectionRefusedError("org.freedesktop.DBus.Error.NoServer: cannot connect")

    def delete_password(self, service: str, username: str) -> None:
        raise ConnectionRefusedError("org.freedesktop.DBus.Error.NoServer: cannot connect")


class _RenderlessAdapter(Adapter[NoSettings, NoSettings]):
    Settings = NoSettings
    Options = NoSettings

    def render(self, post: Post, options: NoSettings) -> Draft:
        raise AssertionError("xpost auth never renders")


class FakeQiita(_RenderlessAdapter):
    """One token; the platform knows exactly one valid token and answers as Qiita does."""

    name = "qiita"
    default_rank = 2  # as the real one: a default target
    label = "Qiita"
    credential_fields: ClassVar[tuple[str, ...]] = ("token",)
    seen: ClassVar[list[Mapping[str, str]]] = []

    def whoami(self, ctx: PublishContext) -> str:
        FakeQiita.seen.append(dict(ctx.credentials))
        token = ctx.credentials["token"]
        if token != GOOD_TOKEN:
            # Careless on purpose: the secret is in the message; the caller must scrub it.
            raise AuthError(f"Qiita: the token {token} was rejected (401): it is wrong or revoked")
        return "@alice"


class FakeX(_RenderlessAdapter):
    """OAuth 1.0a (four fields) or an OAuth 2.0 user token; a PIN login."""

    name = "twitter"
    default_rank = 1  # as the real one: a default target
    label = "X"
    credential_fields: ClassVar[tuple[str, ...]] = (
        "api_key",
        "api_secret",
        "access_token",
        "access_token_secret",
        "oauth2_access_token",
    )
    PIN = "7654321"

    def missing_credentials(self, credentials: Mapping[str, str]) -> list[str]:
        if credentials.get("oauth2_access_token"):
            return []
        oauth1 = ("api_key", "api_secret", "access_token", "access_token_secret")
        return [name for name in oauth1 if not credentials.get(name)]

    def whoami(self, ctx: PublishContext) -> str:
        return "@bob"

    def login(
        self,
        credentials: Mapping[str, str],
        ask: Callable[[str], str],
        tell: Callable[[str], None],
    ) -> dict[str, str]:
        got: dict[str, str] = {}
        for name in ("api_key", "api_secret"):
            got[name] = credentials.get(name) or ask(f"X {name}")
        tell("Open https://api.x.com/oauth/authorize?oauth_token=request-token and allow xpost")
        pin = ask("PIN")
        if pin == "leak":  # careless on purpose: the app key inside the message
            raise AuthError(f"X: the app key {got['api_key']} was refused (401)")
        if pin == "crash":  # a library failing with something that is no XpostError
            raise ConnectionError(f"oauth_consumer_key={got['api_key']}: connection reset")
        if pin != self.PIN:
            raise AuthError("X: the PIN was not accepted; run 'xpost auth login twitter' again")
        got["access_token"] = "x-access-" + got["api_key"]
        got["access_token_secret"] = "x-access-secret-" + got["api_secret"]
        return got


class FakeConnpass(_RenderlessAdapter):
    """An optional key, and no way to check it online (the base ``whoami``)."""

    name = "connpass"
    default_rank = 4  # as the real one: a default target
    label = "connpass"
    credential_fields: ClassVar[tuple[str, ...]] = ("api_key",)

    def missing_credentials(self, credentials: Mapping[str, str]) -> list[str]:
        return []


class FakeZenn(_RenderlessAdapter):
    """Publishes through git: no secrets at all."""

    name = "zenn"
    default_rank = 3  # as the real one: a default target
    label = "Zenn"


class CrashingAdapter(_RenderlessAdapter):
    """A third-party adapter whose library blows up with something unexpected."""

    name = "mastodon"
    label = "Mastodon"
    credential_fields: ClassVar[tuple[str, ...]] = ("token",)

    def whoami(self, ctx: PublishContext) -> str:
        raise KeyError(f"no such server for token {ctx.credentials['token']}")


class UnsupportedCheckAdapter(_RenderlessAdapter):
    name = "misskey"
    label = "Misskey"
    credential_fields: ClassVar[tuple[str, ...]] = ("token",)

    def whoami(self, ctx: PublishContext) -> str:
        raise NotImplementedError


FAKE_ADAPTERS: dict[str, type[Adapter[Any, Any]]] = {
    cls.name: cls
    for cls in (FakeConnpass, FakeQiita, FakeX, FakeZenn, CrashingAdapter, UnsupportedCheckAdapter)
}
