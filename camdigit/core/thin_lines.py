"""Thin lines that big writing joined: a ruled or margin line under a marker's digits.

A line is erased where it runs longer than the writing is tall
(:mod:`camdigit.core.ruled_lines`). Where the writing is big (a closeup) and touches the line,
the digits part the line into runs each shorter than that, and join it with them into one blob
taller or wider than any digit, which is never proposed. Such a line is told by the blob's own
pen: runs far thinner than the blob's strokes, straight, and in line with each other across a
line's length, are a line's, not the pen's.
"""

from __future__ import annotations

import cv2
import numpy as np

_SQUARE = np.ones((3, 3), np.uint8)

THINNER = 4.0
"""A run this many times thinner than its blob's stroke (twice the blob's area over its
outline) is not the pen's: a marker's stroke is 12-25% of its digit's height, a ruled line a
pixel or two (a thin pen's blob has no run that much thinner than its strokes)."""

SEEN_STROKE = 8.0
"""A blob is looked at shrunk by a whole step to strokes about this wide: its lines, four times
thinner, are a pixel or two there (two distance transforms and a labelling of a marker's
closeup blob at full size cost about 2 ms)."""

STRAIGHT = 3.0
"""A run is straight where its rotated box is this many times longer than wide..."""

IN_LINE = np.sin(np.radians(3.0))
"""... and runs are one line where their directions differ by 3 degrees at most and each one's
middle lies within the line's width (and a pixel) of the other's line."""

REACH = 2.0
"""Runs in line make a line where they reach this many of the blob's strokes end to end at
least (and half a line's least length): a pen skipping leaves a thin bridge as short as its
stroke is wide, a sharp corner a sliver."""


def thin_lines(
    mask: np.ndarray, contours: list[np.ndarray], boxes: np.ndarray, longest: float
) -> np.ndarray:
    """``mask`` with the thin lines of its blobs longer than ``longest`` erased: the runs
    :data:`THINNER` than the blob's stroke, straight, that lie in line with each other over
    half ``longest`` and :data:`REACH` strokes at least. ``longest``: the least length of a
    line (``FinderConfig.line_side`` of the frame's shorter side; the writing's height can
    not tell it here, the line taken into the writing makes it taller: a marker's "681" on a
    320x240 closeup, joined by a ruled line and a margin line into two blobs, one the frame's
    height, measured the writing 240 px tall; a 2 written over a margin line was never
    proposed)."""
    out = mask
    for i in np.flatnonzero((boxes[:, 2:] > longest).any(axis=1)).tolist():
        x, y, w, h = (int(v) for v in boxes[i])
        filled = np.zeros((h, w), np.uint8)
        cv2.drawContours(filled, [contours[i]], -1, 255, -1, offset=(-x, -y))
        own = cv2.bitwise_and(filled, mask[y : y + h, x : x + w])  # its holes stay holes
        # the pen's stroke measured without the pixel-thin lines: each of their pixels is
        # outline, and they took a medium pen's 10 px strokes for 6.5 px
        core = cv2.morphologyEx(own, cv2.MORPH_OPEN, _SQUARE)
        area = cv2.countNonZero(core)
        stroke = 2.0 * area / max(area - cv2.countNonZero(cv2.erode(core, _SQUARE)), 1)
        if stroke < 2 * THINNER or stroke >= min(w, h):
            continue  # a thin pen's blob, or a blot
        step = max(1, int(stroke / SEEN_STROKE))
        small = own
        if step > 1:  # looked at smaller: any ink in a cell is ink, so a line stays whole
            size = (max(1, w // step), max(1, h // step))
            small = cv2.resize(own, size, interpolation=cv2.INTER_AREA)
            small[small > 0] = 255
        length = max(longest / 2, REACH * stroke) / step
        erased = _line_runs(_thinner(small, stroke / step / 4), stroke / step / THINNER, length)
        if erased is None:
            continue
        if step > 1:
            erased = cv2.resize(erased.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
            erased = erased.astype(bool) & (own > 0)
        if out is mask:
            out = mask.copy()
        out[y : y + h, x : x + w][erased] = 0
    return out


def _thinner(own: np.ndarray, radius: float) -> np.ndarray:
    """The ink of ``own`` that no disc of ``radius`` inside it covers (what an opening by that
    disc takes away), from two distance transforms: a large disc's opening is slow."""
    inside = cv2.distanceTransform(own, cv2.DIST_L2, 3)
    centres = np.where(inside >= radius, 0, 255).astype(np.uint8)
    covered = cv2.distanceTransform(centres, cv2.DIST_L2, 3) < radius
    thin = own.copy()
    thin[covered] = 0
    return thin


def _line_runs(thin: np.ndarray, widest: float, length: float) -> np.ndarray | None:
    """The pixels of ``thin``'s straight runs at most ``widest`` wide that lie in line with
    each other over ``length`` at least (None where there are none)."""
    count, labels = cv2.connectedComponents(thin, connectivity=8)
    runs = []  # (label, direction, middle, half its length)
    posts = False  # a straight run as long, thin but wider than a line
    for k in range(1, count):
        points = cv2.findNonZero((labels == k).astype(np.uint8))
        (cx, cy), (a, b), _ = cv2.minAreaRect(points)
        if max(a, b) < STRAIGHT * max(min(a, b), 1.0):
            continue
        if min(a, b) > widest:
            posts |= max(a, b) >= length
            continue
        vx, vy, _, _ = cv2.fitLine(points, cv2.DIST_L2, 0, 0.01, 0.01).ravel()
        runs.append((k, np.array([vx, vy]), np.array([cx, cy]), max(a, b) / 2))
    lines: set[int] = set()
    for _, direction, middle, _ in runs:
        normal = np.array([-direction[1], direction[0]])
        along = [
            (float((m - middle) @ direction), half, k)
            for k, d, m, half in runs
            if abs(float(d @ normal)) <= IN_LINE and abs(float((m - middle) @ normal)) <= widest + 1
        ]
        reach = max(a + h for a, h, _ in along) - min(a - h for a, h, _ in along)
        if reach >= length:
            lines.update(k for _, _, k in along)
    # a run as long left over, in line with none (or thin but wider than a line), is a post of
    # a drawn frame's cells (a form's comb the border cut): the blob is a form's, whose posts
    # would read as 1s once its lines were gone (the form finders erase it whole, or nothing
    # of it is read)
    if not lines or posts or any(k not in lines and 2 * half >= length for k, _, _, half in runs):
        return None
    return np.isin(labels, list(lines))
