"""``xpost auth``: store, check and remove each platform's credentials.

Secrets go into the OS keyring (service ``xpost``, username ``PLATFORM:FIELD``) and
are never echoed: asked with a hidden prompt, or read from stdin by scripts. The
environment (``XPOST_<PLATFORM>_<FIELD>``) always wins over the keyring.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from xpost.cli.groups import HelpfulGroup
from xpost.cli.options import complete_platforms, config_option, json_option
from xpost.errors import ExitCode, XpostError

if TYPE_CHECKING:
    from xpost.adapters.base import Adapter
    from xpost.credentials import CredentialCheck, CredentialStore

_FIELD_WIDTH = 22


class _AuthGroup(HelpfulGroup):
    """Its help ends with each installed adapter's credential fields."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        with formatter.indentation(), formatter.indentation():
            formatter.write_dl(_credential_rows())


def _credential_rows() -> list[tuple[str, str]]:
    """One row per installed adapter: its fields as ``xpost auth set`` asks for them."""
    from xpost.adapters import registry
    from xpost.errors import AdapterError

    rows = []
    for name in registry.installed():
        try:
            cls = registry.load(name)
        except AdapterError as exc:
            rows.append((name, f"(not loaded: {exc})"))
            continue
        text = cls.credential_help or ", ".join(cls.credential_fields) or "none"
        rows.append((name, text))
    return rows


@click.group(cls=_AuthGroup)
def auth() -> None:
    """Credentials for each platform: the OS keyring, or XPOST_<PLATFORM>_<FIELD>.

    \b
    Secrets are stored in the OS keyring (service "xpost", user "PLATFORM:FIELD").
    For cron and CI set environment variables instead (XPOST_QIITA_TOKEN,
    XPOST_TWITTER_OAUTH2_ACCESS_TOKEN, ...); they win over the keyring.
    Each installed platform's fields, in the order 'xpost auth set' asks for them:
    """


@auth.command("set", short_help="Store a platform's secrets in the OS keyring.")
@click.argument("platform", shell_complete=complete_platforms)
@click.option(
    "--field",
    "only",
    multiple=True,
    metavar="FIELD",
    help="Set only this field (repeatable); default: all the platform's fields.",
)
def set_credentials(platform: str, only: tuple[str, ...]) -> None:
    """Store PLATFORM's secrets in the OS keyring.

    Asks for each with a hidden prompt; when stdin is not a terminal, reads one value
    per line in field order (a blank line skips a field). The fields of each platform
    are listed by 'xpost auth --help'.

    \b
    Examples:
      xpost auth set qiita
      printf '%s\\n' "$QIITA_TOKEN" | xpost auth set qiita
    """
    from xpost.credentials import CredentialStore, env_var

    cls = _adapter_class(platform)
    fields = _chosen_fields(cls, only)
    store = CredentialStore()
    store.ensure_writable(cls.name, fields)
    values = _read_values(cls, fields) if not _stdin_is_interactive() else _ask_values(cls, fields)
    store.set(cls.name, values)
    click.echo(f"Stored {cls.label} {', '.join(values)} in the OS keyring.")
    for field in values:
        if store.status(cls.name, [field])[field] == "env":
            click.echo(
                f"note: {env_var(cls.name, field)} is set and takes precedence over the keyring",
                err=True,
            )


@auth.command("status", short_help="Check where secrets come from and that they work.")
@click.argument("platform", required=False, shell_complete=complete_platforms)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds to wait for each platform's answer.",
)
@json_option
@config_option
def status(platform: str | None, timeout: float, as_json: bool, config_path: Path | None) -> None:
    """Where each secret comes from (never its value), and whether the platform accepts it.

    Without PLATFORM, checks the platforms in [publish] targets. Exits 1 when a
    credential is missing or rejected.
    """
    import json

    from xpost.adapters.registry import parse_platform_list
    from xpost.credentials import CredentialStore, check_credentials

    names = [_adapter_class(platform).name] if platform else None
    config, renderer = _renderer(config_path)
    if names is None:
        where = f"{config.path or 'config'}: [publish] targets"
        names = parse_platform_list(config.targets(), where=where)
    store = CredentialStore()
    checks = [check_credentials(renderer.adapter(name), store, timeout=timeout) for name in names]
    if as_json:
        click.echo(json.dumps({"platforms": [_check_json(c) for c in checks]}, indent=2))
    else:
        for check in checks:
            _print_check(check)
    _print_hints(store)
    if not all(check.ok for check in checks):
        raise click.exceptions.Exit(ExitCode.TARGET_FAILED)


