"""A video's framed look: the frame read with a margin while the camera stands still over it.

A still whose writing crosses its border is read again with a margin (:mod:`.frame_margin`).
A moving camera's next frames show a digit its border cut whole, so a moving view is not read
twice (the second look costs a frame's reading again). A camera held still over a number that
fills the frame never shows its outer digits whole: so where the view stands still (the
reading's digits where they were a third of a second before, :func:`stands`), the framed look
is taken, and it serves the frames after it while the view stays where it was, taken afresh
every :data:`REFRESH` frames (a hand writing one digit more). ``python -m
benchmarks.filled_frames --video 10`` measures what it reads and what it costs (a steady
close-up about a ninth more a frame).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from camdigit.core.detections import FrameResult
from camdigit.core.frame_margin import framed_look, spent, with_border_digits, worth_framing

if TYPE_CHECKING:
    from camdigit.core.finder import FinderConfig

STILL_SHIFT = 0.1
"""The view stands still while its digits move less than this share of their height between
the frames compared: a hand's tremor moves a close-up's digits a few pixels, a camera panning
over a page a good part of a digit a frame."""

STILL_FRAMES = 5
"""... over this many frames (a third of a second at 15 FPS): a hand-held camera drifting
slowly over a page moves its digits a few pixels a frame, and a good part of one in a third of
a second."""

REFRESH = 15
"""Frames one framed look serves (a second at 15 FPS) before it is taken again."""


@dataclass
class _Look:
    """A framed look and the first reading's boxes of the frame it was taken on."""

    shape: tuple[int, ...]
    boxes: np.ndarray
    framed: FrameResult
    age: int = 0  # frames read since it was taken


def stands(boxes: np.ndarray, before: np.ndarray) -> bool:
    """Whether digits read in ``boxes`` (N, 4) stand where ``before`` (M, 4) had them: the
    median of each box's move to the nearest box of ``before`` (centre to centre, its larger
    axis) is at most :data:`STILL_SHIFT` of its height (a piece read in one frame and not in
    the other moves no median). Nothing read in either stands; one empty and not the other
    does not."""
    if not len(boxes) or not len(before):
        return len(boxes) == len(before)
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    others = before[:, :2] + before[:, 2:] / 2
    moves = np.abs(centres[:, None, :] - others[None, :, :]).max(axis=2).min(axis=1)
    return bool(np.median(moves / np.maximum(boxes[:, 3], 1)) <= STILL_SHIFT)


class FramedLooks:
    """The framed look of one video or camera (see the module's docstring)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """A new video: no frame before, no look to serve."""
        self._before: deque[np.ndarray] = deque(maxlen=STILL_FRAMES)  # first readings' boxes
        self._look: _Look | None = None

    def read(
        self,
        look: Callable[[np.ndarray], FrameResult],
        gray: np.ndarray,
        first: FrameResult,
        cfg: FinderConfig,
    ) -> FrameResult:
        """A tracked frame ``gray`` read by ``look`` (``first``, its tracks and numbers' ids
        kept) with the digits at its border or filling it that a framed look finds
        (:func:`~camdigit.core.frame_margin.with_border_digits`), where it is worth it
        (:func:`~camdigit.core.frame_margin.worth_framing`) and the view stands still."""
        boxes = first.detections.boxes
        before = self._before[0] if len(self._before) == STILL_FRAMES else None
        self._before.append(boxes)
        held = self._look
        if held is not None:
            held.age += 1
        serves = (
            held is not None
            and held.age < REFRESH
            and held.shape == gray.shape
            and stands(boxes, held.boxes)
        )
        if not serves:
            self._look = held = None
            if before is None or not stands(boxes, before):
                return first  # a moving view: its next frames show a cut digit whole
        if not worth_framing(gray, first, cfg):
            return first
        if held is not None:
            return with_border_digits(first, held.framed, gray, tracked=True)
        framed = framed_look(look, gray)
        self._look = _Look(gray.shape, boxes, framed)
        return with_border_digits(spent(first, framed), framed, gray, tracked=True)
