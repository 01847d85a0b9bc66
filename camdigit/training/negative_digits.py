"""Negatives composed from MNIST digits (ink bright): pieces of one digit, pairs or triples of
digits in one crop, and a digit with part of its neighbour.

A piece that keeps most of a digit, is a bare bar (a 1), holds a closed loop (a 0, 6 or 9) or
looks much like some whole MNIST digit (gradient-orientation likeness) is drawn again.
"""

from __future__ import annotations

import zlib

import cv2
import numpy as np

from camdigit.core.preprocess import normalize_digit, normalize_digits
from camdigit.training.negative_render import MAX_TRIES, KindFunction, Raw, has_loop, is_bar, tight

PIECE_BAR_RATIO = 0.5
"""Pieces are held to a stricter bar limit: a block cut from a thick stroke is a marker's 1."""

DIGIT_LIKENESS = 0.83
"""A piece whose shape (gradient orientations) matches some whole MNIST digit this well is taken
for a plausible digit and not used. Whole digits match their nearest neighbour among
``_BANK_SIZE`` others at 0.95 (median) and above 0.87 for 99% of them; pieces above 0.83 are
often 7s, 4s, 5s, 9s and 2s with a bit missing, which a person would still read as that digit,
those below mostly hooks, arcs and corners. About two thirds of the pieces are turned away."""

_BANK_SIZE = 2000
"""Whole digits the likeness of a piece is measured against."""

_FEATURE_SIDE, _FEATURE_CELL, _FEATURE_BINS = 32, 8, 8
"""Likeness is measured on a histogram of gradient orientations (a small HOG): normalized images
shrunk to 32 px, 8 orientations in each 8x8 cell."""

MAX_PIECE_INK = 0.7
"""A piece keeps at most this share of its digit's ink (the brief's limit is 0.75)."""

MIN_PIECE_INK = 0.15
"""...and at least this much, so it is a real stroke, not a speck."""

PAIR_ASPECT = 1.3
"""A pair's ink box is at least this much longer than it is wide (or tall)."""


def _pick(rng: np.random.Generator, digits: np.ndarray) -> np.ndarray:
    """One random MNIST digit as float ink in [0, 1]."""
    return digits[int(rng.integers(len(digits)))].astype(np.float32) * np.float32(1 / 255)


def _line_side(rng: np.random.Generator, shape: tuple[int, int], centre: np.ndarray) -> np.ndarray:
    """Signed distance of every pixel to a random line through ``centre``."""
    angle = rng.uniform(0, np.pi)
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    return (xs - centre[0]) * np.cos(angle) + (ys - centre[1]) * np.sin(angle)


def _ink_centre(ink: np.ndarray) -> np.ndarray:
    m = cv2.moments(ink)
    return np.array([m["m10"] / m["m00"], m["m01"] / m["m00"]])


def _cut_by_line(rng: np.random.Generator, digit: np.ndarray) -> np.ndarray:
    """One side of a random straight cut near the centre: a half or a third of the digit."""
    centre = _ink_centre(digit) + rng.uniform(-5, 5, 2)
    side = _line_side(rng, digit.shape, centre)
    return digit * (side > 0) if rng.random() < 0.5 else digit * (side < 0)


def _cut_band(rng: np.random.Generator, digit: np.ndarray) -> np.ndarray:
    """Remove a band across the digit and keep one of the parts: often a single stroke."""
    centre = _ink_centre(digit) + rng.uniform(-4, 4, 2)
    side = _line_side(rng, digit.shape, centre)
    cut = digit * (np.abs(side) > rng.uniform(1.0, 3.0))
    count, labels = cv2.connectedComponents((cut > 0.05).astype(np.uint8))
    if count <= 1:
        return cut
    mass = np.bincount(labels.ravel(), weights=cut.ravel(), minlength=count)[1:]
    chosen = int(rng.choice(count - 1, p=mass / mass.sum())) + 1
    return cut * (labels == chosen)


def _cut_box(rng: np.random.Generator, digit: np.ndarray) -> np.ndarray:
    """The ink inside a random sub-rectangle covering 25-60% of the ink's box."""
    x, y, w, h = cv2.boundingRect((digit > 0.1).astype(np.uint8))
    share = rng.uniform(0.25, 0.6)
    across = rng.uniform(share, 1.0)  # the sub-box's width share; its height share follows
    bw, bh = max(1, round(w * across)), max(1, round(h * share / across))
    bx = x + int(rng.integers(0, w - bw + 1))
    by = y + int(rng.integers(0, h - bh + 1))
    out = np.zeros_like(digit)
    out[by : by + bh, bx : bx + bw] = digit[by : by + bh, bx : bx + bw]
    return out


