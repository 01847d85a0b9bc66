"""The one preprocessing function shared by training and runtime.

Every digit the model ever sees, an MNIST training digit in ``train.py`` or a crop cut from a
camera frame, goes through :func:`normalize_digit`. It rebuilds the way MNIST itself was made
(LeCun et al.): take the ink's bounding box, scale its longest side into a fixed inner box keeping
the aspect ratio, and place it on the canvas so that its centre of mass sits at the centre. Here
the canvas is 64x64 and the inner box 40 px (MNIST: 20 of 28).

The output is a ``uint8`` image, ink bright (255 at its strongest) on a black (0) background:
exactly the units the models take as input.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

CANVAS = 64
"""Side of the model's square input, in pixels."""

INNER_BOX = 40
"""The ink's longest side is scaled to this many pixels (MNIST: 20 of 28)."""

SINGLE_DIGIT_SIDE = 128
"""An image no larger than this on both sides is taken as one digit filling it (a crop from
a dataset, a digit drawn on a pad): there is no page to look for digits on."""

INK_THRESHOLD = 0.2
"""Fraction of the crop's ink contrast above which a pixel counts for the bounding box."""

MIN_CONTRAST = 0.02
"""Below this contrast (fraction of full scale) a crop is taken as blank."""

_WORK_SIDE = 512
"""Crops larger than this are first shrunk to it, so a huge crop costs little time or memory."""

Ink = Literal["bright", "dark"]


def _to_gray(crop: np.ndarray) -> np.ndarray:
    if crop.ndim == 3 and crop.shape[2] == 1:
        return crop[:, :, 0]
    if crop.ndim == 3 and crop.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if crop.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        if crop.dtype == np.float64 or crop.dtype == bool:
            crop = crop.astype(np.float32)
        return cv2.cvtColor(np.ascontiguousarray(crop), code)
    if crop.ndim == 2:
        return crop
    raise ValueError(
        f"a digit crop must be a 2-D grayscale image or an image with 1, 3 or 4 channels, "
        f"got shape {crop.shape}"
    )


def _to_unit_float(gray: np.ndarray) -> np.ndarray:
    """Scale a grayscale image of any supported dtype to float32 in [0, 1]."""
    if gray.dtype == bool:
        return gray.astype(np.float32)
    if gray.dtype == np.uint8:
        return gray.astype(np.float32) * (1.0 / 255.0)
    if gray.dtype == np.uint16:
        return gray.astype(np.float32) * (1.0 / 65535.0)
    if np.issubdtype(gray.dtype, np.floating):
        return np.clip(np.nan_to_num(gray.astype(np.float32)), 0.0, 1.0)
    raise ValueError(
        f"a digit crop must be uint8, uint16, bool or float (0..1), got dtype {gray.dtype}"
    )


def _shrink(image: np.ndarray, side: int) -> np.ndarray:
    """Shrink an image so its longest side is at most ``side`` (area averaging)."""
    h, w = image.shape
    scale = side / max(h, w)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def median(values: np.ndarray) -> float:
    """The median, as ``np.median`` gives it, by partition (several times faster on the few
    dozen or hundred values of a crop's border or a candidate's strokes)."""
    n = values.size
    half = n // 2
    if n % 2:
        return float(np.partition(values, half)[half])
    low, high = np.partition(values, (half - 1, half))[half - 1 : half + 1]
    return 0.5 * (float(low) + float(high))


