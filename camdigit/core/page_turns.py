"""A photo taken sideways is read turned a quarter each way, and the model's digits judge.

A phone held across a page whose picture lost its orientation tag, a page held sideways to a
webcam: the digits lie on their sides, and the model reads few of them, or reads them as other
digits. Handwritten digits stand taller than they are wide, and a line's marks beside each
other, so where a still's reading is weak (few of the crops it read are reported digits) and
its writing-sized marks (those of its ink, or, where a grid's lines join them all into one,
the blobs the finder proposes, the lines taken off) run down the frame and lie wide
(:func:`lying_writing`), the still is read again turned a quarter clockwise and a quarter
anticlockwise (also where its marks tell no direction, a page on a wall or on a dark grid,
as long as few of its first reading's digits stand in numbers); the turned reading whose sure
digits hold the most writing (:func:`surely_covered`) is kept where it reads
:data:`MIN_MARKS` digits or more, holds more than the first reading, and is not weak itself
on a page whose marks lie on their side, or holds many more digits in numbers than the first
reading (numbers among letters, texture, a dark board's specks; :func:`kept_turned`), its
boxes turned back into the photo's pixels (:func:`turned_back`). A page upside down is not
judged: its 0s, 1s, 8s, 6s and 9s read as digits either way, and the model's confidence
does not tell the two apart reliably.
``python -m benchmarks.photo_variants --variants sideways sideways-left`` measures it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import cv2
import numpy as np

from camdigit.core.detections import Detections, FrameResult, inside_frame
from camdigit.core.frame_margin import read_framed
from camdigit.core.ink import find_ink
from camdigit.core.look_scales import both_readings
from camdigit.core.polarity_looks import covered
from camdigit.core.proposals import uncut
from camdigit.core.second_looks import DOUBT

if TYPE_CHECKING:
    from camdigit.core.finder import FinderConfig

WEAK = 1 / 3
"""A still's reading is weak where fewer than this share of the crops it read are reported as
digits: the development photos, upright, report 40-100% of them, or, where letters and symbols
stand beside a few digits, 1-18%; turned a quarter, 0-25%."""

LINES = 0.5
"""Writing runs across the frame's height where more than this share of its marks have their
nearest mark above or below them: a line's marks stand beside each other, its next line
further off. Measured with :data:`CHARACTER` on 48 development photos (the twelve, glared,
faded and blurred) and 49 pages of ten still families: upright 0-46% and 0-47% (pages of
touching digits up to 62%); turned a quarter 55-100% and 54-100%."""

WIDE = 0.4
"""... and more than this share of its marks lie wider than tall: handwritten digits stand
taller than they are wide (upright, the pages' marks 0-61% wide; the photos' 0-80%, where
cursive x's and d's stand beside an integral's digits; turned a quarter 34-100% and 20-100%):
the two measures together tell more than either."""

CHARACTER = 3.0
"""A mark is one character's where its longer side is at most this many times its shorter: a
number written touching is one long mark, and its nearest mark is another number, up or down
the page as often as beside it."""

MIN_MARKS = 3
"""Fewer writing-sized marks than this, whole in the frame (one its border cuts has lost its
shape), tell no direction; nor does a turned reading of fewer digits (a lone 4 turned a
quarter may still read as a digit, as may a piece of one the border cut)."""

QUARTERS = (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)


def read_turned(
    look: Callable[[np.ndarray], FrameResult],
    gray: np.ndarray,
    first: FrameResult,
    cfg: FinderConfig,
    propose: Callable[[np.ndarray], Detections],
) -> FrameResult:
    """A still ``gray`` read by ``look`` (``first``, a still's looks, :mod:`.look_scales`) and,
    where its reading is weak, again turned a quarter each way (each read as ``first`` was,
    with a margin where its writing crosses the border, :mod:`.frame_margin`) where its
    writing lies on its side (:func:`lies_on_its_side`), or, whatever its marks say, where
    fewer than :data:`NUMBERED` of its first reading's digits stand in numbers: a wall's,
    a carpet's or a dark grid's marks tell no direction, and a page whose numbers read is
    upright. The reading kept (:func:`kept_turned`), with the time and crops of all."""
    if not weak(first):
        return first
    lying = lies_on_its_side(gray, cfg, propose)
    if not lying and numbered(first) >= NUMBERED:
        return first
    best = first
    for quarter in QUARTERS:
        turned_gray = cv2.rotate(gray, quarter)
        turned = read_framed(look, turned_gray, look(turned_gray), cfg)
        if kept_turned(turned, best, first, lying):
            best = both_readings(best, turned_back(turned, quarter, gray.shape))
        else:
            best = both_readings(turned, best)
    return best


def kept_turned(
    turned: FrameResult, best: FrameResult, first: FrameResult, lying: bool = True
) -> bool:
    """Whether the ``turned`` reading beats ``best`` (the ``first`` reading, or the other
    quarter's kept): it reads :data:`MIN_MARKS` digits or more, its sure digits hold more
    writing (:func:`surely_covered`), and it is not weak itself where the page's marks lie
    on their side (``lying``), or its digits stand in numbers (:func:`numbered`) as a page's
    do upright: :data:`NUMBERED` or more of them other than 1s, :data:`MORE_NUMBERED` times
    the first reading's, :data:`MOST_NUMBERED` of its digits. A page of numbers among
    letters, texture or a dark board's specks leaves most crops no digit either way up, and
    is weak upright too; its numbers only read whole when the page stands upright. Where its
    marks do not lie on their side, only numbers turn it: the strokes of an integral's
    "7x - x dx" turned a quarter read as four lone digits, and not weakly. (Kept also where
    it is weak but holds 1.5 times the writing, a textured ground's pages read sideways
    gained, but a glare-faded "integral 2x dx" turned read as five digits, each alone: none
    in a number.)"""
    more = surely_covered(turned) > surely_covered(best)
    if len(turned.detections) < MIN_MARKS or not more:
        return False
    if lying and not weak(turned):
        return True
    standing = numbered(turned)
    return (
        standing >= NUMBERED
        and standing >= MORE_NUMBERED * max(numbered(first), 1)
        and standing >= MOST_NUMBERED * len(turned.detections)
    )


NUMBERED = 2 * MIN_MARKS
"""A weak still whose first reading holds fewer digits in numbers of two or more
(:func:`numbered`) than this is read turned even where its marks tell no direction, and a
weak turned reading's digits in numbers are at least this many: two numbers of three
digits, three of two (counted by a throwaway script on the readings ``read_turned`` made:
``python -m benchmarks.scene_framings``' textured, light-on-dark and cluttered pages taken
sideways, read turned upright: 9-47; the development photos taken sideways, turned the
wrong way: 0-5, a "2x dx" and its neighbours read as digits; a webcam's form taken
sideways, turned upright: 9, its written number)..."""

MORE_NUMBERED = 3.0
"""... and this many times as many as the first reading's (those pages: 3.9 times and more,
where the first held any)..."""

MOST_NUMBERED = 0.5
"""... and at least this share of its digits: a page's digits read upright stand in numbers
(the scene framings' pages turned upright: 0.69-0.98 of them), a weave's threads read as
digits stand mostly alone (a fabric of :mod:`benchmarks.grounds` turned a quarter:
0.06-0.10; the same throwaway script)."""


def surely_covered(result: FrameResult) -> float:
    """How much writing ``result``'s digits read without doubt (at
    :data:`camdigit.core.second_looks.DOUBT` or surer) hold
    (:func:`camdigit.core.polarity_looks.covered`). A page turned a quarter the wrong way
    stands upside down: its 0s, 1s, 6s, 8s and 9s read as surely as upright, its other digits
    with doubt, and a wall's specks beside it read as digits no surer; counting every digit
    by its confidence, such a reading of a page on a wall held more than the upright one
    (``tests/test_page_turns.py``)."""
    sure = result.detections.confidences >= DOUBT
    return covered(dataclasses.replace(result, detections=result.detections[sure]))


def numbered(result: FrameResult) -> int:
    """How many of ``result``'s digits other than 1 stand in its numbers of two digits or
    more: a plank's seams, a weave's threads, a word's strokes read as 1s side by side as a
    number's digits stand (bare wood turned a quarter read "numbers" of 1s a plank tall)."""
    digits = result.detections.digits
    return sum(
        int((digits[list(n.members)] != 1).sum()) for n in result.numbers if len(n.members) >= 2
    )


def weak(result: FrameResult) -> bool:
    """Whether fewer than :data:`WEAK` of the crops ``result`` read were reported digits."""
    return len(result.detections) < WEAK * result.classified


def lies_on_its_side(
    gray: np.ndarray, cfg: FinderConfig, propose: Callable[[np.ndarray], Detections]
) -> bool:
    """Whether the writing of ``gray`` lies on its side (:func:`lying_writing`), told by the
    marks of its ink, or, where fewer than :data:`MIN_MARKS` of those are writing-sized (a
    grid's lines join all its digits into one), by the blobs whole that ``propose`` (the
    finder) makes of it, the lines taken off. (Only then: the finder joins a line's digits
    lying one above the other as it joins a digit's parts, and it takes the time of a find.)"""
    _, ink = find_ink(gray, cfg, cfg.ink)
    marks = cv2.connectedComponentsWithStats(ink.mask, connectivity=8)[2][1:, :4]
    if int(writing_sized(marks, gray.shape, cfg).sum()) < MIN_MARKS:
        marks = writing_marks(propose(gray))
    return lying_writing(marks, gray.shape, cfg)


def writing_marks(found: Detections) -> np.ndarray:
    """(N, 4) the boxes of the finder's proposals ``found`` that are a blob whole (not its
    pieces): the frame's marks, a grid's or a form's lines taken off."""
    return found.boxes[uncut(found.data["start"], found.data["end"])]


def writing_sized(boxes: np.ndarray, shape: tuple[int, ...], cfg: FinderConfig) -> np.ndarray:
    """(N,) bool: which of the marks ``boxes`` (x, y, w, h) in a frame of ``shape`` may be a
    character: at least the smallest digit's size, at most half the frame's shorter side,
    clear of its border, and one character's shape (:data:`CHARACTER`)."""
    w, h = boxes[:, 2], boxes[:, 3]
    side = np.maximum(w, h)
    height, width = shape[:2]
    sized = inside_frame(boxes, width, height)
    sized &= (side >= cfg.min_height_px) & (side <= min(height, width) // 2)
    return sized & (side <= CHARACTER * np.minimum(w, h))


def lying_writing(boxes: np.ndarray, shape: tuple[int, ...], cfg: FinderConfig) -> bool:
    """Whether the writing-sized ones of the marks ``boxes`` (:func:`writing_sized`;
    :data:`MIN_MARKS` of them or more) run across the frame's height (:data:`LINES`) and lie
    wide (:data:`WIDE`)."""
    sized = writing_sized(boxes, shape, cfg)
    if int(sized.sum()) < MIN_MARKS:
        return False
    marks = boxes[sized, :2] + boxes[sized, 2:] / 2.0
    offsets = marks[None, :, :] - marks[:, None, :]  # (mark, other, x / y)
    distance = np.hypot(offsets[..., 0], offsets[..., 1])
    np.fill_diagonal(distance, np.inf)
    nearest = offsets[np.arange(len(marks)), distance.argmin(axis=1)]
    above_or_below = np.abs(nearest[:, 1]) > np.abs(nearest[:, 0])
    wide = boxes[sized, 2] > boxes[sized, 3]
    return float(above_or_below.mean()) > LINES and float(wide.mean()) > WIDE


def turned_back(result: FrameResult, quarter: int, shape: tuple[int, ...]) -> FrameResult:
    """``result``, read in the frame of ``shape`` turned by ``quarter`` (one of
    :data:`QUARTERS`), with its digits' and numbers' boxes in the frame's own pixels."""
    d = result.detections
    detections = Detections(
        _boxes_back(d.boxes, quarter, shape), d.digits, d.confidences, d.tracks, d.data
    )
    numbers = [
        dataclasses.replace(n, box=tuple(_boxes_back(np.array([n.box]), quarter, shape)[0]))
        for n in result.numbers
    ]
    return dataclasses.replace(
        result, detections=detections, numbers=numbers, timings=dict(result.timings)
    )


def _boxes_back(boxes: np.ndarray, quarter: int, shape: tuple[int, ...]) -> np.ndarray:
    """(N, 4) x, y, w, h ``boxes`` of the frame of ``shape`` (height, width) turned by
    ``quarter``, in the frame's own pixels."""
    height, width = shape[:2]
    x, y, w, h = (boxes[:, k].astype(np.int64) for k in range(4))
    if quarter == cv2.ROTATE_90_CLOCKWISE:  # turned (r, c) came from (height - 1 - c, r)
        back = np.column_stack([y, height - x - w, h, w])
    else:  # anticlockwise: turned (r, c) came from (c, width - 1 - r)
        back = np.column_stack([width - y - h, x, h, w])
    return back.astype(boxes.dtype if len(boxes) else np.int32)
