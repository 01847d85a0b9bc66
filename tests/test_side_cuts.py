"""A number written tight running out of the frame's side (camdigit.core.side_cuts)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camdigit.core.classifier import DigitClassifier
from camdigit.core.pipeline import Recognizer
from camdigit.core.side_cuts import holds_cell, on_a_side
from camdigit.core.tracking import DigitTracker
from tests.pages import write_number

NUMBER = [4, 5, 6, 7]  # fixture digits 7, 4, 7, 2


def tight_number(images: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """The four digits written touching (each overlapping the one before by 6 px)."""
    page = np.full((240, 560), 225, np.uint8)
    return page, write_number(page, images[NUMBER], 60, 60, 130, -6)


@pytest.fixture(scope="module")
def classifier() -> DigitClassifier:
    return DigitClassifier()


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_still_reads_the_whole_digits_of_a_number_its_side_cuts(mnist_1000, classifier, side):
    images, labels = mnist_1000
    page, boxes = tight_number(images)
    if side == "right":  # the last digit half out of the frame
        frame = page[:, : boxes[-1][0] + boxes[-1][2] // 2]
        whole = labels[NUMBER[:-1]]
    else:  # the first digit half out of it
        frame = page[:, boxes[0][0] + boxes[0][2] // 2 :]
        whole = labels[NUMBER[1:]]
    frame = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_GRAY2BGR)
    found = Recognizer(classifier).process(frame, still=True).detections
    order = np.argsort(found.boxes[:, 0])
    assert found.digits[order].tolist() == whole.tolist()
    # each read digit lies on its own written digit, none on the cut one
    width = frame.shape[1]
    assert (found.boxes[:, 0] > 0).all() and (found.boxes[:, 0] + found.boxes[:, 2] < width).all()


def test_a_tracked_video_waits_for_the_cut_digit_to_come_whole_into_view(mnist_1000, classifier):
    # a moving camera brings the digits whole into view: a cut's reading taken first would
    # name the track, so no piece of a blob the side cuts starts one
    images, _ = mnist_1000
    page, boxes = tight_number(images)
    frame = np.ascontiguousarray(page[:, : boxes[-1][0] + boxes[-1][2] // 2])
    recognizer = Recognizer(classifier, tracker=DigitTracker())
    found = recognizer.process(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)).detections
    assert len(found) == 0


def test_a_tracked_number_going_out_of_view_keeps_the_digits_the_side_leaves_whole(
    mnist_1000, classifier
):
    # the camera pans on: the number slides left, its first digit out past the frame's side;
    # the digits the side leaves whole go on being read on the tracks they had (before, the
    # whole blob was dropped as cut, and they vanished with their neighbour)
    images, labels = mnist_1000
    page, boxes = tight_number(images)
    recognizer = Recognizer(classifier, tracker=DigitTracker())
    last = boxes[0][0] + boxes[0][2] // 2  # half the first digit out of view
    tracks: list[int] = []
    for shift in [*range(0, last, 6), last]:
        frame = cv2.cvtColor(np.ascontiguousarray(page[:, shift : shift + 400]), cv2.COLOR_GRAY2BGR)
        found = recognizer.process(frame).detections
        order = np.argsort(found.boxes[:, 0])
        if shift == 0:  # all four whole
            assert found.digits[order].tolist() == labels[NUMBER].tolist()
            tracks = found.tracks[order][1:].tolist()
    assert found.boxes[:, 0].min() > 0
    assert found.digits[order].tolist() == labels[NUMBER[1:]].tolist()
    assert found.tracks[order].tolist() == tracks


def test_only_a_blob_across_the_left_or_right_side_runs_out_along_its_line():
    boxes = np.array(
        [
            [0, 50, 200, 80],  # out of the left side
            [440, 50, 200, 80],  # out of the right side
            [100, 0, 200, 80],  # out of the top: cut across all its digits
            [0, 400, 200, 80],  # in the bottom left corner
            [100, 50, 200, 80],  # inside
        ]
    )
    assert on_a_side(boxes, 640, 480).tolist() == [True, True, False, False, False]


def test_a_printed_cell_is_a_hole_nearly_the_blobs_height_a_digits_loop_is_not():
    comb = np.zeros((120, 200), np.uint8)
    cv2.rectangle(comb, (5, 5), (195, 115), 1, 2)  # a comb's cell, cut on the left
    cv2.line(comb, (100, 5), (100, 115), 1, 2)
    number = np.zeros((120, 200), np.uint8)
    cv2.ellipse(number, (50, 60), (25, 50), 0, 0, 360, 1, 8)  # a 0 beside a 2's stroke
    cv2.line(number, (75, 60), (190, 110), 1, 8)
    assert holds_cell(comb.astype(bool))
    assert not holds_cell(number.astype(bool))
