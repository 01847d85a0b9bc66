"""Negatives from the paper and what lies under it: ruled lines, graph-paper grids, ink blots and
smudges, textured surfaces (wood, cloth, carpet, plaster) and empty paper.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.training.negative_render import (
    MAX_TRIES,
    SIDE_RANGE,
    KindFunction,
    Raw,
    camera_crop,
    camera_side,
    gradient,
    is_bar,
    on_paper,
    polylines,
    smooth_noise,
)

# --- paper features ----------------------------------------------------------------------------


def _full_line(shape: tuple[int, int], point: np.ndarray, angle_deg: float) -> np.ndarray:
    """A segment through ``point`` at ``angle_deg`` reaching past both edges of the crop."""
    d = np.array([np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))])
    reach = 2.0 * max(shape)
    return np.stack([point - reach * d, point + reach * d])


def _line(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Ruled lines as a finder crops them: one or two long thin bars, maybe a margin line."""
    w = camera_side(rng)
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
    ink = polylines((h, w), strokes, thickness) * np.float32(rng.uniform(0.6, 1.0))
    if margin:
        x = w * rng.uniform(0.3, 0.7)
        margin_ink = polylines(
            (h, w), [_full_line((h, w), np.array([x, h / 2]), 90.0)], int(rng.integers(1, 3))
        )
        ink = np.maximum(ink, margin_ink * np.float32(rng.uniform(0.5, 1.0)))
    return on_paper(rng, ink, faint=True)


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
    ink = polylines((h, side), strokes, 1 if rng.random() < 0.75 else 2)
    return on_paper(rng, ink * np.float32(rng.uniform(0.5, 1.0)), faint=True)


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
    ink: np.ndarray = canvas.astype(np.float32) / 255
    if kind == 3:  # smudge: blurred, faint
        ink = cv2.GaussianBlur(ink, (0, 0), rng.uniform(3, 8)) * np.float32(rng.uniform(0.4, 0.8))
    elif kind == 4:  # stain: uneven density
        density = np.clip(0.7 + 0.3 * smooth_noise(rng, ink.shape, 20), 0.3, 1.0)
        ink = cv2.GaussianBlur(ink * density, (0, 0), rng.uniform(0.5, 2.0))
    return ink


def _blob(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Ink blots, smudges, filled ellipses, dots and stains."""
    for _ in range(MAX_TRIES):
        ink = _blob_shape(rng)
        if not is_bar(ink > 0.5 * ink.max()):
            return camera_crop(rng, ink)
    raise RuntimeError("no blob found")


# --- surfaces ----------------------------------------------------------------------------------


def _surface_shape(rng: np.random.Generator) -> tuple[int, int]:
    side = camera_side(rng)
    other = max(12, int(round(side * rng.uniform(0.6, 1.0))))
    return (side, other) if rng.random() < 0.5 else (other, side)


def _texture_field(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """A zero-mean texture: noise, wood grain, weave, carpet speckle or plaster."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    kind = int(rng.integers(5))
    field: np.ndarray
    if kind == 0:  # filtered noise
        field = cv2.GaussianBlur(
            rng.standard_normal(shape, dtype=np.float32), (0, 0), rng.uniform(0.5, 3.0)
        )
    elif kind == 1:  # wood: warped stripes along a random direction
        a = rng.uniform(0, np.pi)
        u = xs * np.cos(a) + ys * np.sin(a)
        warp = smooth_noise(rng, shape, rng.uniform(8, 30)) * rng.uniform(2, 6)
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
        field = cv2.GaussianBlur(field, (0, 0), rng.uniform(0.6, 1.5)) + 0.5 * smooth_noise(
            rng, shape, rng.uniform(6, 20)
        )
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
    grey = rng.uniform(60, 210) + field + gradient(rng, shape, rng.uniform(0, 20))
    return np.clip(grey, 0, 255).astype(np.uint8)


def _empty(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """Empty paper: near-uniform, with grain, a soft gradient and faint unevenness."""
    shape = _surface_shape(rng)
    grey = rng.uniform(110, 245) + gradient(rng, shape, rng.uniform(0, 12))
    grey = grey + smooth_noise(rng, shape, rng.uniform(10, 40)) * np.float32(rng.uniform(0, 2))
    grey = grey + rng.standard_normal(shape, dtype=np.float32) * np.float32(rng.uniform(0.3, 3))
    return np.clip(grey, 0, 255).astype(np.uint8)


SURFACE_KIND_FUNCTIONS: dict[str, KindFunction] = {
    "line": _line,
    "grid": _grid,
    "blob": _blob,
    "texture": _texture,
    "empty": _empty,
}
"""The paper and surface kinds and the function drawing one raw camera crop (dark ink) of each."""
