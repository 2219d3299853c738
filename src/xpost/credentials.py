"""Secrets: the OS keyring, or ``XPOST_<PLATFORM>_<FIELD>`` environment variables.

Where a secret is looked for, in order:

1. the environment, ``XPOST_<PLATFORM>_<FIELD>`` (``XPOST_QIITA_TOKEN``) — for cron
   and CI, where no keyring is unlocked;
2. the OS keyring (``keyring``), service ``xpost``, username ``<platform>:<field>``
   (``qiita:token``), as written by ``xpost auth set``.

``keyring`` is imported only when a secret is actually looked up there, so a dry-run
or ``--help`` never loads it. A machine without a usable keyring (a headless server:
keyring's ``fail``/``null`` backends, a locked or absent D-Bus Secret Service) falls
back to the environment alone with one hint line, never a crash.

Every value the store hands out or writes is remembered, so that ``redact`` can scrub
it from any message before xpost prints or records it.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, quote_plus

from xpost import environment
from xpost.errors import InputError, XpostError

if TYPE_CHECKING:
    from xpost.adapters.base import Adapter

#: The keyring service every xpost secret is stored under.
SERVICE = "xpost"
#: Values this short are not real secrets; scrubbing them would shred every message.
MIN_SECRET_LENGTH = 4
MASK = "***"

Source = Literal["env", "keyring", "missing"]


env_var = environment.credential_variable


def keyring_username(platform: str, field: str) -> str:
    """The keyring username of one secret: ``qiita:token``."""
    return f"{platform}:{field}"


class KeyringUnavailable(InputError):
    """There is no usable OS keyring to write to; the environment variables remain."""


class CredentialInvalid(InputError):
    """A secret that cannot be sent as it is (a line break inside): set it again."""


class CredentialStore:
    """Reads (and for ``xpost auth``, writes) secrets; remembers every value it handed
    out so that ``redact`` can scrub them from anything xpost writes or prints.

    ``environ`` defaults to ``os.environ`` read at each call; tests pass their own.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.hints: list[str] = []  # one-line notes, e.g. "no keyring backend: using env"
        self._environ = environ
        self._lock = threading.RLock()
        self._secrets: set[str] = set()
        self._keyring = _Keyring()
        # Env variables that could not be backed by the keyring, for the single hint.
        self._unbacked: list[str] = []
        self._hint_index: int | None = None

    # -- reading ---------------------------------------------------------------

    def get(self, platform: str, fields: Sequence[str]) -> dict[str, str]:
        """The fields found (environment first, then the keyring); missing ones left out."""
        found: dict[str, str] = {}
        for field in fields:
            value, _ = self._lookup(platform, field)
            if value is not None:
                found[field] = value
        return found

    def status(self, platform: str, fields: Sequence[str]) -> dict[str, Source]:
        """Where each field would come from — ``env``, ``keyring`` or ``missing`` — never
        the value itself (nor whether it is usable: ``get`` says that)."""
        return {field: self._source(platform, field) for field in fields}

    def _source(self, platform: str, field: str) -> Source:
        try:
            return self._lookup(platform, field)[1]
        except CredentialInvalid:
            return "env" if self._from_env(platform, field) is not None else "keyring"

    def missing_message(
        self, platform: str, fields: Sequence[str], label: str | None = None
    ) -> str:
        """One line naming both fixes: ``xpost auth set PLATFORM`` or the env variables.

        ``fields`` are the fields still needed; ``label`` the platform's human name
        (looked up from its adapter when not given).
        """
        name = label or _label_of(platform)
        needed = ", ".join(fields)
        envs = ", ".join(env_var(platform, field) for field in fields)
        return f"{name}: no credentials ({needed}): run 'xpost auth set {platform}' or set {envs}"

    def _lookup(self, platform: str, field: str) -> tuple[str | None, Source]:
        """The value as it will be sent — surrounding whitespace (the newline of a secret
        pasted from a file) stripped — and where it came from. ``CredentialInvalid`` for
        a value with a line break or another control character inside: sent in a header
        it would be refused, and the library refusing it quotes the header, token and all.
        """
        value = self._from_env(platform, field)
        if value is not None:
            return self._clean(value, env_var(platform, field)), "env"
        value = self._keyring.get(keyring_username(platform, field))
        if self._keyring.problem is not None:
            self._hint_unbacked(env_var(platform, field))
        if value and value.strip():
            entry = keyring_username(platform, field)
            where = f"the keyring entry {entry} (xpost auth set {platform})"
            return self._clean(value, where), "keyring"
        return None, "missing"

    def _clean(self, value: str, where: str) -> str:
        self.remember(value)
        clean = value.strip()
        self.remember(clean)
        if any(_is_control(char) for char in clean):
            raise CredentialInvalid(
                f"{where}: the value has a line break or another control character inside; "
                "set it again as one line"
            )
        if not clean.isascii():
            # HTTP headers carry Latin-1 at best; a token is ASCII. Sent, it would fail
            # inside the HTTP library after the request was counted as started.
            raise CredentialInvalid(
                f"{where}: the value has a non-ASCII character (a token is plain ASCII: "
                "was it pasted with a typographic quote or a full-width character?)"
            )
        return clean

    def _from_env(self, platform: str, field: str) -> str | None:
        environ = os.environ if self._environ is None else self._environ
        value = environ.get(env_var(platform, field))
        return value if value and value.strip() else None

    def _hint_unbacked(self, variable: str) -> None:
        """Keep ONE hint line, naming every variable the keyring could not stand in for."""
        with self._lock:
            if variable not in self._unbacked:
                self._unbacked.append(variable)
            self._rewrite_hint()

    def settled(self, platform: str) -> None:
        """``platform`` has all it needs: its other fields (X's OAuth 2.0 token, an
        alternative to the OAuth 1.0a set found) are not worth a hint."""
        prefix = env_var(platform, "")
        with self._lock:
            self._unbacked = [v for v in self._unbacked if not v.startswith(prefix)]
            self._rewrite_hint()

    def _rewrite_hint(self) -> None:
        if self._hint_index is None and not self._unbacked:
            return
        if not self._unbacked:
            assert self._hint_index is not None
            del self.hints[self._hint_index]
            self._hint_index = None
            return
        line = self.redact(f"{self._keyring.problem}: set {', '.join(self._unbacked)} instead")
        if self._hint_index is None:
            self._hint_index = len(self.hints)
            self.hints.append(line)
        else:
            self.hints[self._hint_index] = line

    # -- writing (``xpost auth``) ----------------------------------------------

    def set(self, platform: str, values: Mapping[str, str]) -> None:
        """Store each field in the OS keyring; ``KeyringUnavailable`` when there is none."""
        for value in values.values():
            self.remember(value)
        for field, value in values.items():  # refused now, not at the first publish
            self._clean(value, f"{_label_of(platform)} {field}")
        for field, value in values.items():
            self._keyring.set(keyring_username(platform, field), value)
        if self._keyring.problem is not None:
            raise self._unavailable(platform, list(values))

    def remove(self, platform: str, fields: Sequence[str]) -> list[str]:
        """Delete the fields' keyring entries; returns the fields that were stored."""
        removed = [f for f in fields if self._keyring.delete(keyring_username(platform, f))]
        if self._keyring.problem is not None:
            raise self._unavailable(platform, fields)
        return removed

    def ensure_writable(self, platform: str, fields: Sequence[str]) -> None:
        """Fail early (before asking the user anything) when no keyring can take secrets."""
        self._keyring.open()
        if self._keyring.problem is not None:
            raise self._unavailable(platform, fields)

    def _unavailable(self, platform: str, fields: Sequence[str]) -> KeyringUnavailable:
        envs = ", ".join(env_var(platform, field) for field in fields)
        return KeyringUnavailable(
            self.redact(f"{self._keyring.problem}: set {envs} in the environment instead")
        )

    # -- scrubbing ---------------------------------------------------------------

    def remember(self, *values: str) -> None:
        """Treat these values as secrets from now on (``redact`` scrubs them)."""
        with self._lock:
            self._secrets.update(v for v in values if len(v) >= MIN_SECRET_LENGTH)

    def redact(self, text: str) -> str:
        """``text`` with every secret this store has seen replaced by ``***``."""
        with self._lock:
            secrets = list(self._secrets)
        return scrub(text, secrets)


