"""A box-shaped blob seen upright: the straight walls and lines across it, if it is a printed box
or a comb of boxes (see :mod:`camdigit.core.form_boxes`, which finds the blobs to look at).

The blob is turned upright by its least rectangle, or warped upright from the four corners of
its hull where it is seen in perspective; columns of ink running across the whole box between
its top and bottom lines are its walls, rows running along it between its end walls its lines.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.form_combs import Segment
from camdigit.core.pixels import runs
from camdigit.core.ruled_lines import MAX_BAND  # a box's line is a ruled line's width at most

RECT_FILL = 0.85
"""A box's outline fills at least this share of its least rectangle (an ellipse fills 0.79)."""

ACROSS = 0.97
"""A wall has ink in at least this share of the rows between the box's top and bottom lines,
a line in this share of the columns between its end walls: it runs across the whole box (a 1
written in a cell, however straight and tall, leaves paper between its ends and the lines)."""

LOOSE = 0.6
"""... and the box's outermost lines first, before what sticks out of it is left aside, in at
least this share (a digit written across the box's line, sticking out of it)."""

WRITTEN = 0.02
"""Writing covers at least this share of a box's cells (a digit takes a tenth of its cell or
more; a 0 or an 8 with straight sides has no ink in the cells its outline makes)."""

HAIRLINE_RUN = 3
"""A box whose walls and lines run at most this wide in its upright view (a line a pixel wide,
widened a pixel either way to count as straight) has its corners judged within a pixel: at a
webcam's size a form's hairlines, turned or warped upright, lose a corner's pixel, and three of
the six combs of a 720x540 form were left standing, their walls read as 1s."""

MAX_SKEW = 25.0
"""A box seen at a slant keeps its corners within this many degrees of square."""


def walls_and_lines(
    mask: np.ndarray,
    outline: np.ndarray,
    area: float,
    centre: tuple[float, float],
    size: tuple[float, float],
    angle: float,
) -> list[Segment]:
    """The straight lines across one box-shaped blob, found upright (see the module's doc):
    turned by its least rectangle, or, where that finds none, warped from the four corners
    of its outline's hull (a box seen in perspective: its lines do not run parallel); ``area``:
    the outline's."""
    x, y, w, h = cv2.boundingRect(outline)
    inside = np.zeros((h, w), np.uint8)
    cv2.drawContours(inside, [outline], -1, 255, cv2.FILLED, offset=(-x, -y))
    ink = cv2.bitwise_and(inside, mask[y : y + h, x : x + w])
    if angle > 45:  # turn the least way: the rectangle may stand or lie
        angle -= 90
        size = (size[1], size[0])
    # the rectangle runs between pixel centres: a side of n pixels is n - 1 long
    width, height = round(size[0]) + 1, round(size[1]) + 1
    turn = np.asarray(cv2.getRotationMatrix2D((centre[0] - x, centre[1] - y), angle, 1.0))
    turn[:, 2] += np.array([(width - 1) / 2 - (centre[0] - x), (height - 1) / 2 - (centre[1] - y)])
    views = [(np.vstack([turn, [0.0, 0.0, 1.0]]), width, height)]
    quad = _quadrilateral(outline, area)
    if quad is not None:
        views.append(_warp_from(quad - np.array([x, y], np.float32)))
        fitted = _refined(quad.astype(np.float64), _outline_pixels(outline, (x, y, w, h)))
        if fitted is not None and _box_like(fitted, area):
            views.append(_warp_from(fitted - np.array([x, y], np.float32)))
    for warp, width, height in views:
        found = _box_seen(cv2.warpPerspective(ink, warp, (width, height), flags=cv2.INTER_NEAREST))
        if found:
            back = np.linalg.inv(warp)
            segments = []
            for (ux0, uy0), (ux1, uy1), band in found:
                ends = np.array([[[ux0, uy0], [ux1, uy1]]], np.float64)
                (x0, y0), (x1, y1) = cv2.perspectiveTransform(ends, back)[0] + (x, y)
                segments.append(((round(x0), round(y0)), (round(x1), round(y1)), band))
            return segments
    return []


