"""How a frame's marks tell which way its writing lies: a line's marks beside each other,
handwritten digits taller than wide.

The marks are the ink's connected blobs (:func:`ink_marks`), or where a grid's lines join its
writing into one, the finder's blobs whole, the lines taken off (:func:`writing_marks`). A
page's writing lies on its side where its writing-sized marks (:func:`writing_sized`) have
their nearest mark above or below them and lie wide (:func:`lying_writing`), or where one mark
is a number written touching, lying on its side, far taller than wide (:func:`lying_number`).
A close-up of one or two digits shows too few marks to tell by their places; its marks lying
wide are counted (:func:`close_up_marks`) and the model's readings turned each way judge
(:func:`camdigit.core.page_turns.close_up_turn`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import cv2
import numpy as np

from camdigit.core.detections import Detections, inside_frame
from camdigit.core.ink import find_ink
from camdigit.core.proposals import uncut

if TYPE_CHECKING:
    from camdigit.core.finder import FinderConfig

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


def character_shaped(boxes: np.ndarray) -> np.ndarray:
    """(N,) bool: which of the marks ``boxes`` (x, y, w, h) are one character's shape, their
    longer side at most :data:`CHARACTER` times their shorter (not a line, nor a number
    written touching)."""
    w, h = boxes[:, 2], boxes[:, 3]
    return np.maximum(w, h) <= CHARACTER * np.minimum(w, h)


def columns(boxes: np.ndarray) -> np.ndarray:
    """(N,) bool: which of the marks ``boxes`` stand more than :data:`CHARACTER` times as tall
    as they are wide: no digit's shape but a 1's (a number written touching, lying on its
    side; a line's stroke)."""
    return boxes[:, 3] > CHARACTER * boxes[:, 2]


CLOSE_UP = 0.5
"""A close-up's marks are the ink's whole marks at least this share of its longest one's
length: its digits, not the specks of its paper."""


def close_up_marks(boxes: np.ndarray, shape: tuple[int, ...], cfg: FinderConfig) -> np.ndarray:
    """(N, 4) the marks of a close-up lying on its side, of its ink's marks ``boxes``: those
    whole in the frame of ``shape`` and at least :data:`CLOSE_UP` of the longest's length;
    where there are fewer than :data:`MIN_MARKS` of that length, cut by the border or not
    (too few to tell a direction by their places, :func:`lying_writing`; a page seen closer
    shows more, cut by its border; a ruled line across the frame is no character,
    :data:`CHARACTER`), and more than :data:`WIDE` of the whole ones lie wider than tall (a
    handwritten digit stands taller than wide, a 1 far taller; a 2 lying on its side may
    stand tall, its tail along its bowl). None (an empty array) where the frame is no such
    close-up."""
    none = np.zeros((0, 4), np.int32)
    if not len(boxes):
        return none
    height, width = shape[:2]
    inside = inside_frame(boxes, width, height)
    side = np.maximum(boxes[:, 2], boxes[:, 3])
    if not inside.any() or side[inside].max() < cfg.min_height_px:
        return none
    long = side >= CLOSE_UP * side[inside].max()
    long &= inside | character_shaped(boxes)  # a line the border cuts is no digit
    marks = boxes[long & inside]
    if int(long.sum()) >= MIN_MARKS or float((marks[:, 2] > marks[:, 3]).mean()) <= WIDE:
        return none
    return marks


def ink_marks(gray: np.ndarray, cfg: FinderConfig) -> np.ndarray:
    """(N, 4) the boxes (x, y, w, h) of the marks of ``gray``'s ink."""
    _, ink = find_ink(gray, cfg, cfg.ink)
    return cv2.connectedComponentsWithStats(ink.mask, connectivity=8)[2][1:, :4]


def lies_on_its_side(
    gray: np.ndarray,
    cfg: FinderConfig,
    propose: Callable[[np.ndarray], Detections],
    marks: np.ndarray | None = None,
) -> bool:
    """Whether the writing of ``gray`` lies on its side (:func:`lying_writing`), told by the
    marks of its ink (``marks``, :func:`ink_marks`, where the caller has them), or, where
    fewer than :data:`MIN_MARKS` of those are writing-sized (a grid's lines join all its
    digits into one), by the blobs whole that ``propose`` (the finder) makes of it, the lines
    taken off. (Only then: the finder joins a line's digits lying one above the other as it
    joins a digit's parts, and it takes the time of a find.)"""
    if marks is None:
        marks = ink_marks(gray, cfg)
    if int(writing_sized(marks, gray.shape, cfg).sum()) < MIN_MARKS:
        if lying_number(marks, gray.shape, cfg):
            return True
        marks = writing_marks(propose(gray))
    return lying_writing(marks, gray.shape, cfg)


def lying_number(boxes: np.ndarray, shape: tuple[int, ...], cfg: FinderConfig) -> bool:
    """Whether one of the marks ``boxes`` whole in the frame of ``shape`` is a number written
    touching, lying on its side: more than :data:`CHARACTER` times as tall as it is wide, and
    wider than two of the smallest digits are tall (a 1 or a line is as narrow as its pen).
    The turned readings judge it (:func:`camdigit.core.page_turns.kept_turned`)."""
    height, width = shape[:2]
    whole = boxes[inside_frame(boxes, width, height)]
    return bool((columns(whole) & (whole[:, 2] >= 2 * cfg.min_height_px)).any())


def writing_marks(found: Detections) -> np.ndarray:
    """(N, 4) the boxes of the finder's proposals ``found`` that are a blob whole (not its
    pieces): the frame's marks, a grid's or a form's lines taken off."""
    return found.boxes[uncut(found.data["start"], found.data["end"])]


def writing_sized(boxes: np.ndarray, shape: tuple[int, ...], cfg: FinderConfig) -> np.ndarray:
    """(N,) bool: which of the marks ``boxes`` (x, y, w, h) in a frame of ``shape`` may be a
    character: at least the smallest digit's size, at most half the frame's shorter side,
    clear of its border, and one character's shape (:data:`CHARACTER`)."""
    side = np.maximum(boxes[:, 2], boxes[:, 3])
    height, width = shape[:2]
    sized = inside_frame(boxes, width, height)
    sized &= (side >= cfg.min_height_px) & (side <= min(height, width) // 2)
    return sized & character_shaped(boxes)


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
