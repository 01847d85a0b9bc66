"""Negatives written by hand with a pen: lowercase letters and joined words drawn as strokes of
one width, from thin ballpoint to marker, and pieces of such words as the finder cuts them.

The font kinds (:mod:`camdigit.training.negative_characters`) draw letters as typefaces draw
them: contrast between thick and thin, serifs, a bold weight. Letters written beside digits on
a page look different: one pen width throughout, a loop and a stem for an "a" or a "d", arches
for "m" and "n", letters joined by their exit strokes. Such letters, and the parts of a word the
finder cuts out when it splits a word at its thin joins, are read as digits by a model that
never saw them, so this kind draws them from hand-made skeletons.

Letters a person may read as a digit (o, l, i, s, z, b, g, q, t, y and the like) are not
drawn; a piece that came out a bare bar is drawn again by the caller (a "1").

numpy and OpenCV only.
"""

from __future__ import annotations

import numpy as np

from camdigit.core.cuts import between_cuts, cut_paths
from camdigit.training.negative_digits import (
    DIGIT_LIKENESS,
    PIECE_BAR_RATIO,
    digit_bank,
    digit_likeness,
)
from camdigit.training.negative_render import (
    KindFunction,
    Raw,
    camera_crop,
    chaikin,
    elastic,
    has_loop,
    is_bar,
    polylines,
    tight,
    warp,
)

PIECE_SHARE = 0.45
"""Share of the cursive crops that are a piece of a word (the rest: a letter or a word)."""

FINDER_CUT_SHARE = 0.6
"""Share of those pieces cut along the finder's own cut paths (the rest: a window)."""

_BOWL = "45,62 30,50 8,60 3,82 15,99 32,96 45,72"
"""The round bowl of an "a" or "d", open at the top right."""


