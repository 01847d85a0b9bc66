"""Printed boxes of a form: the cells a number is written into, one digit per cell.

A form's comb of boxes (or one box) is printed as dark as the ink, and the digits written in it
touch its walls: left in the ink mask, a wall reads as a 1 and takes the digit it touches
along, and the frame of a lone box swallows its digit. Its lines are too short to be erased as
ruled lines (a comb of three cells is only about four digits wide), so boxes are found by their
shape instead, at any size:

- a blob with at least one hole whose outline fills its least rectangle, or one of whose holes
  does (a frame, or a cell of it; not a 0 or an 8, whose outlines and holes are round), or
  with two holes or more, wider than tall, whose outline fills the four corners of its hull
  (a comb seen aslant, its posts leaning, a digit touching each cell: a leaning box fills
  less of its least rectangle, and so do its cells), found with two cells or more; where
  the frame's border cuts it (a camera seeing part of a form), which straightens its outline,
  a comb's one row of cells, seen with the border as its cut cell's wall or, failing that,
  as the cells the border left whole (a grid's row is left to the ruled lines' eraser);
- not mostly ink: its lines are thin against the cells they enclose;
- turned upright by that rectangle (or, where that shows no box, warped upright from the four
  corners of its hull, when they are near square: a box seen in perspective, its lines
  converging), columns of ink running across the whole box between its
  top and bottom lines (within a pixel, with gaps of a few per cent of it) at both its ends
  are its walls, the columns between them that do so too the walls between its cells, and
  rows that run along its whole width between its end walls its top and bottom lines, found
  within the box's own edges (a digit written across a line sticks out of it), each thinner
  than a marker's stroke;
- its lines meeting at its four corners (a thick 0's ring runs round them);
- one row (or column) of cells: a grid or a table is left to the ruled lines' eraser;
- written in: ink inside its cells (an empty box is left as it is, and so is a 0 or an 8 with
  straight sides).

A form printed in grey, its lines a pixel wide from a desk's distance, keeps them in the ink
only here and there: its boxes are looked for at the faint level too (:func:`faint_box_lines`).

A handwritten stroke never runs straight across a whole box: a 1 written in a cell is slanted,
shorter than the cell or broken at one of its ends. The lines found are erased along bands a
little wider than they are (:func:`erase_boxes`), without mending across them what touched
them: digits written in cells touch a wall from either side, and a mend would join them.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.box_views import RECT_FILL, seen_at_a_slant, walls_and_lines
from camdigit.core.form_combs import Segment, comb_lines
from camdigit.core.form_fields import field_outlines
from camdigit.core.ruled_lines import MAX_BAND  # a box's line is a ruled line's width at most
from camdigit.core.segmentation import all_contours

CELL_FILL = 0.9
"""... or one of its holes fills this share of its own least rectangle (a cell; the hole of a 0
is round)."""

MAX_INK = 0.7
"""A box's lines (and the digits touching them) cover at most this share of its area (a small
box's blurred lines take much of it; a blot with pinholes has no wall between its ends)."""

ASLANT_LINES = 5
"""A blob shaped like a box only seen aslant (its outline filling its hull's four corners, not
its least rectangle, nor any cell its own) is a comb of two cells or more: its top and bottom
lines and three posts at least. One box aslant whose digit touches its walls is not told from
a hand-drawn checkbox with a tick in it, which left alone reads as a 3 (a clutter page of the
measuring stick, seed 13)."""

NEAR = 2
"""What is left of a box's line within this many pixels of its erased band is the line's own
edge: a slightly tilted line spreads beyond the columns it covers along all its length."""


def erase_boxes(mask: np.ndarray, lines: list[Segment]) -> np.ndarray:
    """``mask`` with the bands along ``lines`` (from :func:`box_lines`) cleared, and what is
    left wholly within a few pixels of them: a slightly tilted line's edge beside its band,
    which would read as a 1 (a digit touching the line reaches beyond)."""
    erased = mask.copy()
    if not lines:
        return erased
    near = np.zeros_like(mask)
    for start, end, band in lines:
        cv2.line(erased, start, end, 0, band)
        cv2.line(near, start, end, 255, band + 2 * NEAR)
    x, y, w, h = cv2.boundingRect(near)
    crop, close = erased[y : y + h, x : x + w], near[y : y + h, x : x + w] > 0
    _, labels = cv2.connectedComponents(crop)
    beyond = np.unique(labels[(crop > 0) & ~close])
    crop[~np.isin(labels, beyond)] = 0
    return erased


