"""Crops cut from touching digits by the finder's own cuts (camdigit.training.touching_cuts).

Measured here apart from the generator's own labelling: where the pair's inks lie, what a right
piece's normalized crop looks like next to its digit alone, and what a wrong piece never is.
"""

from __future__ import annotations

import numpy as np
import pytest

from camdigit.core.preprocess import normalize_digit
from camdigit.training import negative_digits, touching_cuts
from camdigit.training.negative_render import is_bar
from camdigit.training.sets import MixConfig, training_mix
from camdigit.training.touching_cuts import NOT_A_DIGIT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def digits(mnist_1000) -> tuple[np.ndarray, np.ndarray]:
    return mnist_1000[0], mnist_1000[1].astype(np.int64)


@pytest.fixture(scope="module")
def bank(digits) -> np.ndarray:
    return negative_digits.digit_bank(digits[0])


def test_a_pair_is_drawn_touching_at_the_families_gaps(digits):
    images, _ = digits
    rng = np.random.default_rng(1)
    gaps = []
    for k in range(60):
        pair = touching_cuts.touching_pair(rng, images[k], images[k + 100])
        if pair is None:
            continue
        assert pair.ndim == 3 and pair.shape[0] == 2
        height = max((pair[0] > 0.1).any(axis=1).sum(), 1)
        assert touching_cuts.HEIGHT[0] <= height <= touching_cuts.HEIGHT[1]
        right_of_first = np.flatnonzero((pair[0] > 0).any(axis=0)).max()
        left_of_second = np.flatnonzero((pair[1] > 0).any(axis=0)).min()
        gaps.append((left_of_second - right_of_first - 1) / height)
    assert len(gaps) >= 50
    low, high = touching_cuts.GAP
    # the ink's own box is what is placed, so the drawn gap is the gap between the inks
    assert low - 0.03 <= min(gaps) and max(gaps) <= high + 0.03
    assert min(gaps) < 0 < max(gaps)  # overlapping and nearly touching both drawn


def _likeness(a: np.ndarray, b: np.ndarray) -> float:
    fa, fb = negative_digits.shape_features(np.stack([a, b]))
    return float(fa @ fb)


def test_right_pieces_look_like_their_digit_alone_and_wrong_ones_are_fair(digits, bank):
    images, labels = digits
    rng = np.random.default_rng(2)
    right = wrong = closer = 0
    for k in range(150):
        i, j = k, 999 - k
        if labels[i] == labels[j]:
            continue
        pieces = touching_cuts.cut_crops(rng, images[i], images[j], (labels[i], labels[j]), bank)
        alone = {labels[i]: normalize_digit(images[i], "bright")}
        alone[labels[j]] = normalize_digit(images[j], "bright")
        for crop, label in pieces:
            assert crop.shape == (64, 64) and crop.dtype == np.uint8 and crop.max() == 255
            assert label in (labels[i], labels[j], NOT_A_DIGIT)
            if label == NOT_A_DIGIT:
                wrong += 1
                assert not is_bar(crop > 100, negative_digits.PIECE_BAR_RATIO)
                continue
            right += 1
            other = labels[j] if label == labels[i] else labels[i]
            closer += _likeness(crop, alone[label]) > _likeness(crop, alone[other])
    assert right >= 60 and wrong >= 30
    # a right piece holds its own digit with a little of the neighbour's stroke at most
    assert closer >= 0.95 * right


def test_touching_cuts_make_the_count_asked_repeatably(digits):
    images, labels = digits
    a, la = touching_cuts.touching_cuts(np.random.default_rng(4), images, labels, 120)
    b, lb = touching_cuts.touching_cuts(np.random.default_rng(4), images, labels, 120)
    assert a.shape == (120, 64, 64) and a.dtype == np.uint8
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert 0.1 < np.mean(la == NOT_A_DIGIT) < 0.7  # both right and wrong pieces
    assert len(set(la[la != NOT_A_DIGIT].tolist())) >= 8


def test_the_training_mix_holds_the_cut_pieces(digits):
    images, labels = digits
    normalized = np.stack([normalize_digit(d, "bright") for d in images[:200]])
    cfg = MixConfig(
        thin_share=0.0,
        marker_share=0.0,
        european_share=0.0,
        crossed_share=0.0,
        hooked_share=0.0,
        negative_share=0.0,
        touching_share=0.25,
    )
    rng = np.random.default_rng(5)
    x, y, parts = training_mix(rng, images[:200], labels[:200], normalized, cfg)
    assert parts == {"mnist": 200, "touching_cut": 50}
    assert len(x) == len(y) == 250 and (y[200:] == NOT_A_DIGIT).any()
    assert (y[200:] != NOT_A_DIGIT).any()
