"""Second looks: a doubtful crop read again tilted either way (the mean decides), a blob passed
over on a turned line read again upright."""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.classifier import Classification, DigitClassifier
from camdigit.core.detections import Detections
from camdigit.core.preprocess import normalize_digits
from camdigit.core.proposals import END
from camdigit.core.second_looks import AGAIN, TILT, confident, read_passed_upright, read_tilted
from camdigit.core.slant import local_slant


def probabilities(**digits: float) -> np.ndarray:
    row = np.zeros(10, np.float32)
    for name, p in digits.items():
        row[int(name[1:])] = p
    return row


class Stub:
    """A model that reads a tilted crop (turned on a canvas a few pixels wider than the crop)
    as given per crop (told apart by their widths), and notes what it read."""

    def __init__(self, tilted: dict[int, np.ndarray]) -> None:
        self.tilted = tilted
        self.seen: list[int] = []

    def __call__(self, crops: list[np.ndarray]) -> Classification:
        keys = [max(w for w in self.tilted if w < crop.shape[1]) for crop in crops]
        self.seen.extend(keys)
        return Classification.from_probabilities(np.array([self.tilted[k] for k in keys]))


def test_a_doubtful_reading_takes_the_digit_the_three_looks_agree_on():
    crops = [np.full((40, w), 255, np.uint8) for w in (20, 60, 100, 140)]
    first = np.array([probabilities(d4=0.6, d9=0.4)] * 2 + [probabilities(d7=0.95)] * 2)
    model = Stub(tilted={20: probabilities(d9=0.9, d4=0.1), 60: probabilities(d9=0.6, d4=0.4)})
    digits = np.array([4, 4, 7, 1])
    confidences = np.array([0.6, 0.6, 0.95, 0.0], np.float32)  # doubtful, doubtful, sure, no digit
    read_tilted(crops, np.ones(4, bool), first, digits, confidences, model, conf=0.5)
    # only the doubtful ones are read again, turned TILT degrees each way (the first look is
    # the reading already made)
    assert sorted(model.seen) == [20, 20, 60, 60]
    # the first: 9 on the mean of the three looks, (0.4 + 0.9 + 0.9) / 3
    assert digits[0] == 9 and abs(confidences[0] - 2.2 / 3) < 1e-6
    # the second: the mean names 9 at (0.4 + 0.6 + 0.6) / 3, above the bar: taken
    assert digits[1] == 9 and abs(confidences[1] - 1.6 / 3) < 1e-6
    assert digits[2:].tolist() == [7, 1]
    assert confidences[2:].tolist() == [np.float32(0.95), 0.0]


def test_a_mean_below_the_reporting_bar_leaves_the_first_reading():
    crop = np.full((40, 20), 255, np.uint8)
    first = probabilities(d4=0.6, d9=0.4)[None]
    model = Stub(tilted={20: probabilities(d9=0.6, d4=0.4)})
    digits, confidences = np.array([4]), np.array([0.6], np.float32)
    read_tilted([crop], np.ones(1, bool), first, digits, confidences, model, conf=0.6)
    assert digits[0] == 4 and confidences[0] == np.float32(0.6)  # 9 at 0.53: below 0.6
    # rows not asked for are not read at all
    model.seen.clear()
    read_tilted([crop], np.zeros(1, bool), first, digits, confidences, model, conf=0.5)
    assert model.seen == [] and digits[0] == 4


