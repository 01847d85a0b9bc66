"""Faint strokes joined to the ink: a thin or blurred pen's stroke is clearly darker than the
paper only here and there, and would fall apart into pieces (read as 1s) without the marks a
little darker than the paper that join its clear ink: near it (a stroke's soft edge), or the
whole faint mark when that ink spans it (a pencil stroke dark here and there). A light
pencil's or a faded pen's writing may hold no clear ink at all: a faint mark of the writing's
size whose core is well below the faint level is ink too, measured against the writing's own
size (a faint ruled line runs on; a piece of a thin stroke is far shorter).
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


LONE_SPAN = (0.5, 3.0)
"""A faint mark holding no clear ink is writing when its longer side is between these many
times the writing's (the median of the marks that hold clear ink; of the faint ones where none
do): a faint ruled or printed line runs on across the page, and a thin faint pen's stroke,
broken at the faint level, leaves pieces far shorter than its digits (read as 1s)."""


def join_faint(
    dark: np.ndarray, faint: np.ndarray, min_size: int, pale: np.ndarray | None = None
) -> np.ndarray:
    """The ink: ``dark`` marks, and the ``faint`` ones (a superset) joined to them. A thin or
    blurred pen's stroke dips below the dark level along much of its length and would fall
    apart into pieces read as 1s: a faint mark is kept whole when its dark ink is spread over
    all of it and is a small part of it (:data:`SPREAD`, :data:`FAINT_PEN`), and at least
    ``min_size`` pixels long or tall (a digit's size: a wall's specks are not looked at); any
    other only within two pixels of its dark ink (a faint ruled or grid line the stroke touches
    stays out).

    With ``pale`` (a mask between the two: darker than halfway from the faint level to the
    dark one), a faint mark with no dark ink at all is kept whole too where at least
    ``min_size`` of its pixels are pale and it is about the writing's size
    (:data:`LONE_SPAN`): a light pencil, a faded ballpoint, writing under a lamp's glare,
    whose strokes nowhere reach the dark level."""
    ink = cv2.bitwise_or(dark, cv2.bitwise_and(faint, cv2.dilate(dark, _NEAR)))
    beyond = cv2.bitwise_and(faint, cv2.bitwise_not(ink))
    # where faint marks go on beyond the ink: a few pixels are the grain at the ink's edges, a
    # broken stroke's faint stretches cross it at the two ends of every gap; pale marks apart
    # from the ink may be faint writing
    joined = cv2.countNonZero(cv2.bitwise_and(beyond, cv2.dilate(ink, _GROW))) >= min_size
    apart = pale is not None and cv2.countNonZero(cv2.subtract(pale, ink)) >= min_size
    if not (joined or apart):
        return ink
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        cv2.bitwise_or(faint, dark), 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    area = stats[:, cv2.CC_STAT_AREA]
    longest = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    sized = longest >= min_size
    sized[0] = False  # the ground
    dark_px = np.bincount(labels[dark > 0], minlength=count)
    reaching = np.bincount(labels[beyond > 0], minlength=count) > 0
    if pale is not None and apart:
        ink[_faint_writing(labels, longest, sized, dark_px, pale, min_size)[labels]] = 255
    joining = joined & reaching & (dark_px > 0) & (dark_px <= FAINT_PEN * area) & sized
    for label in np.flatnonzero(joining).tolist():
        x, y, w, h = stats[label, :4].tolist()
        mark = labels[y : y + h, x : x + w] == label
        inked = mark & (dark[y : y + h, x : x + w] > 0)
        cols, rows = np.flatnonzero(inked.any(axis=0)), np.flatnonzero(inked.any(axis=1))
        spread = (cols[-1] - cols[0] + 1) * (rows[-1] - rows[0] + 1)
        if w * h <= SPREAD * spread:
            ink[y : y + h, x : x + w][mark] = 255
    return ink


def _faint_writing(
    labels: np.ndarray,
    longest: np.ndarray,
    sized: np.ndarray,
    dark_px: np.ndarray,
    pale: np.ndarray,
    min_size: int,
) -> np.ndarray:
    """(count,) bool: the marks of ``labels`` (each ``longest`` px on its longer side,
    ``sized`` a digit's size) that hold no dark ink (``dark_px``) and at least ``min_size``
    ``pale`` pixels, and are about the writing's size (:data:`LONE_SPAN`)."""
    pale_px = np.bincount(labels[pale > 0], minlength=len(longest))
    alone = sized & (dark_px == 0) & (pale_px >= min_size)
    if alone.any():
        written = sized & (dark_px > 0)
        writing = float(np.median(longest[written if written.any() else alone]))
        alone &= (longest >= LONE_SPAN[0] * writing) & (longest <= LONE_SPAN[1] * writing)
    return alone
