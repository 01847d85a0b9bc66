"""Surfaces a page lies on, for scenes whose background is textured rather than a plain desk.

A camera pointed at a page often sees what is around it: a wall, a wooden table, a carpet, a
tablecloth. Those textures are where a digit finder goes wrong: a naive thresholder takes the
dark pits of a plaster wall, the knots of a plank or the flecks of a carpet for ink. Each
:data:`GROUND_KINDS` is one such surface, drawn from a ``numpy.random.Generator`` with vectorized
numpy and OpenCV (a 1280x720 ground takes a few tens of milliseconds):

* ``wall``: plaster, stucco or woodchip paper, bright (120..230) and possibly painted, with
  mid-frequency bumps lit from one side (embossed filtered noise) and many small dark pits and
  specks, the hard case;
* ``wood``: planks with wavy grain, knots (dark elliptic rings the grain bends around), seams
  between and across planks, brown tones;
* ``carpet``: dense fibre noise with coloured flecks, medium-dark or coloured;
* ``fabric``: a fine periodic weave (plain, twill or a tartan check), with folds that shade it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

GROUND_KINDS: tuple[str, ...] = ("wall", "wood", "carpet", "fabric")


def ground_image(rng: np.random.Generator, kind: str, size: tuple[int, int]) -> np.ndarray:
    """A textured surface, float32 BGR (H, W, 3) with values in 0..255, size = (width, height)."""
    if kind not in _MAKERS:
        raise ValueError(f"unknown ground kind {kind!r}; known kinds: {', '.join(GROUND_KINDS)}")
    width, height = (int(n) for n in size)
    if width < 1 or height < 1:
        raise ValueError(f"a ground needs a positive size, got {size}")
    image = _MAKERS[kind](rng, width, height)
    return np.clip(image, 0.0, 255.0, out=image).astype(np.float32, copy=False)


# ---------------------------------------------------------------------------------------------
# Noise


def _noise(
    rng: np.random.Generator, w: int, h: int, cell_x: float, cell_y: float | None = None
) -> np.ndarray:
    """Smooth noise (float32 (h, w), std about 0.7) with features ``cell_x`` by ``cell_y`` px."""
    cell_y = cell_x if cell_y is None else cell_y
    grid = (max(2, int(h / cell_y) + 2), max(2, int(w / cell_x) + 2))
    coarse = rng.standard_normal(grid, dtype=np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


def _soft_noise(
    rng: np.random.Generator, w: int, h: int, cell_x: float, cell_y: float
) -> np.ndarray:
    """Smooth noise (float32 (h, w), unit std) with no kinks, for fields whose slope is shown.

    Band-limited on a grid of 8 px cells before the cubic upscale, so the shading of its
    slope shows no seams along the grid.
    """
    gw, gh = max(4, w // 8 + 4), max(4, h // 8 + 4)
    coarse = rng.standard_normal((gh, gw), dtype=np.float32)
    coarse = cv2.GaussianBlur(coarse, (0, 0), cell_x / 16, sigmaY=cell_y / 16)
    coarse *= np.float32(1.0 / (float(coarse.std()) + 1e-6))
    big = cv2.resize(coarse, (8 * gw, 8 * gh), interpolation=cv2.INTER_CUBIC)
    return big[16 : 16 + h, 16 : 16 + w]


def _grain(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Per-pixel noise (float32 (h, w), zero mean, unit std); uniform, which is fast to draw."""
    noise = rng.random((h, w), dtype=np.float32)
    noise -= np.float32(0.5)
    noise *= np.float32(math.sqrt(12.0))
    return noise


def _specks(rng: np.random.Generator, w: int, h: int, density: float, radius: int) -> np.ndarray:
    """Random specks (float32 (h, w), 0..1) of about ``radius`` px, ``density`` per pixel."""
    count = int(rng.poisson(density * w * h))
    out = np.zeros((h, w), np.float32)
    out[rng.integers(0, h, count), rng.integers(0, w, count)] = rng.uniform(0.4, 1.0, count)
    sigma = 0.5 + 0.25 * radius
    if radius > 0:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)
        out = cv2.dilate(out, kernel)
    out = cv2.GaussianBlur(out, (0, 0), sigma)
    out *= np.float32(1.0 / _speck_peak(radius, sigma))  # a speck's middle keeps its depth
    return np.minimum(out, np.float32(1.0), out=out)


def _speck_peak(radius: int, sigma: float) -> float:
    """Peak of one speck of ``radius`` after the blur of :func:`_specks`."""
    size = 2 * radius + 9
    one = np.zeros((size, size), np.float32)
    one[size // 2, size // 2] = 1.0
    if radius > 0:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)
        one = cv2.dilate(one, kernel)
    return float(cv2.GaussianBlur(one, (0, 0), sigma).max())


