"""``xpost adapters``: which platform adapters are installed."""

from __future__ import annotations

import click

from xpost.cli.options import json_option


@click.command()
@json_option
def adapters(as_json: bool) -> None:
    """List the installed platform adapters (entry-point group xpost.adapters)."""
    import json

    from xpost.adapters import registry

    rows = []
    for name, entry in registry.installed().items():
        cls = registry.load(name)
        dist = entry.dist.name if entry.dist else ""
        rows.append(
            {
                "name": name,
                "label": cls.label,
                "summary": cls.summary,
                "class": entry.value,
                "package": dist,
            }
        )
    if as_json:
        click.echo(json.dumps({"adapters": rows}, ensure_ascii=False, indent=2))
        return
    width = max((len(r["name"]) for r in rows), default=0)
    for r in rows:
        click.echo(f"{r['name']:<{width}}  {r['label']}: {r['summary']}  ({r['package']})")
