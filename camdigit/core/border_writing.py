"""Whether writing crosses a frame's border: marks along its sides that stand out as ink does.

A number held close to the camera runs out of the frame; a page's edge, a desk, a lens's dark
corners, a grid's or a ruling's lines run out of it too, and are no writing. What tells them
apart: writing crosses a side in short runs and ends within its height of it; a line runs on
into the frame, a desk or a dark corner is wider than a stroke. :mod:`.frame_margin` reads a
still again with a margin where writing crosses its border.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.pixels import runs

SIDE_SHARES = (2.0, 10.0, 50.0, 90.0, 98.0)
"""The percentiles of a side's pixels its paper is taken from (:func:`paper_levels`): from its
darker fiftieth to its brighter fiftieth (a marker's bar may cover nine tenths of a side)."""


def ground_levels(gray: np.ndarray) -> list[float]:
    """The level of the ground along each side of ``gray`` (top, bottom, left, right): the
    median of the pixels along it. Writing crossing a side covers a minority of it, dark ink
    or light; a desk along all of it is its level. :func:`.frame_margin.cut_ones` measures a
    stroke's depth below it (against :func:`paper_levels` a 1 the side cut a thirtieth of its
    height off read as a pole: the webcam photo's 19624 cropped at -0.03 of ``python -m
    benchmarks.filled_frames`` lost its 1)."""
    return [float(np.median(line)) for line in _sides(gray)]


def paper_levels(gray: np.ndarray) -> list[float]:
    """The level of the paper along each side of ``gray`` (top, bottom, left, right), to go on
    past it: of the side's percentiles :data:`SIDE_SHARES` (its median and the darker and
    brighter tenths and fiftieths), the one nearest the median of the whole border. A digit
    filling the frame may cover most of a side (a bold 0's top, a marker's 7's bar), dark ink
    or light, where :func:`ground_levels` takes the ink for the ground; the frame's whole
    border is still mostly paper. A desk along all of a side keeps about its own level (its
    grain's share nearest the paper)."""
    sides = _sides(gray)
    border = float(np.median(np.concatenate(sides)))
    levels = []
    for line in sides:
        shares = np.percentile(line, SIDE_SHARES)
        levels.append(float(shares[np.argmin(np.abs(shares - border))]))
    return levels


def writing_at_border(gray: np.ndarray, ratio: float, margin: float, depth: int) -> bool:
    """Whether writing crosses the border of ``gray``: along a side, two pixels or more that
    stand out from the ground beside them as ink does (darker than ``ratio`` of it and by
    ``margin`` levels, or as much lighter: chalk on a board), where the line ``depth`` pixels
    in from that side shows no such mark within an eighth of ``depth`` (a grid's or a
    ruling's line, a plank's streak, run on across the frame, leaning up to 7 degrees;
    writing ends within its height), in runs no longer than half ``depth`` (a line along the
    side is longer than the writing is tall). The
    ground beside a point is the line's grey closing (opening) over a quarter of the side: a
    stroke crossing it, or a digit's foot along it, is narrower; a lens's dark corners or a
    desk along part of a side are wider, and no ink."""
    height, width = gray.shape
    sides = _sides(gray)
    if depth < min(height, width) // 2:
        inner = [gray[depth], gray[-1 - depth], gray[:, depth], gray[:, -1 - depth]]
    else:  # writing as tall as half the frame: what crosses its border is its own
        inner = [None] * 4
    reach = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * (depth // 8) + 1, 1))
    for line, deeper in zip(sides, inner, strict=True):
        marked = _marks(line, ratio, margin)
        if deeper is not None and np.count_nonzero(marked) >= 2:
            runs_on = cv2.dilate(_marks(deeper, ratio, margin).view(np.uint8)[None], reach)
            marked &= runs_on.ravel() == 0
        if np.count_nonzero(_short_runs(marked, depth // 2)) >= 2:
            return True
    return False


def _short_runs(marked: np.ndarray, longest: int) -> np.ndarray:
    """``marked`` (N,) bool without its runs longer than ``longest`` (a line along the side)."""
    out = marked.copy()
    for start, end in runs(marked):
        if end - start > longest:
            out[start:end] = False
    return out


def _marks(line: np.ndarray, ratio: float, margin: float) -> np.ndarray:
    """(N,) bool: the points of ``line`` that stand out from the ground beside them as ink
    (:func:`writing_at_border`): darker than its grey closing, or lighter than its grey
    opening, whichever are a minority of the line (the ground is the rest: beside a dense
    grid's dark lines the opening is the lines' level, and the paper is no light ink)."""
    row = np.ascontiguousarray(line).reshape(1, -1)
    window = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, row.shape[1] // 4 | 1), 1))
    lit = cv2.morphologyEx(row, cv2.MORPH_CLOSE, window).astype(np.float32)
    dim = cv2.morphologyEx(row, cv2.MORPH_OPEN, window).astype(np.float32)
    value = row.astype(np.float32)
    dark = (value < np.minimum(ratio * lit, lit - margin)).ravel()
    light = (value > np.maximum(dim / ratio, dim + margin)).ravel()
    half = len(dark) / 2
    return (dark & (dark.sum() < half)) | (light & (light.sum() < half))


def _sides(gray: np.ndarray) -> list[np.ndarray]:
    """The frame's outermost rows and columns: top, bottom, left, right."""
    return [gray[0], gray[-1], gray[:, 0], gray[:, -1]]
