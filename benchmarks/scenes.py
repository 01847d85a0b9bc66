"""Synthetic camera scenes: MNIST test digits handwritten on a photographed notebook page.

A scene is what a camera looking at a page of written numbers would deliver, with exact ground
truth: the box of every digit's visible ink and of every written number, in the final image's
pixels. It is built in the order light takes:

1. a flat page: paper tone and grain, optionally ruled or squared lines and a margin line;
2. numbers written on it: MNIST digits scaled to a handwriting height, strokes thickened or
   thinned, in black, blue ballpoint or pencil; a label map records which digit owns each ink
   pixel;
3. the page seen by the camera: flat (the page fills the frame) or on a desk with perspective
   (a homography), the label map warped with the very same homography;
4. light: a smooth illumination gradient and a soft shadow;
5. the camera: focus blur, sensor noise, JPEG.

Everything is drawn from one ``numpy.random.Generator`` seeded by the scene's seed, so a seed
gives byte-identical images. :data:`FAMILIES` names presets of the ranges each effect is drawn
from (:class:`SceneStyle`). :func:`render_video` views one page through a hand-held camera that
pans slowly across it.

The families from "closeup" on show other material than the notebook page: close-ups, cheque
strips, thin pens and markers, touching digits, tight rows, uneven spacing, letters and doodles
beside the numbers, pages on textured grounds, rotated writing. :mod:`benchmarks.scene_layouts`
lays them out (and films them, zooming: :data:`VIDEO_FAMILIES`); this module keeps the paper,
inks, light, camera and truth they share. Old families render byte for byte as before.

    python -m benchmarks.scenes OUT_DIR [--family clean perspective ...] [--seed 0]
        [--video [FAMILY]]

writes sample images (and a copy with the truth boxes drawn) for a visual check.
"""

from __future__ import annotations

import argparse
import logging
import math
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]
"""x, y, w, h in pixels."""

INK_THRESHOLD = 0.25
"""Ink coverage (0..1) from which a pixel counts as its digit's visible ink, for the truth box."""

MIN_DIGIT_GAP = 3
"""Fewest pixels between the ink boxes of neighbouring digits, in the final image."""

VIDEO_PAGE_SCALE = 1.5
"""A video's page is rendered at this many page pixels per output pixel (then viewed smaller)."""

VIDEO_PAGE_EXTENT = 1.6
"""A video's page is this many times the frame in each direction, so pans never leave it."""

VIDEO_WRITTEN = 1.05
"""The numbers on a video's page fill this many times the frame, around the page's centre:
the pan brings some of them in and out of view at the frame's edges."""

_MNIST_STROKE = 2.2
"""Typical stroke width of an MNIST digit, in its 28x28 pixels."""

MAX_WIDTH = 1.0
"""A digit's ink is written at most this many times as wide as it is tall."""


# ---------------------------------------------------------------------------------------------
# Public data


@dataclass(frozen=True, eq=False)
class Truth:
    """Ground truth of one image, all in the final image's pixels."""

    boxes: np.ndarray
    """(N, 4) int32 x, y, w, h: tight box of each digit's visible ink after all warps."""
    labels: np.ndarray
    """(N,) int64 digit 0..9."""
    partial: np.ndarray
    """(N,) bool: the digit is cut by the image border; neither to be found nor a false alarm."""
    numbers: list[tuple[str, Box]]
    """(text, box) per written number whose digits are all fully visible."""
    sources: np.ndarray
    """(N,) int64: index of each digit's image in the ``images`` the scene was made from."""
    marks: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int32))
    """(M, 4) int32 x, y, w, h: visible ink of writing that is no digit (letters, symbols,
    doodles, printed labels), which a reader must not report; empty on most pages."""


@dataclass(frozen=True, eq=False)
class Scene:
    image: np.ndarray
    """(H, W, 3) uint8 BGR, as a camera delivers it (after the JPEG round trip when chosen)."""
    truth: Truth
    family: str
    seed: int
    page: np.ndarray | None = None
    """(4, 2) float32 corners of the page (TL, TR, BR, BL) in the image where the page does not
    fill it (a desk or a textured ground around it), else None."""


@dataclass(frozen=True, eq=False)
class SceneVideo:
    frames: list[np.ndarray]
    """BGR uint8 frames, all the same size."""
    truths: list[Truth]
    """One per frame."""
    fps: float
    family: str
    seed: int


@dataclass(frozen=True)
class SceneStyle:
    """The ranges one family's scenes are drawn from.

    ``(lo, hi)`` pairs are uniform ranges, ``*_chance`` fields probabilities, and weight tuples
    relative odds. Heights, gaps and blur are in final-image pixels.
    """

    digit_height: tuple[float, float] = (24.0, 70.0)
    """Ink body height of the scene's digits."""
    height_spread: float = 0.15
    """Rows of unruled paper vary in height by up to this fraction around the scene's height."""
    density: tuple[float, float] = (58.0, 101.0)
    """Digits per megapixel of frame (40..70 in a 960x720 frame); fewer when they do not fit."""
    number_lengths: tuple[float, ...] = (0.15, 0.25, 0.25, 0.15, 0.1, 0.1)
    """Odds of a number having 1, 2, ... 6 digits."""
    digit_gap: tuple[float, float] = (0.1, 0.5)
    """Gap between neighbouring ink boxes of a number, times the digit height."""
    number_gap: tuple[float, float] = (1.3, 3.0)
    """Least gap between numbers of a row, times the digit height (more where a row has room)."""
    stroke: tuple[float, float] = (-0.3, 0.4)
    """Change of stroke width, as a fraction of the digit's own stroke width."""
    paper_tone: tuple[float, float] = (215.0, 248.0)
    cream_chance: float = 0.3
    grain: tuple[float, float] = (1.0, 3.0)
    """Standard deviation of the paper's texture, in levels."""
    paper: tuple[float, float, float] = (0.4, 0.4, 0.2)
    """Odds of plain, ruled and squared paper."""
    line_spacing: tuple[float, float] = (1.2, 1.8)
    """Ruled line spacing, times the digit height."""
    margin_chance: float = 0.4
    """Chance that ruled paper has a red margin line."""
    inks: tuple[float, float, float] = (0.75, 0.25, 0.0)
    """Odds of black ink, blue ballpoint and pencil, drawn per number."""
    gradient_chance: float = 0.6
    gradient_depth: tuple[float, float] = (0.7, 0.9)
    """Brightness of the darkest part of the illumination, relative to the brightest."""
    shadow_chance: float = 0.15
    shadow_strength: tuple[float, float] = (0.15, 0.3)
    desk_chance: float = 0.0
    """Chance that the page lies on a desk, seen in perspective, instead of filling the frame."""
    tilt: float = 0.08
    """Largest jitter of the page's corners on a desk, as a fraction of the frame size."""
    blur: tuple[float, float] = (0.0, 0.8)
    """Focus blur, Gaussian sigma in pixels."""
    noise: tuple[float, float] = (1.0, 4.0)
    """Sensor noise, Gaussian sigma in levels, per channel."""
    jpeg_chance: float = 0.0
    jpeg_quality: tuple[int, int] = (75, 95)
    hard_shadow_chance: float | None = None
    """With a value, shadows are cast at full resolution (:func:`_cast_shadow`): hard-edged with
    this chance, else soft; None keeps the faint low-resolution shadow of the first families."""

    # The fields below are read by the layouts of :mod:`benchmarks.scene_layouts` only: the
    # defaults leave the notebook page ("page" layout) exactly as it was.
    layout: str = "page"
    """"page": rows of numbers on a notebook page (this module); "rows": rows of pieces (numbers,
    rotated numbers, marks) with the knobs below; "closeup": 1-3 big digits; "strip": one number
    across a strip of cheque-like paper."""
    frame_sizes: tuple[tuple[int, int], ...] | None = None
    """When set, each scene draws its frame size from these instead of taking the one asked."""
    pens: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    """Odds of the scene's pen: MNIST's own stroke, a thin line (1-2 px), a pen (4-8 % of the
    digit height) and a marker (13-23 %); all but the first redraw the digit's skeleton."""
    pen_width: tuple[float, float] | None = None
    """The thin pen's width in pixels, or the pen's and marker's as a fraction of the digit
    height, instead of the default of :mod:`benchmarks.scene_layouts`."""
    gap_unit: str = "height"
    """What ``digit_gap`` is counted in: the digit "height", or the mean ink "width" of the
    number's digits."""
    gap_per_number: bool = False
    """One gap for all neighbours of a number (else one per pair of neighbours)."""
    touch: bool = False
    """``digit_gap`` is the gap between the inks, row by row (negative: they overlap), instead
    of between the ink boxes: digits touch for real."""
    number_gap_min: float = 1.3
    """Least gap between numbers, times the taller of the digit height and the tallest digit."""
    row_gap: tuple[float, float] | None = None
    """Gap between the ink of neighbouring rows, times the digit height, rows packed tight;
    None: at least 0.55 digit heights, rows spread over the page."""
    baseline_jitter: float = 0.06
    """Digits of a number sit this many digit heights above or below their line, at most."""
    marks: float = 0.0
    """Mean number of marks (letters, words, symbols, doodles) written beside each number."""
    page_cover: tuple[float, float] | None = None
    """When set, the page lies on a textured ground and covers this share of the frame."""
    rotation: tuple[float, float] | None = None
    """When set, the writing is turned by this many degrees (either sign): the whole page with
    ``rotate_page_chance``, else each number on its own."""
    rotate_page_chance: float = 0.5
    dark_grid: tuple[float, float] | None = None
    """When set, squared paper has a grid this many final pixels apart (a range), its lines as
    dark as the ink and 1-2 px thick, instead of the faint grid of a digit's half-height."""
    boxes: bool = False
    """Each number is written one digit per printed box (a form's comb of cells), the boxes'
    lines as dark as ink or coloured, some digits touching or crossing them."""
    light_ink: bool = False
    """Light writing on a dark board (chalk, white marker on black paper): the photo's tones
    are turned over and tinted like a board."""
    glare: tuple[float, float] | None = None
    """When set, a lamp's or a window's reflection on a glossy board: one or two spots of light
    added to the photo, this many levels at their centres (a range; clipped at white)."""
    ink_opacity: tuple[float, float] | None = None
    """When set, each number's ink is this share as opaque as its pen's (a dry marker)."""


