"""Scenes of real material: close-ups, cheque strips, thin pens and markers, touching digits,
tight rows, uneven spacing, clutter, pages on textured grounds, rotated writing.

:mod:`benchmarks.scenes` writes many mid-size digits in MNIST's own stroke, well apart, on a
notebook page. Real pages are not all like that; the families laid out here (``SceneStyle.layout``
other than "page") show how a reader does on the rest, with the same exact truth:

- a *world* is built first: a canvas (float32 BGR), the label maps of its digits and a label
  map of its marks. Stills use the frame itself as the canvas; videos a canvas larger than the
  frame, viewed through a hand-held camera that pans and zooms (:func:`render_layout_video`);
- digits are written with a *pen*: MNIST's own stroke, or the digit's skeleton (Zhang-Suen
  thinning, vectorized) redrawn at a chosen width: 1-2 px ("thin"), 4-8 % of the digit height
  ("pen") or 13-23 % ("marker");
- a row holds *pieces*: a number, a number turned by an angle, or a mark (a letter, word,
  symbol, doodle or crossing-out from :mod:`benchmarks.marks`); pieces stand at least a number
  gap apart, rows at a gap the family gives (tight for "rows");
- digits whose inks may overlap (touching, overlapping) never share a label map: each digit
  goes to the first of several maps where no other digit's ink box comes within a pixel of its
  own, so each map holds each of its digits' own ink only, and every warp (turn, perspective,
  camera) moves all maps with the same nearest-neighbour homography. A digit's truth box is
  the box of its pixels in its own map: its own visible ink, also where another digit's ink
  covers it.

The families (presets in :data:`benchmarks.scenes.FAMILIES`):

- "closeup": 1-3 digits (one number, or single digits) 35-95 % of the frame's height, in marker,
  pen or MNIST stroke, in a frame size drawn from common webcam sizes (``frame_sizes``);
- "thin": lines of 1-1.6 px, digits 20-200 px tall;
- "marker": strokes 13-23 % of the digit height;
- "strip": one number of 2-8 digits, 60-95 % of a wide frame's height, on cheque-like paper (a
  tint, guilloche waves or security lines, a printed rule and frame, maybe a printed word),
  the inks of neighbours -0.1 to 0.3 digit heights apart;
- "touching": the inks of neighbouring digits -0.15 to 0.05 digit heights apart, row by row;
- "rows": lines of numbers 0-30 % of a digit height apart;
- "spacing": gaps inside a number of 0-1.2 times its mean digit width, one per number; numbers
  at least 1.5 times the widest gap of either neighbour apart, and half a digit height;
- "clutter": letters, words, symbols, print, crossings-out and doodles beside the numbers, at
  least a number gap away, boxed in ``Truth.marks`` (not digits: never to be reported);
- "texture": the page covers 30-70 % of the frame, on a wall, wood, carpet or fabric
  (:mod:`benchmarks.grounds`); ``Scene.page`` has its corners;
- "rotated": the page, or each number on its own, turned by 10-35 degrees either way;
- "light": light writing (chalk, white marker) on a dark board, the photo's tones turned over;
- "grid": graph paper with a 25-40 px grid of lines as dark as the ink.

Everything is drawn from the scene's one ``numpy.random.Generator``, so a seed gives the same
scene byte for byte.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from benchmarks import scenes as sc
from benchmarks.grounds import GROUND_KINDS, ground_image
from benchmarks.marks import random_mark

PEN_KINDS = ("mnist", "thin", "pen", "marker")

PEN_WIDTHS = {"mnist": (0.0, 0.0), "thin": (1.0, 1.6), "pen": (0.045, 0.08), "marker": (0.13, 0.23)}
"""Default width ranges: "thin" in pixels, "pen" and "marker" times the digit's ink height."""

SKELETON_HEIGHT = 160
"""Digits are thinned at most this tall (in pixels); a wide stroke of a taller digit is drawn
from the distance to that skeleton, scaled up: thinning costs grow with the square of the size."""

CLOSEUP_HEIGHT = (0.35, 0.95)
"""A close-up's digits are this share of the frame's height (ink box)."""

STRIP_HEIGHT = (0.6, 0.95)
"""A strip's number is this share of the frame's height (the number's box)."""

VIDEO_DENSITY = sc.VIDEO_PAGE_SCALE
"""A video's world has this many pixels per frame pixel at zoom 1."""

VIDEO_EXTENT = 2.0
"""A video's world is this many frames wide and high (at zoom 1): the widest view (zoom 0.7)
and the pan stay inside it."""

VIDEO_WRITTEN = 1.2
"""The writing of a video's world covers this many frames (at zoom 1) around its centre."""

ZOOM = (0.7, 1.4)
"""Range of a video's zoom (frame pixels per world pixel, relative to zoom 1)."""

ZOOM_CHANGE = (1.3, 1.9)
"""A video zooms in or out by a factor in this range over the clip."""

VIDEO_MARGIN = 24
"""Ring of pixels around a video frame in which the truth looks for ink cut by the border."""


# ---------------------------------------------------------------------------------------------
# Thinning and pens


