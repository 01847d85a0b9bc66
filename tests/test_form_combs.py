"""A form's comb whose lines came out broken: found by its posts, erased, its digits kept."""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core import form_combs
from camdigit.core.form_boxes import box_lines, erase_boxes, faint_box_lines
from camdigit.core.form_combs import comb_lines
from camdigit.core.segmentation import all_contours

CELL = (44, 42)  # a cell's width and height, pixels


def _comb(
    cells: int = 6,
    top: bool = False,
    written: bool = True,
    missing: tuple[int, ...] = (),
) -> np.ndarray:
    """An ink mask with a comb of ``cells`` cells, 2 px lines: its top line broken into short
    pieces unless ``top``, its bottom line whole, the posts in ``missing`` broken in two (a
    gap in their middle), a leaning stroke written in each cell when ``written``."""
    mask = np.zeros((200, 420), np.uint8)
    w, h = CELL
    x0, y0 = 40, 60
    x1, y1 = x0 + cells * w, y0 + h
    cv2.line(mask, (x0, y1), (x1, y1), 255, 2)
    if top:
        cv2.line(mask, (x0, y0), (x1, y0), 255, 2)
    else:
        for x in range(x0 + 6, x1, 25):  # the light broke the top line into pieces
            cv2.line(mask, (x, y0), (x + 6, y0), 255, 2)
    for i in range(cells + 1):
        x = x0 + i * w
        if i in missing:
            cv2.line(mask, (x, y0), (x, y0 + 19), 255, 2)  # 20 and 18 px of 42 left
            cv2.line(mask, (x, y1 - 17), (x, y1), 255, 2)
        else:
            cv2.line(mask, (x, y0), (x, y1), 255, 2)
    if written:
        for i in range(cells):
            cx = x0 + i * w + w // 2
            cv2.line(mask, (cx + 6, y0 + 8), (cx - 6, y1 - 8), 255, 3)
            cv2.line(mask, (cx + 6, y0 + 8), (cx - 2, y0 + 12), 255, 3)
    return mask


def _strokes_left(mask: np.ndarray, segments) -> int:
    erased = erase_boxes(mask, segments)
    count, _ = cv2.connectedComponents(erased)
    return count - 1


def test_a_comb_with_a_broken_top_line_is_found_by_its_posts():
    mask = _comb()
    segments = comb_lines(mask, 9)
    assert len(segments) == 7 + 2  # its seven posts, its top and its bottom
    assert _strokes_left(mask, segments) == 6  # the written strokes, one per cell
    # found as well where the boxes are looked for (it has no closed cell to find it by)
    assert _strokes_left(mask, box_lines(mask, *all_contours(mask), 9)) == 6


def test_a_post_the_light_broke_and_a_broken_end_wall_are_erased_too():
    mask = _comb(missing=(3, 6))  # a post in the middle, the right end wall
    segments = comb_lines(mask, 9)
    assert _strokes_left(mask, segments) == 6


def test_a_closed_comb_is_left_to_the_boxes():
    mask = _comb(top=True)
    found = box_lines(mask, *all_contours(mask), 9)
    assert len(found) == 7 + 2  # found once, by its cells
    assert _strokes_left(mask, found) == 6


def test_upright_ones_on_a_ruled_line_are_no_comb():
    # equal, evenly spaced, upright 1s standing on a line: no writing between them
    mask = _comb(written=False)
    assert comb_lines(mask, 9) == []


def test_three_cells_are_too_few_to_tell_a_comb():
    assert comb_lines(_comb(cells=2), 9) == []


def test_the_columns_of_a_grid_are_no_comb():
    mask = np.zeros((300, 400), np.uint8)
    for k in range(20, 400, 40):
        mask[:, k : k + 2] = 255
    for k in range(20, 300, 40):
        mask[k : k + 2, :] = 255
    for k in range(60, 340, 40):  # something written in the cells of one row
        cv2.line(mask, (k + 20, 70), (k + 12, 96), 255, 3)
    assert comb_lines(mask, 9) == []


def test_a_comb_seen_in_perspective_drifts_and_narrows_along_its_posts():
    # each post 2 px higher than the one before, each cell 4% narrower: no one top, no one
    # pitch for the whole comb, only each post beside its neighbour
    mask = np.zeros((200, 460), np.uint8)
    xs = [30.0]
    for i in range(8):
        xs.append(xs[-1] + 50 * 0.96**i)
    posts = [(round(x), 70 - 2 * i) for i, x in enumerate(xs)]
    for x, top in posts:
        cv2.line(mask, (x, top), (x, top + 44), 255, 2)
    cv2.line(mask, (posts[0][0], posts[0][1] + 44), (posts[-1][0], posts[-1][1] + 44), 255, 2)
    for (x, top), (nx, _) in zip(posts[:-1], posts[1:], strict=True):
        cx = (x + nx) // 2
        cv2.line(mask, (cx + 5, top + 10), (cx - 5, top + 36), 255, 3)
    segments = comb_lines(mask, 9)
    assert len(segments) == len(posts) + 2
    assert _strokes_left(mask, segments) == len(posts) - 1