def box_lines(
    mask: np.ndarray, contours: list[np.ndarray], parents: np.ndarray, min_side: int
) -> list[Segment]:
    """The lines of every printed box or comb of boxes in the ink ``mask`` at least
    ``min_side`` pixels on its shorter side; ``contours`` and ``parents`` are the mask's outer
    and hole contours and each one's parent (:func:`camdigit.core.segmentation.all_contours`).
    Closed boxes first, then combs whose lines broke (:mod:`camdigit.core.form_combs`) in
    what they leave."""
    found = _closed_boxes(mask, contours, parents, min_side)
    if found:
        return found + comb_lines(erase_boxes(mask, found), min_side)
    return comb_lines(mask, min_side, [c for c, p in zip(contours, parents, strict=True) if p < 0])


KNOWN_REACH = 3
"""A blob at the faint level whose extent is within this many pixels, on each side, of a box
found in the ink is that box (its lines a pixel or two wider at the faint level)."""

FAINT_EDGE = 1
"""A line found at the faint level is this many pixels wider on each side than its ink: its
soft edges, which its erasing band leaves alone (a digit's stroke beside a wall stays whole)."""


def faint_box_lines(faint: np.ndarray, min_side: int, found: list[Segment]) -> list[Segment]:
    """The lines of the printed boxes the ``faint`` mask (what is darker than the faint level)
    shows closed: a form printed in grey, its lines a pixel wide or less once a camera sees it
    from a desk's distance, keeps them only here and there in the ink, and its cells open into
    the digits written in them, where :func:`box_lines` finds no box, or part of one; at the
    faint level its cells close. Their bands are narrowed by :data:`FAINT_EDGE` on each side,
    to the line's ink. A blob that spans one of the boxes ``found`` in the ink, no more (its
    lines a pixel wider), is that box: not looked at again. Where the ink showed no form at
    all, a comb whose lines are only faint is looked for too (:func:`comb_lines` at the faint
    level: a comb printed in grey, or its lines smeared by a camera moving along its posts;
    its posts, clear ink, read as 1s)."""
    contours, parents = all_contours(faint)
    known = _spans(found, faint.shape)
    lines = _closed_boxes(faint, contours, parents, min_side, known)
    if not found:  # where the ink showed no form: a comb whose lines are only faint
        outer = [c for c, p in zip(contours, parents, strict=True) if p < 0]
        rest, outlines = (erase_boxes(faint, lines), None) if lines else (faint, outer)
        lines += comb_lines(rest, min_side, outlines)
    return [(a, b, max(1, band - 2 * FAINT_EDGE)) for a, b, band in lines]


def _spans(lines: list[Segment], shape: tuple[int, ...]) -> np.ndarray:
    """(N, 4) x0, y0, x1, y1: the extent of each box or comb of ``lines`` (those that touch;
    :func:`camdigit.core.form_fields.field_outlines`) in a frame of ``shape``."""
    if not lines:
        return np.zeros((0, 4), np.int64)
    outlines, corner, _ = field_outlines(lines, shape)
    rects = np.array([cv2.boundingRect(o) for o in outlines], np.int64).reshape(-1, 4)
    return np.column_stack([rects[:, :2] + corner, rects[:, :2] + rects[:, 2:] + corner])


