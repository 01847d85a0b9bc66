"""A ruled line or a margin that writing crosses is still a line: found by its straight pieces."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import Recognizer
from camdigit.core.ruled_lines import broken_line_sides
from tests.pages import write_digit


def sides_of(
    points: list[tuple[int, int]], length: float, size: tuple[int, int] = (241, 300)
) -> list[bool]:
    return broken_line_sides(np.array(points, np.int32), length, size).tolist()


def test_the_pieces_of_a_line_a_digit_crosses_add_up_to_a_line():
    # the upper edge of a line 240 px long, a digit crossing it at x 80-120 and 170-200: three
    # straight pieces, none a line's 150 px, on one line; the digit's own sides are no line
    points = [(0, 100), (80, 101), (85, 60), (115, 60), (120, 101), (170, 102), (185, 40)]
    points += [(200, 102), (240, 103), (240, 106), (0, 103)]
    chosen = sides_of(points, 150.0)
    assert chosen == [True, False, False, False, True, False, False, True, False, True, False]
    # the bottom edge (240 px long) is a line alone, whatever the pieces do
    assert sides_of(points, 300.0) == [False] * 11
    # a table's line, ending at its corners well inside the frame, is left to the long sides
    table = [(x + 50, y) for x, y in points]
    assert sides_of(table, 150.0, (400, 300)) == [False] * 9 + [True, False]


def test_collinear_strokes_of_a_digit_shorter_than_a_line_are_no_line():
    # a 4's stem broken by its bar: two pieces on one line, 50 + 60 px, under a line's 150 px
    points = [(100, 0), (100, 50), (60, 50), (60, 58), (100, 58), (100, 118), (106, 118)]
    points += [(106, 0)]
    assert not any(sides_of(points, 150.0))
    # ... and a short side of a stroke crossing a line, both ends near it, runs across it
    points = [(0, 100), (70, 100), (71, 103), (72, 100), (100, 100), (102, 40), (108, 40)]
    points += [(106, 100), (160, 100), (160, 103), (0, 103)]
    chosen = sides_of(points, 150.0)
    assert chosen == [True, False, False, True, False, False, False, True, False, True, False]


def test_a_ragged_line_alone_and_a_stripe_s_edge_are_left_to_the_other_checks():
    # a page's edge seen as a ragged hairline, its pieces 60-70 px, nothing written on it: its
    # stub beyond would lose the line it runs on along, and read as a 1
    points = [(0, 0), (2, 60), (3, 63), (4, 130), (6, 200), (8, 200), (6, 130), (5, 63)]
    points += [(4, 60), (2, 0)]
    assert not any(sides_of(points, 150.0))
    # a fabric's wide stripe, a digit's stroke touching its edge: the edge's pieces on one line
    # run one way only (no line's other edge beside them)
    points = [(0, 100), (80, 100), (85, 30), (95, 30), (100, 100), (240, 100), (240, 130)]
    points += [(120, 140), (0, 130)]
    assert sides_of(points, 180.0) == [False] * 9


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer(DigitClassifier(threads=1))


@pytest.mark.parametrize("kind", ["margin", "ruled"])
@pytest.mark.parametrize("first", [14, 22])
def test_two_digits_of_a_close_up_across_a_line_are_read(recognizer, mnist_1000, kind, first):
    # a close-up of two digits 150 px tall in a 320x240 frame, a thin grey margin line down
    # the frame through the first digit, or a ruled line across both: the line's straight
    # pieces between the strokes are each shorter than a line (1.2 of the writing's height),
    # and were left in the ink, joining the digits to it (the first digit lost, or both)
    images, labels = mnist_1000
    page = np.full((240, 320), 225, np.uint8)
    if kind == "margin":
        cv2.line(page, (62, 0), (64, 239), 150, 2)
    a = write_digit(page, images[first], 40, 50, 150)
    b = write_digit(page, images[first + 1], a[0] + a[2] + 30, 50, 150)
    if kind == "ruled":
        y = 50 + int(0.6 * max(a[3], b[3]))
        cv2.line(page, (0, y), (319, y + 3), 150, 2)
    result = recognizer.process(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR), still=True)
    order = np.argsort(result.detections.boxes[:, 0])
    boxes = result.detections.boxes[order]
    assert result.detections.digits[order].tolist() == [labels[first], labels[first + 1]]
    # each digit's own box, not the line's
    for box, truth in zip(boxes.tolist(), (a, b), strict=True):
        assert all(abs(v - t) <= 4 for v, t in zip(box, truth, strict=True)), (box, truth)
