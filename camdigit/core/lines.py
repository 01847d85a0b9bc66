"""Text lines: which digits stand on one written line, in reading order, and the gaps between them.

People write numbers along lines that a camera sees tilted (a page turned up to 35 degrees),
bent by perspective, and with digits of uneven height (a short 0 beside a tall 7). Lines are
therefore followed digit to digit rather than cut by horizontal bands:

1. the page's writing direction is the most common direction from a digit to its nearest
   neighbours (within 45 degrees of horizontal: writing runs left to right);
2. each digit links to the digit that most plausibly follows it: near along the link, the link
   close to the writing direction, and of a similar height. Links are made cheapest first, each
   digit continuing into one digit and continued from one, so chains of links never fork;
3. chains that continue each other along one straight line (a wide gap between two numbers
   stops a chain) are joined into one line;
4. lines are read top to bottom across the writing direction, each left to right.

Gaps are measured between the digits' ink along the line, not between box centres (a 1 is
narrow), the ink taken for the ellipse inscribed in each box: on a tilted line the corners of a
digit's upright box hold no ink.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_TILT = 45.0
"""Largest angle (degrees) between a link and the horizontal: writing runs left to right."""

MAX_LINK_GAP = 2.0
"""Digits further apart along a link than this many digit heights are not chained (a line may
still join them, see :data:`MAX_LINE_OFFSET`)."""

MAX_HEIGHT_RATIO = 1.8
"""Digits of one line differ in height by at most this factor (a short 0 beside a tall 7)."""

MAX_LINE_OFFSET = 0.6
"""Chains are one line when each one's end lies within this many digit heights of the other's
line, across the writing direction."""

NARROW = 0.5
"""A digit narrower than this share of its line's median width (a 1) counts as that wide when
gaps are measured: writers leave a whole digit's room for it."""

FOOT = 0.5
"""Directions between digits are taken between points this far from a digit's centre to the
bottom of its box: a short 0 beside a tall 7 shares the baseline, not the middle, but the
bottom of a turned digit's box strays from the baseline."""

MIN_OVERLAP = 0.4
"""Neighbours on a line overlap across it by at least this share of the shorter one's height."""

STRAIGHT = 20.0
"""Links first turn at most this many degrees from the page's writing direction."""

TURNED_GAP = 1.0
"""Digits left alone then link at a steeper turn when at most this many heights apart."""

TURNED_OVERLAP = 0.1
"""... and still overlap in height by this share of the shorter (rows of a page do not)."""

TURN_PENALTY = 1.5
"""Cost of a link turned 45 degrees from the writing direction, in digit heights of gap."""


@dataclass(frozen=True)
class Line:
    """One written line: its digits in reading order and the gaps between neighbours."""

    members: tuple[int, ...]  # indices into the frame's detections, along the line
    gaps: np.ndarray  # (len - 1,) float: ink gap between neighbours along the line, pixels
    heights: np.ndarray  # (len,) float: each digit's height across the line, untilted
    angle: float  # degrees: the line's direction (positive: down to the right)


def find_lines(boxes: np.ndarray) -> list[Line]:
    """The text lines of a frame's digit boxes ``(N, 4)`` x, y, w, h, in reading order."""
    n = len(boxes)
    if n == 0:
        return []
    b = boxes.astype(np.float64)
    w, h = np.maximum(b[:, 2], 1.0), np.maximum(b[:, 3], 1.0)
    centres = b[:, :2] + np.stack([w, h], axis=1) / 2
    feet = centres + np.stack([np.zeros_like(h), FOOT * h / 2], axis=1)  # towards the baseline
    pairs = _ray_gaps(centres, feet, w, h)
    page = _page_angle(*pairs)
    chains = _chains(centres, w, h, page, *pairs)
    lines = _join_chains(chains, feet, h, page)
    return _reading_order(lines, centres, feet, w, h, page)


