"""Regenerate the README's screenshot of the seed post's preview: docs/preview.png.

Run: .venv/bin/python scripts/preview_screenshot.py [--dark]

Needs Debian's ``chromium`` and CJK fonts (``apt-get install chromium
fonts-noto-cjk fonts-noto-color-emoji``) and the project's ``shared/`` folder beside
the checkout (the seed post). The page is built exactly as ``xpost preview`` builds
it, with the seed site's base URL so the X link card and origin notes show.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "examples" / "2022-07-15-mlse-infraop-wg.md"
OUT = ROOT / "docs" / "preview.png"
SIZE = (1600, 1500)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dark", action="store_true", help="dark mode")
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("preview_screenshot: chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    if not SEED.is_file():
        print(f"preview_screenshot: {SEED} not found", file=sys.stderr)
        return 2
    fonts = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True).stdout
    if not fonts.strip():
        print(
            "preview_screenshot: no Japanese font (apt-get install fonts-noto-cjk)", file=sys.stderr
        )
        return 2

    from xpost.adapters import registry
    from xpost.config import load_config
    from xpost.preview.build import build_preview

    with tempfile.TemporaryDirectory(prefix="xpost-shot-") as tmp:
        folder = Path(tmp)
        config_path = folder / "xpost.toml"
        config_path.write_text(
            '[site]\nbase_url = "https://chezo.uno"\npermalink = "/post/:slug/"\n',
            encoding="utf-8",
        )
        config = load_config(config_path, registry.installed())
        targets = ["twitter", "qiita", "zenn", "connpass"]
        page = folder / "seed.html"
        # Named as a reader of the README would type it, from the checkout.
        os.chdir(ROOT)
        seed = Path("..", "shared", "examples", SEED.name)
        page.write_text(build_preview(seed, config, targets).html, encoding="utf-8")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        command = [
            chromium,
            *FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--window-size={SIZE[0]},{SIZE[1]}",
            f"--screenshot={args.output.resolve()}",
            *(["--force-dark-mode"] if args.dark else []),
            page.as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
