"""Keeping C libraries' own chatter (OpenCV, FFmpeg, LiteRT) off the command line's stderr.

Those libraries print straight to file descriptor 2, past Python's ``sys.stderr``: OpenCV's
``[ WARN:0@0.1] ... can't open camera by index``, FFmpeg's ``[tcp @ 0x...] Connection refused``,
a decoder's complaint about a damaged frame. camdigit reports each problem itself in one clear
line, so it turns that chatter down through each library's own log setting
(:func:`quiet_libraries`), never by pointing descriptor 2 elsewhere: descriptor 2 belongs to the
whole process, and redirecting it while threads run (the web server's camera thread and its
request threads) would swallow their errors too.

One exception, for lack of a setting: LiteRT's once-per-process XNNPACK line, hidden by
:func:`camdigit.core.litert.litert_first_load` where the interpreter is made.

Environment variables the user sets win: ``OPENCV_LOG_LEVEL`` (e.g. ``INFO``) and
``OPENCV_FFMPEG_LOGLEVEL`` (e.g. ``24``, FFmpeg's warning level) bring the libraries' messages
back, and so does ``camdigit -v``.
"""

from __future__ import annotations

import logging
import os

import cv2

AV_LOG_QUIET = -8
"""FFmpeg's level that prints nothing (libavutil/log.h)."""


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
        level = (
            cv2.utils.logging.LOG_LEVEL_WARNING if verbose else cv2.utils.logging.LOG_LEVEL_SILENT
        )
        cv2.utils.logging.setLogLevel(level)
