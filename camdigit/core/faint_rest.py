"""A bar that a smear left of a thin pen's digit, read again with the faint rest of the digit.

A camera moving while its shutter is open spreads each stroke across the motion over the
smear's length: a thin pen's stroke smeared 4 px keeps about a third of its depth, under the
ink level, while the strokes along the motion keep theirs (smears shorter than
:data:`camdigit.core.motion_blur.SHORTEST` are not measured, so not undone). A 9 falls to its
stem, a 7 to its downstroke, a 0 to one side: bars, which the model reads, rightly, as 1s. The
rest of the digit is still there, fainter than any ink level but darker than the paper by a
share of the bar's own depth, and joined to the bar. So the finder keeps, with each slim
proposal, a view of the frame around it (:func:`bar_views`); once the model reads the bar as
a 1, the mark its ink belongs to at that depth is measured (:func:`faint_rest`), and where it
is shaped like a digit and wider than the bar it is read (:func:`read_rests`, one batched
call): a digit read clearly, and not as 1, replaces the bar. A real 1's mark is its own soft
rim (no wider than the bar); one touching a faint ruled line or a neighbour runs on beyond a
digit's reach of the bar, and is not read. Looked for only where a 1 was read (about a tenth
of a millisecond a 1, and the rests' one reading), it costs a still one to two milliseconds
of its 40 to 100 (the README's measured figures).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camdigit.core.detections import Detections, intersections
from camdigit.core.second_looks import Classify
from camdigit.core.segmentation import CROP_PAD

_GROW = np.ones((3, 3), np.uint8)

SLIM = 0.9
"""Proposals narrower than this share of their height are bars a smear may have left: a 1, a
stem leaning or smeared sideways a little, a 2's or a 7's diagonal stroke."""

REACH = 1.0
"""The rest is looked for within this many of the bar's heights around it: a 9's or a 6's
loop beside its stem, a 7's bar above its downstroke, a 4's arm above the bar of its stem's
foot. A faint mark reaching that far (a ruled line, a neighbour's rim) is not the bar's
digit."""

TALLEST = 2.0
"""The rest is at most this many times the bar's height: the bar is at least half of its
digit's height (a smear along it keeps the strokes that span much of the digit)."""

WIDER = 1.8
"""The rest's box is at least this many times the bar's (else it is the bar's own rim, a pixel
or so around a thin stroke) ..."""

DIGIT_WIDTH = (0.35, 1.2)
"""... and as wide as a digit for its height, at least and at most (MNIST's narrowest digits
other than 1s and its widest 0s and 2s)."""

DEPTH = 0.25
"""The rest is what is darker than the paper by this share of the bar's own depth (its
darkest tenth's): a stroke across a smear a few times its width keeps a third of its depth
or so, the paper's grain far less."""

SURE = 0.9
"""A rest read as another digit than 1 at least this confidently replaces the bar."""

OVERLAP = 0.6
"""A chosen detection with this share of its box inside a rest that replaced a bar is a piece
of the same digit (a 9's loop found on its own): not reported beside it ..."""

WHOLE = 0.6
"""... unless it is this share of the bar's height or taller and read as another digit than 1:
a whole digit beside a 1 whose faint rims join them (a blurred "10"; a 5 over an 11 in close
rows), which the rest would swallow; the bar stays a 1. A smeared digit's other pieces are
shorter (a 9's loop, a 7's bar), or 1s themselves (a 0 smeared along its sides falls into two
bars, both read 1: the rest of either holds the other)."""


@dataclass(frozen=True)
class BarView:
    """What the finder saw around a slim proposal, for its rest to be looked for once the
    model has read it as a 1 (:func:`faint_rest`): views of the frame, no copies."""

    gray: np.ndarray  # the frame around the bar, dark ink on light, REACH heights each way
    # (less where the frame's border cuts it)
    ink: np.ndarray  # the finder's ink there (uint8, 255 where ink)
    bar: tuple[int, int, int, int]  # the bar's box in the window
    level: float  # the paper's grey level under the bar
    margin: float  # the sensor's margin: no mark is fainter than this below the paper


def bar_views(
    gray: np.ndarray, ink: np.ndarray, boxes: np.ndarray, levels: np.ndarray, margin: float
) -> list[BarView]:
    """The :class:`BarView` of each slim proposal in ``boxes`` (of the frame ``gray`` whose ink
    is ``ink``, on paper at ``levels``), its window cut by the frame's border where it reaches
    it (a mark running on to the border is cut, no digit's whole rest: :func:`faint_rest` turns
    away marks touching their window's side)."""
    height, width = gray.shape
    views: list[BarView] = []
    for (x, y, w, h), level in zip(boxes.tolist(), levels.tolist(), strict=True):
        reach = max(2, int(round(REACH * h)))
        x0, y0 = max(0, x - reach), max(0, y - reach)
        window = (slice(y0, min(height, y + h + reach)), slice(x0, min(width, x + w + reach)))
        views.append(BarView(gray[window], ink[window], (x - x0, y - y0, w, h), level, margin))
    return views


def faint_rest(view: BarView) -> tuple[tuple[float, float, float, float], np.ndarray] | None:
    """The bar's rest: the box of the mark its ink belongs to at :data:`DEPTH` of its own
    depth below the paper (and the sensor's margin), as (x, y, w, h) offsets from the bar's
    box's corner in units of its height, and its crop (the mark's own pixels on white, as the
    finder cuts crops); None where the mark is no digit's rest."""
    bx, by, w, h = view.bar
    inked = view.ink[by : by + h, bx : bx + w] > 0
    if not inked.any():
        return None
    values = view.gray[by : by + h, bx : bx + w][inked]
    core = float(np.partition(values, len(values) // 10)[len(values) // 10])
    below = view.level - max(view.margin, DEPTH * (view.level - core))
    if below <= 0:
        return None
    window = (cv2.blur(view.gray, (3, 3)) < below).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(window, connectivity=8)
    own = labels[by : by + h, bx : bx + w][inked]
    members = np.unique(own[own > 0])
    if not len(members):
        return None
    left, top = int(stats[members, 0].min()), int(stats[members, 1].min())
    right = int((stats[members, 0] + stats[members, 2]).max())
    bottom = int((stats[members, 1] + stats[members, 3]).max())
    if left == 0 or top == 0 or right == window.shape[1] or bottom == window.shape[0]:
        return None  # it runs on to the window's side: a line, a neighbour, a ground
    rw, rh = right - left, bottom - top
    narrowest, widest = DIGIT_WIDTH
    if rh > TALLEST * h or rw * rh < WIDER * w * h or not narrowest * rh <= rw <= widest * rh:
        return None
    mark = np.isin(labels[top:bottom, left:right], members).astype(np.uint8) * 255
    part = cv2.convertScaleAbs(view.gray[top:bottom, left:right], alpha=255.0 / view.level)
    crop: np.ndarray = np.full(part.shape, 255, np.uint8)
    cv2.copyTo(part, cv2.dilate(mark, _GROW), crop)
    crop = cv2.copyMakeBorder(crop, *(CROP_PAD,) * 4, cv2.BORDER_CONSTANT, value=255)
    return ((left - bx) / h, (top - by) / h, rw / h, rh / h), crop


def read_rests(
    found: Detections,
    digits: np.ndarray,
    confidences: np.ndarray,
    was_read: np.ndarray,
    classify: Classify,
    min_digit: float,
) -> None:
    """Read the faint rests of the chosen proposals ``found`` read as 1 (in ``digits``, at
    ``confidences``, read where ``was_read``), in one batched call; where a rest reads clearly
    as another digit, it replaces the bar in place (its box, crop, digit and confidence), and
    the chosen pieces inside it lose their confidence (the confidence filter drops them); not
    where a whole digit is inside it (:data:`WHOLE`)."""
    views = found.data["bars"]
    ones = [i for i in np.flatnonzero(was_read & (digits == 1)).tolist() if views[i] is not None]
    found_rests = [(i, rest) for i in ones if (rest := faint_rest(views[i])) is not None]
    if not found_rests:
        return
    result = classify([crop for _, (_, crop) in found_rests])
    sure = (result.digits != 1) & (result.is_digit >= min_digit) & (result.confidences >= SURE)
    for k in np.flatnonzero(sure).tolist():
        i, (offsets, crop) = found_rests[k]
        x, y, _, h = found.boxes[i].tolist()
        dx, dy, rw, rh = (v * h for v in offsets)
        box = np.array([round(x + dx), round(y + dy), max(1, round(rw)), max(1, round(rh))])
        inside = _inside(found.boxes, box)
        inside[i] = False
        if ((found.boxes[:, 3] >= WHOLE * h) & inside & (digits != 1)).any():
            continue  # a whole digit beside the bar: the two are a pair, not the bar's rest
        found.boxes[i] = box
        found.data["crops"][i] = crop
        digits[i], confidences[i] = result.digits[k], result.confidences[k]
        confidences[inside] = 0.0


def _inside(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    """(N,) bool: the ``boxes`` with :data:`OVERLAP` of their area inside ``box``."""
    area = boxes[:, 2].astype(np.float64) * boxes[:, 3]
    return intersections(boxes, box[None])[:, 0] >= OVERLAP * area
