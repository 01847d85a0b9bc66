"""Training crops that are not one digit, for the model's 11th class ("not a digit", index 10).

The finder hands the model every ink blob it finds: halves of digits it split, two digits it
merged, letters, ruled lines, grid paper, blots, the table's texture, empty paper. A 10-class
model must call each of them some digit; with these negatives it can say "not a digit" instead.

Each kind has a function of its own that draws one raw crop. They are rendered and normalized
exactly as the runtime does, so the model learns the shapes, not a rendering difference:

* **Camera kinds** (letter, printed, line, grid, blob, texture, empty) are drawn as a camera
  sees them, dark ink on lighter grey paper with a soft light gradient and mild grain, 20-120 px
  on their long side, with a finder-like margin, and normalized with
  ``normalize_digit(crop, ink="dark")``: the camera path.
* **Digit kinds** (piece, pair, neighbour) are composed from ink-bright MNIST digits. Half of
  them are normalized with ``ink="bright"`` directly, exactly as the MNIST training digits are,
  so that pieces and pairs differ from the positives only in shape; the other half
  (``CAMERA_SHARE``) are first rendered as camera crops and normalized with ``ink="dark"``, so
  that a clean background is no cue for "digit" either.

No negative may be something a person reads as one digit: pieces that keep most of a digit,
bare near-vertical bars (a "1"), pieces with a closed loop (a "0", "6" or "9") and characters
like O, l, S or Z are rejected where they are drawn, pieces that look much like some whole
MNIST digit too, and every normalized crop that came out a bare near-vertical bar is drawn
again.

numpy and OpenCV only (Pillow and matplotlib's DejaVu fonts when installed): no TensorFlow.

    python -m camdigit.training.negatives OUT_DIR   # a PNG sheet per kind and per pen
"""

from __future__ import annotations

import argparse
import functools
import logging
import string
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from camdigit.core.preprocess import Ink, normalize_digit, normalize_digits

log = logging.getLogger(__name__)

NOT_A_DIGIT = 10
"""The model's class index for every crop made here."""

NEGATIVE_KINDS: tuple[str, ...] = (
    "piece",
    "pair",
    "neighbour",
    "letter",
    "printed",
    "line",
    "grid",
    "blob",
    "texture",
    "empty",
)

DIGIT_KINDS = frozenset({"piece", "pair", "neighbour"})
"""Kinds composed from MNIST digits (the others need none)."""

CAMERA_SHARE = 0.5
"""Share of the digit kinds rendered as camera crops (the rest stay MNIST-style, ink bright)."""

SIDE_RANGE = (20, 120)
"""Long side of a camera crop in pixels, as the finder cuts them."""

READ_AS_DIGIT = "OoQDIlijJSsZzbgqGBTtyY|"
"""Characters a person may read as a digit (0, 1, 5, 2, 6, 9, 7, 4...): never drawn."""

EXCLUDED_CHARACTERS = READ_AS_DIGIT + string.digits + "/\\!?$&@{}" + "βγδζθξρσςτ∂Γ∃∫↑↓"
"""Everything that is never drawn as a letter or symbol: the digit look-alikes above, digits
themselves, slashes (a slanted 1), ! (a 1), ? (a 2), $ (a 5), & and @ (an 8, a 6), braces (a 3),
Greek or maths letters that look like 6, 0, 2, 9, 7 or 3, and typeset integral signs and up or
down arrows (a thin near-vertical stroke: a 1; the hand-drawn integral has big hooks)."""

LETTERS = "".join(c for c in string.ascii_letters if c not in EXCLUDED_CHARACTERS)
"""Latin letters that may be drawn."""

ASCII_SYMBOLS = "+=<>%#*~^()[]-"
"""Symbols the Hershey fonts can draw."""

UNICODE_SYMBOLS = "αελμπφχψωηνκΔΛΠΣΦΨΩ∞√±÷≈≠→←⇒∈∀×"
"""Greek letters and maths symbols, drawn only with the DejaVu TrueType fonts."""

ALLOWED_CHARACTERS = LETTERS + ASCII_SYMBOLS + UNICODE_SYMBOLS
"""The whole alphabet of the letter and printed kinds."""

WORDS = tuple(
    w
    for w in (
        "am",
        "an",
        "are",
        "arc",
        "ace",
        "car",
        "far",
        "fun",
        "run",
        "we",
        "me",
        "he",
        "new",
        "fee",
        "cue",
        "man",
        "pen",
        "map",
        "cap",
        "can",
        "EUR",
        "km",
        "cm",
        "mm",
        "kg",
        "nr",
        "CAN",
        "NEW",
        "ADD",
        "ARC",
        "max",
        "mean",
        "area",
        "name",
        "hour",
        "four",
        "fence",
        "crane",
        "dance",
        "wander",
        "Mark",
        "Ken",
        "Ann",
        "Uma",
        "Alex",
        "Hanna",
        "Peru",
        "Rome",
        "Wien",
        "Accra",
        "ECU",
        "NaN",
        "xy",
        "ab",
        "cd",
        "ef",
        "uv",
        "mn",
        "rad",
    )  # fmt: skip
    if all(c in LETTERS for c in w)
)
"""Short words for the printed kind, made of allowed letters only."""

