"""Non-digit marks for synthetic pages: handwriting and print that must never be read as a digit.

A page in front of a camera holds more than numbers: letters, words, maths symbols, printed text,
crossed-out words and doodles. A digit reader must leave all of them alone, so the scene
generator (:mod:`benchmarks.scenes`) writes them beside the digits as hard negatives. A mark is
an ink coverage map (float32, 0..1, peak 1) trimmed to its ink with a 1 px pad, composited onto
the page like a digit.

Kinds (:data:`MARK_KINDS`), and the height of their ink box as a fraction of ``height``:

* ``letter`` (0.6..1.25): one handwritten letter of :data:`SAFE_LETTERS` (now and then a Greek
  one of :data:`GREEK_LETTERS`), from a small stroke font of print-style handwriting: every
  control point jittered, then slanted, rotated (up to 15 degrees), stretched unevenly and bent
  by a smooth wobble, drawn with a round pen ``stroke`` px wide. Lowercase letters without
  ascenders are written smaller than the others.
* ``word`` (0.6..1.25): 2..5 such letters written side by side (:data:`WORDS`); wider than tall.
* ``symbol`` (0.05..1.4): a handwritten maths sign drawn from strokes at its own natural size:
  ``+ - = . , : / ( ) x``, an integral sign, a square-root sign, pi. A dot is about two pen
  widths across, a minus half a height wide, a bracket or an integral taller than a letter.
* ``printed`` (0.6..1.1): upright, clean print from ``cv2.putText`` (a safe letter, a word or a
  short formula such as ``f(x)``). OpenCV 4 draws Hershey stroke fonts, with a pen of
  ``stroke`` px; OpenCV 5 draws an outline font, regular or bold as ``stroke`` is thin or thick
  for the size.
* ``crossing_out`` (0.6..1.2): a scribble over a box about a height tall and 1..3 heights wide:
  a dense zigzag, running loops, hatching or a tangled scrawl.
* ``doodle`` (0.1..1.3): a spiral, a star, an arrow, a wavy line, a cloud, a box with a cross,
  a smiley, a tick or an underline (an underline or a horizontal arrow is flat).

No mark is a closed single loop (it could be a 0), and no letter is one a person could take for
a digit (:data:`DIGIT_LIKE_LETTERS`). ``stroke`` is the pen width in output pixels. Marks are
drawn 2..4 times larger and reduced by area averaging, which anti-aliases their edges; a mark
takes well under a millisecond or two.

Handwriting does not come from OpenCV's Hershey script fonts: OpenCV 5 no longer has them
(``putText`` draws every Hershey font id from one outline font there), and a stroke font of our
own keeps the pen width exact and the marks the same on every OpenCV version.

    python -m benchmarks.marks OUT_DIR [--seed 0]

writes a sheet of marks per kind and a picture of every ground (:mod:`benchmarks.grounds`).
"""

from __future__ import annotations

import argparse
import functools
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

MARK_KINDS: tuple[str, ...] = ("letter", "word", "symbol", "printed", "crossing_out", "doodle")

DIGIT_LIKE_LETTERS = "OoQDIlijJSsZzbgqGBTtyY"
"""Letters a reader could take for a digit (0 1 2 5 6 7 8 9 and 4): never drawn."""

SAFE_LETTERS = "acdefhkmnpruvwx" + "ACEFHKMNPRUVWX"
"""The letters marks are written with."""

WORDS: tuple[str, ...] = (
    "dx", "max", "area", "arc", "cm", "mm", "km", "new", "near", "free", "even", "name", "cave",
    "have", "were", "here", "where", "make", "man", "run", "fun", "face", "race", "mean", "ref",
    "nr", "ex", "err", "ah", "hmm", "keep", "cream", "dream", "fake", "wake", "crane", "human",
    "pack", "deck", "drew", "dance", "under", "never", "ever", "award", "cheap", "peace", "knee",
    "hawk", "paper", "pen", "red", "mark", "mx", "du", "rev", "Mr", "Max", "Ken", "Area",
    "New", "AREA", "MAX", "FAX", "MAP", "NEW", "CAR", "ACME", "HEX", "WAX", "KM", "NaN", "Ex",
    "Hf", "Pa", "kPa",
)  # fmt: skip
"""Words written as ``word`` and ``printed`` marks: 2..5 letters of :data:`SAFE_LETTERS`."""

FORMULAS: tuple[str, ...] = ("f(x)", "x = a", "a + c", "(x)", "n * m", "a/c", "f(n)", "x, k")
"""Short printed formulas (letters with signs) among the ``printed`` marks."""

_X_HEIGHT = frozenset("acemnruvwx")
"""Lowercase letters with no ascender or descender: written smaller than the others."""

_PRINT_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
)

_SHIFT = 3
"""Fractional bits of the points handed to OpenCV's drawing functions."""

_PenPath = tuple[np.ndarray, float]
"""A pen path: points (N, 2) in output pixels, and its width as a multiple of the pen width."""


# ---------------------------------------------------------------------------------------------
# Public API


