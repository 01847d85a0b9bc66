"""The lines of a grid as dark as the ink (graph paper), found whole and placed to the pixel.

A digit written on graph paper crosses the grid's lines and often runs along one (a 5's bar on
a line, a 0's side beside it). The lines must go, the strokes must stay: so each line is found
whole where it runs straight across several cells (:func:`grid_segments`, on a copy of the frame
halved where its cells are wide enough, for speed), then its middle and its thickness are
measured across it where nothing else touches it, and only a band that thick (up to its
thicker sections, odd) along that middle is erased
(:func:`camdigit.core.ruled_lines.erase_lines`). A band drawn wider, as wide as the line's
position is uncertain, takes a stroke beside the line with it.
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

SHRUNK_PITCH = 10.0
"""Grid lines are found on a copy of the frame halved where its cells stay this many pixels wide
(Hough's transform takes most of a grid page's time; halved, it finds the lines through the
digits on them better too: a third, measured, loses them), and placed on the full one."""

REACH = 4
"""A line's ink is looked for at least this many pixels either side of where it was found (a
segment found on a line's ink lies on it, at one of its edges when it is thick)..."""

REACH_LINES = 1.5
"""... and at least this many times the grid's line thickness as its blob measures it (twice
its ink's area over its outline, which reads short for a thick line with digits on it: 6 px
for the 8 px lines of a webcam's form photographed at twice the size): the cross-section must
hold the whole line, from a segment at one of its edges, and paper beyond it on both sides, or
only the thinner sections of the line count, and the band erased along it is too narrow (the
rest of the line's edge reads as 1s)."""

STEP = 4.0
"""... about every this many pixels along it (evenly spaced over its length)."""

THICK_SECTIONS = 0.9
"""A grid's lines are erased as thick as this share of their cross-sections are (the thickest
tenth are mostly where a stroke runs along a line, or where lines cross)."""

MIN_CLEAR = 3
"""A line is placed only where at least this many of its cross-sections hold its ink alone."""


def blob_lines(
    contours: list[np.ndarray], blob: int, cells: list[int], sides: np.ndarray
) -> tuple[float, float, float, float]:
    """What a blob (``contours[blob]``) with holes (``cells``, indices into ``contours``; their
    boxes' (width, height) ``sides``) is made of, in :func:`grid_shaped`'s order: its ink
    area, its holes' area, its cells' pitch (their median shorter side) and its lines'
    thickness (twice its ink over its outline, holes counted: a thick or blurred border leaves
    bars beside a band narrower than itself). Shared by the ruled lines' eraser and the
    finder's writing height."""
    hole_area = sum(cv2.contourArea(contours[c]) for c in cells)
    ink = cv2.contourArea(contours[blob]) - hole_area
    outline = cv2.arcLength(contours[blob], True) + sum(
        cv2.arcLength(contours[c], True) for c in cells
    )
    pitch = float(np.median(sides.min(axis=1))) if len(cells) else 0.0
    return ink, hole_area, pitch, 2.0 * max(ink, 0.0) / max(outline, 1.0)


def grid_shaped(cells: int, ink: float, holes: float, pitch: float, thickness: float) -> bool:
    """Whether a blob with ``cells`` holes is a grid: enough of them (:data:`GRID_CELLS`), its
    ``ink`` area less than :data:`GRID_INK` of its outline's (``holes`` the holes' area), and
    its cells (their median side, ``pitch``) :data:`GRID_PITCH` times as wide as its lines are
    thick (``thickness``) and :data:`GRID_MIN_PITCH` pixels at least: not a blot of ink with
    pinholes, a fabric's weave, nor a number of touching digits with eight loops."""
    return (
        cells >= GRID_CELLS
        and ink < GRID_INK * (ink + holes)
        and pitch >= max(GRID_MIN_PITCH, GRID_PITCH * thickness)
    )


GRID_ALIKE = 0.5
"""A grid's cells are of one size: at least this share of its holes are within a quarter of
the median hole's width and height (0.76-0.88 on the grid family's pages, whole or in part;
0.12 for the loops of a number written touching a cheque's line, and the gaps it closes
with it)."""


def hole_sides(holes: list[np.ndarray]) -> np.ndarray:
    """(N, 2) float: the (width, height) of each hole's (contour's) box."""
    return np.array([cv2.boundingRect(hole)[2:] for hole in holes], np.float64).reshape(-1, 2)


