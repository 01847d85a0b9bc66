"""A frame whose writing's polarity is in doubt is read both ways, and the model's digits judge
(a still each time; a video's frames once, :class:`VideoPolarity`).

The polarity is measured by counting marks lighter and darker than their ground
(:func:`camdigit.core.ink_polarity.polarity`). Where the light marks are as many as the dark
ones, the count can be fooled: a marker held close to the camera draws strokes wider than the
window the ground is measured through, so its loops and the paper between its digits count as
light strokes (about one closeup in 25 of ``python -m benchmarks.scene_framings --families
closeup`` at seeds 7 and 11, a throwaway count, was taken for light writing and read as nothing,
or as the pieces of paper in its loops); a page on a dark desk has light corners; a board on a
lighter desk has dark ones. There the still is read again with the other polarity, and the
reading whose confident digits hold clearly more writing is kept (:func:`covered`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from camdigit.core.detections import FrameResult
from camdigit.core.finder import DigitFinder, to_gray
from camdigit.core.ink_polarity import polarity
from camdigit.core.look_scales import both_readings
from camdigit.core.pixels import Shrunk, shrunk

Read = Callable[[DigitFinder, Shrunk], FrameResult]
"""A frame read with a finder, given the frame's shrunk grey (measured once, for the polarity
and the ink alike)."""

CLEARLY_MORE = 1.5
"""The other polarity's reading is kept only where its digits hold this many times the writing
the measured polarity's digits do (:func:`covered`): the count's verdict stands unless the
model's digits clearly say otherwise."""


def read_polarities(
    read: Read, finder: DigitFinder, frame: np.ndarray
) -> tuple[FrameResult, DigitFinder]:
    """``frame`` read by ``read`` with ``finder``'s polarity measured and, where it was in
    doubt, with the other too: the reading kept (with the time and crops of both), and the
    finder that gave it."""
    measured, other, copy = polarity_finders(finder, frame)
    if other is None:
        return read(measured, copy), measured
    return _judged(read, measured, other, copy)


def _judged(
    read: Read, measured: DigitFinder, other: DigitFinder, copy: Shrunk
) -> tuple[FrameResult, DigitFinder]:
    """The frame read by ``read`` both ways: the reading kept (:func:`clearly_better`), with
    the time and crops of both, and the finder that gave it."""
    result, second = read(measured, copy), read(other, copy)
    if clearly_better(result, second):
        return both_readings(result, second), other
    return both_readings(second, result), measured


@dataclass
class VideoPolarity:
    """The polarity chosen for one video's or camera's frames in doubt: judged as a still would
    be (read both ways, untracked) on the first such frame, and kept while the count's verdict
    on the frames in doubt stays what it was then (judged again where it turns: the camera
    turned from a page to a board). Frames not in doubt are read as measured."""

    verdict: bool | None = None  # the count's verdict (light) when last judged
    light: bool = False  # the polarity the model's digits chose then

    def reset(self) -> None:
        """A new video: judge afresh."""
        self.verdict = None

    def read(self, read: Read, judge: Read, finder: DigitFinder, frame: np.ndarray) -> FrameResult:
        """``frame`` read (tracked) by ``read`` with the polarity measured or, in doubt, the
        one chosen; where it is judged now, by ``judge`` (untracked), its time is counted."""
        measured, other, copy = polarity_finders(finder, frame)
        if other is None:  # forced by the user, or not in doubt
            return read(measured, copy)
        light = measured.config.ink == "light"
        judged = None
        if self.verdict != light:
            judged, chosen = _judged(judge, measured, other, copy)
            self.verdict, self.light = light, chosen.config.ink == "light"
        result = read(measured if self.light == light else other, copy)
        return result if judged is None else both_readings(judged, result)


def _forced(finder: DigitFinder, light: bool) -> DigitFinder:
    """``finder`` with its polarity set: light writing or dark ink."""
    return DigitFinder(replace(finder.config, ink="light" if light else "dark"))


def polarity_finders(
    finder: DigitFinder, frame: np.ndarray
) -> tuple[DigitFinder, DigitFinder | None, Shrunk]:
    """The finder for ``frame`` with its polarity measured (or as the user forced it), and,
    where the measure was in doubt, one with the other polarity (else None); and the frame's
    grey shrunk (:func:`camdigit.core.pixels.shrunk`), which the polarity was measured on and
    the ink is (not measured twice a frame)."""
    gray = to_gray(frame)
    copy = shrunk(gray)
    if finder.config.ink != "auto":
        return finder, None, copy
    light, doubted = polarity(gray, finder.config, copy)
    return _forced(finder, light), _forced(finder, not light) if doubted else None, copy


def covered(result: FrameResult) -> float:
    """How much writing the reading's digits hold: their heights, each the root of its box's
    area (a slim 1 as much as a round 0 of its height), weighted by their confidences. A
    polarity read wrong takes the paper in digits' loops and between strokes for ink: smaller
    marks than the digits, or one mark as large as the whole page, not many of digits' size."""
    boxes = result.detections.boxes
    if not len(boxes):
        return 0.0
    sides = np.sqrt(boxes[:, 2].astype(np.float64) * boxes[:, 3])
    return float(np.sum(sides * result.detections.confidences))


def clearly_better(measured: FrameResult, other: FrameResult) -> bool:
    """Whether ``other`` (the frame read with the other polarity) beats ``measured``: it holds
    :data:`CLEARLY_MORE` times the writing, and not only 1s (seen closer than a digit is tall,
    a marker's stroke fills the frame, and the paper left beside it, slim, reads as 1s)."""
    if not np.any(other.detections.digits != 1):
        return False
    return covered(other) > CLEARLY_MORE * covered(measured)
