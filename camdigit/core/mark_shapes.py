"""The shapes of marks read as digits that are not: checked on their crops after the reading.

A T, an I or a box's post read as 1 has a bar across its top; the arms of a V or a W cut
apart lean far apart, each a sure 1; a slash read as 1 lies more than it stands; a bracket read
as 1 is one arc; a cursive d reads as a 2 whose top is only a stem at its right
(:mod:`camdigit.core.reported` drops them).
"""

from __future__ import annotations

import cv2
import numpy as np


def crop_ink(crop: np.ndarray) -> np.ndarray:
    """(H, W) uint8, 1 where a crop (dark ink on white, or on the paper's own grey) has ink:
    Otsu's threshold, so the paper around the strokes need not be white. The shape checks of
    the readings (:func:`crossbar_ones`, :func:`stroke_lean`, :func:`stemmed_twos`) look at
    this."""
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


CROSSBAR = 1.5
"""A bar across the top of a 1 reaches at least this many stem widths out on each side of the
stem (and a pixel more) for the shape to be a T or an I: a written 1's flag reaches left only."""


def crossbar_ones(crops: list[np.ndarray], ones: np.ndarray) -> np.ndarray:
    """(N,) bool: which of the crops read as 1 (``ones``) have a bar across their top, reaching
    out on both sides of the stem: a T, a printed I, or the post of a drawn box whose broken
    lines left stubs at its ends. A written 1 has at most a flag to the left (and a base).

    The stem is measured on the rows a fifth to a third of the way down the ink (its centre
    and its width, the median ink per row); the bar on the top seventh of the ink."""
    found = np.zeros(len(crops), bool)
    for i in np.flatnonzero(ones).tolist():
        crop = crops[i]
        ink = crop_ink(crop)
        rows = np.flatnonzero(ink.any(axis=1))
        if len(rows) < 8:
            continue
        top, height = int(rows[0]), int(rows[-1] - rows[0] + 1)
        stem = ink[top + height // 5 : top + height // 3 + 1]
        widths = stem.sum(axis=1)
        if not widths.all():
            continue
        cols = np.arange(crop.shape[1])
        centre = float(np.median((stem * cols).sum(axis=1) / widths))
        width = float(np.median(widths))
        bar = np.flatnonzero(ink[top : top + max(2, height // 7)].any(axis=0))
        reach = CROSSBAR * width + 1
        found[i] = centre - bar[0] >= reach and bar[-1] - centre >= reach
    return found


V_SPREAD = 44.0
"""Two 1s cut from one blob whose strokes' directions differ by at least this many degrees are
the arms of a V, a tick, a W, an N or an A: touching 1s stand side by side, leaning alike
(MNIST's 1s cut from one blob on the measuring stick's pages differ by 41 degrees at most; the
arms of the clutter family's V and W by 59 and 74, the legs of the printed A on the real
webcam form by 46: at 50 it was read 1 1)."""


def stroke_lean(crop: np.ndarray) -> float:
    """The direction of a crop's ink (dark on white) in degrees from upright, positive leaning
    right (a "/"), from the second moments of its ink (:func:`crop_ink`): the axis it is
    longest along."""
    m = cv2.moments(crop_ink(crop), binaryImage=True)
    axis = 0.5 * np.degrees(np.arctan2(2.0 * m["mu11"], m["mu20"] - m["mu02"]))  # from x, y down
    return float(axis + 90.0 if axis <= 0 else axis - 90.0)


LYING = 50.0
"""A mark read as 1 whose stroke leans more than this many degrees from upright lies more than
it stands: a slash, a cross's arm, a stroke left of a crossed-out box. 99.9% of MNIST's 1s
lean less than 48 degrees (train set; its steepest test 1 leans 45; measured by hand with
:func:`stroke_lean`), and a stroke 21 px wide and 16 tall that a webcam form's crossed box
left beside its erased lines leans 53."""


def lying_ones(crops: list[np.ndarray], ones: np.ndarray) -> np.ndarray:
    """(N,) bool: which of the crops read as 1 (``ones``) lean more than :data:`LYING` degrees
    from upright (:func:`stroke_lean`); asked of the 1s standing alone (a 1 beside a digit may
    lean with its turned page: see :func:`camdigit.core.reported.reported`)."""
    found = np.zeros(len(crops), bool)
    for i in np.flatnonzero(ones).tolist():
        found[i] = abs(stroke_lean(crops[i])) > LYING
    return found


def forked_ones(crops: list[np.ndarray], digits: np.ndarray, group: np.ndarray) -> np.ndarray:
    """(N,) bool: the crops read as 1 (``digits``) that are pieces of one blob (same ``group``)
    beside another 1 leaning another way by :data:`V_SPREAD` or more: a V or a W cut into its
    strokes, each a sure 1 to the model, is no number."""
    found = np.zeros(len(crops), bool)
    ones = np.flatnonzero(digits == 1)
    shared = ones[np.bincount(group[ones])[group[ones]] > 1] if len(ones) else ones
    if not len(shared):
        return found
    lean = {i: stroke_lean(crops[i]) for i in shared.tolist()}
    for g in np.unique(group[shared]).tolist():
        pieces = [i for i in shared.tolist() if group[i] == g]
        for a, b in zip(pieces, pieces[1:], strict=False):
            if abs(lean[a] - lean[b]) >= V_SPREAD:
                found[a] = found[b] = True
    return found


STEM_TOP = (1 / 3, 0.25, 0.6)
"""A mark read as 2 whose top third (first) holds ink across at most 0.25 of its width
(second), none of it left of 0.6 of the way across (third), ..."""

STEM_MIDDLE = (0.4, 0.6, 0.65)
"""... and whose rows from 0.4 to 0.6 of its height all reach at least 0.65 of the way across
(its stem going on down its right side), is a cursive d: a stem rising from its bowl, which
the model takes for a 2's curl. A 2's top is an arc across most of its width, or a hook from
which its stroke runs down to the left; a 2 written like an alpha, its hook curling down its
right side, is the nearest to a d (its top 0.29 of its width in the demo video and on the
grid family's pages, the development photos' three d's 0.16 to 0.23 with middles reaching
0.72 and more; one of MNIST's 1,032 test 2s, itself written as a d, is as narrow)."""


def stemmed_twos(crops: list[np.ndarray], twos: np.ndarray) -> np.ndarray:
    """(N,) bool: which of the crops read as 2 (``twos``) are a cursive d (:data:`STEM_TOP`,
    :data:`STEM_MIDDLE`)."""
    band_share, widest, leftmost = STEM_TOP
    low, high, reach = STEM_MIDDLE
    found = np.zeros(len(crops), bool)
    for i in np.flatnonzero(twos).tolist():
        ink = crop_ink(crops[i])
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        if len(rows) < 8:
            continue
        top, height = int(rows[0]), int(rows[-1] - rows[0] + 1)
        left, width = int(cols[0]), float(cols[-1] - cols[0] + 1)
        band = np.flatnonzero(ink[top : top + max(1, int(band_share * height))].any(axis=0))
        narrow_top = band[-1] - band[0] + 1 <= widest * width and band[0] - left >= leftmost * width
        middle = ink[top + int(low * height) : top + int(high * height) + 1]
        # each row's rightmost ink (flipped, argmax finds the first ink from the right)
        rightmost = middle.shape[1] - 1 - np.argmax(middle[:, ::-1], axis=1)
        stem = bool(middle.any(axis=1).all()) and rightmost.min() - left >= reach * width
        found[i] = narrow_top and stem
    return found


BOW = 0.1
"""A stroke whose middle bows off the line joining its ends by this share of its height or more
is an arc, as a written bracket's is (a fifth of its height or so); none of the test fixture's
110 MNIST 1s bows so far (``tests/test_reported.py``)."""


def bowed_ones(crops: list[np.ndarray], ones: np.ndarray) -> np.ndarray:
    """(N,) bool: which of the crops read as 1 (``ones``) are one arc, a bracket: the ink's
    centre, row by row, bows off the chord from its top to its bottom (each end the mean
    centre of a tenth of the rows) by :data:`BOW` of its height or more, farthest in its
    middle third, and all to that side (a 1's flag or base bends only its ends)."""
    found = np.zeros(len(crops), bool)
    for i in np.flatnonzero(ones).tolist():
        ink = crop_ink(crops[i])
        rows = np.flatnonzero(ink.any(axis=1))
        if len(rows) < 10:
            continue
        band = ink[rows[0] : rows[-1] + 1].astype(np.float64)
        widths = band.sum(axis=1)
        cols = np.arange(band.shape[1], dtype=np.float64)
        centre = np.where(widths > 0, band @ cols / np.maximum(widths, 1.0), np.nan)
        height = len(centre)
        end = max(1, height // 10)
        top, bottom = np.nanmean(centre[:end]), np.nanmean(centre[-end:])
        off = centre - (top + (bottom - top) * np.arange(height) / (height - 1))
        if np.isnan(off[end:-end]).all():
            continue
        far = int(np.nanargmax(np.abs(off)))
        side = np.sign(off[far]) * off[end:-end]  # the bow's side positive
        found[i] = (
            abs(off[far]) >= BOW * height
            and height / 3 <= far <= 2 * height / 3
            and bool(np.nanmin(side) > -0.02 * height)
        )
    return found
