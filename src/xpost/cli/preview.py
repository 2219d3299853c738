"""``xpost preview``: every platform's copy of a post drawn side by side in one page."""

from __future__ import annotations

from pathlib import Path

import click

from xpost.cli.options import config_option, platforms_option


@click.command()
@click.argument("post", type=click.Path(path_type=Path))
@platforms_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Write the page here ('-' for stdout; default: a file in the user cache dir).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the web browser.")
@click.option(
    "--serve",
    is_flag=True,
    help="Serve the page on 127.0.0.1 and reload it whenever the post changes (Ctrl-C stops).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8017,
    show_default=True,
    help="The port for --serve (0: any free port).",
)
@config_option
def preview(
    post: Path,
    platforms: tuple[str, ...],
    output: Path | None,
    open_browser: bool,
    serve: bool,
    port: int,
    config_path: Path | None,
) -> int:
    """Draw POST as each platform will show it, side by side, in one HTML page.

    One column per target in target order: X's posts with their counters and link
    card, the Qiita and Zenn articles with their embeds, connpass's announcement;
    every warning beside what it concerns. Offline: nothing is sent, no account is
    needed. With --serve the page reloads each time you save the post.

    \b
    Examples:
      xpost preview content/post/hello/index.md --open
      xpost preview content/post/hello/index.md --serve
      xpost preview _posts/2024-05-01-hello.md --to qiita,zenn -o preview.html
    """
    from xpost.adapters import registry
    from xpost.config import find_config, load_config
    from xpost.errors import ExitCode, UsageError
    from xpost.preview.build import build_preview

    if open_browser and output is not None and str(output) == "-":
        raise UsageError("--open needs a file to open: drop '-o -' or name a file")
    requested = registry.parse_platform_list(platforms)
    found = find_config(config_path)
    config = load_config(found, registry.installed())
    if serve:
        if output is not None:
            raise UsageError("--serve and --output do not go together: the page is served")
        from xpost.preview.server import serve_preview

        return serve_preview(post, found, requested, port=port, open_browser=open_browser)

    page = build_preview(post, config, requested)
    if output is not None and str(output) == "-":
        click.echo(page.html, nl=False)
        return ExitCode.OK
    target = output or _default_output(page.prepared.post.slug or post.stem)
    _write(target, page.html)
    click.echo(str(target))
    if open_browser:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())
    return ExitCode.OK


def _default_output(slug: str) -> Path:
    import re

    import platformdirs

    name = re.sub(r"[^A-Za-z0-9._-]", "-", slug)[:80] or "post"
    return platformdirs.user_cache_path("xpost") / "preview" / f"{name}.html"


def _write(target: Path, html: str) -> None:
    from xpost.errors import UsageError

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the preview: {exc.strerror or exc}") from None