def test_the_tilts_are_small_and_the_real_model_keeps_its_right_readings(mnist_1000):
    assert 0 < TILT <= 15 and 0.5 < AGAIN < 1
    images, labels = mnist_1000
    crops = [
        cv2.copyMakeBorder(255 - cv2.resize(im, (56, 56)), 4, 4, 4, 4, cv2.BORDER_CONSTANT, 255)
        for im in images[:400]
    ]
    model = DigitClassifier()

    def classify(batch: list[np.ndarray]) -> Classification:
        return model.classify(normalize_digits(batch, ink="dark"))

    first = classify(crops)
    digits = first.digits.copy()
    confidences = confident(first, 0.5).astype(np.float32)  # 0: judged no digit
    rows = np.ones(len(crops), bool)
    read_tilted(crops, rows, first.probabilities, digits, confidences, classify, conf=0.5)
    right = first.digits == labels[:400]
    assert (digits[right] == labels[:400][right]).all()  # no right reading turned wrong
    assert (digits == labels[:400]).sum() >= right.sum()


def line_page(angle: float, lone: tuple[float, float]) -> tuple[Detections, np.ndarray]:
    """Four digits kept along a line turned ``angle`` degrees, and one blob passed over (read
    whole as no digit) whose box's corner is at ``lone``; returns the proposals and ``keep``."""
    t = np.radians(angle)
    corners = [(100 + k * 50 * np.cos(t), 100 + k * 50 * np.sin(t)) for k in range(4)] + [lone]
    boxes = np.array([[x, y, 40, 40] for x, y in corners], np.int32)
    proposals = Detections(
        boxes,
        data={
            "group": np.arange(5),
            "start": np.zeros(5, np.int64),
            "end": np.full(5, END, np.int64),
            "crops": [np.full((40, 20 + 10 * k), 255, np.uint8) for k in range(5)],
        },
    )
    return proposals, np.array([True] * 4 + [False])


class Upright:
    """A model that reads every crop as a 1 (0.97 among the digits), no digit at all with
    probability ``nothing``, and notes the crops' shapes."""

    def __init__(self, nothing: float = 0.0) -> None:
        self.nothing = nothing
        self.shapes: list[tuple[int, ...]] = []

    def __call__(self, crops: list[np.ndarray]) -> Classification:
        self.shapes.extend(crop.shape for crop in crops)
        row = np.append(probabilities(d1=0.97, d7=0.03) * (1 - self.nothing), self.nothing)
        return Classification.from_probabilities(np.array([row] * len(crops)))


def passed_upright(proposals, keep, read, sure, model, min_digit=0.5) -> np.ndarray:
    """The rows :func:`read_passed_upright` kept, checking what it wrote for them."""
    digits = np.zeros(len(keep), np.int64)
    probabilities = np.zeros((len(keep), 10), np.float32)
    confidences = sure.copy()
    before = keep.copy()
    stood = read_passed_upright(
        proposals, keep, read, digits, confidences, probabilities, model, min_digit
    )
    assert (keep == (before | stood)).all()
    assert (digits[stood] == 1).all() and (confidences[stood] == np.float32(0.97)).all()
    assert (digits[~stood] == 0).all() and (confidences[~stood] == sure[~stood]).all()
    return np.flatnonzero(stood)


def test_a_blob_passed_over_on_a_turned_line_is_read_again_upright():
    sure = np.array([0.99, 0.99, 0.99, 0.99, 0.0], np.float32)
    read = np.ones(5, bool)
    # the blob at the line's end: read again, turned by the line's slant (a larger canvas)
    t = np.radians(35.0)
    end = (100 + 4 * 50 * np.cos(t), 100 + 4 * 50 * np.sin(t))
    model = Upright()
    assert passed_upright(*line_page(35.0, end), read, sure, model).tolist() == [4]
    assert len(model.shapes) == 1 and model.shapes[0][1] > 60  # the 60 px crop, turned
    # steady tracks (not read again this frame) tell the line as well as digits read sure
    steady = np.array([False] * 4 + [True])
    unread = np.zeros(5, np.float32)
    assert passed_upright(*line_page(35.0, end), steady, unread, Upright()).tolist() == [4]
    # an upright line: nothing to turn, nothing read again
    model = Upright()
    assert not len(passed_upright(*line_page(0.0, (300, 100)), read, sure, model))
    assert not model.shapes
    # a blob kept already is not read again; one that is still no digit upright is not kept
    proposals, keep = line_page(35.0, end)
    assert not len(passed_upright(proposals, np.ones(5, bool), read, sure, Upright()))
    assert passed_upright(proposals, keep.copy(), read, sure, Upright(0.2)).tolist() == [4]
    assert not len(passed_upright(proposals, keep.copy(), read, sure, Upright(0.6)))