def _emboss(height: np.ndarray, angle: float) -> np.ndarray:
    """Shading of a height field lit from ``angle``: the slope towards the light, unit std."""
    gx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3)
    shade = gx * np.float32(-math.cos(angle)) + gy * np.float32(-math.sin(angle))
    shade *= np.float32(1.0 / (float(shade.std()) + 1e-6))
    return shade


def _paint(rng: np.random.Generator) -> np.ndarray:
    """A BGR multiplier for a wall paint: white, cream, pale grey, blue, green, yellow or pink."""
    tint = _PAINTS[int(rng.integers(len(_PAINTS)))] * rng.uniform(0.97, 1.03, 3)
    return np.minimum(tint, 1.0).astype(np.float32)


_PAINTS = np.array(
    [[1.0, 1.0, 1.0], [0.86, 0.95, 1.0], [0.93, 0.95, 0.97], [1.0, 0.95, 0.88],
     [0.88, 0.98, 0.9], [0.76, 0.94, 1.0], [0.93, 0.9, 1.0]],
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Kinds


def _wall(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    woodchip = rng.random() < 0.4
    bump_cell = rng.uniform(4.0, 10.0)
    relief = _noise(rng, w, h, bump_cell) + 0.5 * _noise(rng, w, h, 3 * bump_cell)
    relief += np.float32(0.35) * _noise(rng, w, h, 2.0)
    if woodchip:  # wood fibres pressed into the paper: small raised chips
        relief += 3.0 * _specks(rng, w, h, rng.uniform(0.004, 0.01), int(rng.integers(1, 3)))
    shade = _emboss(relief, rng.uniform(0, 2 * math.pi))
    shade = np.where(shade < 0, np.float32(1.4) * shade, shade)  # shadows deeper than highlights
    base = rng.uniform(150, 215)
    grey = np.float32(base) + np.float32(rng.uniform(12, 26)) * shade
    grey += np.float32(rng.uniform(3, 10)) * _noise(rng, w, h, rng.uniform(150, 400))
    grey += np.float32(2.5) * _grain(rng, w, h)
    pits = _specks(rng, w, h, rng.uniform(0.0008, 0.002), 1)
    pits += _specks(rng, w, h, rng.uniform(0.0015, 0.004), 0)
    pits += 0.8 * _specks(rng, w, h, rng.uniform(0.0002, 0.0006), 2)
    grey -= np.float32(rng.uniform(0.45, 0.7) * base) * np.minimum(pits, np.float32(1.0))
    return grey[..., None] * _paint(rng)


def _wood(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    vertical = rng.random() < 0.5
    along, across = (h, w) if vertical else (w, h)
    plank = across / rng.uniform(2.5, 7.0)
    v = np.arange(across, dtype=np.float32)[:, None] + np.float32(rng.uniform(0, plank))
    index = (v[:, 0] // np.float32(plank)).astype(np.int32)
    local = v - index[:, None] * np.float32(plank)
    planks = int(index.max()) + 1
    # Grain: growth rings cut lengthwise, wavy, pushed aside by knots.
    warp = _noise(rng, along, across, rng.uniform(200, 500), rng.uniform(20, 50))
    warp *= np.float32(rng.uniform(4, 10))
    dark = np.zeros((across, along), np.float32)
    for _ in range(int(rng.integers(0, 4))):
        _knot(rng, warp, dark, index, plank)
    period = rng.uniform(4.0, 12.0, planks).astype(np.float32)[index][:, None]
    phase = rng.uniform(0, 100, planks).astype(np.float32)[index][:, None]
    warp += local + phase
    warp *= np.float32(2 * math.pi) / period
    rings = np.sin(warp, out=warp)
    rings += np.float32(1)
    rings *= np.float32(0.5)
    rings *= rings if rng.random() < 0.5 else rings * rings  # sharp dark late-wood lines
    g = np.float32(rng.uniform(0.35, 0.55)) * rings
    g += np.float32(0.12) * _noise(rng, along, across, rng.uniform(60, 200), rng.uniform(1.2, 2.5))
    g += dark
    g += np.float32(0.04) * _grain(rng, along, across)
    np.clip(g, 0, 1.4, out=g)
    shade = np.float32(1) - np.float32(rng.uniform(0.4, 0.6)) * g
    shade *= np.float32(1) + np.float32(0.06) * _noise(rng, along, across, 300)
    # Seams: between planks, and where two planks meet end to end.
    edge = np.minimum(local, np.float32(plank) - local)
    shade *= np.float32(1) - np.float32(0.55) * np.exp(-(edge**2) * np.float32(0.4))
    for i in range(planks):
        _butt_joint(shade, index == i, rng.uniform(0, along))
    tones = _wood_tones(rng, planks)[index]
    if vertical:
        return shade.T[..., None] * tones[None, :, :]
    return shade[..., None] * tones[:, None, :]


def _butt_joint(shade: np.ndarray, rows: np.ndarray, at: float) -> None:
    """Darken a seam across the plank made of ``rows``, at ``at`` along it."""
    lo, hi = max(0, int(at) - 3), min(shade.shape[1], int(at) + 4)
    if lo >= hi:
        return
    d = np.arange(lo, hi, dtype=np.float32) - np.float32(at)
    shade[rows, lo:hi] *= np.float32(1) - np.float32(0.55) * np.exp(-(d**2) * np.float32(0.4))


def _wood_tones(rng: np.random.Generator, planks: int) -> np.ndarray:
    """Light BGR tone of each plank: one wood, each plank a little lighter or darker."""
    red = rng.uniform(120, 215)
    green = red * rng.uniform(0.62, 0.78)
    base = np.array([green * rng.uniform(0.5, 0.72), green, red])
    spread = rng.uniform(0.85, 1.12, (planks, 1))
    return (base * spread).astype(np.float32)


def _knot(
    rng: np.random.Generator, warp: np.ndarray, dark: np.ndarray, index: np.ndarray, plank: float
) -> None:
    """Add a knot in place: the grain bends around it, its heart and rings are dark.

    ``index`` is the plank of each row: a knot stays inside its plank.
    """
    across, along = warp.shape
    a = rng.uniform(0.08, 0.2) * plank * rng.uniform(1.2, 2.0)  # half-length along the grain
    b = rng.uniform(0.08, 0.2) * plank  # half-width across
    cu, cv = rng.uniform(0, along), rng.uniform(0, across)
    rows = np.flatnonzero(index == index[min(int(cv), across - 1)])
    u0, u1 = max(0, int(cu - 5 * a)), min(along, int(cu + 5 * a) + 1)
    v0, v1 = max(int(rows[0]), int(cv - 5 * b)), min(int(rows[-1]) + 1, int(cv + 5 * b) + 1)
    if u0 >= u1 or v0 >= v1:
        return
    du = (np.arange(u0, u1, dtype=np.float32)[None, :] - np.float32(cu)) / np.float32(a)
    dv = (np.arange(v0, v1, dtype=np.float32)[:, None] - np.float32(cv)) / np.float32(b)
    d2 = du**2 + dv**2
    d = np.sqrt(d2)
    warp[v0:v1, u0:u1] += np.float32(b * rng.uniform(1.0, 2.0)) * np.exp(-d2 / 6) * np.sign(dv)
    rings = np.float32(0.5) + np.float32(0.5) * np.cos(d * np.float32(2 * math.pi * 1.2))
    heart = np.exp(-d2) * np.float32(0.8)
    dark[v0:v1, u0:u1] += heart + rings * np.exp(-d2 / 4) * np.float32(0.35)


def _carpet(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    base = _CARPET_COLOURS[int(rng.integers(len(_CARPET_COLOURS)))] * rng.uniform(0.8, 1.15)
    # Fibres: per-pixel noise smeared a few pixels along the pile's direction.
    length = int(rng.integers(2, 5))
    kernel = np.zeros((length, length), np.float32)
    if rng.random() < 0.5:
        np.fill_diagonal(kernel, 1.0 / length)
    else:
        np.fill_diagonal(np.fliplr(kernel), 1.0 / length)
    fibres = cv2.filter2D(_grain(rng, w, h), -1, kernel)
    lum = fibres * np.float32(rng.uniform(0.15, 0.25) * math.sqrt(length))
    lum += np.float32(1)
    lum += np.float32(0.18) * _noise(rng, w, h, rng.uniform(2.0, 4.0))  # tufts
    lum += np.float32(0.08) * _noise(rng, w, h, rng.uniform(60, 200))  # pile brushed both ways
    # Two yarns of slightly different colour twisted together, and flecks of other yarns.
    other = base * rng.uniform(0.75, 1.25, 3)
    mix = np.clip(np.float32(0.5) + np.float32(0.5) * _noise(rng, w, h, 3.0), 0, 1)
    flecks = []
    for _ in range(int(rng.integers(1, 4))):
        colour = _FLECK_COLOURS[int(rng.integers(len(_FLECK_COLOURS)))] * rng.uniform(0.8, 1.2)
        fleck = _specks(rng, w, h, rng.uniform(0.001, 0.004), int(rng.integers(1, 3)))
        flecks.append((fleck * np.float32(rng.uniform(0.7, 1.0)), colour))
    channels = []
    for c in range(3):  # channel by channel: plain 2-D arithmetic is the fastest
        chan = cv2.scaleAdd(mix, float(other[c] - base[c]), np.full_like(mix, base[c]))
        chan *= lum
        for alpha, colour in flecks:
            chan += alpha * (np.float32(colour[c]) - chan)
        channels.append(chan)
    return cv2.merge(channels)


_FLECK_COLOURS = np.array(
    [[220, 230, 235], [150, 200, 230], [25, 25, 25], [40, 180, 220], [200, 150, 100]],
    dtype=np.float64,
)


_CARPET_COLOURS = np.array(
    [
        [70, 70, 72],  # grey
        [105, 100, 98],
        [110, 60, 40],  # blue
        [50, 45, 120],  # burgundy
        [60, 95, 70],  # green
        [85, 110, 130],  # beige-brown
        [40, 40, 45],  # charcoal
        [120, 80, 110],  # purple-ish
    ],
    dtype=np.float64,
)


def _fabric(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    angle = rng.uniform(-0.5, 0.5)
    c, s = np.float32(math.cos(angle)), np.float32(math.sin(angle))
    x = np.arange(w, dtype=np.float32)[None, :]
    y = np.arange(h, dtype=np.float32)[:, None]
    # Folds: a smooth height field that bends the threads and shades the cloth.
    folds = _soft_noise(rng, w, h, rng.uniform(150, 300), rng.uniform(50, 120))
    along = rng.uniform(0, math.pi)
    bend = folds * np.float32(rng.uniform(1, 3))
    u = x * c + y * s + bend * np.float32(math.cos(along))
    v = y * c - x * s + bend * np.float32(math.sin(along))
    period = rng.uniform(2.2, 5.0)
    k = np.float32(math.pi / period)
    su, sv = np.sin(u * k), np.sin(v * k)
    over = _weave(rng, u, v, su, sv, k)  # > 0 where the warp thread lies on top
    top = np.clip(np.float32(0.5) + np.float32(2.5) * over, 0, 1)
    # Brightness: the middle of the thread on top is bright, the gaps between threads dark.
    lum = np.abs(sv)
    lum += top * (np.abs(su) - lum)
    lum *= np.float32(0.3)
    lum += np.float32(0.7)
    slub = rng.uniform(0.94, 1.06, 997).astype(np.float32)  # threads differ a little
    lum *= slub[np.floor(u * np.float32(1 / period)).astype(np.int32) % len(slub)]
    lum *= np.float32(1) + np.float32(rng.uniform(0.1, 0.22)) * _emboss(folds, rng.uniform(0, 6.3))
    lum += np.float32(0.03) * _grain(rng, w, h)
    warp_colours, weft_colours = _fabric_colours(rng, int(period * rng.uniform(20, 50)))
    if len(warp_colours) == 1:
        warp, weft = warp_colours[0], weft_colours[0]
    else:
        warp = warp_colours[np.floor(u).astype(np.int32) % len(warp_colours)]
        weft = weft_colours[np.floor(v).astype(np.int32) % len(weft_colours)]
    colour = top[..., None] * (warp - weft) + weft
    colour *= lum[..., None]
    return colour


def _weave(
    rng: np.random.Generator,
    u: np.ndarray,
    v: np.ndarray,
    su: np.ndarray,
    sv: np.ndarray,
    k: np.float32,
) -> np.ndarray:
    """Where the warp lies over the weft (> 0) in a plain weave, a 2/2 twill or a basket."""
    style = int(rng.integers(3))
    if style == 0:
        return su * sv
    if style == 1:
        return np.sin((u - v) * (k / np.float32(2)))
    return np.sin(u * (k / np.float32(2))) * np.sin(v * (k / np.float32(2)))


def _fabric_colours(rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Warp and weft colours along one repeat (one row each when plain): a plain cloth, a
    denim-like one (coloured warp, pale weft) or a tartan sett."""
    grey = rng.uniform(50, 200)
    main = np.clip(grey + rng.uniform(-70, 70, 3), 20, 235)
    style = int(rng.integers(3))
    if style == 0:
        warp, weft = main[None], main[None] * rng.uniform(0.85, 1.0)
    elif style == 1:
        warp, weft = main[None] * 0.7, rng.uniform(170, 230, (1, 3))
    else:
        palette = np.vstack([main, rng.uniform(20, 230, (int(rng.integers(2, 4)), 3))])
        widths = rng.integers(3, max(4, length // 4), 64)
        bands = np.repeat(rng.integers(0, len(palette), 64), widths)[:length]
        warp = weft = np.vstack([palette[bands], palette[bands][::-1]])  # a mirrored sett
    return warp.astype(np.float32), weft.astype(np.float32)


_MAKERS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "wall": _wall,
    "wood": _wood,
    "carpet": _carpet,
    "fabric": _fabric,
}
assert tuple(_MAKERS) == GROUND_KINDS