def shape_features(normalized: np.ndarray) -> np.ndarray:
    """Normalized 64x64 images as unit vectors of their gradient orientation histograms.

    Strokes' directions per region, as in HOG: a nearest-neighbour reader on these tells MNIST
    digits apart well, so what it finds close to a whole digit a person reads as one too.
    """
    side, cell, bins = _FEATURE_SIDE, _FEATURE_CELL, _FEATURE_BINS
    small = [cv2.resize(i, (side, side), interpolation=cv2.INTER_AREA) for i in normalized]
    images = np.stack(small).astype(np.float32)
    gy, gx = np.gradient(images, axis=(1, 2))
    magnitude = np.hypot(gx, gy)
    angle = (np.arctan2(gy, gx) % np.pi) * np.float32(bins / np.pi)
    low = np.floor(angle)
    upper_share = angle - low
    low = low.astype(np.int64) % bins
    n, c = len(images), side // cell
    hist = np.zeros((n, bins, c, c), np.float32)
    for b in range(bins):  # each pixel votes for its two nearest orientations
        vote = magnitude * ((low == b) * (1 - upper_share) + ((low + 1) % bins == b) * upper_share)
        hist[:, b] = vote.reshape(n, c, cell, c, cell).sum((2, 4))
    f = np.sqrt(hist.reshape(n, -1))
    f /= np.linalg.norm(f, axis=1, keepdims=True) + np.float32(1e-6)
    return f


_banks: dict[tuple, np.ndarray] = {}