def test_a_comb_whose_top_line_held_over_its_last_cells_is_erased_whole():
    # the top line broken over the first five cells, whole over the last two: no box (its
    # cells are not closed), found by its posts
    mask = _comb(cells=7)
    w, h = CELL
    x0, y0 = 40 + 5 * w, 60
    cv2.line(mask, (x0, y0), (x0 + 2 * w, y0), 255, 2)
    found = box_lines(mask, *all_contours(mask), 9)
    assert _strokes_left(mask, found) == 7


def _turned(mask: np.ndarray, degrees: float) -> np.ndarray:
    """The mask turned about its middle (a form photographed by a hand a little turned)."""
    turn = cv2.getRotationMatrix2D((mask.shape[1] / 2, mask.shape[0] / 2), degrees, 1.0)
    return cv2.warpAffine(mask, turn, mask.shape[::-1], flags=cv2.INTER_NEAREST)


def test_a_turned_comb_is_found_along_its_leaning_line():
    for degrees in (-12, -7, 8, 15):
        mask = _turned(_comb(), degrees)
        segments = comb_lines(mask, 9)
        assert len(segments) == 7 + 2, degrees  # found once, along its one whole line
        assert _strokes_left(mask, segments) == 6, degrees


def test_only_a_straight_line_leaning_a_few_degrees_is_taken_for_a_turned_combs():
    def lines(mask):
        outlines = list(cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0])
        return form_combs._leaning_lines(mask, outlines, 9)

    found = lines(_turned(_comb(), 9))
    assert len(found) == 1 and abs(found[0][0] + 9) < 1.0  # turned back by 9 degrees
    assert lines(_comb()) == []  # upright: the upright search's
    # a wavy baseline under upright strokes (a word written on a turned line): not straight
    wavy = np.zeros((200, 420), np.uint8)
    xs = np.arange(40, 320)
    points = np.stack([xs, 102 + np.round(6 * np.sin(xs / 9.0))], axis=1).astype(np.int32)
    cv2.polylines(wavy, [points], False, 255, 2)
    for x in range(40, 320, 44):
        cv2.line(wavy, (x, 60), (x, 100), 255, 2)
    assert lines(_turned(wavy, 9)) == []


def test_a_comb_found_upright_in_part_is_found_whole_along_its_leaning_line():
    # a comb turned 4 degrees, its last three posts leaning 5 degrees more (a webcam's form
    # in perspective): those break in the columns, so the upright search finds the first
    # five posts alone; the search along its leaning line finds all eight
    mask = np.zeros((200, 460), np.uint8)
    w, h = CELL
    x0, y0 = 40, 60
    cells = 7
    cv2.line(mask, (x0, y0 + h), (x0 + cells * w, y0 + h), 255, 2)
    cv2.line(mask, (x0, y0), (x0 + cells * w, y0), 255, 2)
    for i in range(cells + 1):
        x = x0 + i * w
        lean = round(h * np.tan(np.radians(5.0))) if i >= 5 else 0
        cv2.line(mask, (x + lean, y0), (x, y0 + h), 255, 2)
    for i in range(cells):
        cx = x0 + i * w + w // 2
        cv2.line(mask, (cx + 6, y0 + 8), (cx - 6, y0 + h - 8), 255, 3)
    mask[y0 - 1 : y0 + 2, x0 + 60 : x0 + 90] = 0  # the top line broken: no closed box
    mask = _turned(mask, 4)
    upright = [line for comb in form_combs._upright_combs(mask, 9) for line in comb]
    assert 4 <= len(upright) - 2 < cells + 1  # part of it, upright
    segments = comb_lines(mask, 9)
    assert _strokes_left(mask, segments) == cells  # every post gone, the strokes left


def test_a_comb_whose_lines_are_only_faint_is_found_at_the_faint_level():
    # a comb whose posts are clear ink but whose lines are faint (printed in grey, or smeared
    # by a camera moving along the posts): no comb in the ink, its posts read as 1s; at the
    # faint level its bottom line is there, and the comb is found and erased
    faint = _comb()
    ink = faint.copy()
    ink[60 + CELL[1] - 2 : 60 + CELL[1] + 3, :] = 0  # the bottom line, faint only
    ink[58:63, :] = 0  # the top line's pieces too
    assert comb_lines(ink, 9) == []
    segments = faint_box_lines(faint, 9, [])
    assert len(segments) == 7 + 2
    assert _strokes_left(ink, segments) == 6
    # where the ink shows a form's boxes already, combs are not looked for again
    assert faint_box_lines(faint, 9, [((300, 150), (400, 150), 3)]) == []
