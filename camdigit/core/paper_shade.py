"""Where the paper is dim, and whether a dim ground is the page in shade or a ground beside it.

On a dim ground ink must be much darker than the ground (``FinderConfig.dim_ink``), so that the
grain of a desk around the page is not read as writing. But the page itself is dim where a hand,
a head or a lamp's fall-off shades it, and a pencil there is only a little darker than the
shaded paper: under the dim-ground rule it vanishes. The two are told apart by how they are
reached from the lit page: shade falls off gradually across smooth paper, while a desk meets the
page at its edge in a step, or is grainy all over. So a dim ground reached from the brightest
paper through gradual, sparsely marked ground is the page in shade and keeps the page's ink
threshold, and so are the pockets of dense writing it encloses (a felt pen marks much of the
ground around its strokes); a ground behind a step or a grain stays dim.
"""

from __future__ import annotations

import cv2
import numpy as np

_GROW = np.ones((3, 3), np.uint8)

STEP = 0.05
"""A step: the ground (the frame, strokes closed away) changes by at least this share of the lit
page's level per pixel of the shrunk copy (1/160 of the frame's shorter side). A page's edge on
a dark desk drops by most of the lit level within a pixel or two; a soft shadow falls off by a
fraction of it over many pixels. On the measuring stick (``python -m benchmarks.run``, seeds
2026, 13 and 21) any share from 0.03 to 0.08 reads the same."""

ALONG = 2.0
"""Ground along a side of the frame (a desk around the page) covers a stretch of it longer than
this many widths of the paper window that bridges it: a stroke crossing the side, bridged by
the window, so narrower than it, covers at most two of its widths (one slanting across it at
30 degrees)."""

SPARSE = 0.25
"""Paper is sparsely marked: within two paper windows around a point, less than this share of
the ground is marked (darker than the faint-ink level of the ground). Writing leaves most of
its page's paper bare; a grainy desk's grain marks about half of it (the desk of
``tests/test_paper_shade.py`` is kept dim by this alone). Writing denser than this in shade
stays under the dim-ground rule, as before."""


def bright_level(paper: np.ndarray) -> float:
    """The level of the brightest tenth of the paper estimate: the well-lit page."""
    counts = np.bincount(paper.ravel(), minlength=256)
    above = np.cumsum(counts[::-1])
    return float(255 - np.searchsorted(above, 0.1 * counts.sum()))


def dim_ground(paper: np.ndarray, bright: float, dim_share: float) -> np.ndarray | None:
    """Where the paper estimate is dim, below ``dim_share`` of the well-lit page's ``bright``;
    None where nowhere (a well-lit page: nothing to lower)."""
    dim = paper < dim_share * bright
    return dim if dim.any() else None


def off_page(
    small: np.ndarray,
    paper: np.ndarray,
    dim: np.ndarray | None,
    bright: float,
    window: int,
    faint_ratio: float,
) -> np.ndarray | None:
    """The part of ``dim`` (see :func:`dim_ground`) that is not the page in shade; None where
    none is left.

    ``small`` is the shrunk frame, ``paper`` its paper estimate, ``window`` the narrowest paper
    window (odd, a few stroke widths): a closing by it takes the strokes away, so the writing on
    a shaded page does not wall the shade off from the lit page. Out of the frame counts as
    black, and the band half a window wide along the frame's border joins nothing: a strip of
    desk between the page and the frame's border, narrower than the window, is not closed over
    into page, nor is everything along the border joined through the band. A mark is darker
    than ``faint_ratio`` of the ground.
    """
    if dim is None:
        return None
    kernel = np.ones((window, window), np.uint8)
    ground = cv2.morphologyEx(
        small, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0
    ).astype(np.float32)
    slope = cv2.morphologyEx(ground, cv2.MORPH_GRADIENT, _GROW) / 2
    marked = (small < faint_ratio * ground).astype(np.float32)
    around = 2 * window + 1
    sparse = cv2.blur(marked, (around, around)) < SPARSE
    smooth = slope < STEP * bright
    gradual = (smooth & sparse).view(np.uint8)
    edge = max(1, window // 2)  # where the closing sees the black beyond the frame: no join
    gradual[:edge] = gradual[-edge:] = gradual[:, :edge] = gradual[:, -edge:] = 0
    count, regions = cv2.connectedComponents(gradual, connectivity=4)
    lit = np.zeros(count, bool)
    lit[regions[(paper >= bright) & (gradual > 0)]] = True
    lit[0] = False  # the steps and the grain themselves
    page = lit[regions]
    dim = dim & ~page & ~_written_pockets(page, smooth, edge)
    return dim if dim.any() else None


def _written_pockets(page: np.ndarray, smooth: np.ndarray, edge: int) -> np.ndarray:
    """(h, w) bool: the pockets of writing in the page in shade: the stretches of ground that
    ``page`` (the lit page and the shade reached from it) encloses, away from the frame's
    border band ``edge`` wide, and that are ``smooth`` throughout (no step: they only failed
    :data:`SPARSE`, marked densely, as a felt pen's digit marks the ground around it). A desk
    reaches the frame's border; a dark thing lying on the page meets it in a step."""
    count, pockets = cv2.connectedComponents((~page).view(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros(page.shape, bool)
    band = np.zeros(page.shape, bool)
    band[:edge] = band[-edge:] = band[:, :edge] = band[:, -edge:] = True
    apart = np.bincount(pockets[band | ~smooth], minlength=count) == 0
    apart[0] = False  # the page itself
    return apart[pockets]


def bridged_ground(
    desk: np.ndarray,
    paper: np.ndarray,
    wider: np.ndarray,
    window: int,
    bright: float,
    cfg,
) -> np.ndarray | None:
    """(h, w) bool: the ground around the page (a desk, a wall; ``desk``: :func:`off_page` of
    the first paper estimate) that the ``window`` wide closing ``wider`` bridges, or None. A
    closing bridges a band of desk along a side of the frame up to half the window deep, and
    what it bridges reads as ink joined to the writing on the page, running out of the frame.
    It is the desk dim in the ``paper`` estimate so far, not in ``wider``, joined to desk the
    window does not bridge (a marker stroke the narrower window took for dim paper is bridged
    whole, even where it reaches the page's edge), holding squares half the window wide (what
    lies past the border counted as desk: a band along a side a quarter of the window deep;
    the strokes the window is for are at most a third of it wide), along a stretch of a side
    (:data:`ALONG`), and within half the window of it."""
    dim = desk & (paper < cfg.dim_paper * bright)
    bridged = wider >= cfg.dim_paper * bright
    count, regions = cv2.connectedComponents(dim.view(np.uint8), connectivity=8)
    beyond = np.zeros(count, bool)
    beyond[regions[dim & ~bridged]] = True
    beyond[0] = False
    dim &= bridged & beyond[regions]
    if not dim.any():
        return None
    side = (window // 2) | 1
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    core = cv2.erode(dim.view(np.uint8), square, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    wide = cv2.dilate(core, square, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    count, regions = cv2.connectedComponents(wide, connectivity=8)
    along = np.zeros(count, bool)
    for line in (regions[0], regions[-1], regions[:, 0], regions[:, -1]):
        starts = np.concatenate([[0], np.flatnonzero(np.diff(line)) + 1])
        runs = np.diff(np.concatenate([starts, [len(line)]]))
        along[line[starts[runs > ALONG * window]]] = True
    along[0] = False
    if not along.any():
        return None
    out = along[regions]
    reach = max(1, window // 2)
    out[reach:-reach, reach:-reach] = False
    return out