def alike_cells(sides: np.ndarray) -> bool:
    """Whether holes whose boxes are ``sides`` ((N, 2) width, height; :func:`hole_sides`) are
    mostly of one size, as a grid's cells are (:data:`GRID_ALIKE`)."""
    if not len(sides):
        return False
    near = np.abs(sides / np.median(sides, axis=0) - 1.0) <= 0.25
    return bool(near.all(axis=1).mean() >= GRID_ALIKE)


def grid_segments(
    mask: np.ndarray, contour: np.ndarray, pitch: float, widest: int, thickness: float = 0.0
) -> list[tuple[np.ndarray, int]]:
    """The straight lines of a grid blob (its outer ``contour`` in ``mask``, cells ``pitch``
    pixels apart, lines about ``thickness`` thick as the blob measures it), each as a
    two-point segment along the line's middle and the width of the band to erase there (the
    grid's lines' thickness measured across them, or this line's own where it is thicker along
    most of its length: odd, at most ``widest``), found where
    they run on through the digits written across them (a digit's stroke splits the cells it
    crosses, so the cells' own sides miss the line there)."""
    x, y, w, h = cv2.boundingRect(contour)
    filled = np.zeros((h, w), np.uint8)
    cv2.drawContours(filled, [contour], -1, 255, cv2.FILLED, offset=(-x, -y))
    ink = cv2.bitwise_and(filled, mask[y : y + h, x : x + w])  # a thin line is its cells' edge
    # found on a shrunk copy (a pixel of it is ink where any of its pixels is: a thin line
    # stays whole), placed on the ink itself
    shrink = 2 if pitch >= 2 * SHRUNK_PITCH else 1
    small = cv2.resize(
        ink, (max(1, w // shrink), max(1, h // shrink)), interpolation=cv2.INTER_AREA
    )
    found = _line_runs(
        cv2.threshold(small, 0, 255, cv2.THRESH_BINARY)[1],
        int(GRID_RUN * pitch / shrink),
        pitch / shrink,
    )
    if not len(found):
        return []
    segments = found.astype(np.float64) * shrink + (shrink - 1) / 2
    # (a segment found on the halved copy lies up to a pixel further off the line's edge)
    reach = max(REACH, int(np.ceil(REACH_LINES * thickness))) + shrink - 1
    ends, thick, owner, sections = _placed(ink, segments, reach)
    # the grid's lines are printed alike: their thickness is the grid's, measured on them all,
    # up to their thicker sections (a line 3 px here and 4 px there, resampled between pixels)
    thickness = float(np.quantile(thick, THICK_SECTIONS)) if len(thick) else 2.0
    band = np.full(len(ends), int(np.ceil(thickness)) | 1)
    # ... but a photo resized lands some lines on more pixels than the others (a 2 px line at
    # 1.33 times is 3 px or 4): a line measured thicker along most of its length (not a few
    # sections between digits lying on it) is erased so
    histogram = np.zeros((len(segments), 2 * reach + 2), np.int64)  # segment x thickness
    np.add.at(histogram, (owner, thick.astype(np.int64)), 1)
    measured = histogram.sum(axis=1)
    own = (2 * np.cumsum(histogram, axis=1) > measured[:, None]).argmax(axis=1)  # its median
    along = 2 * measured >= sections
    band[along] = np.maximum(band[along], own[along] | 1)
    ends = np.round(ends + (x, y)).astype(np.int32)
    return [
        (segment.reshape(2, 1, 2), min(int(b), widest) | 1)
        for segment, b in zip(ends, band, strict=True)
    ]


def _line_runs(binary: np.ndarray, run: int, pitch: float) -> np.ndarray:
    """(N, 2, 2) ends of the straight runs of at least ``run`` pixels in ``binary`` (a grid's
    ink, cells ``pitch`` pixels apart).

    The probabilistic Hough transform clears every pixel it walks along, from a segment it
    keeps or from one it drops as too short. Asked for the long runs only, it dropped the
    short walks along a row of the grid's crossing lines, or along a stroke lying on a line,
    and the pixels of the lines they crossed with them: a line left in pieces between the
    rows of writing, none of which it looked at again: those pieces stood in the digits beside
    them (graph paper at 0.75 times the stick's size, as a webcam sees it, read 88% of its
    digits against 98% at its own). So every walk is kept, its pixels no longer voting for
    another line, and the long runs are chosen after."""
    # a faint grid's thin lines break up: half the run's pixels, gaps of up to half a cell
    found = cv2.HoughLinesP(
        binary,
        1,
        np.pi / 180,
        threshold=run // 2,
        minLineLength=1,
        maxLineGap=max(2, int(pitch / 2)),
    )
    if found is None:
        return np.zeros((0, 2, 2), np.int32)
    segments = found.reshape(-1, 2, 2)
    long = np.hypot(*(segments[:, 1] - segments[:, 0]).T.astype(np.float64)) >= run
    return segments[long]


def _placed(
    ink: np.ndarray, segments: np.ndarray, reach: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Segments ((N, 2, 2) ends) moved onto their lines' middles, and the lines' thickness at
    every cross-section ``reach`` pixels either side of a segment where a line's ink is alone
    (one run, clear of the ends of the cross-section), with the segment each was taken
    across (index into ``segments``), and each segment's count of cross-sections, measured or
    not. A segment with fewer than
    :data:`MIN_CLEAR` such sections keeps its ends. All segments at once: a grid gives a
    hundred and more."""
    start, end = segments[:, 0], segments[:, 1]
    length = np.maximum(np.hypot(*(end - start).T), 1.0)
    along = (end - start) / length[:, None]
    normal = np.stack([-along[:, 1], along[:, 0]], axis=1)
    counts = np.ceil(length / STEP).astype(np.int64)
    owner = np.repeat(np.arange(len(segments)), counts)  # each cross-section's segment
    spacing = (length / counts)[owner]
    at = (np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)) * spacing
    offsets = np.arange(-reach, reach + 1, dtype=np.float64)
    centre = start[owner] + at[:, None] * along[owner]
    # each cross-section starts from the pixel nearest its point of the segment: a segment
    # found on the halved copy lies between pixels, and rounding every sample of a section
    # taken from there would read each second pixel twice and the others never (a line's
    # thickness read in steps of two, a 3 px line as 2)
    pixel = np.floor(centre + 0.5)
    points = pixel[:, None, :] + offsets[None, :, None] * normal[owner][:, None, :]
    cols = np.clip(np.floor(points[..., 0] + 0.5).astype(np.int64), 0, ink.shape[1] - 1)
    rows = np.clip(np.floor(points[..., 1] + 0.5).astype(np.int64), 0, ink.shape[0] - 1)
    section = ink[rows, cols] > 0  # (sections, offsets)
    count = section.sum(axis=1)
    rises = np.diff(section.astype(np.int8), axis=1)
    alone = (
        (count > 0)
        & ((rises == 1).sum(axis=1) <= 1)
        & ((rises == -1).sum(axis=1) <= 1)
        & ~section[:, 0]
        & ~section[:, -1]
    )
    # the middle across the segment: from its pixel, and that pixel's own offset from it
    middle = ((pixel - centre) * normal[owner]).sum(axis=1) + (section * offsets).sum(
        axis=1
    ) / np.maximum(count, 1)
    # each middle as a straight line along its segment: a least-squares fit, fitted again
    # without the sections a pixel off it (a stroke running along the line, joined to it)
    slope, shift, fitted = _fits(owner, at, middle, alone, len(segments))
    near = alone & (np.abs(middle - (shift[owner] + slope[owner] * at)) <= 1.0)
    slope2, shift2, fitted2 = _fits(owner, at, middle, near, len(segments))
    slope, shift = np.where(fitted2, slope2, slope), np.where(fitted2, shift2, shift)
    moved = np.stack(
        [start + shift[:, None] * normal, end + (shift + slope * length)[:, None] * normal],
        axis=1,
    )
    placed = np.where(fitted[:, None, None], moved, segments)  # refitted ones were fitted
    measured = alone & fitted[owner]
    return placed, count[measured].astype(np.float64), owner[measured], counts


def _fits(
    owner: np.ndarray, at: np.ndarray, value: np.ndarray, used: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per segment, the least-squares line ``value = shift + slope * at`` through its
    sections ``used`` (``owner``: each section's segment), and whether it had
    :data:`MIN_CLEAR` of them (else slope and shift 0)."""
    weight = used.astype(np.float64)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(owner, weights=weight * values, minlength=n)

    s0, s1, s2 = total(np.ones_like(at)), total(at), total(at * at)
    sv, stv = total(value), total(at * value)
    spread = s0 * s2 - s1 * s1
    fitted = s0 >= MIN_CLEAR
    slope = np.where(fitted & (spread > 1e-9), (s0 * stv - s1 * sv) / np.maximum(spread, 1e-9), 0)
    shift = np.where(fitted, (sv - slope * s1) / np.maximum(s0, 1.0), 0.0)
    return slope, shift, fitted
