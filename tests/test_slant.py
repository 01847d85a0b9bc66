"""The slant of a digit's line from its neighbours, and crops turned upright."""

from __future__ import annotations

import math

import cv2
import numpy as np

from camdigit.core.crops import turned_upright
from camdigit.core.mark_shapes import crossbar_ones, forked_ones, stemmed_twos, stroke_lean
from camdigit.core.preprocess import normalize_digits
from camdigit.core.slant import (
    label_letters,
    local_slant,
    specks,
    stray_ones,
    towering_doubts,
    within_words,
)
from camdigit.training.european_digits import european_ones


def boxes_along(angle: float, count: int = 4, size: int = 40, pitch: float = 50.0) -> np.ndarray:
    t = math.radians(angle)
    return np.array(
        [
            [100 + k * pitch * math.cos(t), 100 + k * pitch * math.sin(t), size, size]
            for k in range(count)
        ],
        np.int32,
    )


def test_each_digit_takes_its_lines_direction():
    for angle in (-30.0, 0.0, 25.0):
        slant = local_slant(boxes_along(angle), np.arange(4))
        assert np.abs(slant - angle).max() <= 2.0, (angle, slant)


def test_a_digit_alone_or_under_another_has_no_slant():
    boxes = np.array([[100, 100, 40, 40], [100, 150, 40, 40], [600, 400, 40, 40]], np.int32)
    # the first two are a column (rows above and below), the third stands alone
    assert np.isnan(local_slant(boxes, np.arange(3))).all()
    # nor do digits of very different heights make a line
    mixed = np.array([[100, 100, 40, 40], [150, 60, 40, 120]], np.int32)
    assert np.isnan(local_slant(mixed, np.array([0]))).all()


def test_a_crop_turned_upright_stands_upright_and_keeps_all_its_ink():
    crop = np.full((60, 40), 255, np.uint8)
    cv2.line(crop, (20, 5), (20, 55), 0, 3)
    # on a line running 30 degrees down to the right, the stroke leans 30 degrees clockwise
    lean = cv2.getRotationMatrix2D((20, 30), -30, 1.0)
    leaning = cv2.warpAffine(crop, lean, (80, 80), borderValue=255)
    upright = turned_upright(leaning, 30.0)
    ys, xs = np.nonzero(upright < 128)
    assert xs.max() - xs.min() <= 6 and ys.max() - ys.min() >= 45
    assert upright[0].min() == 255 and upright[:, 0].min() == 255  # white beyond the crop


def test_neighbours_in_different_directions_tell_no_slant():
    # a mark with one digit to its right on its level and another down to the right at about
    # 27 degrees: two directions, not one line
    boxes = np.array([[100, 100, 40, 40], [150, 100, 40, 40], [180, 140, 40, 40]], np.int32)
    assert np.isnan(local_slant(boxes, np.array([0]))).all()
    # one neighbour alone does not tell a line either (the other not an anchor)
    anchors = np.array([False, True, False])
    assert np.isnan(local_slant(boxes, np.array([0]), anchors)).all()
    # two that agree do
    line = np.array([[100, 100, 40, 40], [150, 100, 40, 40], [200, 102, 40, 40]], np.int32)
    assert abs(local_slant(line, np.array([0]))[0]) < 2.0


def test_a_one_far_shorter_than_the_digits_beside_it_is_a_fragment():
    boxes = np.array(
        [
            [100, 100, 30, 50],  # 7
            [140, 120, 4, 20],  # a 1 two fifths as tall beside it: a stroke's piece
            [150, 100, 8, 48],  # a 1 of the line's height
            [170, 110, 30, 22],  # a short 0 beside them: short, but not a 1
            [600, 400, 4, 12],  # a short 1 with nothing beside it: no measure
        ],
        np.int32,
    )
    digits = np.array([7, 1, 1, 0, 1])
    assert stray_ones(boxes, digits).tolist() == [False, True, False, False, False]
    # rows above and below are not beside it
    column = np.array([[100, 100, 30, 50], [110, 170, 4, 20]], np.int32)
    assert not stray_ones(column, np.array([7, 1])).any()


