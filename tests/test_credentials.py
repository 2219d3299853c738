"""The credential store: environment over keyring, headless degradation, redaction."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from credential_fakes import (
    GOOD_TOKEN,
    BrokenDBusKeyring,
    CrashingAdapter,
    FakeConnpass,
    FakeQiita,
    FakeX,
    FakeZenn,
    LockedKeyring,
    MemoryKeyring,
    UnsupportedCheckAdapter,
)
from xpost.adapters.base import Adapter
from xpost.config import SiteConfig
from xpost.credentials import (
    SERVICE,
    CredentialStore,
    KeyringUnavailable,
    check_credentials,
    env_var,
    keyring_username,
)
from xpost.errors import ExitCode

TOKEN = "qiita-secret-token-0001"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No XPOST_* variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("XPOST_"):
            monkeypatch.delenv(name)


def use_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    for _ in use_keyring(backend):
        yield backend


@pytest.fixture
def headless() -> Iterator[KeyringBackend]:
    yield from use_keyring(fail.Keyring())


def adapter(cls: type[Adapter[Any, Any]]) -> Adapter[Any, Any]:
    return cls(cls.Settings(), SiteConfig())


# -- names -------------------------------------------------------------------------


def test_env_and_keyring_names() -> None:
    assert env_var("qiita", "token") == "XPOST_QIITA_TOKEN"
    assert env_var("twitter", "access_token_secret") == "XPOST_TWITTER_ACCESS_TOKEN_SECRET"
    assert env_var("my-site", "api-key") == "XPOST_MY_SITE_API_KEY"
    assert SERVICE == "xpost"
    assert keyring_username("qiita", "token") == "qiita:token"


# -- reading -------------------------------------------------------------------------


def test_keyring_entry_is_found_under_service_xpost(memory: MemoryKeyring) -> None:
    memory.entries[("xpost", "qiita:token")] = TOKEN
    store = CredentialStore(environ={})
    assert store.get("qiita", ["token"]) == {"token": TOKEN}
    assert store.status("qiita", ["token"]) == {"token": "keyring"}
    assert store.hints == []


def test_environment_wins_over_keyring(memory: MemoryKeyring) -> None:
    memory.entries[("xpost", "qiita:token")] = "from-the-keyring"
    store = CredentialStore(environ={"XPOST_QIITA_TOKEN": "from-the-environment"})
    assert store.get("qiita", ["token"]) == {"token": "from-the-environment"}
    assert store.status("qiita", ["token"]) == {"token": "env"}


def test_fields_mix_sources_and_missing_ones_are_left_out(memory: MemoryKeyring) -> None:
    memory.entries[("xpost", "twitter:api_secret")] = "secret-from-keyring"
    store = CredentialStore(environ={"XPOST_TWITTER_API_KEY": "key-from-env"})
    fields = ["api_key", "api_secret", "access_token"]
    assert store.get("twitter", fields) == {
        "api_key": "key-from-env",
        "api_secret": "secret-from-keyring",
    }
    assert store.status("twitter", fields) == {
        "api_key": "env",
        "api_secret": "keyring",
        "access_token": "missing",
    }


def test_blank_environment_variable_counts_as_unset(memory: MemoryKeyring) -> None:
    memory.entries[("xpost", "qiita:token")] = TOKEN
    store = CredentialStore(environ={"XPOST_QIITA_TOKEN": "  "})
    assert store.get("qiita", ["token"]) == {"token": TOKEN}


def test_reads_os_environ_by_default(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XPOST_QIITA_TOKEN", TOKEN)
    assert CredentialStore().get("qiita", ["token"]) == {"token": TOKEN}


# -- no usable keyring: the environment alone, one hint, never a crash ------------------


def test_headless_machine_uses_environment_with_one_hint(headless: KeyringBackend) -> None:
    store = CredentialStore(environ={"XPOST_TWITTER_API_KEY": "key-from-env"})
    assert store.get("qiita", ["token"]) == {}
    assert store.get("twitter", ["api_key", "api_secret"]) == {"api_key": "key-from-env"}
    assert store.get("qiita", ["token"]) == {}
    assert store.hints == [
        "no OS keyring available (headless?): "
        "set XPOST_QIITA_TOKEN, XPOST_TWITTER_API_SECRET instead"
    ]


def test_complete_environment_never_asks_the_keyring() -> None:
    locked = LockedKeyring()
    for _ in use_keyring(locked):
        store = CredentialStore(environ={"XPOST_QIITA_TOKEN": TOKEN})
        assert store.get("qiita", ["token"]) == {"token": TOKEN}
    assert locked.calls == 0
    assert store.hints == []


def test_locked_keyring_is_asked_once_then_degrades() -> None:
    locked = LockedKeyring()
    for _ in use_keyring(locked):
        store = CredentialStore(environ={})
        assert store.get("twitter", ["api_key", "api_secret"]) == {}
    assert locked.calls == 1  # a locked Secret Service may take seconds to refuse
    assert store.hints == [
        "OS keyring unusable (KeyringLocked: Failed to unlock the collection!): "
        "set XPOST_TWITTER_API_KEY, XPOST_TWITTER_API_SECRET instead"
    ]


def test_dbus_failure_that_is_no_keyring_error_degrades_too() -> None:
    for _ in use_keyring(BrokenDBusKeyring()):
        store = CredentialStore(environ={})
        assert store.get("qiita", ["token"]) == {}
        assert store.status("qiita", ["token"]) == {"token": "missing"}
    assert store.hints == [
        "OS keyring unusable (ConnectionRefusedError: org.freedesktop.DBus.Error.NoServer: "
        "cannot connect): set XPOST_QIITA_TOKEN instead"
    ]


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), chainer.ChainerBackend()],
    ids=["fail", "null", "empty-chainer"],
)
def test_writing_without_a_backend_names_the_environment_variables(
    backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The chainer finds no backends in this container; make sure of it.
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    for _ in use_keyring(backend):
        store = CredentialStore(environ={})
        with pytest.raises(KeyringUnavailable) as caught:
            store.set("twitter", {"api_key": "k-1234", "api_secret": "s-5678"})
        with pytest.raises(KeyringUnavailable):
            store.ensure_writable("qiita", ["token"])
        with pytest.raises(KeyringUnavailable):
            store.remove("qiita", ["token"])
    assert str(caught.value) == (
        "no OS keyring available (headless?): set XPOST_TWITTER_API_KEY, "
        "XPOST_TWITTER_API_SECRET in the environment instead"
    )
    assert caught.value.exit_code == ExitCode.BAD_INPUT


def test_a_write_refused_by_a_locked_keyring_never_shows_the_value() -> None:
    for _ in use_keyring(LockedKeyring()):
        store = CredentialStore(environ={})
        with pytest.raises(KeyringUnavailable) as caught:
            store.set("qiita", {"token": TOKEN})
    assert str(caught.value) == (
        "OS keyring unusable (KeyringLocked: Failed to unlock the collection!): "
        "set XPOST_QIITA_TOKEN in the environment instead"
    )


# -- writing and removing ----------------------------------------------------------------


def test_set_then_get_then_remove(memory: MemoryKeyring) -> None:
    store = CredentialStore(environ={})
    store.set("twitter", {"api_key": "k-1234", "api_secret": "s-5678"})
    assert memory.entries == {
        ("xpost", "twitter:api_key"): "k-1234",
        ("xpost", "twitter:api_secret"): "s-5678",
    }
    assert CredentialStore(environ={}).get("twitter", ["api_key", "api_secret"]) == {
        "api_key": "k-1234",
        "api_secret": "s-5678",
    }
    assert store.remove("twitter", ["api_key", "access_token"]) == ["api_key"]
    assert memory.entries == {("xpost", "twitter:api_secret"): "s-5678"}
    assert store.remove("twitter", ["api_key"]) == []


# -- messages ----------------------------------------------------------------------------


def test_missing_message_names_both_fixes() -> None:
    store = CredentialStore(environ={})
    assert store.missing_message("qiita", ["token"], "Qiita") == (
        "Qiita: no credentials (token): run 'xpost auth set qiita' or set XPOST_QIITA_TOKEN"
    )
    assert store.missing_message("twitter", ["api_key", "access_token_secret"]) == (
        "X: no credentials (api_key, access_token_secret): run 'xpost auth set twitter' "
        "or set XPOST_TWITTER_API_KEY, XPOST_TWITTER_ACCESS_TOKEN_SECRET"
    )
    assert store.missing_message("nowhere", ["token"]).startswith("nowhere: no credentials")


def test_redact_scrubs_every_value_handed_out_also_url_encoded(memory: MemoryKeyring) -> None:
    tricky = "a+b/c d=e&f"
    memory.entries[("xpost", "twitter:api_secret")] = tricky
    store = CredentialStore(environ={"XPOST_QIITA_TOKEN": TOKEN})
    store.get("qiita", ["token"])
    store.get("twitter", ["api_secret"])
    message = (
        f"401 for GET /items?token={TOKEN} with Authorization: Bearer {TOKEN}; "
        f"secret {tricky}, quoted a%2Bb%2Fc%20d%3De%26f, path-quoted a%2Bb/c%20d%3De%26f, "
        f"form a%2Bb%2Fc+d%3De%26f"
    )
    assert store.redact(message) == (
        "401 for GET /items?token=*** with Authorization: Bearer ***; "
        "secret ***, quoted ***, path-quoted ***, form ***"
    )


def test_redact_covers_values_stored_and_remembered(memory: MemoryKeyring) -> None:
    store = CredentialStore(environ={})
    store.set("qiita", {"token": TOKEN})
    store.remember("x-access-token-42")
    assert store.redact(f"{TOKEN} and x-access-token-42") == "*** and ***"


def test_redact_scrubs_the_longer_secret_whole_and_ignores_tiny_values() -> None:
    store = CredentialStore(environ={})
    store.remember("abcd", "abcd-efgh-ijkl", "ab")
    assert store.redact("abcd-efgh-ijkl / abcd / ab") == "*** / *** / ab"


# -- checking against the platform ---------------------------------------------------------


def test_check_signed_in(memory: MemoryKeyring) -> None:
    memory.entries[("xpost", "qiita:token")] = GOOD_TOKEN
    check = check_credentials(adapter(FakeQiita), CredentialStore(environ={}), timeout=1.5)
    assert (check.outcome, check.account, check.error) == ("signed_in", "@alice", None)
    assert check.ok
    assert check.fields == {"token": "keyring"}


def test_check_rejected_token_is_redacted(memory: MemoryKeyring) -> None:
    store = CredentialStore(environ={"XPOST_QIITA_TOKEN": TOKEN})
    check = check_credentials(adapter(FakeQiita), store)
    assert check.outcome == "failed"
    assert not check.ok
    assert check.error == "Qiita: the token *** was rejected (401): it is wrong or revoked"


def test_check_missing_names_only_what_is_needed(memory: MemoryKeyring) -> None:
    store = CredentialStore(environ={"XPOST_TWITTER_API_KEY": "key-from-env"})
    check = check_credentials(adapter(FakeX), store)
    assert check.outcome == "missing"
    assert check.error == (
        "X: no credentials (api_secret, access_token, access_token_secret): "
        "run 'xpost auth set twitter' or set XPOST_TWITTER_API_SECRET, "
        "XPOST_TWITTER_ACCESS_TOKEN, XPOST_TWITTER_ACCESS_TOKEN_SECRET"
    )


def test_check_alternative_credentials_suffice(memory: MemoryKeyring) -> None:
    store = CredentialStore(environ={"XPOST_TWITTER_OAUTH2_ACCESS_TOKEN": "oauth2-token"})
    check = check_credentials(adapter(FakeX), store)
    assert (check.outcome, check.account) == ("signed_in", "@bob")


@pytest.mark.parametrize(
    ("cls", "outcome", "error"),
    [
        (FakeZenn, "not_needed", None),
        (FakeConnpass, "unchecked", None),
        (UnsupportedCheckAdapter, "unchecked", None),
        (CrashingAdapter, "failed", "Mastodon: KeyError: 'no such server for token ***'"),
    ],
)
def test_check_adapters_that_cannot_or_need_not_check(
    memory: MemoryKeyring, cls: type[Adapter[Any, Any]], outcome: str, error: str | None
) -> None:
    environ = {env_var(cls.name, f): "some-long-secret" for f in cls.credential_fields}
    check = check_credentials(adapter(cls), CredentialStore(environ=environ))
    assert (check.outcome, check.error) == (outcome, error)


def test_check_hands_whoami_the_found_credentials(memory: MemoryKeyring) -> None:
    FakeQiita.seen.clear()
    check_credentials(adapter(FakeQiita), CredentialStore(environ={"XPOST_QIITA_TOKEN": TOKEN}))
    assert FakeQiita.seen == [{"token": TOKEN}]


# -- staying light ----------------------------------------------------------------------------


def test_importing_and_reading_the_environment_never_imports_keyring() -> None:
    probe = (
        "import sys\n"
        "from xpost.credentials import CredentialStore\n"
        "assert 'keyring' not in sys.modules, 'import'\n"
        "store = CredentialStore(environ={'XPOST_QIITA_TOKEN': 'qiita-secret-token-0001'})\n"
        "assert store.get('qiita', ['token']) == {'token': 'qiita-secret-token-0001'}\n"
        "assert 'keyring' not in sys.modules, 'env lookup'\n"
        "print('LIGHT', sorted(m for m in ('keyring', 'requests', 'tweepy') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "LIGHT []\n"
