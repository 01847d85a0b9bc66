"""Frames turned upright before they are read: a camera mounted sideways or upside down.

A Raspberry Pi camera on its ribbon cable is often fixed upside down, a webcam clipped to a
shelf on its side; its frames come as the sensor sees them. ``--turn DEGREES`` turns every
frame clockwise by a quarter, a half or three quarters before it is read, drawn and saved, so
the boxes, the JSON and the saved video are those of the upright picture. (A still photo taken
sideways is judged by the pipeline itself, :mod:`camdigit.core.page_turns`; a camera's video is
not, since a mounted camera's turn is known once for all its frames.)
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from camdigit.io.frame_source import Frame

TURNS: dict[int, int] = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}
"""Degrees clockwise, and OpenCV's rotation for each; 0 leaves a frame as it is."""


def turned(image: np.ndarray, degrees: int) -> np.ndarray:
    """``image`` turned ``degrees`` (0, 90, 180 or 270) clockwise; the same array for 0."""
    if degrees == 0:
        return image
    if degrees not in TURNS:
        raise ValueError(f"a frame turns by 0, 90, 180 or 270 degrees, not {degrees}")
    return cv2.rotate(image, TURNS[degrees])


def turned_frame(frame: Frame, degrees: int) -> Frame:
    """``frame`` with its image :func:`turned`; the same frame for 0."""
    return replace(frame, image=turned(frame.image, degrees)) if degrees else frame