def _ray_gaps(
    centres: np.ndarray, feet: np.ndarray, w: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every pair: the direction from one digit's foot to the other's (degrees, x to the
    right: digits of uneven height stand on one baseline), the gap between the two boxes along
    the line between their centres, and the pair's taller height."""
    d = centres[None] - centres[:, None]
    dist = np.hypot(d[..., 0], d[..., 1])
    step = feet[None] - feet[:, None]
    angle = np.degrees(np.arctan2(step[..., 1], step[..., 0]))
    cos = np.maximum(np.abs(d[..., 0]) / np.maximum(dist, 1e-9), 1e-9)
    sin = np.maximum(np.abs(d[..., 1]) / np.maximum(dist, 1e-9), 1e-9)
    # distance from each box's centre to its border along the ray
    exit_i = np.minimum(w[:, None] / 2 / cos, h[:, None] / 2 / sin)
    exit_j = np.minimum(w[None] / 2 / cos, h[None] / 2 / sin)
    gap = dist - exit_i - exit_j
    taller = np.maximum(h[:, None], h[None])
    return angle, gap, taller


def _page_angle(angle: np.ndarray, gap: np.ndarray, taller: np.ndarray) -> float:
    """The writing direction (degrees): the mode of the directions to each digit's two nearest
    neighbours that lie within :data:`MAX_TILT` of horizontal, weighted by nearness."""
    n = len(angle)
    if n < 2:
        return 0.0
    folded = (angle + 90.0) % 180.0 - 90.0  # either way along a line
    near = gap / taller
    np.fill_diagonal(near, np.inf)
    usable = (np.abs(folded) <= MAX_TILT) & (near <= MAX_LINK_GAP)
    near = np.where(usable, near, np.inf)
    k = min(2, n - 1)
    nearest = np.argpartition(near, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(n), k)
    cols = nearest.ravel()
    ok = np.isfinite(near[rows, cols])
    if not ok.any():
        return 0.0
    angles = folded[rows[ok], cols[ok]]
    weights = 1.0 / (1.0 + np.maximum(near[rows[ok], cols[ok]], 0.0))
    grid = np.arange(-MAX_TILT, MAX_TILT + 0.5, 1.0)
    score = (weights[None] * np.exp(-0.5 * ((grid[:, None] - angles[None]) / 6.0) ** 2)).sum(1)
    return float(grid[int(score.argmax())])


def _chains(
    centres: np.ndarray,
    w: np.ndarray,
    h: np.ndarray,
    page: float,
    angle: np.ndarray,
    gap: np.ndarray,
    taller: np.ndarray,
) -> list[list[int]]:
    """Digits linked to the digit that follows each, cheapest links first.

    Links first follow the page's writing direction (within :data:`STRAIGHT` degrees); then
    digits left alone may link at a steeper turn, closer: a number turned on its own.
    """
    n = len(centres)
    turn = np.abs(angle - page)
    shorter = np.minimum(h[:, None], h[None])
    dx = centres[None, :, 0] - centres[:, None, 0]
    ok = (
        (dx > 0)
        & (np.abs(angle) <= MAX_TILT + 5.0)
        & (gap <= MAX_LINK_GAP * taller)
        & (taller <= MAX_HEIGHT_RATIO * shorter)
    )
    cost = gap / taller + TURN_PENALTY * (turn / MAX_TILT) ** 2
    # across the writing direction, digits of one line overlap (rows of a page do not)
    _, ink_h = _ink_extent(w, h, page)
    t = math.radians(page)
    across = centres @ np.array([-math.sin(t), math.cos(t)])
    overlap = np.minimum(
        across[:, None] + ink_h[:, None] / 2, across[None] + ink_h[None] / 2
    ) - np.maximum(across[:, None] - ink_h[:, None] / 2, across[None] - ink_h[None] / 2)
    shared = overlap / np.minimum(ink_h[:, None], ink_h[None])
    right = np.full(n, -1)
    left = np.full(n, -1)
    _link(np.where(ok & (shared >= MIN_OVERLAP) & (turn <= STRAIGHT), cost, np.inf), right, left)
    alone = (right < 0) & (left < 0)
    top, bottom = centres[:, 1] - h / 2, centres[:, 1] + h / 2
    upright = (
        np.minimum(bottom[:, None], bottom[None]) - np.maximum(top[:, None], top[None])
    ) / shorter
    steep = (
        ok
        & (gap <= TURNED_GAP * taller)
        & (upright >= TURNED_OVERLAP)
        & alone[:, None]
        & alone[None]
    )
    _link(np.where(steep, cost, np.inf), right, left)
    chains = []
    for start in np.flatnonzero(left < 0):
        chain = [int(start)]
        while right[chain[-1]] >= 0:
            chain.append(int(right[chain[-1]]))
        chains.append(chain)
    return chains


def _link(cost: np.ndarray, right: np.ndarray, left: np.ndarray) -> None:
    """Make links cheapest first, each digit continuing into one and continued from one."""
    n = len(right)
    for flat in np.argsort(cost, axis=None):
        i, j = divmod(int(flat), n)
        if not np.isfinite(cost[i, j]):
            break
        if right[i] < 0 and left[j] < 0:
            right[i], left[j] = j, i


def _direction(points: np.ndarray, default: float) -> float:
    """Angle (degrees) of the straight line through ``points`` (total least squares)."""
    if len(points) < 2:
        return default
    d = points - points.sum(axis=0) / len(points)  # the mean, bit for bit, without its overhead
    sxx, syy, sxy = float(d[:, 0] @ d[:, 0]), float(d[:, 1] @ d[:, 1]), float(d[:, 0] @ d[:, 1])
    angle = 0.5 * math.degrees(math.atan2(2 * sxy, sxx - syy))
    return (angle + 90.0) % 180.0 - 90.0  # pointing right


def _join_chains(
    chains: list[list[int]], feet: np.ndarray, h: np.ndarray, page: float
) -> list[list[int]]:
    """Chains that continue each other on one straight baseline, joined (nearest first)."""
    m = len(chains)
    angles = np.radians([_direction(feet[c], page) if len(c) > 2 else page for c in chains])
    heights = np.array([_median(h[c]) for c in chains])
    end = feet[[c[-1] for c in chains]]  # (m, 2): where each chain stops ...
    start = feet[[c[0] for c in chains]]  # ... and starts
    d = start[None] - end[:, None]  # [a, b]: from the end of a to the start of b
    tilt = np.degrees(np.arctan2(d[..., 1], d[..., 0]))
    size = np.minimum(heights[:, None], heights[None])
    # across a's line at b's start, and across b's line at a's end
    off_a = np.abs(-np.sin(angles)[:, None] * d[..., 0] + np.cos(angles)[:, None] * d[..., 1])
    off_b = np.abs(-np.sin(angles)[None] * d[..., 0] + np.cos(angles)[None] * d[..., 1])
    ok = (
        (d[..., 0] > 0)
        & (np.abs(tilt - page) <= MAX_TILT)
        & (np.maximum(heights[:, None], heights[None]) <= MAX_HEIGHT_RATIO * size)
        & (off_a <= MAX_LINE_OFFSET * size)
        & (off_b <= MAX_LINE_OFFSET * size)
    )
    np.fill_diagonal(ok, False)
    dist = np.hypot(d[..., 0], d[..., 1])
    pairs = sorted(zip(dist[ok].tolist(), *np.nonzero(ok), strict=True))
    after, before = [-1] * m, [-1] * m
    for _, a, b in sorted(pairs):
        if after[a] < 0 and before[b] < 0 and not _same_run(after, a, b):
            after[a], before[b] = b, a
    lines = []
    for a in range(m):
        if before[a] >= 0:
            continue
        line = list(chains[a])
        while after[a] >= 0:
            a = after[a]
            line.extend(chains[a])
        lines.append(line)
    return lines


def _same_run(after: list[int], a: int, b: int) -> bool:
    """Whether following ``after`` from ``b`` reaches ``a`` (joining would close a loop)."""
    while b >= 0:
        if b == a:
            return True
        b = after[b]
    return False


def _median(values: np.ndarray) -> float:
    """``np.median`` of a short float array, bit for bit: the middle of the sorted values, or the
    mean of the two middles. ``np.median`` costs ten times as much on the few digits of a line,
    and it is called per chain and per line of every frame."""
    ordered = np.sort(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return float((ordered[mid - 1] + ordered[mid]) / 2)


def _ink_extent(w: np.ndarray, h: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Extent of each digit's ink along a line at ``angle`` degrees, and across it.

    The ink is taken for the ellipse inscribed in the digit's upright box: on a tilted line the
    corners of the box hold no ink, so the box's own extent along the line would make gaps
    narrower than they are (on turned scenes this measures gaps inside numbers as on upright
    ones).
    """
    t = math.radians(angle)
    c, s = math.cos(t), math.sin(t)
    return np.hypot(w * c, h * s), np.hypot(w * s, h * c)


def _reading_order(
    lines: list[list[int]],
    centres: np.ndarray,
    feet: np.ndarray,
    w: np.ndarray,
    h: np.ndarray,
    page: float,
) -> list[Line]:
    """Lines sorted top to bottom (across the writing direction), with their gaps measured."""
    a = math.radians(page)
    along_unit = np.array([math.cos(a), math.sin(a)])
    across_unit = np.array([-math.sin(a), math.cos(a)])
    out = []
    for members in lines:
        sel = np.array(members)
        angle = _direction(feet[sel], page) if len(sel) > 1 else page
        t = math.radians(angle)
        unit = np.array([math.cos(t), math.sin(t)])
        ink_w, ink_h = _ink_extent(w[sel], h[sel], angle)
        own = centres[sel]
        along = own @ unit
        cell = np.maximum(ink_w, NARROW * _median(ink_w))
        gaps = (along[1:] - along[:-1]) - (cell[:-1] + cell[1:]) / 2  # np.diff, without its cost
        out.append(
            (
                Line(tuple(int(i) for i in sel), gaps, ink_h, angle),
                float((own @ across_unit).mean()),
                float((own @ along_unit).min()),
            )
        )
    # Lines whose middles lie within half a digit height across the page are one row: read
    # left to right (a line broken by a turned number, say).
    rows = rows_in_order(
        np.array([item[1] for item in out]), np.array([item[2] for item in out]), 0.5 * _median(h)
    )
    return [out[i][0] for row in rows for i in row]


def rows_in_order(across: np.ndarray, along: np.ndarray, gap: float) -> list[list[int]]:
    """Indices of items by row, rows in order of ``across``, each row in order of ``along``.

    A row goes on while the next item (by ``across``) lies at most ``gap`` further across than
    the row's last one: the rows of a page are a line apart, the items of one row jitter by far
    less. Ties keep the items' order. The one rows sorting of camdigit (numbers' lines, boxes on
    a page: :func:`box_rows`).
    """
    rows: list[list[int]] = []
    last = 0.0
    for i in np.argsort(across, kind="stable").tolist():
        if not rows or across[i] - last > gap:
            rows.append([])
        rows[-1].append(i)
        last = across[i]
    return [sorted(row, key=lambda k: along[k]) for row in rows]


def box_rows(boxes: np.ndarray, gap: float = 0.6) -> list[list[int]]:
    """Indices of upright ``x, y, w, h`` boxes (N, 4) by written row, top to bottom, each row
    left to right; a new row starts where the next box's centre is lower than the row's last by
    more than ``gap`` of the median box height."""
    if len(boxes) == 0:
        return []
    centre_y = boxes[:, 1] + boxes[:, 3] / 2.0
    return rows_in_order(centre_y, boxes[:, 0], gap * float(np.median(boxes[:, 3])))
