"""xpost: publish on your own site, syndicate everywhere else.

From Python: ``xpost.dry_run(paths, to=…)`` and ``xpost.publish(paths, to=…)``
(``xpost.api``), loaded on first use so that ``import xpost`` stays cheap.
"""

from __future__ import annotations

# Not ``typing.TYPE_CHECKING``: ``typing`` is imported by click later, once
# ``xpost.cli`` has set the collector's threshold (a collection costs ~0.15 ms then).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "dry_run", "publish"]


def __getattr__(name: str) -> Any:
    if name in ("dry_run", "publish"):
        from xpost import api

        return getattr(api, name)
    raise AttributeError(f"module 'xpost' has no attribute {name!r}")