def _outline_pixels(outline: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """(N, 2) x, y: every pixel of an ``outline`` within its bounding ``box``. A contour found
    with ``CHAIN_APPROX_SIMPLE`` keeps only the ends of its straight runs: along a box's
    nearly level line, a handful of points, too few to fit the line to
    (:func:`_refined`)."""
    x, y, w, h = box
    drawn = np.zeros((h, w), np.uint8)
    cv2.drawContours(drawn, [outline], -1, 255, 1, offset=(-x, -y))
    rows, columns = np.nonzero(drawn)
    return np.column_stack([columns + x, rows + y])


def seen_at_a_slant(outline: np.ndarray, area: float) -> bool:
    """Whether a blob's ``outline`` (of ``area``) fills the four corners of its hull as a box
    seen at a slant does (a form photographed aslant: its lines converge, or lean, and the
    box fills less of its least rectangle than a square box)."""
    return _quadrilateral(outline, area) is not None


def _quadrilateral(outline: np.ndarray, area: float) -> np.ndarray | None:
    """(4, 2) float32: the corners of the outline's hull in order around it, when it has four
    (simplified up to a twentieth of its length) that make a box (:func:`_box_like`, the
    outline's ``area`` filling them), else None."""
    hull = cv2.convexHull(outline)
    length = cv2.arcLength(hull, True)
    for share in (0.01, 0.02, 0.03, 0.05):
        corners = cv2.approxPolyDP(hull, share * length, True)
        if len(corners) == 4:
            quad = corners.reshape(4, 2).astype(np.float32)
            return quad if _box_like(quad, area) else None
        if len(corners) < 4:
            return None
    return None


def _box_like(quad: np.ndarray, area: float) -> bool:
    """Whether a quadrilateral is a box seen at a slant: each corner within
    :data:`MAX_SKEW` degrees of square, and the blob's ``area`` filling it as a box's does (a
    digit's loop warped from its hull's corners is a box too)."""
    sides = np.roll(quad, -1, axis=0) - quad
    before = np.roll(sides, 1, axis=0)
    cosines = -(sides * before).sum(axis=1) / np.maximum(
        np.hypot(*sides.T) * np.hypot(*before.T), 1e-6
    )
    square = np.all(np.abs(cosines) <= np.sin(np.radians(MAX_SKEW)))
    return bool(square and area >= RECT_FILL * cv2.contourArea(quad))


def _refined(corners: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """The corners where lines fitted to the ``points`` of the outline along each side of the
    simplified quadrilateral meet (its corners are a few pixels off, its sides' ends cut)."""
    lines = []
    for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        direction = (b - a) / max(float(np.hypot(*(b - a))), 1e-6)
        offset = points - a
        along = offset @ direction
        across = np.abs(offset @ np.array([-direction[1], direction[0]]))
        span = float(np.hypot(*(b - a)))
        near = points[(across <= 2.0) & (along >= 0.1 * span) & (along <= 0.9 * span)]
        if len(near) < 2:
            return corners.astype(np.float32)
        vx, vy, x0, y0 = cv2.fitLine(near.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    refined = []
    for (p, u), (q, v) in zip(lines[-1:] + lines[:-1], lines, strict=True):  # sides meeting
        matrix = np.array([[u[0], -v[0]], [u[1], -v[1]]], np.float64)
        if abs(np.linalg.det(matrix)) < 1e-6:
            return None
        t = np.linalg.solve(matrix, q - p)
        refined.append(p + t[0] * u)
    return np.array(refined, np.float32)


def _warp_from(quad: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The homography from a quadrilateral's corners (in order around it) to an upright
    rectangle of its sides' mean lengths, and that rectangle's width and height."""
    sides = np.hypot(*(np.roll(quad, -1, axis=0) - quad).T)
    width = round((sides[0] + sides[2]) / 2) + 1
    height = round((sides[1] + sides[3]) / 2) + 1
    square = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    return cv2.getPerspectiveTransform(quad, square.astype(np.float32)), width, height


Seen = tuple[tuple[float, float], tuple[float, float], int]
"""A :data:`Segment` in a box's upright view."""


def _box_seen(upright: np.ndarray) -> list[Seen]:
    """The walls and lines of a box seen upright in ``upright`` (its ink, the box filling it),
    as :data:`Segment` in its coordinates; none where it is not one."""
    height, width = upright.shape
    if height < 3 or width < 3:
        return []
    # a line a pixel off straight still runs across: ink a pixel to either side of it counts
    along = cv2.dilate(upright, np.ones((1, 3), np.uint8)) > 0  # for walls
    across = cv2.dilate(upright, np.ones((3, 1), np.uint8)) > 0  # for lines
    # the box's own edges first, loosely: a digit sticking out of it widens its rectangle
    walls = runs(along.mean(axis=0) >= LOOSE)
    lines = runs(across.mean(axis=1) >= LOOSE)
    if len(walls) < 2 or len(lines) < 2:
        return []
    left, right, top, bottom = walls[0][0], walls[-1][1], lines[0][0], lines[-1][1]
    # then what runs across all of the box between them: walls at both its ends, lines along
    # its top and its bottom, each measured between the lines across it (where they meet, a
    # blurred box's corners are rounded off)
    inner_y, inner_x = slice(lines[0][1], lines[-1][0]), slice(walls[0][1], walls[-1][0])
    if inner_y.start >= inner_y.stop or inner_x.start >= inner_x.stop:
        return []
    walls = runs(along[inner_y, left:right].mean(axis=0) >= ACROSS)
    lines = runs(across[top:bottom, inner_x].mean(axis=1) >= ACROSS)
    # a grid or a table (rows of cells, not one) is left to the ruled lines' eraser, which
    # mends the strokes written across its lines
    if len(walls) < 2 or len(lines) < 2 or min(len(walls), len(lines)) > 2:
        return []
    widest = max(end - start for start, end in walls + lines)
    if widest > MAX_BAND:
        return []  # a marker's stroke, not a printed line (a thick 0 with straight sides)
    if walls[0][0] > 2 or walls[-1][1] < right - left - 2:
        return []
    if lines[0][0] > 2 or lines[-1][1] < bottom - top - 2:
        return []
    # its lines meet at its corners (a thick 0's ring runs round them); a hairline box's
    # corners within a pixel (turned or warped upright, a 1 px line's corner comes out rounded
    # off by a pixel, or cut)
    box = upright[top:bottom, left:right] > 0
    corners = box
    if widest <= HAIRLINE_RUN:
        corners = cv2.dilate(upright, np.ones((3, 3), np.uint8))[top:bottom, left:right] > 0
    for rows in (lines[0], lines[-1]):
        for columns in (walls[0], walls[-1]):
            if corners[rows[0] : rows[1], columns[0] : columns[1]].mean() < 0.5:
                return []
    # a box is written in: a 0 or an 8 with straight sides is a frame around empty cells
    cells = box  # what is left once its lines are blanked
    for start, end in walls:
        cells[:, max(0, start - 1) : end + 1] = False
    for start, end in lines:
        cells[max(0, start - 1) : end + 1] = False
    if cells.mean() < WRITTEN:
        return []
    found: list[Seen] = []
    for found_runs, vertical in ((walls, True), (lines, False)):
        for start, end in found_runs:
            band = min(max(3, end - start + 1), MAX_BAND) | 1  # the run is 2 px wider
            if vertical:
                middle = left + (start + end - 1) / 2
                found.append(((middle, top), (middle, bottom - 1.0), band))
            else:
                middle = top + (start + end - 1) / 2
                found.append(((left, middle), (right - 1.0, middle), band))
    return found
