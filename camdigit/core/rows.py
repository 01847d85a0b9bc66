"""Rows of writing: the frame's digit height measured row by row, and where a blob two rows
tall (a digit's stem reaching down into the digit below it) may be cut between them.

A page written in close rows gives blobs that span two rows: a column of parts (a 5 above a 3
with a gap between them) or one blob (a 7 whose stem touches the 4 below). Both must not make
the frame's digit height look like two rows', and both are proposed row by row as well as
whole, for the model to choose: a column by the finder
(:func:`camdigit.core.alternatives.add_rows`), one blob by the pipeline where the model doubts
it whole (:func:`row_cuts`, in :meth:`camdigit.core.pipeline.Recognizer.find`'s second look).
"""

from __future__ import annotations

import numpy as np

from camdigit.core.cuts import MIN_PIECE_HEIGHT, cut_paths, spans
from camdigit.core.lines import MAX_LINK_GAP
from camdigit.core.proposals import END, NARROW, ROWS
from camdigit.core.segmentation import CROP_PAD, group_boxes
from camdigit.core.slant import paper_between

ROW_SLOTS = 32
"""Lattice nodes between two rows' nodes: room for the digits side by side in one row."""

ROW_PIECE = 1.5
"""A blob cut between rows gives pieces at most this many of the frame's typical digit heights
tall (a tall digit of its row; two rows' digits together are more)."""


def bands(boxes: np.ndarray) -> list[np.ndarray]:
    """The parts (boxes, (M, 4)) of a column split at every vertical gap between them: the
    indices of each band's parts, top to bottom (one band where no gap runs across)."""
    order = np.argsort(boxes[:, 1], kind="stable")
    top, bottom = boxes[order, 1], boxes[order, 1] + boxes[order, 3]
    return np.split(order, _band_starts(top, bottom, np.zeros(len(order), np.int64))[1:].tolist())