def _thinning_tables() -> tuple[np.ndarray, np.ndarray]:
    """Zhang-Suen's deletion rule for its two sub-passes, per 8-neighbourhood code (0..255).

    Bit k of a code is neighbour P(k+2) of the classic numbering: N, NE, E, SE, S, SW, W, NW.
    """
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1
    p2, _, p4, _, p6, _, p8, _ = bits.T
    count = bits.sum(axis=1)
    rises = ((bits == 0) & (np.roll(bits, -1, axis=1) == 1)).sum(axis=1)
    keep = (count >= 2) & (count <= 6) & (rises == 1)
    first = keep & (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
    second = keep & (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
    return first.astype(np.uint8), second.astype(np.uint8)


_THINNING = _thinning_tables()


def skeleton(mask: np.ndarray) -> np.ndarray:
    """The one-pixel-wide skeleton of a boolean mask (Zhang-Suen thinning).

    Each sub-pass computes every pixel's neighbourhood code with eight shifted views and looks
    its deletion up in a table: whole-array operations, one pass per pixel of stroke half-width.
    """
    image = np.pad(mask, 1).astype(np.uint8)
    core = image[1:-1, 1:-1]
    while True:
        removed = 0
        for table in _THINNING:
            code = (
                image[:-2, 1:-1]
                | image[:-2, 2:] << 1
                | image[1:-1, 2:] << 2
                | image[2:, 2:] << 3
                | image[2:, 1:-1] << 4
                | image[2:, :-2] << 5
                | image[1:-1, :-2] << 6
                | image[:-2, :-2] << 7
            )
            drop = (table[code] & core).astype(bool)
            count = int(np.count_nonzero(drop))
            if count:
                core[drop] = 0
                removed += count
        if not removed:
            return core.astype(bool)


def _stroke_alpha(src: np.ndarray, scale: float, width: float) -> np.ndarray:
    """Coverage (float32 0..1) of the skeleton of ``src`` scaled by ``scale``, ``width`` px wide.

    The stroke is every pixel within ``width / 2`` of the skeleton, with a one-pixel soft edge.
    A digit taller than :data:`SKELETON_HEIGHT` is thinned smaller and the distance field scaled
    up, smoothed first so the skeleton's pixel steps do not show on the wide stroke; a thin
    stroke is thinned at full size (its steps are its own pixels) and softened a little, as a
    lens does.
    """
    factor = float(np.clip(scale * 28 / SKELETON_HEIGHT, 1.0, max(1.0, width / 3)))
    up = sc._upscale(src, scale / factor, 0.0) > 0.5
    rows = np.flatnonzero(up.any(axis=1))
    cols = np.flatnonzero(up.any(axis=0))
    pad = math.ceil((width / 2 + 2) / factor) + 1
    mask = np.pad(up[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], pad)
    thin = skeleton(mask)
    dist = cv2.distanceTransform((~thin).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    if factor > 1:
        dist = cv2.GaussianBlur(dist, (0, 0), 1.0)
        h, w = dist.shape
        size = (round(w * factor), round(h * factor))
        dist = cv2.resize(dist, size, interpolation=cv2.INTER_LINEAR) * np.float32(factor)
    alpha = np.clip(np.float32(width / 2 + 0.5) - dist, 0.0, 1.0)
    if width < 3:
        alpha = cv2.GaussianBlur(alpha, (0, 0), 0.45)
    return alpha


def _pen_glyph(digit: np.ndarray, height: float, width: float, max_width: float) -> np.ndarray:
    """Coverage of an MNIST digit redrawn with a pen ``width`` px wide, its ink ``height`` tall.

    The ink reaches half a stroke beyond the skeleton on each side, so the skeleton is scaled to
    ``height - width`` (or to ``max_width * height - width`` wide if that is less), corrected
    once or twice on the drawn ink (to 1.5 % of the height: thinning again costs).
    """
    src = np.pad(digit.astype(np.float32) * (1.0 / 255.0), 3)
    if src.max() <= 0.5:
        raise ValueError("an MNIST digit image has no ink")

    def fit(ink_h: float, ink_w: float) -> float:
        return min(
            (height - width) / max(ink_h - width, 1.0),
            (max_width * height - width) / max(ink_w - width, 1.0),
        )

    box = sc._ink_box(src, 0.5)
    core = max(box[3] - sc._MNIST_STROKE, 2.0), max(box[2] - sc._MNIST_STROKE, 2.0)
    scale = fit(core[0] + width, core[1] + width)
    alpha = _stroke_alpha(src, scale, width)
    for _ in range(2):
        box = sc._ink_box(alpha)
        factor = fit(box[3], box[2])
        if abs(factor - 1) * (box[3] - width) <= max(0.75, 0.015 * height):
            break
        scale *= factor
        alpha = _stroke_alpha(src, scale, width)
    return sc._trim(alpha)


@dataclass(frozen=True)
class _Pen:
    kind: str  # one of PEN_KINDS
    width: float  # "thin": pixels; "pen", "marker": times the ink height; "mnist": unused


def _draw_pen(rng: np.random.Generator, style: sc.SceneStyle) -> _Pen:
    odds = np.asarray(style.pens, dtype=np.float64)
    kind = PEN_KINDS[int(rng.choice(len(odds), p=odds / odds.sum()))]
    lo, hi = style.pen_width or PEN_WIDTHS[kind]
    return _Pen(kind, float(rng.uniform(lo, hi)))


def _stroke_px(pen: _Pen, height: float) -> float:
    """About how wide the pen's stroke is on a digit ``height`` px tall."""
    if pen.kind == "thin":
        return pen.width
    if pen.kind == "mnist":
        return sc._MNIST_STROKE * height / 20  # MNIST digits are about 20 of 28 px tall
    return pen.width * height


class _Picker:
    """Writes the digits of ``images`` with the scene's pen, each image at most once.

    The images come in an order drawn from the scene's generator; :meth:`again` writes a digit
    already picked at another height (a layout that must shrink it to fit).
    """

    def __init__(
        self,
        rng: np.random.Generator,
        images: np.ndarray,
        labels: np.ndarray,
        style: sc.SceneStyle,
        pen: _Pen,
        max_width: float = sc.MAX_WIDTH,
    ) -> None:
        self.rng, self.images, self.labels, self.style, self.pen = rng, images, labels, style, pen
        self.max_width = max_width
        self.order: Iterator[int] = iter(rng.permutation(len(images)).tolist())

    def next(self, height: float) -> sc._Glyph | None:
        index = next(self.order, None)
        return None if index is None else self.write(index, height)

    def again(self, glyph: sc._Glyph, height: float) -> sc._Glyph:
        return self.write(glyph.source, height)

    def write(self, index: int, height: float) -> sc._Glyph:
        digit = self.images[index]
        if self.pen.kind == "mnist":
            alpha = sc._render_glyph(digit, height, self.rng.uniform(*self.style.stroke))
        else:
            width = _stroke_px(self.pen, height)
            alpha = _pen_glyph(digit, height, width, self.max_width)
        return sc._Glyph(alpha, sc._ink_box(alpha), int(self.labels[index]), int(index))


def _marker_ink(rng: np.random.Generator) -> sc._Ink:
    """A felt marker: saturated, opaque, mostly black."""
    kind = int(rng.choice(4, p=[0.55, 0.2, 0.15, 0.1]))
    if kind == 0:
        tone = rng.uniform(12, 40)
        color = (tone + rng.uniform(0, 8), tone, tone)
    elif kind == 1:  # blue
        color = (rng.uniform(150, 200), rng.uniform(50, 90), rng.uniform(10, 40))
    elif kind == 2:  # red
        color = (rng.uniform(30, 70), rng.uniform(30, 60), rng.uniform(160, 210))
    else:  # green
        color = (rng.uniform(60, 100), rng.uniform(110, 150), rng.uniform(20, 60))
    return sc._Ink(color, rng.uniform(0.93, 1.0), 0.0)


def _printed_ink(rng: np.random.Generator) -> sc._Ink:
    tone = rng.uniform(15, 70)
    return sc._Ink((tone, tone, tone), rng.uniform(0.85, 1.0), 0.0)


def _number_ink(rng: np.random.Generator, style: sc.SceneStyle, pen: _Pen) -> sc._Ink:
    ink = _marker_ink(rng) if pen.kind == "marker" else sc._draw_ink(rng, style.inks)
    if style.ink_opacity is None:
        return ink
    return replace(ink, opacity=ink.opacity * rng.uniform(*style.ink_opacity))


# ---------------------------------------------------------------------------------------------
# Pieces: numbers, turned numbers and marks


@dataclass(frozen=True)
class _Piece:
    """What a row writes as one unit: the digits of a number, or one mark."""

    parts: tuple[tuple[sc._Glyph, int, int], ...]
    """Each glyph with the top-left corner of its ink box, in the piece's ink box."""
    width: int
    height: int
    mark: str | None = None
    """The mark's kind, or None for a number."""
    inner_gap: int = 0
    """Widest gap between the ink boxes of neighbouring digits (pixels; < 0: they overlap)."""

    @property
    def tallest(self) -> int:
        return max(glyph.box[3] for glyph, _, _ in self.parts)


def _piece(
    parts: Sequence[tuple[sc._Glyph, int, int]], mark: str | None = None, inner_gap: int = 0
) -> _Piece:
    """A piece of ``parts`` moved so that its ink box starts at (0, 0)."""
    x0 = min(x for _, x, _ in parts)
    y0 = min(y for _, _, y in parts)
    x1 = max(x + glyph.box[2] for glyph, x, _ in parts)
    y1 = max(y + glyph.box[3] for glyph, _, y in parts)
    moved = tuple((glyph, x - x0, y - y0) for glyph, x, y in parts)
    return _Piece(moved, x1 - x0, y1 - y0, mark, inner_gap)


def _profiles(glyph: sc._Glyph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of the ink box: has ink, its leftmost and its rightmost ink column."""
    x, y, w, h = glyph.box
    ink = glyph.alpha[y : y + h, x : x + w] > sc.INK_THRESHOLD
    has = ink.any(axis=1)
    left = ink.argmax(axis=1)
    right = w - 1 - ink[:, ::-1].argmax(axis=1)
    return has, left, right


def _contact(a: sc._Glyph, xa: int, ya: int, b: sc._Glyph, yb: int, gap: int) -> int | None:
    """Left of ``b``'s ink box that leaves ``gap`` px between the inks of ``a`` and ``b``.

    Row by row, ``b``'s leftmost ink comes ``gap`` columns after ``a``'s rightmost (``gap`` < 0:
    they overlap); None when the two share no row with ink in both.
    """
    has_a, _, right_a = _profiles(a)
    has_b, left_b, _ = _profiles(b)
    top, bottom = max(ya, yb), min(ya + a.box[3], yb + b.box[3])
    if bottom <= top:
        return None
    rows = np.arange(top, bottom)
    ia, ib = rows - ya, rows - yb
    both = has_a[ia] & has_b[ib]
    if not both.any():
        return None
    return int(np.max(xa + right_a[ia][both] - left_b[ib][both])) + 1 + gap


def _number_piece(
    rng: np.random.Generator,
    glyphs: Sequence[sc._Glyph],
    style: sc.SceneStyle,
    height: float,
    min_gap: int,
) -> _Piece:
    """``glyphs`` side by side as one number, with the family's gaps between them.

    Gaps are drawn per pair or once per number, in digit heights or in the number's mean ink
    width, between ink boxes or (``style.touch``) between the inks row by row. Touching digits
    still read left to right: their ink boxes overlap by at most a third of the narrower one's
    width and a quarter of the digit height (interlocking shapes would slide further).
    """
    jitter = style.baseline_jitter
    unit = height
    if style.gap_unit == "width":
        unit = float(np.mean([glyph.box[2] for glyph in glyphs]))
    shared = rng.uniform(*style.digit_gap)
    floor_gap = min_gap if style.digit_gap[0] > 0 else 0
    parts: list[tuple[sc._Glyph, int, int]] = []
    for glyph in glyphs:
        y = round(rng.uniform(-jitter, jitter) * height) - glyph.box[3]  # top; baseline at 0
        x = 0
        if parts:
            before, bx, by = parts[-1]
            gap = (shared if style.gap_per_number else rng.uniform(*style.digit_gap)) * unit
            if style.touch:
                touch = _contact(before, bx, by, glyph, y, round(gap))
                x = bx + before.box[2] + round(gap) if touch is None else touch
                overlap = min(0.35 * min(before.box[2], glyph.box[2]), 0.25 * height)
                x = max(x, bx + before.box[2] - int(overlap))
            else:
                x = bx + before.box[2] + max(floor_gap, math.ceil(gap))
        parts.append((glyph, x, y))
    inner = [
        x - (bx + before.box[2])
        for (before, bx, _), (_, x, _) in zip(parts, parts[1:], strict=False)
    ]
    return _piece(parts, inner_gap=max(inner, default=0))


def _turn_piece(piece: _Piece, degrees: float) -> _Piece:
    """``piece`` turned by ``degrees`` about its centre (image axes: positive is clockwise).

    Each glyph's coverage is warped on its own with the same turn, so each keeps its own ink
    (and its own truth box) however close the turned digits come.
    """
    angle = math.radians(degrees)
    turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    centre = np.array([piece.width / 2, piece.height / 2])
    parts = []
    for glyph, x, y in piece.parts:
        origin = np.array([x - glyph.box[0], y - glyph.box[1]], np.float64)
        h, w = glyph.alpha.shape
        corners = origin + np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
        turned = (corners - centre) @ turn.T + centre
        x0, y0 = np.floor(turned.min(axis=0)).astype(int) - 1
        x1, y1 = np.ceil(turned.max(axis=0)).astype(int) + 1
        shift = turn @ (origin - centre) + centre - (x0, y0)
        matrix = np.hstack([turn, shift[:, None]]).astype(np.float32)
        alpha = cv2.warpAffine(
            glyph.alpha, matrix, (int(x1 - x0), int(y1 - y0)), flags=cv2.INTER_LINEAR
        )
        box = sc._ink_box(alpha)
        parts.append((replace(glyph, alpha=alpha, box=box), int(x0) + box[0], int(y0) + box[1]))
    return _piece(parts)


def _mark_piece(rng: np.random.Generator, height: float, stroke: float) -> _Piece | None:
    """A mark (letter, word, symbol, doodle, crossing-out) about as tall as the digits."""
    kind, alpha = random_mark(rng, height * rng.uniform(0.7, 1.05), stroke)
    alpha = np.ascontiguousarray(alpha, dtype=np.float32)
    if alpha.size == 0 or alpha.max() <= sc.INK_THRESHOLD:
        return None
    alpha = np.pad(alpha, 1)
    glyph = sc._Glyph(alpha, sc._ink_box(alpha), -1, -1)
    return _piece(((glyph, 0, 0),), mark=kind)


# ---------------------------------------------------------------------------------------------
# Rows of pieces


@dataclass(frozen=True)
class _Slot:
    piece: _Piece
    x: int  # ink box left, from the row's start
    y: int  # ink box top, from the row's baseline


def _band(slots: Sequence[_Slot]) -> tuple[int, int]:
    """Top and bottom (exclusive) of a row's ink, from its baseline."""
    return min(s.y for s in slots), max(s.y + s.piece.height for s in slots)


def _piece_gap(
    rng: np.random.Generator, style: sc.SceneStyle, a: _Piece, b: _Piece, height: float
) -> int:
    """Gap between neighbouring pieces of a row.

    Marks of one group (a word and a symbol) stand closer; anything else at least a number gap
    apart: the family's, at least ``number_gap_min`` digit heights, and 1.5 times the widest
    gap inside either neighbour, so which digits form a number is never in doubt.
    """
    if a.mark is not None and b.mark is not None:
        return math.ceil(rng.uniform(0.25, 0.7) * height)
    tallest = max(p.tallest for p in (a, b) if p.mark is None)
    gap = max(
        rng.uniform(*style.number_gap) * height,
        style.number_gap_min * max(height, tallest),
        1.5 * max(a.inner_gap, b.inner_gap) + 1,
    )
    return math.ceil(gap)


def _group(
    rng: np.random.Generator,
    picker: _Picker,
    style: sc.SceneStyle,
    height: float,
    budget: int,
    min_gap: int,
    turn: bool,
) -> list[_Piece]:
    """The next number of up to ``budget`` digits, with the marks written beside it."""
    length = min(sc._number_length(rng, style), budget)
    jitter = 4 * style.baseline_jitter / 3
    glyphs = []
    for _ in range(length):
        glyph = picker.next(height * rng.uniform(1 - jitter, 1 + jitter))
        if glyph is None:
            break
        glyphs.append(glyph)
    if not glyphs:
        return []
    number = _number_piece(rng, glyphs, style, height, min_gap)
    if turn and style.rotation is not None:
        number = _turn_piece(number, rng.choice([-1, 1]) * rng.uniform(*style.rotation))
    group = [number]
    for _ in range(int(rng.poisson(style.marks)) if style.marks else 0):
        mark = _mark_piece(rng, height, _stroke_px(picker.pen, height))
        if mark is not None:
            group.insert(0, mark) if rng.random() < 0.5 else group.append(mark)
    return group


def _shorten(piece: _Piece, room: int) -> _Piece | None:
    """The number ``piece`` less its last digits, so that it is at most ``room`` px wide."""
    parts = list(piece.parts)
    while parts and piece.width > room:
        parts.pop()
        if parts:
            inner = [
                x - (bx + before.box[2])
                for (before, bx, _), (_, x, _) in zip(parts, parts[1:], strict=False)
            ]
            piece = _piece(parts, inner_gap=max(inner, default=0))
    return piece if parts else None


def _digits_in(slots: Sequence[_Slot]) -> int:
    return sum(len(s.piece.parts) for s in slots if s.piece.mark is None)


def _plan_row(
    rng: np.random.Generator,
    picker: _Picker,
    style: sc.SceneStyle,
    room: int,
    height: float,
    budget: int,
    min_gap: int,
    turn: bool,
    spread: tuple[float, float],
) -> list[_Slot]:
    """Pieces for one row ``room`` px wide, about ``budget`` digits.

    The pieces move apart by a random share (``spread``) of the width the row leaves free.
    """
    slots: list[_Slot] = []
    x = 0
    while _digits_in(slots) < budget:
        group = _group(rng, picker, style, height, budget - _digits_in(slots), min_gap, turn)
        if not group:
            break
        full = False
        for piece in group:
            if slots:
                x += _piece_gap(rng, style, slots[-1].piece, piece, height) + min_gap
            if x + piece.width > room:
                shorter = None if piece.mark else _shorten(piece, room - x)
                if shorter is None:
                    full = True
                    break
                piece, full = shorter, True  # the number ends the row
            y = -piece.height + round(rng.uniform(-0.04, 0.04) * height)  # on the line
            small = max(piece.width, piece.height) < 0.3 * height  # a dot, a comma
            if piece.mark in ("symbol", "doodle", "crossing_out") and not small:
                y = round(-0.5 * height - piece.height / 2 + rng.uniform(-0.1, 0.1) * height)
            slots.append(_Slot(piece, x, y))
            x += piece.width
            if full:
                break
        if full:
            break
    while slots and slots[-1].piece.mark is not None and rng.random() < 0.3:
        slots.pop()  # not every row ends on a mark
    if not _digits_in(slots):
        return []
    end = slots[-1].x + slots[-1].piece.width
    spare = (room - end) * rng.uniform(*spread)
    shifts = np.floor(np.cumsum(rng.dirichlet(np.ones(len(slots) + 1))[:-1] * spare))
    return [replace(s, x=s.x + int(d)) for s, d in zip(slots, shifts, strict=True)]


def _rows_layout(
    rng: np.random.Generator,
    picker: _Picker,
    style: sc.SceneStyle,
    area: sc._Area,
    target: int,
    unit: float,
    heights: tuple[float, float],
    min_gap: int,
    turn: bool,
) -> list[tuple[int, list[_Slot]]]:
    """Rows of pieces in ``area``, about ``target`` digits: (baseline, slots) per row.

    Rows are stacked as the family says: ``style.row_gap`` packs them tight, that share of a
    digit height apart (ink to ink), like the lines of a list, and moves the block as a whole;
    else at least 0.55 digit heights apart and spread over the area's height and width, as on
    the notebook page.
    """
    tight = style.row_gap is not None
    per_row = math.ceil(target / max(1.0, area.height / (2.0 * unit)))
    if tight:  # lines of a list run across the page; fewer of them when the digits run out
        per_row = max(1, round(area.width / (1.5 * unit)))
    rows: list[tuple[int, list[_Slot], float]] = []
    count = misses = 0
    while count < target and misses < 3:
        spread = style.height_spread
        height = float(np.clip(unit * rng.uniform(1 - spread, 1 + spread), *heights))
        if rows:  # stop before writing digits that cannot fit below the last row
            least = 0 if tight else math.ceil(0.55 * height) + 2
            if rows[-1][0] + _band(rows[-1][1])[1] + least + 0.9 * height > area.y1:
                break
        budget = min(target - count, max(1, round(per_row * rng.uniform(0.75, 1.3))))
        slots = _plan_row(
            rng,
            picker,
            style,
            area.width,
            height,
            budget,
            min_gap,
            turn,
            (0.0, 0.15) if tight else (0.4, 1.0),
        )
        if not slots:  # marks took the row, or its number did not fit: try another
            misses += 1
            continue
        top, bottom = _band(slots)
        if rows:
            above_base, above, above_height = rows[-1]
            if tight:
                gap = round(rng.uniform(*style.row_gap) * min(height, above_height))
            else:
                inks = [s.piece.height for s in (*above, *slots)]
                gap = math.ceil(0.55 * max(max(inks), height)) + 2
            baseline = above_base + _band(above)[1] + gap - top
        else:
            baseline = area.y0 - top
        if baseline + bottom > area.y1:
            break
        rows.append((baseline, slots, height))
        count += _digits_in(slots)
    if not rows:
        return []
    spare = area.y1 - (rows[-1][0] + _band(rows[-1][1])[1])
    if tight:
        shifts = np.full(len(rows), int(rng.uniform(0, 1) * spare))
    else:
        parts = rng.dirichlet(np.ones(len(rows) + 1))
        shifts = np.floor(np.cumsum(parts[:-1]) * spare * rng.uniform(0.5, 1.0)).astype(int)
    return [(b + int(s), slots) for (b, slots, _), s in zip(rows, shifts, strict=True)]


# ---------------------------------------------------------------------------------------------
# Writing a world


@dataclass(frozen=True)
class _Mark:
    glyph: sc._Glyph
    x: int  # page x of the ink box's left edge
    y: int  # page y of the ink box's top edge
    kind: str
    near: int  # the number it is written beside (it shares that number's ink), -1 if none


@dataclass(frozen=True)
class _World:
    """A family's still world: what a camera may look at, and whose ink is where."""

    image: np.ndarray  # float32 BGR canvas
    layers: np.ndarray  # (L, H, W) uint16: digit i+1 owns its ink in one of the maps
    marks: np.ndarray  # (H, W) uint16: mark j+1 owns its ink
    writing: sc._Writing
    page: np.ndarray | None = None  # (4, 2) corners of the page where it lies on a ground


@dataclass(frozen=True)
class _View:
    """Where a world is seen from: its canvas and the frame that views it at zoom 1."""

    canvas: tuple[int, int]  # world pixels
    frame: tuple[int, int]  # frame pixels
    density: float  # world pixels per frame pixel at zoom 1
    written: sc._Area  # where the writing goes, in the canvas


def _unpack(
    rows: Sequence[tuple[int, Sequence[_Slot]]], x0: int
) -> tuple[list[sc._Placed], list[_Mark]]:
    """Page positions of the rows' digits (numbered left to right, top to bottom) and marks.

    A mark is written with the pen of the number before it in its row (else the one after).
    """
    placed: list[sc._Placed] = []
    marks: list[_Mark] = []
    number = 0
    for baseline, slots in rows:
        numbers_here: list[int] = []
        pending = []  # this row's marks, with how many of its numbers come before each
        for slot in slots:
            x, y = x0 + slot.x, baseline + slot.y
            if slot.piece.mark is None:
                for glyph, gx, gy in slot.piece.parts:
                    placed.append(sc._Placed(glyph, x + gx, y + gy, number))
                numbers_here.append(number)
                number += 1
            else:
                pending.append((slot.piece, x, y, len(numbers_here)))
        for piece, x, y, before in pending:
            near = numbers_here[max(before - 1, 0)] if numbers_here else -1
            marks.append(_Mark(piece.parts[0][0], x, y, piece.mark or "", near))
    return placed, marks


def _layer_of(placed: Sequence[sc._Placed]) -> np.ndarray:
    """Which label map each digit goes to: the first where no digit's box is within a pixel."""
    if not placed:
        return np.zeros(0, int)
    x0 = np.array([p.x for p in placed]) - 1
    y0 = np.array([p.y for p in placed]) - 1
    x1 = x0 + np.array([p.glyph.box[2] for p in placed]) + 2
    y1 = y0 + np.array([p.glyph.box[3] for p in placed]) + 2
    near = (x0[:, None] < x1[None]) & (x0[None] < x1[:, None])
    near &= (y0[:, None] < y1[None]) & (y0[None] < y1[:, None])
    layer = np.zeros(len(placed), int)
    for i in range(1, len(placed)):
        taken = set(layer[:i][near[i, :i]].tolist())
        layer[i] = next(k for k in range(len(placed)) if k not in taken)
    return layer


def _window(
    shape: tuple[int, ...], x: int, y: int, h: int, w: int
) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
    """Slices of a canvas and of an (h, w) patch at (x, y) for the part that overlaps."""
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, shape[1]), min(y + h, shape[0])
    return (slice(y0, y1), slice(x0, x1)), (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))


def _write_world(
    rng: np.random.Generator,
    page: np.ndarray,
    placed: Sequence[sc._Placed],
    marks: Sequence[_Mark],
    inks: Sequence[sc._Ink],
) -> tuple[np.ndarray, np.ndarray]:
    """Ink the digits and marks onto ``page`` in place; return the digit maps and mark map."""
    layer_of = _layer_of(placed)
    layers = np.zeros((int(layer_of.max(initial=0)) + 1, *page.shape[:2]), np.uint16)
    mark_map = np.zeros(page.shape[:2], np.uint16)
    strokes = [(p.glyph, p.x, p.y, inks[p.number]) for p in placed]
    for mark in marks:
        if mark.kind == "printed":
            ink = _printed_ink(rng)
        elif mark.near >= 0:
            ink = inks[mark.near]
        else:
            ink = sc._draw_ink(rng, (1.0, 1.0, 0.0))
        strokes.append((mark.glyph, mark.x, mark.y, ink))
    for i, (glyph, x, y, ink) in enumerate(strokes):
        alpha = glyph.alpha
        into, part = _window(page.shape, x - glyph.box[0], y - glyph.box[1], *alpha.shape)
        alpha = alpha[part]
        cover = alpha * np.float32(ink.opacity)
        if ink.texture:
            grains = cv2.GaussianBlur(rng.random(alpha.shape, dtype=np.float32), (0, 0), 0.7)
            cover *= 1.0 - np.float32(ink.texture) * grains
        sc._blend(page[into], cover, ink.color, 1.0)
        if i < len(placed):
            layers[layer_of[i]][into][alpha > sc.INK_THRESHOLD] = i + 1
        else:
            mark_map[into][alpha > sc.INK_THRESHOLD] = i - len(placed) + 1
    return layers, mark_map


def _world_truth(
    layers: np.ndarray,
    marks: np.ndarray,
    writing: sc._Writing,
    margin: int = 0,
    unseen: np.ndarray | None = None,
) -> sc.Truth:
    """Truth of a frame from its digit maps and mark map, as :func:`benchmarks.scenes._truth`.

    The maps cover the frame and ``margin`` pixels around it: a digit whose ink goes on beyond
    the frame's border is ``partial``, and so is one ``unseen`` marks (by its id; washed out by
    glare). Each digit is in one map only, so its box is its own ink.
    """
    count = len(writing.placed)
    height, width = (n - 2 * margin for n in layers.shape[1:])
    inner = (slice(margin, margin + height), slice(margin, margin + width))
    found = [sc._label_boxes(layer[inner], count) for layer in layers]
    present = np.concatenate([ids for ids, _ in found]).astype(np.intp)
    boxes = np.concatenate([b for _, b in found]).astype(np.int32).reshape(-1, 4)
    order = np.argsort(present, kind="stable")
    present, boxes = present[order], boxes[order]
    partial = np.zeros(len(present), bool)
    if margin:
        around = [sc._label_boxes(layer, count) for layer in layers]
        ids = np.concatenate([i for i, _ in around]).astype(np.intp)
        whole = np.concatenate([b for _, b in around]).astype(np.int32).reshape(-1, 4)
        whole = whole[np.argsort(ids, kind="stable")]
        ids = np.sort(ids)
        whole = whole[np.searchsorted(ids, present)] - np.array([margin, margin, 0, 0])
        partial = sc._cut(whole, (width, height))
    if unseen is not None:
        partial |= unseen[present]
    chosen = [writing.placed[i - 1] for i in present]
    labels = np.array([p.glyph.label for p in chosen], np.int64)
    sources = np.array([p.glyph.source for p in chosen], np.int64)
    numbers = sc._numbers(writing, present, boxes, partial)
    _, mark_boxes = sc._label_boxes(marks[inner], int(marks.max(initial=0)))
    return sc.Truth(boxes, labels, partial, numbers, sources, mark_boxes)


# ---------------------------------------------------------------------------------------------
# Worlds


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def _inset(rng: np.random.Generator, area: sc._Area, pad: int = 6) -> sc._Area:
    """``area`` less random margins of 2-6 % a side."""
    w, h = area.width, area.height
    return sc._Area(
        area.x0 + pad + round(w * rng.uniform(0.02, 0.06)),
        area.y0 + pad + round(h * rng.uniform(0.02, 0.06)),
        area.x1 - pad - round(w * rng.uniform(0.02, 0.05)),
        area.y1 - pad - round(h * rng.uniform(0.02, 0.05)),
    )


def _written_page(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    style: sc.SceneStyle,
    page_size: tuple[int, int],
    density: float,
    area_of: Callable[[float], sc._Area],
    target: int,
    min_gap: int,
    turn: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, sc._Writing]:
    """A flat page with rows of pieces: (page, digit maps, mark map, writing).

    ``density`` is page pixels per frame pixel: the family's heights are in frame pixels.
    ``turn`` turns each number by the family's rotation.
    """
    lo, hi = style.digit_height
    unit = _log_uniform(rng, lo, hi) * density
    ruling_unit = float(np.clip(unit, 24 * density, 60 * density))  # squares stay paper-sized
    paper = sc._draw_paper(rng, style, page_size, ruling_unit, 1 / density)
    page = sc._paper_image(rng, paper, page_size)
    pen = _draw_pen(rng, style)
    picker = _Picker(rng, images, labels, style, pen)
    area = area_of(unit)
    rows = _rows_layout(
        rng, picker, style, area, target, unit, (lo * density, hi * density), min_gap, turn
    )
    placed, marks = _unpack(rows, area.x0)
    inks = [_number_ink(rng, style, pen) for _ in range(len({p.number for p in placed}))]
    layers, mark_map = _write_world(rng, page, placed, marks, inks)
    return page, layers, mark_map, sc._Writing(placed, inks)


def _min_gap(density: float, min_scale: float = 1.0) -> int:
    return math.ceil(sc.MIN_DIGIT_GAP * density / min_scale) + 2


def _flat_world(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    style: sc.SceneStyle,
    view: _View,
    target: int,
) -> _World:
    """The page fills the canvas; rows of pieces (maybe turned numbers) in the written area."""

    def area_of(unit: float) -> sc._Area:
        return _inset(rng, view.written)

    page, layers, marks, writing = _written_page(
        rng,
        images,
        labels,
        style,
        view.canvas,
        view.density,
        area_of,
        target,
        _min_gap(view.density),
        turn=style.rotation is not None,
    )
    return _World(page, layers, marks, writing)


def _inscribed(width: float, height: float, angle: float) -> tuple[float, float]:
    """Largest axis-parallel rectangle inside a ``width`` x ``height`` one turned by ``angle``."""
    sin_a, cos_a = abs(math.sin(angle)), abs(math.cos(angle))
    long, short = max(width, height), min(width, height)
    if short <= 2 * sin_a * cos_a * long or abs(sin_a - cos_a) < 1e-10:
        half = 0.5 * short
        return (half / sin_a, half / cos_a) if width >= height else (half / cos_a, half / sin_a)
    cos_2a = cos_a * cos_a - sin_a * sin_a
    return (width * cos_a - height * sin_a) / cos_2a, (height * cos_a - width * sin_a) / cos_2a


def _turned_world(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    style: sc.SceneStyle,
    view: _View,
    target: int,
) -> _World:
    """A page turned by 10-35 degrees under the camera, filling the canvas.

    The page is drawn larger than the canvas and turned onto it; its writing fills the largest
    page rectangle whose turned image lies in the written area, so no digit leaves the view.
    """
    assert style.rotation is not None
    angle = math.radians(rng.choice([-1, 1]) * rng.uniform(*style.rotation))
    cw, ch = view.canvas
    cos_a, sin_a = abs(math.cos(angle)), abs(math.sin(angle))
    page_size = (math.ceil(cw * cos_a + ch * sin_a) + 4, math.ceil(cw * sin_a + ch * cos_a) + 4)
    to_canvas = (
        sc._translate(cw / 2, ch / 2)
        @ sc._rotate_scale(angle, 1.0)
        @ sc._translate(-page_size[0] / 2, -page_size[1] / 2)
    )
    written = view.written
    centre = np.array([(written.x0 + written.x1) / 2, (written.y0 + written.y1) / 2, 1.0])
    cx, cy, _ = np.linalg.inv(to_canvas) @ centre
    inner_w, inner_h = _inscribed(written.width - 12, written.height - 12, angle)

    def area_of(unit: float) -> sc._Area:
        w, h = inner_w * rng.uniform(0.9, 0.97), inner_h * rng.uniform(0.9, 0.97)
        return sc._Area(round(cx - w / 2), round(cy - h / 2), round(cx + w / 2), round(cy + h / 2))

    page, layers, marks, writing = _written_page(
        rng,
        images,
        labels,
        style,
        page_size,
        view.density,
        area_of,
        target,
        _min_gap(view.density),
    )
    matrix = to_canvas[:2].astype(np.float32)
    image = cv2.warpAffine(
        page, matrix, view.canvas, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    layers = np.stack(
        [cv2.warpAffine(layer, matrix, view.canvas, flags=cv2.INTER_NEAREST) for layer in layers]
    )
    marks = cv2.warpAffine(marks, matrix, view.canvas, flags=cv2.INTER_NEAREST)
    return _World(image, layers, marks, writing)


def _polygon_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def _centred(view: _View, share: float) -> sc._Area:
    """The canvas area ``share`` frames wide and high (at zoom 1) around the canvas's centre."""
    w, h = (n * view.density * share for n in view.frame)
    x0, y0 = round((view.canvas[0] - w) / 2), round((view.canvas[1] - h) / 2)
    return sc._Area(x0, y0, x0 + round(w), y0 + round(h))


def _ground_quad(rng: np.random.Generator, style: sc.SceneStyle, view: _View) -> np.ndarray:
    """Corners (TL, TR, BR, BL) of a page lying on the ground, inside the frame (at zoom 1).

    The page is turned up to 25 degrees, tilted by ``style.tilt`` and scaled so that it covers
    exactly a share drawn from ``style.page_cover`` of the frame; when it does not fit it turns
    less and takes the frame's shape.
    """
    assert style.page_cover is not None
    region = _centred(view, 1.0)
    margin = 0.015 * min(region.width, region.height)
    target = rng.uniform(*style.page_cover) * region.width * region.height
    aspect = float(rng.choice([1 / math.sqrt(2), math.sqrt(2), 0.77, 1.3]))
    angle = math.radians(rng.uniform(-25, 25))
    jitter = rng.uniform(-style.tilt, style.tilt, (4, 2))
    where = rng.uniform(0, 1, 2)
    for attempt in range(12):
        if attempt >= 4:
            aspect = region.width / region.height
        w = math.sqrt(target * aspect)
        h = target / w
        rect = (np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]]) + jitter) * (w, h)
        quad = rect @ sc._rotate_scale(angle, 1.0)[:2, :2].T
        quad *= math.sqrt(target / _polygon_area(quad))
        low, high = quad.min(axis=0), quad.max(axis=0)
        room = np.array([region.width, region.height]) - 2 * margin - (high - low)
        if np.all(room >= 0):
            return (quad - low + (region.x0, region.y0) + margin + where * room).astype(np.float32)
        angle *= 0.6
        jitter *= 0.6
    raise RuntimeError("no page fits the frame")  # pragma: no cover - share <= 0.7 always fits


