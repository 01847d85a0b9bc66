"""Whether the frame's border cuts a digit: the ink a box shows on the border it touches.

A stroke the border cuts is as dark on the border as inside it; a digit that only reaches the
border shows there the soft rim of its stroke, and along a point or two of the side, not all of
it (a stroke running along the border, a grid line beside it, touches it all along).
``python -m benchmarks.border_cuts`` measures :func:`border_shares` on the digits the videos'
truth calls cut and whole.
"""

from __future__ import annotations

import numpy as np

from camdigit.core.crops import paper_levels
from camdigit.core.detections import inside_frame

GRAZE_DARK = 0.7
"""A box touching the border holds a whole digit when its ink on the border is at most this
share of its strokes' own darkness below the paper: 1706 digits cut by the border in the videos
of 5 families show 0.89 or more at their 5th percentile and none 0.7 or less, the 46 whole ones
touching it 0.79 at their median (``python -m benchmarks.border_cuts``)..."""

GRAZE = 0.5
"""... along at most this share of the box's side."""


def border_shares(
    gray: np.ndarray, mask: np.ndarray, paper: np.ndarray, step: int, boxes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``boxes`` ((N, 4), in a frame of ``gray`` with ink ``mask`` and the paper
    estimate ``paper`` shrunk by ``step``): the darkest of its ink on the border sides it
    touches, as a share of its strokes' darkness (the 90th percentile of its ink's depth below
    the paper), and the largest share of such a side that is inked. 0 and 0 where it touches
    no border; inf and 1 where it holds no ink, or no ink darker than the paper."""
    height, width = gray.shape
    dark_share = np.zeros(len(boxes))
    inked_share = np.zeros(len(boxes))
    touching = np.flatnonzero(~inside_frame(boxes, width, height))
    if not len(touching):
        return dark_share, inked_share
    levels = paper_levels(paper, step, boxes[touching])
    for k, level in zip(touching.tolist(), levels.tolist(), strict=True):
        x, y, w, h = (int(v) for v in boxes[k])
        inked = mask[y : y + h, x : x + w] > 0
        dark_share[k], inked_share[k] = np.inf, 1.0
        if not inked.any():
            continue
        dark = level - gray[y : y + h, x : x + w].astype(np.float32)
        values = dark[inked]
        tenth = (9 * len(values)) // 10  # the strokes' darkness: the 90th percentile
        core = float(np.partition(values, tenth)[tenth])
        if core <= 0:
            continue
        sides = [(0, 0)] if x == 0 else []  # (axis, index) of the border's line in the box
        sides += [(1, 0)] if y == 0 else []
        sides += [(0, -1)] if x + w >= width else []
        sides += [(1, -1)] if y + h >= height else []
        dark_share[k] = max(float(np.take(dark, i, axis=1 - a).max()) / core for a, i in sides)
        inked_share[k] = max(float(np.take(inked, i, axis=1 - a).mean()) for a, i in sides)
    return dark_share, inked_share


def whole_in_frame(
    gray: np.ndarray, mask: np.ndarray, paper: np.ndarray, step: int, boxes: np.ndarray
) -> np.ndarray:
    """(N,) bool: the boxes whose ink the frame's border does not cut: clear of the border, or
    touching it with no more than the soft rim of a stroke (:data:`GRAZE_DARK`) along a point
    or two of its side (:data:`GRAZE`)."""
    dark_share, inked_share = border_shares(gray, mask, paper, step, boxes)
    return (dark_share <= GRAZE_DARK) & (inked_share <= GRAZE)
