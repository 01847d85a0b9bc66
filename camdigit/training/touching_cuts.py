"""Training crops from the finder's own cuts of touching digits: the right pieces, and the wrong.

Where digits of a number touch, the finder cuts the blob along several likely paths
(:func:`camdigit.core.cuts.cut_paths`) and lets the model choose among the pieces
(:mod:`camdigit.core.proposals`): recognition decides the segmentation. That works only if the
model reads a piece cut at the true joint as its digit, though a bit of the neighbour's stroke
stays on it and a bit of its own is cut off, and calls a piece cut in the wrong place (a digit
and part of its neighbour, the half of a 0 that looks like a 2) not a digit. MNIST shows it
neither, so a model trained on it alone often reads the wrong piece with more confidence than
the right one.

Here two MNIST digits are set side by side at the gaps the finder meets (overlapping by up to a
sixth of their height, or nearly touching), scaled to the size the finder cuts at, and cut by
the finder's own code. Each piece is labelled by whose ink it holds: nearly all of one digit
and little of the other is that digit; a good share of both, or too little of either, is not a
digit (class 10). Pieces between the two are left out: a person could read them either way.
Every crop is normalized as the runtime normalizes the finder's crops (dark ink on white).
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.cuts import MAX_PIECE, MIN_PIECE_HEIGHT, between_cuts, cut_paths, spans
from camdigit.core.preprocess import normalize_digit
from camdigit.core.segmentation import CROP_PAD
from camdigit.training.negative_digits import (
    DIGIT_LIKENESS,
    PIECE_BAR_RATIO,
    digit_bank,
    likeness,
)
from camdigit.training.negative_render import MAX_TRIES, has_loop, is_bar

NOT_A_DIGIT = 10

GAP = (-0.16, 0.04)
"""The paper between the two digits' inks, in digit heights (negative: they overlap), as the
benchmark's touching family writes them."""

HEIGHT = (28, 72)
"""Digit heights in pixels the pair is drawn at: the finder cuts at the frame's own scale."""

OWN = 0.88
"""A piece is its digit when it holds at least this share of that digit's ink..."""

STRAY = 0.15
"""... and the other's ink in it is at most this share of its own digit's ink there."""

HIDDEN = 0.6
"""A pair is drawn again where less than this share of either digit's ink shows (the other's
strokes lie over it: a 1 written down a 4's stem is no second digit to anyone)."""

MIXED = 0.3
"""A piece holding at least this share of each digit's ink is not a digit (two in one crop)."""

SCRAP = 0.6
"""... and so is one holding less than this share of either digit's ink (a part of one)."""


def _scaled(digit: np.ndarray, height: int) -> np.ndarray:
    """An ink-bright MNIST digit (28 x 28 uint8) as float ink in [0, 1], tight to its ink and
    scaled to ``height`` px tall."""
    ys, xs = np.nonzero(digit > 25)
    if len(ys) == 0:
        return np.zeros((height, 1), np.float32)
    ink = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    width = max(1, round(ink.shape[1] * height / ink.shape[0]))
    return cv2.resize(ink, (width, height), interpolation=cv2.INTER_LINEAR)


def touching_pair(
    rng: np.random.Generator, first: np.ndarray, second: np.ndarray
) -> np.ndarray | None:
    """Two MNIST digits side by side at a gap drawn from :data:`GAP`, each one's ink on one
    canvas ((2, H, W) float in [0, 1]); None when the overlap would put the second digit's left
    edge at or before the first's."""
    height = int(rng.integers(HEIGHT[0], HEIGHT[1] + 1))
    a = _scaled(first, height)
    b = _scaled(second, max(8, round(height * rng.uniform(0.9, 1.1))))
    gap = round(rng.uniform(*GAP) * height)
    dy = round(rng.uniform(-0.06, 0.06) * height)
    x_b = a.shape[1] + gap
    if x_b <= 0:
        return None
    top = min(0, dy)
    h = max(a.shape[0], dy + b.shape[0]) - top
    w = max(a.shape[1], x_b + b.shape[1])
    inks = np.zeros((2, h, w), np.float32)
    inks[0, -top : -top + a.shape[0], : a.shape[1]] = a
    inks[1, dy - top : dy - top + b.shape[0], x_b : x_b + b.shape[1]] = b
    return inks


