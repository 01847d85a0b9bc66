"""Occlusion sensitivity: where a digit classifier's reading of one normalized crop comes from.

For one normalized crop, :func:`occlusion_map` slides a square of background over it and asks the
model (the same TFLite file the camera path uses; no TensorFlow) how much its belief in the digit
it reads drops with each part hidden: the drop of that digit's log-odds, log(p / (1 - p)), which
orders as its probability does but does not sit at a ceiling for clear digits. Where hiding the
ink costs the most, the decision rests. All occluded versions go to the model in one batched call.

The model's own scores are read: camdigit's models end in logits (the softmax is taken in numpy
by :class:`camdigit.core.classifier.DigitClassifier`), so the log-odds keep moving where an int8
softmax output would sit at its ceiling of 255/256 for almost every clear digit. An older model
that ends in its softmax is explained on the log of its probabilities.

numpy only: the drawing is :mod:`camdigit.commands.explain_drawing`'s, the command
:mod:`camdigit.commands.explain`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from camdigit.core.classifier import CLASSES, DigitClassifier
from camdigit.core.preprocess import CANVAS


@dataclass(frozen=True)
class Explanation:
    """Where one crop's reading comes from.

    ``heat`` is (64, 64) float32 in [0, 1]: the mean drop of the read digit's log-odds over the
    occluding windows that cover the pixel, divided by the largest such drop; 0 where hiding
    helps or changes nothing (all 0 when nothing drops). ``probabilities`` are the digits' for
    the crop as it is, as ``camdigit classify`` reports them.
    """

    heat: np.ndarray
    digit: int
    probabilities: np.ndarray  # (10,) float32, among the digits
    top3: list[tuple[int, float]]
    is_digit: float = 1.0  # the model's probability that the crop is a digit at all

    def summary(self) -> str:
        """``7 (0.981)  then 1 (0.012), 9 (0.004)``."""
        (first, p), *rest = self.top3
        others = ", ".join(f"{d} ({q:.3f})" for d, q in rest)
        judged = f"  (a digit: {self.is_digit:.3f})" if self.is_digit < 1.0 else ""
        return f"{first} ({p:.3f})  then {others}{judged}"

    def label(self) -> str:
        """``7: 0.98 | 1: 0.01 | 9: 0.00``."""
        return " | ".join(f"{d}: {q:.2f}" for d, q in self.top3)


def log_odds(logits: np.ndarray, digit: int) -> np.ndarray:
    """log(p / (1 - p)) of ``digit`` for each row: its probability's order, without ceiling."""
    others = np.delete(logits, digit, axis=1).astype(np.float64)
    top = others.max(axis=1)
    rest = top + np.log(np.exp(others - top[:, None]).sum(axis=1))
    return logits[:, digit].astype(np.float64) - rest


def window_starts(patch: int, stride: int) -> np.ndarray:
    """Top-left offsets (per axis) of the occluding windows; the last one reaches the edge."""
    if not 1 <= patch <= CANVAS:
        raise ValueError(f"patch must be between 1 and {CANVAS}, got {patch}")
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    starts = list(range(0, CANVAS - patch + 1, stride))
    if starts[-1] != CANVAS - patch:
        starts.append(CANVAS - patch)
    return np.array(starts, np.int64)


def window_masks(patch: int, stride: int) -> np.ndarray:
    """(K, 64, 64) bool, one square window each, row by row."""
    starts = window_starts(patch, stride)
    axis = np.arange(CANVAS)[None, :]
    inside = (axis >= starts[:, None]) & (axis < starts[:, None] + patch)  # (S, 64)
    masks = inside[:, None, :, None] & inside[None, :, None, :]  # (S, S, 64, 64)
    return masks.reshape(-1, CANVAS, CANVAS)


def top_classes(
    probabilities: np.ndarray, scores: np.ndarray, k: int = 3
) -> list[tuple[int, float]]:
    """The k likeliest digits; ``scores`` (the logits) order those the output rounds alike."""
    order = np.lexsort((-scores, -probabilities))[:k]
    return [(int(d), float(probabilities[d])) for d in order]


def occlusion_map(
    classifier: DigitClassifier, crop: np.ndarray, patch: int = 8, stride: int = 4
) -> Explanation:
    """Occlusion sensitivity of one normalized (64, 64) uint8 crop (ink bright on black).

    A ``patch`` x ``patch`` square of background (0) slides over the crop by ``stride``; the
    crop and all its occluded versions go to the model in one batched call. A pixel's heat is
    the mean drop of the read digit's log-odds over the windows covering it (log-odds rather
    than the probability itself: see the module's docstring), clipped at 0 and divided by the
    largest. Windows over background only are not sent: hiding background there leaves the crop
    as it is, so their drop is exactly 0.
    """
    crop = np.asarray(crop)
    if crop.shape != (CANVAS, CANVAS) or crop.dtype != np.uint8:
        raise ValueError(
            f"crop must be a (64, 64) uint8 normalized digit, got {crop.dtype} {crop.shape}"
        )
    masks = window_masks(patch, stride)
    touches_ink = (masks & (crop > 0)).any(axis=(1, 2))
    occluded = np.where(masks[touches_ink], np.uint8(0), crop[None])
    reading = classifier.classify(np.concatenate([crop[None], occluded]))
    logits, probabilities = reading.logits[0], reading.probabilities[0]
    digit = int(reading.digits[0])
    # Among the digits: the map shows what makes it this digit rather than another; whether it
    # is a digit at all is the model's separate judgement (``is_digit``).
    odds = log_odds(reading.logits[:, :CLASSES], digit)
    drops = np.zeros(len(masks), np.float32)
    drops[touches_ink] = odds[0] - odds[1:]
    covered = masks.sum(axis=0, dtype=np.float32)
    # A stride longer than the patch leaves pixels no window covers: no evidence, no heat.
    mean_drop = np.tensordot(drops, masks.astype(np.float32), axes=1) / np.maximum(covered, 1.0)
    heat = np.clip(mean_drop, 0.0, None)
    peak = float(heat.max())
    heat = (heat / peak if peak > 0 else np.zeros_like(heat)).astype(np.float32)
    return Explanation(
        heat,
        digit,
        probabilities.copy(),
        top_classes(probabilities, logits[:CLASSES]),
        float(reading.is_digit[0]),
    )