def _lay_on_ground(
    rng: np.random.Generator,
    page: np.ndarray,
    quad: np.ndarray,
    homography: np.ndarray,
    ground: np.ndarray,
) -> np.ndarray:
    """The page warped onto the ground, with a softer, wider drop shadow than on a desk."""
    return sc.lay_page(
        rng, ground, page, quad, homography, shift=(2.0, 8.0), blur=0.012, darken=(0.3, 0.55)
    )


def _ground_world(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    style: sc.SceneStyle,
    view: _View,
    target: int,
) -> _World:
    """A page on a wall, wood, carpet or fabric, covering 30-70 % of the frame (at zoom 1)."""
    kind = GROUND_KINDS[int(rng.integers(len(GROUND_KINDS)))]
    ground = np.asarray(ground_image(rng, kind, view.canvas), dtype=np.float32)
    quad = _ground_quad(rng, style, view)
    page_size = sc._flat_size(quad)
    homography = cv2.getPerspectiveTransform(sc._page_rect(page_size), quad)
    probes = np.vstack([sc._page_rect(page_size), [np.asarray(page_size) / 2]])
    scales = sc._local_scales(homography, probes)
    share = _polygon_area(quad) / (view.frame[0] * view.frame[1] * view.density**2)
    page, layers, marks, writing = _written_page(
        rng,
        images,
        labels,
        style,
        page_size,
        view.density / float(np.median(scales)),
        lambda unit: _inset(rng, sc._Area(0, 0, *page_size)),
        max(1, round(target * share)),
        _min_gap(view.density, float(scales.min())),
    )
    image = _lay_on_ground(rng, page, quad, homography, ground)
    layers = np.stack([sc._warp_labels(layer, homography, view.canvas) for layer in layers])
    marks = sc._warp_labels(marks, homography, view.canvas)
    return _World(image, layers, marks, writing, quad)