def _band_starts(top: np.ndarray, bottom: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Where bands begin among parts sorted by ``owner`` (their column), then by ``top``: at
    each column's first part, and at each part whose top lies at or below every bottom of its
    column above it (a vertical gap runs across)."""
    # each column's bottom so far (a later column's offset lifts it above every earlier one's)
    offset = owner * (int(bottom.max()) + 1) if len(bottom) else owner
    reached = np.maximum.accumulate(bottom + offset) - offset
    return np.flatnonzero(np.r_[True, (owner[1:] != owner[:-1]) | (top[1:] >= reached[:-1])])


def row_nodes(count: int) -> list[int]:
    """The lattice nodes of a column of ``count`` rows, top to bottom: 0, one node per border
    between two rows (:data:`ROW_SLOTS` apart, below :data:`camdigit.core.proposals.ROWS`), and
    :data:`camdigit.core.proposals.END`."""
    return [0, *(ROWS - (count - i) * ROW_SLOTS for i in range(1, count)), END]


def typical_height(
    boxes: np.ndarray, group: np.ndarray, chosen: np.ndarray, rows: float, least: int
) -> float:
    """The frame's typical digit height: the median height of the ``chosen`` groups of parts
    ``boxes`` (``group``: each part's group), a group more than ``rows`` times that median
    tall counted as its bands (:func:`bands`) at least ``least`` px tall. In close rows a
    column of several rows' digits, and single blobs two rows tall beside it, can outnumber
    the digits standing alone, and a median of whole groups takes a column for a digit. 0 when
    nothing is chosen."""
    heights = group_boxes(boxes, group)[chosen, 3]
    if not len(heights):
        return 0.0
    first = float(np.median(heights))
    tall = heights > rows * first
    if not tall.any():
        return first
    inside = np.isin(group, chosen[tall])
    parts, owner = boxes[inside], group[inside]
    order = np.lexsort((parts[:, 1], owner))  # by group, then top down
    parts, owner = parts[order], owner[order]
    top, bottom = parts[:, 1], parts[:, 1] + parts[:, 3]
    starts = _band_starts(top, bottom, owner)
    bands_tall = np.maximum.reduceat(bottom, starts) - np.minimum.reduceat(top, starts)
    every = np.concatenate([heights[~tall], bands_tall[bands_tall >= least]])
    return float(np.median(every)) if len(every) else first


def two_rows(boxes: np.ndarray, writing: float, rows: float) -> np.ndarray:
    """(N,) bool: the boxes that may hold a digit of each of two rows of writing ``writing``
    px tall: more than ``rows`` times that tall, taller than wide (a blob as wide as tall is
    touching digits side by side, cut across, not between rows) and at least
    :data:`camdigit.core.proposals.NARROW` of the writing wide (not one stroke: a column of
    1s, a seam or a streak of a ground)."""
    width, height = boxes[:, 2], boxes[:, 3]
    if writing <= 0:
        return np.zeros(len(boxes), bool)
    return (height > rows * writing) & (height > width) & (width >= NARROW * writing)


BESIDE = 0.5
"""A mark is beside a row's piece when their heights overlap by at least this share of the
shorter: a digit of the same row, ..."""

BESIDE_REACH = MAX_LINK_GAP
"""... and at most this many heights of the taller away along the row, as far as the line
finder chains neighbours (:data:`camdigit.core.lines.MAX_LINK_GAP`): on a page turned in view,
a mark far along the line stands level with the hook of an integral sign at its start."""


def lone_rows(boxes: np.ndarray, group: np.ndarray, row_piece: np.ndarray) -> np.ndarray:
    """(N,) bool: the chosen pieces of blobs cut between rows not to report: every ``row_piece``
    of a ``group`` one of which has no mark beside it (another group's box, outside its blob,
    whose height overlaps the piece's by :data:`BESIDE`, within :data:`BESIDE_REACH`). A blob
    two rows tall on a page of rows has its rows' digits beside its pieces; a symbol taller
    than its line's writing (an integral sign beside one line) cut across its stroke has
    nothing beside its hook above the line, which reads as a sure 0, and its stem as a sure 1."""
    lone = np.zeros(len(boxes), bool)
    tops, bottoms = boxes[:, 1], boxes[:, 1] + boxes[:, 3]
    for g in np.unique(group[row_piece]).tolist():
        mine = group == g
        x0, y0 = boxes[mine, :2].min(axis=0)
        x1, y1 = (boxes[mine, :2] + boxes[mine, 2:]).max(axis=0)
        within = (boxes[:, 0] >= x0) & (tops >= y0) & (boxes[:, 0] + boxes[:, 2] <= x1)
        outside = ~mine & ~(within & (bottoms <= y1))
        for i in np.flatnonzero(mine & row_piece).tolist():
            overlap = np.minimum(bottoms, bottoms[i]) - np.maximum(tops, tops[i])
            level = overlap >= BESIDE * np.minimum(boxes[:, 3], boxes[i, 3])
            away = paper_between(boxes[i : i + 1], boxes)[0]  # along the row where level
            near = away <= BESIDE_REACH * np.maximum(boxes[:, 3], boxes[i, 3])
            if not (outside & level & near).any():
                lone[mine & row_piece] = True
                break
    return lone


def row_pieces(
    crop: np.ndarray, box, typical: float
) -> tuple[list[tuple[list[int], np.ndarray, int, int]], int]:
    """A blob two rows tall cut between them: the routes from its left edge to its right that
    cross the least ink (:func:`camdigit.core.cuts.cut_paths` on the crop turned on its side)
    where the blob narrows to a joint (the paper between the rows reaching in from its sides,
    or a row of far less ink than its fullest; where no joint shows, nothing is cut: unlike
    touching digits of a number, a row is not written over the one below it), and the ink
    between two of them (or an end) as tall as a digit of writing ``typical`` px tall may be
    (from half to :data:`ROW_PIECE` times that). Each piece is (box, crop, upper cut, lower
    cut), cuts numbered from 1 top down (0: the blob's top, cuts + 1: its bottom); ``crop`` is
    the blob's own (``CROP_PAD`` px of paper around its ink), ``box`` its box in the frame.
    Returns the pieces and the number of cuts."""
    inner_h, inner_w = crop.shape[0] - 2 * CROP_PAD, crop.shape[1] - 2 * CROP_PAD
    x, y, w, h = (int(v) for v in box)
    sx, sy = w / max(inner_w, 1), h / max(inner_h, 1)  # the crop's pixels to the frame's
    span = typical / sy
    ink = crop[CROP_PAD : CROP_PAD + inner_h, CROP_PAD : CROP_PAD + inner_w] < 255
    cuts = cut_paths(ink.T, round(span), shares=False)
    pieces = []
    side = np.ascontiguousarray(crop.T)
    for i, j, piece, (py, px, ph, pw) in spans(side, cuts, ROW_PIECE * span):  # x is y
        if ph < MIN_PIECE_HEIGHT * span:
            continue  # a sliver between two cuts, not a row's digit
        scaled = [x + round(px * sx), y + round(py * sy), round(pw * sx), round(ph * sy)]
        pieces.append((scaled, np.ascontiguousarray(piece.T), i, j))
    return pieces, len(cuts)


def row_cuts(crop: np.ndarray, box, writing: float) -> list[tuple[list[int], np.ndarray, int, int]]:
    """:func:`row_pieces` of a blob in a frame whose writing is ``writing`` px tall, each with
    its lattice nodes (:func:`row_nodes`) in place of its cuts' numbers."""
    pieces, cuts = row_pieces(crop, box, writing)
    nodes = row_nodes(cuts + 1)
    return [(piece_box, piece, nodes[i], nodes[j]) for piece_box, piece, i, j in pieces]