_HERSHEY_HAND = (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)
_HERSHEY_ITALIC = tuple(
    f | cv2.FONT_ITALIC
    for f in (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX)
)
_HERSHEY_UPRIGHT = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
)

_BAR_RATIO = 0.42
"""A shape whose minor/major spread is below this is a bar (a straight 1 has about 0.1-0.3; a
marker's 1 or a thick block cut from a stroke up to about 0.4)."""

_BAR_ANGLE = 50.0
"""A bar within this many degrees of vertical reads as a 1 (MNIST 1s lean up to about 45)."""

_PIECE_BAR_RATIO = 0.5
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

_MAX_TRIES = 200

Raw = np.ndarray
KindFunction = Callable[[np.random.Generator, np.ndarray], Raw]


# --- shape checks ------------------------------------------------------------------------------


def _is_bar(mask: np.ndarray, limit: float = _BAR_RATIO) -> bool:
    """True for a straight, narrow, near-vertical shape: a person would read it as a 1.

    Narrow means a minor/major spread ratio below ``limit``.
    """
    ys, xs = np.nonzero(mask)
    if len(xs) < 3:
        return False
    cov = np.cov(np.stack([xs, ys]).astype(np.float64))
    values, vectors = np.linalg.eigh(cov)
    if values[1] <= 0:
        return False
    ratio = float(np.sqrt(max(values[0], 0.0) / values[1]))
    off_vertical = float(np.degrees(np.arccos(min(1.0, abs(vectors[1, 1])))))
    return ratio < limit and off_vertical < _BAR_ANGLE


def _has_loop(mask: np.ndarray, share: float = 0.08) -> bool:
    """True when the shape encloses a hole of at least ``share`` of its box (a 0, 6 or 9)."""
    mask = mask.astype(np.uint8)
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return False
    _, _, w, h = cv2.boundingRect(mask)
    pairs = zip(contours, hierarchy[0], strict=True)
    holes = [cv2.contourArea(c) for c, info in pairs if info[3] >= 0]  # those with a parent
    return bool(holes) and max(holes) >= share * w * h


# --- rendering ---------------------------------------------------------------------------------


def _tight(ink: np.ndarray, level: float = 0.1) -> np.ndarray:
    """The ink's bounding box (the whole image when it has no ink)."""
    x, y, w, h = cv2.boundingRect((ink > level * max(float(ink.max()), 1e-6)).view(np.uint8))
    if w == 0:
        return ink
    return ink[y : y + h, x : x + w]


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Zero-mean, unit-ish noise varying smoothly over ``cell`` pixels (upsampled coarse noise)."""
    h, w = shape
    coarse = rng.standard_normal((max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)))
    return cv2.resize(coarse.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def _gradient(rng: np.random.Generator, shape: tuple[int, int], amount: float) -> np.ndarray:
    """A linear light gradient across the crop, ``amount`` grey levels from edge to edge."""
    h, w = shape
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (xs - w / 2) * np.cos(angle) + (ys - h / 2) * np.sin(angle)
    return ramp * np.float32(amount / max(h, w, 1))


def _paper(rng: np.random.Generator, ink: np.ndarray, faint: bool = False) -> np.ndarray:
    """Ink (float, 1 = full ink) as a camera sees it on paper: dark on light grey uint8.

    Paper 130-245 grey with a soft gradient, the pen 50+ levels darker (``faint``: 25+, for
    printed rulings), some optics blur and, mostly, mild sensor grain.
    """
    shape = ink.shape
    paper = rng.uniform(130.0, 245.0)
    low_contrast = 25.0 if faint else 50.0
    pen = rng.uniform(5.0, paper - low_contrast)
    grey = paper - ink.astype(np.float32) * np.float32(paper - pen)
    grey = grey + _gradient(rng, shape, rng.uniform(0.0, 14.0))
    if rng.random() < 0.3:
        grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.4, 1.0))
    if rng.random() < 0.8:
        sigma = rng.uniform(0.5, 3.5)
        grey = grey + rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma)
    return np.clip(grey, 0, 255).astype(np.uint8)


def _side(rng: np.random.Generator) -> int:
    return int(rng.integers(SIDE_RANGE[0], SIDE_RANGE[1] + 1))


def _camera(rng: np.random.Generator, ink: np.ndarray, faint: bool = False) -> np.ndarray:
    """Cut around the ink as the finder does and render it at a random camera size.

    The ink's box is scaled to a 20-120 px long side and given a margin of paper of 5-35% of
    that side on each edge (the finder pads its crops), then drawn by :func:`_paper`.
    """
    ink = _tight(np.asarray(ink, np.float32))
    side = _side(rng)
    h, w = ink.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    ink = cv2.resize(ink, size, interpolation=interpolation)
    t, b, left, r = (int(round(side * m)) for m in rng.uniform(0.05, 0.35, 4))
    ink = cv2.copyMakeBorder(ink, t, b, left, r, cv2.BORDER_CONSTANT, value=0.0)
    return _paper(rng, np.clip(ink, 0.0, 1.0), faint)


def _warp(
    rng: np.random.Generator, ink: np.ndarray, shear: float, rotate_deg: float, stretch: float
) -> np.ndarray:
    """Random shear, rotation and anisotropic scale about the centre, with room to spare."""
    pad = int(0.35 * max(ink.shape)) + 2
    ink = cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    h, w = ink.shape
    angle = np.radians(rng.uniform(-rotate_deg, rotate_deg))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    sx, sy = 1.0 + rng.uniform(-stretch, stretch, 2)
    linear = rotation @ np.array([[sx, rng.uniform(-shear, shear)], [0.0, sy]])
    centre = np.array([w / 2, h / 2])
    matrix = np.hstack([linear, (centre - linear @ centre)[:, None]]).astype(np.float32)
    return cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)


def _elastic(rng: np.random.Generator, ink: np.ndarray, amount: float) -> np.ndarray:
    """A smooth random displacement of up to ``amount`` of the size: a hand's wobble."""
    h, w = ink.shape
    reach = np.float32(amount * max(h, w))
    dx = _smooth_noise(rng, (h, w), max(h, w) / 3) * reach
    dy = _smooth_noise(rng, (h, w), max(h, w) / 3) * reach
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return cv2.remap(ink, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0)


