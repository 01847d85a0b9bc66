"""Grouping ink into digit parts: parts of one digit merged, blobs boxed, pairs that may be one
digit (side by side, or a bar over a part).

Plain OpenCV and numpy on the ink mask of :mod:`camdigit.core.ink` (its lines erased by
:mod:`camdigit.core.ruled_lines`); :mod:`camdigit.core.finder` calls these and makes proposals
of what they give.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.proposals import DIGIT_ASPECT

CROP_PAD = 2
"""Paper kept around a digit's box in its crop, in pixels."""

_BLOCK = 256
"""Rows per block of the pairwise box comparisons (bounds their memory on cluttered frames)."""


def merge_parts(
    boxes: np.ndarray,
    gap: float,
    overlap: float,
    max_aspect: float = 2.0,
    alone: np.ndarray | None = None,
) -> np.ndarray:
    """Group the boxes that are parts of one digit; returns a group number per box.

    Two parts belong together when they overlap horizontally by at least ``overlap`` of the
    narrower one and the vertical gap between them is at most ``gap`` of the taller one's
    height (one part inside the other is a case of this). Digits of a number stand side by side
    with little horizontal overlap, so they are never joined. Parts that ``alone`` (a bool
    mask) marks join no other.
    """
    n = len(boxes)
    b = boxes.astype(np.float32)
    x0, y0, w, h = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    x1, y1 = x0 + w, y0 + h
    area = w * h
    wide = w > max_aspect * h
    firsts, seconds = [], []
    # Rows in blocks, so a frame with thousands of blobs (noise) costs megabytes, not gigabytes.
    for start in range(0, n, _BLOCK):
        i = slice(start, min(n, start + _BLOCK))
        x_overlap = np.minimum(x1[i, None], x1) - np.maximum(x0[i, None], x0)
        v_gap = np.maximum(y0[i, None], y0) - np.minimum(y1[i, None], y1)
        linked = (x_overlap >= overlap * np.minimum(w[i, None], w)) & (
            v_gap <= gap * np.maximum(h[i, None], h)
        )
        # A part much wider than tall that holds the other (a frame drawn around a number, a
        # leftover of a line) is not the other's stroke: it must not swallow it.
        linked &= ~np.where(area[i, None] >= area, wide[i, None], wide)
        if alone is not None:
            linked &= ~alone[i, None] & ~alone
        rows, cols = np.nonzero(linked)
        upper = cols > rows + start
        firsts.append(rows[upper] + start)
        seconds.append(cols[upper])
    if n == 0:
        return np.zeros(0, np.int64)
    return _union_find(n, np.concatenate(firsts), np.concatenate(seconds))


def _union_find(n: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Connected groups of ``n`` items joined by the pairs (first[k], second[k]), numbered 0.."""
    root = np.arange(n)

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(n)])
    return np.unique(roots, return_inverse=True)[1]


def group_boxes(boxes: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The union box of each group's parts, in group order."""
    count = int(group.max()) + 1 if len(group) else 0
    x0 = np.full(count, np.iinfo(np.int32).max, np.int64)
    y0 = x0.copy()
    x1 = np.zeros(count, np.int64)
    y1 = x1.copy()
    np.minimum.at(x0, group, boxes[:, 0])
    np.minimum.at(y0, group, boxes[:, 1])
    np.maximum.at(x1, group, boxes[:, 0] + boxes[:, 2])
    np.maximum.at(y1, group, boxes[:, 1] + boxes[:, 3])
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1).astype(np.int32)