def ink_map(crop: np.ndarray, ink: Ink) -> np.ndarray:
    """Return the crop as float32 ink strength in [0, 1]: 0 is background, 1 the strongest ink.

    The background level is the median of the crop's border (a crop has paper around the digit),
    but never above the midpoint between the faintest and strongest values, so a crop that is
    nearly all ink (a tight crop of a thick ``1``) still keeps its ink. Contrast is stretched so
    the strongest ink is 1. A crop with no contrast at all is blank.
    """
    if ink not in ("bright", "dark"):
        raise ValueError(f"ink must be 'bright' or 'dark', got {ink!r}")
    crop = np.asarray(crop)
    if crop.size == 0:
        return np.zeros((0, 0), np.float32)
    gray = _to_gray(crop)
    if max(gray.shape) > _WORK_SIDE:
        if gray.dtype == bool:
            gray = gray.astype(np.uint8) * np.uint8(255)
        gray = _shrink(gray, _WORK_SIDE)
    if ink == "dark" and gray.dtype == np.uint8:
        values = cv2.bitwise_not(gray).astype(np.float32) * np.float32(1.0 / 255.0)
    else:
        values = _to_unit_float(gray)
        if ink == "dark":
            values = 1.0 - values
    floor, peak, _, _ = cv2.minMaxLoc(values)
    if peak - floor < MIN_CONTRAST:
        return np.zeros_like(values)
    border = np.concatenate([values[0], values[-1], values[:, 0], values[:, -1]])
    background = min(median(border), 0.5 * (floor + peak))
    gain = 1.0 / (peak - background)
    # (values - background) * gain, below-background clipped to 0, in two OpenCV calls (the
    # strongest ink lands on 1, give or take a rounding).
    stretched = cv2.addWeighted(values, gain, values, 0.0, -background * gain)
    return cv2.threshold(stretched, 0.0, 0.0, cv2.THRESH_TOZERO)[1]


def normalize_digit(crop: np.ndarray, ink: Ink) -> np.ndarray:
    """Turn one digit crop into the model's 64x64 ``uint8`` input, MNIST-style.

    Args:
        crop: grayscale (H, W) or colour (H, W, 3|4, BGR order) image of one digit, any size,
            dtype uint8, uint16, bool or float in [0, 1].
        ink: ``"bright"`` when the ink is lighter than the background (MNIST, a binary mask),
            ``"dark"`` for pen on paper as a camera sees it.

    Returns:
        (64, 64) uint8, ink bright on black, the ink's longest side scaled to 40 px with its
        aspect ratio kept, centred by centre of mass, strongest ink at 255. A crop with no ink
        (empty, uniform, too faint) gives an all-zero image.
    """
    values = ink_map(crop, ink)
    blank = np.zeros((CANVAS, CANVAS), np.uint8)
    if values.size == 0:
        return blank
    x, y, w, h = cv2.boundingRect((values > INK_THRESHOLD).view(np.uint8))
    if w == 0:
        return blank
    body = values[y : y + h, x : x + w]

    scale = INNER_BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    patch = cv2.resize(body, size, interpolation=interpolation)
    moments = cv2.moments(patch)
    total = moments["m00"]
    if total <= 0.0:
        return blank

    pw, ph = size
    com_x, com_y = moments["m10"] / total, moments["m01"] / total
    # Sub-pixel placement: a whole-pixel shift would move thin strokes by up to half a pixel
    # depending on rounding, so the same digit at two sizes would not line up.
    top = min(max(CANVAS / 2 - 0.5 - com_y, 0.0), float(CANVAS - ph))
    left = min(max(CANVAS / 2 - 0.5 - com_x, 0.0), float(CANVAS - pw))
    shift = np.array([[1.0, 0.0, left], [0.0, 1.0, top]], np.float32)
    placed = cv2.warpAffine(patch, shift, (CANVAS, CANVAS), flags=cv2.INTER_LINEAR)
    _, peak, _, _ = cv2.minMaxLoc(placed)
    if peak <= 0.0:
        return blank
    # Strongest ink to 255; convertScaleAbs rounds and saturates (all values are >= 0 here).
    return cv2.convertScaleAbs(placed, alpha=255.0 / peak)


def normalize_digits(crops: list[np.ndarray] | np.ndarray, ink: Ink) -> np.ndarray:
    """Normalize many crops; returns an (N, 64, 64) uint8 batch (N may be 0)."""
    batch = np.zeros((len(crops), CANVAS, CANVAS), np.uint8)
    for i, crop in enumerate(crops):
        batch[i] = normalize_digit(crop, ink)
    return batch


def guess_ink(image: np.ndarray) -> Ink:
    """Guess the polarity of a single-digit image: dark ink when its border is the lighter part.

    For images from outside camdigit whose polarity the user did not state; camdigit's own
    pipeline always knows it and passes it explicitly.
    """
    values = _to_unit_float(_to_gray(np.asarray(image)))
    if values.size == 0:
        return "bright"
    border = np.concatenate([values[0], values[-1], values[:, 0], values[:, -1]])
    return "dark" if float(np.median(border)) > float(values.mean()) else "bright"
