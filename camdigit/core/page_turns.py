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
boxes turned back into the photo's pixels (:func:`turned_back`). A close-up of one or two
digits lying on their side (wide marks, too few to tell a direction by their places,
:func:`close_up_marks`) is turned the one way that reads each of them surely
(:func:`close_up_turn`); a number written touching, lying on its side, is one mark far
taller than wide (:func:`lying_number`), which the finder may not propose or the model
reads as one digit (:func:`weak`). A page upside down is not judged: its 0s, 1s, 8s, 6s
and 9s read as digits either way, and the model's confidence does not tell the two apart
reliably (nor, for a close-up, which of two quarters is up where both read surely).
The marks are measured in :mod:`camdigit.core.lying_marks` (:func:`lying_writing`,
:func:`close_up_marks`, :func:`lying_number`, :data:`MIN_MARKS`, :data:`CHARACTER`).
``python -m benchmarks.photo_variants --variants sideways sideways-left`` measures it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import cv2
import numpy as np

from camdigit.core.detections import Detections, FrameResult
from camdigit.core.frame_margin import read_framed
from camdigit.core.look_scales import both_readings
from camdigit.core.lying_marks import (
    MIN_MARKS,
    close_up_marks,
    columns,
    ink_marks,
    lies_on_its_side,
)
from camdigit.core.polarity_looks import covered
from camdigit.core.second_looks import DOUBT

if TYPE_CHECKING:
    from camdigit.core.finder import FinderConfig

WEAK = 1 / 3
"""A still's reading is weak where fewer than this share of the crops it read are reported as
digits: the development photos, upright, report 40-100% of them, or, where letters and symbols
stand beside a few digits, 1-18%; turned a quarter, 0-25%."""

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
    upright. The reading kept (:func:`kept_turned`; of a close-up's few digits lying on their
    side, :func:`close_up_turn`), with the time and crops of all."""
    if not weak(first):
        return first
    marks = ink_marks(gray, cfg)
    lying = lies_on_its_side(gray, cfg, propose, marks)
    if not lying and numbered(first) >= NUMBERED:
        return first
    best = first
    readings = []
    for quarter in QUARTERS:
        turned_gray = cv2.rotate(gray, quarter)
        turned = read_framed(look, turned_gray, look(turned_gray), cfg)
        readings.append(turned)
        if kept_turned(turned, best, first, lying):
            best = both_readings(best, turned_back(turned, quarter, gray.shape))
        else:
            best = both_readings(turned, best)
    if best is not first:
        return best
    few = close_up_marks(marks, gray.shape, cfg)  # no page turned: a close-up's, lying?
    kept = close_up_turn(readings, first, few) if len(few) else None
    if kept is not None:  # its time and crops are counted in ``best`` already
        turned = turned_back(readings[kept], QUARTERS[kept], gray.shape)
        turned.timings.clear()
        turned.classified = 0
        best = both_readings(best, turned)
    return best


def close_up_turn(readings: list[FrameResult], first: FrameResult, marks: np.ndarray) -> int | None:
    """Which of the ``readings`` turned a quarter each way (as :data:`QUARTERS`) reads a
    close-up's ``marks`` lying on their side (:func:`close_up_marks`): the only one that
    reads as many digits as there are marks, every one without doubt
    (:data:`camdigit.core.second_looks.DOUBT`), where its sure digits hold more writing than
    the ``first`` reading's (:func:`surely_covered`: a 3 lying on its side read as a 7 and a
    1), and not only as 1s (any stroke stands as a 1 turned either way: a marker digit's
    pieces the page's edge cut off). None where both quarters do: a lone 0, 1 or 8, a 6 or a
    9, "61" or "19" read surely either way up, and which way is up is not told; nor where
    the ``first`` reading read one digit holding every mark, even with doubt: a 7 written
    wide, upright, read as a 7 with doubt, reads as a 2 without doubt turned a quarter, and
    a thin pen's 5 filling the frame, its ink in two wide pieces, as a 1 and a 5."""
    whole = [
        quarter
        for quarter, reading in enumerate(readings)
        if len(reading.detections) == len(marks)
        and bool((reading.detections.confidences >= DOUBT).all())
        and bool((reading.detections.digits != 1).any())
    ]
    if len(whole) != 1 or surely_covered(readings[whole[0]]) <= surely_covered(first):
        return None
    if _holds_every(first.detections.boxes, marks):  # the close-up read as one digit
        return None
    return whole[0]


def _holds_every(boxes: np.ndarray, marks: np.ndarray) -> bool:
    """Whether one of ``boxes`` holds every one of ``marks`` (both x, y, w, h)."""
    if not len(boxes) or not len(marks):
        return False
    b = boxes.astype(np.int64)
    x0, y0 = marks[:, 0].min(), marks[:, 1].min()
    x1, y1 = (marks[:, 0] + marks[:, 2]).max(), (marks[:, 1] + marks[:, 3]).max()
    return bool(
        (
            (b[:, 0] <= x0)
            & (b[:, 1] <= y0)
            & (b[:, 0] + b[:, 2] >= x1)
            & (b[:, 1] + b[:, 3] >= y1)
        ).any()
    )


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
    """Whether fewer than :data:`WEAK` of the crops ``result`` read were reported digits, or
    it read no crop at all. A number written touching, lying on its side, is one blob as tall
    as the frame and thinner than its digits are tall, which the finder may not propose, or
    which the model reads as one digit: a digit other than 1 more than
    :data:`camdigit.core.lying_marks.CHARACTER` times as tall as it is wide is not counted (no
    digit but a 1 has that shape)."""
    found = result.detections
    column = (found.digits != 1) & columns(found.boxes)
    return result.classified == 0 or int((~column).sum()) < WEAK * result.classified


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
