"""A digit's crop and the local measures that judge its ground: plain OpenCV per candidate.

Each candidate's crop is its own ink on white (a neighbour's stroke or a line in its box is
blanked), its grey divided by the paper's level there; the band around it and the contrast of
its ink over its ground's grain are the loose, local sanity bounds the finder keeps.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from camdigit.core.detections import inside_frame
from camdigit.core.preprocess import median
from camdigit.core.segmentation import CROP_PAD

_GROW = np.ones((3, 3), np.uint8)


def cut_crop(
    gray: np.ndarray,
    mask: np.ndarray,
    grown: np.ndarray,
    box: np.ndarray,
    contours: list[np.ndarray] | None,
    paper: np.ndarray,
    step: int,
    level: float | None = None,
) -> tuple[np.ndarray, int]:
    """The digit's own ink on white with a margin of ``CROP_PAD`` (white beyond the frame's
    edge), and its ink pixel count.

    The ink is the mask grown by one pixel (``grown``: the soft edge of the stroke), limited to
    the digit's filled ``contours`` when other blobs reach into the box (None: none do). Everything
    else is set to white, and grey levels are divided by the paper's level under them (the
    paper map ``paper``, ``step`` px a cell), so the crop's contrast does not depend on the
    light, nor on a shadow's edge across the digit. ``level`` is the paper's level at the
    digit's centre when the caller has it already (:func:`paper_at`).
    """
    x, y, w, h = (int(v) for v in box)
    height, width = gray.shape
    x0, y0 = max(0, x - CROP_PAD), max(0, y - CROP_PAD)
    x1, y1 = min(width, x + w + CROP_PAD), min(height, y + h + CROP_PAD)
    ink = mask[y0:y1, x0:x1]
    if contours is None:
        keep = grown[y0:y1, x0:x1]
    else:
        shape = np.zeros(ink.shape, np.uint8)
        cv2.drawContours(shape, contours, -1, 255, thickness=cv2.FILLED, offset=(-x0, -y0))
        ink = cv2.bitwise_and(ink, shape)
        keep = cv2.dilate(ink, _GROW)
    ink_area = cv2.countNonZero(ink)
    if level is None:
        level = paper_at(paper, step, box)
    scaled = _on_white(gray[y0:y1, x0:x1], paper, step, x0, y0, level)
    crop: np.ndarray = np.full(ink.shape, 255, np.uint8)
    cv2.copyTo(scaled, keep, crop)
    short = (y - y0, y1 - y - h, x - x0, x1 - x - w)  # the margin the frame's edge left
    if min(short) < CROP_PAD:  # every crop has its full margin: pieces are cut by row
        top, bottom, left, right = (CROP_PAD - m for m in short)
        crop = cv2.copyMakeBorder(crop, top, bottom, left, right, cv2.BORDER_CONSTANT, value=255)
    return crop, ink_area


EVEN_PAPER = 1.25
"""Paper under a digit at most this many times as light as at its centre is taken as one level
(a page's soft gradient; a shadow's edge across the digit is more): the ink's soft rim, which
the cuts of touching digits see as ink where it stays below white, is then where it was."""


def _on_white(
    part: np.ndarray, paper: np.ndarray, step: int, x0: int, y0: int, centre: float
) -> np.ndarray:
    """``part`` of the frame (its top left at ``x0``, ``y0``) divided by the paper's level
    under each pixel (the shrunk paper map, ``step`` px a cell, interpolated between cells'
    centres), paper white: a digit across a shadow's edge has its ink as dark on both sides
    (divided by the paper at its centre, the strokes on the lit side went white). The level
    is at least the ``centre``'s: among dense ink (digits written over each other) the map
    reads the paper a little low, and the ink would come out lighter than it is."""
    h, w = part.shape
    c0, r0 = x0 // step, y0 // step
    c1 = min(paper.shape[1], (x0 + w - 1) // step + 1)
    r1 = min(paper.shape[0], (y0 + h - 1) // step + 1)
    cells = np.maximum(paper[r0:r1, c0:c1].astype(np.float32), np.float32(centre))
    if cells.max() <= EVEN_PAPER * centre:  # an even paper, a soft gradient: one level
        return cv2.convertScaleAbs(part, alpha=255.0 / max(centre, 1.0))
    levels = cv2.resize(cells, ((c1 - c0) * step, (r1 - r0) * step), interpolation=cv2.INTER_LINEAR)
    ox, oy = x0 - c0 * step, y0 - r0 * step
    levels = levels[oy : oy + h, ox : ox + w]
    if levels.shape != part.shape:  # the frame's last cells cover less than a step
        levels = cv2.copyMakeBorder(
            levels, 0, h - levels.shape[0], 0, w - levels.shape[1], cv2.BORDER_REPLICATE
        )
    white = part.astype(np.float32) * (255.0 / np.maximum(levels, 1.0))
    return np.clip(white + 0.5, 0, 255).astype(np.uint8)


def paper_at(paper: np.ndarray, step: int, box: np.ndarray) -> float:
    """The paper level at the centre of ``box`` (frame pixels) from the shrunk paper map."""
    x, y, w, h = (int(v) for v in box)
    return float(
        paper[
            min(paper.shape[0] - 1, (y + h // 2) // step),
            min(paper.shape[1] - 1, (x + w // 2) // step),
        ]
    )


def paper_levels(paper: np.ndarray, step: int, boxes: np.ndarray) -> np.ndarray:
    """(N,) float32: :func:`paper_at` for every box of ``boxes`` (N, 4) at once."""
    x, y, w, h = boxes.astype(np.int64).T
    rows = np.minimum(paper.shape[0] - 1, (y + h // 2) // step)
    cols = np.minimum(paper.shape[1] - 1, (x + w // 2) // step)
    return paper[rows, cols].astype(np.float32)


def ring_ink(mask: np.ndarray, box: np.ndarray, grow: int) -> float:
    """Share of ink in the band ``grow`` pixels wide around ``box`` (inside the frame)."""
    x, y, w, h = (int(v) for v in box)
    height, width = mask.shape
    x0, y0 = max(0, x - grow), max(0, y - grow)
    x1, y1 = min(width, x + w + grow), min(height, y + h + grow)
    band = (x1 - x0) * (y1 - y0) - w * h
    if band <= 0:
        return 0.0
    inside = cv2.countNonZero(mask[y : y + h, x : x + w])
    return (cv2.countNonZero(mask[y0:y1, x0:x1]) - inside) / band


def ring_shares(mask: np.ndarray, boxes: np.ndarray, grow: np.ndarray) -> np.ndarray:
    """(N,) share of ink in the band ``grow`` (N,) pixels wide around each of ``boxes`` (N, 4),
    inside the frame, by one summed-area table: :func:`ring_ink` for many boxes at once."""
    table = cv2.integral((mask > 0).view(np.uint8))
    height, width = mask.shape
    x, y, w, h = boxes.astype(np.int64).T
    g = np.asarray(grow, np.int64)

    def total(x0, y0, x1, y1):
        return table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]

    x0, y0 = np.maximum(x - g, 0), np.maximum(y - g, 0)
    x1, y1 = np.minimum(x + w + g, width), np.minimum(y + h + g, height)
    band = (x1 - x0) * (y1 - y0) - w * h
    ring = total(x0, y0, x1, y1) - total(x, y, x + w, y + h)
    return np.where(band > 0, ring / np.maximum(band, 1), 0.0)


class Ground(NamedTuple):
    """How a candidate's ink stands out of the ground around it (:func:`ink_contrast`)."""

    contrast: float  # the ink's depth below the paper, in units of the ground's grain
    grain: float  # the ground's grain, a share of the paper's level: a wall's, not paper's


