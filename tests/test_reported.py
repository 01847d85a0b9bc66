"""The checks after the model's reading: which read proposals are reported as digits."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camdigit.core.crops import turned_upright
from camdigit.core.detections import Detections
from camdigit.core.form_fields import NO_FIELD
from camdigit.core.proposals import END
from camdigit.core.reported import line_slant, passed_over, reported


def cursive_d() -> np.ndarray:
    crop = np.full((90, 70), 255, np.uint8)
    cv2.ellipse(crop, (28, 62), (18, 16), 0, 0, 360, 30, 5)
    cv2.line(crop, (46, 8), (46, 80), 30, 5)
    return crop


def line_of(angle: float, count: int = 4) -> np.ndarray:
    """Boxes 60x90 px, 100 px apart along a line ``angle`` degrees down to the right."""
    t = np.radians(angle)
    return np.array(
        [[100 + 100 * k * np.cos(t), 300 + 100 * k * np.sin(t), 60, 90] for k in range(count)]
    ).astype(np.int32)


def found(boxes: np.ndarray, first: np.ndarray | None = None) -> Detections:
    n = len(boxes)
    blank = np.full((90, 70), 255, np.uint8)
    cv2.circle(blank, (35, 45), 25, 30, 5)  # the neighbours: 0s
    return Detections(
        boxes,
        data={
            "crops": [cursive_d() if first is None else first, *[blank] * (n - 1)],
            "group": np.arange(n),
            "contrast": np.full(n, np.inf, np.float32),
            "grain": np.zeros(n, np.float32),
            "level": np.full(n, 230.0, np.float32),
            "lined": np.zeros(n, bool),
            "field": np.full(n, NO_FIELD, np.int64),
        },
    )


def test_a_d_read_as_2_is_dropped_judged_upright_on_its_line():
    digits = np.array([2, 0, 0, 0])
    confidences = np.full(4, 0.98)
    level = found(line_of(0.0))
    assert reported(level, digits, confidences, 0.5).tolist() == [False, True, True, True]
    # a page turned 20 degrees in view: the d leans with its line, and is a d once upright
    seen = turned_upright(cursive_d(), -20.0)
    turned = found(line_of(20.0), seen)
    assert reported(turned, digits, confidences, 0.5).tolist() == [False, True, True, True]
    # a mark shaped like a d only as the camera sees it on that line (a turned 2) is kept
    assert reported(found(line_of(20.0)), digits, confidences, 0.5).all()
    # read below the confidence asked for, nothing is reported
    assert not reported(level, digits, np.full(4, 0.4), 0.5).any()


def stroke(lean: float) -> np.ndarray:
    """A crop of one straight stroke 70 px long leaning ``lean`` degrees from upright."""
    crop = np.full((90, 90), 255, np.uint8)
    t = np.radians(lean)
    dx, dy = 35 * np.sin(t), 35 * np.cos(t)
    cv2.line(crop, (round(45 - dx), round(45 + dy)), (round(45 + dx), round(45 - dy)), 30, 5)
    return crop


def test_a_mark_takes_its_whole_line_s_direction_not_its_nearest_neighbours():
    # a level line of four digits, and a digit of the row below just right of the first: its
    # two nearest neighbours (the one beside it, the one below) make a diagonal, its line none
    boxes = np.vstack([line_of(0.0), [[170, 400, 60, 90]]])
    anchors = np.ones(len(boxes), bool)
    assert abs(line_slant(boxes, np.array([0]), anchors)[0]) < 5.0
    # on a line turned 20 degrees the line's own direction
    turned = line_of(20.0)
    assert line_slant(turned, np.array([0]), np.ones(4, bool))[0] == pytest.approx(20.0, abs=3.0)
    # a mark with one digit beside it stands on no line that tells a direction
    assert np.isnan(line_slant(line_of(20.0, 2), np.array([0]), np.ones(2, bool))[0])
    # neighbours read doubtfully (not anchors) tell nothing
    assert np.isnan(line_slant(turned, np.array([0]), np.array([True, False, False, False]))[0])


def test_a_lone_stroke_lying_more_than_it_stands_is_no_1():
    # the arm of a crossed box left beside a form's erased lines, 53 degrees from upright, is
    # no 1; a 1 leaning as far as MNIST's do (45 degrees), or a lying one beside another digit
    # (a number on a turned page leans with it), is
    boxes = np.array([[100, 100, 60, 90], [400, 100, 60, 90], [700, 100, 60, 90]], np.int32)
    ring = np.full((90, 90), 255, np.uint8)
    cv2.circle(ring, (45, 45), 30, 30, 5)
    data = {
        "group": np.arange(3),
        "contrast": np.full(3, np.inf, np.float32),
        "grain": np.zeros(3, np.float32),
        "level": np.full(3, 230.0, np.float32),
        "lined": np.zeros(3, bool),
        "field": np.full(3, NO_FIELD, np.int64),
    }
    alone = Detections(boxes, data={**data, "crops": [stroke(53.0), stroke(45.0), stroke(-58.0)]})
    digits, sure = np.array([1, 1, 1]), np.full(3, 0.99)
    assert reported(alone, digits, sure, 0.5).tolist() == [False, True, False]
    beside = boxes.copy()
    beside[2] = [170, 100, 60, 90]  # a 0 just right of the lying stroke
    near = Detections(beside, data={**data, "crops": [stroke(53.0), stroke(45.0), ring]})
    assert reported(near, np.array([1, 1, 0]), sure, 0.5).tolist() == [True, True, True]


def test_no_mnist_1_lies_as_far_as_a_lone_1_is_dropped_for(mnist_1000):
    # the lean at which lying_ones drops a lone 1 is beyond every 1 of the test fixture's
    # (the steepest leans 37 degrees), drawn as a camera's crop is: dark ink on white
    from camdigit.core.mark_shapes import lying_ones

    images, labels = mnist_1000
    crops = [np.pad(255 - image, 4, constant_values=255) for image in images[labels == 1]]
    assert len(crops) >= 100
    assert not lying_ones(crops, np.ones(len(crops), bool)).any()


def test_the_marks_passed_over_are_those_no_kept_reading_covers():
    # one blob: whole (0-END), S (0-1), u (1-2), m (2-END), um (1-END); S kept, the rest
    # judged nothing. A second blob cut otherwise: kept 0-3-END, not kept 0-2-END
    group = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 2])
    start = np.array([0, 0, 1, 2, 1, 0, 3, 0, 2, 0])
    end = np.array([END, 1, 2, END, END, 3, END, 2, END, END])
    keep = np.array([False, True, False, False, False, True, True, False, False, True])
    assert passed_over(group, start, end, keep).tolist() == [
        *[False, False, True, True, True],
        *[False, False, False, False],
        False,  # a blob alone in its group: the model's filters judged it
    ]


def test_a_label_s_letter_beside_letters_passed_over_is_not_reported():
    # "Sum" printed 30 px tall, its S read as 5 and its u and m passed over, before a number
    # written 100 px tall
    boxes = np.array(
        [[20, 100, 22, 30], [150, 40, 60, 100], [220, 40, 60, 100], [290, 40, 60, 100]]
    )
    digits, confidences = np.array([5, 2, 3, 4]), np.full(4, 0.99)
    marks = np.array([[45, 108, 18, 22], [66, 108, 30, 22]])
    blank = np.full((90, 70), 255, np.uint8)
    cv2.circle(blank, (35, 45), 25, 30, 5)
    seen = found(boxes, blank)
    assert reported(seen, digits, confidences, 0.5, marks).tolist() == [False, True, True, True]
    # not told that the u and m are letters, the S stands alone and is reported
    assert reported(seen, digits, confidences, 0.5).all()


def arc(bow: float, height: int = 80, flag: bool = False) -> np.ndarray:
    """A crop of one stroke ``height`` px tall whose middle bows ``bow`` of its height to the
    left (a "("; 0: straight, a 1), with a 1's flag at its top-left end when ``flag``."""
    crop = np.full((height + 20, 70), 255, np.uint8)
    rows = np.arange(height)
    cols = 40 - bow * height * np.sin(np.pi * rows / (height - 1))
    cv2.polylines(crop, [np.stack([cols, rows + 10], 1).astype(np.int32)], False, 30, 5)
    if flag:
        cv2.line(crop, (40, 10), (22, 30), 30, 5)
    return crop