def test_a_one_twice_as_tall_as_the_digits_beside_it_is_no_digit():
    # an integral sign read as 1 before "2x": more than twice the line's height; a 1 a little
    # taller than its neighbours, and a tall 1 with no digit beside it, are kept
    boxes = np.array(
        [[100, 100, 40, 130], [160, 140, 30, 50], [200, 140, 30, 50], [400, 120, 12, 80]],
        np.int32,
    )
    assert stray_ones(boxes, np.array([1, 2, 4, 1])).tolist() == [True, False, False, False]
    slightly = boxes.copy()
    slightly[0, 3] = 90  # 1.8x its neighbours: a tall 1 of the line
    assert not stray_ones(slightly, np.array([1, 2, 4, 1])).any()
    assert not stray_ones(boxes[[0]], np.array([1])).any()


def test_streaks_off_the_page_taller_than_all_its_writing_are_no_digits():
    # a wood grain's dark streaks read as 1s beside a page of 50 px digits: alone, or in a row
    # of streaks with no other digit beside them, taller than twice the frame's tallest other
    # digit; a lone 1 as tall as the writing stays, and so does every 1 of a frame with too
    # few other digits to measure its writing by
    page = [[100, 300, 30, 50], [140, 300, 30, 45], [180, 300, 30, 50], [220, 300, 30, 40]]
    streaks = [[600, 40, 8, 120], [640, 30, 8, 110], [660, 35, 8, 115], [700, 500, 8, 105]]
    lone = [[400, 500, 8, 55]]
    boxes = np.array(page + streaks + lone, np.int32)
    digits = np.array([2, 3, 4, 5, 1, 1, 1, 1, 1])
    assert stray_ones(boxes, digits).tolist() == [False] * 4 + [True] * 4 + [False]
    few = np.r_[0:2, 4:9]
    assert not stray_ones(boxes[few], digits[few]).any()


def _bar_crop(strokes: list[tuple[int, int, int, int]], width: int = 5) -> np.ndarray:
    crop = np.full((70, 50), 240, np.uint8)
    for x0, y0, x1, y1 in strokes:
        cv2.line(crop, (x0, y0), (x1, y1), 30, width)
    return crop


def test_a_t_or_an_i_read_as_1_is_no_digit():
    stem = (25, 8, 24, 62)
    crops = [
        _bar_crop([stem]),  # a plain 1
        _bar_crop([stem, (25, 8, 12, 20)]),  # a European 1: a flag to the left
        _bar_crop([stem, (25, 8, 14, 16), (12, 62, 38, 62)]),  # a flag and a base
        _bar_crop([stem, (8, 8, 42, 8)]),  # a T (a box's post with the stubs of its top line)
        _bar_crop([stem, (10, 8, 40, 8), (10, 62, 40, 62)]),  # an I
        _bar_crop([(12, 62, 36, 8)]),  # a 1 leaning right
    ]
    assert crossbar_ones(crops, np.ones(6, bool)).tolist() == [False] * 3 + [True] * 2 + [False]
    # only readings of 1 are judged
    assert not crossbar_ones(crops, np.zeros(6, bool)).any()


def test_no_written_1_of_mnist_is_judged_barred(mnist_1000):
    # the test fixture's 1s, plain and redrawn with a European flag, as the finder's crops
    # (dark ink on white): none has a bar reaching out on both sides of its top
    images, labels = mnist_1000
    ones = images[labels == 1]
    plain = normalize_digits(ones, ink="bright")
    european = european_ones(np.random.default_rng(0), ones)
    crops = [255 - crop for crop in (*plain, *european)]
    assert len(crops) > 200
    assert not crossbar_ones(crops, np.ones(len(crops), bool)).any()


