"""The band around a digit candidate: clear paper, the digits of its number, or a ground's grain.

Handwriting sits on a ground: the band around a digit (``ring`` of its height wide) is mostly
paper, while noise and texture crowd the band around their marks. A number written tight puts
its neighbours' strokes in that band too; they are writing, not grain, and are not counted.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.crops import ring_ink

NEIGHBOUR = 0.5
"""Ink around a candidate that belongs to a blob beside it (sharing :data:`NEIGHBOUR_ROWS` of
its rows) and at least this share and at most the inverse of its height tall is a neighbouring
digit's of its number written tight, not the grain of a ground (:func:`clear_band`)."""

NEIGHBOUR_ROWS = 0.25
"""... sharing at least this share of the candidate's rows: on a line turned 30 degrees the
next digit's box is a half to two thirds of a height lower (a turned page's 5 between a 3 and
a 6, each sharing 0.43-0.49 of its rows, was never proposed at 0.5: the rotated video's 5 was
lost in 26 of its 45 frames)."""

CROWDED = 1.5
"""... and a candidate so flanked may have up to this many times ``max_ring_ink`` of ink around
it in all, less its neighbours standing beside it: a number written with gaps of a twentieth of
a digit's height puts about a quarter of ink in the band around each digit, a texture's grain
more."""


def clear_band(
    mask: np.ndarray,
    contours: list,
    boxes: np.ndarray,
    box: np.ndarray,
    members: np.ndarray,
    ring: float,
    most: float,
) -> bool:
    """Whether the band around ``box`` (``ring`` of its height wide) in the ink ``mask`` is
    clear enough for writing on a ground: at most ``most`` of it ink, not counting the ink of
    the digit-sized blobs beside it (:data:`NEIGHBOUR`; ``contours`` and ``boxes``: the
    frame's blobs, ``members``: the candidate's own), while at most :data:`CROWDED` times
    that share is ink at all, not counting the neighbours that stand wholly to its left or
    right: a frame-filling number's middle digit has its band clipped by the frame above and
    below, and its neighbours' marker strokes fill most of what is left (a strip's 0886
    whose first 8 was never proposed), while a ground's grain joined into one blob around a
    mark reaches across it."""
    grow = round(ring * int(box[3]))
    share = ring_ink(mask, box, grow)
    if share <= most:
        return True
    x, y, w, h = (int(v) for v in box)
    height, width = mask.shape
    x0, y0 = max(0, x - grow), max(0, y - grow)
    x1, y1 = min(width, x + w + grow), min(height, y + h + grow)
    b = boxes
    near = np.flatnonzero(
        (b[:, 0] < x1) & (b[:, 0] + b[:, 2] > x0) & (b[:, 1] < y1) & (b[:, 1] + b[:, 3] > y0)
    )
    rows = np.minimum(b[near, 1] + b[near, 3], y + h) - np.maximum(b[near, 1], y)
    tall = (
        (b[near, 3] >= NEIGHBOUR * h)
        & (b[near, 3] <= h / NEIGHBOUR)
        & (rows >= NEIGHBOUR_ROWS * h)
        & ~np.isin(near, members)
    )
    if not tall.any():
        return False
    middle = 2 * x + w  # twice the candidate's middle column
    beside = tall & ((2 * b[near, 0] > middle) | (2 * (b[near, 0] + b[near, 2]) < middle))
    inner = np.array([x - x0, y - y0, w, h])
    band = mask[y0:y1, x0:x1]
    drawn = np.zeros_like(band)  # the neighbours left out so far

    def rest(blobs: np.ndarray) -> float:
        """The band's share of ink, with ``blobs`` left out too."""
        cv2.drawContours(
            drawn, [contours[i] for i in blobs], -1, 255, cv2.FILLED, offset=(-x0, -y0)
        )
        return ring_ink(np.where(drawn > 0, 0, band).astype(band.dtype), inner, grow)

    # less the neighbours beside it, at most the cap; less every neighbour, at most ``most``
    crowd = rest(near[beside]) if beside.any() else share
    if crowd > CROWDED * most:
        return False
    others = tall & ~beside
    return (rest(near[others]) if others.any() else crowd) <= most