def _fit_line(
    picker: _Picker,
    requests: list[float],
    glyphs: list[sc._Glyph],
    factor: float,
) -> None:
    """Write the line's digits again ``factor`` times as tall (in place)."""
    for k, glyph in enumerate(glyphs):
        requests[k] *= factor
        glyphs[k] = picker.again(glyph, requests[k])


def _closeup_world(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    style: sc.SceneStyle,
    view: _View,
    target: int,
) -> _World:
    """1-3 big digits, as a camera held close to them sees them: one number or single digits.

    Each digit's ink is 35-95 % of the frame's height (at zoom 1). Digits that do not fit the
    frame's width are written smaller, down to the least height, then dropped.
    """
    fh = view.frame[1] * view.density
    low, high = CLOSEUP_HEIGHT[0] * fh * 1.03 + 1, CLOSEUP_HEIGHT[1] * fh * 0.97 - 1
    height = rng.uniform(0.4, 0.9) * fh
    paper = sc._draw_paper(rng, style, view.canvas, height, 1 / view.density)
    page = sc._paper_image(rng, paper, view.canvas)
    pen = _draw_pen(rng, style)
    picker = _Picker(rng, images, labels, style, pen, max_width=1.6)
    count = int(rng.integers(1, 4))
    singles = count > 1 and rng.random() < 0.5
    requests = [float(np.clip(height * rng.uniform(0.96, 1.04), low, high)) for _ in range(count)]
    glyphs = [g for g in (picker.next(r) for r in requests) if g is not None]
    requests = requests[: len(glyphs)]
    written = view.written
    pad = max(4, round(0.02 * written.width))
    room = written.width - 2 * pad
    for attempt in range(8):
        for k, glyph in enumerate(glyphs):  # flat MNIST digits come out less tall: correct
            want = float(np.clip(glyph.box[3], low, high))
            if glyph.box[3] != want:
                requests[k] *= want / glyph.box[3]
                glyphs[k] = picker.again(glyph, requests[k])
        gaps = [rng.uniform(0.7, 1.4) if singles else rng.uniform(0.06, 0.35) for _ in glyphs]
        spans = [g.box[2] for g in glyphs] + [math.ceil(g * height) for g in gaps[1:]]
        total = sum(spans)
        if total <= room:
            break
        shrink = 0.98 * room / total
        if len(glyphs) == 1 or (attempt < 5 and min(g.box[3] for g in glyphs) * shrink >= low):
            _fit_line(picker, requests, glyphs, shrink)
            height *= shrink
        else:
            glyphs, requests = glyphs[:-1], requests[:-1]
    free = written.height - 2 * pad - max(g.box[3] for g in glyphs)
    jitter = max(0.0, min(0.03 * height, free / 2))
    tops = [-g.box[3] + round(rng.uniform(-jitter, jitter)) for g in glyphs]
    band_top = min(tops)
    band = max(t + g.box[3] for t, g in zip(tops, glyphs, strict=True)) - band_top
    x = written.x0 + pad + round(rng.uniform(0, max(room - total, 0)))
    baseline = written.y0 + pad + round(rng.uniform(0, max(written.height - 2 * pad - band, 0)))
    baseline -= band_top
    placed = []
    for k, (glyph, top) in enumerate(zip(glyphs, tops, strict=True)):
        if k:
            x += math.ceil(gaps[k] * height)
        placed.append(sc._Placed(glyph, x, baseline + top, k if singles else 0))
        x += glyph.box[2]
    inks = [_number_ink(rng, style, pen)] * (placed[-1].number + 1)  # one pen for all
    layers, marks = _write_world(rng, page, placed, [], inks)
    return _World(page, layers, marks, sc._Writing(placed, inks))


