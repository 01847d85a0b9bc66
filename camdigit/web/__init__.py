"""camdigit's web app (``camdigit serve``): read photos, a draw pad, a live view, a JSON API.

Flask is imported only by :mod:`camdigit.web.app` (``pip install 'camdigit[web]'``); this
package, :mod:`camdigit.web.serve` and :mod:`camdigit.web.live` import without it, so the command
line can offer ``serve`` and say what to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from camdigit.web.live import LiveFeed
from camdigit.web.serve import FLASK_MISSING, add_serve_command, serve_command

if TYPE_CHECKING:
    from camdigit.web.app import create_app

__all__ = ["FLASK_MISSING", "LiveFeed", "add_serve_command", "create_app", "serve_command"]


def __getattr__(name: str) -> Any:
    if name == "create_app":  # imports Flask: only when asked for
        from camdigit.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
