"""Credential checks and redaction: bad config told from missing credentials, targets that
need none, accounts and secrets scrubbed from every line, refused secrets (issue 11).
"""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

import xpost
import xpost.cli.run
from credential_fakes import FakeQiita, FakeX, MemoryKeyring
from fake_adapter import BlogAdapter, Site
from xpost.adapters.base import NoSettings, PublishContext
from xpost.config import SiteConfig
from xpost.credentials import CredentialInvalid, CredentialStore, check_credentials, scrub
from xpost.errors import ConfigError, CredentialsMissing

# -- secrets: every form of a secret is scrubbed -------------------------------------


def test_scrub_removes_the_secret_and_its_repr_form() -> None:
    secret = "s3cr3t-'token'-value"
    text = f"failed with {secret} and {secret!r}"
    scrubbed = scrub(text, [secret])
    assert secret not in scrubbed
    assert repr(secret) not in scrubbed
    assert "'token'" not in scrubbed


# ── publishing: --force where an unknown outcome or a hand-off is settled ──────


@pytest.fixture
def site(fake_site: Site) -> Site:
    return fake_site


# ── publishing: pre-flight ─────────────────────────────────────────────────────


def test_a_misconfigured_platform_is_bad_config_not_missing_credentials(site: Site) -> None:
    """``misconfigured = True`` → ``False``: ``xpost.publish`` would raise
    ``CredentialsMissing`` for a setup that no credential can fix."""

    def broken(self: BlogAdapter) -> None:
        if self.name == "blog":  # MicroAdapter inherits it
            raise ConfigError("[blog] api_base: not an http(s) URL")

    site.monkeypatch.setattr(BlogAdapter, "check_setup", broken)
    site.monkeypatch.delenv("XPOST_MICRO_TOKEN")
    post = site.write_post()
    with pytest.raises(ConfigError) as raised:
        xpost.publish([post], to=["blog", "micro"])
    assert str(raised.value) == (
        f"{site.config}: [blog] api_base: not an http(s) URL; "
        "Micro: no credentials (token): run 'xpost auth set micro' or set XPOST_MICRO_TOKEN"
    )
    with pytest.raises(CredentialsMissing):  # and missing credentials alone stay that
        xpost.publish([post], to=["micro"])
    assert site.platforms["blog"].requests == [] == site.platforms["micro"].requests


def test_a_target_that_sends_nothing_needs_no_credentials(site: Site) -> None:
    """``if not step.sends or …`` in ``preflight``: an unchanged copy would demand a
    token it never uses, and stop the platforms that do send."""
    post = str(site.write_post())
    assert site.xpost("publish", post, "--to", "blog,micro").code == 0
    site.monkeypatch.delenv("XPOST_MICRO_TOKEN")
    site.write_post(body="Second version.\n")
    run = site.xpost("publish", post, "--to", "blog,micro")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        "Blog      updated    https://blog.example/items/Blog-1",
        "Micro     unchanged  https://micro.example/items/Micro-1",
    ]


# ── credentials ────────────────────────────────────────────────────────────────


class _EchoingQiita(FakeQiita):
    """A careless adapter whose account name is the token it was given."""

    def whoami(self, ctx: PublishContext) -> str:
        return f"signed in with {ctx.credentials['token']}"


def test_the_account_a_platform_names_is_redacted() -> None:
    """``check.account = store.redact(…)`` → the raw answer: ``xpost auth status`` would
    print a secret that a careless adapter echoed back."""
    store = CredentialStore(environ={"XPOST_QIITA_TOKEN": "qiita-secret-token-0001"})
    check = check_credentials(_EchoingQiita(NoSettings(), SiteConfig()), store)
    assert (check.outcome, check.account) == ("signed_in", "signed in with ***")


def test_a_platform_signed_in_drops_only_its_own_variables_from_the_keyring_hint() -> None:
    """``not v.startswith(prefix)`` in ``settled`` → ``v.startswith(prefix)``: the hint
    would name only the variables that are no longer needed."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = CredentialStore(environ={"XPOST_TWITTER_OAUTH2_ACCESS_TOKEN": "oauth2-token"})
        qiita = check_credentials(FakeQiita(NoSettings(), SiteConfig()), store)
        x = check_credentials(FakeX(NoSettings(), SiteConfig()), store)
    finally:
        keyring.set_keyring(previous)
    assert (qiita.outcome, x.outcome) == ("missing", "signed_in")
    assert store.hints == ["no OS keyring available (headless?): set XPOST_QIITA_TOKEN instead"]


class _LongWinded(FakeQiita):
    """A third-party library failing with a long message, the secret where it is cut."""

    def whoami(self, ctx: PublishContext) -> str:
        raise RuntimeError("x" * 95 + ctx.credentials["token"] + "y" * 50 + "\nsecond line")


def test_an_unexpected_failure_is_one_bounded_line_with_no_part_of_a_secret() -> None:
    """``described[:117] + "..."`` → ``*`` would crash the check; and cut before it was
    scrubbed, the message kept the secret's first half (``qiita-se...``)."""
    store = CredentialStore(environ={"XPOST_QIITA_TOKEN": "qiita-secret-token-0001"})
    check = check_credentials(_LongWinded(NoSettings(), SiteConfig()), store)
    assert check.outcome == "failed"
    assert check.error == "Qiita: RuntimeError: " + "x" * 95 + "***" + "y" * 5 + "..."


def test_a_secret_with_both_quotes_is_scrubbed_whole_as_repr_shows_it() -> None:
    """``repr(secret)[1:-1]`` → ``[2:-1]``: ``repr`` escapes a secret holding both ``'``
    and ``"``; with a non-ASCII letter no other form (bytes, ``unicode_escape``) matches
    that, and its first character would be left in front of the mask."""
    secret = "pässword'with\"quotes-0123"
    shown = f"headers={ {'Authorization': secret} }"
    assert scrub(shown, [secret]) == "headers={'Authorization': '***'}"


def test_auth_set_refuses_a_secret_with_a_line_break_and_stores_none_of_the_fields() -> None:
    """``for field, value in values.items(): self._clean(…)`` in ``set`` → no loop: the
    broken secret would be stored, and refused only at the first publish."""
    memory = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(memory)
    try:
        store = CredentialStore(environ={})
        with pytest.raises(CredentialInvalid) as raised:
            store.set("twitter", {"api_key": "good-api-key-0001", "api_secret": "abc\ndef-0002"})
    finally:
        keyring.set_keyring(previous)
    assert str(raised.value).startswith("X api_secret: ")
    assert "def-0002" not in str(raised.value)
    assert memory.entries == {}
