"""The sizes a frame is looked at: as it comes (or shrunk to ``max_side``), and a still whose
digits came out small looked at again enlarged.

Small writing (a page on a desk seen from further away, a webcam's small frame) is read worse
than the same writing larger: its strokes, a pixel or two wide, run together, its gaps close,
and the model sees it through a few pixels. The digits the first look read say how tall the
writing is; where they are small, the still is read again larger. Judged by the digits read,
not by the ink: noise and a wall's specks are small too, and enlarged they only give more
false digits. Graph paper too: written across its lines, its digits' strokes as thin as its
lines are, small graph paper loses most where its lines are erased.
"""

from __future__ import annotations

import numpy as np

from camdigit.core.detections import FrameResult

SMALL_WRITING = 2.0
"""A still whose digits read are shorter than this many times the least height the model reads
(``FinderConfig.min_height_px``: 18 px; their median, in the pixels the finder saw) is read
again enlarged (cubic). Measured on the still families, as rendered and framed smaller (a page
on a desk, by a phone held upright: 288 scenes of 24 families read at both sizes, throwaway
script): under 18 px, 56 more of 1,372 digits read and 3 more false digits enlarged; at 18-20
px one digit fewer; above, no more digits and more false ones."""

MOST_ENLARGED = 2.0
"""A frame is looked at no larger than twice its own size, nor than ``max_side`` (the user's
bound on the time and memory a frame takes: a photo shrunk to it is read once)..."""

LEAST_ENLARGED = 1.25
"""... and read again only where that is this many times larger than the first look."""


def look_scales(shape: tuple[int, ...], max_side: int) -> tuple[float, float]:
    """The factors a frame of ``shape`` is looked at by: first (1, or shrunk to ``max_side``;
    0: never), and enlarged (:data:`MOST_ENLARGED`, at most to ``max_side``)."""
    longest = max(shape[:2])
    first = max_side / longest if max_side and longest > max_side else 1.0
    larger = min(2.0 * first, MOST_ENLARGED, max_side / longest if max_side else MOST_ENLARGED)
    return first, max(first, larger)


def small_writing(result: FrameResult, scales: tuple[float, float], min_height: int) -> bool:
    """Whether a still read at ``scales[0]`` (``result``) is worth reading again at
    ``scales[1]``: its digits are small (:data:`SMALL_WRITING` times ``min_height``) and the
    second look is :data:`LEAST_ENLARGED` times larger at least."""
    first, larger = scales
    if not len(result.detections) or larger < LEAST_ENLARGED * first:
        return False
    seen = float(np.median(result.detections.boxes[:, 3])) * first  # as the finder saw them
    return seen < SMALL_WRITING * min_height


def both_readings(first: FrameResult, again: FrameResult) -> FrameResult:
    """``again`` (the second, enlarged reading) with the time and the crops of both."""
    for stage, ms in first.timings.items():
        again.timings[stage] = again.timings.get(stage, 0.0) + ms
    again.classified += first.classified
    return again