OTHER_GROUND = 0.6
"""Unmarked pixels darker than this share of a candidate's paper lie on another ground (a desk
beyond the page's edge, a shadow's dark side), and so do those brighter than the paper by as
much where they reach out of the candidate's surroundings and are the lesser part of them (the
lit page beyond a hard shadow's edge, for a digit in the shadow; and the pixels beside them,
whose 3x3 mean reaches across the step): not the grain of its own. A fabric's bright specks
around the candidate, and the neighbours of the dark pixels, still count: on a wall or a
carpet they are its own grain; and where most of the candidate's surroundings are that much
brighter, its paper level was taken too low (inside a marker digit's strokes)."""


def _reaching_out(marked: np.ndarray) -> np.ndarray:
    """``marked`` (uint8 0/1) without its parts that touch none of its borders."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(marked, connectivity=8)
    edge = ~inside_frame(stats[:, :4], marked.shape[1], marked.shape[0])
    edge[0] = False  # the unmarked rest
    return edge[labels].view(np.uint8)


def ink_contrast(
    gray: np.ndarray,
    grown: np.ndarray,
    marked: np.ndarray,
    box: np.ndarray,
    grow: int,
    level: float,
) -> tuple[float, float, float]:
    """How far the darkest ink in ``box`` lies below the paper's ``level`` there, in units of
    the ground's grain around it: the mean deviation of the unmarked pixels (``marked``: all
    ink, lines too) of the box grown by ``grow`` from their 3x3 mean, on a copy about 15 px
    per digit height (the same at any size).
    Grain is what texture (a wall, fabric, wood) has and paper has not; a gradient or a
    shadow is smooth, and a hard shadow's edge a step whose far side is another ground
    (:data:`OTHER_GROUND`).

    Returns that contrast, the grain as a share of the paper's level, and the ink's depth as
    a share of it."""
    x, y, w, h = (int(v) for v in box)
    height, width = gray.shape
    x0, y0 = max(0, x - grow), max(0, y - grow)
    x1, y1 = min(width, x + w + grow), min(height, y + h + grow)
    region = gray[y0:y1, x0:x1]
    ground = marked[y0:y1, x0:x1]
    shrink = max(1, h // 15)  # the grain is measured at a scale relative to the digit
    if shrink > 1:
        size = (max(1, region.shape[1] // shrink), max(1, region.shape[0] // shrink))
        region = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
        # area-shrunk, a shrunk pixel is marked when any of its pixels is: picking pixels
        # (nearest) would miss a thin line, whose darkness the shrunk grey still holds
        ground = cv2.resize(ground, size, interpolation=cv2.INTER_AREA)
    ground = cv2.compare(ground, np.zeros_like(ground), cv2.CMP_EQ)  # the unmarked ground
    # ... of this paper: a desk beyond the page's edge, darker, is another ground (a big
    # digit near the edge had the desk's side of the edge's step for its grain, and was
    # dropped as faint)
    ground[region < OTHER_GROUND * level] = 0
    # ... and so is the lit page beyond a hard shadow's edge, for a digit in the shadow: where
    # most of the ground is at the candidate's own level (a paper level taken too low, inside
    # a marker digit's strokes, leaves all its ground "brighter")
    if level < 255 * OTHER_GROUND:  # on brighter paper no grey is that much brighter
        lit = ((region > level / OTHER_GROUND) & (ground > 0)).view(np.uint8)
        if 0 < 2 * cv2.countNonZero(lit) < cv2.countNonZero(ground):
            ground[cv2.dilate(_reaching_out(lit), _GROW) > 0] = 0
    grain = cv2.absdiff(region, cv2.blur(region, (3, 3)))
    spread = cv2.mean(grain, mask=ground)[0]
    darkest = cv2.minMaxLoc(gray[y : y + h, x : x + w], mask=grown[y : y + h, x : x + w])[0]
    depth = level - darkest
    return depth / max(1.25 * spread, 1.0), spread / max(level, 1.0), depth / max(level, 1.0)


LINE_REACH = 0.5
"""A slim candidate's stroke is followed this share of its height beyond each of its ends..."""

