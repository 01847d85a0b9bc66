"""Second looks at doubtful readings: the crop read again tilted either way, the mean decides."""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.classifier import Classification, DigitClassifier
from camdigit.core.preprocess import normalize_digits
from camdigit.core.second_looks import AGAIN, TILT, confident, read_tilted


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