def digit_bank(digits: np.ndarray) -> np.ndarray:
    """Features of up to ``_BANK_SIZE`` whole digits, made once per digit set.

    Picked with a fixed seed, not the caller's generator, so asking for pieces does not change
    the other kinds' crops.
    """
    key = (digits.shape, zlib.crc32(digits[:: max(1, len(digits) // 97)].tobytes()))
    if key not in _banks:
        order = np.random.default_rng(0).permutation(len(digits))[:_BANK_SIZE]
        _banks.clear()  # one set at a time: training uses one
        _banks[key] = shape_features(normalize_digits(digits[np.sort(order)], ink="bright"))
    return _banks[key]


def digit_likeness(piece: np.ndarray, bank: np.ndarray) -> float:
    """Highest cosine likeness of a piece (float ink in [0, 1], ink bright), normalized, to any
    whole digit of the bank."""
    return likeness(normalize_digit(_to_uint8(piece), ink="bright"), bank)


def likeness(normalized: np.ndarray, bank: np.ndarray) -> float:
    """Highest cosine likeness of a normalized crop (64 x 64 uint8) to any whole digit of the
    bank."""
    return float((bank @ shape_features(normalized[None])[0]).max())


def _fair_piece(piece: np.ndarray, digit: np.ndarray, bank: np.ndarray) -> bool:
    """A piece is kept when it is clearly part of a digit and not itself a plausible digit:
    enough but not most of the ink, no bar (a 1), no enclosed loop (a 0, 6 or 9), and no close
    likeness to any whole digit."""
    kept = float(piece.sum()) / max(float(digit.sum()), 1e-6)
    if not MIN_PIECE_INK <= kept <= MAX_PIECE_INK:
        return False
    mask = piece > 0.4
    if int(mask.sum()) < 12 or is_bar(mask, PIECE_BAR_RATIO) or has_loop(mask):
        return False
    return digit_likeness(piece, bank) < DIGIT_LIKENESS


def _piece(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Part of one digit: a half, a third or a single stroke, as a finder that split it cuts."""
    cutters = (_cut_by_line, _cut_band, _cut_box)
    bank = digit_bank(digits)
    for _ in range(MAX_TRIES):
        digit = _pick(rng, digits)
        if digit.sum() < 10:
            continue
        piece = cutters[int(rng.integers(len(cutters)))](rng, digit)
        if _fair_piece(piece, digit, bank):
            return _to_uint8(piece)
    raise RuntimeError("no fair piece found: are the digits MNIST digits?")


def _to_uint8(ink: np.ndarray) -> np.ndarray:
    return np.clip(ink * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _place(canvas: np.ndarray, ink: np.ndarray, x: int, y: int) -> None:
    """Draw ``ink`` onto ``canvas`` with its top left at (x, y), the stronger ink winning."""
    h, w = ink.shape
    region = canvas[y : y + h, x : x + w]
    np.maximum(region, ink, out=region)


def _compose(glyphs: list[np.ndarray], offsets: list[tuple[int, int]]) -> np.ndarray:
    """Glyphs placed at (x, y) offsets (any sign) on one canvas just big enough."""
    xs = [x for x, _ in offsets]
    ys = [y for _, y in offsets]
    x0, y0 = min(xs), min(ys)
    w = max(x + g.shape[1] for g, (x, _) in zip(glyphs, offsets, strict=True)) - x0
    h = max(y + g.shape[0] for g, (_, y) in zip(glyphs, offsets, strict=True)) - y0
    canvas = np.zeros((h + 8, w + 8), np.float32)
    for glyph, (x, y) in zip(glyphs, offsets, strict=True):
        _place(canvas, glyph, x - x0 + 4, y - y0 + 4)
    return canvas


def _resized(rng: np.random.Generator, ink: np.ndarray, low: float, high: float) -> np.ndarray:
    scale = rng.uniform(low, high)
    h, w = ink.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(ink, size, interpolation=cv2.INTER_LINEAR)


def _aspect(ink: np.ndarray) -> float:
    """Long side over short side of the ink's box."""
    _, _, w, h = cv2.boundingRect((ink > 0.3).astype(np.uint8))
    return max(w, h) / max(min(w, h), 1)


def _pair(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Two or three digits side by side (touching, overlapping or apart) or stacked apart."""
    for _ in range(MAX_TRIES):
        count = 3 if rng.random() < 0.3 else 2
        stacked = rng.random() < 0.25
        glyphs = [_resized(rng, tight(_pick(rng, digits)), 0.85, 1.15) for _ in range(count)]
        offsets, edge = [], 0
        for glyph in glyphs:
            h, w = glyph.shape
            if stacked:  # always apart: two touching loops would make an 8
                offsets.append((int(rng.integers(-3, 4)), edge))
                edge += h + int(round(h * rng.uniform(0.15, 0.4)))
            else:
                offsets.append((edge, int(rng.integers(-3, 4))))
                gap = rng.uniform(-0.25, 0.3) * min(w, 14)
                edge += w + int(round(gap))
        ink = _compose(glyphs, offsets)
        # Clearly wider (or taller) than one digit, even where a small camera crop blurs the
        # gaps shut; two narrow digits side by side (11, 17) are redrawn.
        if _aspect(ink) >= PAIR_ASPECT:
            return _to_uint8(ink)
    raise RuntimeError("no pair found: are the digits MNIST digits?")


def _keep_columns(
    rng: np.random.Generator, ink: np.ndarray, share: float, from_left: bool
) -> np.ndarray:
    """The part of ``ink`` on one side holding ``share`` of its ink, cut slightly askew."""
    columns = np.cumsum(ink.sum(0))
    columns /= max(float(columns[-1]), 1e-6)
    if not from_left:
        columns = 1.0 - np.concatenate([[0.0], columns[:-1]])
    cut = float(np.argmin(np.abs(columns - share)))
    h, w = ink.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    boundary = cut + (ys - h / 2) * np.float32(np.tan(np.radians(rng.uniform(-10, 10))))
    keep = xs <= boundary if from_left else xs >= boundary
    return ink * keep


def _neighbour(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """A whole digit plus 30-70% of a neighbour on its left or right: a crop that took too much."""
    for _ in range(MAX_TRIES):
        main = tight(_pick(rng, digits))
        other = _resized(rng, tight(_pick(rng, digits)), 0.85, 1.15)
        on_right = rng.random() < 0.5
        part = tight(_keep_columns(rng, other, rng.uniform(0.3, 0.7), from_left=on_right))
        if part.sum() < 0.25 * other.sum():
            continue
        gap = int(round(rng.uniform(-0.1, 0.25) * main.shape[0]))
        dy = int(rng.integers(-3, 4))
        if on_right:
            offsets = [(0, 0), (main.shape[1] + gap, dy)]
        else:
            offsets = [(part.shape[1] + gap, 0), (0, dy)]
        ink = _compose([main, part], offsets)
        if not is_bar(ink > 0.4):
            return _to_uint8(ink)
    raise RuntimeError("no neighbour found: are the digits MNIST digits?")


DIGIT_KIND_FUNCTIONS: dict[str, KindFunction] = {
    "piece": _piece,
    "pair": _pair,
    "neighbour": _neighbour,
}
"""The digit kinds and the function drawing one raw crop (uint8, ink bright) of each."""
