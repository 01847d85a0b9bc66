"""How deep the frame's writing reaches below the paper, and the ink thresholds scaled to it.

The ink thresholds are shares of the paper's level (``FinderConfig.ink_ratio``: ink is darker
than 0.77 of the paper around it; ``faint_ratio``: a stroke goes on while darker than 0.86). A
pen's strokes reach far below them, but a light pencil, a faded marker or a webcam's flat
picture of a page hold writing whose darkest strokes reach a third of the way: the same
thresholds see only their cores, in pieces read as 1s, or nothing. So the writing's depth is
measured (:func:`measured_depths`: the depth below the paper of the frame's darkest cells), and
where it is under :data:`REFERENCE` the thresholds' depths below the paper are scaled by it
(:func:`scaled_to_writing`): what is ink is judged against the frame's own writing, as it would
be on a page written with a dark pen. Two bounds keep a ground's marks out: clear ink stays as
deep as a dark pen's faint level, and deeper than the ground's own dips reach. The sensor's
margin (``ink_margin``, grey levels) is not scaled: a camera's noise does not fade with the
writing. The paper's level and its windows are measured before, with the thresholds as they
are (:func:`camdigit.core.paper_windows.paper_level`).

``python -m benchmarks.page_sweep --variants faint`` (half the writing's depth kept; ``--keep
0.3``: a third) and ``python -m benchmarks.photo_variants --variants faded glare`` measure it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from camdigit.core.finder import FinderConfig

REFERENCE = 0.5
"""The thresholds hold as they are where the writing reaches at least this share of the
paper's level below it: the development photos reach 0.59 to 1.0, the still families' pages
0.54 (a thin grey pen on a cheque) to 0.99; written faint (half their depth kept) 0.30 to 0.64
(a light chalk's board), a third kept 0.17 to 0.51."""

NOISE_SPREAD = 4.0
"""Clear ink is kept deeper than the ground's own dips reach: their median and this many
spreads of them (the scaled median absolute deviation), as quiet paper is judged
(:func:`camdigit.core.faint_ink.quiet_paper`): a wall's or a rough paper's texture, blurred
noise, whose darkest spots are no faint writing but the ground's own."""

STEPS = 256
"""Depths are ranked in steps of 1/STEPS of the paper's level (about a grey level each)."""

DARKEST = 0.001
"""The writing's depth is that of the darkest this share of the frame's cells (a few strokes'
length of a single small digit on a page), not the single darkest: a speck of dirt, a dead
pixel."""


def darkest_cells(gray: np.ndarray, shape: tuple[int, int], step: int) -> np.ndarray:
    """(H, W) float32, ``shape`` (the shrunk frame's): the darkest pixel of each ``step`` by
    ``step`` cell of the full-size ``gray``, as a thin stroke is lighter once shrunk."""
    height, width = shape
    cells = cv2.erode(gray, np.ones((step, step), np.uint8))[step // 2 :: step, step // 2 :: step]
    return np.ascontiguousarray(cells[:height, :width]).astype(np.float32)


@dataclass(frozen=True)
class Depths:
    """How far below the paper's level the frame's writing and its ground reach, as shares of
    the level."""

    writing: float  # the frame's darkest cells (:data:`DARKEST`)
    ground: float  # the ground's own dips: their median and :data:`NOISE_SPREAD` spreads


def measured_depths(cells: np.ndarray, level: np.ndarray, dim: np.ndarray | None) -> Depths:
    """The depths below the paper ``level`` of the ``cells`` (:func:`darkest_cells`) off
    ``dim`` ground (a desk, a deep shadow: its own depth is no writing's): the writing's (the
    :data:`DARKEST` share) and the ground's (most cells are the ground's)."""
    depth = (level - cells) / np.maximum(level, 1.0)
    depth = depth[~dim] if dim is not None else depth.ravel()
    if depth.size == 0:
        return Depths(0.0, 0.0)
    # in whole steps of 1/STEPS: the ranks from a histogram (one pass, no sort)
    steps = np.clip(depth * STEPS + 0.5, 0, STEPS).astype(np.intp)
    cumulative = np.cumsum(np.bincount(steps, minlength=STEPS + 1))
    darkest = max(1, int(DARKEST * depth.size))
    writing = int(np.searchsorted(cumulative, depth.size - darkest + 1))
    middle = int(np.searchsorted(cumulative, (depth.size + 1) // 2))
    deviations = np.cumsum(np.bincount(np.abs(steps - middle)))
    spread = 1.4826 * int(np.searchsorted(deviations, (depth.size + 1) // 2))
    return Depths(writing / STEPS, (middle + NOISE_SPREAD * spread) / STEPS)


def scaled_to_writing(cfg: FinderConfig, depths: Depths) -> FinderConfig:
    """``cfg`` with its ink and faint thresholds' depths below the paper scaled by the
    writing's depth over :data:`REFERENCE`; ``cfg`` itself where the writing reaches it.

    Clear ink stays at least as deep as ``cfg``'s faint level (what a dark pen's stroke goes
    on at): a speck or a grain lighter than that is the ground's as often as writing, and
    faint writing still joins its clear ink at the faint level, scaled too. Nor is clear ink
    scaled into the ground's own reach (:data:`NOISE_SPREAD`)."""
    floor = (1.0 - cfg.faint_ratio) / (1.0 - cfg.ink_ratio)
    scale = max(floor, depths.writing / REFERENCE, depths.ground / (1.0 - cfg.ink_ratio))
    if scale >= 1.0:
        return cfg
    return replace(
        cfg,
        ink_ratio=1.0 - (1.0 - cfg.ink_ratio) * scale,
        faint_ratio=1.0 - (1.0 - cfg.faint_ratio) * scale,
    )
