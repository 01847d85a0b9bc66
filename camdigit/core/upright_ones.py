"""Slim blobs that are still digits: an upright "1" is one stroke wide however tall, so a blob
far narrower than its height is kept when it is as wide as the writing's pen, which
:func:`pen_width` measures on the frame's ordinary blobs."""

from __future__ import annotations

import cv2
import numpy as np

PEN_SAMPLE = 64
"""At most this many blobs measure the pen (:func:`pen_width`); their median is steady by then."""

BAR_STROKE = 0.5
"""A blob narrower than ``min_aspect`` of its height is still a digit (an upright "1") when it is
at least this share of the pen's stroke wide (:func:`pen_width`): a hairline among marker
digits is a crease or a printed rule, not writing."""


def upright_ones(
    digit_boxes: np.ndarray,
    slim: np.ndarray,
    parts: np.ndarray,
    group: np.ndarray,
    contours: list[np.ndarray],
    ink: np.ndarray,
    mask: np.ndarray,
    writing: float,
) -> np.ndarray:
    """(N,) bool: which of the ``slim`` candidates (narrower than ``min_aspect`` of their
    height) may still be a digit, an upright "1" one stroke wide.

    Such a bar is at least :data:`BAR_STROKE` of the pen wide, the pen measured on the frame's
    writing (parts at least half as tall as it, so printed labels beside large digits do not
    set it), and it does not run between two erased lines (``ink`` before and ``mask`` after
    the erasure): that is the side of a drawn box, not writing."""
    h = digit_boxes[:, 3]
    ordinary = parts[((h >= 0.5 * writing) & ~slim)[group]][:PEN_SAMPLE]
    pen = pen_width(mask, contours, ordinary)
    ones = slim & (digit_boxes[:, 2] >= BAR_STROKE * pen)
    if mask is ink:
        return ones
    erased = ink > mask
    rows = len(mask)
    for g in np.flatnonzero(ones).tolist():
        x, y, w, bh = digit_boxes[g].tolist()
        above = erased[max(0, y - 2) : y, x : x + w].any()
        below = erased[y + bh : min(rows, y + bh + 2), x : x + w].any()
        ones[g] = not (above and below)
    return ones


def pen_width(mask: np.ndarray, contours: list[np.ndarray], blobs: np.ndarray) -> float:
    """The writing's stroke width in pixels: the median over ``blobs`` (indices into
    ``contours``) of twice a blob's ink over its outline (a band's width; a loop's hole is not
    in the outline, so rings count somewhat wider). 0 when there are no blobs."""
    if not len(blobs):
        return 0.0
    strokes = []
    for i in blobs.tolist():
        contour = contours[i]
        x, y, w, h = cv2.boundingRect(contour)
        outline = cv2.arcLength(contour, True)
        strokes.append(2.0 * cv2.countNonZero(mask[y : y + h, x : x + w]) / max(outline, 1.0))
    return float(np.median(strokes))