def test_the_arms_of_a_v_cut_apart_and_read_as_1s_are_no_digits():
    # a V 60 px tall, its arms 30 degrees either side of upright, cut at its foot
    left, right = _bar_crop([(8, 8, 39, 62)]), _bar_crop([(8, 62, 39, 8)])  # "\\" and "/"
    upright, leaning = _bar_crop([(25, 8, 25, 62)]), _bar_crop([(12, 62, 36, 8)])
    assert stroke_lean(upright) == 0.0
    assert stroke_lean(right) == -stroke_lean(left) > 25.0
    crops = [left, right, upright, leaning]
    ones = np.ones(4, np.int64)
    # a V's arms, pieces of one blob: both dropped; two 1s of one blob leaning alike are kept
    assert forked_ones(crops, ones, np.array([0, 0, 1, 1])).tolist() == [True, True, False, False]
    # the same arms in blobs of their own (a "\\" and a "/" apart) are judged as any 1s are
    assert not forked_ones(crops, ones, np.arange(4)).any()
    # only pieces read as 1 are judged: a 4 beside a leaning 1 is read as it is
    assert not forked_ones(crops, np.array([4, 1, 1, 1]), np.array([0, 0, 1, 1])).any()


def test_the_legs_of_an_a_cut_apart_and_read_as_1s_are_no_digits():
    # an A's legs 23 degrees either side of upright (the printed A of the real webcam form:
    # 46 apart, read "1 1"); two touching 1s of MNIST lean 41 degrees apart at most
    rise = 54 * math.tan(math.radians(23))
    left = _bar_crop([(round(8 + rise), 8, 8, 62)])
    right = _bar_crop([(8, 8, round(8 + rise), 62)])
    assert 44.0 < abs(stroke_lean(right) - stroke_lean(left)) < 50.0
    two = np.ones(2, np.int64)
    assert forked_ones([left, right], two, np.zeros(2, np.int64)).all()


def _pen(width: int = 5) -> tuple[np.ndarray, dict]:
    return np.full((90, 70), 240, np.uint8), {"color": 30, "thickness": width}


def test_a_cursive_d_read_as_2_is_no_digit():
    d, pen = _pen()
    cv2.ellipse(d, (28, 62), (18, 16), 0, 0, 360, **pen)  # its bowl
    cv2.line(d, (46, 8), (46, 80), **pen)  # its stem, rising far above the bowl
    two, pen = _pen()
    cv2.ellipse(two, (34, 28), (20, 18), 0, 180, 360, **pen)  # the top arc
    cv2.line(two, (54, 28), (14, 80), **pen)  # the diagonal
    cv2.line(two, (14, 80), (58, 80), **pen)  # the base
    hooked, pen = _pen(2)  # a thin pen's 2 with a small hook at its top right
    cv2.ellipse(hooked, (46, 18), (10, 9), 0, 180, 400, **pen)
    cv2.line(hooked, (54, 24), (14, 80), **pen)
    cv2.line(hooked, (14, 80), (58, 80), **pen)
    crops = [d, two, hooked]
    assert stemmed_twos(crops, np.ones(3, bool)).tolist() == [True, False, False]
    assert not stemmed_twos(crops, np.zeros(3, bool)).any()  # only readings of 2 are judged


def test_hardly_a_2_of_mnist_is_judged_a_d(mnist_1000):
    images, labels = mnist_1000
    crops = [255 - crop for crop in normalize_digits(images[labels == 2], ink="bright")]
    assert len(crops) > 80
    assert stemmed_twos(crops, np.ones(len(crops), bool)).sum() <= 1


def test_a_digit_between_two_letters_of_a_word_is_a_letter():
    # "TOTAL" printed 40 px tall: the O read as 0 between the T's the model judged no digit
    word = np.array([[0, 0, 30, 40], [34, 0, 30, 40], [68, 0, 30, 40], [102, 0, 30, 40]])
    assert within_words(word, np.array([-1, 0, -1, -1])).tolist() == [False, True, False, False]
    # "2x": a digit beside one letter; and "2 x" far apart on both sides
    assert not within_words(word[:2], np.array([2, -1])).any()
    apart = np.array([[0, 0, 30, 40], [60, 0, 30, 40], [120, 0, 30, 40]])
    assert not within_words(apart, np.array([-1, 2, -1])).any()
    # marks above and below the digit (another line) make no word
    column = np.array([[0, 0, 30, 40], [0, 44, 30, 40], [0, 88, 30, 40]])
    assert not within_words(column, np.array([-1, 5, -1])).any()
    # digits between digits are digits
    assert not within_words(word, np.array([1, 0, 7, -1])).any()


