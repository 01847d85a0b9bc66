"""MNIST 1s and 7s redrawn as Europeans write them: a 1 with a long flag and often a foot, a 7
with a bar through its stem; and 1s whose stem ends in a tail curling up to the right, as a hand
finishing the stroke writes them (often with a marker's blob where the pen landed on top).

All follow the digit's own geometry (the ink's main axis and top-most ink for the 1s, the stem
and the top bar's slope for the 7), take its stroke width, and go through
:func:`camdigit.core.preprocess.normalize_digits` (``ink="bright"``) as the plain MNIST digits
do. numpy and OpenCV only.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.core.preprocess import normalize_digits
from camdigit.training.negative_render import chaikin
from camdigit.training.pens import INK_THRESHOLD, WORK_SCALE, stroke_width

_PAD = 10
"""Paper added around a 28 px digit before the flag, foot or bar is drawn, so none is clipped."""


def _work_image(digit: np.ndarray) -> np.ndarray:
    """A digit padded and upsampled by ``WORK_SCALE``: uint8, ink bright, room to draw."""
    padded = np.pad(np.asarray(digit, np.uint8), _PAD)
    side = padded.shape[0] * WORK_SCALE, padded.shape[1] * WORK_SCALE
    return cv2.resize(padded, (side[1], side[0]), interpolation=cv2.INTER_LINEAR)


def _stem(
    mask: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float] | None:
    """The ink's main axis: (top point, bottom point, unit downward direction, stroke width,
    length from top to bottom).

    The top and bottom are the ink's extreme points along the axis (a few pixels averaged), so
    a flag starts where the pen started and a foot sits where the stem ends, even when the 1 is
    slanted.
    """
    ys, xs = np.nonzero(mask)
    if len(xs) < 10:
        return None
    points = np.stack([xs, ys], 1).astype(np.float64)
    centre = points.mean(0)
    _, vectors = np.linalg.eigh(np.cov((points - centre).T))
    down = vectors[:, 1]
    if down[1] < 0:
        down = -down
    along = (points - centre) @ down
    length = float(along.max() - along.min())
    width = float(len(points)) / max(length, 1.0)
    near = max(width, 2.0)
    top = points[along <= along.min() + near].mean(0)
    bottom = points[along >= along.max() - near].mean(0)
    return top, bottom, down, width, float(np.linalg.norm(bottom - top))


def _jittered_stroke(
    rng: np.random.Generator, start: np.ndarray, end: np.ndarray, bend: float
) -> np.ndarray:
    """A slightly bent stroke from ``start`` to ``end`` (a pen never draws a perfect line)."""
    normal = np.array([-(end - start)[1], (end - start)[0]])
    t = np.linspace(0.0, 1.0, 9)[:, None]
    offset = np.sin(np.pi * t) * rng.uniform(-bend, bend)
    return start + (end - start) * t + normal * offset


def _draw_strokes(image: np.ndarray, strokes: list[np.ndarray], width: float) -> np.ndarray:
    """Strokes drawn into a copy of ``image`` at full ink, softened like the upsampled digit."""
    layer = np.zeros_like(image)
    s = 4  # fractional bits for sub-pixel coordinates
    polys = [np.round(stroke * (1 << s)).astype(np.int32) for stroke in strokes]
    cv2.polylines(layer, polys, False, 255, max(1, round(width)), cv2.LINE_AA, shift=s)
    layer = cv2.GaussianBlur(layer, (0, 0), 0.4 * WORK_SCALE)
    return np.maximum(image, layer)


def _flag_direction(rng: np.random.Generator, down: np.ndarray) -> np.ndarray:
    """Direction of a 1's flag: down to the left, 20-55 degrees below the horizontal, and at
    least 35 degrees off the stem (on a 1 leaning right a steep flag would double the stem)."""
    for _ in range(20):
        below = np.radians(rng.uniform(20.0, 55.0))
        flag = np.array([-np.cos(below), np.sin(below)])
        if flag @ down <= np.cos(np.radians(35.0)):
            return flag
    return np.array([-np.cos(np.radians(12.0)), np.sin(np.radians(12.0))])


def _flag(
    rng: np.random.Generator,
    top: np.ndarray,
    down: np.ndarray,
    width: float,
    length: tuple[float, float],
    height: float,
) -> np.ndarray:
    """A 1's flag: from just above the stem's top down to the left, ``length`` (a range, in
    shares of the stem's ``height``) long."""
    end = top + _flag_direction(rng, down) * rng.uniform(*length) * height
    return _jittered_stroke(rng, top - down * 0.3 * width, end, 0.08)


def _european_one(rng: np.random.Generator, digit: np.ndarray) -> np.ndarray:
    image = _work_image(digit)
    stem = _stem(image > INK_THRESHOLD * 255)
    if stem is None:
        return image
    top, bottom, down, width, height = stem
    width *= rng.uniform(0.85, 1.15)
    strokes = [_flag(rng, top, down, width, (0.25, 0.5), height)]
    upright = abs(down[0]) < np.sin(np.radians(15.0))
    if upright and rng.random() < 0.6:  # a foot: on a leaning stem it would make a Z
        tilt = np.radians(rng.uniform(-5.0, 5.0))
        foot = np.array([np.cos(tilt), np.sin(tilt)])
        left_end = bottom - foot * rng.uniform(0.12, 0.25) * height
        right_end = bottom + foot * rng.uniform(0.12, 0.25) * height
        strokes.append(_jittered_stroke(rng, left_end, right_end, 0.04))
    return _draw_strokes(image, strokes, width)


def european_ones(rng: np.random.Generator, ones: np.ndarray) -> np.ndarray:
    """MNIST 1s given a European flag and often a foot: (N, 28, 28) -> (N, 64, 64) normalized.

    The flag runs from the stem's top down to the left, 25-50% of the stem's height, 20-55
    degrees below the horizontal and clearly off the stem; an upright 1 often (60%) gets a foot
    across its bottom. Both start where the stem does and take its stroke width, so the 1 looks
    written, not stamped.
    """
    return normalize_digits([_european_one(rng, one) for one in ones], ink="bright")


def _hook(
    rng: np.random.Generator, bottom: np.ndarray, down: np.ndarray, height: float
) -> np.ndarray:
    """A tail leaving the stem's bottom: down along the stem, then curling right and up.

    It ends 15-28% of the height to the right and 7-18% above the bottom: a curl, never a loop
    (a loop would make a 6), never as long as a 7's bar, and rising (a flat foot is an L).
    """
    right = np.array([down[1], -down[0]])
    reach = rng.uniform(0.15, 0.28) * height
    rise = rng.uniform(0.07, 0.18) * height
    points = np.array(
        [
            bottom - down * rng.uniform(0.12, 0.2) * height,
            bottom + right * 0.02 * height,
            bottom + right * 0.55 * reach + down * 0.01 * height,
            bottom + right * reach - down * rise,
        ]
    )
    points = points + rng.normal(0.0, 0.01 * height, points.shape)
    return chaikin(points, 3)


def _hooked_one(rng: np.random.Generator, digit: np.ndarray) -> np.ndarray:
    image = _work_image(digit)
    stem = _stem(image > INK_THRESHOLD * 255)
    if stem is None:
        return image
    top, bottom, down, width, height = stem
    if abs(down[0]) > np.sin(np.radians(20.0)):  # on a leaning stem a tail makes a 2 or an L
        return image
    width *= rng.uniform(0.85, 1.15)
    strokes = [_hook(rng, bottom, down, height)]
    if rng.random() < 0.25:  # some with a short flag as well
        strokes.append(_flag(rng, top, down, width, (0.15, 0.3), height))
    image = _draw_strokes(image, strokes, width)
    if rng.random() < 0.3:  # the blob a marker leaves where it landed
        radius = max(1, round(rng.uniform(0.55, 0.8) * width))
        centre = np.round(top + down * radius).astype(int)
        cv2.circle(image, (int(centre[0]), int(centre[1])), radius, 255, -1, cv2.LINE_AA)
    marker = rng.uniform(0.13, 0.2) * height  # a marker's stroke, of the 1's height
    if rng.random() < 0.4 and marker > width + 2:
        grow = round((marker - width) / 2)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
        image = cv2.dilate(image, kernel)
    return image


def hooked_ones(rng: np.random.Generator, ones: np.ndarray) -> np.ndarray:
    """MNIST 1s whose stem ends in a tail curling up to the right: (N, 28, 28) -> (N, 64, 64).

    The tail follows the stem's own axis and stroke width; some get a short flag (25%), a
    marker's blob on top (30%) or are thickened to a marker's stroke of 13-20% of their height
    (40%). A 1 leaning more than 20 degrees is left plain: its tail would make a 2 or an L.
    Such 1s (the bundled demo photo's "71" ends in one) otherwise read as 6s.
    """
    return normalize_digits([_hooked_one(rng, one) for one in ones], ink="bright")


def _top_slope(mask: np.ndarray) -> float:
    """Slope (dy/dx) of a 7's top bar: a line through the top-most ink of the left 70%."""
    columns = np.nonzero(mask.any(0))[0]
    if len(columns) < 4:
        return 0.0
    columns = columns[: max(2, int(0.7 * len(columns)))]
    tops = mask[:, columns].argmax(0)
    slope = float(np.polyfit(columns, tops, 1)[0])
    return float(np.clip(slope, -0.25, 0.25))


def _crossed_seven(rng: np.random.Generator, digit: np.ndarray) -> np.ndarray:
    image = _work_image(digit)
    mask = image > INK_THRESHOLD * 255
    rows = np.nonzero(mask.any(1))[0]
    if len(rows) < 10:
        return image
    y0, y1 = int(rows[0]), int(rows[-1])
    height = float(y1 - y0)
    y = int(round(y0 + rng.uniform(0.45, 0.6) * height))
    line = mask[y].astype(np.int8)
    edges = np.diff(np.concatenate([[0], line, [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    if len(starts) == 0:
        return image
    widest = int(np.argmax(ends - starts))  # the stem's crossing of this row
    x = 0.5 * (starts[widest] + ends[widest] - 1)
    width = stroke_width(mask) * rng.uniform(0.85, 1.15)
    slope = _top_slope(mask) + rng.uniform(-0.08, 0.08)
    direction = np.array([1.0, slope]) / np.hypot(1.0, slope)
    centre = np.array([x, float(y)])
    left = centre - direction * rng.uniform(0.15, 0.3) * height
    right = centre + direction * rng.uniform(0.12, 0.28) * height
    return _draw_strokes(image, [_jittered_stroke(rng, left, right, 0.04)], max(width, 2.0))


def crossed_sevens(rng: np.random.Generator, sevens: np.ndarray) -> np.ndarray:
    """MNIST 7s with a bar through the stem's middle: (N, 28, 28) -> (N, 64, 64) normalized.

    The bar crosses the stem at 45-60% of the ink's height, parallel to the 7's own top bar
    (with a little jitter), 27-58% of the height long and as wide as the digit's stroke.
    """
    return normalize_digits([_crossed_seven(rng, seven) for seven in sevens], ink="bright")
