"""Grouping ink into digit parts: lines erased, parts of one digit merged, blobs boxed.

Plain OpenCV and numpy on the ink mask of :mod:`camdigit.core.ink`; :mod:`camdigit.core.finder`
calls these and makes proposals of what they give.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from camdigit.core.grid_lines import GRID_CELLS, GRID_INK, GRID_MIN_PITCH, GRID_PITCH, grid_segments
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
    erased band only, the strokes of digits that crossed or touched it. A grid's line found
    whole (side length 0: :func:`camdigit.core.grid_lines.grid_segments`) lies where it was
    measured, and is mended across no more than its own band.
    """
    # lines nearer horizontal and nearer vertical apart: a stroke crossing a line is mended
    # across it, along the line's normal, not along it (that would fill the cells beside it)
    across = [np.zeros_like(mask), np.zeros_like(mask)]  # [horizontal-ish, vertical-ish]
    middles = [np.zeros_like(mask), np.zeros_like(mask)]  # bands along a grid line's middle
    widest = 5  # the widest band drawn along an outline's side
    line_band = [1, 1]  # the widest band along a grid's line, of each kind (odd)
    for outline, length, band in outlines:
        found_whole = bool(length == 0.0)  # a grid's line: its band is its width and a pixel
        if not found_whole:
            widest = max(widest, band)
            # no side of an outline is longer than its box's diagonal: most outlines (the
            # holes of a textured ground's mass, a grid's cells) have none long enough
            _, _, w, h = cv2.boundingRect(outline)
            if w * w + h * h < length * length:
                continue
        polygon = cv2.approxPolyDP(outline, 2.0, True)[:, 0, :]
        ends = np.roll(polygon, -1, axis=0)
        sides = np.hypot(*(ends - polygon).T)
        chosen = sides >= length
        for start, end in zip(polygon[chosen].tolist(), ends[chosen].tolist(), strict=True):
            steep = int(abs(end[1] - start[1]) > abs(end[0] - start[0]))
            cv2.line((middles if found_whole else across)[steep], start, end, 255, band)
            if found_whole:
                line_band[steep] = max(line_band[steep], band)
    bands = [cv2.bitwise_or(a, m) for a, m in zip(across, middles, strict=True)]
    kept = cv2.bitwise_and(mask, cv2.bitwise_not(cv2.bitwise_or(*bands)))
    # an outline's side is found from both its sides (a ruled line's own run, a cell on either
    # side of a line), so its erased band may be up to about twice the widest band drawn; a
    # grid's line found whole is erased along its middle, its band and a pixel either side
    mended = kept
    grid_side = max(3, *line_band) + 2
    for kind, side in ((across, 2 * widest + 1), (middles, grid_side)):
        for drawn, kernel in zip(kind, ((side, 1), (1, side)), strict=True):  # (rows, cols)
            if drawn.any():
                bridged = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, np.ones(kernel, np.uint8))
                mended = cv2.bitwise_or(mended, cv2.bitwise_and(bridged, drawn))
    # ... and a stroke crossing it aslant is bridged along its own slant, not along the normal
    # (the normal runs from the stroke's end above into the paper beside its end below)
    for vertical, drawn in enumerate(middles):
        if drawn.any():
            on = cv2.bitwise_and(drawn, mask)  # only what was ink: no paper is filled
            for slant in _slanted(grid_side, bool(vertical)):
                bridged = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, slant)
                mended = cv2.bitwise_or(mended, cv2.bitwise_and(bridged, on))
    # A stroke running along a grid's line, beside or over it, makes the ink there thicker
    # across the line than the line is: what stays of the ink opened by a run across the line
    # a pixel longer than its band (the line's thickness and a pixel) is that stroke's, and
    # is kept (not where lines cross: the other line runs right across this one there; and
    # not along a page's edge, whose band is drawn from its side and may hold a dark ground
    # beyond it)
    for lines, other, width, vertical in zip(
        middles, bands[::-1], line_band, (True, False), strict=True
    ):
        if lines.any():
            thick = _runs(mask, width + 1, vertical)
            alone = cv2.bitwise_and(lines, cv2.bitwise_not(other))
            mended = cv2.bitwise_or(mended, cv2.bitwise_and(thick, alone))
    return mended


SLANTS = (30.0, 45.0, 60.0)
"""Slants from a line's normal (degrees, either way) along which a stroke crossing a grid's line
is bridged across its band: a stroke 60 degrees off the normal (30 off the line) still crosses
it; one flatter runs along it (:func:`_runs` keeps it where it is thicker than the line)."""