def test_a_small_digit_beside_a_letter_is_a_label_s_letter():
    # a printed "Pay" 30 px tall, its y read as 4, before "234" written 100 px tall
    pay = np.array([[20, 100, 20, 30], [42, 108, 16, 22], [60, 108, 16, 30]])
    number = np.array([[150, 40, 60, 100], [220, 40, 60, 100], [290, 40, 60, 100]])
    boxes = np.vstack([pay, number])
    digits = np.array([-1, -1, 4, 2, 3, 4])
    assert label_letters(boxes, digits).tolist() == [False, False, True, False, False, False]
    # the same y with no letter beside it (a mark alone) is not judged here
    assert not label_letters(boxes[2:], digits[2:]).any()
    # "2x" written as large as the number: a digit beside a letter of its own size
    two_x = np.array([[20, 40, 60, 100], [84, 70, 50, 70]])
    assert not label_letters(np.vstack([two_x, number]), np.array([2, -1, 2, 3, 4])).any()
    # with one other digit only, the frame's writing is not told
    assert not label_letters(boxes[:4], digits[:4]).any()


def test_a_speck_beside_large_writing_is_no_digit_but_a_small_digit_inside_a_number_is():
    # "$" 30 px tall before "234" written 100 px tall, a dot after it
    number = np.array([[150, 40, 60, 100], [220, 40, 60, 100], [290, 40, 60, 100]])
    sign, dot = np.array([[100, 100, 20, 30]]), np.array([[360, 120, 12, 14]])
    assert specks(np.vstack([sign, number, dot])).tolist() == [True, False, False, False, True]
    # a 4 written 40 px tall between two digits of its number is one of its digits
    inside = np.array([[150, 40, 60, 100], [220, 90, 30, 40], [260, 40, 60, 100]])
    assert not specks(np.vstack([inside, number + [300, 0, 0, 0]])).any()
    # less than half as tall as the tallest, but not as the shortest digit of the writing
    uneven = np.array([[100, 100, 20, 45], *number.tolist()])
    uneven[1, 3] = 80
    assert not specks(uneven).any()
    uneven[1, 3] = 100
    assert specks(uneven).tolist() == [True, False, False, False]
    assert not specks(np.array([[100, 100, 20, 30], [150, 40, 60, 100]])).any()  # two only
    # a 5 written flat at the end of the number, low but as wide as a digit, is a digit
    flat = np.array([*number.tolist(), [360, 95, 90, 45]])
    assert not specks(flat).any()


def test_a_doubtful_digit_towering_over_its_line_is_a_bracket():
    # "8 ) 9": the bracket, read 7 with doubt, reaches above and below both digits beside it,
    # 1.4 times the taller; read with confidence, or within the line's top or foot, it stays
    boxes = np.array([[581, 255, 60, 85], [660, 231, 64, 134], [771, 251, 69, 97]])
    digits = np.array([8, 7, 9])
    doubtful = np.array([1.0, 0.75, 1.0])
    assert towering_doubts(boxes, digits, doubtful).tolist() == [False, True, False]
    assert not towering_doubts(boxes, digits, np.array([1.0, 0.95, 1.0])).any()
    assert not stray_ones(boxes, digits).any()  # only 1s are judged there
    standing = boxes.copy()
    standing[1, 1] = 348 - 134  # a big 7 standing on the line's foot
    assert not towering_doubts(standing, digits, doubtful).any()
    alone = boxes[[1]]
    assert not towering_doubts(alone, digits[[1]], doubtful[[1]]).any()