def render_mark(rng: np.random.Generator, kind: str, height: float, stroke: float) -> np.ndarray:
    """Ink coverage (float32, 0..1, 2-D) of one mark of ``kind``, trimmed to its ink plus 1 px.

    ``height`` is the mark's intended ink height in pixels (a letter or symbol about that tall; a
    word's letters about that tall, so a word is wider than tall), ``stroke`` the pen width in
    pixels (at least 1). See the module docstring for what each kind draws and how tall it is.
    """
    if kind not in _RENDERERS:
        raise ValueError(f"unknown mark kind {kind!r}; known kinds: {', '.join(MARK_KINDS)}")
    if height <= 0:
        raise ValueError(f"height must be positive, got {height}")
    return _RENDERERS[kind](rng, float(height), max(1.0, float(stroke)))


def random_mark(
    rng: np.random.Generator,
    height: float,
    stroke: float,
    kinds: Sequence[str] = MARK_KINDS,
) -> tuple[str, np.ndarray]:
    """A mark of a kind drawn from ``kinds``; returns (kind, coverage)."""
    if not kinds:
        raise ValueError("no mark kinds to choose from")
    kind = kinds[int(rng.integers(len(kinds)))]
    return kind, render_mark(rng, kind, height, stroke)


# ---------------------------------------------------------------------------------------------
# Rasterizing


def _supersampling(height: float) -> int:
    """How many canvas pixels make one output pixel: fewer for large marks, to stay fast."""
    return 4 if height <= 64 else 3 if height <= 100 else 2