LINE_DARK = 0.5
"""... and is a piece of a longer line when, beyond both ends, it goes on (over at least half
of the way) at least this share as dark below the paper as it is within the candidate: a
handwritten 1 ends on paper, or on the digit of the next row at one end; a seam of wood, the
edge of a page or of a shadow runs on both ways, only lighter or broken here and there."""


SIDE_STROKES = 3.0
"""... and, for a candidate standing on paper (paper this many of its stroke widths off its axis
on both sides), with paper on one side at least of that run (a line, or a page's edge): a 1
near the page's edge has the dark ground past the page beyond its ends, dark all round, while
a strip of that ground beside the page has it on one side of itself too."""


def _beside(gray: np.ndarray, xs: np.ndarray, ys: np.ndarray, ox: float, oy: float) -> np.ndarray:
    """(2, N) the pixels ``(ox, oy)`` either side of each of the points ``xs, ys`` (clipped to
    the frame)."""
    height, width = gray.shape
    return np.stack(
        [
            gray[
                np.clip(np.round(ys + sign * oy).astype(np.int64), 0, height - 1),
                np.clip(np.round(xs + sign * ox).astype(np.int64), 0, width - 1),
            ]
            for sign in (-1.0, 1.0)
        ]
    )


def line_pieces(
    gray: np.ndarray,
    mask: np.ndarray,
    inked: np.ndarray,
    boxes: np.ndarray,
    levels: np.ndarray,
) -> np.ndarray:
    """(N,) bool: which of the slim candidates ``boxes`` (x, y, w, h; ink dark in ``gray``,
    found as ``mask``, and as ``inked`` before lines were erased from it; the paper at
    ``levels``) are pieces of longer lines: past both its
    ends, along the direction from its top to its bottom, its stroke goes on (see
    :data:`LINE_REACH`, :data:`LINE_DARK`). Sampled one pixel apart, taking the darkest of three
    pixels across (a line a pixel off the candidate's axis is the same line). Not where the
    frame ends (no evidence), nor along the lines the finder found and erased (a ruled or
    grid line: a 1 written on one is the finder's to keep, and it does)."""
    height, width = gray.shape
    found = np.zeros(len(boxes), bool)
    for i, ((x, y, w, h), level) in enumerate(zip(boxes.tolist(), levels.tolist(), strict=True)):
        # first, cheaply: nothing dark enough beyond either end (in a band wide enough for a
        # slanted stroke's run) rules a line out, as most 1s stand on paper
        reach, side = max(3, int(LINE_REACH * h)), h // 4
        left, right = max(0, x - side), min(width, x + w + side)
        patch = gray[y : y + h, x : x + w]
        bound = level - LINE_DARK * (level - float(patch.min()))
        above = gray[max(0, y - reach) : max(0, y - 1), left:right]
        below = gray[min(height, y + h + 1) : min(height, y + h + reach), left:right]
        if not above.size or not below.size or above.min() > bound or below.min() > bound:
            continue
        ink = mask[y : y + h, x : x + w] > 0
        rows = np.flatnonzero(ink.any(axis=1))
        if len(rows) < 4:
            continue
        own = level - median(patch[ink])
        if own <= 0:
            continue
        band = max(1, len(rows) // 8)  # the ends: the first and last eighth of the ink's rows
        cols = np.arange(w)
        ends = []
        for end_rows in (rows[:band], rows[-band:]):
            weights = ink[end_rows].sum(axis=0)
            ends.append((x + float(cols @ weights) / max(weights.sum(), 1), y + end_rows.mean()))
        (tx, ty), (bx, by) = ends
        length = max(np.hypot(bx - tx, by - ty), 1.0)
        dx, dy = (bx - tx) / length, (by - ty) / length
        steps = np.arange(2, reach + 1, dtype=np.float64)
        # a few stroke widths off its axis on either side: paper both ways, or not
        off = max(3.0, SIDE_STROKES * ink.sum() / len(rows))
        on_paper = None
        found[i] = True
        for (ex, ey), sign in (((tx, ty), -1.0), ((bx, by), 1.0)):
            xs = np.round(ex + sign * dx * steps).astype(np.int64)
            ys = np.round(ey + sign * dy * steps).astype(np.int64)
            inside = (ys >= 0) & (ys < height) & (xs >= 1) & (xs < width - 1)
            xs, ys = xs[inside], ys[inside]
            erased = (inked[ys, xs] > 0) & (mask[ys, xs] == 0)
            if len(xs) < len(steps) // 2 or erased.mean() > 0.5:
                found[i] = False  # the frame ends there (no evidence), or along a found line
                break
            darkest = np.minimum(np.minimum(gray[ys, xs - 1], gray[ys, xs]), gray[ys, xs + 1])
            if level - median(darkest) < LINE_DARK * own:
                found[i] = False
                break
            beside = _beside(gray, xs, ys, -dy * off, dx * off).max(axis=0)
            if level - median(beside) > LINE_DARK * own:  # dark all round: a desk past the page?
                if on_paper is None:  # ... if the candidate itself stands on paper
                    along = np.linspace(0.0, length, max(4, int(length) // 4))
                    own_sides = _beside(gray, tx + dx * along, ty + dy * along, -dy * off, dx * off)
                    on_paper = level - median(own_sides.min(axis=0)) < LINE_DARK * own
                if on_paper:
                    found[i] = False
                    break
    return found


def turned_upright(crop: np.ndarray, angle: float) -> np.ndarray:
    """A crop (dark ink on white) turned by ``angle`` degrees counter-clockwise, on a canvas
    large enough to hold all of it: a digit written along a line that runs ``angle`` degrees
    down to the right, made upright."""
    h, w = crop.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(np.ceil(w * cos + h * sin)), int(np.ceil(w * sin + h * cos)))
    turn[:, 2] += (size[0] - w) / 2.0, (size[1] - h) / 2.0
    return cv2.warpAffine(
        crop, turn, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )
