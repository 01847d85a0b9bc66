"""The paper's level under the writing: a closing whose window the strokes themselves choose.

The paper's level is a grey closing (max, then min filter) of a shrunk copy of the frame: a stroke
narrower than the closing's window vanishes from it, so what is clearly darker than the closing is
ink. The window must be a few stroke widths wide, yet no wider than it must be (a wider window
reaches across a shadow's edge and calls the shadowed paper ink). So the window is chosen per
region from the strokes themselves: closings at a few doubling widths, and where a blob of ink
measured at one width has a stroke (twice its area over its outline) wider than a third of the
narrower window (or was measured so when the narrower one was the wider: two windows' ink give a
stroke's width a little apart) but within a third of this one, lies inside the frame (a desk around
the page reaches its border), and holds much more ink than the narrower window found there, or lost
to it a patch as dark as the rest (the crossing of a marker's strokes, wider than a stroke, whose
middle the narrower window took for paper: a small loss that parts the digit), the paper on the
blob and its rim is the wider closing. A shadow's edge, seen through a window too wide, is a band
half the window wide: wider than a third of it, so it never qualifies. A whole shadow narrow
enough to pass for a stroke (an arm's or a phone's, a band a few digits wide) is told from one by
what it holds (:func:`_shade`): the digits written in it, which the narrower window saw as ink,
darker than the flat rest of the band, as writing is than its paper (in a marker's stroke, what
that window saw, its rims or the darker ridge along a blurred stroke, is no darker than much of
the middle it lost). The windows double up to the frame's size (the last as wide as its shorter
side) while a blob seen needs a wider one, or the paper estimate keeps a dim patch inside the
frame: strokes several windows wide, whose middles the closing kept, show only thin crescents of
ink at their ends.

A desk around a strip of paper, bridged by a window, reads as ink joined to the writing on the
strip and running out of the frame; it is not counted
(:func:`camdigit.core.paper_shade.bridged_ground`).
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.detections import inside_frame
from camdigit.core.faint_ink import share_of_paper
from camdigit.core.paper_shade import bridged_ground, bright_level, dim_ground, off_page

_GROW = np.ones((3, 3), np.uint8)
_RIM = np.ones((5, 5), np.uint8)

GAINED = 1.25
"""A wider window is taken where it finds this many times the ink the narrower one did: the
narrower one was cutting the strokes' middles out, not just missing their soft rims."""

WINDOW_STROKES = 3.0
"""The paper window is at least this many stroke widths wide: a stroke in its middle then has
paper within the window on both sides."""


CROSSING = 2.0
"""A stroke the frame's side cuts covers at most this many of its widths of the side (one
slanting across it at 30 degrees)."""


def _closing(small: np.ndarray, side: int) -> np.ndarray:
    window = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    return cv2.blur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, window), (3, 3))


def ink_threshold(
    level: np.ndarray, dim: np.ndarray | None, ratio: float, dim_ratio: float, margin: float
) -> np.ndarray:
    """What ink is darker than at paper ``level``: ``ratio`` of the paper and ``margin`` below
    it, and where the paper is ``dim`` (a desk, a deep shadow; None: nowhere) ``dim_ratio``
    of it."""
    threshold = share_of_paper(level, ratio, margin)
    if dim is None:
        return threshold
    return np.where(dim, np.minimum(level * dim_ratio, threshold), threshold)


def paper_level(small: np.ndarray, base: int, cfg) -> np.ndarray:
    """The paper's level at each point of the shrunk frame, window chosen by the strokes.

    ``base`` is the narrowest window (odd, shrunk pixels). Each doubling keeps the regions
    around blobs whose stroke, measured at that window, needed it (see the module's docstring).
    """
    paper = _closing(small, base)
    bright = bright_level(paper)  # a wider window raises only spots of the paper, not its top
    image = small.astype(np.float32)
    side = base
    too_wide = None  # the blobs too wide for the last window, as they were seen
    first = paper
    desk, looked = None, False  # the ground around the page, looked for once
    last = (min(small.shape) - 1) | 1  # the widest window: the frame's shorter side (odd)
    # doublings up to the frame's size, the last as wide as the frame where a doubling would
    # pass it (a marker digit filling the frame has strokes a fifth to a third of it wide, and
    # a window three strokes wide is most or all of the frame: a marker 1's stroke 24 px wide
    # in a frame 77 px wide needed 72 and had 63), until no blob seen and no patch of the
    # paper left unbridged needs a wider one
    while side < last:
        wider = min(2 * side + 1, last)
        candidate = _closing(small, wider)
        level = share_of_paper(candidate.astype(np.float32), cfg.ink_ratio, cfg.ink_margin)
        ink = (image < level).view(np.uint8)
        if not ink.any():
            side = wider
            continue
        count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        # A blob's stroke width: twice its area over its outline (a band's length counted
        # twice), robust to the junctions and loops where a distance transform peaks.
        edge = cv2.subtract(ink, cv2.erode(ink, _GROW))
        outline = np.bincount(labels[edge > 0], minlength=count)
        area = stats[:, cv2.CC_STAT_AREA]
        stroke = 2.0 * area / np.maximum(outline, 1)
        # A blob needs this window when its stroke is too wide for the window so far (or was
        # seen too wide for it at the last step: measured on two windows' ink, a stroke's width
        # differs by a little) and fits this one, it lies inside the frame (a desk or a dark
        # ground around the page reaches the frame's border, the band of it this window
        # bridges not counted; a digit cut by the border is not read anyway) or runs out of it
        # as a number of touching digits does (_run_out), and the paper so far lost its ink
        # (_narrow_for)
        fits = stroke > side / WINDOW_STROKES
        if too_wide is not None:  # measured again on this window's ink, still as too wide
            fits[np.unique(labels[too_wide])] = True
        fits &= stroke <= wider / WINDOW_STROKES
        fits[0] = False
        inside = _inside_frame(stats, ink.shape)
        running = _run_out(labels, stats, stroke, fits)
        ground = None
        if (fits & ~inside & ~running).any():  # on the border: through a desk's band?
            if not looked:
                dim = dim_ground(first, bright, cfg.dim_paper)
                desk, looked = off_page(small, first, dim, bright, base, cfg.faint_ratio), True
            if desk is not None:
                ground = bridged_ground(desk, paper, candidate, wider, bright, cfg)
            if ground is not None:
                inside = _inside_page(ink, labels, count, ground)
        fits &= inside | running
        needed = _narrow_for(image, paper, bright, ink, labels, area, stroke, fits, cfg)
        if needed.any():
            # the blob and its rim (a stroke's width around it), not the window's reach: a dark
            # desk taken for a stroke must not lend its wide paper to the page beside it
            rim = 2 * int(wider / WINDOW_STROKES) + 1
            square = cv2.getStructuringElement(cv2.MORPH_RECT, (rim, rim))
            region = cv2.dilate(needed[labels].view(np.uint8), square)
            if ground is not None:  # the desk stays desk
                region[ground] = 0
            paper = np.where(region > 0, np.maximum(paper, candidate), paper)
        wide = stroke > wider / WINDOW_STROKES
        wide[0] = False
        if not wide.any() and not _unbridged(paper, bright, cfg):
            break  # nothing too wide for this window: no wider one can be needed
        too_wide = wide[labels] if wide.any() else None
        side = wider
    return paper


def _inside_page(ink: np.ndarray, labels: np.ndarray, count: int, ground: np.ndarray) -> np.ndarray:
    """(count,) bool: which blobs (``labels`` of ``ink``) lie inside the frame, the ``ground``
    around the page (:func:`~camdigit.core.paper_shade.bridged_ground`) not counted: no ink of
    theirs off it touches the frame's border (:func:`_inside_frame` counts it all), and some
    of it is off it."""
    rest = np.where(ground, 0, ink)
    inside = np.bincount(labels[rest > 0], minlength=count) > 0
    for line, kept in ((labels[0], rest[0]), (labels[-1], rest[-1])):
        inside[line[kept > 0]] = False
    for line, kept in ((labels[:, 0], rest[:, 0]), (labels[:, -1], rest[:, -1])):
        inside[line[kept > 0]] = False
    return inside


def _narrow_for(
    image: np.ndarray,
    paper: np.ndarray,
    bright: float,
    ink: np.ndarray,
    labels: np.ndarray,
    area: np.ndarray,
    stroke: np.ndarray,
    fits: np.ndarray,
    cfg,
) -> np.ndarray:
    """(N,) bool: which of the blobs ``fits`` marks (``labels`` of the wider window's ``ink``,
    each of ``area`` pixels) the ``paper`` so far was too narrow for. It saw much less of
    their ink (a marker stroke's middle taken for paper, or for dim paper, where ink must be
    darker still), not the same ink with a wider rim; or it lost a patch of a blob as dark as
    the ink it saw, at least a stroke's width square, and the blob fell apart there: a fat
    junction (a marker 4's crossing) wider than the window, whose middle was taken for paper,
    parts the digit, small as the loss is beside the whole blob (what a soft rim adds is
    lighter than the ink; a blob left whole reads as it is)."""
    if not fits.any():
        return fits
    count = len(area)
    level = paper.astype(np.float32)
    dim = dim_ground(paper, bright, cfg.dim_paper)
    seen = image < ink_threshold(level, dim, cfg.ink_ratio, cfg.dim_ink, cfg.ink_margin)
    before = np.bincount(labels[seen], minlength=count)
    gained = fits & (area > GAINED * before)
    if gained.any():
        gained &= ~_shade(image, ink, seen, before, labels, gained, cfg)
    doubt = fits & ~gained
    if not doubt.any():
        return gained
    ink_sum = np.bincount(labels[seen], weights=image[seen], minlength=count)
    ink_level = ink_sum / np.maximum(before, 1)
    lost = ink.view(bool) & ~seen & doubt[labels]
    dark_lost = np.bincount(
        labels[lost],
        weights=image[lost] <= ink_level[labels[lost]] + cfg.ink_margin,
        minlength=count,
    )
    broken = doubt & (dark_lost >= stroke * stroke)
    if broken.any():
        broken &= _parts(seen & broken[labels], labels, count, stroke) > 1
    return gained | broken


def _shade(
    image: np.ndarray,
    ink: np.ndarray,
    seen: np.ndarray,
    seen_count: np.ndarray,
    labels: np.ndarray,
    fits: np.ndarray,
    cfg,
) -> np.ndarray:
    """(N,) bool: which blobs ``fits`` marks (``labels`` of the wider window's ``ink``) are
    a shadow on the page, not a stroke. The rest of such a blob, beside what the narrower
    window saw as ink in it (``seen``, ``seen_count`` pixels of it in each blob: the digits
    written in the shadow), is paper: flat, nine tenths of it nearer its median level than
    the writing's, and the writing darker
    than that median by the margin that tells ink from the sensor's noise. In a marker's
    stroke too wide for that window, what it saw (its rims, or the darker ridge along a
    blurred stroke's middle) is no darker than much of the middle it lost. A blob's rim
    (two shrunk pixels) is no part of the rest: around a solid mark the narrower window saw
    whole, all the wider one adds is the mark's soft edge. The rest is most of the blob (not
    a digit whose dim loops the wider window added), with writing in it (at least a smallest
    digit's height in pixels: one speck of a desk's grain is none)."""
    rest = cv2.erode(ink, _RIM).view(bool) & ~seen & fits[labels]
    rest_count = np.bincount(labels[rest], minlength=len(fits))
    shade = fits & (rest_count >= seen_count) & (seen_count >= cfg.min_height_px)
    if not shade.any():
        return shade
    (writing,) = _quantiles(labels, image, seen & shade[labels], shade, (0.5,))
    paper, darkest = _quantiles(labels, image, rest & shade[labels], shade, (0.5, 0.1))
    shade[shade] = (writing <= paper - cfg.ink_margin) & (darkest >= (paper + writing) / 2)
    return shade