def _arch(left: int, width: int) -> str:
    """One arch of an "n" or "m", from the stem at ``left`` down to the baseline."""
    xs = (left, left + 35 * width // 100, left + 80 * width // 100, left + width, left + width)
    return " ".join(f"{x},{y}" for x, y in zip(xs, (72, 50, 56, 75, 100), strict=True))


_STROKES: dict[str, tuple[int, list[str]]] = {
    # letter: (advance, strokes), in hundredths of the x-height; x to the right, y down; the
    # x-height spans y 50-100, ascenders reach 0 and descenders 140
    "a": (60, [_BOWL, "47,50 46,86 50,99 60,95"]),
    "d": (60, [_BOWL, "47,0 46,86 50,99 60,95"]),
    "dcurl": (60, [_BOWL, "47,99 50,40 42,8 25,4 16,14"]),  # a d whose stem curls back
    "c": (50, ["45,58 30,50 10,60 4,80 15,98 35,99 48,90"]),
    "e": (50, ["6,78 42,72 38,56 24,50 7,60 3,82 17,99 37,99 48,90"]),
    "e2": (35, ["2,95 30,62 20,50 8,62 12,92 34,98"]),  # a small cursive e
    "h": (50, ["5,0 5,100", _arch(5, 38)]),
    "h2": (50, ["5,100 5,25 15,2 25,20 5,70", _arch(5, 38)]),  # a looped h
    "k": (50, ["5,0 5,100", "42,52 7,76 44,100"]),
    "m": (80, ["5,52 5,100", _arch(5, 33), _arch(38, 33)]),
    "n": (50, ["5,52 5,100", _arch(5, 38)]),
    "u": (55, ["5,52 6,88 20,99 36,90 44,52", "44,52 45,100"]),
    "v": (50, ["2,52 22,100 46,52"]),
    "w": (80, ["2,52 18,100 38,60 56,100 76,52"]),
    "x": (50, ["4,52 46,100", "46,52 4,100"]),
    "p": (55, ["6,52 6,140", "6,62 28,50 46,64 42,90 22,99 6,92"]),
    "alpha": (65, ["60,50 45,82 30,99 10,92 5,72 20,52 40,62 55,95 64,100"]),
}
"""Hand-made skeletons of letters that no one reads as a digit, as "x,y x,y ..." polylines."""

_SKELETONS: dict[str, tuple[float, list[np.ndarray]]] = {
    letter: (
        advance / 100,
        [np.array([p.split(",") for p in s.split()], float) / 100 for s in strokes],
    )
    for letter, (advance, strokes) in _STROKES.items()
}
"""The skeletons as arrays of (x, y) points in x-heights."""

LETTERS = tuple(_SKELETONS)


def _written(rng: np.random.Generator, letters: list[str], joined: bool) -> list[np.ndarray]:
    """The strokes of ``letters`` side by side, in the skeletons' units, jittered like a hand,
    joined from each letter's last point to the next one's first when ``joined``."""
    strokes: list[np.ndarray] = []
    x = 0.0
    wobble = rng.uniform(0.01, 0.035)
    for letter in letters:
        advance, skeleton = _SKELETONS[letter]
        size = rng.uniform(0.9, 1.1)
        for k, stroke in enumerate(skeleton):
            points = stroke * size + [x, 0.0]
            points = points + rng.normal(0, wobble, points.shape)
            if joined and k == 0 and strokes:
                bridge = np.vstack([strokes[-1][-1], points[0]])
                strokes.append(bridge)
            strokes.append(chaikin(points, 2) if len(points) > 2 else points)
        x += advance * size + rng.uniform(0.05, 0.2) * (0.3 if joined else 1.0)
    return strokes


def _render(rng: np.random.Generator, strokes: list[np.ndarray]) -> np.ndarray:
    """Strokes drawn with one pen: an x-height of 30-90 px, the pen a hairline of 3% of it up to
    a marker's quarter."""
    x_height = rng.uniform(30.0, 90.0)
    pen = rng.uniform(0.03, 0.1) if rng.random() < 0.6 else rng.uniform(0.1, 0.25)
    thickness = max(1, int(round(pen * x_height)))
    unit = 2 * x_height  # the skeletons' x-height is half their unit
    points = [s * unit for s in strokes]
    lo = np.min([p.min(axis=0) for p in points], axis=0)
    hi = np.max([p.max(axis=0) for p in points], axis=0)
    pad = thickness + 4
    points = [p - lo + pad for p in points]
    w, h = (hi - lo + 2 * pad).astype(int) + 1
    return polylines((int(h), int(w)), points, thickness)


def _cursive(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """A handwritten letter, a joined or spaced word of 2-4 letters, or a piece of one."""
    piece = rng.random() < PIECE_SHARE
    count = 1 if rng.random() < 0.4 and not piece else int(rng.integers(2, 5))
    letters = [LETTERS[int(rng.integers(len(LETTERS)))] for _ in range(count)]
    ink = _render(rng, _written(rng, letters, joined=rng.random() < 0.6))
    ink = warp(rng, ink, shear=0.4, rotate_deg=12.0, stretch=0.15)
    if rng.random() < 0.6:
        ink = elastic(rng, ink, rng.uniform(0.004, 0.015))
    if piece:
        cut = (
            _finder_piece(rng, ink, digit_bank(digits)) if rng.random() < FINDER_CUT_SHARE else None
        )
        ink = _window(rng, ink) if cut is None else cut
    return camera_crop(rng, ink)


def _finder_piece(rng: np.random.Generator, ink: np.ndarray, bank: np.ndarray) -> np.ndarray | None:
    """One or two of the parts the finder's own cuts (:func:`camdigit.core.cuts.cut_paths`)
    leave of a word, as the model is shown them at run time: the half of an "m" or a "w", an
    arch and a stem. A part a person might read as a digit (a bar, a big closed loop, a close
    likeness to some whole MNIST digit of ``bank``) is not used: None when the word has no
    cut or no fair part turned up in a few tries."""
    word = tight(ink)
    solid = word > 0.5
    paths = cut_paths(solid, solid.shape[0])
    if not paths:
        return None
    bounds = [None, *paths, None]  # the word's own edges and its cuts, left to right
    columns = np.arange(word.shape[1])
    for _ in range(10):
        start = int(rng.integers(len(bounds) - 1))
        end = min(len(bounds) - 1, start + (1 if rng.random() < 0.7 else 2))
        part = word * between_cuts(columns, len(word), len(columns), bounds[start], bounds[end])
        if (part > 0.5).sum() < 0.15 * solid.sum() / (len(bounds) - 1):
            continue  # a sliver
        part = tight(part)
        mask = part > 0.5
        if is_bar(mask, PIECE_BAR_RATIO) or has_loop(mask, share=0.2):
            continue
        if digit_likeness(part, bank) < DIGIT_LIKENESS:
            return part
    return None


def _window(rng: np.random.Generator, ink: np.ndarray) -> np.ndarray:
    """A part of a word, as wide as one or two letters, cut where the finder might cut it; a
    part with a big closed loop (an "o" left of an "a") is cut again elsewhere."""
    cols = np.flatnonzero(ink.max(axis=0) > 0.1)
    rows = np.flatnonzero(ink.max(axis=1) > 0.1)
    if len(cols) < 4 or len(rows) < 4:
        return ink
    left, right = int(cols[0]), int(cols[-1]) + 1
    height = int(rows[-1] - rows[0] + 1)
    for _ in range(10):
        width = int(rng.uniform(0.4, 0.9) * height)
        if width >= right - left:
            return ink
        start = int(rng.integers(left, right - width))
        part = ink[:, start : start + width]
        if not has_loop(part > 0.5, share=0.2):
            return part
    return ink


CURSIVE_KIND_FUNCTIONS: dict[str, KindFunction] = {"cursive": _cursive}
"""The kind drawn here and the function drawing one raw camera crop (dark ink) of it."""
