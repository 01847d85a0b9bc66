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
    """A model that reads a crop as found (its own size) one way and a tilted one (turned on a
    larger canvas, a few pixels wider) another, per crop (told apart by their widths), and
    notes what it read."""

    def __init__(self, upright: dict[int, np.ndarray], tilted: dict[int, np.ndarray]) -> None:
        self.upright, self.tilted = upright, tilted
        self.seen: list[tuple[int, int]] = []

    def __call__(self, crops: list[np.ndarray]) -> Classification:
        rows = []
        for crop in crops:
            width = crop.shape[1]
            turned = width not in self.upright
            key = max(w for w in self.upright if w <= width)
            self.seen.append((key, turned))
            rows.append((self.tilted if turned else self.upright)[key])
        return Classification.from_probabilities(np.array(rows))


def test_a_doubtful_reading_takes_the_digit_the_three_looks_agree_on():
    crops = [np.full((40, w), 255, np.uint8) for w in (20, 60, 100, 140)]
    for crop in crops:
        cv2.line(crop, (crop.shape[1] // 2, 5), (crop.shape[1] // 2, 34), 0, 3)
    model = Stub(
        upright={20: probabilities(d4=0.6, d9=0.4), 60: probabilities(d4=0.6, d9=0.4)},
        tilted={20: probabilities(d9=0.9, d4=0.1), 60: probabilities(d9=0.6, d4=0.4)},
    )
    digits = np.array([4, 4, 7, 1])
    confidences = np.array([0.6, 0.6, 0.95, 0.0], np.float32)  # doubtful, doubtful, sure, no digit
    read_tilted(crops, np.ones(4, bool), digits, confidences, model, conf=0.5)
    # only the doubtful ones are read again: as found and turned TILT degrees each way
    assert (
        sorted(model.seen) == [(20, False), (20, True), (20, True), (60, False)] + [(60, True)] * 2
    )
    # the first: 9 on the mean of the three looks, (0.4 + 0.9 + 0.9) / 3
    assert digits[0] == 9 and abs(confidences[0] - (0.4 + 0.9 + 0.9) / 3) < 1e-6
    # the second: the mean names 9 at (0.4 + 0.6 + 0.6) / 3, above the bar: taken
    assert digits[1] == 9 and abs(confidences[1] - 1.6 / 3) < 1e-6
    assert digits[2:].tolist() == [7, 1] and confidences[2:].tolist() == [
        np.float32(0.95),
        0.0,
    ]


def test_a_mean_below_the_reporting_bar_leaves_the_first_reading():
    crop = np.full((40, 20), 255, np.uint8)
    model = Stub(
        upright={20: probabilities(d4=0.6, d9=0.4)}, tilted={20: probabilities(d9=0.6, d4=0.4)}
    )
    digits, confidences = np.array([4]), np.array([0.6], np.float32)
    read_tilted([crop], np.ones(1, bool), digits, confidences, model, conf=0.6)
    assert digits[0] == 4 and confidences[0] == np.float32(0.6)  # 9 at 0.53: below 0.6
    # rows not asked for are not read at all
    model.seen.clear()
    read_tilted([crop], np.zeros(1, bool), digits, confidences, model, conf=0.5)
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
    read_tilted(crops, np.ones(len(crops), bool), digits, confidences, classify, conf=0.5)
    right = first.digits == labels[:400]
    assert (digits[right] == labels[:400][right]).all()  # no right reading turned wrong
    assert (digits == labels[:400]).sum() >= right.sum()
