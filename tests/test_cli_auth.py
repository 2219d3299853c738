"""``xpost auth set|status|remove|login`` as a user meets it: prompts, exit codes, output.

Commands run in-process through the real entry point (``xpost.cli.main``, where errors
become one line and an exit code) with a dict for the OS keyring and fake adapters
registered in place of the built-in ones, so nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner
from keyring.backends import fail

from conftest import INSTALLED as ALL_INSTALLED
from credential_fakes import FAKE_ADAPTERS, GOOD_TOKEN, FakeX, MemoryKeyring
from fakes.qiita import TOKEN as QIITA_TOKEN
from fakes.qiita import FakeQiita as FakeQiitaAPI
from fakes.qiita import running as running_qiita
from xpost.adapters import registry
from xpost.cli import auth as auth_module
from xpost.cli import main

BAD_TOKEN = "qiita-revoked-token-9999"
INSTALLED = ("connpass", "qiita", "twitter", "zenn")
REAL_ADAPTERS = registry.installed


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def everything(self) -> str:
        return self.stdout + self.stderr


def xpost(*args: str, input: str | None = None) -> Run:
    """Run ``xpost ARGS`` through the console entry point, capturing both streams."""
    runner = CliRunner()
    with runner.isolation(input=input) as (out, err, _):
        argv = sys.argv
        sys.argv = ["xpost", *args]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            sys.argv = argv
        return Run(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake adapters, no config but our own, no XPOST_* from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("XPOST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    entries = {
        name: EntryPoint(name, f"credential_fakes:{FAKE_ADAPTERS[name].__name__}", registry.GROUP)
        for name in INSTALLED
    }
    monkeypatch.setattr(registry, "installed", lambda: entries)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def headless() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend stdin is a terminal, so ``set`` asks with hidden prompts."""
    monkeypatch.setattr(auth_module, "_stdin_is_interactive", lambda: True)


def assert_no_secret(run: Run, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in run.everything


# -- auth set ------------------------------------------------------------------------


def test_set_asks_with_a_hidden_prompt(memory: MemoryKeyring, terminal: None) -> None:
    run = xpost("auth", "set", "qiita", input=f"{GOOD_TOKEN}\n")
    assert run.code == 0, run.stderr
    assert run.stdout == "Stored Qiita token in the OS keyring.\n"
    assert run.stderr == "Qiita token: \n"  # the prompt; the answer is not echoed
    assert memory.entries == {("xpost", "qiita:token"): GOOD_TOKEN}
    assert_no_secret(run, GOOD_TOKEN)


def test_set_asks_again_when_the_only_field_is_left_blank(
    memory: MemoryKeyring, terminal: None
) -> None:
    run = xpost("auth", "set", "qiita", input=f"\n{GOOD_TOKEN}\n")
    assert run.code == 0, run.stderr
    assert run.stderr == "Qiita token: \nQiita token: \n"
    assert memory.entries == {("xpost", "qiita:token"): GOOD_TOKEN}


def test_set_several_fields_blank_skips_one(memory: MemoryKeyring, terminal: None) -> None:
    answers = "key-1111\nsecret-2222\ntoken-3333\ntoken-secret-4444\n\n"
    run = xpost("auth", "set", "twitter", input=answers)
    assert run.code == 0, run.stderr
    assert run.stderr == "".join(
        f"X {field} (blank to skip): \n" for field in FakeX.credential_fields
    )
    assert run.stdout.endswith(
        "Stored X api_key, api_secret, access_token, access_token_secret in the OS keyring.\n"
    )
    assert memory.entries == {
        ("xpost", "twitter:api_key"): "key-1111",
        ("xpost", "twitter:api_secret"): "secret-2222",
        ("xpost", "twitter:access_token"): "token-3333",
        ("xpost", "twitter:access_token_secret"): "token-secret-4444",
    }
    assert_no_secret(run, "key-1111", "secret-2222", "token-3333", "token-secret-4444")


def test_set_reads_stdin_when_it_is_not_a_terminal(memory: MemoryKeyring) -> None:
    run = xpost("auth", "set", "twitter", input="key-1111\r\nsecret-2222\n\n\noauth2-5555\n")
    assert run.code == 0, run.stderr
    assert run.stdout == "Stored X api_key, api_secret, oauth2_access_token in the OS keyring.\n"
    assert run.stderr == ""  # no prompt in a pipe
    assert memory.entries == {
        ("xpost", "twitter:api_key"): "key-1111",
        ("xpost", "twitter:api_secret"): "secret-2222",
        ("xpost", "twitter:oauth2_access_token"): "oauth2-5555",
    }


def test_set_one_field_only(memory: MemoryKeyring) -> None:
    run = xpost("auth", "set", "twitter", "--field", "access_token", input="token-3333\n")
    assert run.code == 0, run.stderr
    assert run.stdout == "Stored X access_token in the OS keyring.\n"
    assert memory.entries == {("xpost", "twitter:access_token"): "token-3333"}


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ("auth", "set", "myspace"),
            "x\n",
            "unknown platform 'myspace' (installed: connpass, qiita, twitter, zenn)",
        ),
        (("auth", "set", "zenn"), "x\n", "Zenn needs no credentials"),
        (
            ("auth", "set", "qiita", "--field", "password"),
            "x\n",
            "Qiita has no credential field 'password' (fields: token)",
        ),
        (("auth", "set", "qiita"), "\n\n", "Qiita: no value given for token; nothing stored"),
        (
            ("auth", "set", "qiita"),
            f"{GOOD_TOKEN}\nsecond-value\n",
            "Qiita: stdin has 2 values but only 1 field(s) are asked: token (one value per line)",
        ),
    ],
    ids=["unknown-platform", "no-fields", "unknown-field", "empty-stdin", "extra-lines"],
)
def test_set_bad_usage_is_one_line_exit_2(
    memory: MemoryKeyring, args: tuple[str, ...], stdin: str, message: str
) -> None:
    run = xpost(*args, input=stdin)
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == f"xpost: error: {message}\n"
    assert memory.entries == {}
    assert_no_secret(run, GOOD_TOKEN, "second-value")


