"""Grouping digits that stand side by side on one line into numbers ("2026").

Two digits are neighbours in a number when they share a line (their vertical extents overlap by
half of the smaller height), are of similar height, and the horizontal gap between their boxes is
small relative to their height. Each digit links only to its nearest neighbour on the right, so a
number never jumps over a digit, and chains of links make the numbers.
"""

from __future__ import annotations

import numpy as np

from camdigit.detections import Detections, Number


def group_numbers(
    detections: Detections,
    max_gap: float = 0.8,
    min_gap: float = -0.25,
    max_height_ratio: float = 1.8,
) -> list[Number]:
    """Numbers in reading order (top to bottom, then left to right).

    Args:
        detections: the frame's read digits.
        max_gap: largest gap between neighbours, as a fraction of the taller digit's height.
        min_gap: most overlap allowed (slanted writing makes boxes overlap a little).
        max_height_ratio: neighbours' heights differ by at most this factor.
    """
    n = len(detections)
    if n == 0:
        return []
    b = detections.boxes.astype(np.float64)
    x0, y0, w, h = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    x1, y1 = x0 + w, y0 + h
    taller = np.maximum(h[:, None], h[None])
    shorter = np.minimum(h[:, None], h[None])
    v_overlap = np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None])
    gap = x0[None] - x1[:, None]  # gap[i, j]: from the right of i to the left of j
    candidate = (
        (v_overlap >= 0.5 * shorter)
        & (taller <= max_height_ratio * shorter)
        & (gap >= min_gap * taller)
        & (x0[None] > x0[:, None])
    )
    # Each digit's nearest candidate on the right, if close enough.
    gaps = np.where(candidate, gap, np.inf)
    nearest = gaps.argmin(axis=1)
    rows = np.arange(n)
    close = np.isfinite(gaps[rows, nearest]) & (
        gaps[rows, nearest] <= max_gap * taller[rows, nearest]
    )
    right = np.where(close, nearest, -1)
    # Keep a link only when it is also the right digit's closest left neighbour: two digits
    # cannot both continue into the same digit.
    left = np.full(n, -1)
    for i in np.argsort(np.where(close, gaps[rows, nearest], np.inf), kind="stable"):
        j = right[i]
        if j < 0:
            break  # sorted: the rest have no link either
        if left[j] < 0:
            left[j] = i
        else:
            right[i] = -1
    numbers = []
    for start in np.flatnonzero(left < 0):
        members = [int(start)]
        while right[members[-1]] >= 0:
            members.append(int(right[members[-1]]))
        sel = np.array(members)
        bx0, by0 = int(x0[sel].min()), int(y0[sel].min())
        bx1, by1 = int(x1[sel].max()), int(y1[sel].max())
        text = "".join(str(int(detections.digits[m])) for m in members)
        numbers.append(Number(text, (bx0, by0, bx1 - bx0, by1 - by0), tuple(members)))
    # Reading order: rows a typical digit height apart, then left to right, so a number a few
    # pixels lower on the same line still sorts by x.
    row = max(1.0, float(np.median(h)))
    numbers.sort(key=lambda num: (round((num.box[1] + num.box[3] / 2) / row), num.box[0]))
    return numbers
