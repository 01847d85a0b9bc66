"""The ink of a frame, measured against the paper around it, with the pen's width measured too.

The paper's level is a grey closing of a shrunk copy of the frame, its window a few stroke
widths wide, chosen per region from the strokes themselves (:mod:`camdigit.core.paper_windows`):
what is clearly darker than it is ink.

Faint strokes: ink is what is clearly darker than the paper (halfway to the darkest mark around,
where the writing around is itself faint), what is a little darker joined to it, and faint
writing nowhere clear ink (:mod:`camdigit.core.faint_ink`); where the whole frame's writing is
faint (a light pencil, a worn marker, a thin pen smeared by a moving camera), both levels are
scaled to its measured depth (:mod:`camdigit.core.ink_depth`).

Glare: light a glossy page reflects is taken off the frame first (:mod:`camdigit.core.glare`).

Polarity: light ink on a dark ground (chalk on a blackboard, white marker on black paper) is
measured (:func:`camdigit.core.ink_polarity.light_ink`) and the frame inverted, so every later step
sees dark ink on a light ground.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import cv2
import numpy as np

from camdigit.core.faint_ink import (
    apart,
    faint_writing,
    join_faint,
    lone_writing,
    quiet_paper,
)
from camdigit.core.glare import find_glare
from camdigit.core.ink_depth import darkest_cells, measured_depths, scaled_to_writing
from camdigit.core.ink_polarity import light_ink
from camdigit.core.paper_shade import bright_level, dim_ground, off_page
from camdigit.core.paper_windows import ink_threshold, paper_level
from camdigit.core.pixels import Shrunk, shrunk

_GROW = np.ones((3, 3), np.uint8)

InkPolarity = Literal["auto", "dark", "light"]


@dataclass(frozen=True)
class InkMap:
    """The ink of one frame, and the paper it was measured against."""

    mask: np.ndarray  # (H, W) uint8, 255 where there is ink
    paper: np.ndarray  # paper level at 1/step resolution
    step: int
    bright: float  # the level of the well-lit page
    inverted: bool = False  # the frame was light ink on a dark ground, inverted before
    # (H, W) uint8, 255 where darker than the faint level (a stroke's soft edge, a grey
    # printed line); None where not measured
    faint: np.ndarray | None = None
    gray: np.ndarray | None = None  # the frame with its glare taken off; None: it had none


def find_ink(
    gray: np.ndarray, cfg, polarity: InkPolarity = "auto", copy: Shrunk | None = None
) -> tuple[np.ndarray, InkMap]:
    """The frame as dark ink on a light ground (inverted when the ink is light) and its ink;
    ``copy``: :func:`shrunk` of ``gray`` if made, for both steps unless the frame is inverted."""
    small = copy or (shrunk(gray) if polarity == "auto" else None)
    inverted = polarity == "light" or (polarity == "auto" and light_ink(gray, cfg, small))
    if inverted:
        gray = cv2.bitwise_not(gray)
        small = None
    ink = ink_mask(gray, cfg, small)
    return (gray if ink.gray is None else ink.gray), replace(ink, inverted=inverted)


def ink_mask(gray: np.ndarray, cfg, copy: Shrunk | None = None) -> InkMap:
    """Find the dark ink of a grayscale frame against the paper around it.

    The threshold maps are made on a copy shrunk by ``step`` and scaled up, which costs far
    less than filtering the full frame. Ink is what is darker than ``ink_ratio`` of the paper
    (and ``ink_margin`` levels; less where the writing around is faint, :func:`.faint_writing`),
    plus what is darker than ``faint_ratio`` joined to it
    (:func:`camdigit.core.faint_ink.join_faint`): a grainy pencil stroke dips above the first
    level here and there and would fall apart without the second, while a faint ruled line
    away from any ink stays out.
    Where the paper is dim (a desk, a deep shadow: below ``dim_paper`` of the well-lit page),
    the ink must also be darker than ``dim_ink`` of the paper there: relative to the paper
    around it, so ink in a shadow a quarter as bright as the lit page is still ink, but the
    grain of a dark desk is not. The page in soft shade, reached from the lit page without a
    step, is not dim ground (:mod:`camdigit.core.paper_shade`).
    ``copy``: :func:`camdigit.core.pixels.shrunk` of ``gray`` when the caller made it already.
    """
    height, width = gray.shape
    small, step = copy or shrunk(gray)
    base = max(3, int(round(cfg.paper_window * min(height, width) / step)) | 1)
    paper = paper_level(small, base, cfg)
    bright = bright_level(paper)
    glare = find_glare(paper, bright, cfg.ink_ratio, cfg.ink_margin, cfg.dim_paper)
    if glare is not None:  # light a glossy page reflects: taken off, the ink keeps its contrast
        gray, small, paper = glare.taken_off(gray, small, paper)
        bright = glare.lit
    dim = dim_ground(paper, bright, cfg.dim_paper)
    dim = off_page(small, paper, dim, bright, base, cfg.faint_ratio)
    level = paper.astype(np.float32)
    # the writing's depth measured, the thresholds scaled to it (a light pencil, a faded pen)
    cells = darkest_cells(gray, small.shape, step)
    cfg = scaled_to_writing(cfg, measured_depths(cells, level, dim))

    def ink_below(threshold: np.ndarray) -> np.ndarray:
        """What is darker than a threshold map of the shrunk frame, at full size."""
        # Where the paper's level drops (the page's edge on a desk), follow the darker side:
        # the scaled-up map would otherwise pass through in-between levels, and the desk just
        # beside the page would read as a line of ink.
        threshold = cv2.erode(threshold, _GROW)
        threshold = cv2.resize(
            np.clip(threshold, 0, 255).astype(np.uint8),
            (width, height),
            interpolation=cv2.INTER_LINEAR,
        )
        return cv2.compare(gray, threshold, cv2.CMP_LT)

    clear = ink_threshold(level, dim, cfg.ink_ratio, cfg.dim_ink, cfg.ink_margin)
    faint_level = ink_threshold(level, dim, cfg.faint_ratio, cfg.dim_ink + 0.1, cfg.ink_margin)
    if glare is not None:
        clear = glare.ink_threshold(clear, faint_level)
    lifted = faint_writing(cells, level, dim, clear, base, cfg)
    dark = ink_below(clear if lifted is None else lifted)
    faint = ink_below(faint_level)
    # writing with no clear ink, on quiet paper: faint marks with darker cores (halfway to the
    # clear level), marks past the margin (not on a dim ground: a desk's grain) with faint cores
    pale = None
    if quiet_paper(small, paper, cfg.faint_ratio, cfg.ink_margin):
        pale = ink_below(ink_threshold(level, dim, cfg.pale_ratio, cfg.dim_ink, cfg.ink_margin))
    ink = join_faint(dark, faint, cfg.min_height_px, pale)
    if pale is not None and apart(faint, ink, cfg.min_height_px):  # else no lone writing
        ceiling = level - cfg.ink_margin
        trace = ink_below(ceiling if dim is None else np.where(dim, 0.0, ceiling))
        ink = lone_writing(ink, dark, trace, faint, cfg.min_height_px)
    return InkMap(ink, paper, step, bright, faint=faint, gray=None if glare is None else gray)
