"""Grouping ink into digit parts: lines erased, parts of one digit merged, blobs boxed.

Plain OpenCV and numpy on the ink mask of :mod:`camdigit.core.ink`; :mod:`camdigit.core.finder`
calls these and makes proposals of what they give.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.proposals import DIGIT_ASPECT

CROP_PAD = 2
"""Paper kept around a digit's box in its crop, in pixels."""

_BLOCK = 256
"""Rows per block of the pairwise box comparisons (bounds their memory on cluttered frames)."""


def erase_lines(mask: np.ndarray, outlines: list[tuple[np.ndarray, float, int]]) -> np.ndarray:
    """Erase the straight lines (ruled lines, a grid, the page's edge) that border ``outlines``.

    The outlines (outer and hole contours of blobs larger than any digit, each with its least
    side length and the width of the band to erase, from the line's measured thickness) are
    simplified to polygons; every polygon side longer than that runs along a straight line, at
    any tilt, and a band along it is erased. A closing across each line then mends, inside the
    erased band only, the strokes of digits that crossed or touched it.
    """
    # lines nearer horizontal and nearer vertical apart: a stroke crossing a line is mended
    # across it, along the line's normal, not along it (that would fill the cells beside it)
    across = [np.zeros_like(mask), np.zeros_like(mask)]  # [horizontal-ish, vertical-ish]
    widest = 5
    line_width = [1, 1]  # the thickest grid line of each kind
    middles = [np.zeros_like(mask), np.zeros_like(mask)]  # bands along a grid line's middle
    for outline, length, band in outlines:
        polygon = cv2.approxPolyDP(outline, 2.0, True)[:, 0, :]
        ends = np.roll(polygon, -1, axis=0)
        sides = np.hypot(*(ends - polygon).T)
        chosen = sides >= length
        for start, end in zip(polygon[chosen].tolist(), ends[chosen].tolist(), strict=True):
            steep = int(abs(end[1] - start[1]) > abs(end[0] - start[0]))
            cv2.line(across[steep], tuple(start), tuple(end), 255, band)
            if length == 0.0:  # a grid's line found whole: its band is its width and 3 px
                cv2.line(middles[steep], tuple(start), tuple(end), 255, band)
                line_width[steep] = max(line_width[steep], band - 3)
        widest = max(widest, band)
    erase = cv2.bitwise_or(*across)
    kept = cv2.bitwise_and(mask, cv2.bitwise_not(erase))
    # a line is found from both its sides (a grid's cells on either side of it, its own run),
    # so its erased band may be up to about twice the widest band drawn
    side = 2 * widest + 1
    mended = kept
    for lines, kernel in zip(across, ((side, 1), (1, side)), strict=True):  # (rows, columns)
        if lines.any():
            bridged = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, np.ones(kernel, np.uint8))
            mended = cv2.bitwise_or(mended, cv2.bitwise_and(bridged, lines))
    # A stroke running along a grid's line, beside or over it, makes the ink there thicker
    # across the line than the line is: what stays of the ink opened by a run across the line
    # a few pixels longer than the line is wide is that stroke's, and is kept (not where
    # lines cross: the other line runs right across this one there; and not along a page's
    # edge, whose band is drawn from its side and may hold a dark ground beyond it)
    for lines, other, width, vertical in zip(
        middles, across[::-1], line_width, (True, False), strict=True
    ):
        if lines.any():
            run = width + 3
            along = np.ones((run, 1) if vertical else (1, run), np.uint8)
            thick = cv2.morphologyEx(mask, cv2.MORPH_OPEN, along)
            alone = cv2.bitwise_and(lines, cv2.bitwise_not(other))
            mended = cv2.bitwise_or(mended, cv2.bitwise_and(thick, alone))
    return mended


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


MAX_BAND = 11
"""Widest band erased along a line, in pixels: what is thicker is a region (a desk, a shadow),
whose edge only is erased."""

GRID_CELLS = 8
"""A line blob with at least this many holes is a grid: its cells' sides are lines too."""

GRID_PITCH = 3.0
"""... and its cells are at least this many times as wide as its lines are (a fabric's weave or
a wall's pores have holes hardly wider than the threads between them)."""

GRID_MIN_PITCH = 8.0
"""... and at least this many pixels wide (noise and grain make holes of a pixel or two)."""

GRID_INK = 0.5
"""... if its lines cover less than this share of it (a grid's cells take most of its area)."""