@auth.command("remove", short_help="Delete a platform's secrets from the OS keyring.")
@click.argument("platform", shell_complete=complete_platforms)
@click.option("--field", "only", multiple=True, metavar="FIELD", help="Remove only this field.")
def remove(platform: str, only: tuple[str, ...]) -> None:
    """Delete PLATFORM's secrets from the OS keyring (the environment is left alone)."""
    from xpost.credentials import CredentialStore, env_var

    cls = _adapter_class(platform)
    fields = _chosen_fields(cls, only)
    store = CredentialStore()
    removed = store.remove(cls.name, fields)
    if removed:
        click.echo(f"Removed {cls.label} {', '.join(removed)} from the OS keyring.")
    else:
        click.echo(f"Nothing of {cls.label} was stored in the OS keyring.")
    for field, source in store.status(cls.name, fields).items():
        if source == "env":
            click.echo(f"note: {env_var(cls.name, field)} is still set", err=True)


@auth.command("login", short_help="Sign in interactively and store the tokens.")
@click.argument("platform", shell_complete=complete_platforms)
@config_option
def login(platform: str, config_path: Path | None) -> None:
    """Sign in interactively (X: the OAuth 1.0a PIN flow) and store the tokens."""
    from xpost.adapters.base import Adapter
    from xpost.credentials import CredentialStore
    from xpost.errors import AdapterError, PublishError, UsageError

    cls = _adapter_class(platform)
    if cls.login is Adapter.login:
        raise UsageError(f"{cls.label} has no interactive login; use 'xpost auth set {cls.name}'")
    adapter = _renderer(config_path)[1].adapter(cls.name)
    store = CredentialStore()
    store.ensure_writable(cls.name, cls.credential_fields)
    known = store.get(cls.name, cls.credential_fields)
    try:
        got = adapter.login(known, lambda prompt: _ask_hidden(prompt, store), _tell)
    except XpostError as exc:
        raise _scrubbed(exc, store) from None
    except Exception as exc:  # an adapter's library may fail in any way
        raise PublishError(
            store.redact(f"{cls.label}: sign-in failed ({type(exc).__name__}: {exc})")
        ) from exc
    store.remember(*got.values())
    unknown = sorted(set(got) - set(cls.credential_fields))
    if unknown:
        raise AdapterError(
            f"{cls.label}: login returned fields it does not declare: {', '.join(unknown)}"
        )
    store.set(cls.name, got)
    click.echo(f"Signed in to {cls.label}; stored {', '.join(got)} in the OS keyring.")
    _print_hints(store)


# -- helpers -------------------------------------------------------------------


def _scrubbed(exc: XpostError, store: CredentialStore) -> XpostError:
    """The same error (same exit code) with every secret the store knows masked."""
    try:
        return type(exc)(store.redact(str(exc)))
    except TypeError:  # a subclass with another constructor: keep the code, not the type
        clean = XpostError(store.redact(str(exc)))
        clean.exit_code = exc.exit_code
        return clean


def _adapter_class(platform: str) -> type[Adapter[Any, Any]]:
    from xpost.adapters import registry
    from xpost.errors import UsageError
    from xpost.suggest import did_you_mean

    name = platform.strip().lower()
    if name == "ledger":  # the PostgreSQL ledger's password, kept like a platform's
        from xpost.ledger.password import LedgerPassword

        return LedgerPassword
    installed = registry.installed()
    if name not in installed:
        raise UsageError(
            f"unknown platform '{platform}'{did_you_mean(name, installed)} "
            f"(installed: {', '.join(installed) or 'none'})"
        )
    return registry.load(name)