def test_a_bracket_read_as_a_lone_1_beside_letters_is_dropped():
    from camdigit.core.mark_shapes import bowed_ones

    # one arc is a bracket; a straight 1, a 1 with a flag, a 1 bowed a little are not
    crops = [arc(0.2), arc(0.12), arc(0.0), arc(0.0, flag=True), arc(0.05)]
    assert bowed_ones(crops, np.ones(5, bool)).tolist() == [True, True, False, False, False]
    assert not bowed_ones(crops, np.zeros(5, bool)).any()  # only the rows asked about
    # "(x" and, far away, "23": the bracket read as 1 beside the x (judged no digit: passed
    # over) is dropped
    boxes = np.array([[100, 100, 40, 100], [150, 130, 50, 60], [600, 100, 60, 100]], np.int32)
    boxes = np.vstack([boxes, [[670, 100, 60, 100]]]).astype(np.int32)
    seen = found(np.delete(boxes, 1, axis=0), arc(0.2))
    digits, sure = np.array([1, 2, 3]), np.full(3, 0.99)
    letters = boxes[1:2]
    assert reported(seen, digits, sure, 0.5, letters).tolist() == [False, True, True]
    # with no letter beside it, or a straight 1 there, or beside the digits, it stays
    assert reported(seen, digits, sure, 0.5).tolist() == [True, True, True]
    straight = found(np.delete(boxes, 1, axis=0), arc(0.0))
    assert reported(straight, digits, sure, 0.5, letters).all()
    near = np.array([[520, 100, 40, 100], [600, 100, 60, 100], [670, 100, 60, 100]], np.int32)
    in_number = found(near, arc(0.2))
    assert reported(in_number, digits, sure, 0.5, np.array([[470, 130, 40, 60]])).all()


def test_no_mnist_1_of_the_fixture_is_bowed_as_a_bracket_is(mnist_1000):
    # the bow at which a lone 1 beside letters is dropped as a bracket is beyond the test
    # fixture's 1s, drawn as a camera's crop is: dark ink on white
    from camdigit.core.mark_shapes import bowed_ones

    images, labels = mnist_1000
    crops = [np.pad(255 - image, 4, constant_values=255) for image in images[labels == 1]]
    assert len(crops) >= 100
    assert not bowed_ones(crops, np.ones(len(crops), bool)).any()
