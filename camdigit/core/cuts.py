"""Where a wide blob of ink may be cut into touching digits, and the pieces the cuts leave.

Touching digits lean into each other, so a cut is a path from the blob's top to its bottom
(the column it passes at every row), not a straight column: the line joining the dips of the
outline above and below a joint, the least-ink route down from the dips above and up from the
dips below, and, where no joint shows, the cheapest route near equal shares of the width. The
routes are looked for on all the ink and on the strokes' cores (:func:`stroke_cores`), without
their soft rims, which fill the joints of small writing. The pieces between cuts are
proposals for the model to judge (:mod:`camdigit.core.piece_proposals`).
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.proposals import END
from camdigit.core.segmentation import CROP_PAD

MIN_PIECE = 0.25
"""Cuts of a blob are at least this share of its height from its ends (a "1" with its serif;
a thinner sliver is no digit)..."""

CUT_SPACING = MIN_PIECE / 2
"""... and this share apart from each other: where digits overlap, the route that parts them
often lies a few pixels beside the first one found (across a 4's bar into the 8 beside it),
and both are tried; the model's readings of the pieces choose (a sliver between the two is
read as no digit)."""

MIN_PIECE_HEIGHT = 0.5
"""A piece of a cut blob is at least this share of the blob's height tall: touching digits of
one number are about as tall as each other."""

MAX_PIECE = 1.2
"""... and at most this share apart (the cuts' mean columns): no digit is wider (the widest 0s
and 2s of MNIST reach 1.2; at 1.1 a fat 0 touching a 2 was never a piece)."""

JOINT = 0.6
"""A cut candidate has at most this share of the ink of the blob's fullest column."""

MAX_CUTS = 12
"""Cut candidates kept per blob (a number of up to about eight touching digits)."""

MAX_WIDTH = 8 * MAX_PIECE
"""Blobs wider than this many heights are not proposed at all (what is left of a line)."""

STEP_COST = 0.25
"""What a cut path pays per pixel it steps sideways, in ink pixels crossed: between two equally
clean routes the straighter one is taken."""


VALLEY_DEPTH = 0.15
"""A dip of a blob's outline this share of its height deep may be the paper between two
digits."""

TYPICAL_ASPECT = 0.7
"""A handwritten digit's usual width over height (MNIST's median digit, 1s aside): a blob with
no visible joint is split as if its digits were this wide."""

NEAR_COST = 0.3
"""What a cut path pays per row it passes beside ink, divided by one plus its distance to it."""