def _renderer(config_path: Path | None) -> tuple[Any, Any]:
    """The config and the adapters built from it (their ``[platform]`` settings)."""
    from xpost.adapters import registry
    from xpost.config import find_config, load_config
    from xpost.prepare import Renderer

    config = load_config(find_config(config_path), registry.installed())
    return config, Renderer(config)


def _chosen_fields(cls: type[Adapter[Any, Any]], only: tuple[str, ...]) -> list[str]:
    from xpost.errors import UsageError

    fields = list(cls.credential_fields)
    if not fields:
        raise UsageError(f"{cls.label} needs no credentials")
    for field in only:
        if field not in fields:
            raise UsageError(
                f"{cls.label} has no credential field '{field}' (fields: {', '.join(fields)})"
            )
    return [f for f in fields if f in only] if only else fields


def _stdin_is_interactive() -> bool:
    return sys.stdin.isatty()


def _ask_values(cls: type[Adapter[Any, Any]], fields: list[str]) -> dict[str, str]:
    """Hidden prompts (on stderr); with several fields a blank answer skips one."""
    several = len(fields) > 1
    values: dict[str, str] = {}
    for field in fields:
        value: str = click.prompt(
            f"{cls.label} {field}" + (" (blank to skip)" if several else ""),
            hide_input=True,
            default="" if several else None,
            show_default=False,
            err=True,
        )
        if value.strip():
            values[field] = value.strip()
    return _nonempty(cls, values, fields)


def _read_values(cls: type[Adapter[Any, Any]], fields: list[str]) -> dict[str, str]:
    """One value per line of stdin, in field order; a blank line skips a field."""
    from xpost.errors import UsageError

    lines = sys.stdin.read().splitlines()
    extra = [line for line in lines[len(fields) :] if line.strip()]
    if extra:
        raise UsageError(
            f"{cls.label}: stdin has {len(fields) + len(extra)} values but only "
            f"{len(fields)} field(s) are asked: {', '.join(fields)} (one value per line)"
        )
    values = {f: line.strip() for f, line in zip(fields, lines, strict=False) if line.strip()}
    return _nonempty(cls, values, fields)


def _nonempty(
    cls: type[Adapter[Any, Any]], values: dict[str, str], fields: list[str]
) -> dict[str, str]:
    from xpost.errors import UsageError

    if not values:
        raise UsageError(f"{cls.label}: no value given for {', '.join(fields)}; nothing stored")
    return values


def _ask_hidden(prompt: str, store: CredentialStore) -> str:
    """Everything an adapter asks for during a login may be a secret: never echo it, and
    scrub it from any error the sign-in ends with."""
    answer: str = click.prompt(prompt, hide_input=True, err=True)
    store.remember(answer.strip())
    return answer.strip()


def _tell(line: str) -> None:
    click.echo(line, err=True)


_SOURCE_TEXT = {"env": "from {env}", "keyring": "in the OS keyring", "missing": "not set"}


def _print_check(check: CredentialCheck) -> None:
    from xpost.credentials import env_var

    click.echo(f"{check.label} ({check.platform})")
    for field, source in check.fields.items():
        where = _SOURCE_TEXT[source].format(env=env_var(check.platform, field))
        click.echo(f"  {field:<{_FIELD_WIDTH}} {where}")
    click.echo(f"  {_verdict(check)}")


def _verdict(check: CredentialCheck) -> str:
    match check.outcome:
        case "signed_in" if (check.account or "").startswith("@"):
            return f"ok: signed in as {check.account}"
        case "signed_in":  # an adapter whose check names no account ("API key accepted")
            return f"ok: {check.account}"
        case "unchecked":
            return f"ok: credentials present ({check.label} cannot check them online)"
        case "not_needed":
            return "ok: no credentials needed"
        case _:
            return f"FAIL: {check.error}"


def _check_json(check: CredentialCheck) -> dict[str, Any]:
    return {
        "platform": check.platform,
        "label": check.label,
        "ok": check.ok,
        "outcome": check.outcome,
        "account": check.account,
        "error": check.error,
        "fields": check.fields,
    }


def _print_hints(store: CredentialStore) -> None:
    for hint in store.hints:
        click.echo(f"note: {hint}", err=True)