def crowded_boxes(
    digit_boxes: np.ndarray, blob_boxes: np.ndarray, owner: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """For each digit box (of group ``groups[k]``): does another blob reach into its crop?

    ``owner`` is the group of every blob (-1 for specks and lines, which are foreign to all).
    A digit alone in its crop can take the ink mask as it is; a crowded one must be cut out
    along its own contours.
    """
    crowded = np.zeros(len(digit_boxes), bool)
    b = blob_boxes.astype(np.int64)[None]
    for start in range(0, len(digit_boxes), _BLOCK):
        rows = slice(start, start + _BLOCK)
        d = digit_boxes[rows].astype(np.int64)[:, None]
        reach = (
            (b[..., 0] < d[..., 0] + d[..., 2] + CROP_PAD)
            & (b[..., 0] + b[..., 2] > d[..., 0] - CROP_PAD)
            & (b[..., 1] < d[..., 1] + d[..., 3] + CROP_PAD)
            & (b[..., 1] + b[..., 3] > d[..., 1] - CROP_PAD)
        )
        crowded[rows] = (reach & (owner[None] != groups[rows, None])).any(axis=1)
    return crowded


def all_contours(mask: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Every blob's outer contour and every hole's, with each contour's parent (the blob a
    hole is in; -1 for an outer contour)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return [], np.zeros(0, np.int32)
    return list(contours), hierarchy[0][:, 3]


def outer_contours(
    mask: np.ndarray, found: tuple[list[np.ndarray], np.ndarray] | None = None
) -> list[np.ndarray]:
    """The outer contour of every blob, also of blobs inside another's hole (a number written
    inside a drawn frame, or inside the ring a page's edge makes on a desk); from ``found``
    (:func:`all_contours` of ``mask``) when given."""
    contours, parents = found if found is not None else all_contours(mask)
    return [contours[i] for i in np.flatnonzero(parents < 0).tolist()]


def blob_boxes(contours: list[np.ndarray]) -> np.ndarray:
    if not contours:
        return np.zeros((0, 4), np.int32)
    return np.array([cv2.boundingRect(c) for c in contours], np.int32).reshape(-1, 4)


PAIR_GAP = 0.25
"""Parts side by side may be one digit when the paper between them is at most this share of
their joint height (a thin pen's 4 whose stroke misses its corner; a 5's flag; a 4 written in
two strokes, its stem put down up to a quarter of its height from its corner: at 0.2 a
webcam's form lost such a 4, read as a 1 beside a 6)."""

PAIR_OVERLAP = 0.5
"""... and they share at least this share of the shorter one's height (one line, not two)."""

FLAG_ASPECT = 1.4
"""A bar beside a part's top (a 5's flag drawn apart) and the part may together be this many
times as wide as tall: a digit's width (:data:`DIGIT_ASPECT`) and some, since the flag
reaches out beyond the bowl; both are proposed apart and together, and the model's readings
choose. (Two parts side by side stay within a digit's width: two 1s side by side, leaning
apart, were one pair whose 1s read as a V's arms.)"""


def side_by_side(boxes: np.ndarray, wide: float) -> list[tuple[int, int]]:
    """Pairs (left, right) of candidate boxes (M, 4) that may be one digit written in parts
    side by side: on one line, close, together no wider than a digit is (:data:`DIGIT_ASPECT`),
    neither wider than ``wide`` times its height (a blob that wide is cut, not joined). Each
    box is in at most one pair, the closest (paper between them over their joint height) of
    those it may make with a box not yet paired; the model chooses between the parts apart
    and together."""
    if len(boxes) < 2:
        return []
    x, y, w, h = boxes.astype(np.float64).T
    x1, y1 = x + w, y + h
    joint_w = np.maximum(x1[:, None], x1[None]) - np.minimum(x[:, None], x[None])
    joint_h = np.maximum(y1[:, None], y1[None]) - np.minimum(y[:, None], y[None])
    shared = np.minimum(y1[:, None], y1[None]) - np.maximum(y[:, None], y[None])
    gap = x[None] - x1[:, None]  # [i, j]: paper from i's right edge to j's left edge
    narrow = w <= wide * h
    ok = (
        (x[None] > x[:, None])
        & (shared >= PAIR_OVERLAP * np.minimum(h[:, None], h[None]))
        & (gap <= PAIR_GAP * joint_h)
        & (joint_w <= DIGIT_ASPECT * joint_h)
        & narrow[:, None]
        & narrow[None]
    )
    # the closest pairs first: a 9's loop and its stem before the 1 beside the loop
    pairs = _closest_pairs(ok, gap / joint_h)
    return sorted(pairs, key=lambda pair: (x[pair[0]], pair[0]))


def stacked(
    boxes: np.ndarray, gap: float, overlap: float, max_aspect: float
) -> list[tuple[int, int]]:
    """Pairs (upper, lower) of boxes (M, 4) that may be one digit written in two strokes, a bar
    (wider than ``max_aspect`` times its height) and a part, together no wider than a digit
    (:data:`DIGIT_ASPECT`), the bar's bottom at most ``gap`` of the taller's height above the
    part's top:

    - the bar the larger, overlapping the part as :func:`merge_parts` wants (``overlap``),
      which kept them apart only because a larger bar is a frame or a line's leftover: a 5
      whose flag and stem are one stroke over its bowl, a 7's bar over its stem;
    - the bar the smaller and the upper, over the part's top or off its side by no more than
      :data:`PAIR_GAP` of their joint height: a 5's flag drawn apart, out to the right of its
      stem (not a minus sign at the middle of the digit beside it), together up to
      :data:`FLAG_ASPECT` wide.

    The model chooses between them apart and together (an underline under a digit stays a
    digit and a bar). Each box is in at most one pair, the closest."""
    if len(boxes) < 2:
        return []
    x, y, w, h = boxes.astype(np.float64).T
    x1, y1 = x + w, y + h
    bar = w > max_aspect * h
    x_overlap = np.minimum(x1[:, None], x1[None]) - np.maximum(x[:, None], x[None])
    v_gap = y[None] - y1[:, None]  # [i, j]: paper from i's bottom to j's top
    joint_w = np.maximum(x1[:, None], x1[None]) - np.minimum(x[:, None], x[None])
    joint_h = np.maximum(y1[:, None], y1[None]) - np.minimum(y[:, None], y[None])
    larger = np.where((w * h)[:, None] >= (w * h)[None], bar[:, None], bar[None])
    over = larger & (x_overlap >= overlap * np.minimum(w[:, None], w[None]))
    beside = bar[:, None] & ~larger & (x_overlap >= -PAIR_GAP * joint_h)
    ok = (
        (over | beside)
        & (y[:, None] < y[None])
        & (v_gap <= gap * np.maximum(h[:, None], h[None]))
        & (joint_w <= np.where(beside, FLAG_ASPECT, DIGIT_ASPECT) * joint_h)
    )
    return _closest_pairs(ok, v_gap / joint_h)


def _closest_pairs(ok: np.ndarray, distance: np.ndarray) -> list[tuple[int, int]]:
    """The pairs (i, j) that ``ok`` (M, M) allows, each box in at most one, the pairs of least
    ``distance`` (M, M) taken first."""
    first, second = np.nonzero(ok)
    order = np.argsort(distance[first, second], kind="stable")
    pairs: list[tuple[int, int]] = []
    used = np.zeros(len(ok), bool)
    for i, j in zip(first[order].tolist(), second[order].tolist(), strict=True):
        if not (used[i] or used[j]):
            used[i] = used[j] = True
            pairs.append((i, j))
    return pairs
