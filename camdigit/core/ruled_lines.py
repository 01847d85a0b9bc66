"""Ruled lines, a grid, a page's edge: found among the ink's blobs and erased, the digits'
strokes across and along them mended.

A blob longer than any digit is a line or holds lines (:func:`line_outlines`: its outline's
straight sides, or a grid's lines found whole by :mod:`camdigit.core.grid_lines`), and a band
as wide as the line is measured to be is erased along each (:func:`erase_lines`). A line that
writing crosses shows as straight pieces on one line, each shorter than a line, which together
cover a line's length (:func:`broken_line_sides`).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from camdigit.core.grid_lines import blob_lines, grid_segments, grid_shaped
from camdigit.core.segmentation import all_contours, blob_boxes

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
    the holes of long blobs need a box here (and only those a line's length across are
    outlines).
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
        area, hole_area, pitch, thickness = blob_lines(
            contours, blob, cells.tolist(), boxes[cells, 2:]
        )
        band[blob] = band[cells] = min(max(5, int(2 * thickness) + 3), MAX_BAND) | 1
        # A grid is mostly its cells (thin lines around them), not a blot of ink with pinholes
        # (a marker's stroke on grainy paper): its cells hold most of its area
        if grid_shaped(len(cells), area, hole_area, pitch, thickness):
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
    # no side of a hole is longer than its box's diagonal: most holes (of a textured ground's
    # mass, a grid's cells) have none a line's length, and are no outline to look along
    holes &= (boxes[:, 2:].astype(np.int64) ** 2).sum(axis=1) >= longest**2
    return [
        (contours[i], side[i], int(band[i])) for i in np.flatnonzero(long_outer | holes).tolist()
    ] + grids


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
    size = (mask.shape[1], mask.shape[0])
    widest = 5  # the widest band drawn along an outline's side
    by_band: dict[tuple[int, int], np.ndarray] = {}  # a grid's lines of each kind and band
    for outline, length, band in outlines:
        polygon = cv2.approxPolyDP(outline, 2.0, True)[:, 0, :]
        ends = np.roll(polygon, -1, axis=0)
        found_whole = bool(length == 0.0)  # a grid's line: its band is its width, odd
        if found_whole:  # every side of it
            chosen = np.ones(len(polygon), bool)
        else:
            chosen = broken_line_sides(polygon, length, size)
        for start, end in zip(polygon[chosen].tolist(), ends[chosen].tolist(), strict=True):
            steep = int(abs(end[1] - start[1]) > abs(end[0] - start[0]))
            if found_whole:
                if (steep, band) not in by_band:
                    by_band[steep, band] = np.zeros_like(mask)
                cv2.line(by_band[steep, band], start, end, 255, band)
            else:
                cv2.line(across[steep], start, end, 255, band)
        if not found_whole:
            widest = max(widest, band)
    middles = [np.zeros_like(mask), np.zeros_like(mask)]  # bands along a grid line's middle
    line_band = [1, 1]  # the widest band along a grid's line, of each kind (odd)
    for (steep, band), drawn in by_band.items():
        cv2.bitwise_or(middles[steep], drawn, dst=middles[steep])
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
    # a pixel longer than its band (the line's thickness, odd) is that stroke's, and
    # is kept (not where lines cross: the other line runs right across this one there; and
    # not along a page's edge, whose band is drawn from its side and may hold a dark ground
    # beyond it)
    # (each line by its own band: one line measured thicker keeps no stroke along the others)
    for (steep, width), lines in by_band.items():
        thick = _runs(mask, width + 1, vertical=not steep)
        alone = cv2.bitwise_and(lines, cv2.bitwise_not(bands[1 - steep]))
        mended = cv2.bitwise_or(mended, cv2.bitwise_and(thick, alone))
    return mended


PIECE = 0.25
"""A straight side of an outline at least this share of a line's length may be a piece of a
line that writing crosses (:func:`broken_line_sides`)..."""

ON_LINE = 3.0
"""... and another side lies on the same line where both its ends are within this many pixels
of it (the outline's polygon follows the ink within 2 px, and a pixel more for a line's own
wobble)..."""

ALONG = 0.9
"""... and it runs along it: the cosine of the angle between them at least this (a short side
of a stroke crossing the line has both ends near it too)."""

EDGE = 2
"""A line runs out of the frame where one of its sides ends within this many pixels of the
frame's edge."""


