"""Which read proposals are reported as digits: the checks after the model's reading.

The model judges one crop at a time; some marks read as a sure digit only look like one in
their crop, and their surroundings or their shape tell them apart: ink far fainter against
its ground than the frame's writing (the ground's own texture), or fainter and lone on a
rougher ground away from the writing (a wall's specks around a page), a T or an I (a box's post)
read as 1, the arms of a V or a W cut apart and each read as 1, a slash read as 1, a cursive d
read as 2, a piece of a longer line (a plank's seam), a letter between two letters of a word.
"""

from __future__ import annotations

import numpy as np

from camdigit.core.detections import Detections
from camdigit.core.faint_marks import faint, rough_ground
from camdigit.core.form_fields import NO_FIELD
from camdigit.core.mark_shapes import crossbar_ones, forked_ones, lying_ones, stemmed_twos
from camdigit.core.slant import ANCHOR, TURNED, local_slant, near_digits, within_words


def reported(
    found: Detections, digits: np.ndarray, confidences: np.ndarray, conf: float
) -> np.ndarray:
    """(N,) bool: which of the chosen proposals ``found`` (with their ``crops``, ``group``,
    ``contrast``, ``level`` and ``lined`` data), read as ``digits`` with ``confidences``
    (0: judged no digit), are reported: read at least ``conf`` confidently and none of the
    marks above."""
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
    barred |= _upright(found.boxes, stemmed_twos(crops, shown == 2), anchors)
    barred |= lying_ones(crops, (shown == 1) & ~near_digits(found.boxes, shown >= 0))
    kept &= ~barred
    kept &= ~within_words(found.boxes, np.where(kept, digits, -1))
    # a lone mark away from the page on a rougher ground than its writing's (a wall, a carpet)
    alone = ~near_digits(found.boxes, kept) & (data["field"] == NO_FIELD)
    texture = rough_ground(data["contrast"], data["grain"], sure, data["level"], found.boxes, alone)
    return kept & ~texture


def _upright(boxes: np.ndarray, marked: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """``marked`` less the marks on a slanted line (a page turned in view, its slant told by
    the ``anchors``), whose shape says nothing about their letter upright: a 2 turned reads as
    a d's shape."""
    rows = np.flatnonzero(marked)
    if not len(rows):
        return marked
    slant = local_slant(boxes, rows, anchors)
    kept = marked.copy()
    kept[rows[np.abs(slant) >= TURNED]] = False  # NaN (no neighbour on its line): upright
    return kept
