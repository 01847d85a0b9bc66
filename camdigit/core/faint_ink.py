"""Faint strokes joined to the ink: a thin or blurred pen's stroke is clearly darker than the
paper only here and there, and would fall apart into pieces (read as 1s) without the marks a
little darker than the paper that join its clear ink: near it (a stroke's soft edge), or the
whole faint mark when that ink spans it (a pencil stroke dark here and there).
"""

from __future__ import annotations

import cv2
import numpy as np

_GROW = np.ones((3, 3), np.uint8)
_NEAR = np.ones((5, 5), np.uint8)

SPREAD = 1.25
"""A faint mark is kept whole when its box is at most this many times the area of the box of
the dark ink it holds (a stroke's pieces); else only near that ink (a line it touches)..."""

FAINT_PEN = 0.4
"""... and when at most this share of it is dark: a faint pen's stroke, dark here and there. A
dark mark with faint gaps (a printed box's lines, a ruled line the writing touches) keeps its
gaps, so that one line does not join every digit it passes."""


def join_faint(dark: np.ndarray, faint: np.ndarray, min_size: int) -> np.ndarray:
    """The ink: ``dark`` marks, and the ``faint`` ones (a superset) joined to them. A thin or
    blurred pen's stroke dips below the dark level along much of its length and would fall
    apart into pieces read as 1s: a faint mark is kept whole when its dark ink is spread over
    all of it and is a small part of it (:data:`SPREAD`, :data:`FAINT_PEN`), and at least
    ``min_size`` pixels long or tall (a digit's size: a wall's specks are not looked at); any
    other only within two pixels of its dark ink (a faint ruled or grid line the stroke touches
    stays out)."""
    ink = cv2.bitwise_or(dark, cv2.bitwise_and(faint, cv2.dilate(dark, _NEAR)))
    beyond = cv2.bitwise_and(faint, cv2.bitwise_not(ink))
    # where faint marks go on beyond the ink: a few pixels are the grain at the ink's edges, a
    # broken stroke's faint stretches cross it at the two ends of every gap
    if cv2.countNonZero(cv2.bitwise_and(beyond, cv2.dilate(ink, _GROW))) < min_size:
        return ink
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        cv2.bitwise_or(faint, dark), 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    dark_px = np.bincount(labels[dark > 0], minlength=count)
    reaching = np.bincount(labels[beyond > 0], minlength=count) > 0
    candidates = np.flatnonzero(
        reaching
        & (dark_px > 0)
        & (dark_px <= FAINT_PEN * stats[:, cv2.CC_STAT_AREA])
        & (np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= min_size)
    )
    for label in candidates.tolist():  # never the ground's label 0: it holds no dark ink
        x, y, w, h = stats[label, :4].tolist()
        mark = labels[y : y + h, x : x + w] == label
        inked = mark & (dark[y : y + h, x : x + w] > 0)
        cols, rows = np.flatnonzero(inked.any(axis=0)), np.flatnonzero(inked.any(axis=1))
        spread = (cols[-1] - cols[0] + 1) * (rows[-1] - rows[0] + 1)
        if w * h <= SPREAD * spread:
            ink[y : y + h, x : x + w][mark] = 255
    return ink
