"""Negatives that are doodles: the marks people draw beside numbers on a page.

Stars, smileys, spirals, clouds, hearts, ticks, crossed or ticked boxes and scribbled-out
marks, each in a 100x100 box (as the letter kind's hand-drawn symbols), drawn with a hand's
wobble in one pen width. Each shape keeps what tells it from a digit
(a star's five points, a smiley's face inside its ring, a cloud's bumps, a spiral's turns):
none of them is a shape a person reads as a digit. A bare ring would be a 0 and is never drawn.
"""

from __future__ import annotations

import cv2
import numpy as np

from camdigit.training.negative_render import (
    KindFunction,
    Raw,
    box_strokes,
    camera_crop,
    chaikin,
    elastic,
    warp,
)


def _ring(centre: tuple[float, float], radii: tuple[float, float], start: float, end: float):
    """Points of an elliptic arc from ``start`` to ``end`` degrees."""
    arc = cv2.ellipse2Poly(
        (round(centre[0]), round(centre[1])),
        (round(radii[0]), round(radii[1])),
        0,
        round(start),
        round(end),
        8,
    )
    return np.asarray(arc, float)


def _star(rng: np.random.Generator) -> list[np.ndarray]:
    """A five-pointed star in one stroke (a pentagram), or its outline."""
    turn = rng.uniform(0, 2 * np.pi)
    if rng.random() < 0.6:
        angles = turn + np.arange(6) * 4 * np.pi / 5
        radius = np.full(6, 45.0)
    else:
        angles = turn + np.arange(11) * np.pi / 5
        radius = np.where(np.arange(11) % 2 == 0, 45.0, rng.uniform(17, 24))
    points = np.c_[50 + radius * np.cos(angles), 50 + radius * np.sin(angles)]
    return [points + rng.uniform(-3, 3, points.shape)]


def _smiley(rng: np.random.Generator) -> list[np.ndarray]:
    """A face: a ring, two eyes and a mouth (smiling or not)."""
    ring = _ring((50, 50), (44, rng.uniform(38, 46)), 0, 360)
    eyes = [np.array([[x, 34.0], [x + rng.uniform(-1, 1), 42.0]]) for x in (35.0, 65.0)]
    if rng.random() < 0.7:
        mouth = _ring((50, 56), (22, rng.uniform(10, 18)), 20, 160)
    else:
        mouth = np.array([[32.0, 68.0], [68.0, 68.0 + rng.uniform(-6, 6)]])
    return [ring, *eyes, mouth]


def _spiral(rng: np.random.Generator) -> list[np.ndarray]:
    """A spiral of two to three and a half turns."""
    turns = rng.uniform(2.0, 3.5)
    t = np.linspace(0, 1, 160)
    angle = rng.uniform(0, 2 * np.pi) + np.sign(rng.uniform(-1, 1)) * 2 * np.pi * turns * t
    radius = 3 + 44 * t
    return [np.c_[50 + radius * np.cos(angle), 50 + radius * np.sin(angle)]]


def _cloud(rng: np.random.Generator) -> list[np.ndarray]:
    """A closed outline of five to eight bumps."""
    bumps = int(rng.integers(5, 9))
    t = np.linspace(0, 2 * np.pi, 240)
    radius = 32 + 12 * np.abs(np.sin(bumps * t / 2))
    return [np.c_[50 + 1.3 * radius * np.cos(t), 50 + 0.9 * radius * np.sin(t)]]


def _heart(rng: np.random.Generator) -> list[np.ndarray]:
    """A heart: two lobes meeting in a point."""
    t = np.linspace(0, 2 * np.pi, 120)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    return [np.c_[50 + 2.7 * x, 50 - 2.7 * y]]


def _tick(rng: np.random.Generator) -> list[np.ndarray]:
    """A tick (check mark): a short stroke down, a long one up to the right."""
    low = np.array([38 + rng.uniform(-6, 6), 88.0])
    return [chaikin(np.array([[8.0, 55 + rng.uniform(-8, 8)], low, [94.0, 8.0]]), 1)]


def _marked_box(rng: np.random.Generator) -> list[np.ndarray]:
    """A square box, crossed, ticked or scribbled in."""
    box = np.array([[12.0, 12.0], [88.0, 12.0], [88.0, 88.0], [12.0, 88.0], [12.0, 14.0]])
    mark = int(rng.integers(3))
    if mark == 0:
        inside = [np.array([[20.0, 20.0], [80.0, 80.0]]), np.array([[80.0, 20.0], [20.0, 80.0]])]
    elif mark == 1:
        inside = [np.array([[22.0, 52.0], [42.0, 76.0], [84.0, 4.0]])]
    else:
        rows = np.linspace(22, 78, int(rng.integers(4, 8)))
        inside = [np.c_[np.where(np.arange(len(rows)) % 2 == 0, 20.0, 80.0), rows]]
    return [box, *inside]


def _scribble(rng: np.random.Generator) -> list[np.ndarray]:
    """Something scribbled out: a tight zigzag back and forth."""
    count = int(rng.integers(6, 12))
    xs = np.where(np.arange(count) % 2 == 0, 10.0, 90.0) + rng.uniform(-6, 6, count)
    ys = np.linspace(20, 80, count) + rng.uniform(-4, 4, count)
    return [np.c_[xs, ys]]


DOODLES = (_star, _smiley, _spiral, _cloud, _heart, _tick, _marked_box, _scribble)
"""Every shape the doodle kind draws, each equally often."""


def _doodle(rng: np.random.Generator, digits: np.ndarray) -> Raw:
    """One doodle, drawn with a wobbling hand at a random pen width, as a camera crop."""
    ink = box_strokes(rng, DOODLES[int(rng.integers(len(DOODLES)))](rng))
    ink = warp(rng, ink, shear=0.25, rotate_deg=20.0, stretch=0.15)
    if rng.random() < 0.7:
        ink = elastic(rng, ink, rng.uniform(0.005, 0.02))
    return camera_crop(rng, ink)


DOODLE_KIND_FUNCTIONS: dict[str, KindFunction] = {"doodle": _doodle}
"""The doodle kind and the function drawing one raw camera crop (dark ink) of it."""
