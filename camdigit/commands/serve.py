"""``camdigit serve``: the web app (its code: :mod:`camdigit.web`)."""

from __future__ import annotations

import argparse

from camdigit.commands.options import HelpFormatter
from camdigit.web.serve import add_serve_command


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the command line's subcommands (Flask is imported only when it runs)."""
    add_serve_command(subparsers, formatter_class=HelpFormatter)
