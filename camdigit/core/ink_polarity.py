"""Which way the writing is: dark ink on light paper, or light chalk or marker on a dark board,
measured per frame (:func:`light_ink`) so that no flag is needed."""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.pixels import Shrunk, shrunk

POLARITY_SIDE = 80
"""The polarity is counted on a copy about this many pixels on its shorter side (halved from
the paper's copy when that is twice as large): a count of marks, not their shapes."""

LIGHT_MAJORITY = 2.0
"""Light marks must outnumber dark ones this many times for the writing to be taken as light..."""

NEAR_ALL = 10.0
"""... or, where they outnumber them less on the coarse copy (a board on a desk: the board's
corners, darker than the desk around them, count as dark marks), the light strokes at twice the
resolution must outnumber the dark ones this many times (chalk writing is strokes, a board's
corners are not; a marker closeup's loop and the paper beside its stroke count as light
strokes, but about as many as its dark ones)."""


STROKE_PIECE = 3
"""Marks are counted at the finer copy in pieces at least this many pixels long either way (a
small digit's stroke: 12 px of a 960x720 frame, 18 of a 1280x960 photo, the copy's step 4 and
6): a carpet's or a wall's light specks are dots
of one or two, and on a page of small dark writing beside a flecked carpet they outnumbered
its strokes (a page on a blue carpet, photographed at 1280 px and shrunk to it: inverted, no
digit of 21 read; 1-2 of 20 textured grounds at 0.5-1.33 times the stick's size)."""


def light_ink(gray: np.ndarray, cfg, copy: Shrunk | None = None) -> bool:
    """Is the writing lighter than its ground? Measured, not assumed.

    Ink is marks that stand out of the ground around them, and the ground is the majority: on
    a shrunk copy, the marks clearly darker than the local median (dark ink on paper) and those
    clearly lighter (chalk on a board) are counted with the same test; the writing is the kind
    there is clearly more of. A shadow's edge or a texture gives both kinds alike.

    Where light marks are the more, they are counted again at twice the resolution, as
    strokes only (:func:`_strokes`) and in pieces a stroke long (:func:`_sized`): a page on a
    dark desk has corners lighter than the desk around them, and a thin pen's strokes vanish
    at the coarser copy, where the corners outnumbered them and the page was inverted (no
    digit of a thin-pen page on a desk was found: ``python -m benchmarks.scene_framings``);
    a flecked carpet's specks are light dots. ``copy``:
    :func:`camdigit.core.pixels.shrunk` of ``gray`` when the caller made it already.
    """
    return polarity(gray, cfg, copy)[0]


def polarity(gray: np.ndarray, cfg, copy: Shrunk | None = None) -> tuple[bool, bool]:
    """:func:`light_ink`'s verdict, and whether it was in doubt: light marks at least as many
    as dark ones on the coarse copy (every board; a page on a desk, whose corners are light
    marks; a marker held close, whose loops and the paper between its strokes, narrower than
    the strokes, are light marks: :mod:`camdigit.core.polarity_looks`).
    Where dark marks are the more, the writing is dark, not in doubt."""
    height, width = gray.shape
    small, step = copy or shrunk(gray)
    fine = small, step
    if min(small.shape) >= 2 * POLARITY_SIDE:  # counting marks needs no more than this
        small = cv2.resize(
            small, (small.shape[1] // 2, small.shape[0] // 2), interpolation=cv2.INTER_AREA
        )
        step *= 2
    dark, light, _ = _marks(small, cfg, round(cfg.paper_window * min(height, width) / step))
    if not _lighter(dark, light, 1.0):
        return False, False
    clearly = _lighter(dark, light)
    small, step = fine
    side = max(3, round(cfg.paper_window * min(height, width) / step) | 1)
    dark, light, depth = _marks(small, cfg, side)
    reach = side // 2 + 1  # beyond half the median's window, either way
    dark = _sized(dark & _strokes(small, reach, -1, depth))
    light = _sized(light & _strokes(small, reach, 1, depth))
    majority = LIGHT_MAJORITY if clearly else NEAR_ALL
    return _lighter(dark, light, majority), True


def _sized(marks: np.ndarray) -> np.ndarray:
    """``marks`` (bool) in pieces at least :data:`STROKE_PIECE` pixels long either way: a
    stroke runs on, a speck is a dot."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(marks.astype(np.uint8), connectivity=8)
    long = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= STROKE_PIECE
    long[0] = False  # the background
    return long[labels]


def _marks(small: np.ndarray, cfg, side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pixels of ``small`` clearly darker and clearly lighter than the median around them
    (a window ``side`` pixels either way, at least 3), and the depth that takes, the same both
    ways: a share of the brighter of mark and ground, or the noise margin."""
    side = max(3, int(side) | 1)
    ground = cv2.medianBlur(small, min(2 * side + 1, 255)).astype(np.float32)
    image = small.astype(np.float32)
    depth = np.maximum((1.0 - cfg.ink_ratio) * np.maximum(ground, image), cfg.ink_margin)
    return ground - image > depth, image - ground > depth, depth


def _strokes(small: np.ndarray, reach: int, sign: int, depth: np.ndarray) -> np.ndarray:
    """The pixels of ``small`` that stand out by ``depth`` (lighter for ``sign`` 1, darker for
    -1) of both the pixels ``reach`` away along its row, or of both along its column: a
    stroke stands out of the ground on both its sides, a page's corner only towards the desk
    beside it, the paper between a marker's strokes only where its ink lies."""
    image = sign * small.astype(np.float32)
    found = np.zeros(small.shape, bool)
    for axis in (0, 1):
        before = np.roll(image, reach, axis=axis)
        after = np.roll(image, -reach, axis=axis)
        found |= (image - before > depth) & (image - after > depth)
    return found


def _lighter(dark: np.ndarray, light: np.ndarray, majority: float = LIGHT_MAJORITY) -> bool:
    """Light marks outnumber dark ones ``majority`` times (:data:`LIGHT_MAJORITY`: clearly)."""
    light_count, dark_count = int(np.count_nonzero(light)), int(np.count_nonzero(dark))
    return light_count > majority * dark_count + 0.001 * light.size
