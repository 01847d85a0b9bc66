"""A video's framed look, taken while the camera stands still (camdigit.core.framed_video)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.filled_frames import lone_digit, steady_frames
from camdigit.core.classifier import DigitClassifier
from camdigit.core.detections import NO_TRACK, Detections, FrameResult, Number
from camdigit.core.finder import FinderConfig
from camdigit.core.framed_video import REFRESH, STILL_FRAMES, FramedLooks, stands
from camdigit.core.number_history import carried_ids
from camdigit.core.pipeline import Recognizer
from camdigit.core.tracking import DigitTracker
from tests.pages import cropped, number_page

NUMBER = [4, 5, 6, 7, 8]  # fixture digits 7, 4, 7, 2, 8


@pytest.fixture(scope="module")
def classifier() -> DigitClassifier:
    return DigitClassifier()


def test_a_camera_held_still_over_a_number_filling_it_reads_it_whole(mnist_1000, classifier):
    images, labels = mnist_1000
    page, boxes = number_page(images[NUMBER])
    frame = cropped(page, boxes, 3)  # the outer digits lose 3 px to the border
    recognizer = Recognizer(classifier, tracker=DigitTracker())
    results = [recognizer.process(f) for f in steady_frames(frame, STILL_FRAMES + 3)]
    # the first frames drop what the border cuts, as a moving camera's would
    x, _, w, _ = results[0].detections.boxes.T
    assert (x > 2).all() and (x + w < frame.shape[1] - 2).all()
    # once the view has stood still, the framed look reads the outer digits
    for result in results[STILL_FRAMES:]:
        order = np.argsort(result.detections.boxes[:, 0])
        assert result.detections.digits[order].tolist() == labels[NUMBER].tolist()
        assert [n.text for n in result.numbers] == ["".join(str(d) for d in labels[NUMBER])]
    # digits holding what the first reading tracked keep those tracks, the number its id
    tracks = [r.detections.tracks[np.argsort(r.detections.boxes[:, 0])] for r in results]
    assert (tracks[STILL_FRAMES] != NO_TRACK).sum() >= 2
    assert all((t == tracks[STILL_FRAMES]).all() for t in tracks[STILL_FRAMES:])
    ids = {r.numbers[0].id for r in results[STILL_FRAMES:]}
    assert len(ids) == 1 and None not in ids


def test_a_lone_digit_filling_a_still_camera_is_read(mnist_1000, classifier):
    images, labels = mnist_1000
    recognizer = Recognizer(classifier, tracker=DigitTracker())
    for index in (0, 3):  # a marker 7 and 0, 150 px tall, their ink touching all four sides
        page = lone_digit(images[index], "marker", 150.0, 0.0, np.random.default_rng(index))
        frame = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
        recognizer.reset()
        results = [recognizer.process(f) for f in steady_frames(frame, STILL_FRAMES + 2)]
        assert results[0].detections.digits.tolist() != [labels[index]]  # read once: missed
        assert results[-1].detections.digits.tolist() == [labels[index]], index


def test_a_moving_camera_takes_no_framed_look(mnist_1000, classifier):
    images, _ = mnist_1000
    page, boxes = number_page(images[NUMBER])
    recognizer = Recognizer(classifier, tracker=DigitTracker())
    looks = 0
    x0, y0 = min(b[0] for b in boxes) + 3, min(b[1] for b in boxes) + 3
    x1, y1 = max(b[0] + b[2] for b in boxes) - 3, max(b[1] + b[3] for b in boxes) - 3
    for step in range(STILL_FRAMES + 4):  # panning 8 px a frame over the page
        window = page[y0:y1, x0 - 8 * step : x1 - 8 * step]
        frame = cv2.cvtColor(np.ascontiguousarray(window), cv2.COLOR_GRAY2BGR)
        recognizer.process(frame)
        looks += recognizer.framed._look is not None
    assert looks == 0


def test_the_view_stands_while_its_digits_stay_within_a_tenth_of_their_height():
    boxes = np.array([[10, 10, 20, 40], [40, 10, 20, 40], [70, 10, 20, 40]])
    assert stands(boxes, boxes + [3, -3, 0, 0])  # a hand's tremor
    assert not stands(boxes, boxes + [8, 0, 0, 0])  # a fifth of a digit
    # a piece read in one frame only moves no median
    assert stands(np.vstack([boxes, [[100, 50, 5, 8]]]), boxes)
    assert stands(np.zeros((0, 4)), np.zeros((0, 4)))
    assert not stands(boxes, np.zeros((0, 4)))


def _reading(boxes: list, tracks: list) -> FrameResult:
    array = np.array(boxes, np.int32).reshape(-1, 4)
    n = len(boxes)
    detections = Detections(
        array, np.full(n, 4), np.full(n, 0.99, np.float32), np.array(tracks, np.int64)
    )
    numbers = [Number("4" * n, (0, 0, 1, 1), tuple(range(n)), 0, 7)] if n else []
    return FrameResult("v", 0, 0.0, detections, numbers, {"find": 1.0}, n, False)


def test_a_framed_look_serves_a_still_view_and_is_taken_afresh():
    gray = np.full((100, 200), 210, np.uint8)
    gray[48:53, 0:25] = 40  # a stroke the left side cuts
    first = _reading([[10, 30, 20, 40], [60, 30, 20, 40]], [3, 5])
    taken = []

    def look(framed_gray: np.ndarray) -> FrameResult:
        taken.append(framed_gray.shape)
        margin = (framed_gray.shape[0] - gray.shape[0]) // 2
        # the whole digit at the side, holding the first reading's piece of it
        return _reading(
            [[margin, margin + 30, 40, 40], [margin + 60, margin + 30, 20, 40]], [-1, -1]
        )

    framed = FramedLooks()
    results = [
        framed.read(look, gray, first, FinderConfig()) for _ in range(STILL_FRAMES + REFRESH + 1)
    ]
    assert len(taken) == 2  # once the view stood still, and again after REFRESH frames served
    assert all(len(r.detections) == 2 for r in results)
    last = results[-1].detections
    # the whole digit replaced the piece, and keeps its track; the number keeps its id
    assert sorted(last.boxes[:, 2].tolist()) == [20, 40]
    assert sorted(last.tracks.tolist()) == [3, 5]
    assert [n.id for n in results[-1].numbers] == [7]
    assert results[STILL_FRAMES - 1].detections.boxes[:, 2].tolist() == [20, 20]  # not yet


def test_numbers_grouped_again_keep_the_ids_of_the_tracked_digits_they_hold():
    before = [Number("12", (0, 0, 1, 1), (0, 1), 0, 4), Number("3", (0, 0, 1, 1), (2,), 0, 9)]
    after = [Number("123", (0, 0, 1, 1), (0, 1, 2), 0), Number("5", (0, 0, 1, 1), (3,), 0)]
    ids = [
        n.id for n in carried_ids(before, np.array([10, 11, 12]), after, np.array([10, 11, 12, -1]))
    ]
    assert ids == [4, None]  # one id per number; a number of an untracked digit has none
