"""A narrow blob of two touching digits beside a number's digits: cut, and the cut judged."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.matching import score_frame
from benchmarks.page_sweep import variant
from benchmarks.scenes import render_scene
from camdigit.core.classifier import DigitClassifier
from camdigit.core.first_look import FirstLook
from camdigit.core.piece_proposals import (
    CLEAR_NARROW,
    beside_digits,
    doubted_pieces,
    narrow_cuts_kept,
    narrow_pieces,
)
from camdigit.core.pipeline import Recognizer
from camdigit.core.proposals import CLEAR_PIECE, END, proposals
from camdigit.core.segmentation import CROP_PAD
from tests.pages import write_number


@pytest.fixture(scope="module")
def classifier() -> DigitClassifier:
    return DigitClassifier()


def _score(result, truth):
    return score_frame(
        result.detections, result.numbers, truth.boxes, truth.labels, truth.partial, truth.numbers
    )


def test_a_blob_stands_beside_a_digit_of_its_row_only_closer_than_numbers_are_parted():
    boxes = np.array(
        [
            [100, 100, 30, 40],  # the candidate, 40 px tall
            [135, 102, 25, 38],  # a digit 5 px after it: beside it
            [300, 100, 30, 40],  # a candidate 60 px (1.5 heights) from the next digit
            [390, 100, 30, 40],
            [500, 100, 30, 40],  # a candidate with a digit right below it, not in its row
            [500, 145, 30, 40],
        ]
    )
    candidates = np.array([True, False, True, False, True, False])
    digits = np.array([False, True, False, True, False, True])
    assert beside_digits(boxes, candidates, digits).tolist() == [True] + [False] * 5
    # beside a digit read, but no digit read sure: nothing
    assert not beside_digits(boxes, candidates, np.zeros(6, bool)).any()


def _narrow_blob(clear: float = CLEAR_NARROW) -> tuple:
    """A narrow blob whole, and its two pieces from one cut, each to be read ``clear``ly."""
    boxes = np.array([[0, 0, 30, 40], [0, 0, 16, 40], [14, 0, 16, 40]])
    crops = [np.full((40, 30), 255, np.uint8)] * 3
    found = proposals(
        boxes,
        crops,
        group=np.zeros(3, np.int64),
        start=np.array([0, 0, 1]),
        end=np.array([END, 1, END]),
        clear=np.array([0.0, clear, clear], np.float32),
    )
    return found, np.array([False, True, True])


@pytest.mark.parametrize(
    ("digits", "confidences", "kept"),
    [
        ([8, 9, 1], [0.0, 0.99, 0.97], [False, True, True]),  # "91": the cut stands
        ([8, 1, 1], [0.0, 0.99, 0.97], [True, False, False]),  # 1s only: a U's strokes
        ([8, 9, 4], [0.0, 0.99, 0.4], [True, False, False]),  # a piece read doubtfully
        ([8, 5, 1], [0.0, 0.99, 0.74], [True, False, False]),  # clear enough for a wide blob
    ],
)
def test_a_narrow_blob_s_cut_stands_only_where_its_pieces_read_clearly(digits, confidences, kept):
    found, keep = _narrow_blob()
    assert narrow_pieces(found).tolist() == [False, True, True]
    digits, confidences = np.array(digits), np.array(confidences, np.float32)
    assert narrow_cuts_kept(found, keep, digits, confidences).tolist() == kept


def test_a_narrow_blob_half_passed_over_is_read_whole():
    found, _ = _narrow_blob()
    keep = np.array([False, True, False])  # the 9 kept, the rest passed over as no digit
    digits, confidences = np.array([8, 9, 1]), np.array([0.0, 0.99, 0.97], np.float32)
    assert narrow_cuts_kept(found, keep, digits, confidences).tolist() == [True, False, False]
    # a wide blob's pieces are the choice's alone
    found, _ = _narrow_blob(CLEAR_PIECE)
    assert not narrow_pieces(found).any()
    assert narrow_cuts_kept(found, keep, digits, confidences).tolist() == keep.tolist()


@pytest.mark.parametrize(("seed", "number"), [(40, "913"), (41, "216"), (48, "741")])
def test_two_touching_digits_as_narrow_as_one_are_read_in_their_number(
    classifier, mnist_1000, seed, number
):
    # two digits of each number lean on each other in a blob no wider than one digit, which
    # the model judges no digit and was not cut: the numbers read "9", "6" and "7" then
    scene = render_scene(*mnist_1000, "touching", seed, (640, 480))
    assert number in [n[0] for n in scene.truth.numbers]
    result = Recognizer(classifier).process(scene.image, "touching.png", still=True)
    assert number in [found.text for found in result.numbers]
    s = _score(result, scene.truth)
    assert s.false == 0, s.as_dict()


def test_a_printed_word_s_letter_beside_its_o_is_not_cut(classifier, mnist_1000):
    # a cheque's printed "No." on a desk: its o reads as a sure 0 and its N, as narrow as a
    # digit and judged no digit, stands beside it; cut, the N read "14" (three false digits)
    image, truth = variant(render_scene(*mnist_1000, "strip", 3), "portrait-desk-x2")
    result = Recognizer(classifier).process(image, "strip.png", still=True)
    s = _score(result, truth)
    assert s.false == 0, s.as_dict()


@pytest.mark.parametrize(
    ("neighbour_read", "neighbour_digit", "cut"),
    [
        (True, 5, True),  # a 5 read sure beside it
        (True, 0, False),  # a 0, as an o reads: not cut
        (False, 0, True),  # a steady track's digit, not read again this frame
    ],
)
def test_a_narrow_blob_judged_no_digit_is_cut_beside_a_known_digit(
    mnist_1000, neighbour_read, neighbour_digit, cut
):
    images, labels = mnist_1000
    nine, one = images[np.flatnonzero(labels == 9)[0]], images[np.flatnonzero(labels == 1)[0]]
    page = np.full((120, 200), 235, np.uint8)
    ink = write_number(page, [nine, one], 20, 20, 60, -4)  # the 1 leans on the 9
    x0, y0 = ink[0][0], min(b[1] for b in ink)
    x1, y1 = ink[-1][0] + ink[-1][2], max(b[1] + b[3] for b in ink)
    pad = CROP_PAD
    crop = page[y0 - pad : y1 + pad, x0 - pad : x1 + pad].copy()
    assert (x1 - x0) <= (y1 - y0)  # no wider than tall: not cuttable as a wide blob
    boxes = np.array([[x0, y0, x1 - x0, y1 - y0], [x1 + 6, y0, 30, y1 - y0]])
    found = proposals(boxes, [crop, crop])
    look = FirstLook.unread(2)
    look.read[:] = [True, neighbour_read]
    look.is_digit[:] = [0.01, 1.0]  # the blob whole judged no digit
    look.digits[1] = neighbour_digit
    doubt, known = np.array([True, False]), np.array([False, True])
    pieces = doubted_pieces(found, doubt, known, look, float(y1 - y0), 1.4, 0.5)
    assert (len(pieces) > 0) == cut
    if cut:
        assert (pieces.data["clear"] == np.float32(CLEAR_NARROW)).all()
        assert (pieces.data["group"] == found.data["group"][0]).all()
