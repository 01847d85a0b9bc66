"""The project's own user-facing errors.

Everything camdigit refuses on purpose (a wrong flag, a model or file it cannot read, an output
it cannot write) raises a subclass of :class:`CamdigitError`. The command line reports those in
one line with their ``exit_code``; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class CamdigitError(Exception):
    """A refusal meant for the user: one line on stderr, no traceback, ``exit_code``."""

    exit_code: int = 2


class UsageError(CamdigitError):
    """A flag value or argument is wrong; refused before any processing."""