def line_outlines(mask: np.ndarray, longest: float) -> list[tuple[np.ndarray, float, int]]:
    """Outer and hole contours of every blob longer than ``longest`` pixels, either way, each
    with the least length of a side that is a line: ``longest`` itself, or for the cells of a
    grid (a blob with many holes), 0.6 of the grid's pitch (measured: the median cell's side);
    and the width of the band to erase along it: twice the line's measured thickness and a
    little, at least 5 px.

    Holes matter: a page outline on a desk is a ring whose inner edge is a line too (and the
    digits inside it are blobs of their own, not part of it), and a grid as dark as the ink is
    one blob whose cells are holes, digits written on it are part of it.
    """
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    parents = hierarchy[0][:, 3]
    boxes = blob_boxes(list(contours))
    long = (boxes[:, 2:] > longest).any(axis=1)
    long_outer = long & (parents < 0)
    holes = (parents >= 0) & long_outer[np.maximum(parents, 0)]
    side = np.full(len(contours), float(longest))
    band = np.full(len(contours), 5, np.int64)
    grids: list[tuple[np.ndarray, float, int]] = []
    for blob in np.flatnonzero(long_outer).tolist():
        cells = np.flatnonzero(holes & (parents == blob))
        # The line's thickness: twice its ink area over its outline, holes counted (a thick
        # or blurred border leaves bars beside a band narrower than itself).
        hole_area = sum(cv2.contourArea(contours[c]) for c in cells.tolist())
        area = cv2.contourArea(contours[blob]) - hole_area
        outline = cv2.arcLength(contours[blob], True) + sum(
            cv2.arcLength(contours[c], True) for c in cells.tolist()
        )
        thickness = 2.0 * max(area, 0.0) / max(outline, 1.0)
        band[blob] = band[cells] = min(max(5, int(2 * thickness) + 3), MAX_BAND) | 1
        # A grid is mostly its cells (thin lines around them), not a blot of ink with pinholes
        # (a marker's stroke on grainy paper): its cells hold most of its area
        pitch = float(np.median(boxes[cells, 2:].min(axis=1))) if len(cells) else 0.0
        if (
            len(cells) >= GRID_CELLS
            and area < GRID_INK * (area + hole_area)
            and pitch >= max(GRID_MIN_PITCH, GRID_PITCH * thickness)
        ):
            # A grid: its cells' sides are lines, and so are its lines found whole along their
            # middles, where the digits written across them split the cells beside them (the
            # band there is the line's own width and a little: it crosses the digits)
            holes[cells] = False
            middle = min(max(3, int(thickness) + 3), MAX_BAND) | 1
            grids.extend(
                (segment, 0.0, middle) for segment in _grid_segments(mask, contours, blob, pitch)
            )
    return [
        (contours[i], side[i], int(band[i])) for i in np.flatnonzero(long_outer | holes).tolist()
    ] + grids


GRID_RUN = 4.0
"""A grid's line is found where it runs straight across at least this many cells: no digit
written on the grid has a straight stroke that long."""


def _grid_segments(mask: np.ndarray, contours, blob: int, pitch: float) -> list[np.ndarray]:
    """The straight lines of a grid blob, as two-point segments, found where they run on
    through the digits written across them (a digit's stroke splits the cells it crosses, so
    the cells' own sides miss the line there)."""
    x, y, w, h = cv2.boundingRect(contours[blob])
    filled = np.zeros((h, w), np.uint8)
    cv2.drawContours(filled, [contours[blob]], -1, 255, cv2.FILLED, offset=(-x, -y))
    ink = cv2.bitwise_and(filled, mask[y : y + h, x : x + w])  # a thin line is its cells' edge
    run = int(GRID_RUN * pitch)
    # a faint grid's thin lines break up: half the run's pixels, gaps of up to half a cell
    found = cv2.HoughLinesP(
        ink,
        1,
        np.pi / 360,
        threshold=run // 2,
        minLineLength=run,
        maxLineGap=max(3, int(pitch / 2)),
    )
    if found is None:
        return []
    return [
        np.array([[[x0 + x, y0 + y]], [[x1 + x, y1 + y]]], np.int32)
        for x0, y0, x1, y1 in found.reshape(-1, 4).tolist()
    ]


def blob_boxes(contours: list[np.ndarray]) -> np.ndarray:
    if not contours:
        return np.zeros((0, 4), np.int32)
    return np.array([cv2.boundingRect(c) for c in contours], np.int32).reshape(-1, 4)


PAIR_GAP = 0.2
"""Parts side by side may be one digit when the paper between them is at most this share of
their joint height (a thin pen's 4 whose stroke misses its corner; a 5's flag)."""

PAIR_OVERLAP = 0.5
"""... and they share at least this share of the shorter one's height (one line, not two)."""


def side_by_side(boxes: np.ndarray, wide: float) -> list[tuple[int, int]]:
    """Pairs (left, right) of candidate boxes (M, 4) that may be one digit written in parts
    side by side: on one line, close, together no wider than a digit is (:data:`DIGIT_ASPECT`),
    neither wider than ``wide`` times its height (a blob that wide is cut, not joined). Each
    box is in at most one pair, its nearest neighbour's; the model chooses between the parts
    apart and together."""
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
    pairs = []
    used = np.zeros(len(boxes), bool)
    for i in np.argsort(x, kind="stable").tolist():
        if used[i]:
            continue
        options = np.flatnonzero(ok[i] & ~used)
        if len(options):
            j = int(options[np.argmin(gap[i, options])])
            used[i] = used[j] = True
            pairs.append((i, j))
    return pairs
