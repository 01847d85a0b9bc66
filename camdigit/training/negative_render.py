"""The drawing kit every kind of negative shares: shape checks (a bar that reads as a 1, an
enclosed loop) and ink rendered as a camera sees it (paper, light gradient, grain, the finder's
margin, a hand's warp and wobble, anti-aliased strokes).

numpy and OpenCV only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

SIDE_RANGE = (20, 120)
"""Long side of a camera crop in pixels, as the finder cuts them."""

_BAR_RATIO = 0.42
"""A shape whose minor/major spread is below this is a bar (a straight 1 has about 0.1-0.3; a
marker's 1 or a thick block cut from a stroke up to about 0.4)."""

_BAR_ANGLE = 50.0
"""A bar within this many degrees of vertical reads as a 1 (MNIST 1s lean up to about 45)."""

MAX_TRIES = 200
"""Draws a kind makes for one acceptable crop before it gives up (RuntimeError)."""

Raw = np.ndarray
KindFunction = Callable[[np.random.Generator, np.ndarray], Raw]
"""Draws one raw crop of a kind from a generator and the MNIST digits (unused by most kinds)."""


# --- shape checks ------------------------------------------------------------------------------


def is_bar(mask: np.ndarray, limit: float = _BAR_RATIO) -> bool:
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


def has_loop(mask: np.ndarray, share: float = 0.08) -> bool:
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


def tight(ink: np.ndarray, level: float = 0.1) -> np.ndarray:
    """The ink's bounding box (the whole image when it has no ink)."""
    x, y, w, h = cv2.boundingRect((ink > level * max(float(ink.max()), 1e-6)).view(np.uint8))
    if w == 0:
        return ink
    return ink[y : y + h, x : x + w]


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Zero-mean, unit-ish noise varying smoothly over ``cell`` pixels (upsampled coarse noise)."""
    h, w = shape
    coarse = rng.standard_normal((max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)))
    return cv2.resize(coarse.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def gradient(rng: np.random.Generator, shape: tuple[int, int], amount: float) -> np.ndarray:
    """A linear light gradient across the crop, ``amount`` grey levels from edge to edge."""
    h, w = shape
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (xs - w / 2) * np.cos(angle) + (ys - h / 2) * np.sin(angle)
    return ramp * np.float32(amount / max(h, w, 1))


def on_paper(rng: np.random.Generator, ink: np.ndarray, faint: bool = False) -> np.ndarray:
    """Ink (float, 1 = full ink) as a camera sees it on paper: dark on light grey uint8.

    Paper 130-245 grey with a soft gradient, the pen 50+ levels darker (``faint``: 25+, for
    printed rulings), some optics blur and, mostly, mild sensor grain.
    """
    shape = ink.shape
    paper = rng.uniform(130.0, 245.0)
    low_contrast = 25.0 if faint else 50.0
    pen = rng.uniform(5.0, paper - low_contrast)
    grey = paper - ink.astype(np.float32) * np.float32(paper - pen)
    grey = grey + gradient(rng, shape, rng.uniform(0.0, 14.0))
    if rng.random() < 0.3:
        grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.4, 1.0))
    if rng.random() < 0.8:
        sigma = rng.uniform(0.5, 3.5)
        grey = grey + rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma)
    return np.clip(grey, 0, 255).astype(np.uint8)


def camera_side(rng: np.random.Generator) -> int:
    return int(rng.integers(SIDE_RANGE[0], SIDE_RANGE[1] + 1))


def camera_crop(rng: np.random.Generator, ink: np.ndarray, faint: bool = False) -> np.ndarray:
    """Cut around the ink as the finder does and render it at a random camera size.

    The ink's box is scaled to a 20-120 px long side and given a margin of paper of 5-35% of
    that side on each edge (the finder pads its crops), then drawn by :func:`on_paper`.
    """
    ink = tight(np.asarray(ink, np.float32))
    side = camera_side(rng)
    h, w = ink.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    ink = cv2.resize(ink, size, interpolation=interpolation)
    t, b, left, r = (int(round(side * m)) for m in rng.uniform(0.05, 0.35, 4))
    ink = cv2.copyMakeBorder(ink, t, b, left, r, cv2.BORDER_CONSTANT, value=0.0)
    return on_paper(rng, np.clip(ink, 0.0, 1.0), faint)


def warp(
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


def elastic(rng: np.random.Generator, ink: np.ndarray, amount: float) -> np.ndarray:
    """A smooth random displacement of up to ``amount`` of the size: a hand's wobble."""
    h, w = ink.shape
    reach = np.float32(amount * max(h, w))
    dx = smooth_noise(rng, (h, w), max(h, w) / 3) * reach
    dy = smooth_noise(rng, (h, w), max(h, w) / 3) * reach
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return cv2.remap(ink, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0)


def chaikin(points: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Smooth a polyline by corner cutting (ends kept): hand-drawn curves from a few points."""
    for _ in range(rounds):
        p, q = points[:-1], points[1:]
        cut = np.empty((2 * len(p), 2))
        cut[0::2] = 0.75 * p + 0.25 * q
        cut[1::2] = 0.25 * p + 0.75 * q
        points = np.vstack([points[:1], cut, points[-1:]])
    return points


def box_strokes(rng: np.random.Generator, strokes: Sequence[np.ndarray]) -> np.ndarray:
    """Strokes drawn in a 100x100 box, on a 110 px canvas at a random pen width of 3-10 px."""
    return polylines((110, 110), [p + 5 for p in strokes], int(rng.integers(3, 11)))


def polylines(shape: tuple[int, int], strokes: Sequence[np.ndarray], thickness: int) -> np.ndarray:
    """Anti-aliased strokes (float (x, y) points) on a blank float canvas, ink 1."""
    canvas = np.zeros(shape, np.uint8)
    s = 4  # fractional bits
    polys = [np.round(np.asarray(p) * (1 << s)).astype(np.int32) for p in strokes]
    cv2.polylines(canvas, polys, False, 255, max(1, thickness), cv2.LINE_AA, shift=s)
    return canvas.astype(np.float32) * np.float32(1 / 255)
