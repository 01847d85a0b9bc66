"""Faint strokes joined to the ink: a thin or blurred pen's stroke is clearly darker than the
paper only here and there, and would fall apart into pieces (read as 1s) without the marks a
little darker than the paper that join its clear ink: near it (a stroke's soft edge), or the
whole faint mark when that ink spans it (a pencil stroke dark here and there).

A light pencil's or a faded pen's writing may hold no clear ink at all (:func:`lone_writing`):
on quiet paper (:func:`quiet_paper`), a faint mark is ink when its core is darker still, and a
mark barely darker than the paper (by the sensor's noise margin) when its core is faint, where
the mark is about the size of the frame's writing (a faint ruled line runs on, a piece of a thin
stroke broken at the faint level is far shorter), is drawn with a stroke (a smudge is filled to
its middle) and stands on clean ground (a textured paper's or a wall's pattern is marked all
around).

Where the writing around is faint itself, its clear level is lifted (:func:`faint_writing`).
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

CLEAN_GROUND = 0.05
"""... and when the barely marked pixels around it (not faint ink: a texture's pattern, a
paper's grain), in its box grown by half its size on each side, are at most this share of
that box: writing stands on clean paper, a wall's or a cheque's pattern is marked all around
(printed while debugging, over page_sweep's faint ink, texture and strip pages: faint writing
0-0.05, a textured page's marks 0.05-0.24, a cheque's guilloche 0.07-0.2)."""


MAX_STROKE = 0.3
"""... and when its stroke (twice its area over its outline) is at most this share of its
longer side: a pen's stroke is a quarter of its digit's height at most (a marker's); a blob
filled to its middle is a smudge or a camera's noise."""


def join_faint(
    dark: np.ndarray, faint: np.ndarray, min_size: int, pale: np.ndarray | None = None
) -> np.ndarray:
    """The ink: ``dark`` marks, and the ``faint`` ones (a superset) joined to them. A thin or
    blurred pen's stroke dips below the dark level along much of its length and would fall
    apart into pieces read as 1s: a faint mark is kept whole when its dark ink is spread over
    all of it and is a small part of it (:data:`SPREAD`, :data:`FAINT_PEN`), and at least
    ``min_size`` pixels long or tall (a digit's size: a wall's specks are not looked at); any
    other only within two pixels of its dark ink (a faint ruled or grid line the stroke touches
    stays out). With ``pale`` (darker than halfway from the faint level to the dark one), a
    faint mark holding no dark ink is kept whole where its core is pale
    (:func:`lone_writing`)."""
    ink = cv2.bitwise_or(dark, cv2.bitwise_and(faint, cv2.dilate(dark, _NEAR)))
    beyond = cv2.bitwise_and(faint, cv2.bitwise_not(ink))
    # where faint marks go on beyond the ink: a few pixels are the grain at the ink's edges, a
    # broken stroke's faint stretches cross it at the two ends of every gap
    joined = cv2.countNonZero(cv2.bitwise_and(beyond, cv2.dilate(ink, _GROW))) >= min_size
    lone = pale is not None and apart(pale, ink, min_size)
    if not (joined or lone):
        return ink
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        cv2.bitwise_or(faint, dark), 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    dark_px = np.bincount(labels[dark > 0], minlength=count)
    if pale is not None and lone:  # the same marks, looked at for writing with no dark ink
        ink = _lone_marks(ink, labels, stats, dark_px, faint, pale, min_size)
    if not joined:
        return ink
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


def lone_writing(
    ink: np.ndarray, dark: np.ndarray, marks: np.ndarray, cores: np.ndarray, min_size: int
) -> np.ndarray:
    """``ink`` (from :func:`join_faint`) with the faint writing that holds no ``dark`` ink at
    all: each mark of ``marks`` (a mask of what is a little darker than the paper) with no dark
    ink, at least ``min_size`` of its pixels ``cores`` (a darker level), about the writing's
    size (:data:`LONE_SPAN`), on clean ground (:data:`CLEAN_GROUND`: few marks but cores
    around it) and drawn with a stroke (:data:`MAX_STROKE`). For quiet paper only
    (:func:`quiet_paper`)."""
    if not apart(cores, ink, min_size):
        return ink
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        cv2.bitwise_or(marks, dark), 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    dark_px = np.bincount(labels[dark > 0], minlength=count)
    return _lone_marks(ink, labels, stats, dark_px, marks, cores, min_size)


def apart(cores: np.ndarray, ink: np.ndarray, min_size: int) -> bool:
    """Whether a stroke's length of ``cores`` lies apart from the ``ink``: where none does,
    :func:`lone_writing` finds nothing (its caller may skip making its marks)."""
    return cv2.countNonZero(cv2.subtract(cores, cv2.dilate(ink, _NEAR))) >= min_size


def _lone_marks(
    ink: np.ndarray,
    labels: np.ndarray,
    stats: np.ndarray,
    dark_px: np.ndarray,
    marks: np.ndarray,
    cores: np.ndarray,
    min_size: int,
) -> np.ndarray:
    """:func:`lone_writing` on the ``marks``' components (``labels``, ``stats``, and the dark
    pixels each holds)."""
    longest = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    sized = longest >= min_size
    sized[0] = False  # the ground
    core_px = np.bincount(labels[cores > 0], minlength=len(stats))
    alone = sized & (dark_px == 0) & (core_px >= min_size)
    if not alone.any():
        return ink
    written = sized & (dark_px > 0)
    writing = float(np.median(longest[written if written.any() else alone]))
    alone &= (longest >= LONE_SPAN[0] * writing) & (longest <= LONE_SPAN[1] * writing)
    light = cv2.subtract(marks, cores)  # barely marked: a pattern's lines, a grain
    out = ink.copy()
    for label in np.flatnonzero(alone).tolist():
        x, y, w, h = stats[label, :4].tolist()
        reach = max(w, h) // 2
        x0, y0 = max(0, x - reach), max(0, y - reach)
        around = light[y0 : y + h + reach, x0 : x + w + reach] > 0
        around &= labels[y0 : y + h + reach, x0 : x + w + reach] != label
        if around.mean() > CLEAN_GROUND:
            continue
        own = (labels[y : y + h, x : x + w] == label).view(np.uint8)
        outline = cv2.countNonZero(cv2.subtract(own, cv2.erode(own, _GROW)))
        if 2.0 * stats[label, cv2.CC_STAT_AREA] / max(outline, 1) <= MAX_STROKE * max(w, h):
            out[y : y + h, x : x + w][own > 0] = 255
    return out


NOISE_SPREAD = 4.0
"""Writing with no clear ink is looked for only on quiet paper: where the paper's own dip below
its level and this many spreads of its noise stay within the sensor's margin. On a grainy or
patterned ground, or in a camera's noisy frame, marks a margin deep are the ground's."""


def quiet_paper(small: np.ndarray, paper: np.ndarray, faint_ratio: float, margin: float) -> bool:
    """Whether the ground lighter than ``faint_ratio`` of its ``paper`` level (both shrunk, as
    ``small``, the frame) dips below that level by less than ``margin`` grey levels: the
    median of the dips and :data:`NOISE_SPREAD` times their spread (the scaled median absolute
    deviation)."""
    ground = small > paper.astype(np.float32) * faint_ratio
    if not ground.any():
        return False
    # whole grey levels: the medians from histograms (one pass, no sort)
    dips = paper[ground].astype(np.int16) - small[ground].astype(np.int16) + 255
    middle = _histogram_median(np.bincount(dips, minlength=511)) - 255
    spread = 1.4826 * _histogram_median(np.bincount(np.abs(dips - 255 - middle)))
    return middle + NOISE_SPREAD * spread <= margin


def _histogram_median(counts: np.ndarray) -> int:
    """The median of the values whose histogram (count of each whole value from 0) is
    ``counts``: the lower middle value."""
    return int(np.searchsorted(np.cumsum(counts), (int(counts.sum()) + 1) // 2))


def share_of_paper(level: np.ndarray, ratio: float, margin: float) -> np.ndarray:
    """The level ``ratio`` of the paper ``level`` and at least ``margin`` levels below it: what
    ink (at that ratio) is darker than."""
    return np.minimum(level * ratio, level - margin)


def faint_writing(
    cells: np.ndarray,
    level: np.ndarray,
    dim: np.ndarray | None,
    clear: np.ndarray,
    window: int,
    cfg,
) -> np.ndarray | None:
    """The clear-ink threshold map (``clear`` as it was, of the shrunk frame) lifted where the
    writing around is itself faint (a light ballpoint or a pencil on clean paper, reaching
    ``ink_ratio`` of the paper only here and there): there what is darker than halfway between
    the paper ``level`` and the darkest mark within the paper ``window`` (of ``cells``, each
    cell's darkest pixel at full size: :func:`camdigit.core.ink_depth.darkest_cells`) is clear
    ink too, down to halfway between ``ink_ratio`` and ``faint_ratio``.
    None where nothing is lifted. Where dark ink is near, the halfway level lies below
    ``clear`` and changes nothing (a form's grey lines beside dark writing stay out); where no
    clear ink is near at all, nothing changes either (a grid's or a ruled page's faint lines
    alone); nor where the paper is ``dim`` (a desk's grain: the dim-ink rule holds there)."""
    # cells holding clear ink, and the darkest mark within the window around
    window_kernel = np.ones((window, window), np.uint8)
    near = cv2.dilate((cells < clear).astype(np.uint8), window_kernel) > 0
    if dim is not None:
        near &= ~dim
    darkest = cv2.erode(cells, window_kernel)
    pale = share_of_paper(level, cfg.pale_ratio, cfg.ink_margin)
    halfway = np.minimum((level + darkest) / 2, pale)
    lift = near & (halfway > clear)
    if not lift.any():
        return None
    return np.where(lift, halfway, clear).astype(np.float32)
