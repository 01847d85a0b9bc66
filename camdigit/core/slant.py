"""The slant of the writing around single digits, from their neighbours alone.

:mod:`camdigit.core.lines` follows whole lines, which costs a few milliseconds a frame. The
pipeline needs less to read a doubtful digit upright on a turned page: the direction from the
digit to its nearest neighbours of a similar height. Directions are taken between the digits'
feet (:data:`camdigit.core.lines.FOOT`), either way along the line, and only those within
:data:`camdigit.core.lines.MAX_TILT` of horizontal and twice
:data:`camdigit.core.lines.MAX_LINK_GAP` heights away (feet to feet: the second neighbour is a
pitch further) count: a neighbour in the row above is not on the digit's line.
"""

from __future__ import annotations

import numpy as np

from camdigit.core.lines import FOOT, MAX_HEIGHT_RATIO, MAX_LINK_GAP, MAX_TILT

NEIGHBOURS = 2
"""A digit's slant is the mean direction to this many nearest neighbours on its line..."""

AGREE = 10.0
"""... when their directions agree within this many degrees: one line through three digits, not
a mark beside a digit or between two lines."""


def local_slant(
    boxes: np.ndarray, rows: np.ndarray, anchors: np.ndarray | None = None
) -> np.ndarray:
    """(len(rows),) float: for each of the digits ``rows`` (indices into ``boxes``, (N, 4)),
    the direction of its line in degrees (positive: down to the right), NaN where its
    neighbours do not tell it. ``anchors`` ((N,) bool) are the boxes that may be neighbours (the
    digits read with confidence: specks of a wall beside each other make no line); all when
    None."""
    b = boxes.astype(np.float64)
    centres = b[:, :2] + b[:, 2:] / 2.0
    feet = centres + np.column_stack([np.zeros(len(b)), FOOT * b[:, 3] / 2.0])
    step = feet[None] - feet[rows, None]  # [k, j]: from digit rows[k] to digit j
    folded = (np.degrees(np.arctan2(step[..., 1], step[..., 0])) + 90.0) % 180.0 - 90.0
    h = b[:, 3]
    taller = np.maximum(h[rows, None], h[None])
    shorter = np.minimum(h[rows, None], h[None])
    near = np.hypot(step[..., 0], step[..., 1]) / np.maximum(taller, 1.0)
    usable = (
        (np.abs(folded) <= MAX_TILT)
        & (near <= 2.0 * MAX_LINK_GAP)  # between feet, and the second neighbour a pitch further
        & (taller <= MAX_HEIGHT_RATIO * shorter)
    )
    usable[np.arange(len(rows)), rows] = False
    if anchors is not None:
        usable &= anchors[None]
    near = np.where(usable, near, np.inf)
    slant = np.full(len(rows), np.nan)
    if len(b) < 2:
        return slant
    k = min(NEIGHBOURS, len(b) - 1)
    nearest = np.argsort(near, axis=1)[:, :k]
    for i in range(len(rows)):
        if np.isfinite(near[i, nearest[i]]).all():
            angles = folded[i, nearest[i]]
            if np.ptp(angles) <= AGREE:
                slant[i] = float(np.mean(angles))
    return slant
