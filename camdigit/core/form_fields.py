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
    """(N,) int64: the field of each box ``(N, 4)`` (numbered from 0 per frame; where hulls
    overlap, the lower number), or :data:`NO_FIELD`, given the printed ``lines`` of a frame of
    ``shape`` (rows, columns). Drawn, grouped and filled on the part of the frame the lines
    span only."""
    fields = np.full(len(boxes), NO_FIELD, np.int64)
    if not lines or not len(boxes):
        return fields
    outlines, (x0, y0), size = field_outlines(lines, shape)
    # filled last to first: where two hulls overlap, the lower number
    filled = np.full(size, NO_FIELD, np.int32)
    for field in reversed(range(len(outlines))):
        cv2.fillConvexPoly(filled, cv2.convexHull(outlines[field]), field)
    cx = (boxes[:, 0] + boxes[:, 2] // 2).astype(np.int64) - x0
    cy = (boxes[:, 1] + boxes[:, 3] // 2).astype(np.int64) - y0
    inside = (cx >= 0) & (cy >= 0) & (cx < size[1]) & (cy < size[0])
    fields[inside] = filled[cy[inside], cx[inside]]
    return fields


def field_outlines(
    lines: list[Segment], shape: tuple[int, ...]
) -> tuple[list[np.ndarray], tuple[int, int], tuple[int, int]]:
    """Each field's outline (the outer contour of its touching ``lines``, drawn on the part of
    a frame of ``shape`` they span), the ``(x, y)`` of that part's corner in the frame (the
    outlines' origin) and its (rows, columns)."""
    ends = np.array([(*a, *b) for a, b, _ in lines], np.float64).reshape(-1, 2, 2)
    reach = max(band for _, _, band in lines)
    x0, y0 = np.maximum(np.floor(ends.min(axis=(0, 1))).astype(int) - reach, 0)
    x1, y1 = np.ceil(ends.max(axis=(0, 1))).astype(int) + reach + 1
    x1, y1 = min(int(x1), shape[1]), min(int(y1), shape[0])
    drawn = np.zeros((y1 - y0, x1 - x0), np.uint8)
    shifted = np.rint(ends - (x0, y0)).astype(int).tolist()
    for (a, b), (_, _, band) in zip(shifted, lines, strict=True):
        cv2.line(drawn, tuple(a), tuple(b), 255, band)
    outlines, _ = cv2.findContours(drawn, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return list(outlines), (int(x0), int(y0)), (int(y1 - y0), int(x1 - x0))
