"""Keeping C libraries' own chatter (LiteRT, OpenCV, FFmpeg) off the command line's stderr.

Those libraries print straight to file descriptor 2, past Python's ``sys.stderr``: a line about
the XNNPACK delegate, FFmpeg's "[tcp @ 0x...] Connection refused", a decoder's complaint about a
damaged frame. camdigit reports each problem itself in one clear line, so while a library call
that may talk runs, descriptor 2 points at /dev/null.

Descriptor 2 belongs to the whole process, so threads share one redirection (the web server's
camera thread and request threads may be inside at once): the first to enter redirects, the
last to leave restores.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_saved: int | None = None


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 for the duration (a no-op where stderr has no descriptor)."""
    global _depth, _saved
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced (pytest capture, IDEs)
        yield
        return
    with _lock:
        if _depth == 0:
            sys.stderr.flush()
            _saved = os.dup(fd)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                os.dup2(_saved, fd)
                os.close(_saved)
                _saved = None