def _closed_boxes(
    mask: np.ndarray,
    contours: list[np.ndarray],
    parents: np.ndarray,
    min_side: int,
    known: np.ndarray | None = None,
) -> list[Segment]:
    """The lines of the boxes of ``mask`` found by their holes (see the module's doc); a blob
    whose extent is within :data:`KNOWN_REACH` pixels of one of ``known`` (x0, y0, x1, y1)
    is skipped."""
    found: list[Segment] = []
    hole_ids = np.flatnonzero(parents >= 0)
    if not len(hole_ids):
        return found
    # each blob's holes, grouped once (a textured ground has thousands of contours)
    hole_ids = hole_ids[np.argsort(parents[hole_ids], kind="stable")]
    blobs, firsts = np.unique(parents[hole_ids], return_index=True)
    height, width = mask.shape
    for blob, members in zip(blobs.tolist(), np.split(hole_ids, firsts[1:]), strict=True):
        outline = contours[blob]
        x, y, w, h = cv2.boundingRect(outline)
        spans = (x, y, x + w, y + h)
        if known is not None and (np.abs(known - spans).max(axis=1) <= KNOWN_REACH).any():
            continue  # a box found in the ink already
        cut = x == 0 or y == 0 or x + w == width or y + h == height
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(outline)
        if min(rw, rh) < min_side:
            continue
        area = cv2.contourArea(outline)
        holes = [contours[c] for c in members.tolist()]
        hole_areas = [cv2.contourArea(c) for c in holes]
        if area - sum(hole_areas) > MAX_INK * area:
            continue
        if cut:
            # the frame's border cuts it (a camera seeing part of a form), straightening its
            # outline: a comb's row of cells is looked at as the cells the border left whole,
            # with their lines (a grid's rows are the ruled lines' eraser's)
            if not _comb_row(holes, hole_areas):
                continue
            outline = _closed_part(mask, holes, (x, y, w, h))
            px, py, pw, ph = cv2.boundingRect(outline)
            if px == 0 or py == 0 or px + pw == width or py + ph == height:
                continue  # no cell clear of the border (a 0's ring the border flattens)
            area = cv2.contourArea(outline)
            (cx, cy), (rw, rh), angle = cv2.minAreaRect(outline)
        # shaped like a box, or holding a cell shaped like one (a digit sticking far out of
        # its box widens the box's rectangle; a cell no digit touches keeps its shape), or
        # like a comb of cells seen aslant, its digits touching its walls: a row of cells,
        # wider than tall, not a 0 (one hole) or an 8 (taller) written square and leaning
        boxy = area >= RECT_FILL * rw * rh or any(
            hole_area >= CELL_FILL * np.prod(cv2.minAreaRect(hole)[1])
            for hole, hole_area in zip(holes, hole_areas, strict=True)
        )
        if not boxy and not (len(holes) > 1 and w > h and seen_at_a_slant(outline, area)):
            continue
        lines = walls_and_lines(mask, outline, area, (cx, cy), (rw, rh), angle)
        if not boxy and len(lines) < ASLANT_LINES:
            continue  # one box aslant: a checkbox's tick would be left to read as a digit
        if cut and lines and not _cut_across(lines, (x, y, w, h), mask.shape):
            lines = []  # a grid's row, the walls of the next row running on to the border
        found.extend(lines)
    return found


def _cut_across(lines: list[Segment], box: tuple[int, int, int, int], shape: tuple) -> bool:
    """Whether the frame's border cuts the blob of ``box`` across the row of cells its
    ``lines`` make (at the end of a row as wide as its lines span, or of a column), not
    along it."""
    x, y, w, h = box
    height, width = shape[:2]
    ends = np.array([end for segment in lines for end in segment[:2]], np.float64)
    if np.ptp(ends[:, 0]) >= np.ptp(ends[:, 1]):  # a row: cut at its left or right end
        return x == 0 or x + w == width
    return y == 0 or y + h == height


def _comb_row(holes: list[np.ndarray], areas: list[float]) -> bool:
    """Whether a blob's ``holes`` (of ``areas``) hold two cells or more in one row or column,
    as a comb's do (their centres within half a cell of one line), not over a plane as a
    grid's do, nor one alone, as a 0's ring flattened by the frame's border; the holes far
    smaller than the largest (a 0's or an 8's, written in a cell) do not count."""
    least = 0.25 * max(areas)
    cells = [hole for hole, area in zip(holes, areas, strict=True) if area >= least]
    if len(cells) < 2:
        return False
    boxes = np.array([cv2.boundingRect(h) for h in cells], np.float32)
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    _, (a, b), _ = cv2.minAreaRect(centres)
    return min(a, b) <= 0.5 * float(np.median(boxes[:, 2:].min(axis=1)))


def _closed_part(
    mask: np.ndarray, holes: list[np.ndarray], box: tuple[int, int, int, int]
) -> np.ndarray:
    """The outline of the ink of the blob of ``box`` around its closed ``holes`` (the cells
    the frame's border left whole, their lines up to :data:`MAX_BAND` thick): the comb the
    border cut, less its cut cell."""
    x, y, w, h = box
    cells = np.zeros((h, w), np.uint8)
    points = np.concatenate([hole.reshape(-1, 2) for hole in holes]) - (x, y)
    cv2.fillPoly(cells, [cv2.convexHull(points.astype(np.int32))], 255)
    around = cv2.dilate(cells, np.ones((2 * MAX_BAND + 1,) * 2, np.uint8))
    part = cv2.bitwise_or(cv2.bitwise_and(around, mask[y : y + h, x : x + w]), cells)
    outlines, _ = cv2.findContours(part, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE, offset=(x, y))
    return max(outlines, key=cv2.contourArea)