def _chaikin(points: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Smooth a polyline by corner cutting (ends kept): hand-drawn curves from a few points."""
    for _ in range(rounds):
        p, q = points[:-1], points[1:]
        cut = np.empty((2 * len(p), 2))
        cut[0::2] = 0.75 * p + 0.25 * q
        cut[1::2] = 0.25 * p + 0.75 * q
        points = np.vstack([points[:1], cut, points[-1:]])
    return points


def _polylines(shape: tuple[int, int], strokes: Sequence[np.ndarray], thickness: int) -> np.ndarray:
    """Anti-aliased strokes (float (x, y) points) on a blank float canvas, ink 1."""
    canvas = np.zeros(shape, np.uint8)
    s = 4  # fractional bits
    polys = [np.round(np.asarray(p) * (1 << s)).astype(np.int32) for p in strokes]
    cv2.polylines(canvas, polys, False, 255, max(1, thickness), cv2.LINE_AA, shift=s)
    return canvas.astype(np.float32) * np.float32(1 / 255)


# --- digit kinds (ink bright, MNIST-style) -----------------------------------------------------


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


def _features(normalized: np.ndarray) -> np.ndarray:
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


def _bank(digits: np.ndarray) -> np.ndarray:
    """Features of up to ``_BANK_SIZE`` whole digits, made once per digit set.

    Picked with a fixed seed, not the caller's generator, so asking for pieces does not change
    the other kinds' crops.
    """
    key = (digits.shape, zlib.crc32(digits[:: max(1, len(digits) // 97)].tobytes()))
    if key not in _banks:
        order = np.random.default_rng(0).permutation(len(digits))[:_BANK_SIZE]
        _banks.clear()  # one set at a time: training uses one
        _banks[key] = _features(normalize_digits(digits[np.sort(order)], ink="bright"))
    return _banks[key]


def _likeness(piece: np.ndarray, bank: np.ndarray) -> float:
    """Highest cosine likeness of the normalized piece to any whole digit of the bank."""
    return float((bank @ _features(normalize_digit(piece, ink="bright")[None])[0]).max())


def _fair_piece(piece: np.ndarray, digit: np.ndarray, bank: np.ndarray) -> bool:
    """A piece is kept when it is clearly part of a digit and not itself a plausible digit:
    enough but not most of the ink, no bar (a 1), no enclosed loop (a 0, 6 or 9), and no close
    likeness to any whole digit."""
    kept = float(piece.sum()) / max(float(digit.sum()), 1e-6)
    if not MIN_PIECE_INK <= kept <= MAX_PIECE_INK:
        return False
    mask = piece > 0.4
    if int(mask.sum()) < 12 or _is_bar(mask, _PIECE_BAR_RATIO) or _has_loop(mask):
        return False
    return _likeness(_to_uint8(piece), bank) < DIGIT_LIKENESS


def _piece(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Part of one digit: a half, a third or a single stroke, as a finder that split it cuts."""
    cutters = (_cut_by_line, _cut_band, _cut_box)
    bank = _bank(digits)
    for _ in range(_MAX_TRIES):
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
    for _ in range(_MAX_TRIES):
        count = 3 if rng.random() < 0.3 else 2
        stacked = rng.random() < 0.25
        glyphs = [_resized(rng, _tight(_pick(rng, digits)), 0.85, 1.15) for _ in range(count)]
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
    for _ in range(_MAX_TRIES):
        main = _tight(_pick(rng, digits))
        other = _resized(rng, _tight(_pick(rng, digits)), 0.85, 1.15)
        on_right = rng.random() < 0.5
        part = _tight(_keep_columns(rng, other, rng.uniform(0.3, 0.7), from_left=on_right))
        if part.sum() < 0.25 * other.sum():
            continue
        gap = int(round(rng.uniform(-0.1, 0.25) * main.shape[0]))
        dy = int(rng.integers(-3, 4))
        if on_right:
            offsets = [(0, 0), (main.shape[1] + gap, dy)]
        else:
            offsets = [(part.shape[1] + gap, 0), (0, dy)]
        ink = _compose([main, part], offsets)
        if not _is_bar(ink > 0.4):
            return _to_uint8(ink)
    raise RuntimeError("no neighbour found: are the digits MNIST digits?")


# --- letters and symbols -----------------------------------------------------------------------


@functools.cache
def _ttf_paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """DejaVu TrueType files shipped with matplotlib: (slanted or bold, upright). Empty without
    Pillow or matplotlib, and the letters fall back to the Hershey fonts."""
    try:
        import matplotlib
        import PIL.ImageFont  # noqa: F401
    except ImportError:
        log.info("Pillow or matplotlib missing: letters drawn with Hershey fonts only")
        return (), ()
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = sorted(p for p in folder.glob("DejaVu*.ttf") if "Display" not in p.name)
    slanted = tuple(str(p) for p in files if any(k in p.name for k in ("Oblique", "Italic")))
    bold = tuple(str(p) for p in files if "Bold" in p.name and str(p) not in slanted)
    upright = tuple(str(p) for p in files if str(p) not in slanted)
    return slanted + bold, upright


@functools.lru_cache(maxsize=64)
def _ttf_font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


@functools.lru_cache(maxsize=4096)
def _has_glyphs(path: str, text: str) -> bool:
    """True when the font draws every character (a missing glyph is a box: a 0)."""
    font = _ft2(path)
    return all(font.get_char_index(ord(c)) != 0 for c in text)


@functools.lru_cache(maxsize=32)
def _ft2(path: str):
    from matplotlib import ft2font

    return ft2font.FT2Font(path)


def _truetype(rng: np.random.Generator, text: str, path: str) -> np.ndarray:
    """``text`` drawn with a TrueType font (Pillow), as float ink."""
    from PIL import Image, ImageDraw

    font = _ttf_font(path, int(rng.choice((40, 56, 72))))
    left, top, right, bottom = font.getbbox(text)
    pad = 6
    image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    bold = int(rng.integers(0, 3)) if rng.random() < 0.3 else 0
    ImageDraw.Draw(image).text(
        (pad - left, pad - top), text, fill=255, font=font, stroke_width=bold, stroke_fill=255
    )
    return np.asarray(image, np.float32) * np.float32(1 / 255)


def _hershey(rng: np.random.Generator, text: str, font: int) -> np.ndarray:
    """``text`` drawn with an OpenCV Hershey font, as float ink."""
    scale = rng.uniform(1.2, 2.4)
    thickness = int(rng.integers(1, 4)) + (1 if scale > 1.8 and rng.random() < 0.5 else 0)
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    pad = thickness + h // 2 + 4
    canvas = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    cv2.putText(canvas, text, (pad, pad + h), font, scale, 255, thickness, cv2.LINE_AA)
    return canvas.astype(np.float32) * np.float32(1 / 255)


def _text(rng: np.random.Generator, alphabet: str, word_share: float) -> str:
    """One character of ``alphabet`` or, for ``word_share`` of the calls, a short word."""
    if rng.random() < word_share:
        if rng.random() < 0.5 and WORDS:
            return str(WORDS[int(rng.integers(len(WORDS)))])
        letters = [LETTERS[int(rng.integers(len(LETTERS)))] for _ in range(rng.integers(2, 4))]
        return "".join(letters)
    return alphabet[int(rng.integers(len(alphabet)))]


def _symbol_strokes(rng: np.random.Generator) -> list[np.ndarray]:
    """Strokes of a hand-drawn symbol in a 100x100 box: + x = integral sqrt arrow ( [ loops."""

    def j(*xy: float) -> np.ndarray:
        return np.array(xy, float).reshape(-1, 2) + rng.uniform(-5, 5, (len(xy) // 2, 2))

    kind = int(rng.integers(9))
    if kind == 0:  # plus
        return [j(50, 12, 50, 88), j(12, 50, 88, 50)]
    if kind == 1:  # times
        return [j(18, 18, 82, 82), j(82, 18, 18, 82)]
    if kind == 2:  # equals (sometimes three bars)
        bars = [j(12, 38, 88, 38), j(12, 62, 88, 62)]
        return bars + ([j(12, 86, 88, 86)] if rng.random() < 0.3 else [])
    if kind == 3:  # integral, with clear hooks
        return [_chaikin(j(78, 12, 64, 2, 54, 14, 50, 50, 46, 86, 36, 98, 22, 88))]
    if kind == 4:  # square root
        return [j(8, 58, 22, 50, 38, 92, 56, 8, 96, 8)]
    if kind == 5:  # arrow, pointing anywhere but straight up or down
        angle = rng.choice([rng.uniform(-50, 50), rng.uniform(130, 230)])
        d = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
        tail, tip = 50 - 40 * d, 50 + 40 * d
        spread = np.radians(rng.uniform(25, 40))
        heads = []
        for sign in (-1, 1):
            a = np.arctan2(-d[1], -d[0]) + sign * spread
            heads.append(np.stack([tip, tip + 30 * np.array([np.cos(a), np.sin(a)])]))
        return [np.stack([tail, tip]), *heads]
    if kind == 6:  # parentheses, strongly curved, alone or as a pair
        arc = cv2.ellipse2Poly((75, 50), (45, 46), 0, 120, 240, 10).astype(float)
        mirrored = np.c_[100 - arc[:, 0], arc[:, 1]]
        if rng.random() < 0.4:
            arcs = [arc * [0.5, 1], mirrored * [0.5, 1] + [50, 0]]  # ( ) side by side
        else:
            arcs = [arc if rng.random() < 0.5 else mirrored]
        return [a + rng.uniform(-1.5, 1.5, a.shape) for a in arcs]
    if kind == 7:  # square bracket
        bracket = j(62, 8, 36, 8, 36, 92, 62, 92)
        return [bracket if rng.random() < 0.5 else np.c_[100 - bracket[:, 0], bracket[:, 1]]]
    # Greek-like loops: alpha, infinity, a chain of cursive loops
    t = np.linspace(0, 1, 80)
    loop = int(rng.integers(3))
    if loop == 0:  # alpha: a loop on the left, tails crossing to the right
        s = np.pi * (0.2 + 1.6 * t)
        return [np.c_[50 - 38 * np.cos(s), 50 + 30 * np.sin(s) * np.cos(s) * 2]]
    if loop == 1:  # infinity
        s = 2 * np.pi * t
        return [np.c_[50 + 42 * np.cos(s), 50 + 22 * np.sin(2 * s)]]
    n = int(rng.integers(2, 5))  # a prolate trochoid: eee / lll written in one go
    s = 2 * np.pi * n * t + np.pi / 2
    return [np.c_[6 + 88 * t + 12 * np.cos(s), 55 - 25 * np.sin(s)]]


def _stroke_symbol(rng: np.random.Generator) -> np.ndarray:
    strokes = _symbol_strokes(rng)
    return _polylines((110, 110), [p + 5 for p in strokes], int(rng.integers(3, 11)))


def _handwritten_text(rng: np.random.Generator) -> np.ndarray:
    slanted, _ = _ttf_paths()
    if rng.random() < 0.3 and slanted:
        alphabet = ALLOWED_CHARACTERS
        text = _text(rng, alphabet, 0.2)
        path = slanted[int(rng.integers(len(slanted)))]
        if _has_glyphs(path, text):
            return _truetype(rng, text, path)
    text = _text(rng, LETTERS + ASCII_SYMBOLS, 0.25)
    fonts = _HERSHEY_HAND if rng.random() < 0.7 else _HERSHEY_ITALIC
    return _hershey(rng, text, int(fonts[int(rng.integers(len(fonts)))]))


def _letter(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """A handwritten-looking letter, short word or maths symbol, distorted like a hand."""
    ink = _stroke_symbol(rng) if rng.random() < 0.3 else _handwritten_text(rng)
    ink = _warp(rng, ink, shear=0.35, rotate_deg=15.0, stretch=0.15)
    if rng.random() < 0.7:
        ink = _elastic(rng, ink, rng.uniform(0.005, 0.02))
    return _camera(rng, ink)


def _printed(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """A printed character or short word, upright (Hershey or DejaVu), nearly undistorted."""
    _, upright = _ttf_paths()
    ink = None
    if rng.random() < 0.5 and upright:
        text = _text(rng, ALLOWED_CHARACTERS, 0.4)
        path = upright[int(rng.integers(len(upright)))]
        if _has_glyphs(path, text):
            ink = _truetype(rng, text, path)
    if ink is None:
        text = _text(rng, LETTERS + ASCII_SYMBOLS, 0.4)
        font = _HERSHEY_UPRIGHT[int(rng.integers(len(_HERSHEY_UPRIGHT)))]
        ink = _hershey(rng, text, int(font))
    return _camera(rng, _warp(rng, ink, shear=0.03, rotate_deg=4.0, stretch=0.05))


# --- paper features ----------------------------------------------------------------------------


def _full_line(shape: tuple[int, int], point: np.ndarray, angle_deg: float) -> np.ndarray:
    """A segment through ``point`` at ``angle_deg`` reaching past both edges of the crop."""
    d = np.array([np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))])
    reach = 2.0 * max(shape)
    return np.stack([point - reach * d, point + reach * d])


def _line(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Ruled lines as a finder crops them: one or two long thin bars, maybe a margin line."""
    w = _side(rng)
    h = max(8, int(round(w * rng.uniform(0.2, 0.8))))
    angle = rng.uniform(-4, 4) if rng.random() < 0.7 else rng.uniform(-18, 18)
    margin = rng.random() < 0.2
    strokes = []
    y = h * rng.uniform(0.3, 0.7) if margin else h * rng.uniform(0.15, 0.85)
    strokes.append(_full_line((h, w), np.array([w / 2, y]), angle))
    if rng.random() < 0.3:  # the next ruling
        spacing = h * rng.uniform(0.3, 0.6) * (1 if y < h / 2 else -1)
        strokes.append(_full_line((h, w), np.array([w / 2, y + spacing]), angle))
    if not margin and rng.random() < 0.3:  # a dash: the line ends inside the crop
        start = w * rng.uniform(0.0, 0.3)
        end = w * rng.uniform(0.7, 1.0)
        first = strokes[0]
        d = (first[1] - first[0]) / np.linalg.norm(first[1] - first[0])
        mid = np.array([w / 2, y])
        strokes[0] = np.stack([mid + d * (start - w / 2), mid + d * (end - w / 2)])
    thickness = int(rng.integers(1, 4))
    ink = _polylines((h, w), strokes, thickness) * np.float32(rng.uniform(0.6, 1.0))
    if margin:
        x = w * rng.uniform(0.3, 0.7)
        margin_ink = _polylines(
            (h, w), [_full_line((h, w), np.array([x, h / 2]), 90.0)], int(rng.integers(1, 3))
        )
        ink = np.maximum(ink, margin_ink * np.float32(rng.uniform(0.5, 1.0)))
    return _paper(rng, ink, faint=True)


def _grid(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Graph paper: 2-4 thin lines each way crossing, slightly rotated."""
    side = int(rng.integers(30, SIDE_RANGE[1] + 1))
    h = max(20, int(round(side * rng.uniform(0.8, 1.2))))
    turn = rng.uniform(-6, 6)
    strokes = []
    for axis, count in ((0, int(rng.integers(2, 5))), (1, int(rng.integers(2, 5)))):
        extent = side if axis == 0 else h
        spacing = extent / (count - 1 + rng.uniform(0.3, 1.0))
        start = rng.uniform(0.1, 0.9) * (extent - spacing * (count - 1))
        for k in range(count):
            pos = start + k * spacing + rng.uniform(-0.5, 0.5)
            if axis == 0:
                strokes.append(_full_line((h, side), np.array([pos, h / 2]), 90.0 + turn))
            else:
                strokes.append(_full_line((h, side), np.array([side / 2, pos]), turn))
    ink = _polylines((h, side), strokes, 1 if rng.random() < 0.75 else 2)
    return _paper(rng, ink * np.float32(rng.uniform(0.5, 1.0)), faint=True)


def _blob_shape(rng: np.random.Generator) -> np.ndarray:
    """One blot, smudge, ellipse, dots or stain on a 100x100 float canvas."""
    canvas = np.zeros((100, 100), np.uint8)
    kind = int(rng.integers(5))
    if kind == 0:  # filled ellipse (long ones lie down: upright they would be a marker 1)
        a = rng.uniform(15, 45)
        if rng.random() < 0.7:
            b, angle = a * rng.uniform(0.5, 1.0), rng.uniform(0, 180)
        else:
            b, angle = a * rng.uniform(0.2, 0.5), rng.uniform(-40, 40)
        cv2.ellipse(canvas, (50, 50), (int(a), int(b)), angle, 0, 360, 255, -1, cv2.LINE_AA)
        return canvas.astype(np.float32) / 255
    if kind == 1:  # dots
        for _ in range(int(rng.integers(1, 6))):
            centre = tuple(int(v) for v in rng.uniform(15, 85, 2))
            cv2.circle(canvas, centre, int(rng.uniform(3, 12)), 255, -1, cv2.LINE_AA)
        return canvas.astype(np.float32) / 255
    # a blot: an irregular outline, maybe splatter; smudges and stains are soft and uneven
    n = int(rng.integers(16, 48))
    theta = np.sort(rng.uniform(0, 2 * np.pi, n))
    wobble = cv2.GaussianBlur(rng.standard_normal((1, n)), (0, 0), 1.5)[0]
    wobble /= max(float(np.abs(wobble).max()), 1e-6)
    radius = rng.uniform(18, 38) * (1 + rng.uniform(0.1, 0.35) * wobble)
    pts = np.c_[50 + radius * np.cos(theta), 50 + radius * np.sin(theta) * rng.uniform(0.6, 1.0)]
    cv2.fillPoly(canvas, [np.round(pts * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    if rng.random() < 0.5:
        for _ in range(int(rng.integers(1, 7))):
            centre = tuple(int(v) for v in rng.uniform(5, 95, 2))
            cv2.circle(canvas, centre, int(rng.uniform(1, 5)), 255, -1, cv2.LINE_AA)
    ink = canvas.astype(np.float32) / 255
    if kind == 3:  # smudge: blurred, faint
        ink = cv2.GaussianBlur(ink, (0, 0), rng.uniform(3, 8)) * np.float32(rng.uniform(0.4, 0.8))
    elif kind == 4:  # stain: uneven density
        density = np.clip(0.7 + 0.3 * _smooth_noise(rng, ink.shape, 20), 0.3, 1.0)
        ink = cv2.GaussianBlur(ink * density, (0, 0), rng.uniform(0.5, 2.0))
    return ink


def _blob(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Ink blots, smudges, filled ellipses, dots and stains."""
    for _ in range(_MAX_TRIES):
        ink = _blob_shape(rng)
        if not _is_bar(ink > 0.5 * ink.max()):
            return _camera(rng, ink)
    raise RuntimeError("no blob found")


# --- surfaces ----------------------------------------------------------------------------------


def _surface_shape(rng: np.random.Generator) -> tuple[int, int]:
    side = _side(rng)
    other = max(12, int(round(side * rng.uniform(0.6, 1.0))))
    return (side, other) if rng.random() < 0.5 else (other, side)


def _texture_field(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """A zero-mean texture: noise, wood grain, weave, carpet speckle or plaster."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    kind = int(rng.integers(5))
    if kind == 0:  # filtered noise
        field = cv2.GaussianBlur(
            rng.standard_normal(shape, dtype=np.float32), (0, 0), rng.uniform(0.5, 3.0)
        )
    elif kind == 1:  # wood: warped stripes along a random direction
        a = rng.uniform(0, np.pi)
        u = xs * np.cos(a) + ys * np.sin(a)
        warp = _smooth_noise(rng, shape, rng.uniform(8, 30)) * rng.uniform(2, 6)
        field = np.sin(2 * np.pi * (u + warp) / rng.uniform(3, 12))
        field += 0.3 * cv2.GaussianBlur(rng.standard_normal(shape, dtype=np.float32), (0, 0), 0.7)
    elif kind == 2:  # weave: alternating over-under threads
        p = rng.uniform(3, 9)
        over = ((xs // p + ys // p) % 2).astype(np.float32)
        field = over * np.cos(np.pi * ys / p) ** 2 + (1 - over) * np.cos(np.pi * xs / p) ** 2
        field += 0.2 * rng.standard_normal(shape, dtype=np.float32)
    elif kind == 3:  # carpet speckle: dark and light flecks
        flecks = rng.standard_normal(shape, dtype=np.float32)
        field = np.where(np.abs(flecks) > rng.uniform(1.2, 2.0), flecks, 0.0).astype(np.float32)
        field = cv2.GaussianBlur(field, (0, 0), rng.uniform(0.6, 1.5))
        field += 0.5 * _smooth_noise(rng, shape, rng.uniform(6, 20))
    else:  # plaster: bumps lit from one side
        bumps = cv2.GaussianBlur(
            rng.standard_normal(shape, dtype=np.float32), (0, 0), rng.uniform(1.5, 4.0)
        )
        field = cv2.Sobel(bumps, cv2.CV_32F, 1, 1, ksize=3) + 0.3 * bumps
        field += 0.15 * rng.standard_normal(shape, dtype=np.float32)
    field = field - field.mean()
    return field / max(float(field.std()), 1e-6)


def _texture(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """A patch of a textured surface (table, cloth, carpet, wall) instead of paper."""
    shape = _surface_shape(rng)
    field = _texture_field(rng, shape) * np.float32(rng.uniform(8, 45))
    grey = rng.uniform(60, 210) + field + _gradient(rng, shape, rng.uniform(0, 20))
    return np.clip(grey, 0, 255).astype(np.uint8)


def _empty(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Empty paper: near-uniform, with grain, a soft gradient and faint unevenness."""
    shape = _surface_shape(rng)
    grey = rng.uniform(110, 245) + _gradient(rng, shape, rng.uniform(0, 12))
    grey = grey + _smooth_noise(rng, shape, rng.uniform(10, 40)) * np.float32(rng.uniform(0, 2))
    grey = grey + rng.standard_normal(shape, dtype=np.float32) * np.float32(rng.uniform(0.3, 3))
    return np.clip(grey, 0, 255).astype(np.uint8)


_KIND_FUNCTIONS: dict[str, KindFunction] = {
    "piece": _piece,
    "pair": _pair,
    "neighbour": _neighbour,
    "letter": _letter,
    "printed": _printed,
    "line": _line,
    "grid": _grid,
    "blob": _blob,
    "texture": _texture,
    "empty": _empty,
}


# --- the public API ----------------------------------------------------------------------------


def raw_negative(rng: np.random.Generator, digits: np.ndarray, kind: str) -> tuple[np.ndarray, Ink]:
    """One raw crop of ``kind`` and its ink polarity, before normalization.

    Digit kinds come ink bright (MNIST-style) or, for ``CAMERA_SHARE`` of them, rendered as a
    camera crop (dark ink); all other kinds are camera crops.
    """
    if kind not in _KIND_FUNCTIONS:
        raise ValueError(f"unknown negative kind {kind!r}; known: {', '.join(NEGATIVE_KINDS)}")
    crop = _KIND_FUNCTIONS[kind](rng, digits)
    if kind not in DIGIT_KINDS:
        return crop, "dark"
    if rng.random() < CAMERA_SHARE:
        return _camera(rng, crop.astype(np.float32) * np.float32(1 / 255)), "dark"
    return crop, "bright"


def _normalized_negative(rng: np.random.Generator, digits: np.ndarray, kind: str) -> np.ndarray:
    for _ in range(_MAX_TRIES):
        crop, ink = raw_negative(rng, digits, kind)
        out = normalize_digit(crop, ink=ink)
        if not _is_bar(out > 128):
            return out
    raise RuntimeError(f"kind {kind!r} kept drawing bars")


def _check_arguments(
    digits: np.ndarray, count: int, kinds: Sequence[str], weights: Sequence[float] | None
) -> np.ndarray:
    """Validate the arguments; return the kind probabilities."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if len(kinds) == 0:
        raise ValueError("kinds must not be empty")
    unknown = [k for k in kinds if k not in _KIND_FUNCTIONS]
    if unknown:
        raise ValueError(f"unknown negative kind(s) {unknown}; known: {', '.join(NEGATIVE_KINDS)}")
    if DIGIT_KINDS.intersection(kinds) and (digits.ndim != 3 or len(digits) == 0):
        raise ValueError(f"digit kinds need (N, H, W) MNIST digits, got shape {digits.shape}")
    if weights is None:
        return np.full(len(kinds), 1.0 / len(kinds))
    p = np.asarray(weights, np.float64)
    if p.shape != (len(kinds),) or (p < 0).any() or p.sum() <= 0:
        raise ValueError(f"weights must be {len(kinds)} non-negative numbers, not all 0")
    return p / p.sum()


def make_negatives(
    rng: np.random.Generator,
    digits: np.ndarray,
    count: int,
    kinds: Sequence[str] = NEGATIVE_KINDS,
    weights: Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`count` crops that are not one digit, each normalized by normalize_digit exactly as the
    runtime normalizes camera crops; returns (uint8 (count, 64, 64), int64 kind index into kinds).
    `digits`: (N, 28, 28) uint8 MNIST images, ink bright (the TRAINING set; never the test set).

    Kinds are drawn at random with probabilities ``weights`` (equal by default); the same
    generator state gives the same crops. Label them all ``NOT_A_DIGIT``.
    """
    digits = np.asarray(digits, np.uint8)
    p = _check_arguments(digits, count, kinds, weights)
    which = rng.choice(len(kinds), size=count, p=p).astype(np.int64)
    out = np.zeros((count, 64, 64), np.uint8)
    for i, k in enumerate(which):
        out[i] = _normalized_negative(rng, digits, kinds[k])
    return out, which


# --- visual check ------------------------------------------------------------------------------


def contact_sheet(images: np.ndarray, columns: int = 8, gap: int = 2) -> np.ndarray:
    """Images (N, H, W) tiled into one uint8 sheet, on grey, ``columns`` wide."""
    n, h, w = images.shape
    rows = max(1, -(-n // columns))
    sheet = np.full((rows * (h + gap) + gap, columns * (w + gap) + gap), 96, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        sheet[y : y + h, x : x + w] = image
    return sheet


def _raw_sheet(rng: np.random.Generator, digits: np.ndarray, kind: str, n: int) -> np.ndarray:
    """Raw crops as the camera would see them (dark ink; bright ones inverted), in 64 px cells."""
    cells = np.full((n, 64, 64), 255, np.uint8)
    for i in range(n):
        crop, ink = raw_negative(rng, digits, kind)
        if ink == "bright":
            crop = 255 - crop
        h, w = crop.shape
        scale = 64 / max(h, w)
        small = cv2.resize(crop, (max(1, round(w * scale)), max(1, round(h * scale))))
        cells[i, : small.shape[0], : small.shape[1]] = small
    return contact_sheet(cells)


def write_sheets(out: Path, digits: np.ndarray, labels: np.ndarray, seed: int = 0) -> list[Path]:
    """One PNG sheet (8x8 normalized crops) per negative kind, one raw sheet each, one per pen."""
    from camdigit.training import pens

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = []

    def save(name: str, sheet: np.ndarray) -> None:
        path = out / f"{name}.png"
        cv2.imwrite(str(path), sheet)
        written.append(path)

    for kind in NEGATIVE_KINDS:
        start = time.perf_counter()
        images, _ = make_negatives(rng, digits, 64, kinds=(kind,))
        log.info("%s: %.1f ms a crop", kind, 1000 * (time.perf_counter() - start) / 64)
        save(f"negative-{kind}", contact_sheet(images))
        save(f"raw-{kind}", _raw_sheet(rng, digits, kind, 32))
    some = digits[rng.choice(len(digits), 64, replace=False)]
    ones = digits[labels == 1][:64]
    sevens = digits[labels == 7][:64]
    save("pen-mnist", contact_sheet(pens.normalize_digits(some, ink="bright")))
    save("pen-thin", contact_sheet(pens.thin_pen(rng, some)))
    save("pen-marker", contact_sheet(pens.marker_pen(rng, some)))
    save("pen-european-1", contact_sheet(pens.european_ones(rng, ones)))
    save("pen-crossed-7", contact_sheet(pens.crossed_sevens(rng, sevens)))
    return written


def main(argv: list[str] | None = None) -> int:
    from camdigit.data.mnist import DEFAULT_DATA_DIR, DataError, load_mnist

    parser = argparse.ArgumentParser(description="Write PNG sheets of the negatives and pens.")
    parser.add_argument("out", type=Path, help="folder for the PNG sheets")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder with the MNIST IDX files (the training set is used)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        train = load_mnist(args.data, "train")
    except DataError as exc:
        print(f"error: {exc}")
        return 2
    paths = write_sheets(args.out, train.images, train.labels, args.seed)
    print(f"wrote {len(paths)} sheets in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