STRIP_LABELS = ("AMOUNT", "EUR", "$", "TOTAL", "No.", "Pay", "CHF", "Sum", "Betrag")
"""Printed words a strip may carry left of the written number (marks, not digits)."""


def _printed_word(rng: np.random.Generator, text: str, height: float) -> sc._Glyph:
    """Coverage of a printed word about ``height`` px tall (capitals), as a mark's glyph."""
    font = int(rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX]))
    scale = height / 22.0
    thickness = max(1, round(scale * rng.uniform(0.6, 1.1)))
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    canvas = np.zeros((h + base + 4 * thickness, w + 4 * thickness), np.uint8)
    cv2.putText(
        canvas, text, (2 * thickness, h + 2 * thickness), font, scale, 255, thickness, cv2.LINE_AA
    )
    alpha = sc._trim(canvas.astype(np.float32) * (1.0 / 255.0))
    return sc._Glyph(alpha, sc._ink_box(alpha), -1, -1)


def _wave_cover(
    phase: np.ndarray, period: float, slope: np.ndarray, thickness: float
) -> np.ndarray:
    """Coverage of the lines where ``phase`` is a whole number (``period`` px apart across)."""
    off = np.abs(phase - np.round(phase)) * np.float32(period) / np.sqrt(1 + slope * slope)
    return np.clip(np.float32(0.5 + thickness / 2) - off, 0.0, 1.0)


