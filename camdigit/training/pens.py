"""MNIST digits redrawn with the pens MNIST lacks, as part of the training stream.

MNIST was written with one kind of pen and scanned at one size: after normalization every
stroke is about 5 px wide (of 64). A camera sees fine-liners at 100 px (a hairline after
normalization), ball pens at 16 px (a blurry, pixelated stroke) and markers whose stroke is a
fifth of the digit's height; and it sees European digits (a 1 with a long flag and a foot, a 7
with a bar) that MNIST barely has. Each function here takes MNIST digits (ink bright, 28x28),
redraws them that way at a camera size and returns them through
:func:`camdigit.core.preprocess.normalize_digits` (``ink="bright"``), the very function that the
plain MNIST digits go through, so the only difference the model can learn is the pen.

The redraws follow each digit's own geometry: its skeleton (vectorized Zhang-Suen thinning) for
the pens, its stem (the ink's main axis and top-most ink) for the 1's flag and foot and the 7's
bar. numpy and OpenCV only: no TensorFlow, so all of it is testable without it.

The thin and marker pens are here; the European 1s and crossed 7s are in
:mod:`camdigit.training.european_digits`.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from camdigit.core.preprocess import normalize_digits

Pen = Literal["thin", "marker"]

HEIGHT_RANGE = (16, 120)
"""Ink height in camera pixels at which a digit is redrawn (log-uniform)."""

THIN_WIDTH = (1.0, 2.0)
"""Stroke width of the thin pen in camera pixels."""

MARKER_SHARE = (0.12, 0.25)
"""Stroke width of the marker as a share of the digit's (ink) height."""

WORK_SCALE = 3
"""MNIST digits are upsampled this much before thinning, so the skeleton is smooth enough to be
redrawn at up to 120 px without visible steps (a 28 px digit's skeleton would zigzag)."""

_SUPERSAMPLE = 4
"""Pens are drawn this many times larger and shrunk by area averaging: anti-aliased strokes of
any (fractional) width, which ``cv2.polylines`` alone cannot draw."""

_CHUNK = 256
"""Digits thinned together in one vectorized pass (bounds the memory of the batch)."""

INK_THRESHOLD = 0.5
"""Ink threshold (of full scale) for the shape that is thinned or measured."""