@lru_cache(maxsize=32)
def _slanted(across: int, vertical: bool) -> tuple[np.ndarray, ...]:
    """Line kernels that span ``across`` pixels along a line's normal at each of :data:`SLANTS`
    either way (a vertical line's normal is horizontal); made once per band width."""
    kernels = []
    for degrees in SLANTS:
        for sign in (1.0, -1.0):
            length = across / np.cos(np.radians(degrees))
            size = int(np.ceil(length)) | 1
            middle = size // 2
            along = sign * np.sin(np.radians(degrees)) * length / 2
            normal = np.cos(np.radians(degrees)) * length / 2
            dx, dy = (normal, along) if vertical else (along, normal)
            kernel = np.zeros((size, size), np.uint8)
            start = (round(middle - dx), round(middle - dy))
            cv2.line(kernel, start, (round(middle + dx), round(middle + dy)), 1, 1)
            kernels.append(kernel)
    return tuple(kernels)


def _runs(mask: np.ndarray, run: int, vertical: bool) -> np.ndarray:
    """The ink of ``mask`` in runs at least ``run`` pixels long, down or across: an opening,
    its dilation anchored at the mirror of its erosion's anchor (OpenCV anchors both alike,
    which for an even run moves the ink it keeps a pixel)."""
    kernel = np.ones((run, 1) if vertical else (1, run), np.uint8)
    anchor = run // 2
    mirror = run - 1 - anchor
    eroded = cv2.erode(mask, kernel, anchor=(0, anchor) if vertical else (anchor, 0))
    return cv2.dilate(eroded, kernel, anchor=(0, mirror) if vertical else (mirror, 0))


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


def line_outlines(
    mask: np.ndarray,
    longest: float,
    found: tuple[list[np.ndarray], np.ndarray] | None = None,
    outer_boxes: np.ndarray | None = None,
) -> list[tuple[np.ndarray, float, int]]:
    """Outer and hole contours of every blob longer than ``longest`` pixels, either way, each
    with the least length of a side that is a line: ``longest`` itself, or for the cells of a
    grid (a blob with many holes), 0.6 of the grid's pitch (measured: the median cell's side);
    and the width of the band to erase along it: twice the line's measured thickness and a
    little, at least 5 px.

    Holes matter: a page outline on a desk is a ring whose inner edge is a line too (and the
    digits inside it are blobs of their own, not part of it), and a grid as dark as the ink is
    one blob whose cells are holes, digits written on it are part of it.

    ``found`` is :func:`all_contours` of ``mask`` and ``outer_boxes`` its outer contours'
    boxes, where the caller has them: a textured ground has thousands of contours, and only
    the holes of long blobs need a box here.
    """
    contours, parents = found if found is not None else all_contours(mask)
    if not contours:
        return []
    outer = np.flatnonzero(parents < 0)
    if outer_boxes is None:
        outer_boxes = blob_boxes([contours[i] for i in outer.tolist()])
    long_outer = np.zeros(len(contours), bool)
    long_outer[outer] = (outer_boxes[:, 2:] > longest).any(axis=1)
    holes = (parents >= 0) & long_outer[np.maximum(parents, 0)]
    boxes = np.zeros((len(contours), 4), np.int32)  # the boxes of those holes alone
    boxes[holes] = blob_boxes([contours[i] for i in np.flatnonzero(holes).tolist()])
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
            grids.extend(
                (segment, 0.0, middle)
                for segment, middle in grid_segments(
                    mask, contours[blob], pitch, MAX_BAND, thickness
                )
            )
    return [
        (contours[i], side[i], int(band[i])) for i in np.flatnonzero(long_outer | holes).tolist()
    ] + grids


def blob_boxes(contours: list[np.ndarray]) -> np.ndarray:
    if not contours:
        return np.zeros((0, 4), np.int32)
    return np.array([cv2.boundingRect(c) for c in contours], np.int32).reshape(-1, 4)


PAIR_GAP = 0.25
"""Parts side by side may be one digit when the paper between them is at most this share of
their joint height (a thin pen's 4 whose stroke misses its corner; a 5's flag; a 4 written in
two strokes, its stem put down up to a quarter of its height from its corner: at 0.2 a
webcam's form lost such a 4, read as a 1 beside a 6)."""

PAIR_OVERLAP = 0.5
"""... and they share at least this share of the shorter one's height (one line, not two)."""


def side_by_side(boxes: np.ndarray, wide: float) -> list[tuple[int, int]]:
    """Pairs (left, right) of candidate boxes (M, 4) that may be one digit written in parts
    side by side: on one line, close, together no wider than a digit is (:data:`DIGIT_ASPECT`),
    neither wider than ``wide`` times its height (a blob that wide is cut, not joined). Each
    box is in at most one pair, the closest (paper between them over their joint height) of
    those it may make with a box not yet paired; the model chooses between the parts apart
    and together."""
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
    # the closest pairs first: a 9's loop and its stem before the 1 beside the loop
    left, right = np.nonzero(ok)
    order = np.argsort(gap[left, right] / joint_h[left, right], kind="stable")
    pairs = []
    used = np.zeros(len(boxes), bool)
    for i, j in zip(left[order].tolist(), right[order].tolist(), strict=True):
        if not (used[i] or used[j]):
            used[i] = used[j] = True
            pairs.append((i, j))
    return sorted(pairs, key=lambda pair: (x[pair[0]], pair[0]))