_BASE = SceneStyle()

FAMILIES: dict[str, SceneStyle] = {
    "clean": replace(
        _BASE,
        paper_tone=(238.0, 250.0),
        cream_chance=0.0,
        paper=(1.0, 0.0, 0.0),
        inks=(1.0, 0.0, 0.0),
        gradient_chance=0.0,
        shadow_chance=0.0,
        blur=(0.0, 0.5),
        noise=(1.0, 2.5),
    ),
    "ruled": replace(_BASE, paper=(0.0, 1.0, 0.0), margin_chance=0.5),
    "squared": replace(_BASE, paper=(0.0, 0.0, 1.0)),
    "shadow": replace(  # the paper in the shadow gets 25-40 % of the light of the lit paper
        _BASE,
        gradient_chance=0.5,
        gradient_depth=(0.88, 0.97),
        shadow_chance=1.0,
        shadow_strength=(0.6, 0.75),
        hard_shadow_chance=0.5,
    ),
    "perspective": replace(_BASE, desk_chance=1.0),
    "ink": replace(_BASE, inks=(0.0, 0.5, 0.5)),
    "blur_noise": replace(_BASE, blur=(0.8, 1.5), noise=(4.0, 8.0)),
    "jpeg": replace(_BASE, jpeg_chance=1.0, jpeg_quality=(50, 70)),
    "small": replace(_BASE, digit_height=(20.0, 32.0)),
    "large": replace(_BASE, digit_height=(70.0, 120.0)),
    "mixed": replace(
        _BASE,
        digit_height=(20.0, 120.0),
        height_spread=0.3,
        paper_tone=(200.0, 250.0),
        cream_chance=0.4,
        paper=(1.0, 1.0, 1.0),
        inks=(1.0, 1.0, 1.0),
        gradient_chance=0.5,
        gradient_depth=(0.55, 0.9),
        shadow_chance=0.5,
        shadow_strength=(0.15, 0.4),
        desk_chance=0.5,
        blur=(0.0, 1.5),
        noise=(1.0, 8.0),
        jpeg_chance=0.5,
        jpeg_quality=(50, 95),
    ),
    "video": replace(
        _BASE,
        digit_height=(28.0, 48.0),
        density=(26.0, 46.0),
        paper=(0.0, 1.0, 0.0),
        inks=(0.6, 0.4, 0.0),
        blur=(0.3, 0.9),
        noise=(1.0, 4.0),
    ),
    # Real material, laid out by benchmarks.scene_layouts: see its docstring.
    "closeup": replace(
        _BASE,
        layout="closeup",
        frame_sizes=((320, 240), (640, 480), (800, 600), (1280, 720)),
        pens=(0.3, 0.0, 0.35, 0.35),
        paper=(0.7, 0.15, 0.15),
        inks=(0.7, 0.3, 0.0),
        gradient_chance=0.7,
        blur=(0.3, 1.6),
        noise=(1.5, 5.0),
        jpeg_chance=0.3,
        jpeg_quality=(70, 92),
    ),
    "thin": replace(
        _BASE,
        layout="rows",
        digit_height=(20.0, 200.0),
        height_spread=0.3,
        pens=(0.0, 1.0, 0.0, 0.0),
        paper=(0.7, 0.0, 0.3),
        inks=(0.6, 0.4, 0.0),
        blur=(0.0, 0.5),
    ),
    "marker": replace(
        _BASE,
        layout="rows",
        digit_height=(28.0, 130.0),
        pens=(0.0, 0.0, 0.0, 1.0),
        paper=(0.7, 0.0, 0.3),
    ),
    "strip": replace(
        _BASE,
        layout="strip",
        frame_sizes=((640, 160), (800, 200), (960, 240), (1280, 256), (1280, 320)),
        number_lengths=(0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        digit_gap=(-0.1, 0.3),
        touch=True,
        baseline_jitter=0.03,
        pens=(0.5, 0.1, 0.3, 0.1),
        inks=(0.6, 0.4, 0.0),
        blur=(0.2, 1.2),
        jpeg_chance=0.3,
        jpeg_quality=(70, 92),
    ),
    "touching": replace(
        _BASE,
        layout="rows",
        number_lengths=(0.0, 0.3, 0.3, 0.2, 0.1, 0.1),
        digit_gap=(-0.15, 0.05),
        touch=True,
        paper=(0.6, 0.0, 0.4),
    ),
    "rows": replace(
        _BASE,
        layout="rows",
        height_spread=0.08,
        row_gap=(0.0, 0.3),
        density=(90.0, 150.0),
        paper=(0.6, 0.0, 0.4),
    ),
    "spacing": replace(
        _BASE,
        layout="rows",
        digit_gap=(0.0, 1.2),
        gap_unit="width",
        gap_per_number=True,
        number_gap=(0.5, 2.5),
        number_gap_min=0.5,
        paper=(0.6, 0.0, 0.4),
    ),
    "clutter": replace(
        _BASE,
        layout="rows",
        marks=1.2,
        number_gap=(1.3, 2.5),
        paper=(0.6, 0.0, 0.4),
    ),
    "texture": replace(
        _BASE,
        layout="rows",
        page_cover=(0.3, 0.7),
        digit_height=(18.0, 45.0),
        paper=(0.6, 0.0, 0.4),
        tilt=0.05,
    ),
    "light": replace(  # chalk on a blackboard, white marker on black paper
        _BASE,
        layout="rows",
        light_ink=True,
        pens=(0.5, 0.0, 0.25, 0.25),
        paper=(1.0, 0.0, 0.0),
        inks=(1.0, 0.0, 0.0),
    ),
    "whiteboard": replace(  # dry-erase marker on a glossy board under a lamp's glare
        _BASE,
        layout="rows",
        pens=(0.0, 0.0, 0.4, 0.6),
        paper=(1.0, 0.0, 0.0),
        paper_tone=(205.0, 245.0),
        cream_chance=0.0,
        grain=(0.5, 1.5),
        ink_opacity=(0.4, 0.85),
        glare=(50.0, 150.0),
    ),
    "grid": replace(  # graph paper whose grid is as dark as the ink
        _BASE,
        layout="rows",
        paper=(0.0, 0.0, 1.0),
        dark_grid=(25.0, 40.0),
    ),
    "boxes": replace(  # a form: one digit per printed box, flat or on a desk
        _BASE,
        boxes=True,
        desk_chance=0.5,
        paper=(1.0, 0.0, 0.0),
        density=(35.0, 65.0),
        number_lengths=(0.0, 0.1, 0.2, 0.2, 0.15, 0.15, 0.1, 0.1),
        digit_gap=(0.15, 0.6),
    ),
    "rotated": replace(
        _BASE,
        layout="rows",
        rotation=(10.0, 35.0),
        number_lengths=(0.0, 0.1, 0.35, 0.3, 0.25),
        baseline_jitter=0.02,
        paper=(0.6, 0.0, 0.4),
    ),
}
"""Named presets. Each emphasizes some effects; "mixed" draws everything. The first ones are rows
of numbers on a notebook page; those from "closeup" on show other material (see
:mod:`benchmarks.scene_layouts`)."""

VIDEO_FAMILIES: tuple[str, ...] = (
    "video",
    "closeup",
    "thin",
    "marker",
    "rows",
    "spacing",
    "clutter",
    "texture",
    "rotated",
    "touching",
    "light",
)
"""Families :func:`render_video` films: "video" pans over a ruled page; the others pan and zoom
over their own world ("light": a board filmed, chalk or white marker on it). (The other
notebook-page families still render as "video" does, with their paper, ink and light; "strip"
has none.)"""


# ---------------------------------------------------------------------------------------------
# Internal records


@dataclass(frozen=True)
class _Area:
    """A rectangle of the flat page where digits may go (x1, y1 exclusive)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


@dataclass(frozen=True)
class _Ruling:
    kind: str  # "plain", "ruled" or "squared"
    spacing: float  # between lines, page pixels
    offset: float  # y of the first line (x of the first column for squared paper)
    thickness: float
    color: tuple[float, float, float]
    opacity: float
    margin_x: float | None  # red vertical margin line, if any


@dataclass(frozen=True)
class _Paper:
    color: tuple[float, float, float]
    grain: float
    ruling: _Ruling


@dataclass(frozen=True)
class _Ink:
    color: tuple[float, float, float]
    opacity: float
    texture: float  # pencil: how much the coverage varies grain by grain (0: even ink)


@dataclass(frozen=True)
class _Glyph:
    alpha: np.ndarray  # float32 ink coverage 0..1
    box: Box  # the visible ink inside alpha
    label: int
    source: int


@dataclass(frozen=True)
class _Item:
    glyph: _Glyph
    x: int  # ink box left, relative to the row's start
    bottom: int  # ink box bottom (exclusive), relative to the row's baseline


@dataclass(frozen=True)
class _Row:
    numbers: tuple[tuple[_Item, ...], ...]

    @property
    def items(self) -> list[_Item]:
        return [item for number in self.numbers for item in number]

    @property
    def up(self) -> int:
        """How far the ink reaches above the baseline."""
        return max(item.glyph.box[3] - item.bottom for item in self.items)

    @property
    def down(self) -> int:
        """How far the ink reaches below the baseline."""
        return max(item.bottom for item in self.items)

    @property
    def ink_height(self) -> int:
        return max(item.glyph.box[3] for item in self.items)


@dataclass(frozen=True)
class _Placed:
    glyph: _Glyph
    x: int  # page x of the ink box's left edge
    y: int  # page y of the ink box's top edge
    number: int


@dataclass(frozen=True)
class _Writing:
    """The digits of a page: where each went and which number it belongs to."""

    placed: list[_Placed]
    inks: list[_Ink]  # one per number


@dataclass(frozen=True)
class _Camera:
    blur: float
    noise: float
    jpeg_quality: int | None


# ---------------------------------------------------------------------------------------------
# Digits


def _ink_box(alpha: np.ndarray, level: float = INK_THRESHOLD) -> Box:
    """Box of the pixels above ``level``."""
    rows = np.flatnonzero(alpha.max(axis=1) > level)
    cols = np.flatnonzero(alpha.max(axis=0) > level)
    return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


def _upscale(digit: np.ndarray, scale: float, stroke: float) -> np.ndarray:
    """Coverage of ``digit`` (float 0..1, padded) scaled by ``scale``, with crisp edges.

    The stroke changes by ``stroke`` times its width: whole pixels by morphology, the rest by
    moving the level at which the smooth upscaled digit is cut into ink.
    """
    h, w = digit.shape
    up = cv2.resize(digit, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    if scale > 2:  # round off the 28 px grid the cubic still shows
        up = cv2.GaussianBlur(up, (0, 0), 0.3 * scale)
    per_side = stroke * _MNIST_STROKE * scale / 2
    radius = int(round(per_side))
    if radius:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(radius) + 1,) * 2)
        morphed = cv2.dilate(up, kernel) if radius > 0 else cv2.erode(up, kernel)
        if morphed.max() > 0.6:  # an erosion must not wipe out a thin digit
            up = morphed
        else:
            radius = 0
    # The upscaled edge rises from 0 to 1 over about 2 * scale pixels.
    level = float(np.clip(0.5 - (per_side - radius) / (2 * scale), 0.25, 0.75))
    gain = max(1.0, 1.7 * scale)  # edges about 1.2 px wide: anti-aliased, not smeared
    return np.clip((up - level) * gain + 0.5, 0.0, 1.0)


def _fit(box: Box, height: float) -> float:
    """Scale factor that makes an ink box ``height`` tall, or as wide as tall if that is less."""
    return min(height / box[3], MAX_WIDTH * height / box[2])


def _render_glyph(digit: np.ndarray, height: float, stroke: float) -> np.ndarray:
    """Coverage (float32 0..1) of an MNIST digit written so its ink is ``height`` px tall.

    A digit that MNIST made flat (wider than tall) is written narrower and so less tall: a
    writer keeps the width of a flat 5 like that of the others, not twice as wide.
    """
    src = np.pad(digit.astype(np.float32) * (1.0 / 255.0), 3)
    if src.max() <= 0.5:
        raise ValueError("an MNIST digit image has no ink")
    scale = _fit(_ink_box(src, 0.5), height)
    alpha = _upscale(src, scale, stroke)
    for _ in range(2):  # the ink's size depends on the stroke: correct the scale once or twice
        box = _ink_box(alpha)
        factor = _fit(box, height)
        if abs(factor - 1) * box[3] <= 0.75:
            break
        scale *= factor
        alpha = _upscale(src, scale, stroke)
    return _trim(alpha)


def _trim(alpha: np.ndarray, pad: int = 1) -> np.ndarray:
    rows = np.flatnonzero(alpha.max(axis=1) > 0.01)
    cols = np.flatnonzero(alpha.max(axis=0) > 0.01)
    y0, y1 = max(rows[0] - pad, 0), rows[-1] + pad + 1
    x0, x1 = max(cols[0] - pad, 0), cols[-1] + pad + 1
    return np.ascontiguousarray(alpha[y0:y1, x0:x1])


def _digit_picker(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    style: SceneStyle,
) -> Callable[[float], _Glyph | None]:
    """A function that writes the next unused digit at a given height (None when none is left).

    Each image is used at most once: the digits come in an order drawn from ``rng``.
    """
    order = iter(rng.permutation(len(images)))

    def pick(height: float) -> _Glyph | None:
        index = next(order, None)
        if index is None:
            return None
        alpha = _render_glyph(images[index], height, rng.uniform(*style.stroke))
        return _Glyph(alpha, _ink_box(alpha), int(labels[index]), int(index))

    return pick


def _draw_ink(rng: np.random.Generator, odds: Sequence[float]) -> _Ink:
    kind = rng.choice(3, p=np.asarray(odds) / np.sum(odds))
    if kind == 0:  # black
        tone = rng.uniform(18, 45)
        return _Ink((tone + rng.uniform(0, 10), tone, tone), rng.uniform(0.9, 1.0), 0.0)
    if kind == 1:  # blue ballpoint
        color = (rng.uniform(120, 175), rng.uniform(40, 85), rng.uniform(15, 45))
        return _Ink(color, rng.uniform(0.85, 1.0), 0.0)
    tone = rng.uniform(70, 110)  # pencil graphite: grey, lighter, grainy
    return _Ink((tone + 4, tone, tone - 2), rng.uniform(0.55, 0.75), rng.uniform(0.25, 0.45))


# ---------------------------------------------------------------------------------------------
# Layout: rows of numbers on the flat page


def _number_length(rng: np.random.Generator, style: SceneStyle) -> int:
    odds = np.asarray(style.number_lengths, dtype=np.float64)
    return int(rng.choice(len(odds), p=odds / odds.sum())) + 1


def _plan_number(
    rng: np.random.Generator,
    pick: Callable[[float], _Glyph | None],
    style: SceneStyle,
    length: int,
    start: int,
    room: int,
    height: float,
    lift: float,
    min_gap: int,
) -> list[_Item]:
    """Up to ``length`` digits side by side from ``start``, as many as end before ``room``."""
    items: list[_Item] = []
    x = start
    for _ in range(length):
        glyph = pick(height * rng.uniform(0.92, 1.08))
        if glyph is None:
            break
        if items:
            x += max(min_gap, math.ceil(rng.uniform(*style.digit_gap) * height))
        if x + glyph.box[2] > room:
            break
        bottom = round(rng.uniform(-0.06, 0.06) * height - lift)
        items.append(_Item(glyph, x, bottom))
        x += glyph.box[2]
    return items


def _spread_numbers(
    rng: np.random.Generator, numbers: list[list[_Item]], room: int
) -> tuple[tuple[_Item, ...], ...]:
    """Move the numbers of a row apart by part of the row's spare width, at random."""
    end = max(item.x + item.glyph.box[2] for item in numbers[-1])
    spare = (room - end) * rng.uniform(0.4, 1.0)
    shifts = np.floor(np.cumsum(rng.dirichlet(np.ones(len(numbers) + 1))[:-1] * spare))
    return tuple(
        tuple(replace(item, x=item.x + int(shift)) for item in number)
        for number, shift in zip(numbers, shifts, strict=True)
    )


def _plan_row(
    rng: np.random.Generator,
    pick: Callable[[float], _Glyph | None],
    style: SceneStyle,
    room: int,
    height: float,
    lift: float,
    budget: int,
    min_gap: int,
) -> _Row | None:
    """Numbers for one row ``room`` px wide, at most ``budget`` digits; None if none fits."""
    numbers: list[list[_Item]] = []
    count, x = 0, 0
    while count < budget:
        length = min(_number_length(rng, style), budget - count)
        number = _plan_number(rng, pick, style, length, x, room, height, lift, min_gap)
        if number:
            numbers.append(number)
            count += len(number)
        if len(number) < length:
            break  # the row is full (or the digits ran out)
        tallest = max(item.glyph.box[3] for item in number)
        gap = max(rng.uniform(*style.number_gap) * height, 1.3 * max(height, tallest))
        x = number[-1].x + number[-1].glyph.box[2] + math.ceil(gap) + min_gap
    if not numbers:
        return None
    return _Row(_spread_numbers(rng, numbers, room))


def _row_gap(above: _Row, below: _Row) -> int:
    """Least vertical gap between two rows: half the taller digit height, and a little more."""
    return math.ceil(0.55 * max(above.ink_height, below.ink_height)) + 2


def _tightest_baselines(rows: list[_Row], area: _Area, lines: np.ndarray | None) -> list[int]:
    """Baselines of the rows stacked as close as allowed (on ruled lines when given).

    Returns fewer baselines than rows when they do not all fit in the area.
    """
    baselines: list[int] = []
    for i, row in enumerate(rows):
        lowest = area.y0 + row.up
        if i:
            lowest = baselines[-1] + rows[i - 1].down + _row_gap(rows[i - 1], row) + row.up
        if lines is not None:
            at = int(np.searchsorted(lines, lowest))
            if at == len(lines):
                break
            lowest = int(lines[at])
        if lowest + row.down > area.y1:
            break
        baselines.append(lowest)
    return baselines


def _spread_rows(
    rng: np.random.Generator,
    rows: list[_Row],
    baselines: list[int],
    area: _Area,
    lines: np.ndarray | None,
) -> list[int]:
    """Move rows down by random parts of the spare height (whole line steps on ruled paper)."""
    parts = rng.dirichlet(np.ones(len(rows) + 1))  # above each row, and below the last
    if lines is None:
        spare = area.y1 - (baselines[-1] + rows[-1].down)
        shifts = np.floor(np.cumsum(parts[:-1]) * spare * rng.uniform(0.5, 1.0))
        return [b + int(s) for b, s in zip(baselines, shifts, strict=True)]
    last = int(np.searchsorted(lines, baselines[-1]))
    room = int(np.count_nonzero(lines[last:] + rows[-1].down <= area.y1)) - 1  # free lines below
    steps = rng.multinomial(room, parts)[:-1]
    at = np.searchsorted(lines, baselines) + np.cumsum(steps)
    return [int(lines[i]) for i in at]


def _layout(
    rng: np.random.Generator,
    pick: Callable[[float], _Glyph | None],
    style: SceneStyle,
    area: _Area,
    target: int,
    unit: float,
    heights: tuple[float, float],
    ruling: _Ruling,
    min_gap: int,
) -> list[_Placed]:
    """Write about ``target`` digits as rows of numbers in ``area`` (flat page pixels).

    ``unit`` is the scene's digit height and ``heights`` the family's range, both in page pixels.
    """
    ruled = ruling.kind == "ruled"
    lines = None
    if ruled:
        lines = ruling.offset + ruling.spacing * np.arange(
            math.ceil((area.y1 - ruling.offset) / ruling.spacing) + 1
        )
        lines = np.round(lines[(lines >= area.y0) & (lines < area.y1)]).astype(int)
        pitch = ruling.spacing * math.ceil(1.75 * unit / ruling.spacing)
    else:
        pitch = 2.0 * unit
    per_row = math.ceil(target / max(1.0, area.height / pitch))

    rows: list[_Row] = []
    count = 0
    while count < target:
        if ruled:
            height = unit * rng.uniform(0.9, 1.05)
            lift = rng.uniform(0.02, 0.1) * height  # digits sit on, or just above, the line
        else:
            spread = style.height_spread
            height = float(np.clip(unit * rng.uniform(1 - spread, 1 + spread), *heights))
            lift = 0.0
        budget = min(target - count, max(1, round(per_row * rng.uniform(0.75, 1.3))))
        row = _plan_row(rng, pick, style, area.width, height, lift, budget, min_gap)
        if row is None or len(_tightest_baselines([*rows, row], area, lines)) <= len(rows):
            break
        rows.append(row)
        count += len(row.items)
    if count < target:
        log.debug("room for %d of %d digits of height %.0f", count, target, unit)
    if not rows:
        return []

    baselines = _spread_rows(rng, rows, _tightest_baselines(rows, area, lines), area, lines)
    placed: list[_Placed] = []
    number_index = 0
    for row, baseline in zip(rows, baselines, strict=True):
        for number in row.numbers:
            for item in number:
                top = baseline + item.bottom - item.glyph.box[3]
                placed.append(_Placed(item.glyph, area.x0 + item.x, top, number_index))
            number_index += 1
    return placed


# ---------------------------------------------------------------------------------------------
# The page


def _draw_paper(
    rng: np.random.Generator,
    style: SceneStyle,
    page_size: tuple[int, int],
    unit: float,
    pixel: float,
) -> _Paper:
    """Paper tone and ruling; ``unit`` is the digit height, ``pixel`` one final pixel (page px)."""
    tone = rng.uniform(*style.paper_tone)
    if rng.random() < style.cream_chance:
        color = (tone - rng.uniform(10, 24), tone - rng.uniform(2, 8), tone)
    else:
        tint = rng.uniform(-3, 3)
        color = (tone + tint, tone, tone - tint)
    kind = ("plain", "ruled", "squared")[
        int(rng.choice(3, p=np.asarray(style.paper) / np.sum(style.paper)))
    ]
    ruling = _draw_ruling(rng, style, kind, page_size, unit, pixel)
    return _Paper(color, rng.uniform(*style.grain), ruling)


def _draw_ruling(
    rng: np.random.Generator,
    style: SceneStyle,
    kind: str,
    page_size: tuple[int, int],
    unit: float,
    pixel: float,
) -> _Ruling:
    width, height = page_size
    if rng.random() < 0.6:  # light blue
        color = (rng.uniform(190, 215), rng.uniform(140, 175), rng.uniform(90, 130))
    else:  # grey
        grey = rng.uniform(140, 175)
        color = (grey, grey, grey)
    if kind == "squared" and style.dark_grid is not None:
        spacing = rng.uniform(*style.dark_grid) * pixel
        grey = rng.uniform(25, 70)
        return _Ruling(
            kind,
            spacing,
            rng.uniform(0, spacing),
            rng.uniform(1.0, 2.0) * pixel,
            (grey, grey, grey),
            rng.uniform(0.85, 1.0),
            None,
        )
    if kind == "squared":
        spacing = unit * rng.uniform(0.5, 0.7)
        return _Ruling(
            kind, spacing, rng.uniform(0, spacing), pixel, color, rng.uniform(0.25, 0.45), None
        )
    spacing = unit * rng.uniform(*style.line_spacing)
    margin = None
    if kind == "ruled" and rng.random() < style.margin_chance:
        margin = width * rng.uniform(0.08, 0.14)
    offset = height * rng.uniform(0.03, 0.08) + rng.uniform(0, spacing)
    return _Ruling(
        kind, spacing, offset, rng.uniform(1.0, 2.0) * pixel, color, rng.uniform(0.35, 0.6), margin
    )


def _line_coverage(length: int, starts: np.ndarray, thickness: float) -> np.ndarray:
    """Per pixel along an axis, the coverage (0..1) of lines starting at ``starts``."""
    edges = np.arange(length + 1, dtype=np.float32)[:, None]
    covered = np.clip(edges - starts[None, :], 0.0, thickness).sum(axis=1)
    return np.minimum(np.diff(covered), 1.0).astype(np.float32)


def _blend(page: np.ndarray, coverage: np.ndarray, color: Sequence[float], opacity: float) -> None:
    """Paint ``color`` over ``page`` in place where ``coverage`` (broadcastable) says."""
    weight = coverage[..., None] * np.float32(opacity)
    page *= 1.0 - weight
    page += weight * np.asarray(color, dtype=np.float32)


def _draw_ruling_lines(page: np.ndarray, ruling: _Ruling) -> None:
    height, width = page.shape[:2]
    if ruling.kind == "plain":
        return
    rows = np.arange(ruling.offset, height, ruling.spacing)
    cover_y = _line_coverage(height, rows, ruling.thickness)
    if ruling.kind == "squared":
        cols = np.arange(ruling.offset % ruling.spacing, width, ruling.spacing)
        cover_x = _line_coverage(width, cols, ruling.thickness)
        grid = 1.0 - (1.0 - cover_y[:, None]) * (1.0 - cover_x[None, :])
        _blend(page, grid, ruling.color, ruling.opacity)
        return
    _blend(page, cover_y[:, None], ruling.color, ruling.opacity)
    if ruling.margin_x is not None:
        cover_x = _line_coverage(width, np.array([ruling.margin_x]), ruling.thickness + 0.5)
        _blend(page, cover_x[None, :], (90.0, 85.0, 215.0), min(1.0, ruling.opacity + 0.2))


def _paper_image(rng: np.random.Generator, paper: _Paper, page_size: tuple[int, int]) -> np.ndarray:
    """The blank page, float32 BGR: tone, fine grain, soft blotches, ruling."""
    width, height = page_size
    grain = rng.standard_normal((height, width), dtype=np.float32) * np.float32(paper.grain)
    coarse = rng.standard_normal((height // 48 + 2, width // 48 + 2), dtype=np.float32)
    coarse *= np.float32(0.4 * paper.grain)
    grain += cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    page = grain[..., None] + np.asarray(paper.color, dtype=np.float32)
    _draw_ruling_lines(page, paper.ruling)
    return page


def _by_number(placed: list[_Placed]) -> list[list[int]]:
    """Indices into ``placed`` of each number's digits, left to right."""
    numbers: dict[int, list[int]] = {}
    for i, p in enumerate(placed):
        numbers.setdefault(p.number, []).append(i)
    return [sorted(members, key=lambda i: placed[i].x) for members in numbers.values()]


def _even_pitch(placed: list[_Placed], min_gap: int) -> list[_Placed]:
    """The digits of each number moved to evenly spaced centres (a form's cells are all alike,
    a digit written in the middle of each) between its first and last digits' centres; left
    where they are where so even a spacing would bring two digits closer than ``min_gap``."""
    moved = list(placed)
    for members in _by_number(placed):
        if len(members) < 2:
            continue
        widths = np.array([placed[i].glyph.box[2] for i in members], np.float64)
        centres = np.array([placed[i].x for i in members], np.float64) + widths / 2
        spread = np.linspace(centres[0], centres[-1], len(members))
        if (np.diff(spread) - (widths[:-1] + widths[1:]) / 2 < min_gap).any():
            continue
        for i, centre, width in zip(members, spread, widths, strict=True):
            moved[i] = replace(placed[i], x=int(round(centre - width / 2)))
    return moved


def _draw_boxes(
    rng: np.random.Generator, page: np.ndarray, placed: list[_Placed], pixel: float
) -> None:
    """Print a comb of boxes around each number's digits on ``page`` in place: one cell per
    digit, the walls between cells halfway between neighbouring digits' centres, the top and
    bottom lines a little above and below the number (or through a tall digit's end);
    ``pixel`` is one final pixel in page pixels."""
    for members in _by_number(placed):
        digits = [placed[i] for i in members]
        left = np.array([p.x for p in digits], np.float64)
        right = left + [p.glyph.box[2] for p in digits]
        top = min(p.y for p in digits)
        bottom = max(p.y + p.glyph.box[3] for p in digits)
        tall = bottom - top
        centres = (left + right) / 2
        walls = (centres[:-1] + centres[1:]) / 2  # evenly spaced, as _even_pitch put them
        side = tall * rng.uniform(0.1, 0.35)  # a lone digit's room on either side
        half = np.diff(centres).mean() / 2 if len(digits) > 1 else (right[0] - left[0]) / 2 + side
        xs = np.concatenate([[centres[0] - half], walls, [centres[-1] + half]])
        y0 = top - tall * rng.uniform(-0.03, 0.25)
        y1 = bottom + tall * rng.uniform(-0.03, 0.25)
        thickness = max(1, round(rng.uniform(1.0, 2.2) * pixel))
        if rng.random() < 0.6:
            grey = rng.uniform(30, 110)
            color: tuple[float, ...] = (grey, grey, grey)
        else:  # a coloured print: blue, red or green, darker than the paper's ruling
            color = tuple(
                np.roll([rng.uniform(120, 190), rng.uniform(40, 100), 40.0], rng.integers(3))
            )
        cover = np.zeros(page.shape[:2], np.uint8)
        s = 16  # sub-pixel precision of the drawn lines
        ends = [((xs[0], y0), (xs[-1], y0)), ((xs[0], y1), (xs[-1], y1))]
        ends += [((x, y0), (x, y1)) for x in xs]
        for (ax, ay), (bx, by) in ends:
            a = (round(ax * s), round(ay * s))
            b = (round(bx * s), round(by * s))
            cv2.line(cover, a, b, 255, thickness, cv2.LINE_AA, shift=4)
        _blend(page, cover.astype(np.float32) / 255.0, color, rng.uniform(0.8, 1.0))


def _write(rng: np.random.Generator, page: np.ndarray, writing: _Writing) -> np.ndarray:
    """Ink the digits onto ``page`` in place; return the label map (digit i+1 owns its ink)."""
    label_map = np.zeros(page.shape[:2], np.uint16)
    for i, placed in enumerate(writing.placed):
        ink = writing.inks[placed.number]
        alpha = placed.glyph.alpha
        x = placed.x - placed.glyph.box[0]
        y = placed.y - placed.glyph.box[1]
        h, w = alpha.shape
        cover = alpha * np.float32(ink.opacity)
        if ink.texture:
            grains = rng.random(alpha.shape, dtype=np.float32)
            grains = cv2.GaussianBlur(grains, (0, 0), 0.7)
            cover *= 1.0 - np.float32(ink.texture) * grains
        _blend(page[y : y + h, x : x + w], cover, ink.color, 1.0)
        label_map[y : y + h, x : x + w][alpha > INK_THRESHOLD] = i + 1
    return label_map


# ---------------------------------------------------------------------------------------------
# Geometry


def _local_scales(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Smallest singular value of the homography's Jacobian at each point (px per page px)."""
    step = 1.0
    probes = np.concatenate([points, points + (step, 0.0), points + (0.0, step)]).astype(np.float32)
    mapped = cv2.perspectiveTransform(probes[None], homography)[0].reshape(3, -1, 2)
    jac = np.stack([mapped[1] - mapped[0], mapped[2] - mapped[0]], axis=-1) / step
    return np.linalg.svd(jac, compute_uv=False)[:, -1]


def _desk_quad(rng: np.random.Generator, style: SceneStyle, size: tuple[int, int]) -> np.ndarray:
    """Corners of the page in the frame (TL, TR, BR, BL), tilted and inside the frame."""
    width, height = size
    frame = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float64)
    inward = 1 - 2 * frame
    margin = rng.uniform(0.06, 0.14, (4, 2))
    jitter = rng.uniform(-style.tilt, style.tilt, (4, 2))
    quad = np.clip(frame + inward * margin + jitter, 0.015, 0.985)
    return (quad * (width, height)).astype(np.float32)


def _flat_size(quad: np.ndarray) -> tuple[int, int]:
    """A flat page size whose pixels map to about one frame pixel each on ``quad``."""
    edge = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    return round((edge[0] + edge[2]) / 2), round((edge[1] + edge[3]) / 2)


def _page_rect(page_size: tuple[int, int]) -> np.ndarray:
    w, h = page_size
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)


def _warp_labels(
    label_map: np.ndarray, homography: np.ndarray, size: tuple[int, int], whole: bool = False
) -> np.ndarray:
    """``label_map`` seen through ``homography`` in a frame of ``size``, each frame pixel the
    label of the map pixel it samples.

    ``whole``: the strokes stay whole. A video's world is drawn denser than its frames (at
    :data:`VIDEO_PAGE_SCALE`), so a frame pixel samples one map pixel of several, and a thin
    pen's stroke a map pixel or two wide came out in broken pieces (a thin 1 44 px tall on
    screen had a 13 px box): the labels are first widened to the sampling step, which moves a
    box's edges by less than a frame pixel. A still's page is drawn at about the frame's own
    size and keeps its boxes exactly its ink's."""
    step = _sampling_step(homography, size) if whole else 1
    if step > 1:
        label_map = cv2.dilate(label_map, np.ones((step, step), np.uint8))
    return cv2.warpPerspective(
        label_map, homography, size, flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT
    )


def _sampling_step(homography: np.ndarray, size: tuple[int, int]) -> int:
    """Map pixels between neighbouring frame pixels' samples at the most shrunk corner or
    centre of a frame of ``size`` seen through ``homography``, rounded up."""
    width, height = size
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height], [width / 2, height / 2]])
    on_map = cv2.perspectiveTransform(corners[None].astype(np.float64), np.linalg.inv(homography))
    scale = float(_local_scales(homography, on_map[0]).min())
    return math.ceil(1.0 / scale - 1e-6) if scale > 0 else 1