def _finish(canvas: np.ndarray, ss: int) -> np.ndarray:
    """Reduce a uint8 canvas by ``ss`` to coverage with peak 1, trimmed to its ink plus 1 px."""
    h, w = canvas.shape
    canvas = canvas[: h - h % ss, : w - w % ss]
    small = cv2.resize(canvas, (w // ss, h // ss), interpolation=cv2.INTER_AREA)
    rows = np.flatnonzero(small.max(axis=1))
    cols = np.flatnonzero(small.max(axis=0))
    if not len(rows):
        raise RuntimeError("a mark came out without ink")
    ink = small[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32)
    ink *= np.float32(1.0 / ink.max())
    return np.pad(ink, 1)


def _rasterize(paths: Sequence[_PenPath], stroke: float, height: float) -> np.ndarray:
    """Draw pen paths (output pixel units) with an anti-aliased round pen of width ``stroke``."""
    ss = _supersampling(height)
    widest = max(mult for _, mult in paths)
    pad = stroke * widest / 2 + 2
    points = np.concatenate([p for p, _ in paths])
    low = points.min(axis=0) - pad
    w, h = np.ceil((points.max(axis=0) + pad - low) * ss).astype(int)
    canvas = np.zeros((h, w), np.uint8)
    for p, mult in paths:
        fixed = np.round((p - low) * (ss * (1 << _SHIFT))).astype(np.int32)
        thickness = max(1, round(stroke * mult * ss))
        cv2.polylines(canvas, [fixed], False, 255, thickness, cv2.LINE_AA, shift=_SHIFT)
    return _finish(canvas, ss)


# ---------------------------------------------------------------------------------------------
# Making strokes look handwritten


def _fit_height(
    paths: Sequence[_PenPath], span: float, shrink_only: bool = False
) -> list[_PenPath]:
    """Paths scaled so their points span ``span`` pixels from top to bottom (or at most that)."""
    ys = np.concatenate([p[:, 1] for p, _ in paths])
    scale = max(span, 1.0) / max(float(ys.max() - ys.min()), 1e-6)
    if shrink_only and scale >= 1:
        return list(paths)
    return [(p * scale, m) for p, m in paths]


def _path(points: Sequence[Sequence[float]], mult: float = 1.0) -> _PenPath:
    return np.asarray(points, dtype=np.float64), mult


def _chaikin(points: np.ndarray, iterations: int = 3) -> np.ndarray:
    """Smooth a control polygon into a curve by corner cutting; the ends stay put."""
    p = points
    for _ in range(iterations):
        q = np.empty((2 * (len(p) - 1), 2))
        q[0::2] = 0.75 * p[:-1] + 0.25 * p[1:]
        q[1::2] = 0.25 * p[:-1] + 0.75 * p[1:]
        p = np.vstack([points[:1], q, points[-1:]])
    return p


def _curve(points: Sequence[Sequence[float]], scale: float) -> np.ndarray:
    """A smooth curve through the control polygon ``points`` times ``scale``."""
    return _chaikin(np.asarray(points, dtype=np.float64) * scale)


def _densify(points: np.ndarray, spacing: float) -> np.ndarray:
    """Points every ``spacing`` pixels along a polyline, so a wobble can bend straight parts."""
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    if along[-1] <= spacing:
        return points
    at = np.linspace(0.0, along[-1], int(along[-1] / spacing) + 2)
    return np.column_stack([np.interp(at, along, points[:, i]) for i in range(2)])


def _affine(rng: np.random.Generator, rotate: float, shear: float, stretch: float) -> np.ndarray:
    """A random 2x2 map: rotation up to ``rotate`` degrees, slant, non-uniform scaling."""
    angle = math.radians(rng.uniform(-rotate, rotate))
    c, s = math.cos(angle), math.sin(angle)
    slant = rng.uniform(-shear, shear)
    sx, sy = rng.uniform(1 - stretch, 1 + stretch, 2)
    return np.array([[c, -s], [s, c]]) @ np.array([[1.0, slant], [0.0, 1.0]]) @ np.diag([sx, sy])


def _handwrite(
    rng: np.random.Generator,
    paths: Sequence[_PenPath],
    height: float,
    rotate: float = 15.0,
    shear: float = 0.25,
    wobble: float = 0.025,
) -> list[_PenPath]:
    """Paths slanted, rotated and stretched at random, then bent by a smooth wobble.

    The wobble is a sum of three long sinusoids over the page, the same for every path of the
    mark, so crossing strokes stay crossed and a hand's slow drift shows.
    """
    matrix = _affine(rng, rotate, shear, 0.1)
    spacing = max(1.0, height / 20)
    waves = rng.uniform(0, 2 * math.pi, (3, 2))
    lengths = height * rng.uniform(1.0, 2.5, (3, 1))
    directions = np.column_stack([np.cos(waves[:, 0]), np.sin(waves[:, 0])]) / lengths
    kicks = rng.normal(0, wobble * height, (3, 2))
    out = []
    for points, mult in paths:
        p = _densify(points, spacing) @ matrix.T
        phase = p @ directions.T * (2 * math.pi) + waves[:, 1]
        out.append((p + np.sin(phase) @ kicks, mult))
    return out


# ---------------------------------------------------------------------------------------------
# A handwriting stroke font
#
# Units: the ascender (and capital) line is y = 0, the x-height line y = 0.5, the baseline
# y = 1 and descenders reach y = 1.45; y grows downwards. "c" strokes are control polygons
# smoothed into curves, "l" strokes polylines whose corners stay sharp.

_Stroke = tuple[str, tuple[tuple[float, float], ...]]

_BOWL = ((0.44, 0.6), (0.32, 0.5), (0.12, 0.54), (0.02, 0.75), (0.08, 0.96), (0.26, 1.0),
         (0.44, 0.86))  # fmt: skip
_P_BOWL = ((0.03, 0.02), (0.3, 0.0), (0.5, 0.12), (0.5, 0.36), (0.3, 0.5), (0.03, 0.5))

_GLYPHS: dict[str, tuple[_Stroke, ...]] = {
    "a": (("c", _BOWL), ("l", ((0.46, 0.5), (0.46, 0.93), (0.53, 1.0)))),
    "c": (("c", ((0.42, 0.56), (0.3, 0.5), (0.12, 0.54), (0.02, 0.75), (0.1, 0.96), (0.28, 1.0),
                 (0.44, 0.92))),),
    "d": (("c", _BOWL), ("l", ((0.46, 0.0), (0.46, 0.93), (0.53, 1.0)))),
    "e": (("c", ((0.05, 0.76), (0.42, 0.73), (0.4, 0.56), (0.24, 0.5), (0.06, 0.58), (0.02, 0.78),
                 (0.12, 0.97), (0.3, 1.0), (0.44, 0.92))),),
    "f": (("c", ((0.45, 0.08), (0.35, 0.0), (0.22, 0.04), (0.18, 0.2), (0.18, 0.6), (0.18, 1.0))),
          ("l", ((0.02, 0.5), (0.38, 0.5)))),
    "h": (("l", ((0.05, 0.0), (0.05, 1.0))),
          ("c", ((0.05, 0.68), (0.18, 0.52), (0.35, 0.5), (0.45, 0.6), (0.46, 0.8), (0.46, 1.0)))),
    "k": (("l", ((0.05, 0.0), (0.05, 1.0))), ("l", ((0.42, 0.5), (0.06, 0.76), (0.45, 1.0)))),
    "m": (("l", ((0.03, 0.5), (0.03, 1.0))),
          ("c", ((0.03, 0.64), (0.14, 0.52), (0.26, 0.52), (0.32, 0.62), (0.32, 0.8), (0.32, 1.0))),
          ("c", ((0.32, 0.64), (0.43, 0.52), (0.55, 0.52), (0.61, 0.62), (0.61, 0.8),
                 (0.61, 1.0)))),
    "n": (("l", ((0.03, 0.5), (0.03, 1.0))),
          ("c", ((0.03, 0.66), (0.16, 0.52), (0.32, 0.51), (0.42, 0.6), (0.42, 0.8), (0.42, 1.0)))),
    "p": (("l", ((0.04, 0.5), (0.04, 1.45))),
          ("c", ((0.04, 0.62), (0.18, 0.5), (0.36, 0.52), (0.45, 0.72), (0.38, 0.94), (0.2, 1.0),
                 (0.04, 0.92)))),
    "r": (("l", ((0.04, 0.5), (0.04, 1.0))),
          ("c", ((0.04, 0.72), (0.14, 0.55), (0.26, 0.5), (0.36, 0.53)))),
    "u": (("c", ((0.02, 0.5), (0.02, 0.7), (0.04, 0.88), (0.14, 0.99), (0.28, 0.99), (0.4, 0.85),
                 (0.42, 0.5))),
          ("l", ((0.42, 0.5), (0.43, 1.0)))),
    "v": (("l", ((0.0, 0.5), (0.22, 1.0), (0.44, 0.5))),),
    "w": (("l", ((0.0, 0.5), (0.15, 1.0), (0.3, 0.62), (0.45, 1.0), (0.6, 0.5))),),
    "x": (("l", ((0.02, 0.5), (0.42, 1.0))), ("l", ((0.42, 0.5), (0.02, 1.0)))),
    "A": (("l", ((0.0, 1.0), (0.3, 0.0), (0.6, 1.0))), ("l", ((0.13, 0.62), (0.48, 0.62)))),
    "C": (("c", ((0.62, 0.15), (0.45, 0.0), (0.2, 0.04), (0.03, 0.3), (0.02, 0.7), (0.18, 0.97),
                 (0.45, 1.0), (0.64, 0.85))),),
    "E": (("l", ((0.5, 0.0), (0.02, 0.0), (0.02, 1.0), (0.52, 1.0))),
          ("l", ((0.02, 0.5), (0.4, 0.5)))),
    "F": (("l", ((0.5, 0.0), (0.02, 0.0), (0.02, 1.0))), ("l", ((0.02, 0.48), (0.38, 0.48)))),
    "H": (("l", ((0.02, 0.0), (0.02, 1.0))), ("l", ((0.55, 0.0), (0.55, 1.0))),
          ("l", ((0.02, 0.5), (0.55, 0.5)))),
    "K": (("l", ((0.03, 0.0), (0.03, 1.0))), ("l", ((0.5, 0.0), (0.04, 0.58))),
          ("l", ((0.18, 0.45), (0.52, 1.0)))),
    "M": (("l", ((0.0, 1.0), (0.05, 0.0), (0.35, 0.65), (0.65, 0.0), (0.7, 1.0))),),
    "N": (("l", ((0.02, 1.0), (0.02, 0.0), (0.55, 1.0), (0.55, 0.0))),),
    "P": (("l", ((0.03, 0.0), (0.03, 1.0))), ("c", _P_BOWL)),
    "R": (("l", ((0.03, 0.0), (0.03, 1.0))), ("c", _P_BOWL), ("l", ((0.22, 0.5), (0.55, 1.0)))),
    "U": (("c", ((0.02, 0.0), (0.02, 0.7), (0.12, 0.95), (0.3, 1.0), (0.48, 0.95), (0.58, 0.7),
                 (0.58, 0.0))),),
    "V": (("l", ((0.0, 0.0), (0.3, 1.0), (0.6, 0.0))),),
    "W": (("l", ((0.0, 0.0), (0.2, 1.0), (0.4, 0.35), (0.6, 1.0), (0.8, 0.0))),),
    "X": (("l", ((0.0, 0.0), (0.55, 1.0))), ("l", ((0.55, 0.0), (0.0, 1.0)))),
    # Greek letters
    "α": (("c", ((0.5, 0.52), (0.4, 0.75), (0.28, 0.98), (0.1, 0.98), (0.0, 0.8), (0.06, 0.58),
                 (0.2, 0.52), (0.32, 0.68), (0.42, 0.92), (0.52, 1.0))),),
    "μ": (("l", ((0.0, 0.5), (-0.02, 1.2))),
          ("c", ((0.0, 0.5), (0.01, 0.82), (0.09, 0.99), (0.22, 0.96), (0.32, 0.78), (0.34, 0.5))),
          ("c", ((0.34, 0.5), (0.35, 0.92), (0.4, 1.0), (0.46, 0.98)))),
    "ω": (("c", ((0.03, 0.52), (-0.03, 0.78), (0.06, 1.0), (0.19, 0.95), (0.25, 0.72), (0.3, 0.95),
                 (0.44, 1.0), (0.53, 0.78), (0.48, 0.52))),),
    "η": (("l", ((-0.05, 0.58), (0.02, 0.5), (0.06, 0.6), (0.06, 1.0))),
          ("c", ((0.06, 0.72), (0.15, 0.52), (0.28, 0.51), (0.33, 0.65), (0.33, 1.22)))),
    "ψ": (("l", ((0.25, 0.35), (0.25, 1.15))),
          ("c", ((0.0, 0.5), (0.02, 0.78), (0.12, 0.94), (0.25, 0.96), (0.38, 0.94), (0.48, 0.78),
                 (0.5, 0.5)))),
}  # fmt: skip

GREEK_LETTERS = "αμωηψ"
"""Handwritten Greek letters among the ``letter`` marks (none looks like a digit)."""


def _write_text(rng: np.random.Generator, text: str, jitter: float) -> list[_PenPath]:
    """Strokes of ``text`` in font units, each letter a little different, as a hand writes."""
    paths: list[_PenPath] = []
    x = 0.0
    for ch in text:
        if ch == " ":
            x += rng.uniform(0.2, 0.3)
            continue
        wide = rng.uniform(0.88, 1.12)
        lift = rng.normal(0, 0.015)
        right = 0.0
        for kind, points in _GLYPHS[ch]:
            p = np.array(points, dtype=np.float64) * (wide, 1.0) + (x, lift)
            p += rng.normal(0, jitter, p.shape)
            paths.append((_chaikin(p) if kind == "c" else p, 1.0))
            right = max(right, float(p[:, 0].max()))
        x = right + rng.uniform(0.08, 0.16)
    return paths


def _handwritten_text(
    rng: np.random.Generator, text: str, ink: float, stroke: float, rotate: float
) -> np.ndarray:
    """``text`` written by hand, its ink about ``ink`` px tall."""
    units = _write_text(rng, text, jitter=rng.uniform(0.008, 0.02))
    ys = np.concatenate([p[:, 1] for p, _ in units])
    scale = max(ink - stroke, 0.4 * ink) / max(float(ys.max() - ys.min()), 0.1)
    paths = [(p * scale, m) for p, m in units]
    return _rasterize(_handwrite(rng, paths, ink, rotate, 0.3, 0.015), stroke, ink)


# ---------------------------------------------------------------------------------------------
# Print

_TRUETYPE_TEXT = int(cv2.__version__.split(".")[0]) >= 5
"""OpenCV 5 draws putText's fonts from an outline font whose weight (regular or bold) the
thickness picks; OpenCV 4 draws Hershey stroke fonts with a pen as wide as the thickness."""


@functools.lru_cache(maxsize=4096)
def _skeleton_height(font: int, text: str) -> float:
    """Ink height of ``text`` drawn at font scale 1 with the thinnest pen."""
    scale = 4.0
    (w, h), base = cv2.getTextSize(text, font, scale, 1)
    img = np.zeros((h + base + 2 * h, w + 2 * h), np.uint8)
    cv2.putText(img, text, (h, 2 * h), font, scale, 255, 1, cv2.LINE_8)
    rows = np.flatnonzero(img.max(axis=1))
    return max(1.0, float(rows[-1] - rows[0])) / scale


def _text_height(rng: np.random.Generator, text: str, height: float) -> float:
    """Ink height a text is written at: smaller when it has no ascender or descender."""
    if all(ch in _X_HEIGHT for ch in text if ch.isalpha()):
        return height * rng.uniform(0.62, 0.85)
    return height * rng.uniform(0.82, 1.05)


def _print_text(text: str, font: int, ink: float, stroke: float, ss: int) -> np.ndarray:
    """A canvas with ``text`` printed ``ss`` times larger, its ink about ``ink`` px tall there."""
    if _TRUETYPE_TEXT:
        thickness, pen = (2 if stroke >= 0.1 * ink else 1), 0.0
    else:
        pen = min(stroke, max(1.0, 0.15 * ink))
        thickness = max(1, round(pen * ss))
    scale = max(ink - pen, 0.4 * ink) * ss / _skeleton_height(font, text)
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    margin = h // 3 + thickness
    canvas = np.zeros((h + base + 2 * margin, w + 2 * margin), np.uint8)
    cv2.putText(canvas, text, (margin, margin + h), font, scale, 255, thickness, cv2.LINE_AA)
    return canvas


# ---------------------------------------------------------------------------------------------
# Maths symbols, drawn from strokes (y grows downwards)


def _bar(rng: np.random.Generator, a: Sequence[float], b: Sequence[float], bend: float) -> _PenPath:
    """A straight stroke from a to b, its middle pushed sideways by up to ``bend`` pixels."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    normal = np.array([a[1] - b[1], b[0] - a[0]]) / max(np.linalg.norm(b - a), 1e-6)
    t = np.linspace(0, 1, 9)[:, None]
    sag = np.sin(np.pi * t) * rng.uniform(-bend, bend)
    return a + (b - a) * t + sag * normal, 1.0


def _sym_plus(rng: np.random.Generator, h: float) -> list[_PenPath]:
    s = h * rng.uniform(0.22, 0.33)
    j = rng.uniform(-0.1, 0.1, 4) * s
    return [_bar(rng, (-s, j[0]), (s, j[1]), 0.05 * s), _bar(rng, (j[2], -s), (j[3], s), 0.05 * s)]


def _sym_minus(rng: np.random.Generator, h: float) -> list[_PenPath]:
    w = h * rng.uniform(0.4, 0.6)
    return [_bar(rng, (0, 0), (w, rng.uniform(-0.05, 0.05) * w), 0.04 * w)]


def _sym_equals(rng: np.random.Generator, h: float) -> list[_PenPath]:
    w = h * rng.uniform(0.4, 0.6)
    gap = w * rng.uniform(0.3, 0.45)
    shift = rng.uniform(-0.1, 0.1, 2) * w
    return [_bar(rng, (0, 0), (w, 0), 0.04 * w), _bar(rng, (shift[0], gap), (w + shift[1], gap),
                                                      0.04 * w)]  # fmt: skip


def _dot(x: float, y: float) -> _PenPath:
    return _path([(x, y), (x + 0.1, y)], 2.0)


def _sym_dot(rng: np.random.Generator, h: float) -> list[_PenPath]:
    return [_dot(0.0, 0.0)]


def _sym_comma(rng: np.random.Generator, h: float) -> list[_PenPath]:
    s = h * rng.uniform(0.15, 0.25)
    tail = _curve([(0.0, 0.0), (0.05, 0.35), (-0.1, 0.8), (-0.35, 1.0)], s)
    return [_dot(0.0, 0.0), _path(tail, 1.2)]


def _sym_colon(rng: np.random.Generator, h: float) -> list[_PenPath]:
    gap = h * rng.uniform(0.25, 0.4)
    return [_dot(0.0, 0.0), _dot(rng.uniform(-0.1, 0.1) * gap, gap)]


def _sym_slash(rng: np.random.Generator, h: float) -> list[_PenPath]:
    t = h * rng.uniform(0.8, 1.1)
    return [_bar(rng, (0, t), (t * rng.uniform(0.35, 0.6), 0), 0.03 * t)]


def _sym_bracket(rng: np.random.Generator, h: float) -> list[_PenPath]:
    t = h * rng.uniform(0.95, 1.2) / 2
    a = t * rng.uniform(0.45, 0.7)
    theta = np.linspace(-1.2, 1.2, 24)
    side = 1 if rng.random() < 0.5 else -1
    arc = np.column_stack([side * a * (1 - np.cos(theta)), t * np.sin(theta) / math.sin(1.2)])
    return [(arc, 1.0)]


def _sym_times(rng: np.random.Generator, h: float) -> list[_PenPath]:
    s = h * rng.uniform(0.18, 0.26)
    return [_bar(rng, (-s, -s), (s, s), 0.05 * s), _bar(rng, (-s, s), (s, -s), 0.05 * s)]


def _sym_integral(rng: np.random.Generator, h: float) -> list[_PenPath]:
    t = h * rng.uniform(1.05, 1.3)
    points = [(0.4, 0.07), (0.33, 0.0), (0.26, 0.02), (0.22, 0.15), (0.2, 0.5), (0.18, 0.85),
              (0.14, 0.98), (0.07, 1.0), (0.0, 0.93)]  # fmt: skip
    return [_path(_curve(points, t))]


def _sym_root(rng: np.random.Generator, h: float) -> list[_PenPath]:
    t = h * rng.uniform(0.8, 1.05)
    top = rng.uniform(0.6, 1.3)
    points = [(0.0, 0.62), (0.12, 0.52), (0.3, 1.0), (0.5, 0.0), (0.5 + top, 0.0)]
    return [_path(np.asarray(points) * t)]


def _sym_pi(rng: np.random.Generator, h: float) -> list[_PenPath]:
    s = h * rng.uniform(0.5, 0.7)
    return [_path(_curve([(-0.05, 0.12), (0.2, 0.02), (0.6, 0.0), (1.0, -0.04)], s)),
            _path(_curve([(0.3, 0.02), (0.3, 0.5), (0.22, 1.0)], s)),
            _path(_curve([(0.68, 0.0), (0.68, 0.7), (0.78, 1.0), (0.9, 0.92)], s))]  # fmt: skip


_SYMBOLS: tuple[Callable[[np.random.Generator, float], list[_PenPath]], ...] = (
    _sym_plus, _sym_minus, _sym_equals, _sym_dot, _sym_comma, _sym_colon, _sym_slash,
    _sym_bracket, _sym_times, _sym_integral, _sym_root, _sym_pi,
)  # fmt: skip
_UPRIGHT_SYMBOLS = (_sym_minus, _sym_equals, _sym_dot, _sym_comma, _sym_colon, _sym_bracket)
"""Symbols whose shape a strong rotation or slant would spoil (a tilted bracket looks like a 1)."""


# ---------------------------------------------------------------------------------------------
# Crossing out


def _zigzag(rng: np.random.Generator, w: float, h: float, passes: int) -> list[_PenPath]:
    turns = max(7, int(w / (h * rng.uniform(0.1, 0.22))))
    xs = np.linspace(0, w, turns) + rng.normal(0, 0.2 * w / turns, turns)
    ys = np.where(np.arange(turns) % 2, h, 0.0) + rng.normal(0, 0.08 * h, turns)
    points = np.column_stack([xs, ys])
    if passes == 2:
        back = points[::-1] + rng.normal(0, 0.1 * h, points.shape) + (0, 0.05 * h)
        points = np.vstack([points, back])
    return [_path(points)]


def _loops(rng: np.random.Generator, w: float, h: float) -> list[_PenPath]:
    r = h / 2 * rng.uniform(0.8, 1.0)
    pitch = r * rng.uniform(0.25, 0.6)
    turns = w / pitch
    t = np.linspace(0, turns * 2 * np.pi, max(40, int(turns * 16)))
    x = pitch * t / (2 * np.pi) + r * np.cos(t) * rng.uniform(0.5, 1.0)
    y = r * np.sin(t) + rng.normal(0, 0.04 * h, t.size)
    return [_path(np.column_stack([x, y]))]


def _hatching(rng: np.random.Generator, w: float, h: float) -> list[_PenPath]:
    lean = h * rng.uniform(0.3, 0.8)
    count = max(5, int(w / (h * rng.uniform(0.1, 0.2))))
    paths = []
    for x in np.linspace(0, w, count):
        jx = rng.normal(0, 0.04 * h, 2)
        paths.append(_bar(rng, (x + jx[0], h), (x + lean + jx[1], 0), 0.05 * h))
    if rng.random() < 0.5:  # and the other way
        for x in np.linspace(0, w, count):
            paths.append(_bar(rng, (x + lean, h), (x, 0), 0.05 * h))
    return paths


def _scrawl(rng: np.random.Generator, w: float, h: float) -> list[_PenPath]:
    """A fast scribble: rounded swings of uneven size, forwards and back again."""
    count = max(10, int(rng.uniform(6, 10) * w / h))
    swing = np.arange(count) % 2
    lean = rng.uniform(-0.3, 0.3) * h
    passes = []
    for forwards in (True, False):
        xs = np.linspace(0, w, count) + rng.normal(0, 0.08 * h, count) + swing * lean
        ys = np.where(swing, rng.uniform(0.85, 1.15, count), rng.uniform(-0.15, 0.2, count))
        points = np.column_stack([xs, ys * h])
        passes.append(points if forwards else points[::-1])
    return [_path(_chaikin(np.vstack(passes), 2))]


def _render_crossing_out(rng: np.random.Generator, height: float, stroke: float) -> np.ndarray:
    h = height * rng.uniform(0.7, 1.0)
    w = height * rng.uniform(1.0, 3.0)
    style = int(rng.integers(5))
    if style <= 1:
        paths = _zigzag(rng, w, h, passes=style + 1)
    elif style == 2:
        paths = _loops(rng, w, h)
    elif style == 3:
        paths = _hatching(rng, w, h)
    else:
        paths = _scrawl(rng, w, h)
    paths = _handwrite(rng, paths, height, rotate=4.0, shear=0.1)
    return _rasterize(_fit_height(paths, h - stroke), stroke, height)


# ---------------------------------------------------------------------------------------------
# Doodles


def _spiral(rng: np.random.Generator, h: float) -> list[_PenPath]:
    turns = rng.uniform(2.0, 3.5)
    t = np.linspace(0, turns * 2 * np.pi, int(turns * 28))
    r = h / 2 * rng.uniform(0.8, 1.0) * (t / t[-1]) ** rng.uniform(0.8, 1.1)
    side = 1 if rng.random() < 0.5 else -1
    return [_path(np.column_stack([r * np.cos(t), side * r * np.sin(t)]))]


def _star(rng: np.random.Generator, h: float) -> list[_PenPath]:
    r = h / 2 * rng.uniform(0.85, 1.0)
    angles = -np.pi / 2 + np.arange(6) * 4 * np.pi / 5  # a pentagram in one stroke
    points = np.column_stack([np.cos(angles), np.sin(angles)]) * r
    return [_path(points + rng.normal(0, 0.04 * r, points.shape))]


def _arrow(rng: np.random.Generator, h: float) -> list[_PenPath]:
    length = h * rng.uniform(1.0, 2.2)
    bend = rng.uniform(-0.15, 0.15) * length
    shaft = _curve([(0, 0), (length / 2, bend), (length, 0)], 1.0)
    head = length * rng.uniform(0.12, 0.2)
    spread = rng.uniform(0.4, 0.7)
    wing = np.array([[-math.cos(spread), math.sin(spread)], [-math.cos(spread), -math.sin(spread)]])
    tip = shaft[-1]
    paths = [_path(shaft), _path([tip + wing[0] * head, tip, tip + wing[1] * head])]
    angle = rng.choice([0.0, math.pi, rng.uniform(-0.6, 0.6), math.pi + rng.uniform(-0.6, 0.6)])
    c, s = math.cos(angle), math.sin(angle)
    return [(p @ np.array([[c, s], [-s, c]]), m) for p, m in paths]


def _wave(rng: np.random.Generator, h: float) -> list[_PenPath]:
    length = h * rng.uniform(1.5, 3.0)
    periods = rng.uniform(2, 5)
    x = np.linspace(0, length, int(periods * 16))
    amplitude = h * rng.uniform(0.1, 0.25)
    return [_path(np.column_stack([x, amplitude * np.sin(2 * np.pi * periods * x / length)]))]


def _cloud(rng: np.random.Generator, h: float) -> list[_PenPath]:
    bumps = int(rng.integers(5, 9))
    t = np.linspace(0, 2 * np.pi, bumps * 16 + 1)
    r = 1 + 0.2 * np.abs(np.sin(bumps * t / 2)) + rng.normal(0, 0.01, t.size)
    wide = rng.uniform(1.3, 1.8)
    scale = h / 2.4 * rng.uniform(0.85, 1.0)
    return [_path(np.column_stack([wide * r * np.cos(t), r * np.sin(t)]) * scale)]


def _box_cross(rng: np.random.Generator, h: float) -> list[_PenPath]:
    s = h * rng.uniform(0.6, 0.9)
    box = [(0, 0), (s, 0), (s, s), (0, s), (0, 0)]
    paths = [_path(np.asarray(box) + rng.normal(0, 0.03 * s, (5, 2)))]
    if rng.random() < 0.6:
        paths += [_bar(rng, (0.1 * s, 0.1 * s), (0.9 * s, 0.9 * s), 0.03 * s),
                  _bar(rng, (0.1 * s, 0.9 * s), (0.9 * s, 0.1 * s), 0.03 * s)]  # fmt: skip
    else:  # a ticked box
        paths.append(_path([(0.15 * s, 0.5 * s), (0.45 * s, 0.85 * s), (1.15 * s, -0.3 * s)]))
    return paths


def _smiley(rng: np.random.Generator, h: float) -> list[_PenPath]:
    r = h / 2 * rng.uniform(0.85, 1.0)
    t = np.linspace(0, 2 * np.pi * rng.uniform(1.0, 1.08), 48)
    face = np.column_stack([np.cos(t), np.sin(t)]) * r
    m = np.linspace(0.15 * np.pi, 0.85 * np.pi, 14)
    mouth = np.column_stack([np.cos(m), np.sin(m) - 0.2]) * 0.6 * r
    eye = 0.1 * r  # eyes are short dashes, visible with the finest pen
    eyes = [_path([(x, -0.3 * r - eye), (x, -0.3 * r + eye)], 1.5) for x in (-0.35 * r, 0.35 * r)]
    return [_path(face), _path(mouth), *eyes]


def _tick(rng: np.random.Generator, h: float) -> list[_PenPath]:
    s = h * rng.uniform(0.6, 0.9)
    return [_path(_curve([(0.0, 0.55), (0.3, 1.0), (0.55, 0.5), (0.9, 0.0)], s))]


def _underline(rng: np.random.Generator, h: float) -> list[_PenPath]:
    length = h * rng.uniform(2.0, 4.0)
    paths = [_bar(rng, (0, 0), (length, rng.uniform(-0.05, 0.05) * h), 0.08 * h)]
    if rng.random() < 0.35:
        gap = h * rng.uniform(0.1, 0.2)
        paths.append(_bar(rng, (0.05 * length, gap), (0.95 * length, gap), 0.08 * h))
    return paths


_DOODLES: tuple[Callable[[np.random.Generator, float], list[_PenPath]], ...] = (
    _spiral, _star, _arrow, _wave, _cloud, _box_cross, _smiley, _tick, _underline,
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# One renderer per kind


def _render_letter(rng: np.random.Generator, height: float, stroke: float) -> np.ndarray:
    alphabet = GREEK_LETTERS if rng.random() < 0.12 else SAFE_LETTERS
    letter = alphabet[int(rng.integers(len(alphabet)))]
    return _handwritten_text(rng, letter, _text_height(rng, letter, height), stroke, 15.0)


def _render_word(rng: np.random.Generator, height: float, stroke: float) -> np.ndarray:
    word = WORDS[int(rng.integers(len(WORDS)))]
    return _handwritten_text(rng, word, _text_height(rng, word, height), stroke, 7.0)


def _render_symbol(rng: np.random.Generator, height: float, stroke: float) -> np.ndarray:
    draw = _SYMBOLS[int(rng.integers(len(_SYMBOLS)))]
    rotate, shear = (5.0, 0.1) if draw in _UPRIGHT_SYMBOLS else (12.0, 0.2)
    paths = _handwrite(rng, draw(rng, height), height, rotate, shear, wobble=0.015)
    return _rasterize(_fit_height(paths, 1.35 * height - stroke, shrink_only=True), stroke, height)


def _render_printed(rng: np.random.Generator, height: float, stroke: float) -> np.ndarray:
    pick = rng.random()
    if pick < 0.35:
        text = SAFE_LETTERS[int(rng.integers(len(SAFE_LETTERS)))]
    elif pick < 0.8:
        text = WORDS[int(rng.integers(len(WORDS)))]
    else:
        text = FORMULAS[int(rng.integers(len(FORMULAS)))]
    font = _PRINT_FONTS[int(rng.integers(len(_PRINT_FONTS)))]
    ink = _text_height(rng, text, height)
    ss = _supersampling(ink)
    return _finish(_print_text(text, font, ink, stroke, ss), ss)


def _render_doodle(rng: np.random.Generator, height: float, stroke: float) -> np.ndarray:
    draw = _DOODLES[int(rng.integers(len(_DOODLES)))]
    paths = _handwrite(rng, draw(rng, height), height, rotate=12.0, shear=0.15, wobble=0.02)
    return _rasterize(_fit_height(paths, 1.25 * height - stroke, shrink_only=True), stroke, height)


_RENDERERS: dict[str, Callable[[np.random.Generator, float, float], np.ndarray]] = {
    "letter": _render_letter,
    "word": _render_word,
    "symbol": _render_symbol,
    "printed": _render_printed,
    "crossing_out": _render_crossing_out,
    "doodle": _render_doodle,
}
assert tuple(_RENDERERS) == MARK_KINDS


# ---------------------------------------------------------------------------------------------
# Looking at marks


def mark_sheet(
    rng: np.random.Generator, kind: str, count: int = 40, columns: int = 8
) -> np.ndarray:
    """A white uint8 sheet of ``count`` marks of ``kind``, heights 24..90 px, pens 1..6 px."""
    cell = 200
    rows = math.ceil(count / columns)
    sheet = np.full((rows * cell, columns * cell), 255, np.uint8)
    for i in range(count):
        height = rng.uniform(24, 90)
        stroke = rng.uniform(1, min(6, height / 8))
        mark = render_mark(rng, kind, height, stroke)[: cell - 4, : cell - 4]
        y, x = (i // columns) * cell + 2, (i % columns) * cell + 2
        view = sheet[y : y + mark.shape[0], x : x + mark.shape[1]]
        view[:] = np.minimum(view, np.round(255 * (1 - mark)).astype(np.uint8))
    for r in range(1, rows):
        sheet[r * cell, :] = 220
    for c in range(1, columns):
        sheet[:, c * cell] = 220
    return sheet


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.grounds import GROUND_KINDS, ground_image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the sheets")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    for kind in MARK_KINDS:
        path = args.out / f"marks_{kind}.png"
        cv2.imwrite(str(path), mark_sheet(rng, kind))
        print(path)
    for kind in GROUND_KINDS:
        path = args.out / f"ground_{kind}.png"
        cv2.imwrite(str(path), ground_image(rng, kind, (1280, 720)).round().astype(np.uint8))
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