def _strip_paper(
    rng: np.random.Generator, size: tuple[int, int], baseline: float, height: float
) -> np.ndarray:
    """A strip of cheque-like paper: a light tint, a fine pattern, a printed rule and frame.

    The pattern is guilloche-like (two sets of interlaced waves), fine security lines or none;
    the rule is printed along ``baseline`` (the number is written on it).
    """
    width, full = size
    tints = [(214, 236, 218), (240, 226, 208), (226, 216, 242), (200, 236, 246), (236, 238, 238)]
    tint = np.asarray(tints[int(rng.integers(len(tints)))]) + rng.uniform(-6, 6, 3)
    plain = sc._Ruling("plain", 1.0, 0.0, 1.0, (0.0, 0.0, 0.0), 0.0, None)
    page = sc._paper_image(rng, sc._Paper(tuple(tint), rng.uniform(1.0, 2.5), plain), size)
    pattern = int(rng.choice(3, p=[0.5, 0.3, 0.2]))
    color = tint * rng.uniform(0.62, 0.8)
    if pattern == 0:  # guilloche: interlaced waves
        ys, xs = np.mgrid[0:full, 0:width].astype(np.float32)
        cover = np.zeros((full, width), np.float32)
        length, period = rng.uniform(40, 160), rng.uniform(5, 10)
        for sign in (1.0, -1.0):
            amp = sign * rng.uniform(0.4, 1.5) * period
            angle = 2 * np.pi * xs / np.float32(length) + np.float32(rng.uniform(0, 2 * np.pi))
            phase = (ys + np.float32(amp) * np.sin(angle)) / np.float32(period)
            slope = np.float32(2 * np.pi * amp / length) * np.cos(angle)
            cover = np.maximum(cover, _wave_cover(phase, period, slope, rng.uniform(0.6, 1.1)))
        sc._blend(page, cover, color, rng.uniform(0.35, 0.6))
    elif pattern == 1:  # fine security lines
        starts = np.arange(rng.uniform(0, 4), full, rng.uniform(3, 6))
        lines = sc._line_coverage(full, starts, rng.uniform(0.5, 0.9))
        sc._blend(page, lines[:, None], color, rng.uniform(0.3, 0.5))
    grey = rng.uniform(40, 110)
    if rng.random() < 0.7:  # the printed rule the number is written on
        y = min(baseline + rng.uniform(0.0, 0.06) * height, full - 3)
        rule = sc._line_coverage(full, np.array([y]), rng.uniform(1.0, 2.5))
        span = np.zeros(width, np.float32)
        span[round(width * rng.uniform(0.02, 0.1)) : round(width * rng.uniform(0.9, 0.98))] = 1
        sc._blend(page, rule[:, None] * span[None], (grey, grey, grey), rng.uniform(0.7, 0.9))
    if rng.random() < 0.4:  # a printed frame around the field
        frame = np.zeros((full, width), np.uint8)
        inset = np.round(rng.uniform(0.01, 0.03, 2) * (width, full)).astype(int)
        cv2.rectangle(
            frame,
            tuple(inset.tolist()),
            (width - 1 - inset[0], full - 1 - inset[1]),
            255,
            max(1, round(rng.uniform(0.8, 2.0))),
            cv2.LINE_AA,
        )
        sc._blend(page, frame.astype(np.float32) / 255, (grey, grey, grey), rng.uniform(0.5, 0.8))
    return page


