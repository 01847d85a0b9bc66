"""Frames of any dtype as 8-bit BGR or grey: what the finder works on and what is drawn on; and
the shrunk grey copy the ink and its polarity are first measured on.

Here, in the core, so that the finder needs nothing from input/output; :mod:`camdigit.io.images`
uses it on every decoded file.
"""

from __future__ import annotations

import cv2
import numpy as np

Shrunk = tuple[np.ndarray, int]
"""A grey frame shrunk by a whole step, and the step (:func:`shrunk`)."""


def to_bgr8(image: np.ndarray) -> np.ndarray:
    """Any decoded image as 8-bit BGR (or 8-bit grayscale), ready to find digits in and to draw
    on: 16-bit is scaled down, an alpha channel is laid over white paper."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.convertScaleAbs(image.astype(np.float32), alpha=255.0)
    if image.ndim == 3 and image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        image = (image[:, :, :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    elif image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return image


def shrunk(gray: np.ndarray) -> Shrunk:
    """The frame shrunk by a whole ``step`` to about 160 px on its shorter side, and the step."""
    height, width = gray.shape
    step = max(1, min(height, width) // 160)
    small = cv2.resize(
        gray, (max(1, width // step), max(1, height // step)), interpolation=cv2.INTER_AREA
    )
    return small, step


def runs(on: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of every run of True in the 1-D ``on``, end exclusive."""
    edges = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()
    return list(zip(starts, ends, strict=True))