def cut_on_a_line(piece_scores: list[float]) -> tuple[Detections, np.ndarray, np.ndarray]:
    """Four digits kept along a line turned 35 degrees, and at its end a blob the choice cut
    into two pieces side by side (its whole read with doubt, its pieces kept and read
    sure, with ``piece_scores``): proposals, ``keep`` and the choice's scores."""
    t = np.radians(35.0)
    corners = [(100 + k * 50 * np.cos(t), 100 + k * 50 * np.sin(t)) for k in range(5)]
    x, y = corners[4]
    boxes = [[cx, cy, 40, 40] for cx, cy in corners] + [[x, y, 20, 40], [x + 20, y, 20, 40]]
    proposals = Detections(
        np.array(boxes, np.int32),
        data={
            "group": np.array([0, 1, 2, 3, 4, 4, 4]),
            "start": np.array([0, 0, 0, 0, 0, 0, 1]),
            "end": np.array([END] * 5 + [1, END]),
            "crops": [np.full((40, 40), 255, np.uint8)] * 5
            + [np.full((40, 20), 255, np.uint8)] * 2,
        },
    )
    keep = np.array([True] * 4 + [False, True, True])
    return proposals, keep, np.array([4.6] * 4 + [-1.0, *piece_scores], np.float32)


def test_a_blob_cut_on_a_turned_line_stands_whole_where_its_upright_reading_beats_its_pieces():
    sure = np.array([0.99] * 4 + [0.3, 0.99, 0.99], np.float32)
    read = np.ones(7, bool)

    def upright(piece_scores, scores=True):
        proposals, keep, choice = cut_on_a_line(piece_scores)
        digits, confidences = np.zeros(7, np.int64), sure.copy()
        model = Upright()
        stood = read_passed_upright(
            proposals,
            keep,
            read,
            digits,
            confidences,
            np.zeros((7, 10), np.float32),
            model,
            0.5,
            choice if scores else None,
        )
        return np.flatnonzero(stood).tolist(), np.flatnonzero(keep).tolist(), model.shapes

    # pieces read as weakly as two strokes of one digit (log-odds 1 each, less a cut's cost):
    # the blob read upright as a 1 at 0.97 (log-odds 3.5) stands whole, its pieces dropped;
    # its line's slant is its neighbours' (its own pieces, side by side, would say level)
    stood, kept, shapes = upright([1.0, 1.0])
    assert stood == [4] and kept == [0, 1, 2, 3, 4] and len(shapes) == 1
    # two pieces read as sure as digits get (log-odds 4.6 each) beat it: they stay
    stood, kept, shapes = upright([4.6, 4.6])
    assert stood == [] and kept == [0, 1, 2, 3, 5, 6] and len(shapes) == 1
    # without the choice's scores a cut blob is not looked at (only blobs passed over)
    stood, kept, shapes = upright([1.0, 1.0], scores=False)
    assert stood == [] and kept == [0, 1, 2, 3, 5, 6] and not shapes


def test_a_mark_off_an_upright_line_is_not_turned_by_a_chance_diagonal():
    # a mark below-left of an upright number sees two of its digits on one diagonal
    boxes = np.array(
        [[100, 100, 40, 40], [160, 135, 40, 40], [200, 145, 40, 40], [250, 145, 40, 40]],
        np.int32,
    )
    loose = local_slant(boxes, np.array([0]))
    assert 20 <= loose[0] <= 35  # both neighbours lie at about 27 degrees from the mark
    assert np.isnan(local_slant(boxes, np.array([0]), through=True)[0])  # but not on one line