def _strip_world(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    style: sc.SceneStyle,
    view: _View,
    target: int,
) -> _World:
    """One number of 2-8 digits across a strip of cheque-like paper that fills the frame.

    The number's box is 60-95 % of the frame's height; its digits touch, overlap or nearly
    touch (a gap drawn per scene from ``style.digit_gap``, a little different per pair). A
    printed word may stand left of it.
    """
    width, full = view.canvas
    low, high = (f * full for f in STRIP_HEIGHT)
    pen = _draw_pen(rng, style)
    picker = _Picker(rng, images, labels, style, pen, max_width=1.3)
    centre = rng.uniform(*style.digit_gap)
    lo, hi = style.digit_gap
    local = replace(style, digit_gap=(max(lo, centre - 0.04), min(hi, centre + 0.04)))
    height = rng.uniform(0.66, 0.9) * full / 1.05
    requests = [height * rng.uniform(0.96, 1.04) for _ in range(sc._number_length(rng, style))]
    glyphs = [g for g in (picker.next(r) for r in requests) if g is not None]
    requests = requests[: len(glyphs)]
    pad = max(4, round(0.03 * width))
    room = width - 2 * pad
    label = None
    if rng.random() < 0.4:
        label = _printed_word(rng, str(rng.choice(STRIP_LABELS)), rng.uniform(0.12, 0.2) * full)
        room -= label.box[2] + math.ceil(0.3 * height)
    number = _number_piece(rng, glyphs, local, height, 2)
    for _ in range(10):
        if number.width <= room and low + 1 <= number.height <= high - 1:
            break
        factor = (0.5 * (low + high)) / number.height
        if number.width * factor > room:
            factor = 0.98 * room / number.width
            if number.height * factor < low + 1 and len(glyphs) > 2:
                glyphs, requests = glyphs[:-1], requests[:-1]
                factor = 1.0
        _fit_line(picker, requests, glyphs, factor)
        height *= factor
        number = _number_piece(rng, glyphs, local, height, 2)
    x = width - pad - room + round(rng.uniform(0, max(room - number.width, 0)))
    y = round(rng.uniform(0.3, 0.7) * (full - number.height))
    placed = [sc._Placed(g, x + gx, y + gy, 0) for g, gx, gy in number.parts]
    baseline = float(np.median([p.y + p.glyph.box[3] for p in placed]))
    page = _strip_paper(rng, view.canvas, baseline, height)
    marks = []
    if label is not None:
        top = round(rng.uniform(0.1, 0.9) * (full - label.box[3]))
        marks.append(_Mark(label, pad, top, "printed", -1))
    inks = [_number_ink(rng, style, pen)]
    layers, mark_map = _write_world(rng, page, placed, marks, inks)
    return _World(page, layers, mark_map, sc._Writing(placed, inks))


def _build_world(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    style: sc.SceneStyle,
    view: _View,
    target: int,
) -> _World:
    if style.layout == "closeup":
        return _closeup_world(rng, images, labels, style, view, target)
    if style.layout == "strip":
        return _strip_world(rng, images, labels, style, view, target)
    if style.layout != "rows":
        raise ValueError(f"unknown layout {style.layout!r}")
    if style.page_cover is not None:
        return _ground_world(rng, images, labels, style, view, target)
    if style.rotation is not None and rng.random() < style.rotate_page_chance:
        return _turned_world(rng, images, labels, style, view, target)
    return _flat_world(rng, images, labels, style, view, target)


# ---------------------------------------------------------------------------------------------
# Stills and videos


def render_layout_scene(
    images: np.ndarray,
    labels: np.ndarray,
    family: str,
    seed: int,
    size: tuple[int, int],
    digits: int | None,
) -> sc.Scene:
    """One photo of a family laid out here; :func:`benchmarks.scenes.render_scene` calls it."""
    style = sc.FAMILIES[family]
    rng = np.random.default_rng(seed)
    if style.frame_sizes:
        size = tuple(style.frame_sizes[int(rng.integers(len(style.frame_sizes)))])
    target = digits if digits is not None else sc._digit_count(rng, style, size)
    view = _View(size, size, 1.0, sc._Area(0, 0, *size))
    world = _build_world(rng, images, labels, style, view, target)
    light, glare = sc._lighting(rng, style, size), sc._glare(rng, style, size)
    image = sc._expose(rng, world.image, light, sc._draw_camera(rng, style), glare)
    if style.light_ink:
        image = _board(rng, image)
    unseen = None if glare is None else _washed_out(world, light, glare)
    truth = _world_truth(world.layers, world.marks, world.writing, unseen=unseen)
    return sc.Scene(image, truth, family, seed, world.page)