# ---------------------------------------------------------------------------------------------
# Desk, light and camera


def _desk_image(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A desk top, float32 BGR, darker than paper: wood grain or a plain mottled surface."""
    width, height = size
    if rng.random() < 0.6:
        red = rng.uniform(100, 165)  # brown: red over green over blue
        base = red * np.array([rng.uniform(0.3, 0.48), rng.uniform(0.55, 0.72), 1.0])
        streaks = rng.standard_normal((height // 3 + 2, 6), dtype=np.float32)
        grain = cv2.resize(streaks, (width, height), interpolation=cv2.INTER_CUBIC) * 10.0
        rings = np.sin(np.arange(height, dtype=np.float32) * rng.uniform(0.05, 0.15))
        grain += rings[:, None] * np.float32(rng.uniform(3, 8))
        if rng.random() < 0.5:
            grain = cv2.resize(grain.T.copy(), (width, height), interpolation=cv2.INTER_LINEAR)
    else:
        grey = rng.uniform(60, 140)
        base = np.array([grey + rng.uniform(-10, 10), grey, grey + rng.uniform(-10, 10)])
        blotches = rng.standard_normal((height // 40 + 2, width // 40 + 2), dtype=np.float32)
        grain = cv2.resize(blotches, (width, height), interpolation=cv2.INTER_CUBIC) * 6.0
    grain += rng.standard_normal((height, width), dtype=np.float32) * 2.0
    return grain[..., None] + base.astype(np.float32)


def _place_on_desk(
    rng: np.random.Generator,
    page: np.ndarray,
    quad: np.ndarray,
    homography: np.ndarray,
    size: tuple[int, int],
) -> np.ndarray:
    """The page warped onto a desk, with anti-aliased edges and a faint drop shadow."""
    return lay_page(rng, _desk_image(rng, size), page, quad, homography)


def lay_page(
    rng: np.random.Generator,
    ground: np.ndarray,
    page: np.ndarray,
    quad: np.ndarray,
    homography: np.ndarray,
    shift: tuple[float, float] = (2.0, 6.0),
    blur: float = 0.01,
    darken: tuple[float, float] = (0.25, 0.5),
) -> np.ndarray:
    """The page warped onto ``ground`` (float32 BGR, the frame's size) at ``quad``, with
    anti-aliased edges and a drop shadow: moved by ``shift`` px (at 720 px), blurred by ``blur``
    of the frame, darkening the ground by ``darken``."""
    height, width = ground.shape[:2]
    size = (width, height)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad * 16).astype(np.int32), 255, cv2.LINE_AA, shift=4)
    cover = mask.astype(np.float32) * (1.0 / 255.0)
    offset = rng.uniform(*shift, 2) * min(size) / 720
    moved = cv2.warpAffine(cover, np.float32([[1, 0, offset[0]], [0, 1, offset[1]]]), size)
    shadow = cv2.GaussianBlur(moved, (0, 0), blur * min(size) + 1)
    ground = ground * (1.0 - np.float32(rng.uniform(*darken)) * shadow)[..., None]
    seen = cv2.warpPerspective(
        page, homography, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return ground * (1.0 - cover[..., None]) + seen * cover[..., None]


def _gradient(rng: np.random.Generator, shape: tuple[int, int], depth: float) -> np.ndarray:
    """Illumination from 1 (brightest) down to ``depth``: linear or radial, over a small grid."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xs /= max(w - 1, 1)
    ys /= max(h - 1, 1)
    if rng.random() < 0.5:
        angle = rng.uniform(0, 2 * np.pi)
        t = xs * np.float32(np.cos(angle)) + ys * np.float32(np.sin(angle))
    else:
        cx, cy = rng.uniform(-0.2, 1.2, 2)
        t = np.hypot(xs - np.float32(cx), (ys - np.float32(cy)) * np.float32(h / w)) ** 2
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    return 1.0 - np.float32(1.0 - depth) * t


def _shadow(rng: np.random.Generator, shape: tuple[int, int], strength: float) -> np.ndarray:
    """A soft shadow, as of a hand or a phone reaching in from one side: 1 - strength inside."""
    h, w = shape
    bearing = rng.uniform(0, 2 * np.pi)  # from the centre, where the shadow enters
    outward = np.array([np.cos(bearing), np.sin(bearing)])
    centre = np.array([w / 2, h / 2])
    anchor = centre + outward * min(
        w / 2 / max(abs(outward[0]), 1e-6), h / 2 / max(abs(outward[1]), 1e-6)
    )
    turn = bearing + np.pi + rng.uniform(-0.6, 0.6)
    along = np.array([np.cos(turn), np.sin(turn)])
    across = np.array([-along[1], along[0]])
    half = rng.uniform(0.08, 0.18) * min(w, h)
    tip = anchor + along * rng.uniform(0.3, 0.6) * np.hypot(w, h)
    outline = [anchor - along * half * 2 - across * half, anchor - along * half * 2 + across * half]
    outline += [
        tip + across * half * np.cos(a) + along * half * np.sin(a) for a in np.linspace(0, np.pi, 7)
    ]  # a rounded tip
    points = np.array(outline) + rng.normal(0, 0.05 * half, (len(outline), 2))
    mask = np.zeros(shape, np.float32)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(0.03, 0.07) * min(w, h))
    return 1.0 - np.float32(strength) * mask


def _arm_outline(rng: np.random.Generator, w: int, h: int, half: float) -> np.ndarray:
    """Outline of an arm or a hand reaching in from a random side: a band with a rounded tip."""
    bearing = rng.uniform(0, 2 * np.pi)
    outward = np.array([np.cos(bearing), np.sin(bearing)])
    reach = min(w / 2 / max(abs(outward[0]), 1e-6), h / 2 / max(abs(outward[1]), 1e-6))
    anchor = np.array([w / 2, h / 2]) + outward * reach
    turn = bearing + np.pi + rng.uniform(-0.5, 0.5)
    along = np.array([np.cos(turn), np.sin(turn)])
    across = np.array([-along[1], along[0]])
    tip = anchor + along * rng.uniform(0.35, 0.7) * np.hypot(w, h)
    back = anchor - along * half * 3
    outline = [back - across * half, back + across * half]
    outline += [
        tip + across * half * np.cos(a) + along * half * np.sin(a) for a in np.linspace(0, np.pi, 9)
    ]
    return np.array(outline)


def _phone_outline(
    rng: np.random.Generator, w: int, h: int, side: float
) -> tuple[np.ndarray, np.ndarray]:
    """Outline of a phone held over the page (rounded corners) and of the hand that holds it."""
    half = np.array([rng.uniform(0.11, 0.16), rng.uniform(0.21, 0.3)]) * side
    radius = 0.25 * half[0]
    arcs = [
        np.array([cx, cy]) * (half - radius) + radius * np.stack([np.cos(a), np.sin(a)], axis=1)
        for cx, cy, a in (
            (1, 1, np.linspace(0, np.pi / 2, 5)),
            (-1, 1, np.linspace(np.pi / 2, np.pi, 5)),
            (-1, -1, np.linspace(np.pi, 1.5 * np.pi, 5)),
            (1, -1, np.linspace(1.5 * np.pi, 2 * np.pi, 5)),
        )
    ]
    angle = rng.uniform(0, np.pi)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.array([w, h]) * rng.uniform(0.25, 0.75, 2)
    body = np.concatenate(arcs) @ turn.T + centre
    down = turn @ np.array([0.0, 1.0])  # the hand: a band from the phone's end out of view
    across = np.array([-down[1], down[0]]) * 0.9 * half[0]
    start = centre + down * half[1] * 0.6
    far = start + down * np.hypot(w, h)
    return body, np.array([start + across, far + across, far - across, start - across])


def _edge_outline(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """The part of the frame beyond a gently curved edge (a book's, or the photographer's)."""
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    along = np.array([-normal[1], normal[0]])
    span = np.hypot(w, h)
    reach = min(w / 2 / max(abs(normal[0]), 1e-6), h / 2 / max(abs(normal[1]), 1e-6))
    depth = rng.uniform(0.0, 0.55) * reach  # from the centre to the edge, along ``normal``
    bend = rng.uniform(-0.05, 0.05) * span
    t = np.linspace(-1, 1, 17)[:, None]
    edge = np.array([w / 2, h / 2]) + normal * (depth + bend * (1 - t**2)) + along * t * span
    return np.concatenate([edge, [edge[-1] + normal * span, edge[0] + normal * span]])


def _cast_shadow(
    rng: np.random.Generator, shape: tuple[int, int], strength: float, hard: bool
) -> np.ndarray:
    """A shadow cast over the page, (H, W) float32: ``1 - strength`` inside, 1 in the light.

    Something between a lamp and the page blocks the light: an arm or a hand, a phone held
    above the page, the edge of a book or of the photographer. A small lamp close by casts it
    hard-edged (a pixel or two of penumbra), a broad one softly. Shapes are broad enough that
    the core reaches the full ``strength`` even when soft.
    """
    h, w = shape
    side = min(h, w)
    kind = int(rng.choice(3, p=[0.4, 0.3, 0.3]))
    if kind == 0:
        outlines = (_arm_outline(rng, w, h, rng.uniform(0.12, 0.2) * side),)
    elif kind == 1:
        outlines = _phone_outline(rng, w, h, side)
    else:
        outlines = (_edge_outline(rng, w, h),)
    if hard:
        sigma, factor = rng.uniform(0.6, 2.0) * side / 720, 1
    else:  # a soft edge is drawn at a quarter of the resolution: it has no detail to lose
        sigma, factor = rng.uniform(0.012, 0.03) * side, 4
    small = (max(w // factor, 2), max(h // factor, 2))
    mask = np.zeros(small[::-1], np.uint8)
    for outline in outlines:  # one at a time: overlapping outlines must not cancel out
        points = np.round(outline * (16 * small[0] / w)).astype(np.int32)
        cv2.fillPoly(mask, [points], 255, cv2.LINE_AA, shift=4)
    cover = cv2.GaussianBlur(mask.astype(np.float32) * (1.0 / 255.0), (0, 0), sigma / factor)
    if factor > 1:
        cover = cv2.resize(cover, (w, h), interpolation=cv2.INTER_LINEAR)
    return 1.0 - np.float32(strength) * cover


def _lighting(
    rng: np.random.Generator, style: SceneStyle, size: tuple[int, int]
) -> np.ndarray | None:
    """Per-pixel illumination factor (H, W) float32, or None when the light is even."""
    width, height = size
    small = (max(height // 4, 2), max(width // 4, 2))
    light = np.ones(small, np.float32)
    cast = None
    if rng.random() < style.gradient_chance:
        light *= _gradient(rng, small, rng.uniform(*style.gradient_depth))
    if rng.random() < style.shadow_chance:
        strength = rng.uniform(*style.shadow_strength)
        if style.hard_shadow_chance is None:
            light *= _shadow(rng, small, strength)
        else:
            hard = rng.random() < style.hard_shadow_chance
            cast = _cast_shadow(rng, (height, width), strength, hard)
    if cast is None and np.all(light == 1.0):
        return None
    light = cv2.resize(light, (width, height), interpolation=cv2.INTER_LINEAR)
    return light if cast is None else light * cast


def _glare(rng: np.random.Generator, style: SceneStyle, size: tuple[int, int]) -> np.ndarray | None:
    """Light a glossy surface reflects into the camera, (H, W) float32 levels to add; None
    (and nothing drawn from ``rng``) where the family has no glare. Each spot is a soft-edged
    ellipse, 8-22 % of the frame's width across, its core flat (a lamp's image is clipped white
    in its middle), anywhere in the frame."""
    if style.glare is None:
        return None
    width, height = size
    small = (max(width // 4, 2), max(height // 4, 2))
    ys, xs = np.mgrid[0 : small[1], 0 : small[0]].astype(np.float32)
    added = np.zeros(small[::-1], np.float32)
    for _ in range(1 + int(rng.random() < 0.3)):
        cx, cy = rng.uniform(0.1, 0.9) * small[0], rng.uniform(0.1, 0.9) * small[1]
        radius = rng.uniform(0.08, 0.22) * small[0]
        squash, angle = rng.uniform(0.5, 1.0), rng.uniform(0, np.pi)
        u = (xs - cx) * np.cos(angle) + (ys - cy) * np.sin(angle)
        v = ((ys - cy) * np.cos(angle) - (xs - cx) * np.sin(angle)) / squash
        spot = np.exp(-(((u * u + v * v) / (radius * radius)) ** 1.5))
        added = np.maximum(added, np.float32(rng.uniform(*style.glare)) * spot)
    return cv2.resize(added, size, interpolation=cv2.INTER_LINEAR)


def _draw_camera(rng: np.random.Generator, style: SceneStyle) -> _Camera:
    quality = None
    if rng.random() < style.jpeg_chance:
        quality = int(rng.integers(style.jpeg_quality[0], style.jpeg_quality[1] + 1))
    return _Camera(rng.uniform(*style.blur), rng.uniform(*style.noise), quality)


def _expose(
    rng: np.random.Generator,
    image: np.ndarray,
    light: np.ndarray | None,
    camera: _Camera,
    glare: np.ndarray | None = None,
) -> np.ndarray:
    """Light, glare, focus, sensor noise and compression: the float scene as a camera delivers
    it."""
    if light is not None:
        image = image * light[..., None]
    if glare is not None:
        image = image + glare[..., None]
    if camera.blur > 0.05:
        image = cv2.GaussianBlur(image, (0, 0), camera.blur)
    image = image + rng.standard_normal(image.shape, dtype=np.float32) * np.float32(camera.noise)
    out = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    if camera.jpeg_quality is not None:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, camera.jpeg_quality])
        if not ok:
            raise RuntimeError("OpenCV could not encode a JPEG")
        out = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return out


# ---------------------------------------------------------------------------------------------
# Truth


def _label_boxes(label_map: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The ids 1..count found in ``label_map``, and the (N, 4) int32 box of each one's pixels."""
    ys, xs = np.nonzero(label_map)
    ids = label_map[ys, xs].astype(np.intp)
    low_x = np.full(count + 1, np.iinfo(np.intp).max)
    low_y = low_x.copy()
    high_x = np.full(count + 1, -1)
    high_y = high_x.copy()
    np.minimum.at(low_x, ids, xs)
    np.minimum.at(low_y, ids, ys)
    np.maximum.at(high_x, ids, xs)
    np.maximum.at(high_y, ids, ys)
    present = np.flatnonzero(high_x[1:] >= 0) + 1
    x, y = low_x[present], low_y[present]
    boxes = np.stack([x, y, high_x[present] - x + 1, high_y[present] - y + 1], axis=1)
    return present, boxes.astype(np.int32).reshape(-1, 4)


def _cut(boxes: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Which boxes reach beyond a frame of ``size`` (width, height)."""
    x, y, w, h = boxes.T
    return (x < 0) | (y < 0) | (x + w > size[0]) | (y + h > size[1])


def _truth(label_map: np.ndarray, writing: _Writing, margin: int = 0) -> Truth:
    """Boxes of each digit's ink in the frame's label map, and of the whole numbers.

    ``label_map`` covers the frame and ``margin`` pixels around it: a digit whose ink goes on
    beyond the frame's border is ``partial``; one that only reaches the border is whole.
    """
    height, width = (n - 2 * margin for n in label_map.shape)
    frame = label_map[margin : margin + height, margin : margin + width]
    present, boxes = _label_boxes(frame, len(writing.placed))
    partial = np.zeros(len(present), bool)
    if margin:
        around, whole = _label_boxes(label_map, len(writing.placed))
        whole = whole[np.searchsorted(around, present)] - np.array([margin, margin, 0, 0])
        partial = _cut(whole, (width, height))
    placed = [writing.placed[i - 1] for i in present]
    labels = np.array([p.glyph.label for p in placed], np.int64)
    sources = np.array([p.glyph.source for p in placed], np.int64)
    return Truth(boxes, labels, partial, _numbers(writing, present, boxes, partial), sources)


def _numbers(
    writing: _Writing, present: np.ndarray, boxes: np.ndarray, partial: np.ndarray
) -> list[tuple[str, Box]]:
    """Text and box of each number whose digits are all in view and none cut by the border."""
    row_of = {int(i): k for k, i in enumerate(present)}
    members: dict[int, list[int]] = {}
    for i, placed in enumerate(writing.placed, start=1):
        members.setdefault(placed.number, []).append(i)
    numbers = []
    for ids in members.values():
        rows = [row_of.get(i) for i in ids]
        if any(r is None or partial[r] for r in rows):
            continue
        own = boxes[rows]
        x0, y0 = own[:, :2].min(axis=0)
        x1, y1 = (own[:, :2] + own[:, 2:]).max(axis=0)
        text = "".join(str(writing.placed[i - 1].glyph.label) for i in ids)
        numbers.append((text, (int(x0), int(y0), int(x1 - x0), int(y1 - y0))))
    return numbers


# ---------------------------------------------------------------------------------------------
# Scenes


def _check_digits(images: np.ndarray, labels: np.ndarray) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(f"images must be (N, 28, 28) uint8, got {images.shape} {images.dtype}")
    if labels.shape != (len(images),):
        raise ValueError(f"labels must be ({len(images)},), got {labels.shape}")


def _style(family: str) -> SceneStyle:
    try:
        return FAMILIES[family]
    except KeyError:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}") from None


def _digit_count(rng: np.random.Generator, style: SceneStyle, size: tuple[int, int]) -> int:
    return max(1, round(rng.uniform(*style.density) * size[0] * size[1] / 1e6))


def _inset_area(
    rng: np.random.Generator, page_size: tuple[int, int], ruling: _Ruling, unit: float
) -> _Area:
    """Where digits may go on a still page: inside random margins, right of a margin line."""
    width, height = page_size
    pad = 6
    x0 = pad + round(width * rng.uniform(0.02, 0.06))
    if ruling.margin_x is not None:
        x0 = max(x0, math.ceil(ruling.margin_x + 0.4 * unit))
    y0 = pad + round(height * rng.uniform(0.02, 0.06))
    x1 = width - pad - round(width * rng.uniform(0.02, 0.05))
    y1 = height - pad - round(height * rng.uniform(0.02, 0.05))
    return _Area(x0, y0, x1, y1)


def _write_page(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    style: SceneStyle,
    page_size: tuple[int, int],
    scale: float,
    min_scale: float,
    target: int,
    area_of: Callable[[_Ruling, float], _Area],
) -> tuple[np.ndarray, np.ndarray, _Writing]:
    """A flat page with numbers written on it: (page float32 BGR, label map, writing).

    ``scale`` is final pixels per page pixel (``min_scale`` its smallest anywhere), so heights
    and gaps drawn in final pixels come out right after the warp.
    """
    lo, hi = style.digit_height
    unit = rng.uniform(lo, hi) / scale
    paper = _draw_paper(rng, style, page_size, unit, 1 / scale)
    page = _paper_image(rng, paper, page_size)
    min_gap = math.ceil(MIN_DIGIT_GAP / min_scale) + 2
    pick = _digit_picker(rng, images, labels, style)
    area = area_of(paper.ruling, unit)
    placed = _layout(
        rng, pick, style, area, target, unit, (lo / scale, hi / scale), paper.ruling, min_gap
    )
    if not placed:
        log.warning("no digit of height %.0f px fits on a %dx%d page", unit, *page_size)
    numbers = 1 + max((p.number for p in placed), default=-1)
    if style.boxes:
        placed = _even_pitch(placed, min_gap)
        _draw_boxes(rng, page, placed, 1 / scale)
    writing = _Writing(placed, [_draw_ink(rng, style.inks) for _ in range(numbers)])
    return page, _write(rng, page, writing), writing


def render_scene(
    images: np.ndarray,
    labels: np.ndarray,
    family: str,
    seed: int,
    size: tuple[int, int] = (960, 720),
    digits: int | None = None,
) -> Scene:
    """One photographed page of handwritten numbers, with its truth.

    ``images`` (N, 28, 28) uint8 and ``labels`` (N,) are MNIST digits (ink bright); each is used
    at most once. ``size`` is (width, height); ``digits`` the approximate number of digits
    (default: drawn by the family, fewer where large digits do not fit). Families with
    ``frame_sizes`` ("closeup", "strip") draw their own size and digit count; families of other
    layouts than "page" are laid out by :mod:`benchmarks.scene_layouts`.
    """
    _check_digits(images, labels)
    style = _style(family)
    if style.layout != "page":
        from benchmarks.scene_layouts import render_layout_scene

        return render_layout_scene(images, labels, family, seed, size, digits)
    rng = np.random.default_rng(seed)
    target = digits if digits is not None else _digit_count(rng, style, size)

    on_desk = rng.random() < style.desk_chance
    if on_desk:
        quad = _desk_quad(rng, style, size)
        page_size = _flat_size(quad)
        homography = cv2.getPerspectiveTransform(_page_rect(page_size), quad)
        probes = np.vstack([_page_rect(page_size), [np.asarray(page_size) / 2]])
        scales = _local_scales(homography, probes)
        scale, min_scale = float(np.median(scales)), float(scales.min())
    else:
        page_size, homography, scale, min_scale = size, None, 1.0, 1.0

    def area_of(ruling: _Ruling, unit: float) -> _Area:
        return _inset_area(rng, page_size, ruling, unit)

    page, label_map, writing = _write_page(
        rng, images, labels, style, page_size, scale, min_scale, target, area_of
    )
    if homography is not None:
        image = _place_on_desk(rng, page, quad, homography, size)
        label_map = _warp_labels(label_map, homography, size)
    else:
        image = page
    light, glare = _lighting(rng, style, size), _glare(rng, style, size)
    image = _expose(rng, image, light, _draw_camera(rng, style), glare)
    return Scene(image, _truth(label_map, writing), family, seed)


def scene_set(
    images: np.ndarray,
    labels: np.ndarray,
    families: Iterable[str],
    per_family: int,
    seed: int,
    size: tuple[int, int] = (960, 720),
) -> Iterator[Scene]:
    """``per_family`` scenes of each family, rendered one at a time as they are asked for.

    Each scene's own seed derives from ``seed`` and the family's name, so a family's scenes do
    not change when other families are added or removed.
    """
    names = list(families)
    for name in names:
        _style(name)
    _check_digits(images, labels)
    return _scene_stream(images, labels, names, per_family, seed, size)


def family_seeds(family: str, count: int, seed: int) -> list[int]:
    """The scene seeds :func:`scene_set` uses for one family."""
    sequence = np.random.SeedSequence([seed, zlib.crc32(family.encode())])
    return [int(s) for s in sequence.generate_state(count, np.uint32)]


def _scene_stream(
    images: np.ndarray,
    labels: np.ndarray,
    names: list[str],
    per_family: int,
    seed: int,
    size: tuple[int, int],
) -> Iterator[Scene]:
    for name in names:
        for scene_seed in family_seeds(name, per_family, seed):
            yield render_scene(images, labels, name, scene_seed, size)


# ---------------------------------------------------------------------------------------------
# Video


def _wobble(rng: np.random.Generator, times: np.ndarray, amplitude: float) -> np.ndarray:
    """A smooth random signal over ``times`` (s), a sum of slow sines, about ``amplitude`` big."""
    freqs = rng.uniform(0.3, 2.0, 3)
    phases = rng.uniform(0, 2 * np.pi, 3)
    weights = rng.uniform(0.5, 1.0, 3)
    signal = weights[:, None] * np.sin(2 * np.pi * freqs[:, None] * times + phases[:, None])
    return amplitude * signal.sum(axis=0) / weights.sum()


def _translate(x: float, y: float) -> np.ndarray:
    return np.array([[1, 0, x], [0, 1, y], [0, 0, 1]], np.float64)


def _rotate_scale(angle: float, scale: float) -> np.ndarray:
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], np.float64)


def _camera_path(
    rng: np.random.Generator,
    size: tuple[int, int],
    page_size: tuple[int, int],
    times: np.ndarray,
) -> list[np.ndarray]:
    """Per frame, the homography from page pixels to frame pixels of a hand-held camera.

    The view's centre pans slowly along a straight line through the page's centre; on top of it
    the hand adds a pixel or two of shift and a fraction of a degree of rotation, smoothly in
    time; a fixed keystone stands for a camera not quite parallel to the page.
    """
    width, height = size
    keystone = cv2.getPerspectiveTransform(
        _page_rect(size),
        (_page_rect(size) + rng.uniform(-0.015, 0.015, (4, 2)) * size).astype(np.float32),
    )
    base_angle = np.radians(rng.uniform(-3, 3))
    jitter_x, jitter_y = _wobble(rng, times, 1.5), _wobble(rng, times, 1.5)
    jitter_angle = _wobble(rng, times, np.radians(0.25))
    direction = rng.uniform(0, 2 * np.pi)
    heading = np.array([np.cos(direction), np.sin(direction)])
    speed = rng.uniform(0.015, 0.035) * page_size[0]  # page pixels per second
    centre = np.asarray(page_size, np.float64) / 2
    progress = times - times.mean()
    for _ in range(8):  # shorten the pan until every frame stays on the page
        path = [
            keystone
            @ _translate(width / 2 + jitter_x[i], height / 2 + jitter_y[i])
            @ _rotate_scale(base_angle + jitter_angle[i], 1 / VIDEO_PAGE_SCALE)
            @ _translate(*(-(centre + speed * t * heading)))
            for i, t in enumerate(progress)
        ]
        if all(_covers_frame(h, size, page_size) for h in path):
            return path
        speed /= 2
    raise RuntimeError("the camera path leaves the page")  # pragma: no cover - geometry bound


def _covers_frame(
    homography: np.ndarray, size: tuple[int, int], page_size: tuple[int, int]
) -> bool:
    corners = cv2.perspectiveTransform(_page_rect(size)[None], np.linalg.inv(homography))[0]
    return bool(np.all(corners >= 0) and np.all(corners <= np.asarray(page_size)))


def render_video(
    images: np.ndarray,
    labels: np.ndarray,
    seed: int,
    size: tuple[int, int] = (640, 480),
    seconds: float = 3.0,
    fps: float = 15.0,
    family: str = "video",
    digits: int | None = None,
) -> SceneVideo:
    """A hand-held camera filming one page of numbers, with per-frame truth.

    The page is rendered once, larger than the view and at ``VIDEO_PAGE_SCALE`` times the output
    resolution; each frame views it through its own homography. Digits whose ink goes on beyond
    the frame's border are ``partial``. The family gives paper, ink, light and camera; its desk
    is ignored (the page fills the view). The numbers cover ``VIDEO_WRITTEN`` times the frame,
    as many as the family's density gives for that area (8..14 per 640x480 frame for "video"),
    or about ``digits`` when given (fewer where they do not fit).

    The families of :data:`VIDEO_FAMILIES` after "video" are filmed by
    :func:`benchmarks.scene_layouts.render_layout_video` instead: a larger world of the family,
    a camera that pans and zooms in or out.
    """
    _check_digits(images, labels)
    style = _style(family)
    if style.layout != "page":
        from benchmarks.scene_layouts import render_layout_video

        return render_layout_video(images, labels, family, seed, size, seconds, fps, digits)
    rng = np.random.default_rng(seed)
    width, height = size
    page_size = (
        math.ceil(width * VIDEO_PAGE_SCALE * VIDEO_PAGE_EXTENT),
        math.ceil(height * VIDEO_PAGE_SCALE * VIDEO_PAGE_EXTENT),
    )
    written = (round(width * VIDEO_WRITTEN), round(height * VIDEO_WRITTEN))
    target = digits if digits is not None else _digit_count(rng, style, written)

    def area_of(ruling: _Ruling, unit: float) -> _Area:
        x0 = round((page_size[0] - written[0] * VIDEO_PAGE_SCALE) / 2)
        y0 = round((page_size[1] - written[1] * VIDEO_PAGE_SCALE) / 2)
        return _Area(x0, y0, page_size[0] - x0, page_size[1] - y0)

    scale = 1 / VIDEO_PAGE_SCALE
    page, label_map, writing = _write_page(
        rng, images, labels, style, page_size, scale, scale * 0.95, target, area_of
    )
    page = cv2.GaussianBlur(page, (0, 0), 0.45 * VIDEO_PAGE_SCALE)  # no aliasing when shrunk

    frame_count = max(1, round(seconds * fps))
    times = np.arange(frame_count) / fps
    path = _camera_path(rng, size, page_size, times)
    light, glare = _lighting(rng, style, size), _glare(rng, style, size)
    camera = _draw_camera(rng, style)
    # Truth is taken over the frame and a margin around it, to tell cut digits from whole ones.
    largest = max((max(p.glyph.box[2:]) for p in writing.placed), default=0)
    margin = math.ceil(largest * scale * 1.2) + 2
    outer = (width + 2 * margin, height + 2 * margin)
    frames, truths = [], []
    for homography in path:
        seen = cv2.warpPerspective(page, homography, size, flags=cv2.INTER_LINEAR)
        shaky = replace(camera, blur=camera.blur + rng.uniform(0, 0.3))
        frames.append(_expose(rng, seen, light, shaky, glare))
        around = _warp_labels(label_map, _translate(margin, margin) @ homography, outer, True)
        truths.append(_truth(around, writing, margin))
    return SceneVideo(frames, truths, float(fps), family, seed)


# ---------------------------------------------------------------------------------------------
# Looking at scenes


def draw_truth(image: np.ndarray, truth: Truth) -> np.ndarray:
    """A copy of ``image`` with the truth drawn: digits green (partial red), numbers orange,
    marks (not to be read) magenta."""
    out = image.copy()
    for (x, y, w, h), label, cut in zip(truth.boxes, truth.labels, truth.partial, strict=True):
        color = (0, 0, 255) if cut else (0, 200, 0)
        cv2.rectangle(out, (int(x), int(y)), (int(x + w - 1), int(y + h - 1)), color, 1)
        cv2.putText(out, str(label), (int(x), int(y) - 2), cv2.FONT_HERSHEY_PLAIN, 0.9, color, 1)
    for text, (x, y, w, h) in truth.numbers:
        cv2.rectangle(out, (x - 3, y - 3), (x + w + 2, y + h + 2), (0, 140, 255), 1)
        cv2.putText(out, text, (x, y + h + 14), cv2.FONT_HERSHEY_PLAIN, 1.0, (0, 140, 255), 1)
    for x, y, w, h in truth.marks:
        cv2.rectangle(out, (int(x), int(y)), (int(x + w - 1), int(y + h - 1)), (255, 0, 255), 1)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from camdigit.data.mnist import DEFAULT_DATA_DIR, load_mnist

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the sample images")
    parser.add_argument("--family", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="MNIST folder")
    parser.add_argument(
        "--video",
        nargs="?",
        const="video",
        choices=VIDEO_FAMILIES,
        metavar="FAMILY",
        help=f"also write a video's frames ({', '.join(VIDEO_FAMILIES)}; default: video)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    digits = load_mnist(args.data, "test")
    args.out.mkdir(parents=True, exist_ok=True)
    for family in args.family:
        scene = render_scene(digits.images, digits.labels, family, args.seed)
        cv2.imwrite(str(args.out / f"{family}.png"), scene.image)
        cv2.imwrite(str(args.out / f"{family}_truth.png"), draw_truth(scene.image, scene.truth))
        log.info(
            "%s: %d digits, %d numbers", family, len(scene.truth.labels), len(scene.truth.numbers)
        )
    if args.video:
        video = render_video(digits.images, digits.labels, args.seed, family=args.video)
        prefix = "video" if args.video == "video" else f"{args.video}_video"
        for i, (frame, truth) in enumerate(zip(video.frames, video.truths, strict=True)):
            cv2.imwrite(str(args.out / f"{prefix}_{i:03d}.png"), draw_truth(frame, truth))
        log.info("%s video: %d frames", args.video, len(video.frames))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
