"""Rows of writing: the frame's digit height in close rows, and one blob two rows tall (a
digit's stroke touching the digit below it) cut between them where the model doubts it whole."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.matching import match
from camdigit.core.classifier import DigitClassifier
from camdigit.core.finder import DigitFinder
from camdigit.core.pipeline import Recognizer
from camdigit.core.proposals import CLEAR_PIECE, CLEAR_ROW, END, unclear_cuts
from camdigit.core.rows import (
    BESIDE_REACH,
    bands,
    lone_rows,
    row_cuts,
    row_pieces,
    two_rows,
    typical_height,
)
from camdigit.core.segmentation import CROP_PAD
from tests.pages import write_digit


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer(DigitClassifier())


def ink_end(page: np.ndarray, box: tuple, lowest: bool) -> tuple[int, int]:
    """The lowest (or highest) dark pixel of the ink in ``box``, as (x, y) in the page."""
    x, y, w, h = box
    ys, xs = np.nonzero(page[y : y + h, x : x + w] < 150)
    k = int(np.argmax(ys) if lowest else np.argmin(ys))
    return x + int(xs[k]), y + int(ys[k])


def first(labels: np.ndarray, value: int, skip: int = 0) -> int:
    return int(np.flatnonzero(labels == value)[skip])


def test_bands_split_a_column_at_its_gaps():
    boxes = np.array([[0, 50, 10, 30], [0, 0, 10, 40], [12, 10, 8, 20], [0, 90, 10, 5]])
    assert [b.tolist() for b in bands(boxes)] == [[1, 2], [0], [3]]
    assert [b.tolist() for b in bands(boxes[:1])] == [[0]]


def test_the_typical_height_counts_a_column_as_its_rows():
    # close rows: three blobs two rows tall (a stem touching the digit below), a column of
    # four 40 px rows and three digits standing alone; the whole groups' median is a blob's
    # two rows, the column far taller is counted as its rows, and the median is a digit's
    parts = [[100 * g, 0, 30, 90] for g in range(3)]
    parts += [[300, 50 * k, 30, 40] for k in range(4)]
    parts += [[400 + 100 * g, 0, 30, 42] for g in range(3)]
    parts.append([300, 205, 30, 4])  # a speck under the column: shorter than any digit
    group = np.array([0, 1, 2, 3, 3, 3, 3, 4, 5, 6, 3])
    boxes = np.array(parts)
    assert typical_height(boxes, group, np.arange(7), 1.4, 9) == 42.0
    # without the column the blobs two rows tall are the median: nothing to count apart
    assert typical_height(boxes, group, np.array([0, 1, 2, 4, 5]), 1.4, 9) == 90.0
    assert typical_height(boxes, group, np.zeros(0, np.int64), 1.4, 9) == 0.0


def test_two_rows_wants_a_tall_blob_wider_than_a_stroke():
    boxes = np.array(
        [
            [0, 0, 30, 90],  # two rows of a 40 px writing
            [0, 0, 30, 50],  # a tall digit of one row
            [0, 0, 95, 90],  # touching digits side by side: wider than tall
            [0, 0, 8, 120],  # one stroke: a streak, a column of 1s
        ]
    )
    assert two_rows(boxes, 40.0, 1.4).tolist() == [True, False, False, False]
    assert not two_rows(boxes, 0.0, 1.4).any()  # no writing measured: nothing is cut


def test_a_blob_two_rows_tall_is_cut_at_its_joint():
    # a 0 above a 0 joined by a short stroke: the cut runs through the stroke, and the two
    # pieces are the two rings; a straight bar of ink shows no joint and is not cut
    crop = np.full((120 + 2 * CROP_PAD, 50 + 2 * CROP_PAD), 255, np.uint8)
    cv2.ellipse(crop, (25 + CROP_PAD, 25 + CROP_PAD), (20, 24), 0, 0, 360, 0, 5)
    cv2.ellipse(crop, (25 + CROP_PAD, 95 + CROP_PAD), (20, 24), 0, 0, 360, 0, 5)
    crop[CROP_PAD + 49 : CROP_PAD + 71, CROP_PAD + 23 : CROP_PAD + 28] = 0
    box = [300, 200, 50, 120]
    pieces, cuts = row_pieces(crop, box, 50.0)
    assert cuts >= 1
    top = [p for p in pieces if p[2] == 0 and p[3] < cuts + 1]
    bottom = [p for p in pieces if p[2] > 0 and p[3] == cuts + 1]
    assert top and bottom
    assert any(abs(p[0][1] - 200) <= 2 and 45 <= p[0][3] <= 62 for p in top)
    assert any(abs(p[0][1] + p[0][3] - 320) <= 2 and 45 <= p[0][3] <= 62 for p in bottom)
    # the lattice's nodes: the top piece starts at 0, the bottom one ends at END
    nodes = row_cuts(crop, box, 50.0)
    assert {start for _, _, start, _ in nodes} >= {0} and {end for *_, end in nodes} >= {END}
    bar = np.full_like(crop, 255)
    bar[CROP_PAD:-CROP_PAD, CROP_PAD + 10 : CROP_PAD + 40] = 0
    assert row_pieces(bar, box, 50.0) == ([], 0)


def test_a_blob_cut_between_rows_wants_a_mark_beside_each_piece():
    # a blob two rows tall cut into its rows' digits (group 0), beside two rows' digits: kept;
    # beside the lower row's only (a symbol taller than its line: an integral sign's hook and
    # stem), its pieces are not reported
    pieces = [[300, 200, 50, 50], [300, 270, 50, 50]]
    upper, lower = [380, 205, 40, 45], [380, 268, 40, 50]
    boxes = np.array([*pieces, upper, lower])
    group = np.array([0, 0, 1, 2])
    row_piece = np.array([True, True, False, False])
    assert not lone_rows(boxes, group, row_piece).any()
    assert lone_rows(boxes[[0, 1, 3]], group[[0, 1, 3]], row_piece[[0, 1, 3]]).tolist() == [
        True,
        True,
        False,
    ]
    # a mark reaching the upper row by less than half its height is not beside it
    low = [380, 235, 40, 50]  # 15 px of the upper piece's 50
    assert lone_rows(np.array([*pieces, low, lower]), group, row_piece)[:2].all()
    # nor one far along the row (a page turned in view: a letter at the line's far end stands
    # level with the hook of the integral sign at its start)
    far = [300 + 50 + int(BESIDE_REACH * 50) + 10, 205, 40, 45]
    assert lone_rows(np.array([*pieces, far, lower]), group, row_piece)[:2].all()
    near = [300 + 50 + int(BESIDE_REACH * 50) - 10, 205, 40, 45]
    assert not lone_rows(np.array([*pieces, near, lower]), group, row_piece).any()
    # nor is a mark within the blob (a dot inside an integral's curl)
    inside = [310, 210, 20, 20]
    assert lone_rows(np.array([*pieces, inside, lower]), group, row_piece)[:2].all()
    # pieces of a side cut (not between rows) are not looked at
    assert not lone_rows(boxes[[0, 1, 3]], group[[0, 1, 3]], np.zeros(3, bool)).any()


def test_a_doubtful_piece_of_a_row_cut_drops_the_cut():
    # pieces of one blob cut between rows must all read clearly; a side cut's less so
    group = np.array([0, 0, 1, 1])
    clear = np.array([CLEAR_ROW, CLEAR_ROW, CLEAR_PIECE, CLEAR_PIECE], np.float32)
    confidences = np.array([1.0, 0.89, 1.0, 0.89], np.float32)
    read = np.ones(4, bool)
    assert unclear_cuts(group, clear, confidences, read).tolist() == [True, True, False, False]
    # what is not cut is never dropped here
    assert not unclear_cuts(group, np.zeros(4, np.float32), confidences * 0, read).any()


def test_a_digit_touching_the_digit_below_is_read_row_by_row(recognizer, mnist_1000):
    # a 7 whose stem runs down into the 4 of the next row: one blob two rows tall, which the
    # finder proposes whole; the model doubts it whole and reads its rows' digits surely
    images, labels = mnist_1000
    page = np.full((420, 560), 235, np.uint8)
    seven = write_digit(page, images[first(labels, 7)], 120, 40, 84)
    four = write_digit(page, images[first(labels, 4)], 116, seven[1] + seven[3] + 22, 84)
    # the 7's stem drawn on down to the 4's top
    tip, top = ink_end(page, seven, lowest=True), ink_end(page, four, lowest=False)
    cv2.line(page, tip, top, 30, 5)
    for k, value in enumerate((2, 5, 3)):  # the rows' other digits: the writing's height
        write_digit(page, images[first(labels, value)], 240 + 90 * k, 40, 84)
        write_digit(page, images[first(labels, value, 1)], 240 + 90 * k, four[1], 84)
    whole = DigitFinder().find(page).boxes
    assert (
        (whole[:, 1] <= seven[1] + 2) & (whole[:, 1] + whole[:, 3] >= four[1] + four[3] - 2)
    ).any()
    result = recognizer.process(page, still=True)
    found = match(result.detections.boxes, np.array([seven, four]))
    assert (found >= 0).all(), result.detections
    assert result.detections.digits[found].tolist() == [7, 4]
    assert len(result.detections) == 8


def test_a_big_digit_among_small_ones_is_not_cut(recognizer, mnist_1000):
    # an 8 two and a half times the writing's height: taller than two rows, but read surely
    # whole (cut at its waist it would be two sure 0s)
    images, labels = mnist_1000
    page = np.full((360, 560), 235, np.uint8)
    eight = write_digit(page, images[first(labels, 8, 1)], 60, 60, 150)
    for k, value in enumerate((2, 5, 3, 6)):
        write_digit(page, images[first(labels, value)], 240 + 70 * k, 120, 56)
    result = recognizer.process(page, still=True)
    found = match(result.detections.boxes, np.array([eight]))
    assert found[0] >= 0, result.detections
    assert result.detections.digits[found[0]] == 8
    assert len(result.detections) == 5


def _integral(page: np.ndarray, x: int, top: int, height: int, pen: int, level: int) -> None:
    """An integral sign ``height`` px tall: a hook curling over to the right at its top, a long
    stem, a foot to the left at its bottom (a smooth curve through these points)."""
    w = 0.2 * height
    points = np.array(
        [
            (w, 0.25 * height),
            (1.05 * w, 0.1 * height),
            (0.6 * w, 0),
            (0.1 * w, 0.08 * height),
            (0, 0.3 * height),
            (0.05 * w, 0.9 * height),
            (0, height),
            (-0.5 * w, height + 1),
            (-1.3 * w, height),
        ]  # fmt: skip
    ) + (x, top)
    ends = np.vstack([points[:1], points, points[-1:]])
    curve = []
    for i in range(1, len(ends) - 2):  # Catmull-Rom through the points
        p0, p1, p2, p3 = ends[i - 1 : i + 3]
        for t in np.linspace(0.0, 1.0, 30, endpoint=False):
            curve.append(
                0.5
                * (
                    2 * p1
                    + (p2 - p0) * t
                    + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
                    + (3 * p1 - p0 - 3 * p2 + p3) * t**3
                )  # fmt: skip
            )
    cv2.polylines(page, [np.round(curve).astype(np.int32)], False, level, pen, cv2.LINE_AA)


@pytest.mark.parametrize("height", [200, 270])
def test_an_integral_sign_beside_one_line_is_not_read(recognizer, mnist_1000, height):
    # an integral sign twice as tall as the 2 beside it and the letters after it, softly
    # focused: doubted whole, it was cut between "rows" into its hook (read as 7) and its stem
    # (two 1s); nothing stands beside its hook, so no row is there to cut out
    images, labels = mnist_1000
    page = np.full((420, 900), 190, np.uint8)
    top, x = 60, 80
    _integral(page, x, top, height, 7, 90)
    bottom = top + height
    two = write_digit(page, images[first(labels, 2, 2)], x + 80, bottom - 150, 180)
    cv2.putText(
        page, "x  d x", (x + 260, bottom - 30), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 3.5, 90, 7,
        cv2.LINE_AA,
    )  # fmt: skip
    page = cv2.GaussianBlur(page, (0, 0), 7 / 3)
    result = recognizer.process(page, still=True)
    assert result.detections.digits.tolist() == [2], result.detections
    assert match(result.detections.boxes, np.array([two]))[0] == 0
