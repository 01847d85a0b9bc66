"""Which read proposals are reported as digits: the checks after the model's reading.

The model judges one crop at a time; some marks read as a sure digit only look like one in
their crop, and their surroundings or their shape tell them apart: ink far fainter against
its ground than the frame's writing (the ground's own texture), or fainter and lone on a
rougher ground away from the writing (a wall's specks around a page), a T or an I (a box's post)
read as 1, the arms of a V or a W cut apart and each read as 1, a slash read as 1, a cursive d
read as 2 (judged upright on a turned line), a piece of a longer line (a plank's seam), a
letter between two letters of a word, a small letter of a printed label beside a number
written large, a bracket read with doubt, towering over the digits beside it, or read as a lone
1 beside letters ("(x").
"""

from __future__ import annotations

import numpy as np

from camdigit.core.crops import turned_upright
from camdigit.core.detections import Detections
from camdigit.core.faint_marks import faint, rough_ground
from camdigit.core.form_fields import NO_FIELD
from camdigit.core.lines import find_lines
from camdigit.core.mark_shapes import (
    bowed_ones,
    crossbar_ones,
    forked_ones,
    lying_ones,
    stemmed_twos,
)
from camdigit.core.proposals import contested
from camdigit.core.slant import (
    ANCHOR,
    TURNED,
    label_letters,
    letters_beside,
    local_slant,
    near_digits,
    towering_doubts,
    within_words,
)


def reported(
    found: Detections,
    digits: np.ndarray,
    confidences: np.ndarray,
    conf: float,
    passed: np.ndarray | None = None,
) -> np.ndarray:
    """(N,) bool: which of the chosen proposals ``found`` (with their ``crops``, ``group``,
    ``contrast``, ``level`` and ``lined`` data), read as ``digits`` with ``confidences``
    (0: judged no digit), are reported: read at least ``conf`` confidently and none of the
    marks above. ``passed``: (M, 4) boxes of the marks the choice passed over as no digit
    (:func:`passed_over`), letters a small mark may stand beside (:func:`label_letters`)."""
    data = found.data
    sure = confidences >= max(conf, 0.5)  # the frame's writing, for faint and rough_ground
    ground = faint(
        data["contrast"],
        sure,
        data["level"],
        digits == 1,
        found.boxes,
    )
    kept = (confidences >= conf) & ~ground & ~data["lined"]
    # the shapes are looked at only where they would be reported otherwise (the arms of a V
    # are paired with every 1 of their blob: one arm read doubtfully leaves the other an arm)
    crops, shown = data["crops"], np.where(kept, digits, -1)
    barred = crossbar_ones(crops, shown == 1) | forked_ones(crops, digits, data["group"])
    anchors = (confidences >= ANCHOR) & ~ground  # as the upright reading tells the slant
    twos = shown == 2
    barred |= stemmed_twos(upright_crops(crops, found.boxes, twos, anchors), twos)
    barred |= lying_ones(crops, (shown == 1) & ~near_digits(found.boxes, shown >= 0))
    kept &= ~barred
    kept &= ~within_words(found.boxes, np.where(kept, digits, -1))
    # a small mark beside letters (those read as no digit, or passed over), a label's letter
    boxes, shown = found.boxes, np.where(kept, digits, -1)
    if passed is not None and len(passed):
        boxes = np.concatenate([boxes, passed.astype(boxes.dtype)])
        shown = np.concatenate([shown, np.full(len(passed), -1)])
    beside = letters_beside(boxes, shown)
    kept &= ~label_letters(boxes, shown, beside)[: len(found)]
    # a bracket beside letters, away from the digits ("(x"): a lone 1 that is one arc
    bracket = kept & (shown[: len(found)] == 1) & beside[: len(found)]
    if bracket.any():
        bracket &= ~near_digits(found.boxes, kept)
        kept &= ~bowed_ones(crops, bracket)
    # a lone mark away from the page on a rougher ground than its writing's (a wall, a carpet)
    alone = ~near_digits(found.boxes, kept) & (data["field"] == NO_FIELD)
    texture = rough_ground(data["contrast"], data["grain"], sure, data["level"], found.boxes, alone)
    kept &= ~texture
    # a bracket read with doubt, taller than the reported digits beside it, above and below
    shown = np.flatnonzero(kept)
    kept[shown[towering_doubts(found.boxes[shown], digits[shown], confidences[shown])]] = False
    return kept


def passed_over(
    group: np.ndarray, start: np.ndarray, end: np.ndarray, keep: np.ndarray
) -> np.ndarray:
    """(N,) bool: the proposals that the choice (:func:`camdigit.core.proposals.choose`,
    ``keep``) passed over as no digit: those of a group with alternatives whose stretch of the
    lattice (``start`` to ``end`` node) meets no kept proposal's of their group (the letters
    of a word beside one letter read as a digit). The ink of a kept digit, whole or cut
    otherwise, is not among them."""
    kept = np.flatnonzero(keep)
    same = group[:, None] == group[kept][None]
    meets = same & (start[:, None] < end[kept][None]) & (start[kept][None] < end[:, None])
    return contested(group) & ~keep & ~meets.any(axis=1)


def upright_crops(
    crops: list[np.ndarray], boxes: np.ndarray, marked: np.ndarray, anchors: np.ndarray
) -> list[np.ndarray]:
    """``crops`` with those of the ``marked`` rows turned upright by their line's direction (a
    page turned in view; where the nearest neighbours, :func:`camdigit.core.slant.local_slant`,
    say it is turned, the whole line's, :func:`line_slant`), so that a mark's shape is judged as
    it was written: a d on a turned line reads as a 2 and leans unlike a d. Crops on a level
    line (within :data:`~camdigit.core.slant.TURNED`: the feet of handwritten digits tell a
    line's direction no closer) or on none stay as they are."""
    rows = np.flatnonzero(marked)
    out = list(crops)
    if not len(rows):
        return out
    # the nearest neighbours tell cheaply where a line may be turned (a few milliseconds less
    # than following every line of the frame); where they say so, the whole line decides
    rows = rows[np.abs(local_slant(boxes, rows, anchors)) >= TURNED]  # NaN: no neighbours
    if not len(rows):
        return out
    for i, angle in zip(rows.tolist(), line_slant(boxes, rows, anchors).tolist(), strict=True):
        if abs(angle) >= TURNED:  # NaN (no line through it): as it is
            out[i] = turned_upright(crops[i], angle)  # a crop's ground is white (cut_crop)
    return out


LINE_DIGITS = 3
"""A line tells its direction when it holds at least this many digits: the mark and two
neighbours, one straight line through three of them (two digits make a direction of any two
marks, a digit and the one in the row below it too)."""


def line_slant(boxes: np.ndarray, rows: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """(len(rows),) float: the direction in degrees (positive: down to the right) of the line
    (:func:`camdigit.core.lines.find_lines`) that each of the ``rows`` of ``boxes`` stands on
    among the ``anchors`` (the digits read with confidence), NaN where it stands on no line of
    :data:`LINE_DIGITS`. The whole line's direction, not the nearest neighbours': on a level
    page the two nearest may be a digit beside and one in the row below."""
    pooled = anchors.copy()
    pooled[rows] = True
    pool = np.flatnonzero(pooled)
    slant = np.full(len(rows), np.nan)
    where = {int(row): k for k, row in enumerate(rows.tolist())}
    for line in find_lines(boxes[pool]):
        if len(line.members) < LINE_DIGITS:
            continue
        for member in line.members:
            k = where.get(int(pool[member]))
            if k is not None:
                slant[k] = line.angle
    return slant
