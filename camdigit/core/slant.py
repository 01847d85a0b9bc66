"""A digit's neighbours on its line: the slant of the line, and whether a "1" is as tall as they.

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


FRAGMENT = 0.5
"""A "1" less than this share of the height of its neighbours on its line is a fragment (a
stroke's piece, a comma, a tick): the digits of one line are of a height (a short 0 beside a
tall 7 still stands within :data:`camdigit.core.lines.MAX_HEIGHT_RATIO`)."""

TOWER = 2.0
"""... and a "1" more than this many times as tall as the tallest of them is no digit of the
line either (an integral sign, a bracket or a divider beside the digits; the tallest, as a
short digit or a fragment beside it must not make a 1 of the line's height look tall)."""

BESIDE_TILT = 30.0
"""Neighbours beside a digit lie within this many degrees of horizontal from it..."""

BESIDE_GAP = 1.0
"""... and the paper between their boxes is at most this many of the neighbour's heights (a
digit's room: a far tall mark is not the line's writing)."""


def stray_ones(boxes: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """(N,) bool: the digits read as 1 that are no digit of their line: less than
    :data:`FRAGMENT` of the median height of the digits beside them (a fragment), or more than
    :data:`TOWER` times the tallest of them (an integral sign, a bracket); none where no digit
    is beside them."""
    found = np.zeros(len(boxes), bool)
    ones = np.flatnonzero(digits == 1)
    if not len(ones) or len(boxes) < 2:
        return found
    b = boxes.astype(np.float64)
    centres = b[:, :2] + b[:, 2:] / 2.0
    h = b[:, 3]
    d = centres[None] - centres[ones, None]  # [k, j]: from the 1 ones[k] to digit j
    tilt = np.degrees(np.arctan2(np.abs(d[..., 1]), np.abs(d[..., 0])))
    # the paper between the boxes, along x and y (0 where they overlap)
    gap_x = np.maximum(np.abs(d[..., 0]) - (b[ones, 2][:, None] + b[:, 2][None]) / 2.0, 0.0)
    gap_y = np.maximum(np.abs(d[..., 1]) - (h[ones][:, None] + h[None]) / 2.0, 0.0)
    beside = (tilt <= BESIDE_TILT) & (np.hypot(gap_x, gap_y) <= BESIDE_GAP * h[None])
    beside[np.arange(len(ones)), ones] = False
    for k, i in enumerate(ones.tolist()):
        if beside[k].any():
            line = h[beside[k]]
            found[i] = h[i] < FRAGMENT * float(np.median(line)) or h[i] > TOWER * line.max()
    return found
