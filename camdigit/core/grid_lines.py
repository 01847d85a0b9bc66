"""The lines of a grid as dark as the ink (graph paper), found whole and placed to the pixel.

A digit written on graph paper crosses the grid's lines and often runs along one (a 5's bar on
a line, a 0's side beside it). The lines must go, the strokes must stay: so each line is found
whole where it runs straight across several cells (:func:`grid_segments`), then its middle and
its thickness are measured across it where nothing else touches it, and only a band that thick
and a pixel more along that middle is erased (:func:`camdigit.core.segmentation.erase_lines`).
A band drawn wider, as wide as the line's position is uncertain, takes a stroke beside the line
with it.
"""

from __future__ import annotations

import cv2
import numpy as np

GRID_CELLS = 8
"""A line blob with at least this many holes is a grid: its cells' sides are lines too."""

GRID_PITCH = 3.0
"""... and its cells are at least this many times as wide as its lines are (a fabric's weave or
a wall's pores have holes hardly wider than the threads between them)."""

GRID_MIN_PITCH = 8.0
"""... and at least this many pixels wide (noise and grain make holes of a pixel or two)."""

GRID_INK = 0.5
"""... if its lines cover less than this share of it (a grid's cells take most of its area)."""

GRID_RUN = 4.0
"""A grid's line is found where it runs straight across at least this many cells: no digit
written on the grid has a straight stroke that long."""

REACH = 4
"""A line's ink is looked for this many pixels either side of where it was found (a segment
found on a line's ink lies on it, at one of its edges when it is thick)."""

STEP = 2.0
"""... every this many pixels along it."""

MIN_CLEAR = 3
"""A line is placed only where at least this many of its cross-sections hold its ink alone."""


def grid_segments(
    mask: np.ndarray, contour: np.ndarray, pitch: float, widest: int
) -> list[tuple[np.ndarray, int]]:
    """The straight lines of a grid blob (its outer ``contour`` in ``mask``, cells ``pitch``
    pixels apart), each as a two-point segment along the line's middle and the width of the
    band to erase there (the line's thickness measured across it, and a pixel: odd, at most
    ``widest``), found where they run on through the digits written across them (a digit's
    stroke splits the cells it crosses, so the cells' own sides miss the line there)."""
    x, y, w, h = cv2.boundingRect(contour)
    filled = np.zeros((h, w), np.uint8)
    cv2.drawContours(filled, [contour], -1, 255, cv2.FILLED, offset=(-x, -y))
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
    placed = [_placed(ink, segment) for segment in found.reshape(-1, 2, 2).astype(np.float64)]
    thick = [t for _, t in placed if t is not None]
    # the grid's lines are printed alike: their thickness is the grid's, measured on them all
    thickness = float(np.median(np.concatenate(thick))) if thick else 2.0
    band = min(int(np.ceil(thickness)) + 1, widest) | 1
    return [(np.round(ends + (x, y)).astype(np.int32).reshape(2, 1, 2), band) for ends, _ in placed]


def _placed(ink: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """A segment's ends moved onto its line's middle, and the line's thickness at each
    cross-section where the line's ink is alone (one run, clear of the ends of the
    cross-section; None where fewer than :data:`MIN_CLEAR` are); the ends unchanged then."""
    start, end = ends
    length = float(np.hypot(*(end - start)))
    if length < 1.0:
        return ends, None
    along = (end - start) / length
    normal = np.array([-along[1], along[0]])
    steps = np.arange(0.0, length, STEP)
    offsets = np.arange(-REACH, REACH + 1, dtype=np.float64)
    points = start + steps[:, None, None] * along + offsets[None, :, None] * normal
    cols = np.clip(np.round(points[..., 0]).astype(np.int64), 0, ink.shape[1] - 1)
    rows = np.clip(np.round(points[..., 1]).astype(np.int64), 0, ink.shape[0] - 1)
    section = ink[rows, cols] > 0  # (steps, offsets)
    count = section.sum(axis=1)
    rises = np.diff(section.astype(np.int8), axis=1)
    alone = (
        (count > 0)
        & ((rises == 1).sum(axis=1) <= 1)
        & ((rises == -1).sum(axis=1) <= 1)
        & ~section[:, 0]
        & ~section[:, -1]
    )
    if alone.sum() < MIN_CLEAR:
        return ends, None
    middle = (section[alone] * offsets).sum(axis=1) / count[alone]
    at = steps[alone]
    # the middle as a straight line along the segment: a least-squares fit, fitted again
    # without the sections a pixel off it (a stroke running along the line, joined to it)
    slope, shift = np.polyfit(at, middle, 1)
    near = np.abs(middle - (shift + slope * at)) <= 1.0
    if MIN_CLEAR <= near.sum() < len(at):
        slope, shift = np.polyfit(at[near], middle[near], 1)
    moved = np.array([start + shift * normal, end + (shift + slope * length) * normal])
    return moved, count[alone].astype(np.float64)
