"""``xpost init``: write ``xpost.toml`` for the site in the current folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: take every default.")
@click.option("--force", is_flag=True, help="Replace an existing xpost.toml.")
def init(yes: bool, force: bool) -> int:
    """Set xpost up for the site in the current folder.

    Finds the Hugo, Jekyll or Astro site, Zenn CLI or Qiita CLI repository here and
    writes xpost.toml with only what its own config does not say (xpost reads the
    rest from it every time). On a terminal it asks; --yes takes the defaults.

    \b
    Example:
      cd my-hugo-site && xpost init && xpost publish content/posts/hello.md --dry-run
    """
    from xpost.adapters import registry
    from xpost.cli.prompts import interactive
    from xpost.config import LOCAL_CONFIG
    from xpost.errors import UsageError
    from xpost.sites import detect_site
    from xpost.sites.setup import check_answer, describe, questions, read_values, render_config

    folder = Path.cwd()
    target = folder / LOCAL_CONFIG
    if target.exists() and not force:
        raise UsageError(f"{target}: already exists (--force replaces it)")
    site = detect_site(folder)
    if site is None:
        raise UsageError(
            f"{folder}: no Hugo, Jekyll or Astro site, Zenn CLI or Qiita CLI repository here "
            "(run xpost init in the site's top folder)"
        )
    installed = registry.installed()
    usual = registry.default_targets()  # first, in their order
    platforms = [*usual, *(name for name in installed if name not in usual)]
    found = f"found a {describe(site)}"
    click.echo(f"{found} ({site.config_file.name})" if site.config_file else found)
    for line in read_values(site):
        click.echo(f"  read: {line}")
    ask = not yes and interactive()
    answers: dict[str, str | None] = {}
    for question in questions(site, platforms):
        if not ask:
            answers[question.key] = question.default
            continue

        def clean(value: str, key: str = question.key) -> str:
            try:
                return check_answer(key, value, platforms)
            except ValueError as exc:
                raise click.BadParameter(str(exc)) from None

        answers[question.key] = click.prompt(
            question.prompt, default=question.default, value_proc=clean, err=True
        )
    target.write_text(render_config(site, answers, platforms), encoding="utf-8")
    click.echo(f"wrote {LOCAL_CONFIG}")
    newest = _newest_post([site.root / folder for folder in site.content])
    if newest is not None:
        click.echo(f"next: xpost publish {newest.relative_to(folder)} --dry-run")
    return 0


def _newest_post(folders: list[Path]) -> Path | None:
    """The most recently changed post under ``folders``: the one to try first."""
    from xpost.scan import find_post_files

    found = find_post_files([path for path in folders if path.is_dir()])
    if not found:
        return None
    return Path(max(found, key=lambda state: state.mtime_ns).path)