def broken_line_sides(polygon: np.ndarray, length: float, size: tuple[int, int]) -> np.ndarray:
    """(N,) bool: which sides of an outline's polygon ((N, 2) x, y; side k from vertex k to
    the next) in a frame of ``size`` (width, height) run along a line at least ``length``
    long: sides that long themselves, and the sides lying on one straight line
    (:data:`ON_LINE`, :data:`ALONG`) with a side of at least :data:`PIECE` of that length,
    where they cover that long a stretch of it, run along it both ways (a thin line's two
    edges), one of them ends at the frame's edge (:data:`EDGE`), and the outline reaches off
    the line by that piece's share (writing crosses it).

    A digit written across a line, or touching it at two places, breaks the line's outline
    into sides each shorter than a line, most of all in a close-up, where a ruled line or a
    margin runs only a digit or two long across the frame: its pieces still lie on one
    straight line, and cover a line's length of it. The edge of something wide (a fabric's
    stripe) runs along its line one way only; a line alone, however ragged (a page's edge
    seen as a hairline), is left to the finder's other checks, which drop a stub of it in a
    blob of its own as a piece of the line it runs on along, not once that line is erased;
    nor is a table's or a box's line, ending at its corners inside the frame (erased in
    pieces, it leaves stubs of its walls that read as 1s), broken by the marks in its cells:
    a page's ruled lines and margin run across the frame."""
    starts = polygon.astype(np.float64)
    ends = np.roll(starts, -1, axis=0)
    vectors = ends - starts
    sides = np.hypot(vectors[:, 0], vectors[:, 1])
    chosen = sides >= length
    anchors = np.flatnonzero(~chosen & (sides >= PIECE * length))
    if len(anchors) == 0:
        return chosen
    # each anchor's line as a unit normal and an offset; [side or vertex, anchor] below
    units = vectors / np.maximum(sides, 1e-9)[:, None]
    normals = np.stack([-units[anchors, 1], units[anchors, 0]], axis=1)
    offsets = (normals * starts[anchors]).sum(axis=1)
    away = np.abs(starts @ normals.T - offsets)
    near = (away <= ON_LINE) & (np.abs(ends @ normals.T - offsets) <= ON_LINE)
    on_line = near & (np.abs(units @ units[anchors].T) >= ALONG)
    written = away.max(axis=0) >= PIECE * length
    width, height = size
    out = (starts.min(axis=1) <= EDGE) | (starts[:, 0] >= width - 1 - EDGE)
    out |= starts[:, 1] >= height - 1 - EDGE  # [vertex]: at the frame's edge
    for anchor in np.flatnonzero(written).tolist():
        on = on_line[:, anchor]
        direction = units[anchors[anchor]]
        if not (units[on] @ direction < 0).any():
            continue  # one edge only: something wide's
        if not (out & (on | np.roll(on, 1))).any():
            continue  # no side's end at the frame's edge: a table's or a box's line
        # the stretch of the line its sides cover (a thin line's two edges cover it once)
        spans = np.sort(np.stack([starts[on] @ direction, ends[on] @ direction], axis=1))
        if _covered(spans) >= length:
            chosen |= on
    return chosen


def _covered(spans: np.ndarray) -> float:
    """The length of the union of (N, 2) intervals (each low, high)."""
    total, reach = 0.0, -np.inf
    for low, high in spans[np.argsort(spans[:, 0])].tolist():
        if high > reach:
            total += high - max(low, reach)
            reach = high
    return total


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