def cut_crops(
    rng: np.random.Generator,
    first: np.ndarray,
    second: np.ndarray,
    labels: tuple[int, int],
    bank: np.ndarray,
) -> list[tuple[np.ndarray, int]]:
    """The finder's pieces of two touching digits, each (normalized crop, label): the digit's
    label for a right piece, :data:`NOT_A_DIGIT` for a wrong one; none where the digits do not
    join into one blob (the finder would not cut them)."""
    pair = touching_pair(rng, first, second)
    if pair is None:
        return []
    ink = pair.max(axis=0)
    seen = (pair > 0.1) & (pair[::-1] <= 0.1)  # each digit's ink that the other's misses
    if (seen.reshape(2, -1).sum(axis=1) < HIDDEN * (pair > 0.1).reshape(2, -1).sum(axis=1)).any():
        return []  # one digit written over the other: a person sees one digit too
    solid = (ink > 0.1).astype(np.uint8)
    count, _ = cv2.connectedComponents(solid)
    if count != 2:  # not one blob: the finder sees two digits, or specks
        return []
    h, w = ink.shape
    crop = np.full((h + 2 * CROP_PAD, w + 2 * CROP_PAD), 255, np.uint8)
    crop[CROP_PAD : CROP_PAD + h, CROP_PAD : CROP_PAD + w] = np.where(
        solid > 0, np.clip(255.0 * (1.0 - ink), 0, 254), 255
    ).astype(np.uint8)
    cuts = cut_paths(solid, h)
    edges: list[np.ndarray | None] = [None, *cuts, None]
    apart = pair * seen  # shares are of the ink that shows as each digit's own
    own = apart.reshape(2, -1).sum(axis=1) + 1e-6
    columns = np.arange(w)
    out = []
    for i, j, piece, (_, _, _, tall) in spans(crop, cuts, MAX_PIECE * h):
        if tall < MIN_PIECE_HEIGHT * h:
            continue  # the finder proposes no such sliver either (cuts.cut_pieces)
        inside = between_cuts(columns, h, w, edges[i], edges[j])
        held = (apart * inside).reshape(2, -1).sum(axis=1)
        share = held / own
        label = _label(share, held, labels)
        if label is None:
            continue
        normalized = normalize_digit(piece, ink="dark")
        if label != NOT_A_DIGIT or _fair(normalized, share, bank):
            out.append((normalized, label))
    return out


def _fair(normalized: np.ndarray, share: np.ndarray, bank: np.ndarray) -> bool:
    """A wrong piece is a fair negative when a person would not read it as a digit either: no
    bar (a 1), and, for a part of one digit, no closed loop (a 0, 6 or 9) and no close likeness
    to a whole digit (as the pieces of :mod:`camdigit.training.negative_digits`)."""
    mask = normalized > 100
    if int(mask.sum()) < 12 or is_bar(mask, PIECE_BAR_RATIO):
        return False
    if share.min() >= MIXED:
        return True
    if has_loop(mask):
        return False
    return likeness(normalized, bank) < DIGIT_LIKENESS


def _label(share: np.ndarray, held: np.ndarray, labels: tuple[int, int]) -> int | None:
    """A piece's label from the ``share`` of each digit's own ink it holds and the ink
    ``held`` of each: None where a person could read it either way."""
    for k in (0, 1):
        if share[k] >= OWN and held[1 - k] <= STRAY * held[k]:
            return labels[k]
    if share.min() >= MIXED or share.max() < SCRAP:
        return NOT_A_DIGIT
    return None


def touching_cuts(
    rng: np.random.Generator, raw: np.ndarray, labels: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` crops (uint8 (count, 64, 64)) and labels cut from touching pairs of the ink-bright
    MNIST digits ``raw`` (N, 28, 28): right pieces labelled with their digit, wrong ones 10."""
    crops: list[np.ndarray] = []
    classes: list[int] = []
    labels = np.asarray(labels, np.int64)
    bank = digit_bank(raw)
    for _ in range(MAX_TRIES * max(count, 1)):
        if len(crops) >= count:
            break
        i, j = rng.integers(len(raw), size=2)
        pair = (int(labels[i]), int(labels[j]))
        for crop, label in cut_crops(rng, raw[i], raw[j], pair, bank):
            crops.append(crop)
            classes.append(label)
    if len(crops) < count:
        raise RuntimeError("too few touching pieces: are the digits MNIST digits?")
    return np.stack(crops[:count]), np.array(classes[:count], np.int64)
