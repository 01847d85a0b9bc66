"""A still's writing that fills the frame, read with a margin (camdigit.core.frame_margin)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.filled_frames import lone_digit
from camdigit.core.border_writing import writing_at_border
from camdigit.core.classifier import DigitClassifier
from camdigit.core.detections import Detections, FrameResult, Number
from camdigit.core.frame_margin import moved_back, spent, with_border_digits, with_margin
from camdigit.core.pipeline import Recognizer
from tests.pages import cropped, number_page

NUMBER = [4, 5, 6, 7, 8]  # fixture digits 7, 4, 7, 2, 8
RATIO, MARGIN = 0.77, 14  # the finder's ink contrast
DEPTH = 40  # twice the writing's height


@pytest.fixture(scope="module")
def classifier() -> DigitClassifier:
    return DigitClassifier()


@pytest.mark.parametrize("cut", [0, 3], ids=["touching", "cut-3px"])
def test_a_number_filling_a_still_is_read_whole(mnist_1000, classifier, cut):
    images, labels = mnist_1000
    page, boxes = number_page(images[NUMBER])
    frame = cropped(page, boxes, cut)
    result = Recognizer(classifier).process(frame, still=True)
    order = np.argsort(result.detections.boxes[:, 0])
    assert result.detections.digits[order].tolist() == labels[NUMBER].tolist()
    assert [n.text for n in result.numbers] == ["".join(str(d) for d in labels[NUMBER])]
    # the outer digits' boxes are where they were written, in the frame's coordinates
    found = result.detections.boxes[order]
    assert found[0, 0] <= 2 and found[-1, 0] + found[-1, 2] >= frame.shape[1] - 2


def test_a_video_frame_still_drops_what_its_border_cuts(mnist_1000, classifier):
    images, labels = mnist_1000
    page, boxes = number_page(images[NUMBER])
    frame = cropped(page, boxes, 3)
    result = Recognizer(classifier).process(frame, still=False)
    # the outer digits are cut: the next frames show them whole
    x, _, w, _ = result.detections.boxes.T
    assert len(result.detections) and (x > 2).all() and (x + w < frame.shape[1] - 2).all()


def test_writing_crossing_a_side_is_told_from_shading_a_desk_and_lines():
    page = np.full((200, 300), 210, np.uint8)
    assert not writing_at_border(page, RATIO, MARGIN, DEPTH)
    crossed = page.copy()
    cv2.line(crossed, (0, 90), (30, 90), 40, 5)  # a stroke running out of the left side
    assert writing_at_border(crossed, RATIO, MARGIN, DEPTH)
    chalk = np.full((200, 300), 40, np.uint8)
    cv2.line(chalk, (150, 0), (150, 30), 220, 5)  # light ink out of the top of a dark board
    assert writing_at_border(chalk, RATIO, MARGIN, DEPTH)
    # a lens's dark corners (0.7 of the middle): smooth, wider than any stroke
    yy, xx = np.mgrid[0:200, 0:300]
    falloff = 1.0 - 0.3 * (((xx - 150) / 150.0) ** 2 + ((yy - 100) / 100.0) ** 2) / 2
    assert not writing_at_border((page * falloff).astype(np.uint8), RATIO, MARGIN, DEPTH)
    desk = page.copy()
    desk[170:] = 60  # a desk along the bottom, and up the left side's last stretch
    assert not writing_at_border(desk, RATIO, MARGIN, DEPTH)
    # graph paper's lines run on across the frame, slanting a little
    grid = page.copy()
    for x in range(10, 300, 30):
        cv2.line(grid, (x, 0), (x + 12, 199), 120, 2)
    for y in range(15, 200, 30):
        cv2.line(grid, (0, y), (299, y + 8), 120, 2)
    assert not writing_at_border(grid, RATIO, MARGIN, DEPTH)
    assert writing_at_border(np.minimum(grid, crossed), RATIO, MARGIN, DEPTH)
    # writing half as tall as the frame: whatever crosses its border is its own
    assert writing_at_border(grid, RATIO, MARGIN, 120)


def test_the_margin_continues_each_side_ground():
    gray = np.full((40, 60), 200, np.uint8)
    gray[:, 0] = 100  # the left side's ground is darker
    gray[0, 30] = 0  # one dark point on the top side does not move its level
    out = with_margin(gray, 5)
    assert out.shape == (50, 70)
    assert (out[5:45, 5:65] == gray).all()
    assert out[0, 30] == 200 and out[20, 0] == 100 and out[20, -1] == 200
    assert out[0, 0] == 150  # a corner: the mean of the two sides that meet there


def test_the_margin_goes_on_as_paper_past_a_side_the_writing_covers():
    # a bold 7 filling the frame: its bar covers most of the top side; the frame's border is
    # still mostly paper, and the margin above it is paper, not ink (dark ink or light)
    for paper, ink in ((200, 30), (40, 220)):
        gray = np.full((60, 40), paper, np.uint8)
        gray[:8, 2:38] = ink  # the bar along the top side
        gray[8:, 26:34] = ink  # the stem down to the bottom
        out = with_margin(gray, 5)
        assert abs(int(out[0, 20]) - paper) <= 1, (paper, out[0, 20])
        assert abs(int(out[-1, 20]) - paper) <= 1 and abs(int(out[30, 0]) - paper) <= 1


def _result(boxes: list, digits: list, numbers: list[tuple[str, tuple]]) -> FrameResult:
    array = np.array(boxes, np.int32).reshape(-1, 4)
    detections = Detections(array, np.array(digits), np.full(len(boxes), 0.99, np.float32))
    found = [Number(text, (0, 0, 1, 1), members) for text, members in numbers]
    return FrameResult("x", 0, 0.0, detections, found, {"find": 1.0}, len(boxes), True)


def test_boxes_are_moved_back_into_the_frame():
    framed = _result(
        [[5, 10, 20, 30], [40, 12, 30, 30], [0, 0, 4, 4]], [1, 2, 3], [("12", (0, 1)), ("3", (2,))]
    )
    back = moved_back(framed, 10, (40, 50))
    # cut to the 50x40 frame; the box wholly in the margin is gone, with its number
    assert back.detections.boxes.tolist() == [[0, 0, 15, 30], [30, 2, 20, 30]]
    assert [n.members for n in back.numbers] == [(0, 1)]


def test_the_border_digits_of_the_framed_reading_are_added_to_the_first():
    shape = (100, 200)
    # first: a piece of the cut 7 (read as 1) and the 4 beside it
    first = _result([[6, 40, 8, 20], [30, 30, 22, 40]], [1, 4], [("14", (0, 1))])
    # framed: the 7 the left side cut, in its number with the 4; a lone streak at the bottom;
    # a 2 the right side cut to a sliver, beside a 5 read clear of the border
    framed = _result(
        [[0, 30, 25, 40], [30, 30, 22, 40], [100, 70, 6, 30], [150, 30, 20, 40], [192, 30, 8, 40]],
        [7, 4, 1, 5, 2],
        [("74", (0, 1)), ("1", (2,)), ("52", (3, 4))],
    )
    chosen = with_border_digits(first, framed, np.full(shape, 200, np.uint8))
    # the 7 replaces the piece; the 4 is the first reading's; the streak and the sliver are not
    # added, nor the 5 the first did not read (the rest of the frame is the first reading's)
    assert sorted(chosen.detections.digits.tolist()) == [4, 7]
    assert [n.text for n in chosen.numbers] == ["74"]
    spent(chosen, framed)
    assert chosen.timings["find"] == 2.0 and chosen.classified == 7  # both looks counted


def test_a_framed_reading_adding_nothing_leaves_the_first():
    shape = (100, 200)
    first = _result([[60, 30, 20, 40]], [4], [("4", (0,))])
    # nothing anchors the 7, half as tall as the writing (a wall's mark at the border), nor
    # the 1 as tall as it (a line running out of the frame)
    for box, digit in (([0, 30, 18, 20], 7), ([0, 30, 8, 40], 1)):
        framed = _result([box], [digit], [(str(digit), (0,))])
        chosen = with_border_digits(first, framed, np.full(shape, 200, np.uint8))
        assert chosen.detections.digits.tolist() == [4] and chosen.numbers == first.numbers


def test_a_digit_at_the_border_as_tall_as_the_writing_is_added():
    # a camera closer to a page: the row along its top lost a sliver to the border, and the
    # first reading read none of it; the framed look reads a 7 as tall as the 4 below
    shape = (100, 200)
    first = _result([[60, 50, 20, 40]], [4], [("4", (0,))])
    framed = _result([[20, 0, 22, 38]], [7], [("7", (0,))])
    chosen = with_border_digits(first, framed, np.full(shape, 200, np.uint8))
    assert sorted(chosen.detections.digits.tolist()) == [4, 7]
    assert len(chosen.numbers) == 2


def read_lone(
    recognizer: Recognizer, images: np.ndarray, index: int, pen: str, height: float, margin: float
) -> Detections:
    """The fixture's digit ``index`` drawn alone with ``pen`` (:func:`lone_digit`, its own seed)
    ``height`` px tall, cropped with ``margin``, read as a still."""
    page = lone_digit(images[index], pen, height, margin, np.random.default_rng(index))
    frame = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    return recognizer.process(frame, still=True).detections


def lone_readings(
    classifier, images: np.ndarray, indices, pen: str, height: float, margin: float
) -> dict[int, list[int]]:
    """The digits read in each of the fixture's digits ``indices`` drawn alone
    (:func:`read_lone`), by index."""
    recognizer = Recognizer(classifier)
    return {
        index: read_lone(recognizer, images, index, pen, height, margin).digits.tolist()
        for index in indices
    }


@pytest.mark.parametrize(
    "pen, indices", [("ballpoint", [0, 1, 3, 7, 8, 9]), ("marker", [0, 3, 8, 9])]
)
def test_a_lone_digit_filling_a_still_is_read(mnist_1000, classifier, pen, indices):
    images, labels = mnist_1000
    recognizer = Recognizer(classifier)
    for index in indices:  # each 150 px tall, its ink touching all four sides
        page = lone_digit(images[index], pen, 150.0, 0.0, np.random.default_rng(index))
        frame = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
        found = recognizer.process(frame, still=True).detections
        assert found.digits.tolist() == [labels[index]], index
        x, y, w, h = found.boxes[0]
        assert w * h >= 0.8 * page.shape[0] * page.shape[1]


@pytest.mark.parametrize("pen, indices", [("ballpoint", [14, 19, 22, 26]), ("marker", [6, 15, 22])])
def test_a_digit_covering_most_of_a_side_is_read_with_paper_past_it(
    mnist_1000, classifier, pen, indices
):
    # 150 px tall, touching all four sides: a bold curve or bar covers most of a side, whose
    # median is then ink; the margin went on as ink there (a dark band joining the digit) and
    # nothing was read
    images, labels = mnist_1000
    readings = lone_readings(classifier, images, indices, pen, 150.0, 0.0)
    assert readings == {index: [labels[index]] for index in indices}


def test_a_marker_digit_read_as_slivers_is_read_again_with_a_margin(mnist_1000, classifier):
    # a marker digit filling the frame, its strokes wider than the paper window the frame
    # allows: the first reading saw specks inside its strokes, read as small 1s, away from the
    # border, and the still was not read again with a margin (only one reading no digit was)
    images, labels = mnist_1000
    readings = lone_readings(classifier, images, (1, 7, 38), "marker", 150.0, 0.0)
    assert readings == {index: [labels[index]] for index in (1, 7, 38)}


@pytest.mark.parametrize("pen, indices", [("ballpoint", [28, 36, 48, 71]), ("marker", [36, 73])])
def test_a_1_cropped_tight_is_read(mnist_1000, classifier, pen, indices):
    images, _ = mnist_1000
    # a 1 150 px tall, 5% of its height of paper around it
    readings = lone_readings(classifier, images, indices, pen, 150.0, 0.05)
    assert readings == {index: [1] for index in indices}


@pytest.mark.parametrize(
    "pen, index, height",
    [("marker", 2, 160.0), ("marker", 37, 160.0), ("marker", 58, 120.0), ("ballpoint", 31, 120.0)],
)
def test_a_digit_whose_stroke_fills_most_of_a_narrow_frame_is_read(
    mnist_1000, classifier, pen, index, height
):
    # 5% of its height of paper around it: a marker 1 in a frame 56 px wide, a 7 whose stem
    # is a third of the frame; the paper windows doubled up to 31 px, the next (63) passed
    # the frame's width, 31 is too narrow for three of their strokes, and nothing was read
    images, labels = mnist_1000
    found = read_lone(Recognizer(classifier), images, index, pen, height, 0.05)
    assert found.digits.tolist() == [labels[index]]


@pytest.mark.parametrize("pen, indices", [("ballpoint", [36, 71, 73]), ("marker", [71, 73])])
def test_a_1_the_frame_is_cropped_to_is_read(mnist_1000, classifier, pen, indices):
    # a folder's tight crop of one 1, its ink touching all four sides: the crop cut its ends,
    # which show the stroke's core on the border as a pole's do, but a pole spans the frame
    # one way only
    images, _ = mnist_1000
    readings = lone_readings(classifier, images, indices, pen, 150.0, 0.0)
    assert readings == {index: [1] for index in indices}


def test_a_line_through_a_still_is_no_digit_filling_it(classifier):
    frame = np.full((160, 120), 210, np.uint8)
    cv2.line(frame, (55, 0), (65, 159), 40, 9)  # a pole, a door's edge: reads as a 1
    found = Recognizer(classifier).process(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), still=True)
    assert len(found.detections) == 0


def test_a_border_piece_inside_a_larger_first_reading_is_not_added():
    shape = (100, 200)
    # the first read one box over a cut piece at the side and the 3 beside it, as a 3
    first = _result([[3, 30, 60, 40]], [3], [("3", (0,))])
    # the framed look read the piece alone, as a 1, in a number with the 3
    framed = _result([[0, 32, 12, 38], [25, 30, 38, 40]], [1, 3], [("13", (0, 1))])
    chosen = with_border_digits(first, framed, np.full(shape, 200, np.uint8))
    assert chosen.detections.digits.tolist() == [3]
    assert chosen.detections.boxes.tolist() == [[3, 30, 60, 40]]


def test_a_1_the_side_cuts_is_a_slice_unless_the_first_read_a_1_there():
    gray = np.full((100, 200), 200, np.uint8)
    gray[30:70, 0:6] = 40  # a stroke the left side cuts: as dark on the border as inside
    gray[30:70, 190:197] = 40  # a stroke reaching the right side with its soft rim only
    gray[30:70, 197:200] = 150
    four = [[60, 30, 25, 40]]
    first = _result(four, [4], [("4", (0,))])
    framed = _result(
        [[0, 30, 6, 40], [60, 30, 25, 40], [190, 30, 10, 40]],
        [1, 4, 1],
        [("14", (0, 1)), ("1", (2,))],
    )
    framed.numbers[1] = Number("41", (60, 30, 140, 40), (1, 2))
    chosen = with_border_digits(first, framed, gray)
    assert sorted(chosen.detections.boxes[:, 0].tolist()) == [60, 190]  # the slice is not
    # where the first read a 1, the cut one stands
    first_one = _result([[1, 30, 5, 40], *four], [1, 4], [("14", (0, 1))])
    chosen = with_border_digits(first_one, framed, gray)
    assert sorted(chosen.detections.boxes[:, 0].tolist()) == [0, 60, 190]


@pytest.mark.parametrize(
    "pen, indices",
    [("ballpoint", [28, 31, 37, 127, 140, 145]), ("marker", [2, 28, 31, 36, 37, 82])],
)
def test_a_1_cropped_to_its_ink_narrower_than_three_strokes_is_read(
    mnist_1000, classifier, pen, indices
):
    # a 1 160 px tall cropped to its ink, 30-45 px wide: framed with a third of that, the
    # paper window the frame allows was no wider than two of its strokes, and nothing was
    # read; a still read as no digit but 1s may be one tall digit, framed three quarters of
    # its height wide
    images, _ = mnist_1000
    readings = lone_readings(classifier, images, indices, pen, 160.0, 0.0)
    assert readings == {index: [1] for index in indices}
