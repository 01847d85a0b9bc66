"""Keeping C libraries' own chatter (LiteRT, OpenCV, FFmpeg) off the command line's stderr.

Those libraries print straight to file descriptor 2, past Python's ``sys.stderr``: a line about
the XNNPACK delegate, FFmpeg's "[tcp @ 0x...] Connection refused", a decoder's complaint about a
damaged frame. camdigit reports each problem itself in one clear line, so while a library call
that may talk runs, descriptor 2 points at /dev/null.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 for the duration (a no-op where stderr has no descriptor)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced (pytest capture, IDEs)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)
