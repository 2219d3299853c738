"""What stops a run before anything is sent, in one clear line: an ``[twitter] api_base``
that is no http URL, missing credentials of several platforms, a keyring hint naming only
what the platform needs; and no secret in output or ledger after a bad run.
"""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backends import fail

from credential_fakes import FakeX as FakeXAdapter
from e2e_world import World
from fakes.qiita import TOKEN as QIITA_TOKEN
from fakes.x import CREDENTIALS
from xpost.adapters.base import NoSettings
from xpost.config import SiteConfig
from xpost.credentials import CredentialStore, check_credentials

# -- bad config is exit 2 before anything is sent ------------------------------------------


@pytest.mark.shared
def test_twitter_api_base_that_is_no_http_url_stops_everything_before_sending(
    site: World,
) -> None:
    post = site.write_bundle(
        "ftp", "---\ntitle: FTP\ndate: 2024-05-01\ntags: [python]\n---\nBody.\n"
    )
    config = site.config.read_text(encoding="utf-8")
    site.config.write_text(
        config.replace('[twitter]\napi_base = "', '[twitter]\napi_base = "ftp://x" # '),
        encoding="utf-8",
    )
    run = site.xpost("publish", str(post), "--to", "twitter,qiita")
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr == (
        f"xpost: error: {site.config}: [twitter] api_base: expected an http(s) URL like "
        "'https://api.x.com', got 'ftp://x'\n"
    )
    assert site.qiita.calls() == [] and site.x.requests == []  # Qiita was not sent either
    doctor = site.xpost("doctor")
    assert doctor.returncode == 1
    assert (
        "FAIL  twitter   [twitter] api_base: expected an http(s) URL like "
        "'https://api.x.com', got 'ftp://x'\n"
    ) in doctor.stdout


@pytest.mark.shared
def test_missing_credentials_of_several_platforms_are_named_in_one_line(site: World) -> None:
    post = site.write_bundle(
        "creds", "---\ntitle: Creds\ndate: 2024-05-01\ntags: [python]\n---\nB.\n"
    )
    for name in ("XPOST_QIITA_TOKEN", *(f"XPOST_TWITTER_{k.upper()}" for k in CREDENTIALS)):
        site.env.pop(name)
    run = site.xpost("publish", str(post), "--to", "twitter,qiita")
    assert run.returncode == 2
    assert run.stderr == (
        "xpost: error: X: no credentials (api_key, api_secret, access_token, "
        "access_token_secret): run 'xpost auth set twitter' or set XPOST_TWITTER_API_KEY, "
        "XPOST_TWITTER_API_SECRET, XPOST_TWITTER_ACCESS_TOKEN, "
        "XPOST_TWITTER_ACCESS_TOKEN_SECRET; Qiita: no credentials (token): "
        "run 'xpost auth set qiita' or set XPOST_QIITA_TOKEN\n"
    )
    assert site.qiita.calls() == [] and site.x.requests == []


def test_keyring_hint_leaves_out_an_alternative_the_platform_does_not_need() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        environ = {f"XPOST_TWITTER_{k.upper()}": v for k, v in CREDENTIALS.items()}
        store = CredentialStore(environ=environ)
        check = check_credentials(FakeXAdapter(NoSettings(), SiteConfig()), store)
        assert (check.outcome, check.account) == ("signed_in", "@bob")
        # Was: "no OS keyring available (headless?): set XPOST_TWITTER_OAUTH2_ACCESS_TOKEN
        # instead", though the OAuth 1.0a set in the environment is complete.
        assert store.hints == []
        bare = CredentialStore(environ={})
        check_credentials(FakeXAdapter(NoSettings(), SiteConfig()), bare)
        assert bare.hints == [
            "no OS keyring available (headless?): set XPOST_TWITTER_API_KEY, "
            "XPOST_TWITTER_API_SECRET, XPOST_TWITTER_ACCESS_TOKEN, "
            "XPOST_TWITTER_ACCESS_TOKEN_SECRET, XPOST_TWITTER_OAUTH2_ACCESS_TOKEN instead"
        ]
    finally:
        keyring.set_keyring(previous)


@pytest.mark.shared
def test_no_secret_reaches_output_or_ledger_across_a_bad_run(site: World) -> None:
    post = site.write_thread(3)
    site.x.script("POST", "/2/tweets", nth=2, status=503)
    runs = [
        site.xpost("publish", str(post), "--to", "twitter,qiita"),
        site.xpost("publish", str(post), "--to", "twitter,qiita"),
        site.xpost("status", str(post), "--json"),
        site.xpost("history", "--json"),
    ]
    assert json.loads(runs[2].stdout)["syndications"][1]["status"] == "published"
    blobs = [r.stdout + r.stderr for r in runs]
    blobs += [f.read_bytes().decode("latin-1") for f in (site.root / "data").glob("xpost*")]
    for secret in (QIITA_TOKEN, *CREDENTIALS.values()):
        assert not [blob for blob in blobs if secret in blob]
