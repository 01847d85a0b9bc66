"""How tall the frame's digits are: the writing's blobs as the finder measures them
(:func:`blob_writing_height`, the lines and windows it derives from them), and the heights the
proposals' shapes are judged against (:func:`camdigit.core.proposals.log_odds`): the writing
the model read, the digits standing apart, and the blob each cut piece was cut from."""

from __future__ import annotations

import numpy as np

from camdigit.core.cuts import MAX_WIDTH
from camdigit.core.detections import inside_frame
from camdigit.core.grid_lines import GRID_CELLS, alike_cells, blob_lines, grid_shaped, hole_sides
from camdigit.core.proposals import uncut


def writing_height(boxes: np.ndarray, digits: np.ndarray) -> float:
    """The frame's typical digit height: the median height of the proposals the model read as
    digits (``digits``, a mask); 0 (no measure) when there are none."""
    heights = boxes[digits, 3]
    return float(np.median(heights)) if len(heights) else 0.0


STANDING = 5
"""Digits read whole (uncut, without alternatives) needed to measure the frame's standing writing
(:func:`standing_height`); with fewer, cut pieces are held to no height below."""


def standing_height(boxes: np.ndarray, whole: np.ndarray) -> float:
    """The height of the frame's digits that stand apart: the median height of the proposals
    ``whole`` marks (read as digits, uncut and without alternatives), when there are
    :data:`STANDING` of them; else 0 (a strip of touching digits has none to measure by)."""
    if int(whole.sum()) < STANDING:
        return 0.0
    return float(np.median(boxes[whole, 3]))


def piece_heights(
    boxes: np.ndarray,
    group: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    across: np.ndarray,
    standing: float,
) -> np.ndarray:
    """(N,) float: the height each proposal is held to as a piece (``log_odds``' ``standing``;
    0: none). The frame's ``standing`` digits' height (:func:`standing_height`) where it has
    them; where too few digits stand apart to measure (a formula among letters, a short line),
    each piece cut ``across`` its blob (a mask: between touching digits, not between rows)
    is held to its own blob's height read whole: the digits of a number written touching are
    as tall as the blob they make, the strokes of a letter cut apart are not (a cursive x cut
    into a 7, a 6 and its tail read as a sure 1, half as tall)."""
    if standing > 0:
        return np.full(len(boxes), standing)
    whole = uncut(start, end)
    blob = np.zeros(int(group.max()) + 1 if len(group) else 0)
    np.maximum.at(blob, group[whole], boxes[whole, 3])
    return np.where(across, blob[group], 0.0) if len(group) else np.zeros(0)


def _grids(outlines: tuple[list[np.ndarray], np.ndarray], among: np.ndarray) -> np.ndarray:
    """(N,) bool: which outer contours of ``outlines`` (:func:`all_contours`; in the order of
    :func:`camdigit.core.segmentation.outer_contours`) ``among`` a mask of them are grids
    (:func:`camdigit.core.grid_lines.grid_shaped`, its cells of one size: a number written
    along a cheque's line, its loops and the gaps it closes with the line, is writing)."""
    contours, parents = outlines
    outer = np.flatnonzero(parents < 0)
    counts = np.bincount(parents[parents >= 0], minlength=len(parents))[outer]
    grids = np.zeros(len(outer), bool)
    for k in np.flatnonzero((counts >= GRID_CELLS) & among).tolist():
        blob = int(outer[k])
        cells = np.flatnonzero(parents == blob).tolist()
        sides = hole_sides([contours[c] for c in cells])
        measures = blob_lines(contours, blob, cells, sides)
        grids[k] = grid_shaped(len(cells), *measures) and alike_cells(sides)
    return grids


def blob_writing_height(
    boxes: np.ndarray, outlines: tuple, shape: tuple, min_h: int, min_aspect: float
) -> float:
    """How tall the writing is: the 90th percentile of the heights of ``boxes`` shaped like a
    digit or a few touching ones (the tallest writing, robust to a stray blob) that the frame
    (of ``shape``) shows whole, where any is (a digit the border cuts is shorter than it is:
    a few whole digits among many cut ones, the tallest, a 1, was erased as a line), not a
    grid's (:func:`_grids` of ``outlines``: graph paper as dark as the ink, all the digits
    written across it in it, taken for the writing made its lines too short to be lines in a
    frame taller than wide, and no digit was found). 0 when there are none."""
    w, h = boxes[:, 2], boxes[:, 3]
    shaped = (h >= min_h) & (w <= MAX_WIDTH * h) & (w >= min_aspect * h)
    whole = shaped & inside_frame(boxes, shape[1], shape[0])
    shaped = whole if whole.any() else shaped
    heights = h[shaped & ~_grids(outlines, shaped)]
    if len(heights) == 0:
        return 0.0
    k = int(np.ceil(0.9 * (len(heights) - 1)))
    return float(np.partition(heights, k)[k])  # np.percentile costs far more on a few dozen