# The 8 neighbours in Zhang-Suen order P2..P9 (north, then clockwise), as (dy, dx).
_RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _neighbours(padded: np.ndarray) -> list[np.ndarray]:
    h, w = padded.shape[-2] - 2, padded.shape[-1] - 2
    return [padded[..., 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy, dx in _RING]


def skeletonize(masks: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a boolean (H, W) or (N, H, W) array, to a 1 px wide skeleton.

    Vectorized over all pixels of all images at once (a sub-iteration is a few dozen array
    operations), iterated until nothing changes: a batch of digits costs about as many passes as
    its thickest stroke is wide, instead of a Python loop over pixels.
    """
    masks = np.asarray(masks, bool)
    pad = [(0, 0)] * (masks.ndim - 2) + [(1, 1), (1, 1)]
    image = np.pad(masks, pad)
    inner = image[..., 1:-1, 1:-1]  # a view: removals write through to ``image``
    while True:
        changed = False
        for step in (0, 1):
            p = _neighbours(image)
            count = np.sum(p, axis=0, dtype=np.uint8)
            ring = p + [p[0]]
            transitions = np.sum(
                [~a & b for a, b in zip(ring[:-1], ring[1:], strict=True)], axis=0, dtype=np.uint8
            )
            p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
            # Step 0 spares pixels on a south-east boundary or north-west corner, step 1 the
            # opposite: the two sub-iterations peel the shape evenly from both sides.
            first, second = (
                (p2 & p4 & p6, p4 & p6 & p8) if step == 0 else (p2 & p4 & p8, p2 & p6 & p8)
            )
            keep_side = first | second
            remove = inner & (count >= 2) & (count <= 6) & (transitions == 1) & ~keep_side
            if remove.any():
                inner[remove] = False
                changed = True
        if not changed:
            return inner.copy()


def stroke_width(image: np.ndarray) -> float:
    """Mean stroke width of an ink-bright image in pixels (0 when it has no ink).

    Twice the distance from the skeleton to the background, less the pixel the skeleton itself
    stands on: 1 for a 1 px line, w for a w px bar of odd w. Measures what a pen did, so tests
    can check a thin pen is thin and a marker is thick before normalization hides the scale.
    """
    image = np.asarray(image, np.float32)
    peak = float(image.max(initial=0.0))
    if peak <= 0.0:
        return 0.0
    mask = image > INK_THRESHOLD * peak
    skeleton = skeletonize(mask)
    if not skeleton.any():
        return 0.0
    distance = cv2.distanceTransform(mask.view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return float(2.0 * distance[skeleton].mean() - 1.0)


def _work_masks(digits: np.ndarray) -> np.ndarray:
    """The digits upsampled by ``WORK_SCALE`` and thresholded: smooth shapes to thin."""
    side = digits.shape[1] * WORK_SCALE, digits.shape[2] * WORK_SCALE
    out = np.empty((len(digits), side[0], side[1]), bool)
    for i, digit in enumerate(digits):
        big = cv2.resize(digit, (side[1], side[0]), interpolation=cv2.INTER_LINEAR)
        out[i] = big > INK_THRESHOLD * max(int(digit.max()), 1)
    return out


def _blobs(mask: np.ndarray, skeleton: np.ndarray) -> np.ndarray:
    """The parts of a digit much thicker than its stroke: loops MNIST's pen filled in.

    Thinning turns a filled loop (a 6 or 9 whose small loop is solid ink) into a line, and the
    redrawn digit would lose its loop and its label. These parts are redrawn filled instead.
    """
    distance = cv2.distanceTransform(mask.view(np.uint8), cv2.DIST_L2, 3)
    if not skeleton.any():
        return np.zeros_like(mask)
    reach = max(2.0 * float(np.median(distance[skeleton])), 3.0)
    core = distance > reach
    if not core.any():
        return np.zeros_like(mask)
    side = 2 * int(np.ceil(reach)) + 1
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    return cv2.dilate(core.view(np.uint8), disk).view(bool) & mask


def _skeletons(digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Skeletons and filled blobs of the digits, at ``WORK_SCALE``."""
    digits = np.asarray(digits, np.uint8)
    masks = _work_masks(digits)
    skeletons = np.empty_like(masks)
    for start in range(0, len(masks), _CHUNK):
        skeletons[start : start + _CHUNK] = skeletonize(masks[start : start + _CHUNK])
    blobs = np.stack([_blobs(m, k) for m, k in zip(masks, skeletons, strict=True)])
    return skeletons, blobs.reshape(masks.shape)


def _segments(skeleton: np.ndarray) -> np.ndarray:
    """Every pair of 8-adjacent skeleton pixels as a segment: (K, 2, 2) float (x, y) points."""
    pairs = []
    h, w = skeleton.shape
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        x0, x1 = max(0, -dx), w - max(0, dx)
        both = skeleton[: h - dy, x0:x1] & skeleton[dy:, x0 + dx : x1 + dx]
        ys, xs = np.nonzero(both)
        xs = xs + x0
        pairs.append(np.stack([np.stack([xs, ys], 1), np.stack([xs + dx, ys + dy], 1)], 1))
    segments = np.concatenate(pairs).astype(np.float32)
    if len(segments) == 0:  # isolated skeleton pixels: draw each as a dot
        ys, xs = np.nonzero(skeleton)
        points = np.stack([xs, ys], 1).astype(np.float32)
        segments = np.stack([points, points], 1)
    return segments


def _draw_skeleton(
    skeleton: np.ndarray, blobs: np.ndarray, height: float, width: float
) -> np.ndarray:
    """Redraw a skeleton so its ink is ``height`` px tall with a ``width`` px anti-aliased pen,
    and its filled ``blobs`` filled.

    Returns float32 ink in [0, 1] (ink bright) at camera size, with a margin of paper.
    """
    segments = _segments(skeleton)
    lo = segments.reshape(-1, 2).min(0)
    hi = segments.reshape(-1, 2).max(0)
    scale = max(height - width, 1.0) / max(float(hi[1] - lo[1]), 1.0)
    margin = width / 2 + 2.0
    w_px = int(np.ceil((hi[0] - lo[0]) * scale + 2 * margin))
    h_px = int(np.ceil((hi[1] - lo[1]) * scale + 2 * margin))
    s = _SUPERSAMPLE
    canvas = np.zeros((h_px * s, w_px * s), np.uint8)
    points = np.round(((segments - lo) * scale + margin) * s).astype(np.int32)
    thickness = max(1, round(width * s))
    cv2.polylines(canvas, list(points), False, 255, thickness, cv2.LINE_AA)
    if blobs.any():
        k = scale * s
        dx, dy = (margin - lo * scale) * s
        move = np.array([[k, 0, dx], [0, k, dy]], np.float32)
        filled = cv2.warpAffine(blobs.view(np.uint8) * np.uint8(255), move, canvas.shape[::-1])
        np.maximum(canvas, filled, out=canvas)
    small = cv2.resize(canvas, (w_px, h_px), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) * np.float32(1.0 / 255.0)


def _heights(rng: np.random.Generator, n: int) -> np.ndarray:
    low, high = HEIGHT_RANGE
    return np.exp(rng.uniform(np.log(low), np.log(high), n))


def redraw(rng: np.random.Generator, digits: np.ndarray, pen: Pen) -> list[np.ndarray]:
    """The digits redrawn at a random camera height with ``pen``, before normalization.

    Each is float32 ink in [0, 1] (ink bright), its ink 16-120 px tall: a thin pen 1-2 px wide,
    or a marker whose stroke is 12-25% of the ink's height. Exposed so tests can measure the
    pen where the scale is still known.
    """
    if pen not in ("thin", "marker"):
        raise ValueError(f"pen must be 'thin' or 'marker', got {pen!r}")
    skeletons, blobs = _skeletons(digits)
    heights = _heights(rng, len(skeletons))
    if pen == "thin":
        widths = rng.uniform(*THIN_WIDTH, len(skeletons))
    else:
        widths = rng.uniform(*MARKER_SHARE, len(skeletons)) * heights
    out = []
    for skeleton, blob, height, width in zip(skeletons, blobs, heights, widths, strict=True):
        if not skeleton.any():  # a blank digit stays blank
            out.append(np.zeros((int(height), int(height)), np.float32))
            continue
        out.append(_draw_skeleton(skeleton, blob, float(height), float(width)))
    return out


def thin_pen(rng: np.random.Generator, digits: np.ndarray) -> np.ndarray:
    """The digits as a fine-liner draws them: (N, 28, 28) ink bright -> (N, 64, 64) normalized.

    Skeleton redrawn 1-2 px wide (anti-aliased) at a camera height of 16-120 px, then
    normalized: a hairline when the digit was large, a blurry pixelated line when it was small.
    """
    return normalize_digits(redraw(rng, digits, "thin"), ink="bright")


def marker_pen(rng: np.random.Generator, digits: np.ndarray) -> np.ndarray:
    """The digits as a marker draws them: stroke 12-25% of the digit's height, normalized."""
    return normalize_digits(redraw(rng, digits, "marker"), ink="bright")