def test_set_on_a_headless_machine_names_the_variables_and_asks_nothing(
    headless: None, terminal: None
) -> None:
    run = xpost("auth", "set", "twitter", "--field", "api_key", "--field", "api_secret")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == (
        "xpost: error: no OS keyring available (headless?): set XPOST_TWITTER_API_KEY, "
        "XPOST_TWITTER_API_SECRET in the environment instead\n"
    )


def test_set_notes_an_environment_variable_that_overrides(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XPOST_QIITA_TOKEN", BAD_TOKEN)
    run = xpost("auth", "set", "qiita", input=f"{GOOD_TOKEN}\n")
    assert run.code == 0
    assert run.stdout == "Stored Qiita token in the OS keyring.\n"
    assert run.stderr == "note: XPOST_QIITA_TOKEN is set and takes precedence over the keyring\n"
    assert_no_secret(run, GOOD_TOKEN, BAD_TOKEN)


# -- auth status -----------------------------------------------------------------------


def test_status_one_platform_signed_in(memory: MemoryKeyring) -> None:
    memory.entries[("xpost", "qiita:token")] = GOOD_TOKEN
    run = xpost("auth", "status", "qiita")
    assert run.code == 0, run.stderr
    assert run.stdout == (
        "Qiita (qiita)\n  token                  in the OS keyring\n  ok: signed in as @alice\n"
    )
    assert run.stderr == ""


def test_status_rejected_token_fails_without_showing_it(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XPOST_QIITA_TOKEN", BAD_TOKEN)
    run = xpost("auth", "status", "qiita")
    assert run.code == 1
    assert run.stdout == (
        "Qiita (qiita)\n"
        "  token                  from XPOST_QIITA_TOKEN\n"
        "  FAIL: Qiita: the token *** was rejected (401): it is wrong or revoked\n"
    )
    assert_no_secret(run, BAD_TOKEN)


def test_status_of_the_configured_targets(memory: MemoryKeyring, tmp_path: Path) -> None:
    (tmp_path / "xpost.toml").write_text('[publish]\ntargets = ["qiita", "twitter", "zenn"]\n')
    memory.entries[("xpost", "qiita:token")] = GOOD_TOKEN
    memory.entries[("xpost", "twitter:api_key")] = "key-1111"
    run = xpost("auth", "status")
    assert run.code == 1
    assert run.stdout == (
        "Qiita (qiita)\n"
        "  token                  in the OS keyring\n"
        "  ok: signed in as @alice\n"
        "X (twitter)\n"
        "  api_key                in the OS keyring\n"
        "  api_secret             not set\n"
        "  access_token           not set\n"
        "  access_token_secret    not set\n"
        "  oauth2_access_token    not set\n"
        "  FAIL: X: no credentials (api_secret, access_token, access_token_secret): "
        "run 'xpost auth set twitter' or set XPOST_TWITTER_API_SECRET, "
        "XPOST_TWITTER_ACCESS_TOKEN, XPOST_TWITTER_ACCESS_TOKEN_SECRET\n"
        "Zenn (zenn)\n"
        "  ok: no credentials needed\n"
    )
    assert_no_secret(run, GOOD_TOKEN, "key-1111")


def test_status_json(memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XPOST_TWITTER_OAUTH2_ACCESS_TOKEN", "oauth2-5555")
    run = xpost("auth", "status", "--json")  # default targets: every installed platform
    assert run.code == 1  # qiita has no token
    doc = json.loads(run.stdout)
    assert doc == {
        "platforms": [
            {
                "platform": "twitter",
                "label": "X",
                "ok": True,
                "outcome": "signed_in",
                "account": "@bob",
                "error": None,
                "fields": {
                    "api_key": "missing",
                    "api_secret": "missing",
                    "access_token": "missing",
                    "access_token_secret": "missing",
                    "oauth2_access_token": "env",
                },
            },
            {
                "platform": "qiita",
                "label": "Qiita",
                "ok": False,
                "outcome": "missing",
                "account": None,
                "error": "Qiita: no credentials (token): "
                "run 'xpost auth set qiita' or set XPOST_QIITA_TOKEN",
                "fields": {"token": "missing"},
            },
            {
                "platform": "zenn",
                "label": "Zenn",
                "ok": True,
                "outcome": "not_needed",
                "account": None,
                "error": None,
                "fields": {},
            },
            {
                "platform": "connpass",
                "label": "connpass",
                "ok": True,
                "outcome": "unchecked",
                "account": None,
                "error": None,
                "fields": {"api_key": "missing"},
            },
        ]
    }
    assert_no_secret(run, "oauth2-5555")


def test_status_headless_uses_the_environment_and_says_so(
    headless: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XPOST_QIITA_TOKEN", GOOD_TOKEN)
    run = xpost("auth", "status", "qiita")
    assert run.code == 0
    assert run.stdout.endswith("  ok: signed in as @alice\n")
    assert run.stderr == ""  # the environment had everything: the keyring was never needed
    run = xpost("auth", "status", "connpass")
    assert run.code == 0
    assert run.stdout == (
        "connpass (connpass)\n"
        "  api_key                not set\n"
        "  ok: credentials present (connpass cannot check them online)\n"
    )
    assert run.stderr == (
        "note: no OS keyring available (headless?): set XPOST_CONNPASS_API_KEY instead\n"
    )


def test_status_bad_config_is_exit_2(memory: MemoryKeyring, tmp_path: Path) -> None:
    (tmp_path / "xpost.toml").write_text('[publish]\ntargets = ["myspace"]\n')
    run = xpost("auth", "status")
    assert run.code == 2
    assert run.stderr.startswith("xpost: error: xpost.toml: ")
    assert "myspace" in run.stderr


# -- auth remove ---------------------------------------------------------------------------


def test_remove_deletes_the_platforms_entries_only(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory.entries[("xpost", "twitter:api_key")] = "key-1111"
    memory.entries[("xpost", "twitter:api_secret")] = "secret-2222"
    memory.entries[("xpost", "qiita:token")] = GOOD_TOKEN
    monkeypatch.setenv("XPOST_TWITTER_API_SECRET", "secret-from-env")
    run = xpost("auth", "remove", "twitter")
    assert run.code == 0
    assert run.stdout == "Removed X api_key, api_secret from the OS keyring.\n"
    assert run.stderr == "note: XPOST_TWITTER_API_SECRET is still set\n"
    assert memory.entries == {("xpost", "qiita:token"): GOOD_TOKEN}
    again = xpost("auth", "remove", "twitter", "--field", "api_key")
    assert (again.code, again.stdout) == (0, "Nothing of X was stored in the OS keyring.\n")
    assert_no_secret(run, "key-1111", "secret-2222", "secret-from-env")


def test_remove_on_a_headless_machine(headless: None) -> None:
    run = xpost("auth", "remove", "qiita")
    assert run.code == 2
    assert run.stderr == (
        "xpost: error: no OS keyring available (headless?): "
        "set XPOST_QIITA_TOKEN in the environment instead\n"
    )


# -- auth login ------------------------------------------------------------------------------


def test_login_runs_the_adapters_flow_and_stores_what_it_returns(memory: MemoryKeyring) -> None:
    run = xpost("auth", "login", "twitter", input=f"key-1111\nsecret-2222\n{FakeX.PIN}\n")
    assert run.code == 0, run.stderr
    assert run.stdout.endswith(
        "Signed in to X; stored api_key, api_secret, access_token, access_token_secret "
        "in the OS keyring.\n"
    )
    assert run.stderr == (
        "X api_key: \nX api_secret: \n"
        "Open https://api.x.com/oauth/authorize?oauth_token=request-token and allow xpost\n"
        "PIN: \n"
    )
    assert memory.entries == {
        ("xpost", "twitter:api_key"): "key-1111",
        ("xpost", "twitter:api_secret"): "secret-2222",
        ("xpost", "twitter:access_token"): "x-access-key-1111",
        ("xpost", "twitter:access_token_secret"): "x-access-secret-secret-2222",
    }
    assert_no_secret(run, "key-1111", "secret-2222", FakeX.PIN)


def test_login_reuses_stored_app_keys(memory: MemoryKeyring) -> None:
    memory.entries[("xpost", "twitter:api_key")] = "key-1111"
    memory.entries[("xpost", "twitter:api_secret")] = "secret-2222"
    run = xpost("auth", "login", "twitter", input=f"{FakeX.PIN}\n")
    assert run.code == 0, run.stderr
    assert run.stderr.endswith("and allow xpost\nPIN: \n")
    assert memory.entries[("xpost", "twitter:access_token")] == "x-access-key-1111"


def test_login_refused_is_exit_1_and_stores_nothing(memory: MemoryKeyring) -> None:
    run = xpost("auth", "login", "twitter", input="key-1111\nsecret-2222\n000\n")
    assert run.code == 1
    assert run.stderr.endswith(
        "xpost: error: X: the PIN was not accepted; run 'xpost auth login twitter' again\n"
    )
    assert memory.entries == {}


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("leak", "X: the app key *** was refused (401)"),
        ("crash", "X: sign-in failed (ConnectionError: oauth_consumer_key=***: connection reset)"),
    ],
)
def test_login_errors_never_show_a_secret(memory: MemoryKeyring, pin: str, message: str) -> None:
    run = xpost("auth", "login", "twitter", input=f"key-1111\nsecret-2222\n{pin}\n")
    assert run.code == 1
    assert run.stderr.endswith(f"xpost: error: {message}\n")
    assert memory.entries == {}
    assert_no_secret(run, "key-1111", "secret-2222")


def test_login_where_the_platform_has_none(memory: MemoryKeyring) -> None:
    run = xpost("auth", "login", "qiita")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == (
        "xpost: error: Qiita has no interactive login; use 'xpost auth set qiita'\n"
    )


def test_login_on_a_headless_machine_fails_before_asking(headless: None) -> None:
    run = xpost("auth", "login", "twitter")
    assert run.code == 2
    assert run.stderr == (
        "xpost: error: no OS keyring available (headless?): set XPOST_TWITTER_API_KEY, "
        "XPOST_TWITTER_API_SECRET, XPOST_TWITTER_ACCESS_TOKEN, "
        "XPOST_TWITTER_ACCESS_TOKEN_SECRET, XPOST_TWITTER_OAUTH2_ACCESS_TOKEN "
        "in the environment instead\n"
    )


# -- the real Qiita adapter against the fake Qiita API ------------------------------------------


@pytest.fixture
def qiita_api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeQiitaAPI]:
    """The built-in adapters again, with ``[qiita] api_base`` pointing at the fake."""
    monkeypatch.setattr(registry, "installed", REAL_ADAPTERS)
    with running_qiita() as server:
        (tmp_path / "xpost.toml").write_text(f'[qiita]\napi_base = "{server.url}"\n')
        yield server


@pytest.mark.shared
def test_real_qiita_status_signs_in_with_the_keyring_token(
    memory: MemoryKeyring, qiita_api: FakeQiitaAPI
) -> None:
    memory.entries[("xpost", "qiita:token")] = QIITA_TOKEN
    run = xpost("auth", "status", "qiita")
    assert run.code == 0, run.stderr
    assert run.stdout == (
        "Qiita (qiita)\n"
        "  token                  in the OS keyring\n"
        f"  ok: signed in as @{qiita_api.user}\n"
    )
    (request,) = qiita_api.requests
    assert (request.method, request.path) == ("GET", "/api/v2/authenticated_user")
    assert request.headers["authorization"] == f"Bearer {QIITA_TOKEN}"
    assert_no_secret(run, QIITA_TOKEN)


@pytest.mark.shared
def test_real_qiita_status_with_a_revoked_token(
    memory: MemoryKeyring, qiita_api: FakeQiitaAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XPOST_QIITA_TOKEN", BAD_TOKEN)
    run = xpost("auth", "status", "qiita", "--json")
    assert run.code == 1
    (check,) = json.loads(run.stdout)["platforms"]
    assert (check["outcome"], check["fields"]) == ("failed", {"token": "env"})
    assert check["error"].startswith("Qiita: the token was rejected (401)")
    assert [r.headers["authorization"] for r in qiita_api.requests] == [f"Bearer {BAD_TOKEN}"]
    assert_no_secret(run, BAD_TOKEN)


# -- the real program, in a fresh process ------------------------------------------------------


def real_xpost(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """The installed ``xpost`` with its real adapters, on a machine with no keyring."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XPOST_")}
    clean.update(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", **env)
    return subprocess.run(
        [sys.executable, "-m", "xpost", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean,
        timeout=30,
    )


def test_help_never_imports_keyring() -> None:
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['xpost', 'auth', *sys.argv[1:]]\n"
        "try: runpy.run_module('xpost', run_name='__main__')\n"
        "except SystemExit as e: code = e.code\n"
        "print('HEAVY', sorted(m for m in ('keyring', 'requests', 'tweepy') if m in sys.modules),"
        " code, file=sys.stderr)\n"
    )
    for args in (["--help"], ["set", "--help"], ["status", "--help"]):
        result = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True
        )
        assert "HEAVY [] 0" in result.stderr, (args, result.stderr)


def test_real_headless_set_is_one_line_exit_2(tmp_path: Path) -> None:
    result = real_xpost("auth", "set", "qiita", stdin=f"{GOOD_TOKEN}\n", HOME=str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "xpost: error: no OS keyring available (headless?): "
        "set XPOST_QIITA_TOKEN in the environment instead\n"
    )


def test_real_unknown_platform_lists_the_installed_ones(tmp_path: Path) -> None:
    result = real_xpost("auth", "status", "myspace", HOME=str(tmp_path))
    assert result.returncode == 2
    assert (
        result.stderr == f"xpost: error: unknown platform 'myspace' (installed: {ALL_INSTALLED})\n"
    )


def test_real_status_of_a_missing_token_sends_nothing(tmp_path: Path) -> None:
    result = real_xpost("auth", "status", "qiita", HOME=str(tmp_path))
    assert result.returncode == 1
    assert result.stdout == (
        "Qiita (qiita)\n"
        "  token                  not set\n"
        "  FAIL: Qiita: no credentials (token): "
        "run 'xpost auth set qiita' or set XPOST_QIITA_TOKEN\n"
    )
    assert result.stderr == (
        "note: no OS keyring available (headless?): set XPOST_QIITA_TOKEN instead\n"
    )