def secret_forms(secret: str) -> set[str]:
    """The ways a secret shows up in a message: as is, URL-encoded, and escaped the way
    ``repr`` shows a str or bytes value (``b'Bearer abc\\n'``)."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    forms.add(secret.encode("unicode_escape").decode("ascii"))
    forms.add(repr(secret)[1:-1])
    forms.add(repr(secret.encode("utf-8", "surrogateescape"))[2:-1])
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every form of every secret (``secret_forms``) replaced by ``***``.

    Scrub before shortening a message: cut first, half a secret would survive.
    """
    variants = {
        form
        for secret in secrets
        if len(secret) >= MIN_SECRET_LENGTH
        for form in secret_forms(secret)
    }
    # Longest first, so a secret containing another is scrubbed whole.
    for form in sorted(variants, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def _label_of(platform: str) -> str:
    """The adapter's human name ("X" for twitter); the key itself if it cannot load."""
    from xpost.adapters import registry

    try:
        if platform in registry.installed():
            return registry.load(platform).label
    except Exception:  # a broken third-party adapter must not hide the real message
        pass
    return platform


class _Keyring:
    """The OS keyring behind a door that never throws: each failure becomes ``problem``.

    Once the keyring has failed it is not asked again in this run: a locked D-Bus
    Secret Service may take seconds to refuse each time.
    """

    def __init__(self) -> None:
        self.problem: str | None = None
        self._backend: Any = None
        self._opened = False
        self._lock = threading.Lock()

    def open(self) -> Any:
        """The usable backend, or None (and ``problem`` says why)."""
        with self._lock:
            if not self._opened:
                self._opened = True
                self._backend, self.problem = _open_backend()
            return self._backend

    def get(self, username: str) -> str | None:
        backend = self.open()
        if backend is None:
            return None
        try:
            value: str | None = backend.get_password(SERVICE, username)
        except Exception as exc:
            self._fail(exc)
            return None
        return value

    def set(self, username: str, value: str) -> None:
        backend = self.open()
        if backend is None:
            return
        try:
            backend.set_password(SERVICE, username, value)
        except Exception as exc:
            self._fail(exc)

    def delete(self, username: str) -> bool:
        backend = self.open()
        if backend is None:
            return False
        from keyring.errors import PasswordDeleteError

        try:
            if backend.get_password(SERVICE, username) is None:
                return False
            backend.delete_password(SERVICE, username)
        except PasswordDeleteError:
            return False
        except Exception as exc:
            self._fail(exc)
            return False
        return True

    def _fail(self, exc: Exception) -> None:
        with self._lock:
            self._backend = None
            self.problem = f"OS keyring unusable ({_describe(exc)})"


def _open_backend() -> tuple[Any, str | None]:
    headless = "no OS keyring available (headless?)"
    try:
        import keyring
        from keyring.backends import chainer, fail, null

        backend = keyring.get_keyring()
    except Exception as exc:
        return None, f"OS keyring unusable ({_describe(exc)})"
    # ``null`` and an empty chainer accept writes and silently drop them.
    empty_chain = isinstance(backend, chainer.ChainerBackend) and not backend.backends
    if isinstance(backend, fail.Keyring | null.Keyring) or empty_chain:
        return None, headless
    return backend, None


def _describe(exc: BaseException, redact: Callable[[str], str] = str) -> str:
    """``KeyringLocked: Failed to unlock the collection`` — first line, bounded; scrubbed
    (``redact``) before it is cut: cut first, half a secret would survive."""
    whole = redact(str(exc)).strip()
    text = whole.splitlines()[0] if whole else ""
    described = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return described if len(described) <= 120 else described[:117] + "..."


Outcome = Literal["signed_in", "unchecked", "not_needed", "missing", "failed"]


@dataclass
class CredentialCheck:
    """What ``xpost auth status`` (and ``xpost doctor``) learned about one platform.

    ``fields`` says where each secret comes from, never its value; ``error`` is one
    line, already redacted.
    """

    platform: str
    label: str
    fields: dict[str, Source]
    outcome: Outcome
    account: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("signed_in", "unchecked", "not_needed")


def check_credentials(
    adapter: Adapter[Any, Any], store: CredentialStore, *, timeout: float = 10.0
) -> CredentialCheck:
    """Where the adapter's secrets come from, and — when all are there — whether the
    platform accepts them (``adapter.whoami``). Never raises for a platform's answer."""
    from xpost.adapters.base import Adapter, PublishContext

    name, fields = adapter.name, adapter.credential_fields
    check = CredentialCheck(name, adapter.label, store.status(name, fields), "not_needed")
    try:
        found = store.get(name, fields) if fields else {}
    except CredentialInvalid as exc:
        check.outcome, check.error = "failed", store.redact(str(exc))
        return check
    missing = adapter.missing_credentials(found)
    if missing:
        check.outcome = "missing"
        check.error = store.missing_message(name, missing, adapter.label)
        return check
    if found:
        store.settled(name)
    if type(adapter).whoami is Adapter.whoami:  # this adapter cannot check online
        check.outcome = "unchecked" if fields else "not_needed"
        return check
    try:
        check.account = store.redact(adapter.whoami(PublishContext(found, timeout=timeout)))
        check.outcome = "signed_in"
    except NotImplementedError:
        check.outcome = "unchecked"
    except XpostError as exc:
        check.outcome, check.error = "failed", store.redact(str(exc))
    except Exception as exc:  # a third-party adapter may fail in any way; report, go on
        check.outcome = "failed"
        check.error = store.redact(f"{adapter.label}: {_describe(exc, store.redact)}")
    return check
