"""The TFLite interpreter: from the lightest runtime installed, loaded quietly.

LiteRT (``ai_edge_litert``) first, ``tflite_runtime`` when only that is installed, and
``tensorflow.lite`` as the last resort; the camera path never needs TensorFlow.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator

from camdigit.errors import CamdigitError


class ModelError(CamdigitError):
    """A model file is missing, unreadable or not a camdigit digit model."""


_lock = threading.Lock()
_litert_loaded = False


def _verbose() -> bool:
    return logging.getLogger("camdigit").isEnabledFor(logging.DEBUG)


@contextlib.contextmanager
def litert_first_load() -> Iterator[None]:
    """Around an interpreter's ``allocate_tensors``: hides LiteRT's once-per-process XNNPACK line.

    LiteRT prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." at the first
    interpreter's ``allocate_tensors`` and has no switch for it (see :mod:`camdigit.io.quiet`
    for the libraries that have one). It is hidden only when the process runs a single Python
    thread (a command line loading its model); otherwise the line is let through.

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


def load_interpreter_class() -> type:
    """The TFLite ``Interpreter`` class from the lightest runtime that is installed."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            try:
                from tensorflow.lite import Interpreter  # type: ignore[no-redef]
            except ImportError:
                raise ModelError(
                    "no TFLite interpreter installed: pip install ai-edge-litert"
                ) from None
    return Interpreter