def cut_paths(ink: np.ndarray, height: int, shares: bool = True) -> list[np.ndarray]:
    """Where a blob of ink (H, W; nonzero is ink) may join touching digits: cut paths from its
    top to its bottom, each the column it passes at every row ((H,) int), ordered left to right.

    Touching digits lean into each other, so a straight column often cuts off a piece of the
    neighbour. Two kinds of routes are proposed, as readers of touching digits do:

    * **valleys**: where the blob's outline dips deep from the top and rises deep from the
      bottom (the paper between two digits reaching in from both sides), the straight line
      joining the two valleys' floors, through the joint;
    * **the least ink**: the route from the top that crosses the least ink (one pixel sideways
      per row at most; dynamic programming from the bottom up gives every top column's
      cheapest route at once), from each valley's floor down and from the cheapest top columns,
      and the same upwards, from the floor of each dip from below and from the cheapest bottom
      columns of a blob that shows such dips: where two digits' tops run into each other (a 7's
      bar over the next digit), only the paper between them reaching up from below shows the
      joint.

    Cuts are at least :data:`MIN_PIECE` of the height from the ends and :data:`CUT_SPACING`
    apart, valleys first, the routes up from below after those from the top: they add cuts
    where the top shows none, not displace one (a marker's "56", cut a few pixels off its
    joint, read as a doubtful 9 and a 3). ``shares``: False where a blob that shows no joint
    is not to be cut at all (rows of writing are not written over each other).
    """
    h, width = ink.shape
    gap = max(2, int(MIN_PIECE * height))
    spacing = _spacing(height)
    if width < 2 * gap or h == 0:
        return []
    solid = (ink > 0).astype(np.uint8)
    # crossing ink costs a pixel each; passing close to it a little (the route keeps to the
    # middle of the paper between two digits, not along one's edge)
    clear = cv2.distanceTransform(1 - solid, cv2.DIST_L2, 3)
    cost = solid.astype(np.float32) + NEAR_COST / (1.0 + clear)
    totals = _least_ink_totals(cost)
    total = totals[0]
    table = totals.tolist()

    def follow(x: int, y: int) -> np.ndarray:
        return _follow(table, x, y)

    candidates: list[np.ndarray] = []
    top, bottom = _valleys(solid, gap), _valleys(solid[::-1], gap)
    for xt, yt in top:
        for xb, yb in bottom:
            yb = h - 1 - yb
            if abs(xb - xt) <= 0.5 * height and yb > yt:
                path = np.full(h, xt, np.int64)
                rows = np.arange(yt, yb + 1)
                path[yt : yb + 1] = np.round(xt + (xb - xt) * (rows - yt) / max(yb - yt, 1))
                path[yb + 1 :] = xb
                candidates.append(path)
    candidates.extend(follow(xt, yt) for xt, yt in top)
    fullest = float(solid.sum(axis=0, dtype=np.float32).max())
    profile = _smoothed(total)
    candidates.extend(follow(x, 0) for x in _cheapest(profile, fullest))
    if bottom:  # ... and, where the outline dips from below, up from each dip's floor and
        # from the cheapest bottom columns
        rising = _least_ink_totals(cost[::-1])
        up = rising.tolist()
        candidates.extend(_follow(up, xb, yb)[::-1] for xb, yb in bottom)
        candidates.extend(_follow(up, x, 0)[::-1] for x in _cheapest(_smoothed(rising[0]), fullest))
    # and where the blob shows no joint at all (one digit written over the next), the cheapest
    # routes near where equal shares of the blob's width would put the digits' borders
    count = int(round(width / (TYPICAL_ASPECT * height))) if shares else 0
    for k in range(1, count):
        near = np.arange(
            max(0, k * width // count - gap // 2), min(width, k * width // count + gap // 2 + 1)
        )
        candidates.append(follow(int(near[np.argmin(profile[near])]), 0))
    chosen: list[np.ndarray] = []
    for path in candidates:
        middle = float(path.mean())
        if gap <= middle <= width - gap and _apart(middle, chosen, spacing):
            chosen.append(path)
        if len(chosen) >= MAX_CUTS:
            break
    return sorted(chosen, key=lambda c: float(c.mean()))


def _spacing(height: int) -> int:
    """Pixels between two cut paths' mean columns, at least (:data:`CUT_SPACING`)."""
    return max(1, int(CUT_SPACING * height))


def _apart(middle: float, chosen: list[np.ndarray], spacing: int) -> bool:
    """Whether a cut path whose mean column is ``middle`` lies ``spacing`` px from every one
    ``chosen``."""
    return all(abs(middle - float(c.mean())) >= spacing for c in chosen)


def _smoothed(totals: np.ndarray) -> np.ndarray:
    """(W,) route costs from one end of a blob, each the mean over its column and the two
    beside it."""
    return np.convolve(totals, np.ones(3, np.float32) / 3, mode="same")


def _cheapest(profile: np.ndarray, fullest: float) -> list[int]:
    """The columns where the cheapest routes start (``profile``: :func:`_smoothed` route costs
    from one end of a blob): local minima that cross at most :data:`JOINT` of the ink of the
    blob's fullest column, cheapest first."""
    inner = profile[1:-1]
    low = (inner <= profile[:-2]) & (inner <= profile[2:]) & (inner <= JOINT * fullest)
    minima = np.flatnonzero(low) + 1
    return minima[np.argsort(profile[minima], kind="stable")].tolist()


def _least_ink_totals(cost: np.ndarray) -> np.ndarray:
    """The cost of the cheapest route down from every pixel to the bottom row ((H, W) float32):
    each row's own cost plus the cheapest of the three below it (a step sideways costs
    :data:`STEP_COST` more; a 3-wide minimum filter gives the sideways ones)."""
    h, _ = cost.shape
    totals = np.empty_like(cost)
    totals[-1] = cost[-1]
    beside = np.ones((1, 3), np.uint8)
    for y in range(h - 2, -1, -1):
        below = totals[y + 1 : y + 2]
        cheapest = np.minimum(below, cv2.erode(below, beside) + np.float32(STEP_COST))
        totals[y] = cost[y] + cheapest[0]
    return totals


def _follow(rows: list[list[float]], x: int, y: int) -> np.ndarray:
    """The cheapest route down from (x, y) (straight above it), the column at every row;
    ``rows``: :func:`_least_ink_totals` as plain lists (a few lookups per row)."""
    h, width = len(rows), len(rows[0])
    path = np.full(h, x, np.int64)
    for row in range(y, h - 1):
        below = rows[row + 1]
        here = int(path[row])
        best, step = below[here], 0
        if here > 0 and below[here - 1] + STEP_COST < best:
            best, step = below[here - 1] + STEP_COST, -1
        if here + 1 < width and below[here + 1] + STEP_COST < best:
            step = 1
        path[row + 1] = here + step
    return path


def _valleys(solid: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Floors (x, y) of the dips of a blob's upper outline at least :data:`VALLEY_DEPTH` of its
    height deep below the outline's highest points within ``gap`` columns on both sides."""
    h, width = solid.shape
    has = solid.any(axis=0)
    outline = np.where(has, solid.argmax(axis=0), h).astype(np.float32)
    if width < 2 * gap + 1:
        return []
    row = outline[None, :]
    window = np.ones((1, gap), np.uint8)
    upto = cv2.erode(row, window, anchor=(gap - 1, 0))[0]  # [x]: min of outline[x-gap+1 .. x]
    onward = cv2.erode(row, window, anchor=(0, 0))[0]  # [x]: min of outline[x .. x+gap-1]
    xs = np.arange(gap, width - gap)
    here = outline[xs]
    left = upto[xs - 1]  # the highest ink within gap columns on the left
    right = onward[xs + 1]  # ... and on the right
    local = (here >= outline[xs - 1]) & (here >= outline[xs + 1])
    deep = local & (here - np.maximum(left, right) >= VALLEY_DEPTH * h)
    floors = [(int(x), int(min(y, h - 1))) for x, y in zip(xs[deep], here[deep], strict=True)]
    # a flat floor gives a run of columns: keep the first of each run
    kept: list[tuple[int, int]] = []
    for x, y in floors:
        if kept and x - kept[-1][0] <= 2 and y == kept[-1][1]:
            continue
        kept.append((x, y))
    return kept


def between_cuts(
    columns: np.ndarray, rows: int, width: int, left: np.ndarray | None, right: np.ndarray | None
) -> np.ndarray:
    """(rows, len(columns)) bool: which ``columns`` (box pixels) lie between two cut paths
    (:func:`cut_paths`) at each row; None is the blob's own edge (column 0, or ``width``)."""
    x0 = np.zeros(rows, np.int64) if left is None else left
    x1 = np.full(rows, width, np.int64) if right is None else np.maximum(right, x0)
    return (columns >= x0[:, None]) & (columns < x1[:, None])


def piece_crop(
    crop: np.ndarray, pad: int, left: np.ndarray | None, right: np.ndarray | None
) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """The ink of a digit crop (dark ink on white, ``pad`` px of paper around its box) between
    two cut paths (:func:`cut_paths`, box pixels; None: the blob's own edge), tightened to that
    ink, with its box (x, y, w, h in box pixels); None when it holds no ink."""
    inner_h = crop.shape[0] - 2 * pad
    inner_w = crop.shape[1] - 2 * pad
    inside = between_cuts(np.arange(crop.shape[1]) - pad, inner_h, inner_w, left, right)
    part = np.full(crop.shape, 255, np.uint8)
    band = crop[pad : pad + inner_h]
    part[pad : pad + inner_h] = np.where(inside, band, 255)
    ink = part < 255
    rows = np.flatnonzero(ink.any(axis=1))
    if len(rows) == 0:
        return None
    cols = np.flatnonzero(ink.any(axis=0))
    r0, r1 = int(rows[0]), int(rows[-1]) + 1
    c0, c1 = int(cols[0]), int(cols[-1]) + 1
    piece = np.full((r1 - r0 + 2 * pad, c1 - c0 + 2 * pad), 255, np.uint8)
    piece[pad : pad + r1 - r0, pad : pad + c1 - c0] = part[r0:r1, c0:c1]
    y0, y1 = max(0, r0 - pad), min(inner_h, r1 - pad)
    if y1 <= y0:
        return None
    return piece, (c0 - pad, y0, c1 - c0, y1 - y0)


def stroke_cores(crop: np.ndarray) -> np.ndarray:
    """(H, W) bool: the strokes of a crop (dark ink on white) darker than halfway from white
    to their darkest ink (its 5th percentile): the strokes' cores, without the soft rim a
    camera's blur puts around them, which is a pixel or two at any size and so the more of a
    stroke the smaller the writing (a small "83" whose rims filled the joint had no cut)."""
    ink = crop < 255
    if not ink.any():
        return ink
    darkest = float(np.percentile(crop[ink], 5))
    return crop < (darkest + 255.0) / 2


def cut_pieces(
    crop: np.ndarray, box, cores: bool = True
) -> list[tuple[list[int], np.ndarray, int, int]]:
    """A wide blob's pieces between its likely cuts (the routes from top to bottom that cross
    the least ink): the ink between two cuts (or an end) as wide as a digit may be one. Each
    is (box, crop, start node, end node) for the blob's lattice; ``crop`` is the blob's own
    (``CROP_PAD`` px of paper around its ink) and ``box`` its box in the frame, which may be
    larger than the crop (a frame shrunk before finding): the pieces' boxes are scaled to it.
    Cut along all the ink that is not white, and, with ``cores``, also along the strokes'
    cores (:func:`stroke_cores`) where those routes lie apart from the first: small writing's
    soft rims fill its joints, and the cheapest route went round a digit's outside instead.
    Not for a blob too wide to be one digit (a scribble's or a cursive word's humps, joined by
    their rims, would be cut into 1s and 7s)."""
    inner_h, inner_w = crop.shape[0] - 2 * CROP_PAD, crop.shape[1] - 2 * CROP_PAD
    x, y, w, h = (int(v) for v in box)
    sx, sy = w / max(inner_w, 1), h / max(inner_h, 1)
    inner = crop[CROP_PAD : CROP_PAD + inner_h, CROP_PAD : CROP_PAD + inner_w]
    cuts = cut_paths(inner < 255, inner_h)
    if cores:  # ... and the routes along the strokes' cores that lie apart from those
        spacing = _spacing(inner_h)
        for extra in cut_paths(stroke_cores(inner), inner_h):
            if len(cuts) < MAX_CUTS and _apart(float(extra.mean()), cuts, spacing):
                cuts.append(extra)
        cuts.sort(key=lambda c: float(c.mean()))
    nodes = [0, *range(1, len(cuts) + 1), END]
    pieces = []
    for i, j, piece, (px, py, pw, ph) in spans(crop, cuts, MAX_PIECE * inner_h):
        if ph < MIN_PIECE_HEIGHT * inner_h:
            continue  # a sliver of a stroke, not a digit touching another
        scaled = [x + round(px * sx), y + round(py * sy), round(pw * sx), round(ph * sy)]
        pieces.append((scaled, piece, nodes[i], nodes[j]))
    return pieces


def spans(
    crop: np.ndarray, cuts: list[np.ndarray], longest: float
) -> list[tuple[int, int, np.ndarray, tuple[int, int, int, int]]]:
    """The ink of a blob's crop (``CROP_PAD`` px of paper around it) between every two of its
    edges (0: its left end, 1.. its ``cuts`` left to right, then its right end) whose mean
    columns lie at most ``longest`` px apart, not the whole blob (proposed, or not, as such):
    (left edge, right edge, :func:`piece_crop`'s crop and box) for each that holds ink."""
    if not cuts:
        return []
    edges: list[np.ndarray | None] = [None, *cuts, None]
    extent = float(crop.shape[1] - 2 * CROP_PAD)
    middle = [0.0, *(float(c.mean()) for c in cuts), extent]  # where each edge lies
    found = []
    for i in range(len(edges) - 1):
        for j in range(i + 1, len(edges)):
            if (i, j) == (0, len(edges) - 1):
                continue
            if middle[j] - middle[i] > longest:
                break
            made = piece_crop(crop, CROP_PAD, edges[i], edges[j])
            if made is not None:
                found.append((i, j, *made))
    return found
