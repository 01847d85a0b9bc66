"""A form's fields: which digits were written into one printed box or comb of boxes.

A comb's cells hold one number, one digit per cell, whatever the cells' pitch makes of the gaps
between them (a webcam's form puts a cell's width, most of a digit's height, between two digits
of one student's number), and two boxes side by side hold two numbers however close they are.
The printed lines the finder erased (:func:`camdigit.core.form_boxes.box_lines`) show the
fields: the lines of one box or comb touch, those of two fields do not; a field is the hull of
its lines, and a digit is in the field its box's centre lies in.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.form_combs import Segment

NO_FIELD = -1
"""The field of a digit written in no printed box."""


def digit_fields(boxes: np.ndarray, lines: list[Segment], shape: tuple[int, int]) -> np.ndarray:
    """(N,) int64: the field of each box ``(N, 4)`` (numbered from 0 per frame), or
    :data:`NO_FIELD`, given the printed ``lines`` of a frame of ``shape`` (rows, columns)."""
    fields = np.full(len(boxes), NO_FIELD, np.int64)
    if not lines or not len(boxes):
        return fields
    drawn = np.zeros(shape, np.uint8)
    for start, end, band in lines:
        cv2.line(drawn, start, end, 255, band)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(drawn)
    centres = boxes[:, :2] + boxes[:, 2:] / 2.0
    for field in range(1, count):
        x, y, w, h = stats[field, :4].tolist()
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == field)
        hull = cv2.convexHull(np.stack([xs + x, ys + y], axis=1).astype(np.int32))
        inside = np.array(
            [cv2.pointPolygonTest(hull, (cx, cy), False) >= 0 for cx, cy in centres.tolist()]
        )
        fields[inside & (fields == NO_FIELD)] = field - 1
    return fields
