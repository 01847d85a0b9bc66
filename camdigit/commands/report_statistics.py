"""What ``camdigit report`` measures of a labelled digit set: per-class statistics of the
normalized crops (counts, mean and std images, ink, the pixel histogram) and the model's reading
of every digit, ranked by how typical of its own label each one is.

Statistics are accumulated over chunks of :data:`CHUNK` digits (vectorized; memory stays flat)
and the model reads all digits in batches, so MNIST's 60,000 take a few seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from camdigit.core.classifier import CLASSES, Classification, DigitClassifier
from camdigit.core.preprocess import CANVAS

log = logging.getLogger(__name__)

CHUNK = 4096
"""Digits per vectorized step (statistics) and per call to the classifier."""

INK_LEVEL = round(0.2 * 255)
"""A pixel above this counts as ink for the coverage figure."""


@dataclass(frozen=True)
class DigitStats:
    """Per-class statistics of normalized crops (pixel values 0..255)."""

    counts: np.ndarray  # (10,) int64
    mean: np.ndarray  # (10, 64, 64) float32, mean image per class (0 where a class is absent)
    std: np.ndarray  # (10, 64, 64) float32, standard deviation image per class
    mean_ink: np.ndarray  # (10,) float64, mean pixel value / 255
    coverage: np.ndarray  # (10,) float64, share of pixels above INK_LEVEL
    histogram: np.ndarray  # (256,) int64, pixel values over all digits

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def imbalance(self) -> float:
        """Most common class's count over the rarest's (inf when a class has none)."""
        low = int(self.counts.min())
        return float("inf") if low == 0 else float(self.counts.max()) / low


def digit_statistics(images: np.ndarray, labels: np.ndarray, chunk: int = CHUNK) -> DigitStats:
    """Class counts, mean and std images, ink figures and the pixel histogram, chunk by chunk."""
    pixels = CANVAS * CANVAS
    counts = np.bincount(labels, minlength=CLASSES)[:CLASSES].astype(np.int64)
    sums = np.zeros((CLASSES, pixels), np.float64)
    squares = np.zeros((CLASSES, pixels), np.float64)
    ink_sum = np.zeros(CLASSES, np.float64)
    covered = np.zeros(CLASSES, np.float64)
    histogram = np.zeros(256, np.float64)
    for start in range(0, len(labels), chunk):
        block = images[start : start + chunk].reshape(-1, pixels)
        lab = labels[start : start + chunk]
        onehot = (lab[:, None] == np.arange(CLASSES)[None, :]).astype(np.float32)
        values = block.astype(np.float32)
        sums += onehot.T @ values
        squares += onehot.T @ (values * values)
        ink_sum += np.bincount(lab, weights=values.mean(axis=1), minlength=CLASSES)[:CLASSES]
        share = (block > INK_LEVEL).mean(axis=1)
        covered += np.bincount(lab, weights=share, minlength=CLASSES)[:CLASSES]
        histogram += cv2.calcHist([block], [0], None, [256], [0, 256]).ravel()
    n = np.maximum(counts, 1)[:, None]
    mean = sums / n
    std = np.sqrt(np.maximum(squares / n - mean * mean, 0.0))
    shape = (CLASSES, CANVAS, CANVAS)
    return DigitStats(
        counts,
        mean.reshape(shape).astype(np.float32),
        std.reshape(shape).astype(np.float32),
        ink_sum / 255.0 / n[:, 0],
        covered / n[:, 0],
        histogram.astype(np.int64),
    )


@dataclass(frozen=True)
class Readings:
    """The model's reading of every digit of the set."""

    classification: Classification  # as ``camdigit classify`` reports it, digit by digit
    label_log_odds: np.ndarray  # (N,) float64: log(p / (1 - p)) of each digit's own label


def label_log_odds(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Log-odds of each row's own label from the scores entering the softmax."""
    scores = logits.astype(np.float64)
    rows = np.arange(len(labels))
    own = scores[rows, labels]
    scores[rows, labels] = -np.inf
    top = scores.max(axis=1)
    return own - (top + np.log(np.exp(scores - top[:, None]).sum(axis=1)))


def read_all(
    classifier: DigitClassifier, images: np.ndarray, labels: np.ndarray, chunk: int = CHUNK
) -> Readings:
    """Read every digit, chunk by chunk (each chunk goes to the model in batches).

    The readings are ``camdigit classify``'s; the ranking of the least typical digits uses the
    log-odds of the model's scores (its logits), which keep moving where probabilities sit at
    their ceiling for clear digits.
    """
    parts: list[Classification] = []
    odds = np.empty(len(images), np.float64)
    for start in range(0, len(images), chunk):
        block = slice(start, min(start + chunk, len(images)))
        reading = classifier.classify(images[block])
        parts.append(reading)
        odds[block] = label_log_odds(reading.logits, labels[block])
        log.debug("read %d of %d digits", block.stop, len(images))
    if not parts:
        return Readings(Classification.from_probabilities(np.zeros((0, CLASSES), np.float32)), odds)
    joined = Classification(
        *(
            np.concatenate([getattr(p, name) for p in parts])
            for name in ("digits", "confidences", "probabilities", "is_digit", "logits")
        )
    )
    return Readings(joined, odds)


def least_typical(readings: Readings, count: int) -> np.ndarray:
    """Indices of the ``count`` digits the model finds least like their own label."""
    return np.argsort(readings.label_log_odds, kind="stable")[:count]