def _quantiles(
    labels: np.ndarray, image: np.ndarray, where: np.ndarray, which: np.ndarray, shares: tuple
) -> np.ndarray:
    """(len(shares), M): each of the ``shares`` quantiles of the ``image`` levels at
    ``where``, per blob (``labels``) of the M that ``which`` marks, in order of the blobs;
    every blob marked has pixels ``where``."""
    blob, values = labels[where], image[where]
    order = np.lexsort((values, blob))
    blob, values = blob[order], values[order]
    marked = np.flatnonzero(which)
    start = np.searchsorted(blob, marked, side="left")
    last = np.searchsorted(blob, marked, side="right") - 1 - start
    return np.array([values[start + (last * share).astype(np.int64)] for share in shares], float)


def _parts(seen: np.ndarray, labels: np.ndarray, count: int, stroke: np.ndarray) -> np.ndarray:
    """(count,) how many pieces of ``seen`` ink, a ``stroke`` square or more, each blob holds."""
    pieces, marks, stats, _ = cv2.connectedComponentsWithStats(seen.view(np.uint8), connectivity=8)
    inside = seen & (labels > 0)
    pairs = np.unique(labels[inside].astype(np.int64) * pieces + marks[inside])
    blob, piece = pairs // pieces, pairs % pieces
    sizable = stats[piece, cv2.CC_STAT_AREA] >= stroke[blob] ** 2
    return np.bincount(blob[sizable], minlength=count)


def _unbridged(paper: np.ndarray, bright: float, cfg) -> bool:
    """Does the paper estimate hold a dim patch inside the frame? Where strokes are several
    windows wide (a marker digit filling the frame), the closing keeps their middles, the
    ink seen is only thin crescents at their ends, and no stroke measured there says how wide
    the writing is: the dim patch does. A desk or a shadow reaching the frame's border is
    not one; a shadow that does not, and is no stroke, is judged like any blob."""
    dim = dim_ground(paper, bright, cfg.dim_paper)
    if dim is None:
        return False
    count, _, stats, _ = cv2.connectedComponentsWithStats(dim.view(np.uint8), connectivity=8)
    return bool(_inside_frame(stats[1:], dim.shape).any())


def _inside_frame(stats: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Which components (rows of connectedComponentsWithStats' stats) touch no frame border."""
    return inside_frame(stats[:, :4], shape[1], shape[0])


def _run_out(
    labels: np.ndarray, stats: np.ndarray, stroke: np.ndarray, fits: np.ndarray
) -> np.ndarray:
    """(N,) bool: which blobs ``fits`` marks (``labels``, ``stats`` and ``stroke`` of their
    components) run out of the frame as a line of writing does, not as a ground: along their
    length (wider than tall out of a side, taller than wide out of the top or the bottom)
    across one side, or two opposite ones, where each stretch of a side they cover is at most
    :data:`CROSSING` stroke widths (a number of marker digits touching each other, cut by the
    frame's sides; a desk or a dark ground around the page lies along a side, or in a corner,
    across two that meet; one marker digit the side cuts is read by no window)."""
    height, width = labels.shape
    x, y, w, h = (stats[:, i] for i in range(4))
    left, top, right, bottom = x == 0, y == 0, x + w >= width, y + h >= height
    across = ((left | right) & (w >= h)) | ((top | bottom) & (h >= w))
    out = np.zeros(len(stats), bool)
    for k in np.flatnonzero(fits & across & ~((left | right) & (top | bottom))).tolist():
        lines = [labels[:, 0]] if left[k] else []
        lines += [labels[:, -1]] if right[k] else []
        lines += [labels[0]] if top[k] else []
        lines += [labels[-1]] if bottom[k] else []
        longest = 0
        for line in lines:
            covered = np.diff(np.concatenate([[0], (line == k).view(np.int8), [0]]))
            longest = max(
                longest, int((np.flatnonzero(covered < 0) - np.flatnonzero(covered > 0)).max())
            )
        out[k] = longest <= CROSSING * stroke[k]
    return out