WASHED = 24.0
"""A digit whose ink, once the glare is added and the light clipped at white, is less than this
many levels darker than the board around it, and less than half as dark as it was without the
glare, is washed out: no reader sees it, so it is neither to be found nor a false alarm (about
twice a camera's noise; the finder's ink margin is 14)."""


def _washed_out(world: _World, light: np.ndarray | None, glare: np.ndarray) -> np.ndarray:
    """(count + 1,) bool by digit id: the digits :data:`WASHED` says the ``glare`` hid."""
    count = len(world.writing.placed)
    unseen = np.zeros(count + 1, bool)
    gray = world.image.mean(axis=2)
    if light is not None:
        gray = gray * light
    for ident in range(1, count + 1):
        inked = (world.layers == ident).any(axis=0)
        ys, xs = np.nonzero(inked)
        if len(ys) == 0:
            continue
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        box = (slice(y0, y1), slice(x0, x1))
        ground = (world.layers[:, y0:y1, x0:x1] == 0).all(axis=0) & (world.marks[box] == 0)
        if not ground.any():
            continue
        paper = float(np.median(gray[box][ground]))
        ink, added = gray[inked], glare[inked]
        seen = float(np.median(np.minimum(paper + added, 255.0) - np.minimum(ink + added, 255.0)))
        unseen[ident] = seen < WASHED and seen < 0.5 * float(np.median(paper - ink))
    return unseen


def _board(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """Light writing on a dark board: the photo's tones turned over (paper to board, ink to
    chalk, light to shade), tinted green-grey or black, the chalk a little short of white."""
    return _on_board(image, _board_look(rng))


def _board_look(rng: np.random.Generator) -> tuple[np.ndarray, float, float]:
    """A board's tint, its level and its chalk's (drawn once for a video's every frame)."""
    tints = [(0.75, 0.95, 0.8), (0.9, 0.9, 0.9), (0.85, 0.8, 0.75)]
    tint = np.asarray(tints[int(rng.integers(len(tints)))], np.float32)
    board = rng.uniform(25, 60)
    return tint, board, rng.uniform(200, 240)


def _on_board(image: np.ndarray, look: tuple[np.ndarray, float, float]) -> np.ndarray:
    """``image`` as the board of ``look`` (see :func:`_board`)."""
    tint, board, chalk = look
    turned = 255.0 - image.astype(np.float32)
    # paper (about 15 after turning) lands on the board's level; ink keeps its contrast
    scaled = board + turned * ((chalk - board) / 240.0)
    return np.clip(scaled * tint, 0, 255).astype(np.uint8)


def _zoom_path(
    rng: np.random.Generator,
    size: tuple[int, int],
    canvas: tuple[int, int],
    times: np.ndarray,
    centre: np.ndarray,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Per frame, the homography from world to frame of a hand-held camera, and its zoom.

    As :func:`benchmarks.scenes._camera_path` (a slow pan through ``centre``, a hand's jitter, a
    fixed keystone), and the camera moves closer or away: the zoom changes smoothly by a factor
    of 1.3-1.9 within 0.7-1.4 over the clip.
    """
    width, height = size
    keystone = cv2.getPerspectiveTransform(
        sc._page_rect(size),
        (sc._page_rect(size) + rng.uniform(-0.015, 0.015, (4, 2)) * size).astype(np.float32),
    )
    base_angle = np.radians(rng.uniform(-3, 3))
    jitter_x, jitter_y = sc._wobble(rng, times, 1.5), sc._wobble(rng, times, 1.5)
    jitter_angle = sc._wobble(rng, times, np.radians(0.25))
    change = _log_uniform(rng, *ZOOM_CHANGE)
    low = _log_uniform(rng, ZOOM[0], ZOOM[1] / change)
    span = float(times[-1] - times[0]) or 1.0
    t = (times - times[0]) / span
    ease = t * t * (3 - 2 * t)
    if rng.random() < 0.5:
        ease = 1 - ease
    zooms = low * change**ease
    direction = rng.uniform(0, 2 * np.pi)
    heading = np.array([np.cos(direction), np.sin(direction)])
    speed = rng.uniform(0.01, 0.03) * canvas[0]  # world pixels per second
    progress = times - times.mean()
    for _ in range(10):  # shorten the pan until every frame stays in the world
        path = [
            keystone
            @ sc._translate(width / 2 + jitter_x[i], height / 2 + jitter_y[i])
            @ sc._rotate_scale(base_angle + jitter_angle[i], zooms[i] / VIDEO_DENSITY)
            @ sc._translate(*(-(centre + speed * p * heading)))
            for i, p in enumerate(progress)
        ]
        if all(sc._covers_frame(h, size, canvas) for h in path):
            return path, zooms
        speed /= 2
    raise RuntimeError("the camera path leaves the world")  # pragma: no cover - geometry bound


def render_layout_video(
    images: np.ndarray,
    labels: np.ndarray,
    family: str,
    seed: int,
    size: tuple[int, int],
    seconds: float,
    fps: float,
    digits: int | None,
) -> sc.SceneVideo:
    """A hand-held camera filming a family's world, zooming in or out; truth per frame.

    The world is rendered once at :data:`VIDEO_DENSITY` pixels per frame pixel,
    :data:`VIDEO_EXTENT` frames wide; each frame views it through its own homography, from the
    world itself or, when zoomed out, from a half-size copy (no aliasing). Digits whose ink goes
    on beyond the frame's border are ``partial``; numbers are listed when all their digits are
    whole. :func:`benchmarks.scenes.render_video` calls it.
    """
    style = sc.FAMILIES[family]
    if family not in sc.VIDEO_FAMILIES:
        raise ValueError(f"family {family!r} has no video; those that do: {sc.VIDEO_FAMILIES}")
    rng = np.random.default_rng(seed)
    width, height = size
    canvas = (
        math.ceil(width * VIDEO_DENSITY * VIDEO_EXTENT),
        math.ceil(height * VIDEO_DENSITY * VIDEO_EXTENT),
    )
    view = _View(canvas, size, VIDEO_DENSITY, sc._Area(0, 0, *canvas))
    share = 1.0 if style.layout == "closeup" else VIDEO_WRITTEN
    view = replace(view, written=_centred(view, share))
    written = (round(width * VIDEO_WRITTEN), round(height * VIDEO_WRITTEN))
    target = digits if digits is not None else sc._digit_count(rng, style, written)
    world = _build_world(rng, images, labels, style, view, target)
    full = cv2.GaussianBlur(world.image, (0, 0), 0.5)
    half = cv2.resize(world.image, (canvas[0] // 2, canvas[1] // 2), interpolation=cv2.INTER_AREA)
    to_full = np.array([[2, 0, 0.5], [0, 2, 0.5], [0, 0, 1]], np.float64)  # half -> full pixels

    frame_count = max(1, round(seconds * fps))
    times = np.arange(frame_count) / fps
    centre = np.array(
        [(view.written.x0 + view.written.x1) / 2, (view.written.y0 + view.written.y1) / 2]
    )
    path, zooms = _zoom_path(rng, size, canvas, times, centre)
    light, glare = sc._lighting(rng, style, size), sc._glare(rng, style, size)
    camera = sc._draw_camera(rng, style)
    board = _board_look(rng) if style.light_ink else None
    margin = VIDEO_MARGIN
    outer = (width + 2 * margin, height + 2 * margin)
    frames, truths = [], []
    for homography, zoom in zip(path, zooms, strict=True):
        if VIDEO_DENSITY / zoom > 1.6:
            seen = cv2.warpPerspective(
                half,
                homography @ to_full,
                size,
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
        else:
            seen = cv2.warpPerspective(
                full, homography, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
            )
        shaky = replace(camera, blur=camera.blur + rng.uniform(0, 0.3))
        frame = sc._expose(rng, seen, light, shaky, glare)
        frames.append(frame if board is None else _on_board(frame, board))
        around = sc._translate(margin, margin) @ homography
        layers = [sc._warp_labels(layer, around, outer, whole=True) for layer in world.layers]
        marks = sc._warp_labels(world.marks, around, outer, whole=True)
        truths.append(_world_truth(np.stack(layers), marks, world.writing, margin))
    return sc.SceneVideo(frames, truths, float(fps), family, seed)
