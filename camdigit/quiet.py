"""Keeping C libraries' own chatter (OpenCV, FFmpeg, LiteRT) off the command line's stderr.

Those libraries print straight to file descriptor 2, past Python's ``sys.stderr``: OpenCV's
``[ WARN:0@0.1] ... can't open camera by index``, FFmpeg's ``[tcp @ 0x...] Connection refused``,
a decoder's complaint about a damaged frame. camdigit reports each problem itself in one clear
line, so it turns that chatter down through each library's own log setting
(:func:`quiet_libraries`), never by pointing descriptor 2 elsewhere: descriptor 2 belongs to the
whole process, and redirecting it while threads run (the web server's camera thread and its
request threads) would swallow their errors too.

One exception, for lack of a setting: LiteRT prints "INFO: Created TensorFlow Lite XNNPACK
delegate for CPU." once per process, at the first interpreter's ``allocate_tensors``, and has no
switch for it. :func:`litert_first_load` hides that single line, and only when the process runs
a single Python thread (a command line loading its model); otherwise the line is let through.

Environment variables the user sets win: ``OPENCV_LOG_LEVEL`` (e.g. ``INFO``) and
``OPENCV_FFMPEG_LOGLEVEL`` (e.g. ``24``, FFmpeg's warning level) bring the libraries' messages
back, and so does ``camdigit -v``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator

import cv2

AV_LOG_QUIET = -8
"""FFmpeg's level that prints nothing (libavutil/log.h)."""

_lock = threading.Lock()
_litert_loaded = False


def _verbose() -> bool:
    return logging.getLogger("camdigit").isEnabledFor(logging.DEBUG)


def quiet_libraries() -> None:
    """Turn OpenCV's and FFmpeg's own logging down (both to silent; with ``-v`` OpenCV keeps its
    warnings and FFmpeg its default, errors). Cheap and idempotent: call it before a capture or
    decoder is created.

    FFmpeg's level is read from ``OPENCV_FFMPEG_LOGLEVEL`` once, when OpenCV first loads its
    FFmpeg backend (the first ``VideoCapture``), so this must run before that; OpenCV's own level
    can change at any time.
    """
    verbose = _verbose()
    if not verbose:
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", str(AV_LOG_QUIET))
    if "OPENCV_LOG_LEVEL" not in os.environ:
        level = (cv2.utils.logging.LOG_LEVEL_WARNING if verbose
                 else cv2.utils.logging.LOG_LEVEL_SILENT)
        cv2.utils.logging.setLogLevel(level)


@contextlib.contextmanager
def litert_first_load() -> Iterator[None]:
    """Around an interpreter's ``allocate_tensors``: hides LiteRT's once-per-process XNNPACK line.

    Descriptor 2 is redirected only the first time, and only while the process has one Python
    thread, so no other thread's message can be lost; every later call is a plain ``yield``.
    """
    global _litert_loaded
    with _lock:
        first, _litert_loaded = not _litert_loaded, True
    if not first or _verbose() or threading.active_count() > 1:
        yield
        return
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced (pytest capture, IDEs)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    try:
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
