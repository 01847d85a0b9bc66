"""What the model is trained and judged on: digits in every pen, and what is not a digit.

The training stream (:func:`training_mix`) is the MNIST training digits, normalized by the
runtime's own :func:`camdigit.core.preprocess.normalize_digit`, plus some of them redrawn with a
thin pen and with a marker, European 1s, 1s with a curled tail and crossed 7s made from MNIST 1s
and 7s, on request the pieces the finder cuts from touching pairs of them (the right ones as
their digit, the wrong ones as no digit: :mod:`camdigit.training.touching_cuts`), and
negatives of every kind (:mod:`camdigit.training.negatives`) as the 11th class, about one crop
in four. The camera augmentation (:mod:`camdigit.training.augment`) is applied on top, batch
by batch.

The held-out sets (:func:`held_out_sets`) are made the same way from the MNIST *test* digits with
a fixed seed: the model's figures on thin and marker pens, European 1s, crossed 7s and each kind
of negative, and the finder's right and wrong cuts of touching digits come from them. numpy
and OpenCV only: no TensorFlow.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

import numpy as np

from camdigit.training.european_digits import crossed_sevens, european_ones, hooked_ones
from camdigit.training.negatives import NEGATIVE_KINDS, NOT_A_DIGIT, make_negatives
from camdigit.training.pens import marker_pen, thin_pen
from camdigit.training.touching_cuts import touching_cuts

log = logging.getLogger(__name__)

CLASSES = 11
"""Ten digits and "not a digit" (index :data:`NOT_A_DIGIT`)."""

HELD_OUT_SEED = 20261201
"""Seed of the held-out sets: the same crops in every evaluation."""


@dataclass(frozen=True)
class MixConfig:
    """How much of each part goes into the training stream."""

    thin_share: float = 0.2  # of the digits, also redrawn with a 1-2 px pen
    marker_share: float = 0.2  # ... and with a marker (stroke 12-25% of the height)
    european_share: float = 0.5  # of the 1s, also drawn with a flag and a foot
    crossed_share: float = 0.5  # of the 7s, also drawn with a bar through the stem
    hooked_share: float = 0.25  # of the 1s, also drawn with a tail curling up to the right
    negative_share: float = 0.25  # of all crops: not a digit
    touching_share: float = 0.0  # of the digits, as many pieces cut from touching pairs

    def as_dict(self) -> dict:
        return asdict(self)


def _some(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.permutation(n)[: round(n * share)]


def training_mix(
    rng: np.random.Generator,
    raw: np.ndarray,
    labels: np.ndarray,
    normalized: np.ndarray,
    cfg: MixConfig | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """The training crops and labels (0-9, 10: not a digit) made from ``raw`` MNIST digits.

    ``raw`` are (N, 28, 28) ink-bright training digits, ``normalized`` the same digits already
    normalized. Returns (uint8 (M, 64, 64), int64 (M,), count per part).
    """
    cfg = cfg or MixConfig()
    started = time.monotonic()
    labels = np.asarray(labels, np.int64)
    images, classes, parts = [normalized], [labels], {"mnist": len(labels)}
    thin = _some(rng, len(raw), cfg.thin_share)
    marker = _some(rng, len(raw), cfg.marker_share)
    ones = np.flatnonzero(labels == 1)
    sevens = np.flatnonzero(labels == 7)
    hooked = ones[_some(rng, len(ones), cfg.hooked_share)]
    ones = ones[_some(rng, len(ones), cfg.european_share)]
    sevens = sevens[_some(rng, len(sevens), cfg.crossed_share)]
    for name, make, picked in (
        ("thin", thin_pen, thin),
        ("marker", marker_pen, marker),
        ("european_1", european_ones, ones),
        ("crossed_7", crossed_sevens, sevens),
        ("hooked_1", hooked_ones, hooked),
    ):
        if len(picked):
            images.append(make(rng, raw[picked]))
            classes.append(labels[picked])
            parts[name] = len(picked)
    cut = round(len(raw) * cfg.touching_share)
    if cut:
        crops, cut_labels = touching_cuts(rng, raw, labels, cut)
        images.append(crops)
        classes.append(cut_labels)
        parts["touching_cut"] = cut
    positives = sum(int((c != NOT_A_DIGIT).sum()) for c in classes)
    count = round(positives * cfg.negative_share / (1 - cfg.negative_share))
    if count:
        negatives, _ = make_negatives(rng, raw, count)
        images.append(negatives)
        classes.append(np.full(count, NOT_A_DIGIT, np.int64))
        parts["not_a_digit"] = count
    log.info(
        "training mix: %s (%.0f s)",
        ", ".join(f"{k} {v}" for k, v in parts.items()),
        time.monotonic() - started,
    )
    return np.concatenate(images), np.concatenate(classes), parts


def held_out_sets(
    raw: np.ndarray,
    labels: np.ndarray,
    per_kind: int = 500,
    pens: int = 2000,
    seed: int = HELD_OUT_SEED,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Held-out crops from MNIST *test* digits: name -> (normalized crops, labels).

    ``thin`` and ``marker``: ``pens`` test digits redrawn; ``european_1``, ``hooked_1`` and
    ``crossed_7``: every test 1 and 7 (up to ``pens``); ``not_a_digit/KIND``: ``per_kind``
    negatives of each kind, labelled :data:`NOT_A_DIGIT`. The same arguments give the same crops.
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels, np.int64)
    sets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    pick = rng.permutation(len(labels))[:pens]
    sets["thin"] = (thin_pen(rng, raw[pick]), labels[pick])
    sets["marker"] = (marker_pen(rng, raw[pick]), labels[pick])
    ones = np.flatnonzero(labels == 1)[:pens]
    sevens = np.flatnonzero(labels == 7)[:pens]
    sets["european_1"] = (european_ones(rng, raw[ones]), labels[ones])
    sets["crossed_7"] = (crossed_sevens(rng, raw[sevens]), labels[sevens])
    for kind in NEGATIVE_KINDS:
        crops, _ = make_negatives(rng, raw, per_kind, kinds=(kind,))
        sets[f"not_a_digit/{kind}"] = (crops, np.full(per_kind, NOT_A_DIGIT, np.int64))
    # drawn last, so the sets above stay the crops earlier models were measured on
    sets["hooked_1"] = (hooked_ones(rng, raw[ones]), labels[ones])
    crops, cut_labels = touching_cuts(rng, raw, labels, per_kind * 2)
    right = cut_labels != NOT_A_DIGIT
    sets["touching_cut/right"] = (crops[right], cut_labels[right])
    sets["touching_cut/wrong"] = (crops[~right], cut_labels[~right])
    return sets


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64 for the figures."""
    z = np.asarray(logits, np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def scores_report(scores: np.ndarray, labels: np.ndarray) -> dict:
    """Figures of one set from the model's per-class scores (logits or probabilities, N x C).

    ``accuracy`` counts a "not a digit" answer as an error for a digit; ``digit_accuracy``
    ignores the reject class (the likeliest digit); ``rejected`` is the share answered "not a
    digit" (for a negative set, the rejection rate).
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels, np.int64)
    predicted = scores.argmax(axis=1)
    report = {"count": int(len(labels)), "accuracy": round(float(np.mean(predicted == labels)), 6)}
    if scores.shape[1] > NOT_A_DIGIT:
        report["rejected"] = round(float(np.mean(predicted == NOT_A_DIGIT)), 6)
        report["digit_accuracy"] = round(
            float(np.mean(scores[:, :NOT_A_DIGIT].argmax(axis=1) == labels)), 6
        )
    else:
        report["rejected"] = 0.0
        report["digit_accuracy"] = report["accuracy"]
    return report
